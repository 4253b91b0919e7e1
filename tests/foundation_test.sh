#!/usr/bin/env bash
# End to end: init, import FEBRL dataset1 with --map, refuse a corrupted copy
# without changing the count, serve, health + Admin.Status over gRPC, and a
# clean stop on SIGTERM.
source "$(dirname "$0")/lib.sh"
DATA="$TEST_DATA/febrl/dataset1.csv"
require_file "$DATA"
DIR="$WORK/node"
MAP="rec_id=external_id,surname=family_name,date_of_birth=dob,soc_sec_id=document"

"$FEDLINK" init --dir "$DIR" --key-file "$KEYS/police-1.key" --node-id police-1 --org "Test Police" --role agency >/dev/null
[ "$(stat -c %a "$DIR/identity.key")" = 600 ] || fail "identity key is not 0600"
expect_exit 2 "$FEDLINK" init --dir "$DIR" --key-file "$KEYS/again.key" --node-id police-1 --org "Again"
grep -q "already a node directory" "$WORK/err" || fail "second init not refused clearly"
pass "init"

# help takes a command of one or two words; an unknown one is an error.
"$FEDLINK" help audit export >"$WORK/help.out" || fail "help audit export"
grep -q "fedlink audit export --dir DIR --out FILE" "$WORK/help.out" || fail "help audit export printed the overview"
expect_exit 2 "$FEDLINK" help no-such-command
grep -q "unknown command 'no-such-command'" "$WORK/err" || fail "help of an unknown command"
pass "help of two-word commands"

# FEBRL holds three impossible dates (e.g. day 33): strict import refuses the
# file at the first one and imports nothing; --bad-dates=drop keeps the rows.
expect_exit 2 "$FEDLINK" import --dir "$DIR" --map "$MAP" --default-role other "$DATA"
grep -q "dataset1.csv:146: dob: day 33" "$WORK/err" || { cat "$WORK/err"; fail "strict date error"; }
grep -q "1937" "$WORK/err" && fail "error message leaks the date value"
[ "$("$FEDLINK" records --dir "$DIR" count 2>/dev/null)" = 0 ] || fail "strict failure imported rows"
pass "strict import refuses FEBRL's impossible date with FILE:LINE: field"

MAP_OPTS=(--map "$MAP" --default-role other --bad-dates drop)
"$FEDLINK" import --dir "$DIR" "${MAP_OPTS[@]}" "$DATA" >"$WORK/import.out" 2>"$WORK/import.err"
grep -q "imported 1000 records (1000 new, 0 updated)" "$WORK/import.out" || { cat "$WORK/import.out"; fail "import count"; }
grep -q "dropped 3 impossible dates of birth (lines 146, " "$WORK/import.err" || { cat "$WORK/import.err"; fail "dropped-date warning"; }
[ "$("$FEDLINK" records --dir "$DIR" count 2>/dev/null)" = 1000 ] || fail "count after import"
pass "import FEBRL dataset1: 1000 records"

# Re-import is an upsert.
"$FEDLINK" import --dir "$DIR" "${MAP_OPTS[@]}" "$DATA" >"$WORK/import.out" 2>/dev/null
grep -q "(0 new, 1000 updated)" "$WORK/import.out" || fail "re-import did not upsert"
[ "$("$FEDLINK" records --dir "$DIR" count 2>/dev/null)" = 1000 ] || fail "count after re-import"
pass "re-import upserts"

# A corrupted copy: line 500 lost a field separator (truncated row) and a new
# id on line 10 must not be imported either.
BAD="$WORK/corrupt.csv"
awk -F, 'BEGIN{OFS=","} NR==10{$1="rec-new-org"} NR==500{NF=NF-1} {print}' "$DATA" >"$BAD"
expect_exit 2 "$FEDLINK" import --dir "$DIR" "${MAP_OPTS[@]}" "$BAD"
grep -q "corrupt.csv:500: expected 11 columns, found 10" "$WORK/err" || { cat "$WORK/err"; fail "error does not name line 500"; }
[ "$("$FEDLINK" records --dir "$DIR" count 2>/dev/null)" = 1000 ] || fail "count changed after failed import"
expect_exit 2 "$FEDLINK" records --dir "$DIR" show rec-new-org
pass "corrupted copy refused with line number; nothing imported"

# Wrong column count.
head -3 "$DATA" >"$WORK/short.csv"; echo "rec-x-org,only,three" >>"$WORK/short.csv"
expect_exit 2 "$FEDLINK" import --dir "$DIR" "${MAP_OPTS[@]}" "$WORK/short.csv"
grep -q "short.csv:4: expected 11 columns, found 3" "$WORK/err" || fail "column count error"
pass "wrong column count refused"

