#!/usr/bin/env bash
# The private match through the CLI on loopback nodes with the example
# policies (police, NGO, shelter, and an auditor member): match, eval via the
# owner's handles, resolve, lookup, outbound consent, a purpose the peer does
# not share, an undeclared purpose, a policy change without restart, a spent
# budget, follow-up, consent withdrawal, explain, SIGHUP, and the audit logs
# (witnessing, export, verify and join, fetch by the auditor, report).
source "$(dirname "$0")/lib.sh"
F="$FEDLINK"
EX="$(dirname "$0")/../deploy/examples"
"$F" federation init --dir "$WORK/coord" --federation-id pm-test >"$WORK/fed.txt"
KEY=$(tail -1 "$WORK/fed.txt")
BASE=$(free_port_base 4)
declare -A ROLE=([police]=agency [ngo]=ngo [shelter]=ngo [auditor]=auditor)
# The NGO rotates its keys every 14 days (declared in the roster; peers
# follow it).
declare -A EXTRA=([police]="" [ngo]="--epoch-days 14" [shelter]="" [auditor]="")
# The example budgets serve one nightly batch of a real caseload; this test
# matches the NGO's whole caseload at police eight times in a few minutes,
# so police's copy of its example policy has ten times the budgets.
sed -e 's/daily_evaluate_budget: \([0-9]*\)/daily_evaluate_budget: \10/' \
  -e 's/daily_key_type_budget: \([0-9]*\)/daily_key_type_budget: \10/' \
  "$EX/police.policy.txtpb" >"$WORK/police.policy.txtpb"
declare -A POLICY=([police]="$WORK/police.policy.txtpb" [ngo]="$EX/ngo.policy.txtpb"
  [shelter]="$EX/shelter.policy.txtpb")
i=0
for n in police ngo shelter auditor; do
  # shellcheck disable=SC2086
  "$F" init --dir "$WORK/$n" --key-file "$KEYS/$n.key" --node-id "$n" --org "$n" --role "${ROLE[$n]}" \
    --listen "127.0.0.1:$((BASE + i))" ${EXTRA[$n]} >/dev/null
  "$F" member-request --dir "$WORK/$n" >"$WORK/$n.txtpb"
  [ "$n" = auditor ] || install -m 600 "${POLICY[$n]}" "$WORK/$n/policy.txtpb"
  i=$((i + 1))
done
"$F" roster add --dir "$WORK/coord" "$WORK"/police.txtpb "$WORK"/ngo.txtpb "$WORK"/shelter.txtpb \
  "$WORK"/auditor.txtpb >/dev/null
"$F" roster sign --dir "$WORK/coord" --out "$WORK/roster.bin" >/dev/null
for n in police ngo shelter auditor; do
  "$F" roster install --dir "$WORK/$n" --federation-key "$KEY" "$WORK/roster.bin" >/dev/null
done
"$F" gen --persons 1500 --overlap 0.3 --out-a "$WORK/police.csv" --out-b "$WORK/ngo.csv" \
  --truth "$WORK/truth.csv" --seed 11 >/dev/null
"$F" gen --persons 300 --overlap 0.2 --out-a "$WORK/x.csv" --out-b "$WORK/shelter.csv" \
  --truth "$WORK/x-truth.csv" --seed 12 >/dev/null
for n in police ngo shelter; do "$F" import --dir "$WORK/$n" "$WORK/$n.csv" >/dev/null 2>&1 || fail "import $n"; done
declare -A PIDS_BY
# Witnessing only when section 11 asks for it: a periodic round (every 5
# minutes by default) on a slow machine would change the counts it checks.
for n in police ngo shelter auditor; do
  "$F" serve --dir "$WORK/$n" --witness-interval 1h 2>"$WORK/$n.log" &
  PIDS_BY[$n]=$!
  PIDS+=("$!")
done
for n in police ngo shelter auditor; do wait_for_status "$WORK/$n"; done

