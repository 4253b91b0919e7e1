#!/usr/bin/env bash
# Data at rest through the CLI (docs/security.md, "Data at rest"):
#  1. a missing, loose or wrong key file and a wrong passphrase are refused
#     with one line naming the source tried, exit 2, the directory unchanged;
#  2. the disk-theft test: police imports FEBRL dataset1, a generated set and
#     a set of known survivors; the NGO imports its own; the NGO matches,
#     asks for contact, police accepts, police withdraws one consent; the
#     nodes stop, and no personal value of any input is found in any byte of
#     any file of either node directory, as given, lower case, digits only
#     (phones), base64 or hex. With the key, the records are intact.
source "$(dirname "$0")/lib.sh"
F="$FEDLINK"
HERE="$(cd "$(dirname "$0")" && pwd)"
FEBRL="$TEST_DATA/febrl/dataset1.csv"
require_file "$FEBRL"
FEBRL_MAP="rec_id=external_id,surname=family_name,date_of_birth=dob,soc_sec_id=document"
command -v python3 >/dev/null || skip "python3 is needed to write the search patterns"

# Every file under a directory, with its digest: a refused command changes none.
tree_digest() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum); }

two_node_federation rest-test
# The test's key files share the node's file system, which init warns of.
grep -q "warning: the key file is on the same file system as the node directory" \
  "$WORK/police.init.err" || { cat "$WORK/police.init.err"; fail "no same-file-system warning"; }
[ "$(stat -c %a "$KEYS/police.key")" = 600 ] || fail "init did not make the key file 0600"
grep -q "^source key-file $KEYS/police.key\$" "$WORK/police/data.key" || fail "data.key source"
for f in identity.key tls.key; do
  head -c 18 "$WORK/police/$f" | grep -q "^fedlink-sealed v1" || fail "$f is not sealed"
done
pass "init: data key wrapped by a key file apart from the node; identity and TLS keys sealed"

# 1. Refusals: one line naming the source, exit 2, nothing changed.
BEFORE=$(tree_digest "$WORK/police")
"$F" init --dir "$WORK/spare" --key-file "$KEYS/spare.key" --node-id spare --org s >/dev/null
expect_exit 2 "$F" records --dir "$WORK/police" --key-file "$KEYS/spare.key" count
[ "$(wc -l <"$WORK/err")" = 1 ] || { cat "$WORK/err"; fail "wrong key: not one line"; }
grep -q "key file $KEYS/spare.key does not open the data key" "$WORK/err" || { cat "$WORK/err"; fail "wrong key message"; }
chmod 644 "$KEYS/police.key"
expect_exit 2 "$F" records --dir "$WORK/police" count
grep -q "key file $KEYS/police.key: mode 0644 is too open" "$WORK/err" || { cat "$WORK/err"; fail "loose key file"; }
chmod 600 "$KEYS/police.key"
mv "$KEYS/police.key" "$KEYS/police.key.away"
expect_exit 2 "$F" import --dir "$WORK/police" "$FEBRL"
grep -q "key file $KEYS/police.key: missing" "$WORK/err" || { cat "$WORK/err"; fail "missing key file"; }
mv "$KEYS/police.key.away" "$KEYS/police.key"
[ "$(tree_digest "$WORK/police")" = "$BEFORE" ] || fail "a refused opening changed the node directory"
printf 'correct horse battery staple\n' >"$KEYS/pass"
printf 'correct horse battery stapler\n' >"$KEYS/wrong-pass"
chmod 600 "$KEYS/pass" "$KEYS/wrong-pass"
"$F" init --dir "$WORK/pp" --passphrase-file "$KEYS/pass" --node-id pp --org p >/dev/null
grep -q "^source passphrase argon2id13 " "$WORK/pp/data.key" || fail "passphrase data.key"
expect_exit 2 "$F" records --dir "$WORK/pp" --passphrase-file "$KEYS/wrong-pass" count
grep -q "passphrase file $KEYS/wrong-pass does not open the data key" "$WORK/err" || { cat "$WORK/err"; fail "wrong passphrase"; }
expect_exit 2 "$F" records --dir "$WORK/pp" count </dev/null
grep -q "no terminal to ask" "$WORK/err" || { cat "$WORK/err"; fail "no passphrase source"; }
expect_exit 0 "$F" records --dir "$WORK/pp" --passphrase-fd 3 count 3<"$KEYS/pass"
expect_exit 2 "$F" init --dir "$WORK/none" --node-id none --org n </dev/null
grep -q "a key source is required" "$WORK/err" || { cat "$WORK/err"; fail "init without a key source"; }
[ ! -e "$WORK/none/node.conf" ] || fail "init without a key source made a node"
pass "wrong key, loose key file, missing key file, wrong passphrase: one line, exit 2, nothing changed"

# 2. The disk-theft test.
"$F" gen --persons 600 --overlap 0.3 --out-a "$WORK/police.csv" --out-b "$WORK/ngo.csv" \
  --truth "$WORK/truth.csv" --seed 21 >/dev/null
