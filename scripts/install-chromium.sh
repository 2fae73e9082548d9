#!/usr/bin/env bash
# Install Debian's Chromium for the browser test (tests/web/page.test.ts drives it headless with
# playwright-core; its WebGPU adapter is SwiftShader, on the CPU). Needs root and apt-get.
# scripts/setup.sh runs it when /usr/bin/chromium is missing; by hand: `sudo scripts/install-chromium.sh`.
set -euo pipefail

say() { echo "install-chromium: $*" >&2; }
die() { echo "install-chromium: error: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root: sudo $0"
command -v apt-get >/dev/null || die "apt-get not found: install Chromium (or Chrome) yourself and set SHOWO_CHROMIUM to its path"

export DEBIAN_FRONTEND=noninteractive
# The package lists may be stale or absent on a fresh machine: update only when the install fails.
if ! apt-get install -y --no-install-recommends chromium >&2; then
  say "updating the package lists and trying again"
  apt-get update >&2
  apt-get install -y --no-install-recommends chromium >&2 || die "apt-get could not install chromium (see above)"
fi
command -v chromium >/dev/null || die "chromium is still not on PATH after the install"
say "installed $(chromium --version 2>/dev/null | head -n1)"
