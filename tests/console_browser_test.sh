#!/usr/bin/env bash
# The web console (docs/console.md) on a two-node federation, driven in
# headless Chromium by Selenium (tests/console_browser.py): police knows a
# consented victim, the NGO (which matched its own record of her) looks her
# up from a browser by a Cyrillic spelling and asks for contact; police's
# caseworker accepts in police's console; the NGO sees the answer; police
# withdraws her consent and the NGO's next lookup no longer finds her. Also: `fedlink users`, plain HTTP refused off loopback,
# HTTPS with the node's own certificate. Screenshots of each page in
# build/test-artifacts/console/.
source "$(dirname "$0")/lib.sh"
F="$FEDLINK"
PY=/usr/bin/python3
command -v chromium >/dev/null || skip "chromium not installed (./deploy/install-deps.sh --tests)"
[ -x /usr/bin/chromedriver ] || skip "chromium-driver not installed (./deploy/install-deps.sh --tests)"
"$PY" -c 'import selenium' 2>/dev/null || skip "python3-selenium not installed (./deploy/install-deps.sh --tests)"
ART="$(cd "$(dirname "$FEDLINK")/../.." && pwd)/test-artifacts/console"
mkdir -p "$ART"

two_node_federation console-test
BASE=$FED_BASE
# The NGO's policy requires a supervisor's approval of contact requests.
echo 'contact_requests_need_approval: true' >>"$WORK/ngo/policy.txtpb"
cat >"$WORK/police.csv" <<'CSV'
external_id,role,given_name,family_name,aliases,dob,sex,nationality,phone,email,document,handle,iban,plate,address,consent,labels,officer,consent_expires
P-1,victim,Maria,Ivanova,,1990-04-12,f,,+44 7700 900001,,,,,,,victim-dedup,trafficking,,
P-2,victim,Ana,Popescu,,1985-01-30,f,,+44 7700 900002,,,,,,,victim-dedup,trafficking,,
CSV
"$F" import --dir "$WORK/police" "$WORK/police.csv" >/dev/null 2>&1 || fail "import police"
sed -e 's/^P-1,/N-7,/' -e '/^P-2,/d' "$WORK/police.csv" >"$WORK/ngo.csv"
"$F" import --dir "$WORK/ngo" "$WORK/ngo.csv" >/dev/null 2>&1 || fail "import ngo"

# Users: the password from standard input, never a flag.
printf 'correct horse battery\n' | expect_exit 0 "$F" users --dir "$WORK/ngo" add amira caseworker
grep -q "added user amira (caseworker)" "$WORK/out" || fail "users add: $(cat "$WORK/out")"
printf 'correct horse battery\n' | expect_exit 0 "$F" users --dir "$WORK/police" add piotr caseworker
printf 'correct horse battery\n' | expect_exit 0 "$F" users --dir "$WORK/ngo" add sam supervisor
printf 'another long password\n' | expect_exit 0 "$F" users --dir "$WORK/ngo" add olga auditor
expect_exit 0 "$F" users --dir "$WORK/ngo" disable olga
printf 'short\n' | expect_exit 2 "$F" users --dir "$WORK/ngo" add ben admin
grep -q "password: at least 12 characters" "$WORK/err" || fail "short password: $(cat "$WORK/err")"
printf 'correct horse battery\n' | expect_exit 2 "$F" users --dir "$WORK/ngo" add amira admin
printf 'correct horse battery\n' | expect_exit 2 "$F" users --dir "$WORK/ngo" add ben root
expect_exit 0 "$F" users --dir "$WORK/ngo" list
[ "$(cat "$WORK/out")" = "$(printf 'name,role,state,created\namira,caseworker,enabled,%s\nolga,auditor,disabled,%s\nsam,supervisor,enabled,%s' \
  "$(sed -n 2p "$WORK/out" | cut -d, -f4)" "$(sed -n 3p "$WORK/out" | cut -d, -f4)" "$(sed -n 4p "$WORK/out" | cut -d, -f4)")" ] \
  || fail "users list: $(cat "$WORK/out")"
grep -q "correct horse" "$WORK/ngo/users.db" && fail "a password in users.db"
grep -q "amira" "$WORK/ngo/users.db" && fail "a user name in the clear in users.db"
pass "users add, disable, list; bad input refused; users.db sealed"

# Plain HTTP only on loopback; the console is off without --web.
expect_exit 2 "$F" serve --dir "$WORK/ngo" --web "http://0.0.0.0:$((BASE + 5))"
grep -q "plain HTTP only on a loopback address" "$WORK/err" || fail "plain HTTP off loopback: $(cat "$WORK/err")"
pass "plain HTTP off loopback is refused"

WEB=$((BASE + 10))
"$F" serve --dir "$WORK/police" --witness-interval 0 --web "http://localhost:$((WEB + 1))" \
  2>"$WORK/police.log" &
