#!/usr/bin/env bash
# The review queue through the CLI (issue 16): a match with a review margin
# queues borderline pairs; `fedlink review list` shows them (opaque ids,
# handles, peer, score, agreeing groups); accept and reject need an official
# and are in the access log under it; an accepted pair is reported by the
# next match, a rejected one is not, and neither is queued again. Also the
# threshold column of the match output and --one-to-one.
source "$(dirname "$0")/lib.sh"
F="$FEDLINK"
two_node_federation review-test
"$F" gen --persons 200 --overlap 0.3 --out-a "$WORK/police.csv" --out-b "$WORK/ngo.csv" \
  --truth "$WORK/truth.csv" --seed 5 >/dev/null
for n in police ngo; do "$F" import --dir "$WORK/$n" "$WORK/$n.csv" >/dev/null 2>&1 || fail "import $n"; done
"$F" serve --dir "$WORK/police" --witness-interval 1h 2>"$WORK/police.log" &
PIDS+=("$!")
wait_for_status "$WORK/police"
wait_for_peers "$WORK/ngo"

# 1. An ordinary match: the threshold (bits) is the last column.
expect_exit 0 "$F" match --dir "$WORK/ngo" --peer police --purpose victim-dedup --out "$WORK/r.csv"
[ "$(head -1 "$WORK/r.csv")" = "own_id,peer,handle,score,keys,role,threshold" ] || fail "results header"
MATCHES=$(($(wc -l <"$WORK/r.csv") - 1))
[ "$MATCHES" -ge 5 ] || fail "only $MATCHES matches"
awk -F, 'NR > 1 && ($4 + 0 < $7 + 0 || $7 + 0 <= 0) { bad = 1 } END { exit bad }' "$WORK/r.csv" ||
  fail "a match scores below its threshold"
pass "match output ends with the threshold in bits ($MATCHES matches)"

# 2. A threshold above every score with a wide review margin: nothing is
#    reported, every pair is queued.
expect_exit 0 "$F" match --dir "$WORK/ngo" --peer police --purpose victim-dedup --threshold 400 \
  --review-margin 1000 --out "$WORK/high.csv"
[ "$(wc -l <"$WORK/high.csv")" -eq 1 ] || fail "matches above an impossible threshold"
grep -q "borderline pairs in the review queue" "$WORK/err" || fail "no queue summary"
expect_exit 0 "$F" review --dir "$WORK/ngo" list
cp "$WORK/out" "$WORK/queue.csv"
[ "$(head -1 "$WORK/queue.csv")" = "id,peer,purpose,handle,own_id,score,threshold,groups,keys,status,official,found" ] ||
  fail "review list header: $(head -1 "$WORK/queue.csv")"
QUEUED=$(($(wc -l <"$WORK/queue.csv") - 1))
[ "$QUEUED" -ge "$MATCHES" ] || fail "queued $QUEUED < $MATCHES"
awk -F, 'NR > 1 && ($2 != "police" || $8 < 2 || $10 != "pending") { bad = 1 } END { exit bad }' \
  "$WORK/queue.csv" || fail "queue rows"
# Asked once: the same run again queues nothing new.
expect_exit 0 "$F" match --dir "$WORK/ngo" --peer police --purpose victim-dedup --threshold 400 \
  --review-margin 1000 --out "$WORK/high2.csv"
expect_exit 0 "$F" review --dir "$WORK/ngo" list
[ "$(($(wc -l <"$WORK/out") - 1))" -eq "$QUEUED" ] || fail "pairs queued twice"
pass "borderline pairs queued once ($QUEUED)"

