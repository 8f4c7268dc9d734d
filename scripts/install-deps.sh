#!/usr/bin/env bash
# Installs what truce needs to build and test on Debian bookworm (run as root).
# Skips apt-get entirely when everything is already installed, so repeated runs are fast.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libgeos-dev libgeographiclib-dev libcli11-dev libfmt-dev nlohmann-json3-dev zlib1g-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libsimdjson-dev  # the fast position reader (docs/performance.md)
  libsqlite3-dev libsodium-dev libcpp-httplib-dev
  libpq-dev postgresql-15
  libnats-dev nats-server  # the message bus and flight workers (docs/deployment.md)
  libssl-dev  # webhook signatures (HMAC-SHA256)
  libtinyxml2-dev libs2-dev libboost-dev
  chromium
  poppler-utils  # pdftotext: the daily report's PDF is read back in the browser test
  clang-14 libclang-rt-14-dev  # fuzzing (scripts/fuzz.sh): libFuzzer and the sanitizer runtimes
  # docs/openapi.yaml is embedded at build time by Debian's python3 with python3-yaml.
  python3 python3-yaml
  # The real clients the interoperability tests drive (tests/interop_test.cc): GDAL's
  # ogrinfo/ogr2ogr, QGIS headless, promtool.
  gdal-bin python3-qgis prometheus
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

# The OpenAPI tools (@redocly/cli, ajv) pinned by tools/openapi/package-lock.json, for the
# interoperability tests; reinstalled only when the lock file changed.
openapi_tools="$(dirname "$0")/../tools/openapi"
if ! cmp -s "$openapi_tools/package-lock.json" "$openapi_tools/node_modules/.installed-lock"; then
  (cd "$openapi_tools" && npm ci --no-audit --no-fund &&
    cp package-lock.json node_modules/.installed-lock)
fi
