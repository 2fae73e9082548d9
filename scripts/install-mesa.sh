#!/usr/bin/env bash
# Install a Vulkan driver Dawn accepts on Debian 12 without a GPU: Mesa's lavapipe from
# bookworm-backports (Mesa 25; bookworm's own Mesa 22.3 lacks features Dawn requires). Needs root.
# scripts/setup.sh runs it when no WebGPU adapter is found; by hand: `sudo scripts/install-mesa.sh`.
set -euo pipefail

say() { echo "install-mesa: $*" >&2; }
die() { echo "install-mesa: error: $*" >&2; exit 1; }

. /etc/os-release 2>/dev/null || true
[ "${VERSION_CODENAME:-}" = bookworm ] ||
  die "this is for Debian 12 (bookworm); here install a Vulkan driver (a GPU's, or Mesa >= 25 lavapipe) and libvulkan1"
[ "$(id -u)" = 0 ] || die "needs root: sudo $0"
command -v apt-get >/dev/null || die "apt-get not found"

# The URI of the machine's main Debian archive: the first source whose suites include `bookworm`.
debian_uri() {
  local f=/etc/apt/sources.list.d/debian.sources
  if [ -f "$f" ]; then # deb822: blank-line separated stanzas of "Field: values" lines
    awk 'BEGIN { RS = "" }
      { uri = ""; main = 0; n = split($0, line, "\n")
        for (i = 1; i <= n; i++) {
          k = split(line[i], w, /[ \t]+/)
          if (w[1] == "URIs:") uri = w[2]
          if (w[1] == "Suites:") for (j = 2; j <= k; j++) if (w[j] == "bookworm") main = 1
        }
        if (main && uri != "") { print uri; exit } }' "$f"
  elif [ -f /etc/apt/sources.list ]; then # one-line style: deb [options] URI suite components
    sed -E -n 's/^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?([^[:space:]]+)[[:space:]]+bookworm[[:space:]].*/\2/p' /etc/apt/sources.list | head -n1
  fi
}

file=/etc/apt/sources.list.d/bookworm-backports.sources
if ! grep -rqs '^[^#]*bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  uri=$(debian_uri)
  [ -n "$uri" ] || uri=http://deb.debian.org/debian
  say "adding bookworm-backports ($uri) in $file"
  cat >"$file" <<SRC
Types: deb
URIs: $uri
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi

say "apt-get install -t bookworm-backports mesa-vulkan-drivers libvulkan1"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq </dev/null >&2 || die "apt-get update failed"
apt-get install -y -qq -t bookworm-backports mesa-vulkan-drivers libvulkan1 </dev/null >&2 ||
  die "apt-get install of mesa-vulkan-drivers and libvulkan1 from bookworm-backports failed"
