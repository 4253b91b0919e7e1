#!/usr/bin/env bash
# The node as ops staff run it (issue 18), through the CLI on loopback:
# a node refuses a peer port another process holds, saying so; `serve` logs
# one line per event (text, or JSON with --log-format json) with time, level,
# component and event; and across start, match, lookup, a contact request,
# witnessing, SIGHUP and stop, at --log-level debug, no personal value of
# the test data appears in any log line.
source "$(dirname "$0")/lib.sh"
F="$FEDLINK"
PY=/usr/bin/python3
[ -x "$PY" ] || skip "Debian's python3 is not installed"
EX="$(dirname "$0")/../deploy/examples"
"$F" federation init --dir "$WORK/coord" --federation-id ops-test >"$WORK/fed.txt"
KEY=$(tail -1 "$WORK/fed.txt")
BASE=$(free_port_base 3)
declare -A ROLE=([police]=agency [ngo]=ngo)
declare -A PORT=([police]=$BASE [ngo]=$((BASE + 1)))
for n in police ngo; do
  "$F" init --dir "$WORK/$n" --key-file "$KEYS/$n.key" --node-id "$n" --org "$n" --role "${ROLE[$n]}" \
    --listen "127.0.0.1:${PORT[$n]}" >/dev/null
  "$F" member-request --dir "$WORK/$n" >"$WORK/$n.txtpb"
  install -m 600 "$EX/$n.policy.txtpb" "$WORK/$n/policy.txtpb"
done
"$F" roster add --dir "$WORK/coord" "$WORK/police.txtpb" "$WORK/ngo.txtpb" >/dev/null
"$F" roster sign --dir "$WORK/coord" --out "$WORK/roster.bin" >/dev/null
for n in police ngo; do "$F" roster install --dir "$WORK/$n" --federation-key "$KEY" "$WORK/roster.bin" >/dev/null; done
"$F" gen --persons 300 --overlap 0.3 --out-a "$WORK/police.csv" --out-b "$WORK/ngo.csv" \
  --truth "$WORK/truth.csv" --seed 18 >/dev/null
for n in police ngo; do "$F" import --dir "$WORK/$n" "$WORK/$n.csv" >/dev/null 2>&1 || fail "import $n"; done

# 1. Another process holds ngo's peer port (with SO_REUSEPORT, as a second
# node used to): ngo refuses to start and says why.
"$PY" -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1); print("bound", flush=True); time.sleep(60)
' "${PORT[ngo]}" >"$WORK/holder.out" &
HOLDER=$!
PIDS+=("$HOLDER")
for _ in $(seq 1 900); do grep -q bound "$WORK/holder.out" && break; sleep 0.1; done
expect_exit 1 "$F" serve --dir "$WORK/ngo" --witness-interval 0
grep -q "127.0.0.1:${PORT[ngo]}: cannot listen for peers: .*another process (another fedlink node?) listens on this port" "$WORK/err" ||
  { cat "$WORK/err"; fail "port in use: no clear message"; }
kill "$HOLDER"; wait "$HOLDER" 2>/dev/null || true
pass "a peer port held by another process is refused with a clear message"

# 2. Both nodes serve at debug level: police logs JSON, ngo text; police
# serves metrics.
METRICS="127.0.0.1:$((BASE + 2))"
"$F" serve --dir "$WORK/police" --witness-interval 2s --log-level debug --log-format json \
  --metrics "$METRICS" 2>"$WORK/police.log" &
POLICE=$!
PIDS+=("$POLICE")
"$F" serve --dir "$WORK/ngo" --witness-interval 2s --log-level debug 2>"$WORK/ngo.log" &
NGO=$!
PIDS+=("$NGO")
for n in police ngo; do wait_for_status "$WORK/$n"; done
wait_for_peers "$WORK/ngo"
expect_exit 2 "$F" serve --dir "$WORK/ngo" --log-format xml
grep -q -- "--log-format: 'xml' is not one of text, json" "$WORK/err" || { cat "$WORK/err"; fail "bad --log-format"; }

