#!/usr/bin/env bash
# ./deploy/package.sh builds a lintian-clean .deb of the tree under test with
# /usr/bin/fedlink, the systemd unit, man page, bash completion, docs,
# postinst/postrm, and runtime dependencies only (no -dev package).
source "$(dirname "$0")/lib.sh"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="$(cd "$(dirname "$FEDLINK")/../.." && pwd)"  # FEDLINK is BUILD/node/cli/fedlink
for tool in help2man dpkg-shlibdeps fakeroot cpack lintian; do
  command -v "$tool" >/dev/null || skip "$tool not installed (./deploy/install-deps.sh --tests)"
done
"$ROOT/deploy/package.sh" "$BUILD" >"$WORK/package.out" 2>&1 || { cat "$WORK/package.out"; fail "package.sh"; }
DEB=$(grep '\.deb$' "$WORK/package.out" | tail -1)
[ -f "$DEB" ] || { cat "$WORK/package.out"; fail "no .deb"; }
pass "package.sh built $(basename "$DEB"); lintian clean"

dpkg-deb -c "$DEB" | awk '{print $6}' >"$WORK/files"
for f in ./usr/bin/fedlink ./lib/systemd/system/fedlink@.service ./usr/share/man/man1/fedlink.1.gz \
  ./usr/share/bash-completion/completions/fedlink ./usr/share/doc/fedlink/copyright \
  ./usr/share/doc/fedlink/operations.md ./usr/share/doc/fedlink/changelog.gz; do
  grep -qx -- "$f" "$WORK/files" || { cat "$WORK/files"; fail "package lacks $f"; }
done
dpkg-deb -f "$DEB" Depends >"$WORK/depends"
grep -q "adduser" "$WORK/depends" || fail "no dependency on adduser"
grep -q "libgrpc++1" "$WORK/depends" || { cat "$WORK/depends"; fail "no runtime gRPC dependency"; }
grep -q -- "-dev" "$WORK/depends" && { cat "$WORK/depends"; fail "a -dev package in Depends"; }
dpkg-deb -e "$DEB" "$WORK/control"
grep -q "adduser --system" "$WORK/control/postinst" || fail "postinst creates no system user"
pass "package: binary, unit, man page, completion, docs, postinst/postrm; runtime dependencies only"

# The completion offers commands and each command's flags.
source "$ROOT/deploy/fedlink.bash-completion"
fedlink() { "$FEDLINK" "$@"; }
COMP_WORDS=(fedlink sta); COMP_CWORD=1; _fedlink
[[ " ${COMPREPLY[*]} " == *" status "* ]] || fail "completion: no status command (${COMPREPLY[*]})"
COMP_WORDS=(fedlink serve --log-f); COMP_CWORD=2; _fedlink
[[ " ${COMPREPLY[*]} " == *" --log-format "* ]] || fail "completion: no --log-format for serve (${COMPREPLY[*]})"
COMP_WORDS=(fedlink au); COMP_CWORD=1; _fedlink
[[ " ${COMPREPLY[*]} " == *" audit "* ]] || fail "completion: no audit (${COMPREPLY[*]})"
COMP_WORDS=(fedlink audit ex); COMP_CWORD=2; _fedlink
[[ " ${COMPREPLY[*]} " == *" export "* ]] || fail "completion: no audit export (${COMPREPLY[*]})"
COMP_WORDS=(fedlink audit export --o); COMP_CWORD=3; _fedlink
[[ " ${COMPREPLY[*]} " == *" --out "* ]] || fail "completion: no --out for audit export (${COMPREPLY[*]})"
pass "bash completion offers commands, subcommands and their flags"
echo "package_test: all passed"
