#!/usr/bin/env bash
# Key rotation through the CLI (docs/security.md, "Rotating keys"):
#  1. `key rotate`: the data key of a stopped node replaced, every record
#     still there under the same key file; refused while the node serves,
#     with a wrong key file, and in both cases nothing changed.
#  2. `federation rotate-key`: the coordinator's roster-signing key rolled
#     over; members install the next roster without --federation-key and pin
#     the new key; a roster signed by the old key afterwards, or carrying a
#     transition the pinned key did not sign, is refused, naming the file.
#  3. `rotate tls`: a node's new TLS key waits until the roster names it;
#     peers install that roster, the node switches on its install, a match
#     works with the new key and a copy of the node with the old key is
#     refused.
#  4. `rotate identity`: a node's new identity key waits until the roster
#     names it (the node matches and is witnessed with the old one
#     meanwhile); its install records the change in the access log; after a
#     restart a match works, police keeps cosigning, the export verifies
#     across the switch and a copy of the node with the old key is refused.
source "$(dirname "$0")/lib.sh"
F="$FEDLINK"
# dir_digest DIR: one digest of every file's name and bytes (serve.lock aside).
dir_digest() {
  (cd "$1" && find . -type f ! -name serve.lock -print0 | sort -z | xargs -0 sha256sum | sha256sum)
}

two_node_federation rot-test
KEY1=$FKEY
# (budgets for a few whole-caseload matches in a minute, as private_match_cli_test)
for n in police ngo; do
  sed -i -e 's/daily_evaluate_budget: \([0-9]*\)/daily_evaluate_budget: \10/' \
    -e 's/daily_key_type_budget: \([0-9]*\)/daily_key_type_budget: \10/' "$WORK/$n/policy.txtpb"
done
"$F" gen --persons 600 --overlap 0.3 --out-a "$WORK/police.csv" --out-b "$WORK/ngo.csv" \
  --truth "$WORK/truth.csv" --seed 21 >/dev/null
for n in police ngo; do "$F" import --dir "$WORK/$n" "$WORK/$n.csv" >/dev/null 2>&1 || fail "import $n"; done

# A copy of ngo from before a rotation ($1), given the roster that names the
# new key ($2), asks police for a match: it must fail with no result row in
# $3 (the file may have its header) and police's refusal ($5) on stderr;
# $4 names the key in failure messages.
expect_old_copy_refused() {
  local dir=$1 roster=$2 results=$3 what=$4 refusal=$5 rc
  "$F" roster install --dir "$dir" "$roster" >/dev/null
  set +e
  "$F" match --dir "$dir" --peer police --purpose victim-dedup --out "$results" >"$WORK/out" 2>"$WORK/err"
  rc=$?
  set -e
  [ "$rc" -ne 0 ] || fail "a match with the old $what went through"
  [ ! -e "$results" ] || [ "$(wc -l <"$results")" -le 1 ] || { cat "$WORK/err"; fail "results with the old $what"; }
  grep -q "$refusal" "$WORK/err" || { cat "$WORK/err"; fail "old $what: not refused by police"; }
}

# --- 1. The data key ---------------------------------------------------------
COUNT=$("$F" records --dir "$WORK/police" count 2>/dev/null | head -1)
DK_BEFORE=$(sha256sum <"$WORK/police/data.key")
BEFORE=$(dir_digest "$WORK/police")
head -c 32 /dev/urandom | base64 >"$WORK/wrong.key"
chmod 600 "$WORK/wrong.key"
expect_exit 2 "$F" key rotate --dir "$WORK/police" --key-file "$WORK/wrong.key"
[ "$(wc -l <"$WORK/err")" -eq 1 ] || { cat "$WORK/err"; fail "wrong key: not one line"; }
grep -q "^fedlink key: $WORK/police/data.key: the key file $WORK/wrong.key does not open the data key" "$WORK/err" ||
  { cat "$WORK/err"; fail "wrong key: message"; }