# 3. What an operator does in a day: match, lookup (intake on stdin), a
# contact request, witnessing (every 2 s), SIGHUP, stop.
expect_exit 0 "$F" match --dir "$WORK/ngo" --peer police --purpose victim-dedup --out "$WORK/r.csv"
[ "$(wc -l <"$WORK/r.csv")" -ge 2 ] || { cat "$WORK/err"; fail "no match"; }
ROW=$(awk -F, '$2=="victim" && $16=="victim-dedup" && $9!="" && $6!="" {print; exit}' "$WORK/police.csv")
G=$(cut -d, -f3 <<<"$ROW"); FAM=$(cut -d, -f4 <<<"$ROW"); DOB=$(cut -d, -f6 <<<"$ROW"); PH=$(cut -d, -f9 <<<"$ROW")
printf 'given_name,family_name,dob,phone\n%s,%s,%s,%s\n' "$G" "$FAM" "$DOB" "$PH" |
  expect_exit 0 "$F" lookup --dir "$WORK/ngo" --purpose victim-dedup --intake -
H=$(sed -n 2p "$WORK/r.csv" | cut -d, -f3)
expect_exit 0 "$F" contact --dir "$WORK/ngo" --peer police --handle "$H" --reason "same survivor?"
# A second match: the table ngo holds is brought up to date by a delta.
expect_exit 0 "$F" match --dir "$WORK/ngo" --peer police --purpose victim-dedup --max-table-age 0s --out "$WORK/r2.csv"

# 4. Police's metrics: scraped over HTTP, checked by promtool (Prometheus's
# own parser of the exposition format), with the series an operator alerts on.
scrape() {
  "$PY" -c 'import sys, urllib.request; sys.stdout.write(urllib.request.urlopen("http://" + sys.argv[1] + "/metrics", timeout=5).read().decode())' \
    "$METRICS" >"$WORK/metrics.txt"
}
# Once a witnessing round (every 2 s) has had police's log cosigned by ngo:
# waited for, not slept for (3 s were not always enough on a loaded machine).
cosigned() { scrape && grep -q '^fedlink_audit_last_cosigned_size{witness="ngo"} [1-9]' "$WORK/metrics.txt"; }
wait_until cosigned || true
scrape || fail "scraping $METRICS/metrics"
if command -v promtool >/dev/null; then
  promtool check metrics <"$WORK/metrics.txt" >"$WORK/promtool.out" 2>&1 ||
    { cat "$WORK/promtool.out" "$WORK/metrics.txt"; fail "promtool check metrics"; }
else
  echo "promtool not installed (Debian package prometheus; ./deploy/install-deps.sh --tests): format not checked by it"
fi
for series in 'fedlink_health_serving 1' 'fedlink_peers_serving 1' 'fedlink_roster_version 1' \
  'fedlink_rpc_total{service="match",method="table",peer="ngo",outcome="served"} [1-9]' \
  'fedlink_rpc_duration_seconds_bucket{service="match",method="evaluate",le="+Inf"} [1-9]' \
  'fedlink_evaluations_total{peer="ngo",purpose="victim-dedup"} [1-9]' \
  'fedlink_budget_remaining{peer="ngo",purpose="victim-dedup"} [0-9]' \
  'fedlink_contact_requests_received_total{peer="ngo"} 1' \
  'fedlink_contact_requests_pending 1' 'fedlink_contact_oldest_window_seconds [0-9]' \
  'fedlink_roster_expiry_seconds [0-9]' 'fedlink_audit_log_entries [1-9]' \
  'fedlink_audit_last_cosigned_size{witness="ngo"} [1-9]' \
  'fedlink_audit_seconds_since_cosigned{witness="ngo"} [0-9]' \
  'fedlink_table_builds_total{purpose="victim-dedup",kind="whole"} [1-9]' \
  'fedlink_table_bytes_served_total{peer="ngo",purpose="victim-dedup"} [1-9]' \
  'fedlink_table_deltas_served_total{peer="ngo",purpose="victim-dedup"} [1-9]'; do
  grep -q "^$series" "$WORK/metrics.txt" || { cat "$WORK/metrics.txt"; fail "metrics: no $series"; }
