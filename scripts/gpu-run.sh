#!/usr/bin/env bash
# Runs on a GPU machine that has no Node: the CUDA tests and benchmarks, from the bundle that
# scripts/gpu-check.sh made in .cache/gpu-check/ (run it from the repository root there).
#
#   1. unpacks Node (node.xz) into a temporary folder and the runtime and test-runner (vitest)
#      packages into node_modules/ (when absent), and puts the addon where backends/cuda/addon.ts
#      looks for it;
#   2. reports the machine: GPU (nvidia-smi), driver, nvcc, glibc;
#   3. runs the CUDA tests with SHOWO_TARGET=cuda: tests/backends/cuda-*.test.ts, and the golden
#      tests, which compile for $SHOWO_TARGET (tests/golden/showo.test.ts, magvit2.test.ts,
#      tests/sampling/mmu-golden.test.ts, t2i-golden.test.ts);
#   4. runs `showo bench matmul --target cuda` and `showo bench showo-forward --target cuda`: ours
#      against PyTorch on the same GPU (bench/torch_peer.py, with $SHOWO_PYTHON or python3).
# Everything is also written to $OUT/gpu-run.log when OUT names a folder. The exit status is the
# tests' (nonzero when any failed).
set -uo pipefail

cd "$(dirname "$0")/.."
B=.cache/gpu-check
[ -f "$B/node.xz" ] || { echo "gpu-run: $B/node.xz is missing: run scripts/gpu-check.sh (make gpu-check) where Node is, and bring $B along" >&2; exit 1; }

if [ -n "${OUT:-}" ] && [ -d "$OUT" ]; then
  exec > >(tee "$OUT/gpu-run.log") 2>&1
fi
step() { printf '\n== %s\n' "$*"; }

# xz may be missing where Python is not: decompress with either.
unxz_to() { # unxz_to FILE.xz DEST
  if command -v xz >/dev/null; then xz -dc "$1" >"$2"
  else python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$1" "$2"; fi
}

step "unpacking"
BIN=$(mktemp -d /tmp/showo-node.XXXXXX)
unxz_to "$B/node.xz" "$BIN/node" && chmod +x "$BIN/node" || { echo "gpu-run: cannot unpack Node" >&2; exit 1; }
export PATH=$BIN:$PATH
node --version || { echo "gpu-run: the carried Node does not run here (glibc $(ldd --version 2>&1 | head -1))" >&2; exit 1; }
if [ ! -d node_modules ]; then
  tmp=$(mktemp /tmp/showo-modules.XXXXXX.tar)
  unxz_to "$B/node_modules.tar.xz" "$tmp" && tar -xf "$tmp" && rm -f "$tmp" || { echo "gpu-run: cannot unpack node_modules" >&2; exit 1; }
fi
mkdir -p .cache/cuda-addon
cp "$B/cudrv.node" .cache/cuda-addon/cudrv.node
# Named explicitly, the addon is used as it is: the tests build it only when SHOWO_CUDA_ADDON is unset.
export SHOWO_CUDA_ADDON=$PWD/.cache/cuda-addon/cudrv.node

step "machine"
cat "$B/manifest.txt" 2>/dev/null | sed 's/^/bundle: /'
uname -srm
ldd --version 2>&1 | head -1
if command -v nvidia-smi >/dev/null; then
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv,noheader
else
  echo "nvidia-smi: not on PATH"
fi
command -v nvcc >/dev/null && nvcc --version | tail -2 || echo "nvcc: not on PATH (kernels cannot be compiled; set CUDA_HOME or PATH)"
node --input-type=module -e '
  const { loadAddon } = await import("./backends/cuda/addon.ts");
  const info = loadAddon().init();
  console.log(`addon: ${info.name}, sm_${info.computeCapability}, driver ${info.driverVersion}, ${info.multiprocessors} SMs, ${(info.totalMem / 2 ** 30).toFixed(1)} GiB`);
' || echo "addon: cannot open the device (see above)"

step "tests (SHOWO_TARGET=cuda)"
export SHOWO_TARGET=cuda
TESTS=(tests/backends/cuda-*.test.ts tests/golden/showo.test.ts tests/golden/magvit2.test.ts
       tests/sampling/mmu-golden.test.ts tests/sampling/t2i-golden.test.ts)
status=0
# vitest (carried in node_modules; there is no npx here), one file at a time: one GPU.
node node_modules/vitest/vitest.mjs run --maxWorkers=1 "${TESTS[@]}" || status=$?

step "benchmarks (ours against PyTorch on the same GPU)"
"${SHOWO_PYTHON:-python3}" -c 'import torch; print(f"torch {torch.__version__}, CUDA {torch.version.cuda}, sees a GPU: {torch.cuda.is_available()}")' \
  || echo "no PyTorch in ${SHOWO_PYTHON:-python3}: set SHOWO_PYTHON to a Python with torch"
for bench in matmul showo-forward; do
  step "showo bench $bench --target cuda"
  node cli/showo.js bench "$bench" --target cuda || echo "bench $bench --target cuda failed (exit $?)"
done

rm -rf "$BIN"
echo
echo "gpu-run: tests exit status $status"
exit $status
