#!/usr/bin/env bash
# A first lookup without the whole table (docs/private-match.md "Bucket
# lookups"): with bucket_lookup in police's rule, the NGO's lookup of an
# intake fetches only buckets (nothing cached), finds the same candidate as
# with the whole table, and both nodes log it; without bucket_lookup the
# request is refused and the lookup falls back to the whole table.
source "$(dirname "$0")/lib.sh"
F="$FEDLINK"
EX="$(dirname "$0")/../deploy/examples"
"$F" federation init --dir "$WORK/coord" --federation-id bucket-test >"$WORK/fed.txt"
KEY=$(tail -1 "$WORK/fed.txt")
BASE=$(free_port_base 2)
declare -A ROLE=([police]=agency [ngo]=ngo)
# police shares victims with NGOs in buckets of at least 20 records.
sed -e 's/^  name: "ngos-dedup-victims"/&\n  bucket_lookup { min_bucket_records: 20 }/' \
  "$EX/police.policy.txtpb" >"$WORK/police.buckets.txtpb"
grep -q "min_bucket_records: 20" "$WORK/police.buckets.txtpb" || fail "policy edit"
i=0
for n in police ngo; do
  "$F" init --dir "$WORK/$n" --key-file "$KEYS/$n.key" --node-id "$n" --org "$n" --role "${ROLE[$n]}" \
    --listen "127.0.0.1:$((BASE + i))" >/dev/null
  "$F" member-request --dir "$WORK/$n" >"$WORK/$n.txtpb"
  i=$((i + 1))
done
install -m 600 "$WORK/police.buckets.txtpb" "$WORK/police/policy.txtpb"
install -m 600 "$EX/ngo.policy.txtpb" "$WORK/ngo/policy.txtpb"
"$F" roster add --dir "$WORK/coord" "$WORK"/police.txtpb "$WORK"/ngo.txtpb >/dev/null
"$F" roster sign --dir "$WORK/coord" --out "$WORK/roster.bin" >/dev/null
for n in police ngo; do
  "$F" roster install --dir "$WORK/$n" --federation-key "$KEY" "$WORK/roster.bin" >/dev/null
done
"$F" gen --persons 1500 --overlap 0.3 --out-a "$WORK/police.csv" --out-b "$WORK/ngo.csv" \
  --truth "$WORK/truth.csv" --seed 11 >/dev/null
for n in police ngo; do "$F" import --dir "$WORK/$n" "$WORK/$n.csv" >/dev/null 2>&1 || fail "import $n"; done
declare -A PIDS_BY
for n in police ngo; do
  "$F" serve --dir "$WORK/$n" --witness-interval 1h 2>"$WORK/$n.log" &
  PIDS_BY[$n]=$!
  PIDS+=("$!")
done
for n in police ngo; do wait_for_status "$WORK/$n"; done
wait_for_peers "$WORK/ngo"

# One consented police victim as the intake, from standard input.
ROW=$(awk -F, '$2=="victim" && $16=="victim-dedup" && $9!="" && $6!="" {print; exit}' "$WORK/police.csv")
G=$(cut -d, -f3 <<<"$ROW"); FAM=$(cut -d, -f4 <<<"$ROW"); DOB=$(cut -d, -f6 <<<"$ROW"); PH=$(cut -d, -f9 <<<"$ROW")
printf 'given_name,family_name,dob,phone\n%s,%s,%s,%s\n' "$G" "$FAM" "$DOB" "$PH" >"$WORK/intake.csv"

# 1. Buckets: found, nothing cached, both sides logged it.
expect_exit 0 "$F" lookup --dir "$WORK/ngo" --purpose victim-dedup --intake "$WORK/intake.csv"
grep -q "^police,h[0-9a-f]*,[0-9.]*,.*,victim," "$WORK/out" || { cat "$WORK/out" "$WORK/err"; fail "bucket lookup found nothing"; }
grep -q "peer police: table not fetched: buckets of [0-9]*-bit prefixes, [0-9]* of [0-9]* slots" "$WORK/err" \
  || { cat "$WORK/err"; fail "no bucket lookup"; }
BUCKET_OUT=$(cut -d, -f1,2 "$WORK/out")
SLOTS=$(sed -n 's/.*buckets of [0-9]*-bit prefixes, \([0-9]*\) of \([0-9]*\) slots.*/\1 \2/p' "$WORK/err")
read -r GOT ALL <<<"$SLOTS"
[ "$GOT" -lt "$ALL" ] || fail "buckets held the whole table ($GOT of $ALL)"
ls "$WORK/ngo/cache/"*victim-dedup* >/dev/null 2>&1 && fail "a bucket lookup cached a table"
expect_exit 0 "$F" audit export --dir "$WORK/police" --out "$WORK/police.audit"
expect_exit 0 "$F" audit list "$WORK/police.audit"
grep -q ",match.buckets.served,.*buckets: [0-9]* prefixes of [0-9]* bits" "$WORK/out" \
  || { cat "$WORK/out"; fail "police did not log the buckets served"; }
grep -qi "$FAM" "$WORK/out" && fail "personal data in the audit log"
expect_exit 0 "$F" audit export --dir "$WORK/ngo" --out "$WORK/ngo.audit"
expect_exit 0 "$F" audit list "$WORK/ngo.audit"
grep -q ",match.buckets.fetched," "$WORK/out" || { cat "$WORK/out"; fail "ngo did not log the buckets fetched"; }
pass "lookup fetched $GOT of $ALL slots in buckets, found the intake, cached nothing; both logged it"

# 2. --whole-table: the same candidate from the whole table (now cached).
expect_exit 0 "$F" lookup --dir "$WORK/ngo" --purpose victim-dedup --intake "$WORK/intake.csv" --whole-table
grep -q "peer police: table fetched" "$WORK/err" || { cat "$WORK/err"; fail "--whole-table"; }
[ "$(cut -d, -f1,2 "$WORK/out")" = "$BUCKET_OUT" ] || { cat "$WORK/out"; fail "whole table found otherwise"; }
pass "--whole-table finds the same candidate"

# 3. A rule without bucket_lookup refuses; the lookup falls back to the table.
install -m 600 "$EX/police.policy.txtpb" "$WORK/police/policy.txtpb"
touch -d "+2 seconds" "$WORK/police/policy.txtpb"
rm -f "$WORK/ngo/cache/"*
expect_exit 0 "$F" lookup --dir "$WORK/ngo" --purpose victim-dedup --intake "$WORK/intake.csv"
grep -q "peer police: no bucket lookup (.*does not allow bucket lookups.*); fetching the table" "$WORK/err" \
  || { cat "$WORK/err"; fail "refusal not noted"; }
grep -q "peer police: table fetched" "$WORK/err" || { cat "$WORK/err"; fail "no fallback"; }
grep -q "^police,h[0-9a-f]*,[0-9.]*,.*,victim," "$WORK/out" || fail "fallback found nothing"
expect_exit 0 "$F" audit export --dir "$WORK/police" --out "$WORK/police2.audit"
expect_exit 0 "$F" audit list "$WORK/police2.audit"
grep -q ",match.buckets.refused," "$WORK/out" || { cat "$WORK/out"; fail "refusal not logged"; }
pass "without bucket_lookup the request is refused, logged, and the whole table fetched"

for n in police ngo; do kill -TERM "${PIDS_BY[$n]}"; wait "${PIDS_BY[$n]}" || fail "$n did not stop cleanly"; done
echo "bucket_lookup_cli_test: all passed"
