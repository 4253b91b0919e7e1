#!/usr/bin/env bash
# keyspec v2 through the CLI: `init` writes keyspec 2 by default; two v2
# nodes find the shared victims of multiscript data; a v1 node refuses the
# v2 peer's table with a clear error instead of silently finding nothing.
source "$(dirname "$0")/lib.sh"
F="$FEDLINK"
EX="$(dirname "$0")/../deploy/examples"
"$F" federation init --dir "$WORK/coord" --federation-id ks-test >"$WORK/fed.txt"
KEY=$(tail -1 "$WORK/fed.txt")
BASE=$(free_port_base 3)
# police and ngo take init's default (keyspec 2); shelter asks for 1.
declare -A SPEC=([police]= [ngo]= [shelter]="--keyspec 1")
i=0
for n in police ngo shelter; do
  # shellcheck disable=SC2086 # SPEC is a flag and its value, or nothing
  "$F" init --dir "$WORK/$n" --key-file "$KEYS/$n.key" --node-id "$n" --org "$n" \
    --role "$([ $n = police ] && echo agency || echo ngo)" --listen "127.0.0.1:$((BASE + i))" \
    ${SPEC[$n]} >/dev/null
  "$F" member-request --dir "$WORK/$n" >"$WORK/$n.txtpb"
  # The example policies as they ship: their budgets are sized for keyspec
  # v2 (a key type's budget counts records, docs/policy.md).
  install -m 600 "$EX/$n.policy.txtpb" "$WORK/$n/policy.txtpb"
  i=$((i + 1))
done
grep -q "^keyspec: 2$" "$WORK/police/node.conf" || { cat "$WORK/police/node.conf"; fail "node.conf keyspec"; }
grep -q "^keyspec: 1$" "$WORK/shelter/node.conf" || { cat "$WORK/shelter/node.conf"; fail "node.conf keyspec 1"; }
expect_exit 2 "$F" init --dir "$WORK/bad" --key-file "$KEYS/bad.key" --node-id bad --org bad --keyspec 3
grep -q -- "--keyspec: 1 or 2" "$WORK/err" || { cat "$WORK/err"; fail "keyspec 3 accepted"; }
pass "init writes keyspec 2 by default, 1 when asked, and refuses an unknown keyspec"

"$F" roster add --dir "$WORK/coord" "$WORK"/police.txtpb "$WORK"/ngo.txtpb "$WORK"/shelter.txtpb >/dev/null
"$F" roster sign --dir "$WORK/coord" --out "$WORK/roster.bin" >/dev/null
for n in police ngo shelter; do
  "$F" roster install --dir "$WORK/$n" --federation-key "$KEY" "$WORK/roster.bin" >/dev/null
done
"$F" gen --profile multiscript --persons 600 --overlap 0.4 --out-a "$WORK/police.csv" \
  --out-b "$WORK/ngo.csv" --truth "$WORK/truth.csv" --seed 5 >/dev/null
cp "$WORK/ngo.csv" "$WORK/shelter.csv"
for n in ngo shelter; do "$F" import --dir "$WORK/$n" "$WORK/$n.csv" >/dev/null 2>&1 || fail "import $n"; done
# The data-quality report at import and on the store (issue 16, item 5):
# counts and the partner's own ids only, never a value.
expect_exit 0 "$F" import --dir "$WORK/police" --report "$WORK/police.csv"
grep -q "^data quality: 600 records, keyspec v2, t=2$" "$WORK/out" || { cat "$WORK/out"; fail "import --report"; }
grep -Eq "^given_name +600 +0$" "$WORK/out" || { cat "$WORK/out"; fail "given_name row"; }
grep -Eq "^cannot reach t=2: [0-9]+ records$" "$WORK/out" || fail "cannot reach t line"
FIRST=$(sed -n 2p "$WORK/police.csv" | cut -d, -f3)
[ -n "$FIRST" ] && grep -qF "$FIRST" "$WORK/out" && fail "a name leaked into the report"
expect_exit 0 "$F" records --dir "$WORK/police" quality
grep -q "^data quality: 600 records, keyspec v2, t=2$" "$WORK/out" || { cat "$WORK/out"; fail "records quality"; }
grep -Eq "^key types per record: [0-9.]+ \(keys per record: [0-9.]+\)$" "$WORK/out" || fail "key types line"
pass "import --report and records quality"
declare -A PIDS_BY
for n in police ngo shelter; do
  "$F" serve --dir "$WORK/$n" --witness-interval 1h 2>"$WORK/$n.log" &
  PIDS_BY[$n]=$!
  PIDS+=("$!")
done
for n in police ngo shelter; do wait_for_status "$WORK/$n"; done
wait_for_peers "$WORK/ngo"

expect_exit 0 "$F" match --dir "$WORK/ngo" --peer police --purpose victim-dedup --out "$WORK/r.csv"
MATCHES=$(($(wc -l <"$WORK/r.csv") - 1))
[ "$MATCHES" -ge 10 ] || { cat "$WORK/err"; fail "only $MATCHES matches with keyspec v2"; }
"$F" eval --results "$WORK/r.csv" --truth "$WORK/truth.csv" --peer-dir "$WORK/police" >"$WORK/eval.txt"
P=$(sed -n 's/.*precision=\([0-9.]*\).*/\1/p' "$WORK/eval.txt")
awk -v p="$P" 'BEGIN { exit !(p >= 0.97) }' || { cat "$WORK/eval.txt"; fail "precision $P"; }
grep -q "given_date\|family_date\|name_words" "$WORK/r.csv" || fail "no v2 key type in the results"
pass "two keyspec v2 nodes match $MATCHES victims (precision $P)"

set +e
"$F" match --dir "$WORK/shelter" --peer police --purpose victim-dedup --out "$WORK/r1.csv" >"$WORK/out" 2>"$WORK/err"
CODE=$?
set -e
[ "$CODE" -ne 0 ] || { cat "$WORK/err"; fail "a v1 node matched a v2 peer"; }
grep -q "peer police speaks keyspec 2, this node keyspec 1" "$WORK/err" || { cat "$WORK/err"; fail "no keyspec error"; }
pass "a keyspec v1 node refuses a v2 peer's table, saying why"

for n in police ngo shelter; do kill -TERM "${PIDS_BY[$n]}"; wait "${PIDS_BY[$n]}" || fail "$n did not stop cleanly"; done
echo "keyspec_cli_test: all passed"
