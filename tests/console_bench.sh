#!/usr/bin/env bash
# The web console's performance (issue 17, "Performance"; not run by ctest):
#   FEDLINK=build/node/cli/fedlink tests/console_bench.sh [PERSONS] [USERS] [LOOKUPS]
# Three nodes on loopback (ngo with the console, police and shelter each
# holding PERSONS synthetic records, `fedlink gen`), every figure measured
# in this run:
#  1. the intake lookup page, one user, the two peers' tables cached:
#     p50/p99, the console's own share (the latency minus app::Lookup's
#     time, from the page's Server-Timing header) against app::Lookup, and
#     the same lookup through `fedlink lookup` (with the process start and
#     opening the node);
#  2. USERS concurrent console users doing LOOKUPS lookups each, alone;
#  3. police's batch match of its records against ngo and shelter, alone;
#  4. 2 and 3 at once: each one's throughput against alone, as ratios.
# Prints one line per figure; docs/console.md has a run's figures.
source "$(dirname "$0")/lib.sh"
F="$FEDLINK"
PY=/usr/bin/python3
PERSONS=${1:-2000}
USERS=${2:-20}
LOOKUPS=${3:-20}
PW="correct horse battery"
HERE="$(cd "$(dirname "$0")" && pwd)"

"$F" gen --persons "$PERSONS" --overlap 0.5 --out-a "$WORK/a.csv" --out-b "$WORK/b.csv" \
  --truth "$WORK/truth.csv" >/dev/null
cat >"$WORK/policy.txtpb" <<'PB'
purposes: "victim-dedup"
rules {
  name: "bench-everything"
  peers { any: true }
  purpose: "victim-dedup"
  record_roles: [ ROLE_VICTIM, ROLE_SUSPECT, ROLE_WITNESS, ROLE_OTHER ]
  allowed_labels: [ "trafficking", "minor" ]
  min_agreeing_keys: 2
  payload: PAYLOAD_HANDLE_AND_ROLE
  daily_evaluate_budget: 1000000000000
}
PB
"$F" federation init --dir "$WORK/coord" --federation-id console-bench >"$WORK/fed.txt"
KEY=$(tail -1 "$WORK/fed.txt")
BASE=$((35000 + RANDOM % 5000))
i=0
for n in ngo police shelter; do
  role=ngo; [ "$n" = police ] && role=agency
  "$F" init --dir "$WORK/$n" --key-file "$KEYS/$n.key" --node-id "$n" --org "$n" --role "$role" \
    --listen "127.0.0.1:$((BASE + i))" >/dev/null
  "$F" member-request --dir "$WORK/$n" >"$WORK/$n.txtpb"
  install -m 600 "$WORK/policy.txtpb" "$WORK/$n/policy.txtpb"
  i=$((i + 1))
done
"$F" roster add --dir "$WORK/coord" "$WORK/ngo.txtpb" "$WORK/police.txtpb" "$WORK/shelter.txtpb" >/dev/null
"$F" roster sign --dir "$WORK/coord" --out "$WORK/roster.bin" >/dev/null
for n in ngo police shelter; do
  "$F" roster install --dir "$WORK/$n" --federation-key "$KEY" "$WORK/roster.bin" >/dev/null
done
"$F" import --dir "$WORK/ngo" "$WORK/b.csv" >/dev/null 2>&1 || fail "import ngo"
"$F" import --dir "$WORK/police" "$WORK/a.csv" >/dev/null 2>&1 || fail "import police"
"$F" import --dir "$WORK/shelter" "$WORK/a.csv" >/dev/null 2>&1 || fail "import shelter"
for u in $(seq 0 $((USERS - 1))); do
  printf '%s\n' "$PW" | "$F" users --dir "$WORK/ngo" add "u$u" caseworker >/dev/null
done
# The person looked up (console_load.py's; whether or not a peer knows her,
# the lookup does the same work); the CLI reads the same person from a file.
printf 'given_name,family_name,dob,phone\nМария,Иванова,1990-04-12,+44 7700 900001\n' >"$WORK/intake.csv"

WEB=$((BASE + 10))
"$F" serve --dir "$WORK/police" --witness-interval 0 2>"$WORK/police.log" &
PIDS+=("$!")
"$F" serve --dir "$WORK/shelter" --witness-interval 0 2>"$WORK/shelter.log" &
PIDS+=("$!")
"$F" serve --dir "$WORK/ngo" --witness-interval 0 --web "http://127.0.0.1:$WEB" 2>"$WORK/ngo.log" &
PIDS+=("$!")
for n in ngo police shelter; do wait_for_status "$WORK/$n"; done
URL="http://127.0.0.1:$WEB/"
# Warm-up: the first lookup fetches both peers' tables (cached after).
for try in $(seq 1 30); do
  "$PY" "$HERE/console_load.py" "$URL" 1 1 "$PW" >"$WORK/warm.txt" 2>&1 && grep -q "errors=0" "$WORK/warm.txt" && break
  [ "$try" -lt 30 ] || fail "console warm-up: $(cat "$WORK/warm.txt" "$WORK/ngo.log" | tail -5)"
  sleep 1
