#!/usr/bin/env bash
# Held contact requests decided on the command line (docs/cli.md "contact"):
# under a policy that requires a supervisor's approval, `fedlink contact`
# holds a caseworker's request; `contact list` shows it; `contact approve`
# sends it and `contact reject` keeps it unsent and listed as rejected, both
# only for an enabled supervisor and only once. Also `serve
# --web-max-lookups`: the console's lookup cap, its default and a bad value.
source "$(dirname "$0")/lib.sh"
F="$FEDLINK"

two_node_federation approval-test
echo 'contact_requests_need_approval: true' >>"$WORK/ngo/policy.txtpb"
"$F" gen --persons 200 --overlap 0.5 --out-a "$WORK/police.csv" --out-b "$WORK/ngo.csv" \
  --truth "$WORK/truth.csv" --seed 5 >/dev/null
for n in police ngo; do "$F" import --dir "$WORK/$n" "$WORK/$n.csv" >/dev/null 2>&1 || fail "import $n"; done
printf 'correct horse battery\n' | expect_exit 0 "$F" users --dir "$WORK/ngo" add amira caseworker
printf 'correct horse battery\n' | expect_exit 0 "$F" users --dir "$WORK/ngo" add sam supervisor
printf 'correct horse battery\n' | expect_exit 0 "$F" users --dir "$WORK/ngo" add olga supervisor
expect_exit 0 "$F" users --dir "$WORK/ngo" disable olga

# The console's lookup cap: a bad value refused, a given one and the default
# logged as in force.
WEB=$((FED_BASE + 10))
expect_exit 2 "$F" serve --dir "$WORK/ngo" --web "http://127.0.0.1:$WEB" --web-max-lookups=-1
grep -q -- "--web-max-lookups" "$WORK/err" || fail "a negative --web-max-lookups: $(cat "$WORK/err")"
"$F" serve --dir "$WORK/police" --witness-interval 1h --web "http://127.0.0.1:$((WEB + 1))" \
  2>"$WORK/police.log" &
PIDS+=("$!")
"$F" serve --dir "$WORK/ngo" --witness-interval 1h --web "http://127.0.0.1:$WEB" --web-max-lookups 3 \
  2>"$WORK/ngo.log" &
PIDS+=("$!")
wait_for_status "$WORK/police"
wait_for_status "$WORK/ngo"
wait_for_ready "$WORK/police.log"
wait_for_ready "$WORK/ngo.log"
grep -q "console.listening url=http://127.0.0.1:$WEB/ max_lookups=3$" "$WORK/ngo.log" ||
  fail "the lookup cap given: $(cat "$WORK/ngo.log")"
grep -q "console.listening url=http://127.0.0.1:$((WEB + 1))/ max_lookups=[1-9][0-9]*$" "$WORK/police.log" ||
  fail "the default lookup cap: $(cat "$WORK/police.log")"
pass "serve --web-max-lookups: a negative value refused; the cap in force logged"

# A match records the hits a contact request needs (police's peer port may
# still be opening: a few tries).
for try in 1 2 3 4 5 6 7 8 9 10; do
  "$F" match --dir "$WORK/ngo" --peer police --purpose victim-dedup --out "$WORK/r.csv" \
    >/dev/null 2>"$WORK/err" && break
  [ "$try" -lt 10 ] || fail "the NGO's match: $(cat "$WORK/err")"
  sleep 1
done
H=$(sed -n 2p "$WORK/r.csv" | cut -d, -f3)
OWN=$(sed -n 2p "$WORK/r.csv" | cut -d, -f1)
[ -n "$H" ] || fail "no match to ask about: $(cat "$WORK/r.csv")"

expect_exit 2 "$F" contact --dir "$WORK/ngo" --peer police --official amira
grep -q -- "--peer, --handle and --reason are required" "$WORK/err" || fail "contact without a handle: $(cat "$WORK/err")"
held_id() { sed -n 's/^contact request \(c[0-9a-f]*\) to police held: .*/\1/p' "$WORK/out"; }
expect_exit 0 "$F" contact --dir "$WORK/ngo" --peer police --handle "$H" --reason "cli one" --official amira
C1=$(held_id)
expect_exit 0 "$F" contact --dir "$WORK/ngo" --peer police --handle "$H" --reason "cli two" --official amira
C2=$(held_id)
[ -n "$C1" ] && [ -n "$C2" ] && [ "$C1" != "$C2" ] || fail "contact under approval: $(cat "$WORK/out")"
expect_exit 0 "$F" contact --dir "$WORK/ngo" list
grep -q "^awaiting approval (2):$" "$WORK/out" || fail "contact list: $(cat "$WORK/out")"
grep -q "^  $C1 to police about $H (our $OWN) purpose=victim-dedup requested_by=amira asked=20[0-9-]*T[0-9:]*Z reason=\"cli one\"$" \
  "$WORK/out" || fail "contact list: $(cat "$WORK/out")"