# A bad date in strict mode names the line and field of the corrupted copy.
awk -F, 'BEGIN{OFS=","} NR==700{$10="19871399"} {print}' "$DATA" | sed -n '1p;700p' >"$WORK/baddate.csv"
expect_exit 2 "$FEDLINK" import --dir "$DIR" --map "$MAP" --default-role other "$WORK/baddate.csv"
grep -q "baddate.csv:2: dob: month 13" "$WORK/err" || { cat "$WORK/err"; fail "bad date error"; }
[ "$("$FEDLINK" records --dir "$DIR" count 2>/dev/null)" = 1000 ] || fail "count changed"
pass "bad date refused"

# A looser key mode is refused at start.
chmod 0644 "$DIR/identity.key"
expect_exit 2 "$FEDLINK" serve --dir "$DIR"
grep -qi "identity.key" "$WORK/err" || fail "loose key permissions not named"
chmod 0600 "$DIR/identity.key"
pass "serve refuses a 0644 identity key"

# Missing and corrupt node directories are one-line errors.
expect_exit 2 "$FEDLINK" records --dir "$WORK/nowhere" count
[ "$(wc -l <"$WORK/err")" -eq 1 ] || fail "missing dir error is not one line"
mkdir -p "$WORK/broken" && echo "node_id: " >"$WORK/broken/node.conf"
expect_exit 2 "$FEDLINK" records --dir "$WORK/broken" count
[ "$(wc -l <"$WORK/err")" -eq 1 ] || fail "corrupt config error is not one line"
pass "missing/corrupt node directory: one-line errors"

"$FEDLINK" serve --dir "$DIR" 2>"$WORK/serve.err" &
SERVE=$!
PIDS+=("$SERVE")
wait_for_status "$DIR"
"$FEDLINK" status --dir "$DIR" >"$WORK/status.out"
grep -q "health: SERVING" "$WORK/status.out" || fail "health"
grep -q "node_id: police-1" "$WORK/status.out" || fail "status node id"
grep -q "records: 1000" "$WORK/status.out" || fail "status count"
grep -q "schema_version: 4" "$WORK/status.out" || fail "schema version"
pass "serve answers health and Admin.Status"

expect_exit 2 "$FEDLINK" serve --dir "$DIR"
grep -q "another \`fedlink serve\` is running" "$WORK/err" || fail "second serve not refused"
pass "second serve on the same directory refused"

kill -TERM "$SERVE"
wait "$SERVE" || fail "serve exited non-zero after SIGTERM"
grep -q "stopped" "$WORK/serve.err" || fail "no clean stop message"
[ ! -e "$DIR/admin.sock" ] || fail "admin socket left behind"
expect_exit 1 "$FEDLINK" status --dir "$DIR"
grep -q "not running" "$WORK/err" || fail "status of a stopped node"
pass "SIGTERM stops cleanly"
# Every file the node wrote (init, import, serve) is its operator's alone, and a
# directory or database opened to others is refused at start, naming it.
[ "$(stat -c %a "$DIR")" = 700 ] || fail "node directory is not 0700"
OPEN=$(find "$DIR" -mindepth 1 \( -type d -perm /077 -o ! -type d -perm /077 \))
[ -z "$OPEN" ] || fail "files open to group/others: $OPEN"
[ -e "$DIR/node.db" ] && [ -e "$DIR/audit.db" ] || fail "expected databases missing"
chmod 0755 "$DIR"
expect_exit 2 "$FEDLINK" records --dir "$DIR" count
grep -q "$DIR: directory mode 0755 is too open (must be 0700; run chmod 700 $DIR)" "$WORK/err" || { cat "$WORK/err"; fail "open directory not refused"; }
chmod 0700 "$DIR"
chmod 0644 "$DIR/node.db"
expect_exit 2 "$FEDLINK" serve --dir "$DIR"
grep -q "$DIR/node.db: file mode 0644 is too open (must be 0600; run chmod 600 $DIR/node.db)" "$WORK/err" || { cat "$WORK/err"; fail "readable node.db not refused"; }
chmod 0600 "$DIR/node.db"
[ "$("$FEDLINK" records --dir "$DIR" count 2>/dev/null)" = 1000 ] || fail "count after chmod back"
pass "node directory 0700, every file 0600; looser modes refused at start"
echo "foundation_test: all passed"