[ "$(dir_digest "$WORK/police")" = "$BEFORE" ] || fail "a refused rotation changed the directory"
pass "key rotate with a wrong key file: one line naming data.key, exit 2, nothing changed"

"$F" serve --dir "$WORK/police" --witness-interval 1h 2>"$WORK/police-1.log" &
P=$!
PIDS+=("$P")
wait_for_status "$WORK/police"
# (the serving node writes its own files meanwhile: compare the keys)
keys_digest() { cat "$1/data.key" "$1/identity.key" "$1/tls.key" | sha256sum; }
BEFORE=$(keys_digest "$WORK/police")
expect_exit 2 "$F" key rotate --dir "$WORK/police"
grep -q "^fedlink key: $WORK/police: the node is serving; stop it before rotating its data key$" "$WORK/err" ||
  { cat "$WORK/err"; fail "serving: message"; }
[ "$(keys_digest "$WORK/police")" = "$BEFORE" ] || fail "a rotation refused while serving changed the keys"
[ ! -e "$WORK/police/.rotate-data-key" ] || fail "a rotation refused while serving committed"
kill -TERM "$P"; wait "$P" || true
pass "key rotate while the node serves: refused, exit 2, nothing changed"

expect_exit 0 "$F" key rotate --dir "$WORK/police"
grep -q "^key rotate: node.db: $COUNT of $COUNT records$" "$WORK/err" || { cat "$WORK/err"; fail "progress"; }
grep -q "^key rotate: committed" "$WORK/err" || { cat "$WORK/err"; fail "progress: commit"; }
grep -q "now sealed under a new data key" "$WORK/out" || { cat "$WORK/out"; fail "rotate: output"; }
[ "$(sha256sum <"$WORK/police/data.key")" != "$DK_BEFORE" ] || fail "data.key unchanged"
[ "$("$F" records --dir "$WORK/police" count 2>/dev/null | head -1)" = "$COUNT" ] || fail "records lost"
"$F" audit export --dir "$WORK/police" --out "$WORK/police-audit.bin" >/dev/null
"$F" audit list "$WORK/police-audit.bin" | grep -q "keys.rotate" || fail "keys.rotate not logged"
[ ! -e "$WORK/police/.rotate-data-key" ] && [ ! -e "$WORK/police/.rotate-data-key.tmp" ] || fail "staging left"
pass "key rotate: progress on stderr, new data key under the same key file, every record there, logged"

# --- 2. The coordinator's roster-signing key ---------------------------------
cp -a "$WORK/coord" "$WORK/coord-old"   # the old key, kept by someone it should no longer count for
"$F" federation rotate-key --dir "$WORK/coord" >"$WORK/rot.txt"
KEY2=$(tail -1 "$WORK/rot.txt")
[ "$KEY2" != "$KEY1" ] || fail "rotate-key: the same key"
"$F" roster sign --dir "$WORK/coord" --out "$WORK/v2.bin" >/dev/null
for n in police ngo; do
  expect_exit 0 "$F" roster install --dir "$WORK/$n" "$WORK/v2.bin"
  [ "$(cat "$WORK/$n/federation.key")" = "$KEY2" ] || fail "$n did not pin the new key"
done
pass "federation rotate-key: members install the next roster without a re-pin and pin the new key"

# The old key signs a roster with a higher version: refused now.
for _ in 1 2 3; do "$F" roster sign --dir "$WORK/coord-old" --out "$WORK/old.bin" >/dev/null; done
# (the refused attempt is logged in the access log: compare the roster's files)
roster_digest() { cat "$1/federation.key" "$1/roster.bin" "$1/roster.version" | sha256sum; }
BEFORE=$(roster_digest "$WORK/ngo")
expect_exit 2 "$F" roster install --dir "$WORK/ngo" "$WORK/old.bin"
[ "$(wc -l <"$WORK/err")" -eq 1 ] || { cat "$WORK/err"; fail "old key: not one line"; }
grep -q "^fedlink roster install: $WORK/old.bin: roster: signature: .*no key transition signed by the pinned federation key" "$WORK/err" ||
  { cat "$WORK/err"; fail "old key: message"; }