# 3. Decisions: an official is required; decided once.
ACCEPT=$(sed -n 2p "$WORK/queue.csv" | cut -d, -f1)
REJECT=$(sed -n 3p "$WORK/queue.csv" | cut -d, -f1)
ACCEPT_PAIR=$(sed -n 2p "$WORK/queue.csv" | cut -d, -f4,5)
REJECT_PAIR=$(sed -n 3p "$WORK/queue.csv" | cut -d, -f4,5)
expect_exit 2 "$F" review --dir "$WORK/ngo" accept "$ACCEPT"
expect_exit 0 "$F" review --dir "$WORK/ngo" accept "$ACCEPT" --official officer-7
grep -q "accepted by officer-7" "$WORK/out" || fail "accept output"
expect_exit 0 "$F" review --dir "$WORK/ngo" reject "$REJECT" --official officer-9
expect_exit 2 "$F" review --dir "$WORK/ngo" reject "$ACCEPT" --official officer-9
grep -q "already accepted" "$WORK/err" || fail "second decision not refused"
expect_exit 2 "$F" review --dir "$WORK/ngo" accept r0000000000000000 --official officer-7
expect_exit 2 "$F" review --dir "$WORK/ngo" frobnicate
expect_exit 0 "$F" review --dir "$WORK/ngo" list --all-items
grep -q "^$ACCEPT,.*,accepted,officer-7," "$WORK/out" || fail "accepted item in list --all-items"
grep -q "^$REJECT,.*,rejected,officer-9," "$WORK/out" || fail "rejected item in list --all-items"
pass "accept and reject need an official and decide once"

# 4. Remembered and used: the accepted pair is reported even above the
#    threshold; the rejected one is left out even at the default threshold.
expect_exit 0 "$F" match --dir "$WORK/ngo" --peer police --purpose victim-dedup --threshold 400 \
  --review-margin 1000 --out "$WORK/after.csv"
[ "$(wc -l <"$WORK/after.csv")" -eq 2 ] || fail "accepted pair not the one match: $(cat "$WORK/after.csv")"
[ "$(sed -n 2p "$WORK/after.csv" | awk -F, '{ print $3 "," $1 }')" = "$ACCEPT_PAIR" ] ||
  fail "reported pair is not the accepted one"
expect_exit 0 "$F" match --dir "$WORK/ngo" --peer police --purpose victim-dedup --out "$WORK/default.csv"
R_HANDLE=${REJECT_PAIR%%,*}
R_OWN=${REJECT_PAIR#*,}
if grep -q "^$R_OWN,police,$R_HANDLE," "$WORK/default.csv"; then fail "rejected pair reported"; fi
grep -q "1 left out as rejected in review" "$WORK/err" || fail "rejected pair not counted"
pass "accepted pair reported, rejected pair left out"

# 5. The decisions are in the access log under their officials.
expect_exit 0 "$F" audit export --dir "$WORK/ngo" --out "$WORK/ngo.audit"
expect_exit 0 "$F" audit list "$WORK/ngo.audit"
grep -q ",review.accept,ngo,police,victim-dedup,[^,]*,officer-7," "$WORK/out" || fail "review.accept not logged"
grep -q ",review.reject,ngo,police,victim-dedup,[^,]*,officer-9," "$WORK/out" || fail "review.reject not logged"
if grep -q "$R_OWN" "$WORK/out"; then fail "the access log names our record"; fi
pass "decisions logged under the official"

# 6. --one-to-one never reports one handle twice.
expect_exit 0 "$F" match --dir "$WORK/ngo" --peer police --purpose victim-dedup --one-to-one \
  --out "$WORK/one.csv"
[ "$(sed 1d "$WORK/one.csv" | cut -d, -f3 | sort | uniq -d | wc -l)" -eq 0 ] || fail "a handle twice"
pass "--one-to-one"
# 7. bench linkage measures both scorings in one run, one-to-one and a
#    labelled sample; the last line stays the chosen scoring's quality.
expect_exit 0 "$F" bench linkage --a "$WORK/police.csv" --b "$WORK/ngo.csv" --truth "$WORK/truth.csv" \
  --keyspec 2 --labels 20 --scoring patterns
for line in "quality before (independent weights): " "quality before, one-to-one: " \
  "quality after (pattern model): " "quality after, one-to-one: " "quality after, 20 labelled pairs: "; do
  grep -qF "$line" "$WORK/out" || fail "bench linkage: no '$line'"
done
[ "$(tail -1 "$WORK/out")" = "$(grep -F "quality after (pattern model): " "$WORK/out" | sed 's/^[^:]*: //')" ] ||
  fail "last line is not the pattern model's quality"
expect_exit 2 "$F" bench linkage --a "$WORK/police.csv" --b "$WORK/ngo.csv" --truth "$WORK/truth.csv" \
  --scoring magic
pass "bench linkage before/after, one-to-one, labels"
# Stop the node and wait for it, so the scratch dir is removed whole.
kill "${PIDS[0]}" 2>/dev/null || true
wait "${PIDS[0]}" 2>/dev/null || true
PIDS=()
echo "review_cli_test: all passed"