grep -q "^rejected (0):$" "$WORK/out" || fail "contact list: $(cat "$WORK/out")"
expect_exit 0 "$F" inbox --dir "$WORK/police"
grep -q "^incoming (0):$" "$WORK/out" || fail "a held request reached police: $(cat "$WORK/out")"
pass "contact under the approval policy: held, listed, nothing sent"

expect_exit 2 "$F" contact --dir "$WORK/ngo" reject "$C1"
grep -q -- "--official" "$WORK/err" || fail "reject without a supervisor: $(cat "$WORK/err")"
expect_exit 2 "$F" contact --dir "$WORK/ngo" reject "$C1" --official amira
grep -q "user amira is a caseworker, not a supervisor" "$WORK/err" || fail "reject by a caseworker: $(cat "$WORK/err")"
expect_exit 2 "$F" contact --dir "$WORK/ngo" approve "$C1" --official olga
grep -q "user olga is disabled" "$WORK/err" || fail "approve by a disabled supervisor: $(cat "$WORK/err")"
expect_exit 2 "$F" contact --dir "$WORK/ngo" approve "c00" --official sam
grep -q "no contact request c00 awaiting approval" "$WORK/err" || fail "an unknown request: $(cat "$WORK/err")"
expect_exit 2 "$F" contact --dir "$WORK/ngo" approve
expect_exit 0 "$F" contact --dir "$WORK/ngo" list
grep -q "^awaiting approval (2):$" "$WORK/out" || fail "a refused decision changed the list: $(cat "$WORK/out")"
pass "approve and reject refused without an enabled supervisor, for an unknown request, without an id"

expect_exit 0 "$F" contact --dir "$WORK/ngo" reject "$C1" --official sam
grep -q "^contact request $C1 rejected by sam: not sent$" "$WORK/out" || fail "reject: $(cat "$WORK/out")"
expect_exit 0 "$F" contact --dir "$WORK/ngo" approve "$C2" --official sam
grep -q "^contact request $C2 approved by sam and sent to police about $H (hit " "$WORK/out" ||
  fail "approve: $(cat "$WORK/out")"
expect_exit 2 "$F" contact --dir "$WORK/ngo" approve "$C1" --official sam
grep -q "no contact request $C1 awaiting approval" "$WORK/err" || fail "a rejected request approved: $(cat "$WORK/err")"
expect_exit 2 "$F" contact --dir "$WORK/ngo" reject "$C2" --official sam
expect_exit 0 "$F" contact --dir "$WORK/ngo" list
grep -q "^awaiting approval (0):$" "$WORK/out" || fail "contact list after: $(cat "$WORK/out")"
grep -q "^rejected (1):$" "$WORK/out" || fail "contact list after: $(cat "$WORK/out")"
grep -q "^  $C1 to police .* requested_by=amira asked=.* rejected_by=sam rejected=20[0-9-]*T[0-9:]*Z reason=\"cli one\"$" \
  "$WORK/out" || fail "the rejected request is not listed as rejected: $(cat "$WORK/out")"
expect_exit 0 "$F" inbox --dir "$WORK/police"
grep -q "^  $C2 from ngo " "$WORK/out" || fail "the approved request did not reach police: $(cat "$WORK/out")"
grep -q "$C1" "$WORK/out" && fail "the rejected request reached police"
"$F" audit export --dir "$WORK/ngo" --out "$WORK/ngo.audit" >/dev/null 2>&1 || fail "audit export"
"$F" audit list "$WORK/ngo.audit" >"$WORK/audit.csv" 2>/dev/null || fail "audit list"
grep "contact.reject" "$WORK/audit.csv" | grep -q "sam" || fail "the rejection is not logged under sam"
grep "contact.approve" "$WORK/audit.csv" | grep -q "sam" || fail "the approval is not logged under sam"
pass "a supervisor rejects one (listed as rejected, never sent) and approves another (sent); both logged"
# Stopped before the scratch directory goes (a node still writing there
# would keep it from being removed).
for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
PIDS=()
echo "contact_approval_cli_test: all passed"
