#!/usr/bin/env bash
# The whole test suite under AddressSanitizer and UndefinedBehaviorSanitizer
# (-fsanitize=address,undefined -fno-sanitize-recover=all): any memory error, leak or
# undefined behaviour aborts the test that caused it. Build dir build-asan. Usage:
#   scripts/sanitize.sh [CTEST_ARGS...]        e.g. scripts/sanitize.sh -R BadInput
# With TRUCE_FUZZ_SECONDS=N (and clang-14 installed) it then runs every fuzz target for N
# seconds (scripts/fuzz.sh). .ci/run calls this when TRUCE_SANITIZE=1 (docs/reliability.md).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh

flags="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
launcher=()
if command -v ccache >/dev/null 2>&1; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" \
  -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" \
  -DCMAKE_SHARED_LINKER_FLAGS="-fsanitize=address,undefined" >/dev/null
cmake --build build-asan -j"$(nproc)"

# Every process the tests start (the truce binary too) reports to stderr and fails loudly.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
ctest --test-dir build-asan --output-on-failure -j"$(nproc)" --timeout 1800 "$@"

if [[ -n "${TRUCE_FUZZ_SECONDS:-}" ]]; then
  if command -v clang++-14 >/dev/null 2>&1; then
    scripts/fuzz.sh "$TRUCE_FUZZ_SECONDS"
  else
    echo "sanitize.sh: clang++-14 not found; skipping the fuzz run" >&2
  fi
fi
