#!/usr/bin/env bash
# Configures and builds truce into ./build (RelWithDebInfo, Ninja, all cores).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@"
cmake --build build -j"$(nproc)"
# The dashboard: npm packages pinned by web/package-lock.json, copied into web/dist.
(cd web && npm ci --no-audit --no-fund && npm run build)
