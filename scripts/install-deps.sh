#!/usr/bin/env bash
# Installs what truce needs to build and test on Debian bookworm (run as root).
# Skips apt-get entirely when everything is already installed, so repeated runs are fast.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libgeos-dev libgeographiclib-dev libcli11-dev libfmt-dev nlohmann-json3-dev zlib1g-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libsqlite3-dev libsodium-dev libcpp-httplib-dev
  libpq-dev postgresql-15
  libtinyxml2-dev libs2-dev libboost-dev
  chromium
)
# The dashboard is built with npm; use the machine's Node.js when it has one, else Debian's.
command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
