#!/usr/bin/env bash
# Three nodes on loopback through the CLI: coordinator, roster, serve, peers;
# then one node is killed and a fan-out still returns the other answer and
# the dead peer's error within the deadline; a node whose peer server stops
# answering exits 1.
source "$(dirname "$0")/lib.sh"
F="$FEDLINK"
"$F" federation init --dir "$WORK/coord" --federation-id cli-test >"$WORK/fed.txt"
KEY=$(tail -1 "$WORK/fed.txt")
BASE=$(free_port_base 3)
i=0
for n in a b c; do
  "$F" init --dir "$WORK/$n" --key-file "$KEYS/$n.key" --node-id "$n" --org "$n" --listen "127.0.0.1:$((BASE + i))" >/dev/null
  "$F" member-request --dir "$WORK/$n" >"$WORK/$n.txtpb"
  i=$((i + 1))
done
"$F" roster add --dir "$WORK/coord" "$WORK/a.txtpb" "$WORK/b.txtpb" "$WORK/c.txtpb" >/dev/null
"$F" roster sign --dir "$WORK/coord" --out "$WORK/roster.bin" >/dev/null
expect_exit 2 "$F" roster install --dir "$WORK/a" "$WORK/roster.bin"   # no key pinned yet
grep -q -- "--federation-key" "$WORK/err" || fail "first install without key"
for n in a b c; do "$F" roster install --dir "$WORK/$n" --federation-key "$KEY" "$WORK/roster.bin" >/dev/null; done
expect_exit 2 "$F" roster install --dir "$WORK/a" "$WORK/roster.bin"   # same version again
grep -q "rollback refused" "$WORK/err" || fail "same-version reinstall"
pass "roster signed, pinned and installed; replayed version refused"

declare -A PIDS_BY
for n in a b c; do
  WITNESS=0
  [ "$n" = a ] && WITNESS=1s
  "$F" serve --dir "$WORK/$n" --witness-interval "$WITNESS" 2>"$WORK/$n.log" &
  PIDS_BY[$n]=$!
  PIDS+=("$!")
done
for n in a b c; do wait_for_status "$WORK/$n"; done
for _ in $(seq 1 450); do "$F" peers --dir "$WORK/a" >"$WORK/peers.out" 2>&1 && break; sleep 0.2; done
grep -q "^b .*reachable   roster_version=1" "$WORK/peers.out" || { cat "$WORK/peers.out"; fail "b not reachable"; }
grep -q "^c .*reachable   roster_version=1" "$WORK/peers.out" || { cat "$WORK/peers.out"; fail "c not reachable"; }
pass "peers reachable over mutual TLS"

# a asks its peers to witness its access log every second (serve --witness-interval).
for _ in $(seq 1 300); do
  "$F" audit export --dir "$WORK/a" --out "$WORK/a.audit" >/dev/null 2>&1
  "$F" audit verify "$WORK/a.audit" >"$WORK/verify.out" 2>&1 || true
  grep -q "cosignatures (b, c): OK" "$WORK/verify.out" && break
  sleep 0.2
done
grep -q "cosignatures (b, c): OK" "$WORK/verify.out" || { cat "$WORK/verify.out" "$WORK/a.log"; fail "periodic witnessing"; }
pass "serve has its peers witness its log periodically"

# What starting a command and asking the node take on this machine now
# (seconds on a loaded CI VM), measured in the same run: the fan-out may take
# that, plus its 2 s deadline, plus slack; never the minutes of a hang.
START=$(date +%s%N)
expect_exit 0 "$F" status --dir "$WORK/a"
STARTUP_MS=$((($(date +%s%N) - START) / 1000000))
kill -KILL "${PIDS_BY[c]}"
START=$(date +%s%N)
expect_exit 1 "$F" peers --dir "$WORK/a" --deadline 2s
END=$(date +%s%N)
grep -q "^b .*reachable" "$WORK/out" || { cat "$WORK/out"; fail "b answer missing after c died"; }
grep -q "^c .*unreachable error=" "$WORK/out" || { cat "$WORK/out"; fail "c error missing"; }
TOOK_MS=$(((END - START) / 1000000))
[ "$TOOK_MS" -lt $((4500 + 2 * STARTUP_MS)) ] ||
  fail "fan-out waited past the deadline: ${TOOK_MS} ms (startup ${STARTUP_MS} ms)"
pass "killed peer: other answer and the dead peer's error within the deadline"

grep -q "INFO serve peers.capacity max_connections=[0-9]* open_file_limit=[0-9]*" "$WORK/a.log" ||
  { cat "$WORK/a.log"; fail "serve does not say its connection cap"; }
pass "serve says its peer connection cap and open-file limit"

# b's peer server stops answering on its own socket (as if gRPC's accept
# loop had died): b does not linger deaf, it exits 1 for its supervisor.
rm "$WORK/b/peer.sock"
set +e
for _ in $(seq 1 120); do kill -0 "${PIDS_BY[b]}" 2>/dev/null || break; sleep 0.5; done
wait "${PIDS_BY[b]}"
CODE=$?
set -e
[ "$CODE" -eq 1 ] || { cat "$WORK/b.log"; fail "b exited $CODE, not 1, when its peer socket went"; }
grep -q "ERROR serve node.fatal error=\".*peer.sock.*no longer accepts connections" "$WORK/b.log" ||
  { cat "$WORK/b.log"; fail "b did not say why it stopped"; }
pass "a node that can no longer accept peers exits 1"

kill -TERM "${PIDS_BY[a]}"; wait "${PIDS_BY[a]}" || fail "a did not stop cleanly"
echo "federation_cli_test: all passed"
