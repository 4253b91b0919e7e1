# Shared helpers for fedlink's shell-level integration tests.
# Usage: source "$(dirname "$0")/lib.sh"; needs FEDLINK (path to the binary).
set -euo pipefail

: "${FEDLINK:?set FEDLINK to the fedlink binary}"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/fedlink-test.XXXXXX")
PIDS=()
# The nodes are stopped and gone (up to 10 s each) before $WORK is removed:
# a serve still shutting down writes into its directory (log, database,
# sockets) while rm -rf runs, which then fails and leaves the directory in
# /tmp. (No SIGKILL: a PID of a node that exited long ago may be another
# process's by now.)
cleanup() {
  local pid
  for pid in "${PIDS[@]:-}"; do
    [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]:-}"; do
    [ -n "$pid" ] || continue
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
# Key files of the test nodes (fedlink init --key-file), apart from the node
# directories as an operator keeps them on another volume.
KEYS="$WORK/keys"
mkdir -m 700 "$KEYS"

fail() { echo "FAIL: $*" >&2; exit 1; }

# Exit code ctest reports as "skipped" (SKIP_RETURN_CODE in tests/CMakeLists.txt).
SKIP=77
skip() { echo "SKIPPED: $*"; exit "$SKIP"; }
# The vectors and public data the tests read (tests/data/README.md).
TEST_DATA="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/data"
# require_file PATH: fails the test when a data file it needs is missing.
require_file() {
  [ -f "$1" ] || fail "$1 not found (tests/data is part of the repository)"
}
pass() { echo "ok: $*"; }

# expect_exit CODE CMD...: runs CMD, fails unless it exits with CODE.
expect_exit() {
  local want=$1; shift
  set +e
  "$@" >"$WORK/out" 2>"$WORK/err"
  local got=$?
  set -e
  if [ "$got" -ne "$want" ]; then
    echo "--- stdout"; cat "$WORK/out"; echo "--- stderr"; cat "$WORK/err"
    fail "expected exit $want, got $got: $*"
  fi
}

# How long a test waits for a node to come up or see its peers: generous,
# since ctest runs several tests at once on a CI VM of two cores (10 s was
# not always enough); a wait returns as soon as the node is there.
WAIT_SECONDS=${FEDLINK_TEST_WAIT_SECONDS:-90}

# wait_until CMD...: runs CMD every 0.1 s until it succeeds (0) or
# WAIT_SECONDS have passed (1).
wait_until() {
  local end=$((SECONDS + WAIT_SECONDS))
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$end" ] || return 1
    sleep 0.1
  done
}

# wait_for_status DIR: waits until `fedlink status` answers.
wait_for_status() {
  wait_until "$FEDLINK" status --dir "$1" && return 0
  cat "$WORK/serve.err" 2>/dev/null || true
  fail "node in $1 did not come up within $WAIT_SECONDS s"
}

# wait_for_ready LOG: waits until the `fedlink serve` logging to LOG says
# node.ready. `fedlink status` answers as soon as the admin socket is up,
# before serve has started its web console (--web): a test that uses the
# console or reads what serve logs at start waits for this too.
wait_for_ready() {
  wait_until grep -q "node\.ready" "$1" ||
    { cat "$1"; fail "$1: serve did not log node.ready within $WAIT_SECONDS s"; }
}

# wait_for_peers DIR: waits until `fedlink peers` answers for the node in DIR
# (its peer server is up and has pinged its peers).
wait_for_peers() {
  wait_until "$FEDLINK" peers --dir "$1" || fail "the node in $1 does not see its peers within $WAIT_SECONDS s"
}