done
grep -q "$G\|$FAM" "$WORK/metrics.txt" && fail "a personal value in the metrics"
pass "metrics scraped, promtool-valid, with RPCs, latency, evaluations, budget, roster, log, witnesses"

kill -HUP "$POLICE" "$NGO"
# Both have reloaded (the logs checked below must say so) before they stop.
wait_until grep -q "policy.reloaded" "$WORK/ngo.log" || true
wait_until grep -q "policy.reloaded" "$WORK/police.log" || true
kill -TERM "$POLICE" "$NGO"
wait "$POLICE" || fail "police did not stop cleanly"
wait "$NGO" || fail "ngo did not stop cleanly"

# Every line is one event with time, level, component and event.
"$PY" - "$WORK/police.log" <<'PYEOF' || { cat "$WORK/police.log"; fail "police's JSON log"; }
import json, sys
events = []
for n, line in enumerate(open(sys.argv[1], encoding="utf-8"), 1):
    e = json.loads(line)
    for k in ("time", "level", "component", "event"):
        assert k in e, f"line {n}: no {k}"
    assert e["level"] in ("debug", "info", "warning", "error"), f"line {n}: level"
    events.append(e["event"])
for want in ("node.start", "roster.installed", "node.ready", "match.table.served",
             "followup.contact.received", "policy.reloaded", "node.stopping", "node.stopped"):
    assert want in events, f"no {want} event in {sorted(set(events))}"
PYEOF
TS='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z'
BAD=$(grep -Evc "^$TS (DEBUG|INFO|WARNING|ERROR) [a-z_.]+ [a-z_.]+( |$)" "$WORK/ngo.log" || true)
[ "$BAD" = 0 ] || { cat "$WORK/ngo.log"; fail "$BAD text log lines without time, level, component, event"; }
for e in node.start roster.installed node.ready policy.reloaded node.stopped; do
  grep -Eq "^$TS [A-Z]+ serve $e( |$)" "$WORK/ngo.log" || { cat "$WORK/ngo.log"; fail "ngo: no $e"; }
done
grep -q "fedlink serve:" "$WORK/ngo.log" "$WORK/police.log" && fail "an old unformatted line"
# The per-connection TLS error of old ("No match found for server name") is
# fixed at its cause: gRPC's own lines, at debug, do not have it.
grep -q "No match found for server name" "$WORK/ngo.log" "$WORK/police.log" &&
  fail "gRPC's TLS target-name mismatch is back"
pass "every log line has time, level, component and event (text and JSON)"

# No personal value of the test data in any log line, at any level.
"$PY" - "$WORK/police.csv" "$WORK/ngo.csv" "$WORK/police.log" "$WORK/ngo.log" <<'PYEOF' ||
import csv, re, sys
personal = ["external_id", "given_name", "family_name", "aliases", "dob", "phone", "email",
            "document", "handle", "iban", "plate", "address"]
values = {}
for path in sys.argv[1:3]:
    for row in csv.DictReader(open(path, encoding="utf-8")):
        for col in personal:
            for v in re.split(r"[;|]", row.get(col) or ""):
                v = v.strip()
                if len(v) >= 4:
                    values[v] = col
                    if col == "phone":
                        values[re.sub(r"\D", "", v)] = col  # normalised too
# Whole tokens only: a birth year "2000" is not in "open_file_limit=20000".
def token(v):
    return re.compile(r"(?<![0-9A-Za-z])" + re.escape(v) + r"(?![0-9A-Za-z])")
patterns = {v: (col, token(v)) for v, col in values.items() if len(v) >= 4}
found = 0
for path in sys.argv[3:]:
    for n, line in enumerate(open(path, encoding="utf-8"), 1):
        for v, (col, pattern) in patterns.items():
            if v in line and pattern.search(line):
                print(f"{path}:{n}: a {col} value of the test data")  # not the value itself
                found += 1
print(f"checked {len(values)} personal values", file=sys.stderr)
sys.exit(1 if found else 0)
PYEOF
  fail "personal data in a log line"
pass "no personal value of the test data in any log line at debug level"
echo "ops_cli_test: all passed"
