#!/usr/bin/env bash
# Builds the libFuzzer targets (clang-14, ASan + UBSan, build dir build-fuzz) and runs each
# for SECONDS_PER_TARGET seconds (default 60), or for TRUCE_FUZZ_RUNS executions when that is
# set (inputs up to TRUCE_FUZZ_MAX_LEN bytes, default 4096; TRUCE_FUZZ_FLAGS adds libFuzzer flags,
# TRUCE_FUZZ_ASAN_OPTIONS adds ASan options, e.g. malloc_context_size=0 for a long campaign:
# ASan then keeps no stack per allocation, a tenth of the time of the slow targets; a crash's
# report then lacks where the memory was allocated, so rerun the crash input without it).
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]   (targets: fuzz/CMakeLists.txt)
#
# Seeds: the authored ones in fuzz/corpus/TARGET, plus seeds derive_seeds cuts from the shared
# data corpus (TRUCE_SHARED_DATA, default ../shared/data) into a temporary directory. What the
# fuzzer learns is kept in build-fuzz/corpus/TARGET between runs; crashes go to
# build-fuzz/crashes/ and make the script exit 1 (add each to fuzz/regressions/TARGET and a
# unit test beside the parser). Prints executions, exec/s, coverage and crashes per target.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=("$@")
if ((${#targets[@]} == 0)); then
  targets=(json scenario zones reports report_json positions points exemptions csv gzip claims decisions
           request api)
fi
data=${TRUCE_SHARED_DATA:-$(cd .. && pwd)/shared/data}

launcher=()
if command -v ccache >/dev/null 2>&1; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
# One configure and build at a time: several campaigns may run side by side.
mkdir -p build-fuzz
exec 9>build-fuzz/.build-lock
flock 9
# TRUCE_FUZZ_NO_BUILD=1 runs the binaries already built (a long campaign in chunks need not
# rebuild after every change of the tree).
if [[ -z "${TRUCE_FUZZ_NO_BUILD:-}" || ! -x build-fuzz/fuzz/derive_seeds ]]; then
  CC=clang-14 CXX=clang++-14 cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DTRUCE_BUILD_FUZZERS=ON -DTRUCE_BUILD_TESTS=OFF "${launcher[@]}" >/dev/null
  cmake --build build-fuzz --target fuzzers
  git describe --always --dirty >build-fuzz/built-from 2>/dev/null || echo unknown >build-fuzz/built-from
fi
flock -u 9

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
build-fuzz/fuzz/derive_seeds "$data" . "$work/seeds" >"$work/seeds.log" || true
mkdir -p build-fuzz/crashes

dict_for() {
  case "$1" in
    json | scenario | zones | report_json) echo fuzz/json.dict ;;
    reports | positions | claims | decisions | request | api) echo fuzz/json.dict ;;  # JSON and CSV forms; the JSON dict has the keys
    points | exemptions | csv) echo fuzz/csv.dict ;;
    *) echo "" ;;
  esac
}

summary=()
failed=0
for t in "${targets[@]}"; do
  corpus=build-fuzz/corpus/$t
  mkdir -p "$corpus"
  budget=(-max_total_time="$seconds")
  if [[ -n "${TRUCE_FUZZ_RUNS:-}" ]]; then budget=(-runs="$TRUCE_FUZZ_RUNS"); fi
  dict=$(dict_for "$t")
  args=("${budget[@]}" -max_len="${TRUCE_FUZZ_MAX_LEN:-4096}" -timeout=20 -rss_limit_mb=2560 -print_final_stats=1
        -artifact_prefix="build-fuzz/crashes/$t-")
  [[ -n "$dict" ]] && args+=(-dict="$dict")
  # Extra libFuzzer flags, e.g. TRUCE_FUZZ_FLAGS=-entropic=0 (faster on targets with many
  # features, at some cost in how well inputs are chosen).
  # shellcheck disable=SC2206
  [[ -n "${TRUCE_FUZZ_FLAGS:-}" ]] && args+=(${TRUCE_FUZZ_FLAGS})
  # libFuzzer exits on a corpus directory that does not exist: pass only those that do
  # (a target may have no regressions yet, or no seeds derived from the shared data).
  seeds=()
  for d in fuzz/corpus/"$t" fuzz/regressions/"$t" "$work/seeds/$t"; do
    [[ -d "$d" ]] && seeds+=("$d")
  done
  log=build-fuzz/fuzz-$t.log
  echo "== $t: ${args[*]}"
  status=0
  ASAN_OPTIONS=detect_leaks=1${TRUCE_FUZZ_ASAN_OPTIONS:+:$TRUCE_FUZZ_ASAN_OPTIONS} build-fuzz/fuzz/"${t}"_fuzzer "${args[@]}" "$corpus" "${seeds[@]}" \
    >"$log" 2>&1 || status=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  units=$(find "$corpus" -type f | wc -l)
  crash="none"
  if ((status != 0)); then
    # The input that failed: a crash, leak, timeout or out-of-memory artifact. Slow units are
    # written too (an input over 10 s of wall-clock time, such as the api target rebuilding its
    # store on a loaded machine) but are not failures; a run stopped from outside has none.
    crash=$(grep -o 'build-fuzz/crashes/[^ ]*' "$log" | grep -v -- '-slow-unit-' | tail -1 || true)
    [[ -z "$crash" ]] && crash="exit $status, no failing input (stopped?), see $log"
    failed=1
    tail -40 "$log"
  fi
  summary+=("$(printf '%-12s %12s runs %8s exec/s  cov %6s  ft %6s  corpus %6s  crash %s' \
    "$t" "${runs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "$units" "${crash:-see $log}")")
  # The campaign's ledger: one line per run, so that a campaign resumed over several sessions
  # (the corpus is kept) can be totalled per target and per commit.
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$t" \
    "$(cat build-fuzz/built-from 2>/dev/null || echo unknown)" "${runs:-0}" "${rate:-?}" \
    "${cov:-?}" "${ft:-?}" "$units" "${crash:-unknown}" >>build-fuzz/campaign.tsv
done
echo
printf '%s\n' "${summary[@]}"
echo
echo "campaign so far (build-fuzz/campaign.tsv): executions per target"
awk -F'\t' '{ runs[$2] += $4; if ($9 != "none") bad[$2] = $9 }
  END { for (t in runs) printf "  %-12s %12d%s\n", t, runs[t], (t in bad) ? "  crash: " bad[t] : "" }' \
  build-fuzz/campaign.tsv | sort
exit "$failed"