# 1. The NGO finds the consented victims police also knows.
wait_for_peers "$WORK/ngo"
expect_exit 0 "$F" match --dir "$WORK/ngo" --peer police --purpose victim-dedup --out "$WORK/r.csv"
[ "$(head -1 "$WORK/r.csv")" = "own_id,peer,handle,score,keys,role,threshold" ] || fail "results header"
MATCHES=$(($(wc -l <"$WORK/r.csv") - 1))
[ "$MATCHES" -ge 20 ] || { cat "$WORK/err"; fail "only $MATCHES matches"; }
grep -q "withheld: no consent for victim-dedup" "$WORK/err" || fail "outbound consent not applied"
tail -n +2 "$WORK/r.csv" | cut -d, -f6 | sort -u | grep -qvx victim && fail "a non-victim was revealed"
grep -q "A-0" "$WORK/r.csv" && fail "a police external id crossed"
grep -q "peer police: told of $MATCHES matches" "$WORK/err" || { cat "$WORK/err"; fail "no mutual notice"; }
pass "ngo matched $MATCHES consented victims against police; only opaque handles crossed"

# 2. Only police can resolve its handles; the pairs are right.
H=$(sed -n 2p "$WORK/r.csv" | cut -d, -f3)
OWN=$(sed -n 2p "$WORK/r.csv" | cut -d, -f1)
expect_exit 0 "$F" resolve --dir "$WORK/police" --handle "$H"
ID=$(cat "$WORK/out")
grep -q "^$ID,$OWN\$" "$WORK/truth.csv" || fail "resolved pair $ID,$OWN is not a true pair"
expect_exit 2 "$F" resolve --dir "$WORK/ngo" --handle "$H"
"$F" eval --results "$WORK/r.csv" --truth "$WORK/truth.csv" --peer-dir "$WORK/police" >"$WORK/eval.txt" || { cat "$WORK/eval.txt"; fail "eval"; }
P=$(sed -n 's/.*precision=\([0-9.]*\).*/\1/p' "$WORK/eval.txt")
awk -v p="$P" 'BEGIN { exit !(p >= 0.97) }' || { cat "$WORK/eval.txt"; head -3 "$WORK/r.csv" "$WORK/truth.csv"; fail "precision $P"; }
pass "police resolves its handle to the true pair; precision $P; ngo cannot resolve it"

# 3. Lookup of one intake against all peers (a consented police victim).
ROW=$(awk -F, '$2=="victim" && $16=="victim-dedup" && $9!="" && $6!="" {print; exit}' "$WORK/police.csv")
G=$(cut -d, -f3 <<<"$ROW"); FAM=$(cut -d, -f4 <<<"$ROW"); DOB=$(cut -d, -f6 <<<"$ROW"); PH=$(cut -d, -f9 <<<"$ROW")
expect_exit 0 "$F" lookup --dir "$WORK/ngo" --purpose victim-dedup --given "$G" --family "$FAM" --dob "$DOB" --phone "$PH"
grep -q "^police,h[0-9a-f]*,[0-9.]*,.*,victim," "$WORK/out" || { cat "$WORK/out" "$WORK/err"; fail "lookup found nothing"; }
pass "lookup finds the intake at police"
# The same intake from standard input, so no personal data is on the command line.
printf 'given_name,family_name,dob,phone\n%s,%s,%s,%s\n' "$G" "$FAM" "$DOB" "$PH" |
  expect_exit 0 "$F" lookup --dir "$WORK/ngo" --purpose victim-dedup --intake -
grep -q "^police,h[0-9a-f]*,[0-9.]*,.*,victim," "$WORK/out" || { cat "$WORK/out" "$WORK/err"; fail "lookup --intake - found nothing"; }
printf '{"given_name": "%s", "family_name": "%s", "dob": "%s"}\n' "$G" "$FAM" "$DOB" >"$WORK/intake.jsonl"
expect_exit 0 "$F" lookup --dir "$WORK/ngo" --purpose victim-dedup --intake "$WORK/intake.jsonl"
expect_exit 2 "$F" lookup --dir "$WORK/ngo" --purpose victim-dedup --intake "$WORK/intake.jsonl" --given "$G"
grep -q "not both" "$WORK/err" || fail "--intake with field flags"
printf 'given_name,dob\nA,1990-01-01\nB,1991-01-01\n' |
  expect_exit 2 "$F" lookup --dir "$WORK/ngo" --purpose victim-dedup --intake -
grep -q "expected one record, found 2" "$WORK/err" || { cat "$WORK/err"; fail "two intakes"; }
printf 'given_name,dob\nMaria,1990-13-45\n' |
  expect_exit 2 "$F" lookup --dir "$WORK/ngo" --purpose victim-dedup --intake -
grep -q "1990-13-45" "$WORK/err" && fail "an intake value leaked into an error"
pass "lookup --intake reads one record from stdin or a file; bad intakes are refused without their values"