# Known survivors both organisations hold, with values no generator makes.
write_known_survivors "$WORK/known.csv"
sed 's/^KNOWN-/NGO-KNOWN-/' "$WORK/known.csv" >"$WORK/ngo-known.csv"
"$F" import --dir "$WORK/police" --map "$FEBRL_MAP" --default-role other --bad-dates drop "$FEBRL" >/dev/null 2>&1 || fail "import FEBRL"
"$F" import --dir "$WORK/police" "$WORK/police.csv" >/dev/null 2>&1 || fail "import police"
"$F" import --dir "$WORK/police" "$WORK/known.csv" >/dev/null 2>&1 || fail "import known"
"$F" import --dir "$WORK/ngo" "$WORK/ngo.csv" >/dev/null 2>&1 || fail "import ngo"
"$F" import --dir "$WORK/ngo" "$WORK/ngo-known.csv" >/dev/null 2>&1 || fail "import ngo known"
POLICE_COUNT=$("$F" records --dir "$WORK/police" count 2>/dev/null)
serve_nodes ngo police
expect_exit 0 "$F" match --dir "$WORK/ngo" --peer police --purpose victim-dedup --out "$WORK/r.csv"
grep -q "^NGO-KNOWN-3,police," "$WORK/r.csv" || { cat "$WORK/err"; fail "the known survivor was not matched"; }
H=$(grep "^NGO-KNOWN-3,police," "$WORK/r.csv" | cut -d, -f3)
expect_exit 0 "$F" contact --dir "$WORK/ngo" --peer police --handle "$H" --reason "same survivor?"
CID=$(sed -n 's/^contact request \(c[0-9a-f]*\) sent.*/\1/p' "$WORK/out")
[ -n "$CID" ] || fail "no contact id"
expect_exit 0 "$F" inbox --dir "$WORK/police" --accept "$CID" --message "call the duty officer"
expect_exit 0 "$F" records --dir "$WORK/police" withdraw-consent KNOWN-5
pass "match, contact request accepted, consent withdrawn on encrypted nodes"
for n in police ngo; do kill -TERM "${PID_OF[$n]}"; wait "${PID_OF[$n]}" 2>/dev/null || true; done

python3 "$HERE/at_rest_scan.py" patterns "$WORK/patterns" "$WORK/known.csv" "$WORK/ngo-known.csv" \
  "$WORK/police.csv" "$WORK/ngo.csv" "$FEBRL:$FEBRL_MAP" >"$WORK/scan.txt"
# The search finds what it looks for: in the inputs, and in every encoding.
grep -a -q -F -f "$WORK/patterns" "$WORK/known.csv" || fail "the patterns miss the inputs"
python3 "$HERE/at_rest_scan.py" probe "$WORK/probe" "+447946333333"
[ "$(grep -a -c -F -f "$WORK/patterns" "$WORK/probe")" = "$(wc -l <"$WORK/probe")" ] \
  || fail "an encoding of a known phone is not searched for"
# A stored number stands alone and is kept; inside a hex fingerprint it is not a leak.
printf 'pin 4f7437039ab; document \0017437039\001' >"$WORK/probe.bin"
[ "$(grep -a -o -b -F -e 7437039 "$WORK/probe.bin" | python3 "$HERE/at_rest_scan.py" confirm "$WORK/probe.bin")" = 7437039 ] \
  || fail "confirm does not tell a stored number from a fingerprint"
FILES=$(find "$WORK/police" "$WORK/ngo" -type f | wc -l)
LEAKS=0
if grep -r -a -l -F -f "$WORK/patterns" "$WORK/police" "$WORK/ngo" >"$WORK/found"; then
  while read -r f; do
    grep -a -o -b -F -f "$WORK/patterns" "$f" | python3 "$HERE/at_rest_scan.py" confirm "$f" >"$WORK/hits"
    if [ -s "$WORK/hits" ]; then
      echo "--- $f holds: $(head -5 "$WORK/hits" | tr '\n' ' ')"
      LEAKS=$((LEAKS + 1))
    fi
  done <"$WORK/found"
fi
[ "$LEAKS" = 0 ] || fail "personal values found in the node directories"
pass "no personal value in any of $FILES files of the stopped nodes ($(cat "$WORK/scan.txt"))"

# With the key, the records are intact.
[ "$("$F" records --dir "$WORK/police" count 2>/dev/null)" = "$POLICE_COUNT" ] || fail "record count"
expect_exit 0 "$F" records --dir "$WORK/police" show KNOWN-3
grep -q "Zhanybekova3" "$WORK/out" && grep -q "KGX9033333" "$WORK/out" \
  || { cat "$WORK/out"; fail "KNOWN-3 not intact"; }
pass "with the key the records are intact ($POLICE_COUNT at police)"

# 3. Rotating the key-encryption key: a passphrase replaces the key file; no
# record is re-encrypted, the old key file no longer opens the node.
DB_BEFORE=$(sha256sum <"$WORK/police/node.db")
expect_exit 0 "$F" key rewrap --dir "$WORK/police" --new-passphrase-file "$KEYS/pass"
expect_exit 2 "$F" records --dir "$WORK/police" --key-file "$KEYS/police.key" count
grep -q "wrapped by a passphrase" "$WORK/err" || { cat "$WORK/err"; fail "old key file after rewrap"; }
[ "$("$F" records --dir "$WORK/police" --passphrase-file "$KEYS/pass" count 2>/dev/null)" = "$POLICE_COUNT" ] \
  || fail "the new passphrase does not open the node"
[ "$(sha256sum <"$WORK/police/node.db")" = "$DB_BEFORE" ] || fail "rewrap rewrote the records"
pass "key rewrap: the new passphrase opens the node, the old key file does not, records untouched"
