#!/usr/bin/env bash
# Three nodes in separate network namespaces, each linked by a veth pair to
# a bridge in a hub namespace (10.77.0.0/24, private to this test), talk
# over mutual TLS. Skipped with a clear message where not root or where
# network namespaces are unavailable.
source "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip "needs root for ip netns"
command -v ip >/dev/null || skip "iproute2 (ip) not installed"
TAG="fl$$"
HUB="$TAG-hub"
ip netns add "$HUB" 2>/dev/null || skip "cannot create network namespaces here"
NSES=("$HUB")
netns_cleanup() {
  for pid in "${PIDS[@]:-}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; done
  sleep 0.3
  for ns in "${NSES[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap netns_cleanup EXIT
ip -n "$HUB" link add br0 type bridge
ip -n "$HUB" link set br0 up

F="$FEDLINK"
"$F" federation init --dir "$WORK/coord" --federation-id netns-test >"$WORK/fed.txt"
KEY=$(tail -1 "$WORK/fed.txt")
i=1
for n in a b c; do
  ns="$TAG-$n"
  ip netns add "$ns"
  NSES+=("$ns")
  ip link add "$TAG$n" type veth peer name eth0 netns "$ns"
  ip link set "$TAG$n" netns "$HUB"
  ip -n "$HUB" link set "$TAG$n" master br0 up
  ip -n "$ns" addr add "10.77.0.$i/24" dev eth0
  ip -n "$ns" link set eth0 up
  ip -n "$ns" link set lo up
  "$F" init --dir "$WORK/$n" --key-file "$KEYS/$n.key" --node-id "$n" --org "$n" --listen "10.77.0.$i:7443" >/dev/null
  "$F" member-request --dir "$WORK/$n" >"$WORK/$n.txtpb"
  i=$((i + 1))
done
"$F" roster add --dir "$WORK/coord" "$WORK"/*.txtpb >/dev/null
"$F" roster sign --dir "$WORK/coord" --out "$WORK/roster.bin" >/dev/null
for n in a b c; do
  "$F" roster install --dir "$WORK/$n" --federation-key "$KEY" "$WORK/roster.bin" >/dev/null
  ip netns exec "$TAG-$n" "$F" serve --dir "$WORK/$n" 2>"$WORK/$n.log" &
  PIDS+=("$!")
done
for n in a b c; do wait_for_status "$WORK/$n"; done
for n in a b c; do
  ok=0
  for _ in $(seq 1 300); do
    if ip netns exec "$TAG-$n" "$F" peers --dir "$WORK/$n" >"$WORK/$n.peers" 2>&1; then ok=1; break; fi
    sleep 0.3
  done
  [ "$ok" = 1 ] || { cat "$WORK/$n.peers" "$WORK/$n.log"; fail "$n cannot reach its peers across namespaces"; }
  [ "$(grep -c ' reachable ' "$WORK/$n.peers")" -eq 2 ] || fail "$n does not see two peers"
done
pass "three nodes in separate network namespaces talk over mutual TLS"
echo "netns_federation_test: all passed"