PIDS+=("$!")
"$F" serve --dir "$WORK/ngo" --witness-interval 0 --web "http://127.0.0.1:$WEB" 2>"$WORK/ngo.log" &
PIDS+=("$!")
wait_for_status "$WORK/police"
wait_for_status "$WORK/ngo"
wait_for_ready "$WORK/police.log"
wait_for_ready "$WORK/ngo.log"
grep -q "console.listening url=http://127.0.0.1:$WEB/" "$WORK/ngo.log" || fail "no console: $(cat "$WORK/ngo.log")"
wait_for_peers "$WORK/ngo"
# The NGO's batch match records its hit on her, which a contact request needs.
# (Police's peer port may still be opening: a few tries.)
for try in 1 2 3 4 5 6 7 8 9 10; do
  "$F" match --dir "$WORK/ngo" --peer police --purpose victim-dedup >"$WORK/out" 2>"$WORK/err" && break
  [ "$try" -lt 10 ] || fail "the NGO's match: $(cat "$WORK/err")"
  sleep 1
done
grep -q "^N-7,police," "$WORK/out" || fail "the NGO's match: $(cat "$WORK/out" "$WORK/err")"
H=$(grep "^N-7,police," "$WORK/out" | cut -d, -f3)
[ -n "$H" ] || fail "no handle in the NGO's match"
# The NGO's policy requires approval: `fedlink contact --approved-by` must
# name an enabled supervisor (the held path is the browser's, below).
expect_exit 2 "$F" contact --dir "$WORK/ngo" --peer police --handle "$H" --reason "x" --approved-by amira
grep -q "user amira is a caseworker, not a supervisor" "$WORK/err" || fail "approval by a caseworker: $(cat "$WORK/err")"
expect_exit 2 "$F" contact --dir "$WORK/ngo" --peer police --handle "$H" --reason "x" --approved-by olga
grep -q "user olga is disabled" "$WORK/err" || fail "approval by a disabled user: $(cat "$WORK/err")"
pass "fedlink contact --approved-by refuses anyone but an enabled supervisor"

# Police's upload in the browser: one new record, one update (P-2).
{ head -1 "$WORK/police.csv"; grep '^P-2,' "$WORK/police.csv";
  echo 'P-3,suspect,Ivan,Petrov,,1979-02-03,m,,,,,,,,,,,,'; } >"$WORK/upload.csv"
rm -f "$ART"/*.png
"$PY" "$(dirname "$0")/console_browser.py" "http://127.0.0.1:$WEB/" "http://localhost:$((WEB + 1))/" \
  "correct horse battery" "$ART" "$WORK/upload.csv" || fail "the browser flows (screenshots so far in $ART)"
pass "login, lookup by a Cyrillic spelling, contact held then approved, accept, answer, batch match progress, language and field edit, withdrawal, refusals and logout in Chromium; screenshots in $ART"
grep -qi "maria\|ivanova\|Мария\|1990-04-12" "$WORK/ngo.log" && fail "personal data in the server's log"
"$F" audit export --dir "$WORK/ngo" --out "$WORK/ngo.audit" >/dev/null 2>&1 || fail "audit export"
"$F" audit list "$WORK/ngo.audit" >"$WORK/audit.csv" 2>/dev/null || fail "audit list"
grep -q "console.lookup" "$WORK/audit.csv" || fail "the console's lookup is not in the access log"
grep "console.lookup" "$WORK/audit.csv" | grep -q "amira" || fail "the lookup is not logged under amira"
grep "contact.held" "$WORK/audit.csv" | grep -q "amira" || fail "the held request is not logged under amira"
grep "contact.approve" "$WORK/audit.csv" | grep -q "sam" || fail "the approval is not logged under sam"
pass "the console's actions are in the access log under the logged-in user"

# HTTPS with the node's own (self-signed, pinned) certificate.
kill "${PIDS[-1]}"; wait "${PIDS[-1]}" 2>/dev/null || true
"$F" serve --dir "$WORK/ngo" --witness-interval 0 --web "127.0.0.1:$WEB" 2>"$WORK/ngo2.log" &
PIDS+=("$!")
wait_for_status "$WORK/ngo"
wait_for_ready "$WORK/ngo2.log"
"$F" status --dir "$WORK/ngo" >/dev/null
openssl x509 -in "$WORK/ngo/tls.crt" -out "$WORK/ngo.pem"
if command -v curl >/dev/null; then
  curl -sS --cacert "$WORK/ngo.pem" --resolve "fedlink-node:$WEB:127.0.0.1" -D "$WORK/h.txt" \
    "https://fedlink-node:$WEB/login" >"$WORK/login.html" || fail "no HTTPS console: $(cat "$WORK/ngo2.log")"
  grep -qi "^set-cookie: __Host-fedlink=.*; Secure" "$WORK/h.txt" || fail "no Secure cookie: $(cat "$WORK/h.txt")"
  grep -qi "^strict-transport-security" "$WORK/h.txt" || fail "no HSTS"
  pass "HTTPS with the node's own certificate; Secure __Host- cookie and HSTS"
fi
for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
PIDS=()
echo "console_browser_test: all passed"
