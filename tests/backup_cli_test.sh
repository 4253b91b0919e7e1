#!/usr/bin/env bash
# Backup and restore through the CLI (docs/security.md, "Backup and restore";
# docs/audit.md, "Restoring from a backup"):
#  1. police imports FEBRL dataset1 and known survivors, the NGO matches
#     against it while both serve, and police is backed up while serving;
#     `backup verify` checks the file and prints its manifest;
#  2. bad input: a flipped byte, a truncated file, another node's backup
#     restored with this node's key, a wrong passphrase: each one line naming
#     the file, exit 2, nothing written;
#  3. restore into a new directory: the record count is equal, the audit
#     log verifies, the node refuses to serve until `audit accept-restore`;
#  4. disk theft: no personal value of any input is in the backup file.
source "$(dirname "$0")/lib.sh"
F="$FEDLINK"
HERE="$(cd "$(dirname "$0")" && pwd)"
FEBRL="$TEST_DATA/febrl/dataset1.csv"
require_file "$FEBRL"
FEBRL_MAP="rec_id=external_id,surname=family_name,date_of_birth=dob,soc_sec_id=document"
command -v python3 >/dev/null || skip "python3 is needed to write the search patterns"
tree_digest() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum); }
one_line_naming() {  # one_line_naming FILE WHAT: the error is one line and names FILE
  [ "$(wc -l <"$WORK/err")" = 1 ] || { cat "$WORK/err"; fail "$2: not one line"; }
  grep -q -F "$1" "$WORK/err" || { cat "$WORK/err"; fail "$2: the error does not name $1"; }
}

two_node_federation backup-test
write_known_survivors "$WORK/known.csv"
sed 's/^KNOWN-/NGO-KNOWN-/' "$WORK/known.csv" >"$WORK/ngo-known.csv"
"$F" import --dir "$WORK/police" --map "$FEBRL_MAP" --default-role other --bad-dates drop "$FEBRL" >/dev/null 2>&1 || fail "import FEBRL"
"$F" import --dir "$WORK/police" "$WORK/known.csv" >/dev/null 2>&1 || fail "import known"
"$F" import --dir "$WORK/ngo" "$WORK/ngo-known.csv" >/dev/null 2>&1 || fail "import ngo known"
POLICE_COUNT=$("$F" records --dir "$WORK/police" count 2>/dev/null)
serve_nodes ngo police
expect_exit 0 "$F" match --dir "$WORK/ngo" --peer police --purpose victim-dedup --out "$WORK/r.csv"
grep -q "^NGO-KNOWN-3,police," "$WORK/r.csv" || { cat "$WORK/err"; fail "the known survivor was not matched"; }

# 1. Backup while serving.
expect_exit 0 "$F" backup --dir "$WORK/police" --out "$WORK/police.fbk"
B="$WORK/police.fbk"
[ "$(stat -c %a "$B")" = 600 ] || fail "the backup is not 0600"
[ ! -e "$B.tmp" ] || fail "the backup's temporary file was left"
grep -q "^records $POLICE_COUNT\$" "$WORK/out" || { cat "$WORK/out"; fail "manifest record count"; }
grep -q "^audit entries [1-9]" "$WORK/out" || { cat "$WORK/out"; fail "manifest audit entries"; }
grep -q "^schema node.db " "$WORK/out" || { cat "$WORK/out"; fail "manifest schema"; }
if grep -q -i "zhanybekova\|known" "$WORK/out"; then fail "the backup printed personal data"; fi
ls -a "$WORK/police" | grep -q "^\.backup-" && fail "the backup left its copy in the node directory"
expect_exit 2 "$F" backup --dir "$WORK/police" --out "$B"
grep -q "already exists" "$WORK/err" || { cat "$WORK/err"; fail "backup over an existing file"; }
expect_exit 0 "$F" backup verify "$B"
grep -q "^OK: " "$WORK/out" && grep -q "^records $POLICE_COUNT\$" "$WORK/out" \
  || { cat "$WORK/out"; fail "backup verify"; }
expect_exit 0 "$F" backup verify --dir "$WORK/police" --key-file "$KEYS/police.key" "$B"
expect_exit 0 "$F" backup --dir "$WORK/ngo" --out "$WORK/ngo.fbk"
pass "backup while serving: 0600, whole, manifest with $POLICE_COUNT records; backup verify OK"

