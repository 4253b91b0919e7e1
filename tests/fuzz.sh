#!/usr/bin/env bash
# Runs fedlink's libFuzzer targets (fuzz/, docs/fuzzing.md), built in
# build-sanitize/ under ASan+UBSan (tests/sanitize.sh builds the tree).
#   tests/fuzz.sh TARGET SECONDS   one target for SECONDS
#   tests/fuzz.sh --all SECONDS    every target for SECONDS, two at a time
#   tests/fuzz.sh --list           the targets
#   tests/fuzz.sh --make-seeds     rewrite the binary seeds in fuzz/corpus/
# The seeds in fuzz/corpus/TARGET stay small and unchanged: what fuzzing
# adds goes to build-sanitize/fuzz/corpus/TARGET, kept between runs. Prints
# the executions and coverage of each run and appends them to
# build-sanitize/fuzz/ledger.tsv. Exits non-zero on a finding (a crash, a
# sanitizer report, a failed FUZZ_CHECK, a leak, a timeout or running out
# of memory) and names the file holding the input.
set -euo pipefail
cd "$(dirname "$0")/.."
TREE=build-sanitize
OUT="$TREE/fuzz"
usage() { sed -n '2,6s/^# \{0,1\}//p' "$0" >&2; exit 2; }
targets() { sed -n 's/^fedlink_fuzzer(\(fuzz_[a-z_]*\) .*/\1/p' fuzz/CMakeLists.txt; }

# run_one TARGET SECONDS: one run; prints one summary line.
run_one() {
  local t=$1 secs=$2
  local bin="$TREE/fuzz/$t" corpus="$OUT/corpus/$t" crashes="$OUT/crashes/$t" log="$OUT/logs/$t.log"
  [ -x "$bin" ] || { echo "fuzz: no target $t (see --list)" >&2; return 2; }
  mkdir -p "$corpus" "$crashes" "$OUT/logs"
  # Targets that write files write them under a scratch directory, in memory
  # when /dev/shm is there.
  local scratch
  scratch=$(mktemp -d "$( [ -w /dev/shm ] && echo /dev/shm || echo "$OUT")/fedlink-fuzz.XXXXXX")
  local dict=()
  [ -f "fuzz/dict/$t.dict" ] && dict=("-dict=fuzz/dict/$t.dict")
  local rc=0
  TMPDIR="$scratch" \
  UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1" \
  ASAN_OPTIONS="detect_leaks=1" \
  LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp:print_suppressions=0" \
    "$bin" -max_total_time="$secs" -timeout=30 -rss_limit_mb=2048 -malloc_limit_mb=512 \
      -print_final_stats=1 -artifact_prefix="$crashes/" "${dict[@]}" \
      "$corpus" "fuzz/corpus/$t" >"$log" 2>&1 || rc=$?
  rm -rf "$scratch"
  local execs cov
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  local result=ok
  if [ "$rc" -ne 0 ]; then
    local input
    input=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
    result="FINDING (exit $rc): input ${input:-not written}, log $log"
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$t" "$secs" "${execs:-0}" \
    "${cov:-0}" "$result" >>"$OUT/ledger.tsv"
  printf '%-20s %6ss %12s execs  cov %6s  %s\n' "$t" "$secs" "${execs:-0}" "${cov:-0}" "$result"
  [ "$rc" -eq 0 ]
}

[ $# -ge 1 ] || usage
case "$1" in
  --list) targets; exit 0 ;;
  --make-seeds)
    ./tests/sanitize.sh --build-fuzz
    "$TREE/fuzz/fuzz_make_seeds" fuzz/corpus
    exit 0 ;;
  --all)
    [ $# -eq 2 ] || usage
    ./tests/sanitize.sh --build-fuzz
    mkdir -p "$OUT"
    export -f run_one
    export TREE OUT
    # Two at a time (2 cores); xargs exits non-zero if any run did.
    if targets | xargs -P 2 -I{} bash -c 'run_one "$1" "$2"' _ {} "$2"; then
      echo "fuzz: every target ran $2 s without a finding"
    else
      echo "fuzz: FINDINGS above (crash inputs under $OUT/crashes/)" >&2
      exit 1
    fi ;;
  -*) usage ;;
  *)
    [ $# -eq 2 ] || usage
    ./tests/sanitize.sh --build-fuzz
    run_one "$1" "$2" ;;
esac
