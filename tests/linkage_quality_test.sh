#!/usr/bin/env bash
# Linkage-quality regression: bench linkage on FEBRL dataset3 split into
# originals and duplicates, and on generated data, must stay above floors a
# little under the figures in docs/linkage.md. Also exercises eval and dedup.
source "$(dirname "$0")/lib.sh"
f1_of() { tail -1 "$1" | sed -n 's/.*f1=\([0-9.]*\).*/\1/p'; }
above() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; }

"$FEDLINK" gen --persons 3000 --overlap 0.4 --out-a "$WORK/a.csv" --out-b "$WORK/b.csv" \
  --truth "$WORK/truth.csv" --seed 11 >/dev/null
"$FEDLINK" bench linkage --a "$WORK/a.csv" --b "$WORK/b.csv" --truth "$WORK/truth.csv" >"$WORK/gen.out"
tail -1 "$WORK/gen.out" | grep -Eq '^precision=[0-9.]+ recall=[0-9.]+ f1=[0-9.]+$' || fail "last line format"
F1=$(f1_of "$WORK/gen.out")
above "$F1" 0.95 || { cat "$WORK/gen.out"; fail "generated-data F1 $F1 < 0.95"; }
pass "bench linkage on generated data: f1=$F1"

DATA="$TEST_DATA/febrl/dataset3.csv"
require_file "$DATA"
head -1 "$DATA" >"$WORK/fa.csv"; head -1 "$DATA" >"$WORK/fb.csv"
grep -- '-org,' "$DATA" >>"$WORK/fa.csv"
grep -- '-dup-' "$DATA" >>"$WORK/fb.csv"
{ echo id_a,id_b; grep -o '^rec-[0-9]*-dup-[0-9]*' "$DATA" | sed 's/^rec-\([0-9]*\)-dup-.*/rec-\1-org,&/'; } >"$WORK/ft.csv"
MAP="rec_id=external_id,surname=family_name,date_of_birth=dob,soc_sec_id=document,address_1=address,suburb=address"
"$FEDLINK" bench linkage --a "$WORK/fa.csv" --b "$WORK/fb.csv" --truth "$WORK/ft.csv" --map "$MAP" >"$WORK/febrl.out"
F1=$(f1_of "$WORK/febrl.out")
above "$F1" 0.97 || { cat "$WORK/febrl.out"; fail "FEBRL dataset3 F1 $F1 < 0.97"; }
pass "bench linkage on FEBRL dataset3 split: f1=$F1"

# The private match on the same split, between real nodes: F1 within 0.01
# of the clear baseline (the private-matching quality goal).
"$FEDLINK" bench match --a "$WORK/fa.csv" --b "$WORK/fb.csv" --truth "$WORK/ft.csv" --map "$MAP" \
  --lookups 0 >"$WORK/private.out" 2>/dev/null || { cat "$WORK/private.out"; fail "bench match"; }
PF1=$(sed -n 's/^quality private: .*f1=\([0-9.]*\)$/\1/p' "$WORK/private.out")
DIFF=$(sed -n 's/^quality: f1 difference \([0-9.]*\) .*/\1/p' "$WORK/private.out")
above "$PF1" 0.97 || { cat "$WORK/private.out"; fail "private FEBRL F1 $PF1 < 0.97"; }
above 0.01 "$DIFF" || { cat "$WORK/private.out"; fail "private F1 differs from clear by $DIFF"; }
pass "private match on FEBRL dataset3 split: f1=$PF1, difference from clear $DIFF"

# eval: a results file built from the truth scores perfectly; a wrong pair
# lowers precision.
{ echo own_id,peer,handle,score,keys,role; sed 1d "$WORK/truth.csv" | sed 's/\(.*\),\(.*\)/\1,org-b,\2,20,5,victim/'; } >"$WORK/results.csv"
"$FEDLINK" eval --results "$WORK/results.csv" --truth "$WORK/truth.csv" | grep -q "precision=1.0000 recall=1.0000 f1=1.0000" || fail "eval of perfect results"
echo "A-000001,org-b,B-999999,20,5,victim" >>"$WORK/results.csv"
"$FEDLINK" eval --results "$WORK/results.csv" --truth "$WORK/truth.csv" | grep -q "recall=1.0000" || fail "eval recall"
"$FEDLINK" eval --results "$WORK/results.csv" --truth "$WORK/truth.csv" | grep -vq "precision=1.0000" || fail "eval precision did not drop"
pass "eval"

# dedup: a node holding both files finds the shared people as duplicates.
"$FEDLINK" init --dir "$WORK/node" --key-file "$KEYS/node.key" --node-id dedup-test --org T >/dev/null
"$FEDLINK" import --dir "$WORK/node" "$WORK/a.csv" >/dev/null 2>&1
"$FEDLINK" import --dir "$WORK/node" "$WORK/b.csv" >/dev/null 2>&1
"$FEDLINK" dedup --dir "$WORK/node" --out "$WORK/pairs.csv" 2>"$WORK/dedup.err"
head -1 "$WORK/pairs.csv" | grep -q "^id_1,id_2,score,keys$" || fail "dedup header"
FOUND=$(sed 1d "$WORK/pairs.csv" | awk -F, '{ if ($1 < $2) print $1","$2; else print $2","$1 }' | sort >"$WORK/found"; sed 1d "$WORK/truth.csv" | sort | comm -12 - "$WORK/found" | wc -l)
TRUE=$(sed 1d "$WORK/truth.csv" | wc -l)
[ "$FOUND" -ge $((TRUE * 9 / 10)) ] || fail "dedup found $FOUND of $TRUE duplicates"
pass "dedup found $FOUND of $TRUE cross-file duplicates"
echo "linkage_quality_test: all passed"