# free_port_base N: a random port B such that 127.0.0.1 ports B .. B+N-1
# have no listener now, below the kernel's ephemeral range
# (/proc/sys/net/ipv4/ip_local_port_range). A port in that range can be
# taken at any moment by any process's outgoing connection (a unit test
# running beside this one holds hundreds) or by a bind to port 0 (the unit
# tests' FreeLoopbackPort); below it only a listener holds a port, and this
# looks for one. Tests started at once pick apart by chance (~20000 ports).
free_port_base() {
  local n=$1 low base p busy
  low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
  [ "$low" -gt $((10000 + 2 * n)) ] || low=32768
  for _ in $(seq 1 50); do
    base=$((10000 + (RANDOM * 32768 + RANDOM) % (low - 10000 - n)))
    busy=0
    for ((p = base; p < base + n; p++)); do
      if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
        busy=1
        break
      fi
    done
    if [ "$busy" -eq 0 ]; then
      echo "$base"
      return 0
    fi
  done
  fail "found no $n free loopback ports below $low"
}

# write_known_survivors FILE: eight consented survivors with every field set,
# values that occur nowhere else (the disk-theft scans look for them).
write_known_survivors() {
  {
    echo "external_id,role,given_name,family_name,aliases,dob,sex,nationality,phone,email,document,handle,iban,plate,address,consent,labels,officer,consent_expires"
    for k in 1 2 3 4 5 6 7 8; do
      echo "KNOWN-$k,victim,Zhanybekova$k,Wojciechowska-Quaresma$k,Tanechka$k,1991-0$k-1$k,f,KG,+447946$k$k$k$k$k$k,zhanna.known$k@shelter-test.example,KGX90$k$k$k$k$k,,,,1$k Quarry Lane Knownford,victim-dedup,trafficking,inspector.known$k@police.example,"
    done
  } >"$1"
}

# two_node_federation FEDERATION_ID: a coordinator in $WORK/coord and two
# nodes, police (agency) and ngo, each with a key file in $KEYS, the example
# policies and the signed roster installed; listening on loopback ports from
# a free base, FED_BASE (police FED_BASE, ngo FED_BASE + 1; up to
# FED_BASE + 15 free for the test's other listeners). Sets FKEY (the
# federation's verifier key); init's warnings are kept in $WORK/NODE.init.err.
two_node_federation() {
  local ex
  ex="$(cd "$(dirname "${BASH_SOURCE[0]}")/../deploy/examples" && pwd)"
  "$FEDLINK" federation init --dir "$WORK/coord" --federation-id "$1" >"$WORK/fed.txt"
  FKEY=$(tail -1 "$WORK/fed.txt")
  FED_BASE=$(free_port_base 16)
  local base=$FED_BASE i=0 n role
  for n in police ngo; do
    role=ngo; [ "$n" = police ] && role=agency
    "$FEDLINK" init --dir "$WORK/$n" --key-file "$KEYS/$n.key" --node-id "$n" --org "$n" \
      --role "$role" --listen "127.0.0.1:$((base + i))" >/dev/null 2>"$WORK/$n.init.err"
    "$FEDLINK" member-request --dir "$WORK/$n" >"$WORK/$n.txtpb"
    install -m 600 "$ex/$n.policy.txtpb" "$WORK/$n/policy.txtpb"
    i=$((i + 1))
  done
  "$FEDLINK" roster add --dir "$WORK/coord" "$WORK/police.txtpb" "$WORK/ngo.txtpb" >/dev/null
  "$FEDLINK" roster sign --dir "$WORK/coord" --out "$WORK/roster.bin" >/dev/null
  for n in police ngo; do
    "$FEDLINK" roster install --dir "$WORK/$n" --federation-key "$FKEY" "$WORK/roster.bin" >/dev/null
  done
}

# serve_nodes NODE...: starts `fedlink serve` for each node directory under
# $WORK (log in $WORK/NODE.log, pid in PID_OF[NODE]), waits until each
# answers and until the first sees its peers.
declare -A PID_OF=()
serve_nodes() {
  local n
  for n in "$@"; do
    "$FEDLINK" serve --dir "$WORK/$n" --witness-interval 1h 2>"$WORK/$n.log" &
    PID_OF[$n]=$!
    PIDS+=("$!")
  done
  for n in "$@"; do wait_for_status "$WORK/$n"; done
  wait_for_peers "$WORK/$1"
}
