#!/usr/bin/env bash
# fedlink demo: installs what it needs, builds, then runs a node on an
# embedded default: a node in a temporary directory, a generated sample
# imported, the node served, called over gRPC, and stopped cleanly.
#
#   ./deploy/demo.sh            run the demo
#   KEEP=1 ./deploy/demo.sh     keep the demo directory afterwards
set -euo pipefail
cd "$(dirname "$0")/.."
./deploy/build.sh >/dev/null
FEDLINK="$PWD/build/node/cli/fedlink"

DEMO=$(mktemp -d "${TMPDIR:-/tmp}/fedlink-demo.XXXXXX")
SERVE_PID=""
cleanup() {
  if [ -n "$SERVE_PID" ] && kill -0 "$SERVE_PID" 2>/dev/null; then kill -TERM "$SERVE_PID"; wait "$SERVE_PID" || true; fi
  if [ "${KEEP:-0}" = 1 ]; then echo "demo directory kept: $DEMO"; else rm -rf "$DEMO"; fi
}
trap cleanup EXIT

step() { printf '\n== %s\n' "$*"; }

step "1. Create a node (a police agency) in $DEMO/police"
"$FEDLINK" init --dir "$DEMO/police" --node-id police --org "Metro Police (demo)" --role agency \
  --listen 127.0.0.1:17443

step "2. Generate a synthetic sample (no real person) and import it"
"$FEDLINK" gen --persons 2000 --overlap 0.3 --out-a "$DEMO/police.csv" --out-b "$DEMO/ngo.csv" \
  --truth "$DEMO/truth.csv" --seed 7 >/dev/null
head -3 "$DEMO/police.csv" | cut -c1-120
"$FEDLINK" import --dir "$DEMO/police" "$DEMO/police.csv"

step "3. A malformed file is refused, and nothing changes"
awk -F, 'BEGIN{OFS=","} NR==42{$2="boss"} {print}' "$DEMO/police.csv" >"$DEMO/bad.csv"
"$FEDLINK" import --dir "$DEMO/police" "$DEMO/bad.csv" || echo "(exit code $?, as expected)"
echo "records held: $("$FEDLINK" records --dir "$DEMO/police" count 2>/dev/null)"

step "4. Start the node and call it over gRPC"
"$FEDLINK" serve --dir "$DEMO/police" &
SERVE_PID=$!
for _ in $(seq 1 100); do
  "$FEDLINK" status --dir "$DEMO/police" >/dev/null 2>&1 && break
  sleep 0.1
done
"$FEDLINK" status --dir "$DEMO/police"

step "5. Stop it cleanly (SIGTERM)"
kill -TERM "$SERVE_PID"
wait "$SERVE_PID"
SERVE_PID=""
echo "demo finished"
