#!/usr/bin/env bash
# A node started before it has a roster, through the CLI: `fedlink status`
# and the serve log say why peers are not served (missing, rolled back,
# corrupt, expired: each in its own words), the peer port opens once a roster
# is installed (the node finds it by itself) and a member's ping gets through;
# SIGHUP reports the peers' state; the organisation a member chose (with an
# escape sequence and a newline) is shown escaped.
source "$(dirname "$0")/lib.sh"
F="$FEDLINK"
"$F" federation init --dir "$WORK/coord" --federation-id serve-test >"$WORK/fed.txt"
KEY=$(tail -1 "$WORK/fed.txt")
BASE=$(free_port_base 2)
D_ADDR="127.0.0.1:$((BASE + 1))"
"$F" init --dir "$WORK/a" --key-file "$KEYS/a.key" --node-id a --org "Agency A" --listen "127.0.0.1:$BASE" >/dev/null
"$F" init --dir "$WORK/d" --key-file "$KEYS/d.key" --node-id d --org $'Shelter\e[2J\nnode_id: forged' --role ngo \
  --listen "$D_ADDR" >/dev/null
for n in a d; do "$F" member-request --dir "$WORK/$n" >"$WORK/$n.txtpb"; done
"$F" roster add --dir "$WORK/coord" "$WORK/a.txtpb" "$WORK/d.txtpb" >/dev/null
"$F" roster sign --dir "$WORK/coord" --out "$WORK/v1.bin" >/dev/null
"$F" roster install --dir "$WORK/a" --federation-key "$KEY" "$WORK/v1.bin" >/dev/null

# (status exits 3 while d is NOT_SERVING: its roster expired)
peers_of_d() { { "$F" status --dir "$WORK/d" || true; } | sed -n 's/^peers: //p'; }
# wait_peers PATTERN: until d's status line matches (max ~90 s: CI is loaded).
wait_peers() {
  for _ in $(seq 1 900); do peers_of_d | grep -q -- "$1" && return 0; sleep 0.1; done
  peers_of_d; cat "$WORK/d.log"; fail "status never said: $1"
}
# a_pings_d PATTERN: `fedlink peers` on a shows d's line matching.
a_pings_d() {
  set +e; "$F" peers --dir "$WORK/a" --deadline 3s >"$WORK/peers.out" 2>&1; set -e
  grep -q -- "^d .*$1" "$WORK/peers.out" || { cat "$WORK/peers.out"; fail "a's ping of d: not $1"; }
}

# d serves before it has any roster: admin up, peer port closed.
"$F" serve --dir "$WORK/d" --witness-interval 0 2>"$WORK/d.log" &
D=$!
PIDS+=("$D")
wait_for_status "$WORK/d"
wait_peers "^not served (roster missing): $WORK/d: no roster installed (run \`fedlink roster install\`)$"
grep -q "WARNING serve peers.not_served peers=\"not served (roster missing)" "$WORK/d.log" || { cat "$WORK/d.log"; fail "serve log: missing"; }
pass "started without a roster: status and serve log say it is missing"

"$F" roster install --dir "$WORK/d" --federation-key "$KEY" "$WORK/v1.bin" >/dev/null
wait_peers "^serving on $D_ADDR (roster version 1, expires "
grep -q "INFO serve roster.installed peers=\"serving on $D_ADDR (roster version 1, expires .*tls=\"mutual, roster-pinned\"" "$WORK/d.log" || { cat "$WORK/d.log"; fail "serve log: serving"; }
a_pings_d "reachable   roster_version=1"
pass "roster install opens the peer port; a member's ping gets through"

"$F" roster show --dir "$WORK/a" >"$WORK/show.out"
[ "$(wc -l <"$WORK/show.out")" -eq 3 ] || { cat -A "$WORK/show.out"; fail "roster show: a forged line"; }
grep -q $'\e' "$WORK/show.out" && fail "roster show: a raw escape sequence"
grep -qF 'Shelter\x1b[2J\x0anode_id: forged' "$WORK/show.out" || { cat -A "$WORK/show.out"; fail "roster show: organisation not escaped"; }
"$F" status --dir "$WORK/d" >"$WORK/status.out"
grep -q $'\e' "$WORK/status.out" && fail "status: a raw escape sequence"
[ "$(grep -c '^node_id:' "$WORK/status.out")" -eq 1 ] || { cat -A "$WORK/status.out"; fail "status: a forged line"; }
pass "a member's organisation with an escape sequence and a newline is shown escaped"