# 3b. Deltas: police takes in a consented victim the NGO also knows; the
# NGO's cached table is brought up to date by a delta of one slot, and the
# new match appears. Police then re-imports the record without consent: a
# delta drops its slot.
NEWROW=$(awk -F, 'NR==FNR { if (FNR > 1) known[$2] = 1; next }
  FNR > 1 && $2=="victim" && $16=="victim-dedup" && $9!="" && !($1 in known) {print; exit}' \
  "$WORK/truth.csv" "$WORK/ngo.csv")
[ -n "$NEWROW" ] || fail "no unmatched consented NGO victim in the generated data"
NGO_ID=$(cut -d, -f1 <<<"$NEWROW")
{ head -1 "$WORK/police.csv"; sed 's/^[^,]*,/P-NEW-1,/' <<<"$NEWROW"; } >"$WORK/police-new.csv"
"$F" import --dir "$WORK/police" "$WORK/police-new.csv" >/dev/null 2>&1 || fail "import the new record"
expect_exit 0 "$F" match --dir "$WORK/ngo" --peer police --purpose victim-dedup --max-table-age 0s --out "$WORK/r2.csv"
grep -q "peer police: table [0-9]* records (updated by a delta: 1 added or changed, 0 dropped)" "$WORK/err" \
  || { cat "$WORK/err"; fail "no delta"; }
grep -q "^$NGO_ID,police," "$WORK/r2.csv" || { cat "$WORK/err"; fail "the new record was not found after the delta"; }
[ $(($(wc -l <"$WORK/r2.csv") - 1)) -eq $((MATCHES + 1)) ] || fail "the delta changed other matches"
awk -F, 'BEGIN { OFS = "," } NR == 1 { print; next } { $16 = ""; print }' "$WORK/police-new.csv" >"$WORK/police-withdrawn.csv"
"$F" import --dir "$WORK/police" "$WORK/police-withdrawn.csv" >/dev/null 2>&1 || fail "re-import without consent"
expect_exit 0 "$F" match --dir "$WORK/ngo" --peer police --purpose victim-dedup --max-table-age 0s --out "$WORK/r3.csv"
grep -q "peer police: table [0-9]* records (updated by a delta: 0 added or changed, 1 dropped)" "$WORK/err" \
  || { cat "$WORK/err"; fail "no removal delta"; }
grep -q "^$NGO_ID,police," "$WORK/r3.csv" && fail "a record without consent still matched after the delta"
pass "a delta of one slot adds the new record, another drops it"

# 3c. The cached table is a paged file, 0600, searched by page: a page
# altered on disk is refused (naming the file), deleted and refetched, and
# the match is the same.
CACHED="$WORK/ngo/cache/police~victim-dedup.table"
[ "$(stat -c %a "$CACHED")" = 600 ] || fail "the cached table is not 0600"
/usr/bin/python3 -c 'import sys; p = sys.argv[1]; b = bytearray(open(p, "rb").read()); b[5000] ^= 1; open(p, "wb").write(b)' "$CACHED"
expect_exit 0 "$F" match --dir "$WORK/ngo" --peer police --purpose victim-dedup --out "$WORK/r4.csv"
grep -q "police~victim-dedup.table: table cache .*does not open.*; deleted, refetching" "$WORK/err" \
  || { cat "$WORK/err"; fail "an altered cache page was not refused and refetched"; }
cmp -s <(sort "$WORK/r3.csv") <(sort "$WORK/r4.csv") || fail "the refetched table matched differently"
pass "an altered page of the cached table is refused, deleted and refetched"
# The same through `lookup`, which asks its peers (police, shelter) at once,
# one thread each: every page of police's cached table altered (a lookup
# opens only the pages its tags may be on), the damage is found on police's
# thread, that file alone is deleted and refetched, and the candidates are
# the lookup's before.
expect_exit 0 "$F" lookup --dir "$WORK/ngo" --purpose victim-dedup --intake "$WORK/intake.jsonl"
cp "$WORK/out" "$WORK/lookup-before.txt"
grep -q "^police,h[0-9a-f]*," "$WORK/lookup-before.txt" || { cat "$WORK/out" "$WORK/err"; fail "lookup found nothing"; }
/usr/bin/python3 -c 'import sys; p = sys.argv[1]; b = bytearray(open(p, "rb").read())
for at in range(4096 + 100, len(b) - 4096, 4096): b[at] ^= 1
open(p, "wb").write(b)' "$CACHED"
expect_exit 0 "$F" lookup --dir "$WORK/ngo" --purpose victim-dedup --intake "$WORK/intake.jsonl"
grep -q "police~victim-dedup.table: table cache .*does not open.*; deleted, refetching" "$WORK/err" \
  || { cat "$WORK/err"; fail "an altered page found by a concurrent lookup was not refused and refetched"; }
grep -q "shelter.*deleted, refetching" "$WORK/err" && fail "the shelter's table was refetched too"
cmp -s "$WORK/lookup-before.txt" "$WORK/out" || { diff "$WORK/lookup-before.txt" "$WORK/out"; fail "the refetched table looked up differently"; }
pass "lookup: an altered page found on one peer's thread is refused, that file refetched, the candidates unchanged"

# 4. A purpose the peer shares nothing for: empty table, nothing sent.
expect_exit 0 "$F" match --dir "$WORK/police" --peer ngo --purpose perpetrator-link
grep -q "peer ngo: table 0 records.*0 matches" "$WORK/err" || { cat "$WORK/err"; fail "ngo shared suspects"; }
expect_exit 2 "$F" match --dir "$WORK/ngo" --peer police --purpose marketing
grep -q "not declared" "$WORK/err" || fail "undeclared purpose"
expect_exit 2 "$F" match --dir "$WORK/ngo" --peer nobody --purpose victim-dedup
pass "deny by default; undeclared purpose and unknown peer refused"

# 5. Police lowers the NGO's budget; no restart needed; the match is refused
# and reported incomplete.
sed -e 's/daily_evaluate_budget: [0-9]*/daily_evaluate_budget: 10/' \
  -e 's/daily_key_type_budget: [0-9]*/daily_key_type_budget: 10/' "$EX/police.policy.txtpb" >"$WORK/police/policy.txtpb"
expect_exit 1 "$F" match --dir "$WORK/ngo" --peer police --purpose victim-dedup --refresh
grep -q "RESOURCE_EXHAUSTED.*budget" "$WORK/err" || { cat "$WORK/err"; fail "budget not enforced"; }
grep -q "INCOMPLETE" "$WORK/err" || fail "partial results not flagged"
pass "spent budget refused without restart; results flagged incomplete"

# 6. Police restores its policy; the shelter asks every peer.
cp "$WORK/police.policy.txtpb" "$WORK/police/policy.txtpb"
touch -d "+2 seconds" "$WORK/police/policy.txtpb"
expect_exit 0 "$F" match --dir "$WORK/shelter" --all --purpose victim-dedup
grep -q "peer police:" "$WORK/err" && grep -q "peer ngo:" "$WORK/err" || fail "fan-out"
pass "--all asks every peer"

# 6b. The shelter re-joins declaring tables of at most 50 records; the NGO
# installs the new roster and refuses the shelter's larger table.
sed -i 's/^max_table_records: .*/max_table_records: 50/' "$WORK/shelter/node.conf"
"$F" member-request --dir "$WORK/shelter" >"$WORK/shelter2.txtpb"
"$F" roster add --dir "$WORK/coord" "$WORK/shelter2.txtpb" >/dev/null
"$F" roster sign --dir "$WORK/coord" --out "$WORK/roster2.bin" >/dev/null
"$F" roster install --dir "$WORK/ngo" "$WORK/roster2.bin" >/dev/null
expect_exit 1 "$F" match --dir "$WORK/ngo" --peer shelter --purpose victim-dedup
grep -q "peer shelter: failed: .*exceeds the limit of 50" "$WORK/err" || { cat "$WORK/err"; fail "declared limit"; }
pass "a table larger than the peer's roster-declared limit is refused"

# 7. Follow-up: the NGO asks police for contact about a match; police sees
# it with the time since the hit and accepts; both sides record it.
expect_exit 0 "$F" match --dir "$WORK/ngo" --peer police --purpose perpetrator-link
grep -q "matches with 1 peers" "$WORK/err" || { cat "$WORK/err"; fail "perpetrator-link match"; }
grep -q "told of" "$WORK/err" && fail "notice sent although the rule does not ask for it"
expect_exit 2 "$F" contact --dir "$WORK/ngo" --peer police --handle hnothing --reason "x"
expect_exit 0 "$F" contact --dir "$WORK/ngo" --peer police --handle "$H" --reason "same survivor?"
CID=$(sed -n 's/^contact request \(c[0-9a-f]*\) sent.*/\1/p' "$WORK/out")
[ -n "$CID" ] || fail "no contact id"
expect_exit 0 "$F" inbox --dir "$WORK/police"
grep -q "$CID from ngo about $ID ($H) purpose=victim-dedup status=pending hit=[0-9]*m ago (4[78]h left of 48h)" "$WORK/out" \
  || { cat "$WORK/out"; fail "police inbox"; }
# Mutual notice (police's rule asks for it): police knows the NGO matched $ID.
grep -q "^  ngo matched [1-9][0-9]* of our records for victim-dedup" "$WORK/out" || { cat "$WORK/out"; fail "no notice at police"; }
# The NGO's perpetrator-link rule at police has no notify_owner: no notices
# for suspects.
grep -q "matched .* for perpetrator-link" "$WORK/out" && fail "notice without notify_owner"
expect_exit 0 "$F" inbox --dir "$WORK/police" --accept "$CID" --message "call the duty officer"
expect_exit 2 "$F" inbox --dir "$WORK/police" --decline "$CID"
expect_exit 0 "$F" inbox --dir "$WORK/ngo"
grep -q "$CID to police about $H (our $OWN) purpose=victim-dedup status=accepted.*reply=\"call the duty officer\"" "$WORK/out" \
  || { cat "$WORK/out"; fail "ngo outbox"; }
# The shelter never matched this handle: police refuses to discuss it.
expect_exit 2 "$F" contact --dir "$WORK/shelter" --peer police --handle "$H" --reason "fishing"
pass "contact request sent, seen with the time since the hit, accepted, recorded on both sides"

# 7b. Police's log keeps a commitment to the request, not its handle or
# reason; police opens it for an auditor, who checks it against the export.
expect_exit 0 "$F" audit export --dir "$WORK/police" --out "$WORK/police-contact.audit"
grep -qa -e "$H" -e "same survivor" -e "duty officer" "$WORK/police-contact.audit" \
  && fail "follow-up content in the audit export"
expect_exit 0 "$F" audit open-followup --dir "$WORK/police" --out "$WORK/contact.opening" "$CID"
[ "$(stat -c %a "$WORK/contact.opening")" = 600 ] || fail "opening not 0600"
expect_exit 0 "$F" audit check-followup "$WORK/police-contact.audit" "$WORK/contact.opening"
grep -q "^request: entry [0-9]* followup.contact.received ngo -> police purpose=victim-dedup" "$WORK/out" \
  && grep -q "^reply: entry [0-9]* followup.contact.accepted police -> ngo" "$WORK/out" \
  && grep -q "^OK: the log of node police commits to this content of contact request $CID" "$WORK/out" \
  || { cat "$WORK/out"; fail "check-followup"; }
sed 's/same survivor?/same survivor!/' "$WORK/contact.opening" >"$WORK/altered.opening"
expect_exit 1 "$F" audit check-followup "$WORK/police-contact.audit" "$WORK/altered.opening"
grep -q "^FAILED: the log of node police holds no commitment to this request's content" "$WORK/out" \
  || { cat "$WORK/out"; fail "altered opening accepted"; }
pass "the log commits to the follow-up's content; the opening checks, an altered one does not"

# 8. The survivor behind $ID withdraws consent at police. The NGO, which
# cached police's table before, no longer finds the record; it got a signed
# revocation notice (it had asked for contact) and acknowledged it.
expect_exit 0 "$F" match --dir "$WORK/ngo" --peer police --purpose victim-dedup --refresh
expect_exit 0 "$F" match --dir "$WORK/ngo" --peer police --purpose victim-dedup --out "$WORK/before.csv"
# The record matches again, under a handle of police's current key
# generation (its policy changed twice since $H was issued).
H2=$(awk -F, -v own="$OWN" '$1 == own && $2 == "police" {print $3; exit}' "$WORK/before.csv")
[ -n "$H2" ] || fail "record not matched before the withdrawal"
[ "$H2" != "$H" ] || fail "the handle did not change with police's key generation"
grep -q "table .* (cached)" "$WORK/err" || { cat "$WORK/err"; fail "table was not cached"; }
expect_exit 0 "$F" resolve --dir "$WORK/police" --handle "$H2" --peer ngo
[ "$(cat "$WORK/out")" = "$ID" ] || fail "the new handle resolves to another record"
expect_exit 2 "$F" resolve --dir "$WORK/police" --handle "$H2" --peer shelter
expect_exit 0 "$F" records --dir "$WORK/police" withdraw-consent "$ID"
grep -q "re-keyed" "$WORK/out" || fail "no re-key"
grep -q "^follow-up content erased: 1 contact requests" "$WORK/out" || { cat "$WORK/out"; fail "no erasure"; }
grep -q "revocation notice to ngo: acknowledged" "$WORK/out" || { cat "$WORK/out"; fail "no revocation notice"; }
expect_exit 0 "$F" match --dir "$WORK/ngo" --peer police --purpose victim-dedup --out "$WORK/after.csv"
grep -q "cached table is stale, refetching" "$WORK/err" || { cat "$WORK/err"; fail "stale cache not detected"; }
grep -q "^$OWN,police," "$WORK/after.csv" && fail "withdrawn record still found"
[ $(($(wc -l <"$WORK/after.csv"))) -ge $(($(wc -l <"$WORK/before.csv") - 1)) ] || fail "other matches lost"
expect_exit 0 "$F" inbox --dir "$WORK/ngo"
grep -q "$CID to police about (erased) .* status=revoked .*reason=(erased)" "$WORK/out" \
  || { cat "$WORK/out"; fail "ngo contact not revoked and erased"; }
expect_exit 0 "$F" inbox --dir "$WORK/police"
grep -q "$CID from ngo about $ID ((erased)) .*reason=(erased)" "$WORK/out" || { cat "$WORK/out"; fail "police contact not erased"; }
expect_exit 2 "$F" audit open-followup --dir "$WORK/police" --out "$WORK/gone.opening" "$CID"
grep -q "was erased" "$WORK/err" || { cat "$WORK/err"; fail "erased content opened"; }
expect_exit 0 "$F" records --dir "$WORK/police" show "$ID"
grep -q "ngo asked for contact about it ($CID, victim-dedup): accepted" "$WORK/out" || { cat "$WORK/out"; fail "history: contact"; }
grep -q "ngo matched it for victim-dedup (mutual notice)" "$WORK/out" || { cat "$WORK/out"; fail "history: notice"; }
grep -q "revocation notice to ngo: acknowledged" "$WORK/out" || fail "history: revocation"
sed -n '/^shared now:/,$p' "$WORK/out" | grep -q "with nobody" || { cat "$WORK/out"; fail "still shared"; }
pass "consent withdrawn: cached table void, record gone, revocation acknowledged, history shown"

# 9. Explain what police shares with the NGO.
expect_exit 0 "$F" policy explain --dir "$WORK/police" --peer ngo --purpose victim-dedup
grep -q "rule 'ngos-dedup-victims'" "$WORK/out" || { cat "$WORK/out"; fail "explain rule"; }
grep -q "^records shared: [1-9]" "$WORK/out" || fail "explain count"
grep -q "records withheld: .*consent does not cover victim-dedup" "$WORK/out" || fail "explain withheld"
expect_exit 0 "$F" policy explain --dir "$WORK/police" --peer ngo --purpose victim-dedup --record "$ID"
grep -q "record $ID: not shared (consent does not cover victim-dedup)" "$WORK/out" || { cat "$WORK/out"; fail "explain record"; }
expect_exit 0 "$F" policy explain --dir "$WORK/ngo" --peer police --purpose perpetrator-link
grep -q "no rule applies: nothing is shared" "$WORK/out" || fail "explain deny"
pass "policy explain shows the rule, counts and one record's decision"

# 10. A broken policy is not applied on SIGHUP; the last good one stays.
echo "rules { this is not a policy" >"$WORK/police/policy.txtpb"
kill -HUP "${PIDS_BY[police]}"
for _ in $(seq 1 900); do grep -q "policy.refused" "$WORK/police.log" && break; sleep 0.1; done
grep -q "WARNING serve policy.refused error=\".*policy.txtpb:1.*action=\"keeping the last good policy\"" "$WORK/police.log" || { cat "$WORK/police.log"; fail "SIGHUP"; }
expect_exit 0 "$F" match --dir "$WORK/ngo" --peer police --purpose victim-dedup --refresh
grep -q "peer police: table [1-9][0-9]* records" "$WORK/err" || { cat "$WORK/err"; fail "last good policy lost"; }
pass "SIGHUP with a broken policy keeps the last good one"

# 11. Audit: both logs verify, and every exchange between police and the
# NGO is in both, joined on its exchange id; a flipped byte is caught.
expect_exit 0 "$F" audit witness --dir "$WORK/police"
grep -q "^ngo: cosigned checkpoint of size" "$WORK/out" && grep -q "^shelter: cosigned" "$WORK/out" \
  || { cat "$WORK/out"; fail "witnessing"; }
expect_exit 0 "$F" match --dir "$WORK/ngo" --peer police --purpose victim-dedup --refresh \
  --legal-basis "CASE-2026-17" --official "officer-7f3"
expect_exit 0 "$F" audit witness --dir "$WORK/police"   # now with consistency proofs
grep -c "cosigned checkpoint" "$WORK/out" | grep -q 3 || { cat "$WORK/out"; fail "second witnessing"; }
expect_exit 0 "$F" audit export --dir "$WORK/police" --out "$WORK/police.audit"
expect_exit 0 "$F" audit export --dir "$WORK/ngo" --out "$WORK/ngo.audit"
expect_exit 0 "$F" audit verify "$WORK/police.audit" "$WORK/ngo.audit" \
  --roster "$WORK/roster.bin" --federation-key "$KEY"
grep -q "joined [1-9][0-9]* exchanges across 2 logs, 0 anomalies" "$WORK/out" || { cat "$WORK/out"; fail "audit join"; }
grep -q "police.audit: node police: .* 6 cosignatures (auditor, ngo, shelter): OK" "$WORK/out" || { cat "$WORK/out"; fail "cosignatures"; }
# The auditor member fetches police's log over mutual TLS; a non-auditor cannot.
expect_exit 0 "$F" audit fetch --dir "$WORK/auditor" --peer police --out "$WORK/fetched.audit"
grep -q "fetched and verified the access log of police" "$WORK/out" || fail "audit fetch"
expect_exit 2 "$F" audit fetch --dir "$WORK/ngo" --peer police --out "$WORK/nope.audit"
grep -q "PERMISSION_DENIED\|only auditor members" "$WORK/err" || { cat "$WORK/err"; fail "non-auditor fetched the log"; }
expect_exit 0 "$F" audit list "$WORK/police.audit"
for ev in match.table.served match.evaluate.answered match.evaluate.refused followup.contact.received \
          followup.contact.accepted consent.withdraw followup.revocation.sent policy.reload records.import \
          keys.rotate; do
  grep -q ",$ev," "$WORK/out" || { cat "$WORK/out"; fail "no $ev entry at police"; }
done
grep -qi "ivanova\|$ID," "$WORK/out" && fail "personal data in the audit log"
grep -q ",match.table.served,.*delta since version [0-9]*, 0 slots added or changed, 1 dropped" "$WORK/out" \
  || fail "police did not log the delta it served"
expect_exit 0 "$F" audit list "$WORK/ngo.audit"
grep -q ",match.table.fetched,.*delta to version" "$WORK/out" || fail "ngo did not log the delta it fetched"
grep -q ",witness.cosigned,police," "$WORK/out" || { cat "$WORK/out"; fail "ngo did not log its cosigning"; }
grep -q ",match.evaluate.sent,ngo,police,victim-dedup,CASE-2026-17,officer-7f3," "$WORK/out" \
  || { cat "$WORK/out"; fail "requester did not log the legal basis"; }
expect_exit 0 "$F" audit list "$WORK/police.audit"
grep -q ",match.evaluate.answered,ngo,police,victim-dedup,CASE-2026-17,officer-7f3," "$WORK/out" \
  || { cat "$WORK/out"; fail "responder did not log the legal basis"; }
cp "$WORK/police.audit" "$WORK/tampered.audit"
BYTE=$(od -An -tu1 -j400 -N1 "$WORK/tampered.audit" | tr -d ' ')
printf "\\$(printf '%03o' $(( (BYTE + 1) % 256 )))" | dd of="$WORK/tampered.audit" bs=1 seek=400 conv=notrunc 2>/dev/null
cmp -s "$WORK/police.audit" "$WORK/tampered.audit" && fail "the byte was not changed"
expect_exit 1 "$F" audit verify "$WORK/tampered.audit"
grep -q "FAILED" "$WORK/out" || fail "tampered export not caught"
pass "audit logs verify and join with no anomalies; no personal data; a flipped byte is caught"

# 12. The auditor's page: self-contained, rendered by headless Chromium.
expect_exit 0 "$F" audit report "$WORK/police.audit" "$WORK/ngo.audit" --html "$WORK/report.html" \
  --roster "$WORK/roster.bin" --federation-key "$KEY" --sign --dir "$WORK/auditor"
grep -q "^signed $WORK/report.html with the key of node auditor into $WORK/report.html.sig" "$WORK/out" \
  || { cat "$WORK/out"; fail "report not signed"; }
# A spent budget and matches without a legal basis: findings, never VERIFIED.
grep -q "^wrote $WORK/report.html: verified, [1-9][0-9]* findings to review" "$WORK/out" \
  || { cat "$WORK/out"; fail "report summary line"; }
for want in "Overall: <span class=warn>FINDINGS TO REVIEW</span>" "Provenance" \
            "checked against signed roster version" "$(sha256sum "$WORK/police.audit" | cut -c1-64)" \
            "Misuse signals" "budget-exhausted</span>: ngo spent its daily evaluation budget at police" \
            "<td>CASE-2026-17</td><td>officer-7f3</td>" "<td class=missing>MISSING</td>" \
            "Who queried whom" "ngo</td><td>police</td><td>victim-dedup" "Per official" \
            "Follow-ups" "accepted" "Refusals" "RESOURCE_EXHAUSTED" "Consent withdrawals" "<svg" \
            "6 (auditor, ngo, shelter)"; do
  grep -q -- "$want" "$WORK/report.html" || fail "report lacks: $want"
done
grep -q ">VERIFIED<" "$WORK/report.html" && fail "VERIFIED beside findings"
grep -q "https\?://" "$WORK/report.html" && fail "report refers to the network"
expect_exit 0 "$F" audit verify-report "$WORK/report.html" --roster "$WORK/roster.bin" --federation-key "$KEY"
grep -q "^$WORK/report.html: signed by auditor, SHA-256 $(sha256sum "$WORK/report.html" | cut -c1-64): OK" "$WORK/out" \
  || { cat "$WORK/out"; fail "verify-report"; }
sed 's/FINDINGS TO REVIEW/VERIFIED/' "$WORK/report.html" >"$WORK/forged.html"
expect_exit 1 "$F" audit verify-report "$WORK/forged.html" --signature "$WORK/report.html.sig" \
  --roster "$WORK/roster.bin" --federation-key "$KEY"
grep -q "FAILED: the report is not the one auditor signed" "$WORK/out" || { cat "$WORK/out"; fail "forged report"; }
expect_exit 1 "$F" audit report "$WORK/tampered.audit" --html "$WORK/bad.html"
grep -q "Overall: <span class=bad>PROBLEMS FOUND</span>" "$WORK/bad.html" || fail "tampered report"
grep -q "node keys are self-declared" "$WORK/bad.html" || fail "no roster, yet keys not called self-declared"
# audit list as JSON Lines: one object per entry, the same count as the CSV.
expect_exit 0 "$F" audit list "$WORK/police.audit" --format jsonl
grep -q '"event":"match.evaluate.answered","requester":"ngo","responder":"police","purpose":"victim-dedup","legal_basis":"CASE-2026-17","official":"officer-7f3"' "$WORK/out" \
  || fail "audit list --format jsonl"
JSONL=$(wc -l <"$WORK/out")
expect_exit 0 "$F" audit list "$WORK/police.audit"
[ "$(( $(wc -l <"$WORK/out") - 1 ))" -eq "$JSONL" ] || fail "jsonl and csv disagree on the entries"
expect_exit 2 "$F" audit list "$WORK/police.audit" --format xml
if command -v chromium >/dev/null; then
  ART="$(cd "$(dirname "$F")/../.." && pwd)/test-artifacts"
  mkdir -p "$ART"
  chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1280,1800 \
    --screenshot="$ART/audit-report.png" "file://$WORK/report.html" >/dev/null 2>&1 || true
  [ -s "$ART/audit-report.png" ] || fail "chromium did not render the report"
  echo "screenshot: $ART/audit-report.png ($(stat -c %s "$ART/audit-report.png") bytes)"
  cp "$WORK/report.html" "$ART/audit-report.html"
else
  echo "chromium not installed: report not rendered (./deploy/install-deps.sh --tests)"
fi
pass "audit report written, checked and rendered"

for n in police ngo shelter auditor; do kill -TERM "${PIDS_BY[$n]}"; wait "${PIDS_BY[$n]}" || fail "$n did not stop cleanly"; done
echo "private_match_cli_test: all passed"