# Someone else's coordinator hands "over" from its own key: not from the pinned one.
"$F" federation init --dir "$WORK/rogue" --federation-id rot-test >/dev/null
"$F" roster add --dir "$WORK/rogue" "$WORK/police.txtpb" "$WORK/ngo.txtpb" >/dev/null
"$F" federation rotate-key --dir "$WORK/rogue" >/dev/null
for _ in 1 2 3 4 5; do "$F" roster sign --dir "$WORK/rogue" --out "$WORK/rogue.bin" >/dev/null; done
expect_exit 2 "$F" roster install --dir "$WORK/ngo" "$WORK/rogue.bin"
grep -q "^fedlink roster install: $WORK/rogue.bin: roster: signature: .*no key transition signed by the pinned federation key" "$WORK/err" ||
  { cat "$WORK/err"; fail "rogue transition: message"; }
[ "$(roster_digest "$WORK/ngo")" = "$BEFORE" ] || fail "a refused roster changed the node's roster or pinned key"
pass "a roster signed by the old key, or with a transition the pinned key did not sign: refused, exit 2, nothing changed"

# --- 3. The TLS key ----------------------------------------------------------
cp -a "$WORK/ngo" "$WORK/ngo-old"   # the node as it was, with its old TLS key
FP_OLD=$(grep tls_cert_sha256 "$WORK/ngo.txtpb")
expect_exit 0 "$F" rotate tls --dir "$WORK/ngo"
cp "$WORK/out" "$WORK/ngo2.txtpb"
FP_NEW=$(grep tls_cert_sha256 "$WORK/ngo2.txtpb")
[ -n "$FP_NEW" ] && [ "$FP_NEW" != "$FP_OLD" ] || fail "rotate tls: no new fingerprint in the request"
grep -q "keeps its current key until a roster naming the new one is installed" "$WORK/err" || { cat "$WORK/err"; fail "rotate tls: note"; }
cmp -s "$WORK/ngo/tls.crt" "$WORK/ngo-old/tls.crt" || fail "rotate tls switched before the roster named the key"

for n in police ngo; do
  "$F" serve --dir "$WORK/$n" --witness-interval 1h 2>"$WORK/$n.log" &
  PIDS+=("$!")
  eval "PID_$n=$!"
done
for n in police ngo; do wait_for_status "$WORK/$n"; done
wait_for_peers "$WORK/ngo"
expect_exit 0 "$F" match --dir "$WORK/ngo" --peer police --purpose victim-dedup --out "$WORK/r0.csv"
pass "rotate tls: the node keeps serving and matching with its current key meanwhile"

"$F" roster add --dir "$WORK/coord" "$WORK/ngo2.txtpb" >/dev/null
"$F" roster sign --dir "$WORK/coord" --out "$WORK/v3.bin" >/dev/null
expect_exit 0 "$F" roster install --dir "$WORK/police" "$WORK/v3.bin"
expect_exit 0 "$F" roster install --dir "$WORK/ngo" "$WORK/v3.bin"
grep -q "switched to the new TLS key" "$WORK/out" || { cat "$WORK/out"; fail "ngo did not switch"; }
[ ! -e "$WORK/ngo/tls.key.next" ] || fail "tls.key.next left"
# ngo's server restarts to serve with the new key.
kill -TERM "$PID_ngo"; wait "$PID_ngo" || true
"$F" serve --dir "$WORK/ngo" --witness-interval 1h 2>"$WORK/ngo-2.log" &
NGO2=$!
PIDS+=("$NGO2")
wait_for_status "$WORK/ngo"
wait_for_peers "$WORK/police"
expect_exit 0 "$F" peers --dir "$WORK/police"
grep -q "^ngo .*reachable   roster_version=3" "$WORK/out" || { cat "$WORK/out"; fail "police does not reach ngo's new key"; }
expect_exit 0 "$F" match --dir "$WORK/ngo" --peer police --purpose victim-dedup --out "$WORK/r1.csv"
[ "$(wc -l <"$WORK/r1.csv")" -gt 1 ] || fail "no match with the new key"
pass "after the roster names the new TLS key: ngo switched, police reaches it, a match works"

