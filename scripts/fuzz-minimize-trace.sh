#!/usr/bin/env bash
# Cuts a trace of a stateful fuzz target (the api target's TRUCE_FUZZ_TRACE directory: every
# request the store saw before a crash, one file each) down to the requests the crash needs:
# whole runs of requests are dropped while the rest, replayed in order, still crashes; then
# single ones. The request that crashed, the last file, is always kept.
# Usage: scripts/fuzz-minimize-trace.sh FUZZER TRACE_DIR OUT_DIR
#   e.g. TRUCE_FUZZ_TRACE=/tmp/trace build-fuzz/fuzz/api_fuzzer ... (crashes), then
#        scripts/fuzz-minimize-trace.sh build-fuzz/fuzz/api_fuzzer /tmp/trace fuzz/regressions/api/NAME
# OUT_DIR receives the requests left, renamed 0001-..., 0002-..., to replay in name order.
set -euo pipefail
if (($# != 3)); then
  echo "usage: $0 FUZZER TRACE_DIR OUT_DIR" >&2
  exit 2
fi
fuzzer=$1 trace=$2 out=$3
mapfile -t files < <(find "$trace" -maxdepth 1 -type f | sort)
((${#files[@]} > 0)) || { echo "$trace: no requests" >&2; exit 1; }
last=${files[-1]}
unset 'files[-1]'

crashes() {  # the given requests, then the last one, replayed in one process
  ! env -u TRUCE_FUZZ_TRACE "$fuzzer" "$@" "$last" >/dev/null 2>&1
}
crashes "${files[@]}" || { echo "the trace does not crash when replayed" >&2; exit 1; }

chunk=$(((${#files[@]} + 1) / 2))
while ((chunk >= 1 && ${#files[@]} > 0)); do
  i=0
  removed=0
  while ((i < ${#files[@]})); do
    rest=("${files[@]:0:i}" "${files[@]:i+chunk}")
    if crashes "${rest[@]}"; then
      files=("${rest[@]}")
      removed=1
    else
      i=$((i + chunk))
    fi
  done
  echo "chunks of $chunk: ${#files[@]} requests left before the crashing one" >&2
  ((removed)) && ((chunk > 1)) && continue
  chunk=$((chunk / 2))
done

mkdir -p "$out"
n=1
for f in "${files[@]}" "$last"; do
  cp "$f" "$out/$(printf %04d "$n")-$(basename "$f")"
  n=$((n + 1))
done
echo "$out: $((n - 1)) requests" >&2