done
"$F" lookup --dir "$WORK/ngo" --purpose victim-dedup --intake "$WORK/intake.csv" >/dev/null 2>&1 ||
  fail "fedlink lookup"

field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" "$2"; }

# 1. One user: the page's latency, and the CLI's for the same lookup.
"$PY" "$HERE/console_load.py" "$URL" 1 200 "$PW" >"$WORK/one.txt"
echo "console page, 1 user: $(cat "$WORK/one.txt")"
"$PY" - "$F" "$WORK/ngo" "$WORK/intake.csv" >"$WORK/cli.txt" <<'PYEOF'
import subprocess, sys, time
fedlink, node, intake = sys.argv[1:4]
took = []
for _ in range(30):
    start = time.perf_counter()
    subprocess.run([fedlink, "lookup", "--dir", node, "--purpose", "victim-dedup",
                    "--intake", intake], check=True, capture_output=True)
    took.append(time.perf_counter() - start)
took.sort()
print("cli lookups=%d p50=%.1fms p99=%.1fms" % (len(took), took[len(took) // 2] * 1000,
                                                 took[-1] * 1000))
PYEOF
echo "fedlink lookup (process): $(cat "$WORK/cli.txt")"
awk -v a="$(field " p50" "$WORK/one.txt")" -v b="$(field p50 "$WORK/cli.txt")" \
  'BEGIN { printf "ratio console page p50 / fedlink lookup p50 (process start included): %.2f\n", a / b }'
# The console's own share: the page's latency minus what app::Lookup took
# (its Server-Timing header), against app::Lookup.
awk -v p="$(field ' p99' "$WORK/one.txt")" -v a="$(field app_p99 "$WORK/one.txt")" \
  -v c50="$(field console_p50 "$WORK/one.txt")" -v c99="$(field console_p99 "$WORK/one.txt")" \
  -v a50="$(field app_p50 "$WORK/one.txt")" \
  'BEGIN { printf "console overhead (page - app::Lookup): p50 %.1fms p99 %.1fms; ratio page p99 / app::Lookup p99: %.2f; overhead p50 / app::Lookup p50: %.2f\n", c50, c99, p / a, c50 / a50 }'

# 2. USERS console users alone.
"$PY" "$HERE/console_load.py" "$URL" "$USERS" "$LOOKUPS" "$PW" >"$WORK/alone.txt"
echo "console, $USERS users alone: $(cat "$WORK/alone.txt")"
# 3. police's batch match alone (its records against ngo and shelter).
match() {
  local start end
  start=$(date +%s.%N)
  "$F" match --dir "$WORK/police" --all --purpose victim-dedup --refresh >"$WORK/match.out" 2>"$WORK/match.err" ||
    fail "police's match: $(cat "$WORK/match.err")"
  end=$(date +%s.%N)
  awk -v s="$start" -v e="$end" 'BEGIN { printf "%.2f", e - s }'
}
M_ALONE=$(match)
echo "police batch match alone: ${M_ALONE}s ($PERSONS records against 2 peers)"
# 4. Both at once.
( match >"$WORK/m_both.txt" ) &
MPID=$!
"$PY" "$HERE/console_load.py" "$URL" "$USERS" "$LOOKUPS" "$PW" >"$WORK/both.txt"
wait "$MPID" || fail "police's match during the console load"
M_BOTH=$(cat "$WORK/m_both.txt")
echo "console, $USERS users during police's match: $(cat "$WORK/both.txt")"
echo "police batch match during the console load: ${M_BOTH}s"
awk -v a="$(sed -n 's/.* \([0-9.]*\) lookups\/s/\1/p' "$WORK/both.txt")" \
  -v b="$(sed -n 's/.* \([0-9.]*\) lookups\/s/\1/p' "$WORK/alone.txt")" \
  -v ma="$M_ALONE" -v mb="$M_BOTH" \
  'BEGIN { printf "ratio console throughput together / alone: %.2f\nratio police match throughput together / alone: %.2f\n", a / b, ma / mb }'
grep -qi "Иванова\|1990-04-12" "$WORK/ngo.log" && fail "personal data in the server's log"
for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
PIDS=()
echo "console_bench: done"