# A backup taken while an import writes: a consistent point, before, during
# or after the import's transactions, that verifies.
"$F" gen --persons 4000 --overlap 0 --out-a "$WORK/extra.csv" --out-b "$WORK/extra-b.csv" \
  --truth "$WORK/extra-truth.csv" --seed 5 >/dev/null
"$F" import --dir "$WORK/police" "$WORK/extra.csv" >/dev/null 2>"$WORK/import.err" &
IMPORT=$!
expect_exit 0 "$F" backup --dir "$WORK/police" --out "$WORK/during.fbk"
wait "$IMPORT" || { cat "$WORK/import.err"; fail "import during the backup"; }
AFTER=$("$F" records --dir "$WORK/police" count 2>/dev/null)
DURING=$(sed -n 's/^records //p' "$WORK/out")
[ "$DURING" -ge "$POLICE_COUNT" ] && [ "$DURING" -le "$AFTER" ] && [ "$AFTER" -gt "$POLICE_COUNT" ] \
  || fail "backup during an import: $DURING records, before $POLICE_COUNT, after $AFTER"
expect_exit 0 "$F" backup verify "$WORK/during.fbk"
pass "backup during an import: $DURING records (before $POLICE_COUNT, after $AFTER), verifies"

# 2. Bad input: one line naming the file, exit 2, nothing written.
expect_exit 2 "$F" backup verify --dir "$WORK/ngo" "$B"
one_line_naming "$B" "a backup checked against another node"
SIZE=$(stat -c %s "$B")
cp "$B" "$WORK/flipped.fbk"
BYTE=$(od -An -tu1 -j $((SIZE / 2)) -N1 "$B" | tr -d ' ')
printf "\\x$(printf %02x $((BYTE ^ 1)))" | dd of="$WORK/flipped.fbk" bs=1 seek=$((SIZE / 2)) conv=notrunc status=none
cmp -s "$B" "$WORK/flipped.fbk" && fail "the byte was not flipped"
head -c $((SIZE - 100)) "$B" >"$WORK/truncated.fbk"
head -c $((SIZE - 1)) "$B" >"$WORK/cut.fbk"  # one byte short
for bad in flipped truncated cut; do
  expect_exit 2 "$F" backup verify "$WORK/$bad.fbk"
  one_line_naming "$WORK/$bad.fbk" "$bad backup (verify)"
  expect_exit 2 "$F" restore --dir "$WORK/new-$bad" "$WORK/$bad.fbk"
  one_line_naming "$WORK/$bad.fbk" "$bad backup (restore)"
  [ ! -e "$WORK/new-$bad" ] || fail "restore of a $bad backup wrote $WORK/new-$bad"
done
ls -a "$WORK" | grep -q "restore-" && fail "a refused restore left its temporary directory"
# Another node's backup, opened with this node's key.
expect_exit 2 "$F" restore --dir "$WORK/new-other" --key-file "$KEYS/police.key" "$WORK/ngo.fbk"
one_line_naming "$WORK/ngo.fbk" "another node's backup"
grep -q "does not open the data key" "$WORK/err" || { cat "$WORK/err"; fail "another node's backup: reason"; }
[ ! -e "$WORK/new-other" ] || fail "restore of another node's backup wrote a directory"
# A wrong passphrase.
printf 'correct horse battery staple\n' >"$KEYS/pass"
printf 'correct horse battery stapler\n' >"$KEYS/wrong-pass"
chmod 600 "$KEYS/pass" "$KEYS/wrong-pass"
"$F" init --dir "$WORK/pp" --passphrase-file "$KEYS/pass" --node-id pp --org p >/dev/null 2>&1
expect_exit 0 "$F" backup --dir "$WORK/pp" --passphrase-file "$KEYS/pass" --out "$WORK/pp.fbk"
expect_exit 2 "$F" backup verify --passphrase-file "$KEYS/wrong-pass" "$WORK/pp.fbk"
one_line_naming "$WORK/pp.fbk" "wrong passphrase"
expect_exit 2 "$F" restore --dir "$WORK/new-pp" --passphrase-file "$KEYS/wrong-pass" "$WORK/pp.fbk"
one_line_naming "$WORK/pp.fbk" "wrong passphrase (restore)"
[ ! -e "$WORK/new-pp" ] || fail "restore with a wrong passphrase wrote a directory"
expect_exit 0 "$F" backup verify --passphrase-file "$KEYS/pass" "$WORK/pp.fbk"
# An existing, non-empty directory is refused and left as it was.
mkdir -m 700 "$WORK/taken" && echo x >"$WORK/taken/file"
BEFORE=$(tree_digest "$WORK/taken")
expect_exit 2 "$F" restore --dir "$WORK/taken" "$B"
grep -q "not an empty directory" "$WORK/err" || { cat "$WORK/err"; fail "non-empty NEWDIR"; }
[ "$(tree_digest "$WORK/taken")" = "$BEFORE" ] || fail "a refused restore changed NEWDIR"
pass "flipped byte, truncated, end cut off, another node's, wrong passphrase, taken NEWDIR: one line, exit 2, nothing written"