# The old key: a copy of ngo from before the rotation, with the new roster.
expect_old_copy_refused "$WORK/ngo-old" "$WORK/v3.bin" "$WORK/r2.csv" "TLS key" \
  "^peer police: failed: UNAVAILABLE"
pass "the old TLS key is refused once the roster names the new one"

# --- 4. The identity key ------------------------------------------------------
# A copy of ngo as it is before the rotation (taken while it is stopped).
kill -TERM "$NGO2"; wait "$NGO2" || true
cp -a "$WORK/ngo" "$WORK/ngo-before-id"
"$F" serve --dir "$WORK/ngo" --witness-interval 1h 2>"$WORK/ngo-3.log" &
NGO3=$!
PIDS+=("$NGO3")
wait_for_status "$WORK/ngo"
ID_OLD=$(grep identity_vkey "$WORK/ngo2.txtpb")
expect_exit 0 "$F" rotate identity --dir "$WORK/ngo"
cp "$WORK/out" "$WORK/ngo3.txtpb"
ID_NEW=$(grep identity_vkey "$WORK/ngo3.txtpb")
[ -n "$ID_NEW" ] && [ "$ID_NEW" != "$ID_OLD" ] || fail "rotate identity: no new key in the request"
grep -q "$FP_NEW" "$WORK/ngo3.txtpb" || fail "rotate identity: the request does not keep the TLS key"
grep -q "keeps signing with its current key until a roster naming the new one is installed" "$WORK/err" ||
  { cat "$WORK/err"; fail "rotate identity: note"; }
cmp -s "$WORK/ngo/identity.key" "$WORK/ngo-before-id/identity.key" || fail "rotate identity switched before the roster named the key"
[ -s "$WORK/ngo/identity.key.next" ] || fail "identity.key.next missing"
! grep -q "PRIVATE+KEY" "$WORK/ngo/identity.key.next" || fail "identity.key.next in the clear"
# The old key works meanwhile: a match, and police cosigns ngo's log.
expect_exit 0 "$F" match --dir "$WORK/ngo" --peer police --purpose victim-dedup --out "$WORK/r3.csv"
[ "$(wc -l <"$WORK/r3.csv")" -gt 1 ] || fail "no match with the old identity key"
expect_exit 0 "$F" audit witness --dir "$WORK/ngo"
grep -q "^police: cosigned checkpoint of size" "$WORK/out" || { cat "$WORK/out"; fail "no cosignature before the switch"; }
# ngo, as a witness, cosigns police's log with its current key.
expect_exit 0 "$F" audit witness --dir "$WORK/police"
grep -q "^ngo: cosigned checkpoint of size" "$WORK/out" || { cat "$WORK/out"; fail "ngo does not cosign police's log"; }
pass "rotate identity: a new key waits; the node matches, witnesses and is witnessed with its current key meanwhile"

"$F" roster add --dir "$WORK/coord" "$WORK/ngo3.txtpb" >/dev/null
"$F" roster sign --dir "$WORK/coord" --out "$WORK/v4.bin" >/dev/null
expect_exit 0 "$F" roster install --dir "$WORK/police" "$WORK/v4.bin"
expect_exit 0 "$F" roster install --dir "$WORK/ngo" "$WORK/v4.bin"
grep -q "switched to the new identity key" "$WORK/out" || { cat "$WORK/out"; fail "ngo did not switch its identity key"; }
[ ! -e "$WORK/ngo/identity.key.next" ] || fail "identity.key.next left"
! cmp -s "$WORK/ngo/identity.key" "$WORK/ngo-before-id/identity.key" || fail "identity.key unchanged"
# ngo's server restarts to sign with the new key.
kill -TERM "$NGO3"; wait "$NGO3" || true
"$F" serve --dir "$WORK/ngo" --witness-interval 1h 2>"$WORK/ngo-4.log" &
NGO4=$!
PIDS+=("$NGO4")
wait_for_status "$WORK/ngo"
wait_for_peers "$WORK/police"
expect_exit 0 "$F" match --dir "$WORK/ngo" --peer police --purpose victim-dedup --out "$WORK/r4.csv"
[ "$(wc -l <"$WORK/r4.csv")" -gt 1 ] || fail "no match with the new identity key"
expect_exit 0 "$F" audit witness --dir "$WORK/ngo"
grep -q "^police: cosigned checkpoint of size" "$WORK/out" || { cat "$WORK/out"; fail "police does not cosign after the switch"; }
pass "after the roster names the new identity key: ngo switched, a match works, police keeps cosigning"

