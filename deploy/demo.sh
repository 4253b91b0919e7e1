#!/usr/bin/env bash
# fedlink demo: installs what it needs, builds, then runs a local federation
# on loopback: a coordinator and three nodes (a police agency, an NGO, a
# shelter), each importing a generated sample (no real person), joined by a
# signed roster, talking over roster-pinned mutual TLS; the NGO privately
# finds the survivors and suspects police also knows, asks police for contact
# about one, police accepts; then a member is revoked and all stop cleanly.
#
#   ./deploy/demo.sh            run the demo
#   KEEP=1 ./deploy/demo.sh     keep the demo directory afterwards
set -euo pipefail
cd "$(dirname "$0")/.."
./deploy/build.sh >/dev/null
FEDLINK="$PWD/build/node/cli/fedlink"

DEMO=$(mktemp -d "${TMPDIR:-/tmp}/fedlink-demo.XXXXXX")
NODES=(police ngo shelter)
declare -A ORG=([police]="Metro Police" [ngo]="Safe Passage NGO" [shelter]="Harbour Shelter")
declare -A ROLE=([police]=agency [ngo]=ngo [shelter]=ngo)
BASE_PORT=$((17000 + RANDOM % 2000))
declare -A PORT=([police]=$BASE_PORT [ngo]=$((BASE_PORT + 1)) [shelter]=$((BASE_PORT + 2)))
declare -A PID=()
cleanup() {
  for n in "${!PID[@]}"; do
    if kill -0 "${PID[$n]}" 2>/dev/null; then kill -TERM "${PID[$n]}"; wait "${PID[$n]}" || true; fi
  done
  if [ "${KEEP:-0}" = 1 ]; then
    echo "demo directory kept: $DEMO (audit report: $DEMO/audit-report.html)"
  else rm -rf "$DEMO"; fi
}
trap cleanup EXIT
step() { printf '\n== %s\n' "$*"; }

step "1. A coordinator creates the federation (holds the roster-signing key)"
"$FEDLINK" federation init --dir "$DEMO/coordinator" --federation-id demo-federation | tee "$DEMO/fed.txt"
FEDKEY=$(tail -1 "$DEMO/fed.txt")

step "2. Three organisations each create a node on their own premises, with a sharing policy"
# Each node's records and keys are sealed under a data key; the key that
# opens it is a key file kept apart from the node directory (in production on
# another volume, or a passphrase or systemd credential: docs/security.md).
mkdir -p -m 700 "$DEMO/keys"
for n in "${NODES[@]}"; do
  "$FEDLINK" init --dir "$DEMO/$n" --key-file "$DEMO/keys/$n.key" --node-id "$n" \
    --org "${ORG[$n]}" --role "${ROLE[$n]}" --listen "127.0.0.1:${PORT[$n]}"
  install -m 600 "deploy/examples/$n.policy.txtpb" "$DEMO/$n/policy.txtpb"
done
"$FEDLINK" policy check --dir "$DEMO/ngo"

step "3. Each imports its own records (synthetic; police and NGO know some of the same people)"
"$FEDLINK" gen --persons 2000 --overlap 0.3 --out-a "$DEMO/police.csv" --out-b "$DEMO/ngo.csv" \
  --truth "$DEMO/truth-police-ngo.csv" --seed 7
"$FEDLINK" gen --persons 500 --overlap 0.2 --out-a "$DEMO/unused.csv" --out-b "$DEMO/shelter.csv" \
  --truth "$DEMO/unused-truth.csv" --seed 8 >/dev/null
for n in "${NODES[@]}"; do "$FEDLINK" import --dir "$DEMO/$n" "$DEMO/$n.csv" 2>/dev/null | head -1; done

step "4. A malformed file is refused with its line number, and nothing changes"
awk -F, 'BEGIN{OFS=","} NR==42{$2="boss"} {print}' "$DEMO/police.csv" >"$DEMO/bad.csv"
"$FEDLINK" import --dir "$DEMO/police" "$DEMO/bad.csv" || echo "(exit code $?, as expected)"
echo "police still holds $("$FEDLINK" records --dir "$DEMO/police" count 2>/dev/null) records"