for n in police ngo; do kill -TERM "${PID_OF[$n]}"; wait "${PID_OF[$n]}" 2>/dev/null || true; done

# 3. Restore.
expect_exit 0 "$F" restore --dir "$WORK/restored" "$B"
[ "$(stat -c %a "$WORK/restored")" = 700 ] || fail "NEWDIR is not 0700"
[ -z "$(find "$WORK/restored" -type f ! -perm 600)" ] || fail "a restored file is not 0600"
[ -e "$WORK/restored/audit.restored" ] || fail "no restore marker"
[ "$("$F" records --dir "$WORK/restored" count 2>/dev/null)" = "$POLICE_COUNT" ] || fail "restored record count"
expect_exit 0 "$F" records --dir "$WORK/restored" show KNOWN-3
grep -q "Zhanybekova3" "$WORK/out" || fail "KNOWN-3 not intact after restore"
expect_exit 0 "$F" audit export --dir "$WORK/restored" --out "$WORK/restored.audit"
expect_exit 0 "$F" audit verify "$WORK/restored.audit"
expect_exit 2 "$F" serve --dir "$WORK/restored"
grep -q "audit.restored" "$WORK/err" && grep -q "accept-restore" "$WORK/err" \
  || { cat "$WORK/err"; fail "a restored node served before accept-restore"; }
expect_exit 0 "$F" audit accept-restore --dir "$WORK/restored"
[ ! -e "$WORK/restored/audit.restored" ] || fail "accept-restore left the marker"
expect_exit 0 "$F" audit export --dir "$WORK/restored" --out "$WORK/accepted.audit"
expect_exit 0 "$F" audit list "$WORK/accepted.audit"
grep -q "audit.restore" "$WORK/out" || fail "no audit.restore entry"
expect_exit 2 "$F" audit accept-restore --dir "$WORK/restored"
"$F" serve --dir "$WORK/restored" --witness-interval 1h 2>"$WORK/serve.err" &
RPID=$!
PIDS+=("$RPID")
wait_for_status "$WORK/restored"
kill -TERM "$RPID"; wait "$RPID" 2>/dev/null || true
pass "restore: $POLICE_COUNT records, audit log verifies, serving refused until accept-restore, then served"

# 4. Disk theft: nothing personal in the backup.
python3 "$HERE/at_rest_scan.py" patterns "$WORK/patterns" "$WORK/known.csv" "$WORK/ngo-known.csv" \
  "$WORK/extra.csv" "$FEBRL:$FEBRL_MAP" >"$WORK/scan.txt"
grep -a -q -F -f "$WORK/patterns" "$WORK/known.csv" || fail "the patterns miss the inputs"
LEAKS=0
for f in "$B" "$WORK/ngo.fbk" "$WORK/during.fbk"; do
  if grep -a -q -F -f "$WORK/patterns" "$f"; then
    grep -a -o -b -F -f "$WORK/patterns" "$f" | python3 "$HERE/at_rest_scan.py" confirm "$f" >"$WORK/hits"
    if [ -s "$WORK/hits" ]; then
      echo "--- $f holds: $(head -5 "$WORK/hits" | tr '\n' ' ')"
      LEAKS=$((LEAKS + 1))
    fi
  fi
done
[ "$LEAKS" = 0 ] || fail "personal values found in a backup file"
pass "no personal value in the backup files ($(cat "$WORK/scan.txt"))"