# Rolled back: version 1 copied back over version 2 (cat keeps the file 0600).
"$F" roster sign --dir "$WORK/coord" --out "$WORK/v2.bin" >/dev/null
"$F" roster install --dir "$WORK/d" "$WORK/v2.bin" >/dev/null
wait_peers "^serving on $D_ADDR (roster version 2,"
cat "$WORK/v1.bin" >"$WORK/d/roster.bin"
wait_peers "^refused (roster rolled back): $WORK/d/roster.bin: roster version 1 is older than version 2 installed before (rollback refused"
a_pings_d "unreachable error=FAILED_PRECONDITION: d refuses every request until it has a valid roster installed (roster rolled back)"
pass "rolled back: status says so, and a member is told why it is refused"

printf 'not a roster' >"$WORK/d/roster.bin"
wait_peers "^refused (roster corrupt): $WORK/d/roster.bin: the installed roster is corrupt: roster: signature: "
expect_exit 2 "$F" peers --dir "$WORK/d"
grep -q "the installed roster is corrupt" "$WORK/err" || { cat "$WORK/err"; fail "peers on d: corrupt not said"; }
pass "corrupt: status and the CLI's errors say which check failed"

# Valid long enough to be installed on a loaded CI machine (an install after
# expiry is refused, and the test with it), short enough to wait for.
"$F" roster sign --dir "$WORK/coord" --out "$WORK/v3.bin" --valid-for 10s >/dev/null
"$F" roster install --dir "$WORK/d" "$WORK/v3.bin" >/dev/null
wait_peers "^refused (roster expired): $WORK/d/roster.bin: roster version 3 expired at [0-9-]*T[0-9:]*Z$"
grep -q "ERROR serve roster.expired peers=\"refused (roster expired)" "$WORK/d.log" || { cat "$WORK/d.log"; fail "serve log: expired"; }
a_pings_d "unreachable error=FAILED_PRECONDITION: d refuses every request until it has a valid roster installed (roster expired)"
expect_exit 3 "$F" status --dir "$WORK/d"
grep -q "^health: NOT_SERVING$" "$WORK/out" || { cat "$WORK/out"; fail "status: expired roster not NOT_SERVING"; }
grep -q "^problem: roster expired: $WORK/d/roster.bin: roster version 3 expired at " "$WORK/out" || { cat "$WORK/out"; fail "status: no problem line"; }
grep -q "ERROR serve health.not_serving problem=\"roster expired: " "$WORK/d.log" || { cat "$WORK/d.log"; fail "serve log: health"; }
pass "expired: status and serve log say since when; members are refused saying why"
pass "expired: status exits 3 with health: NOT_SERVING and the problem"

kill -HUP "$D"
for _ in $(seq 1 900); do grep -q "roster.expired peers=\"refused (roster expired).* trigger=SIGHUP" "$WORK/d.log" && break; sleep 0.1; done
grep -q "roster.expired peers=\"refused (roster expired).* trigger=SIGHUP" "$WORK/d.log" || { cat "$WORK/d.log"; fail "SIGHUP"; }
"$F" roster sign --dir "$WORK/coord" --out "$WORK/v4.bin" >/dev/null
"$F" roster install --dir "$WORK/d" "$WORK/v4.bin" >/dev/null
wait_peers "^serving on $D_ADDR (roster version 4,"
a_pings_d "reachable   roster_version=4"
expect_exit 0 "$F" status --dir "$WORK/d"
grep -q "^health: SERVING$" "$WORK/out" || { cat "$WORK/out"; fail "status: not SERVING again"; }
pass "SIGHUP reports the peers' state; a new roster serves peers again"

kill -TERM "$D"
wait "$D" || fail "d did not stop cleanly"
echo "roster_serve_cli_test: all passed"