# The export verifies across the switch, anchored in the roster's (new) key
# and in the key the old roster named; the change is in the log.
expect_exit 0 "$F" audit export --dir "$WORK/ngo" --out "$WORK/ngo-audit.bin"
expect_exit 0 "$F" audit verify "$WORK/ngo-audit.bin" --roster "$WORK/ngo/roster.bin" --federation-key "$KEY2"
expect_exit 0 "$F" audit verify "$WORK/ngo-audit.bin" --roster "$WORK/v3.bin" --federation-key "$KEY2"
grep -q ": node ngo: .*, identity key changed 1 time(s), each signed by the key before: OK$" "$WORK/out" ||
  { cat "$WORK/out"; fail "audit verify: the key change not shown"; }
"$F" audit list "$WORK/ngo-audit.bin" >"$WORK/list.csv"
grep -q "keys.rotate-identity" "$WORK/list.csv" || fail "keys.rotate-identity not logged"
grep -q "keys.identity-switch" "$WORK/list.csv" || fail "keys.identity-switch not in the log"
# An export whose change entry is altered (its event renamed): refused (the
# chain then starts at the new key, which did not sign the first checkpoints).
/usr/bin/python3 - "$WORK/ngo-audit.bin" "$WORK/ngo-altered.bin" <<'PY' || fail "could not alter the export"
import sys
data = open(sys.argv[1], "rb").read()
i = data.find(b"keys.identity-switch") + len(b"keys.identity-switch") - 1
assert i > 100
open(sys.argv[2], "wb").write(data[:i] + b"X" + data[i + 1:])
PY
set +e
"$F" audit verify "$WORK/ngo-altered.bin" >"$WORK/out" 2>"$WORK/err"
rc=$?
set -e
[ "$rc" -ne 0 ] || fail "an altered export verified"
grep -q "FAILED: checkpoint 0: " "$WORK/out" "$WORK/err" || { cat "$WORK/out" "$WORK/err"; fail "altered export: reason"; }
# police's log, cosigned by ngo's old key, still verifies under the new
# roster (that cosignature shown as by an earlier key).
expect_exit 0 "$F" audit export --dir "$WORK/police" --out "$WORK/police-audit2.bin"
expect_exit 0 "$F" audit verify "$WORK/police-audit2.bin" --roster "$WORK/ngo/roster.bin" --federation-key "$KEY2"
grep -q "ngo (earlier key)" "$WORK/out" || { cat "$WORK/out"; fail "police's export: ngo's earlier cosignature not shown"; }
pass "ngo's access log verifies across the identity switch (old and new roster), police's with ngo's earlier cosignature; an altered export is refused"

# The old identity key: a copy of ngo from before the rotation, with the new
# roster, is refused by police.
expect_old_copy_refused "$WORK/ngo-before-id" "$WORK/v4.bin" "$WORK/r5.csv" "identity key" \
  "^peer police: failed: PERMISSION_DENIED: police: .*envelope is signed by .ngo., not by the expected key"
pass "the old identity key is refused once the roster names the new one"

# Stop both servers before the scratch directory is removed.
kill -TERM "$PID_police" "$NGO4"
wait "$PID_police" "$NGO4" || true
echo "rotation_cli_test: all passed"
