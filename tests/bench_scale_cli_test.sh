#!/usr/bin/env bash
# fedlink bench scale at tiny sizes: the documented table is printed, one row
# per (size, peers), every figure present and sane (no timing asserted).
source "$(dirname "$0")/lib.sh"

# The bench's temporary node directories go under this test's scratch dir.
export TMPDIR="$WORK"
"$FEDLINK" bench scale --sizes 400,600 --peers 1,3 --lookups 10 >"$WORK/out" 2>"$WORK/err" ||
  { cat "$WORK/err" >&2; fail "bench scale failed"; }
cat "$WORK/out"
head -1 "$WORK/out" | grep -q '^ *records \+peers \+import/s \+build_s \+ec_s \+build/ec \+fetches_s \+fetch/bd \+evals \+table_MiB \+index_MiB \+delta_s \+d_evals \+batch \+batch_s \+p50_ms \+p99_ms \+cpu_s/f$' ||
  fail "header is not the documented one"
rows=$(awk 'NR > 1 && $1 ~ /^[0-9]+$/' "$WORK/out" | wc -l)
[ "$rows" -eq 4 ] || fail "expected 4 rows (2 sizes x 2 peer counts), got $rows"
awk 'NR > 1 && $1 ~ /^[0-9]+$/ {
  if (NF != 18) { print "row has " NF " columns"; exit 1 }
  for (i = 3; i <= 18; i++) if ($i !~ /^[0-9.]+$/) { print "column " i " is not a number"; exit 1 }
  if ($3 <= 0 || $4 <= 0 || $5 <= 0 || $10 <= 0 || $11 <= 0) { print "a figure is zero"; exit 1 }
  if ($12 <= 0 || $13 <= 0 || $15 <= 0 || $16 <= 0 || $17 < $16) { print "delta, batch or lookups"; exit 1 }
  # Build once, serve many: 1 and 3 peers cost the same OPRF evaluations.
  evals[$1] = evals[$1] " " $9
  # A 1% delta evaluates a small fraction of what the table did.
  if ($13 * 20 > $9) { print "delta evaluated " $13 " of " $9; exit 1 }
} END {
  for (s in evals) { split(evals[s], e, " "); if (e[1] != e[2]) { print "evaluations grew with peers: " evals[s]; exit 1 } }
}' "$WORK/out" || fail "a figure is missing or insane"
grep -q '^cores [0-9]\+$' "$WORK/out" || fail "no cores line"
pass "bench scale prints the documented table"

# The requester's cache alone (issue 20 item 3), tiny.
expect_exit 0 "$FEDLINK" bench scale --cache-records 2000 --cache-tables 3 --lookups 30
grep -q "^cache of 3 synthetic tables, 2000 records and 24000 entries each" "$WORK/out" \
  || { cat "$WORK/out"; fail "no cache bench header"; }
awk '$1 == "paged" || $1 == "memory" { n++; for (i = 2; i <= 5; i++) if ($i !~ /^[0-9.]+$/) exit 1 }
  $1 == "paged" { paged = $2 } $1 == "memory" { memory = $2 }
  END { exit !(n == 2 && paged > 0 && paged * 50 < memory) }' "$WORK/out" \
  || { cat "$WORK/out"; fail "cache bench rows missing, or paged not far smaller than memory"; }
grep -q "^hits 30 of 30 lookups$" "$WORK/out" || { cat "$WORK/out"; fail "cache bench lookups missed"; }
expect_exit 2 "$FEDLINK" bench scale --cache-records 2000 --cache-tables 0
pass "bench scale --cache-records prints the paged cache against the in-memory index"

expect_exit 2 "$FEDLINK" bench scale --sizes 0
grep -q -- "--sizes" "$WORK/err" || fail "a bad --sizes is not named"
expect_exit 2 "$FEDLINK" bench scale --sizes 500 --peers 1,x
grep -q -- "--peers" "$WORK/err" || fail "a bad --peers is not named"
pass "bad counts are refused, naming the flag"