step "5. Membership requests go to the coordinator, who signs roster version 1"
for n in "${NODES[@]}"; do "$FEDLINK" member-request --dir "$DEMO/$n" >"$DEMO/$n.request.txtpb"; done
cat "$DEMO/ngo.request.txtpb"
"$FEDLINK" roster add --dir "$DEMO/coordinator" "$DEMO"/*.request.txtpb >/dev/null
"$FEDLINK" roster sign --dir "$DEMO/coordinator" --out "$DEMO/roster.bin"

step "6. Each node installs the roster, pinning the federation key"
for n in "${NODES[@]}"; do
  "$FEDLINK" roster install --dir "$DEMO/$n" --federation-key "$FEDKEY" "$DEMO/roster.bin" | head -1
done

step "7. The nodes start (admin socket + peers over mutual TLS)"
for n in "${NODES[@]}"; do
  "$FEDLINK" serve --dir "$DEMO/$n" 2>"$DEMO/$n.log" &
  PID[$n]=$!
done
for n in "${NODES[@]}"; do
  for _ in $(seq 1 100); do "$FEDLINK" status --dir "$DEMO/$n" >/dev/null 2>&1 && break; sleep 0.1; done
done
"$FEDLINK" status --dir "$DEMO/police"

step "8. The peers talk: signed, replay-proof pings over roster-pinned mutual TLS"
for n in "${NODES[@]}"; do echo "-- from $n:"; "$FEDLINK" peers --dir "$DEMO/$n"; done

step "9. The NGO privately matches its consented survivors against police and the shelter"
echo "(only blinded points leave the NGO; only tags, masked shares and sealed payloads come back;"
echo " a record opens only where keys of at least t independent kinds agree, and shows just an"
echo " opaque handle and role)"
"$FEDLINK" match --dir "$DEMO/ngo" --all --purpose victim-dedup --out "$DEMO/victims.csv" \
  --legal-basis "intake-review-2026-11" --official "caseworker-17"
echo "-- duplicate victims found (first 5 of $(($(wc -l <"$DEMO/victims.csv") - 1))):"
head -6 "$DEMO/victims.csv" | awk -F, '{printf "  %-10s %-8s %-22s %6s %-8s %s\n", $1, $2, $3, $4, $6, $5}'
echo "-- checked against the generator's truth (police resolves its own handles):"
"$FEDLINK" eval --results "$DEMO/victims.csv" --truth "$DEMO/truth-police-ngo.csv" --peer-dir "$DEMO/police"
echo "(recall counts every true pair, including the suspects and the survivors without consent"
echo " that the policies rightly keep out of victim-dedup; precision is what matters here)"

step "10. The NGO checks the people in its cases against suspects police holds"
"$FEDLINK" match --dir "$DEMO/ngo" --peer police --purpose perpetrator-link --out "$DEMO/suspects.csv"
echo "-- linked perpetrators (first 5 of $(($(wc -l <"$DEMO/suspects.csv") - 1))):"
head -6 "$DEMO/suspects.csv" | awk -F, '{printf "  %-10s %-8s %-22s %6s %-8s %s\n", $1, $2, $3, $4, $6, $5}'

step "11. Follow-up: the NGO asks police about one survivor; police sees it and accepts"
HIT=$(sed -n 2p "$DEMO/victims.csv")
HANDLE=$(cut -d, -f3 <<<"$HIT")
OWNER=$(cut -d, -f2 <<<"$HIT")
"$FEDLINK" contact --dir "$DEMO/ngo" --peer "$OWNER" --handle "$HANDLE" \
  --reason "Survivor in our shelter programme; coordinate support" | tee "$DEMO/contact.txt"
CID=$(sed -n 's/^contact request \(c[0-9a-f]*\) sent.*/\1/p' "$DEMO/contact.txt")
echo "-- $OWNER's inbox:"
"$FEDLINK" inbox --dir "$DEMO/$OWNER"
"$FEDLINK" inbox --dir "$DEMO/$OWNER" --accept "$CID" --message "Call the duty officer, ref. $CID"
echo "-- the NGO's inbox:"
"$FEDLINK" inbox --dir "$DEMO/ngo"

