#!/usr/bin/env bash
# Runs on a GPU machine that has no Node: the CUDA tests and benchmarks, from the bundle that
# scripts/gpu-check.sh made in .cache/gpu-check/ (run it from the repository root there).
#
#   1. unpacks Node (node.xz) into a temporary folder and the runtime packages into node_modules/
#      (when absent), and puts the addon where backends/cuda/addon.ts looks for it;
#   2. reports the machine: GPU (nvidia-smi), driver, nvcc, glibc;
#   3. runs the CUDA tests with SHOWO_TARGET=cuda: tests/backends/cuda-*.test.ts, and the golden
#      tests that honour SHOWO_TARGET (the others need WebGPU, which is not carried);
#   4. runs `showo bench matmul --target cuda` when the bench has a --target option.
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
TESTS=(tests/backends/cuda-*.test.ts)
for f in tests/golden/*.test.ts; do
  if grep -q -E 'SHOWO_TARGET|targetFromEnv|openDeviceFor' "$f"; then TESTS+=("$f"); else echo "skipping $f: it runs on WebGPU only"; fi
done
status=0
node --test --test-concurrency=1 "${TESTS[@]}" || status=$?

step "benchmarks"
if node cli/showo.js bench --help 2>/dev/null | grep -q -- '--target'; then
  node cli/showo.js bench matmul --target cuda || echo "bench matmul --target cuda failed (exit $?)"
else
  echo "showo bench has no --target option yet: no CUDA benchmark to run"
fi

rm -rf "$BIN"
echo
echo "gpu-run: tests exit status $status"
exit $status
