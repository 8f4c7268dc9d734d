#!/usr/bin/env bash
# The whole test suite: install, build, run every test through CTest.
# Tests that need the real-data corpus read ../shared/data and skip when it is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh -DTRUCE_BUILD_BENCHMARKS=ON
ctest --test-dir build --output-on-failure -j"$(nproc)"