step "12. A new intake: police takes in a survivor the NGO also knows; the NGO's cached table"
echo "    is brought up to date by a delta (only the change crosses), and a lookup finds her"
NEWROW=$(awk -F, 'NR==FNR { if (FNR > 1) known[$2] = 1; next }
  FNR > 1 && $2=="victim" && $16=="victim-dedup" && $9!="" && $6!="" && !($1 in known) {print; exit}' \
  "$DEMO/truth-police-ngo.csv" "$DEMO/ngo.csv")
{ head -1 "$DEMO/police.csv"; sed 's/^[^,]*,/P-INTAKE-1,/' <<<"$NEWROW"; } >"$DEMO/police-intake.csv"
"$FEDLINK" import --dir "$DEMO/police" "$DEMO/police-intake.csv" 2>/dev/null | head -1
IFS=, read -r _ _ GIVEN FAMILY _ DOB _ _ PHONE _ <<<"$NEWROW"
echo "-- the NGO looks up one person at intake (every peer at once), the person read"
echo "   from standard input so no personal data is on the command line:"
printf 'given_name,family_name,dob,phone\n%s,%s,%s,%s\n' "$GIVEN" "$FAMILY" "$DOB" "$PHONE" |
  "$FEDLINK" lookup --dir "$DEMO/ngo" --purpose victim-dedup --max-table-age 0s --intake - \
    --legal-basis "intake-review-2026-11" --official "caseworker-17" >"$DEMO/lookup.csv"
cat "$DEMO/lookup.csv"
INTAKE_HANDLE=$(awk -F, '$1 == "police" {print $2; exit}' "$DEMO/lookup.csv")
echo "-- only police can say who $INTAKE_HANDLE is: $("$FEDLINK" resolve --dir "$DEMO/police" --handle "$INTAKE_HANDLE")"

step "13. Audit: the peers witness police's log; an auditor verifies and joins two logs"
"$FEDLINK" audit witness --dir "$DEMO/police"
for n in police ngo; do "$FEDLINK" audit export --dir "$DEMO/$n" --out "$DEMO/$n.audit"; done
"$FEDLINK" audit verify "$DEMO/police.audit" "$DEMO/ngo.audit" --roster "$DEMO/roster.bin" \
  --federation-key "$FEDKEY"
"$FEDLINK" audit report "$DEMO/police.audit" "$DEMO/ngo.audit" --html "$DEMO/audit-report.html" \
  --roster "$DEMO/roster.bin" --federation-key "$FEDKEY"
echo "-- the last entries of police's log (no personal data):"
"$FEDLINK" audit list "$DEMO/police.audit" | tail -4 | cut -d, -f2-11

step "14. The coordinator revokes the shelter; police installs roster version 2"
"$FEDLINK" roster remove --dir "$DEMO/coordinator" shelter
"$FEDLINK" roster sign --dir "$DEMO/coordinator" --out "$DEMO/roster2.bin" >/dev/null
"$FEDLINK" roster install --dir "$DEMO/police" "$DEMO/roster2.bin" | head -1
echo "-- the shelter asks police again:"
"$FEDLINK" peers --dir "$DEMO/shelter" --deadline 2s || echo "(police now refuses the revoked shelter)"

step "15. Stop every node cleanly (SIGTERM)"
for n in "${NODES[@]}"; do kill -TERM "${PID[$n]}"; wait "${PID[$n]}"; unset "PID[$n]"; echo "$n stopped"; done
echo "demo finished"
