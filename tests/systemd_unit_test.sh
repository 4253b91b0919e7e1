#!/usr/bin/env bash
# deploy/fedlink@.service: `systemd-analyze verify` passes and `systemd-analyze
# security --offline=true` scores it 2.0 or lower ("OK"), with every
# directive issue 18 asks for (Type=notify, the hardening list, the
# credential for the data key, reload on SIGHUP).
source "$(dirname "$0")/lib.sh"
UNIT="$(cd "$(dirname "$0")/.." && pwd)/deploy/fedlink@.service"
require_file "$UNIT"
command -v systemd-analyze >/dev/null || skip "systemd-analyze not installed (Debian package systemd)"

for d in Type=notify User=fedlink 'StateDirectory=fedlink/%i' ProtectSystem=strict ProtectHome=yes \
  PrivateTmp=yes NoNewPrivileges=yes 'CapabilityBoundingSet=$' \
  'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6' SystemCallFilter=@system-service \
  LimitNOFILE= Restart=on-failure 'ExecReload=/bin/kill -HUP $MAINPID' WatchdogSec= \
  'LoadCredentialEncrypted=data-key:'; do
  grep -q "^$d" "$UNIT" || fail "unit lacks $d"
done
pass "the unit has every directive the issue lists"

# An instance, with ExecStart pointing at the binary under test (verify
# checks that it exists); the man page need not be installed here.
mkdir "$WORK/units"
sed "s|/usr/bin/fedlink|$FEDLINK|" "$UNIT" >"$WORK/units/fedlink@test.service"
(cd "$WORK/units" && systemd-analyze verify --man=no ./fedlink@test.service) >"$WORK/verify.out" 2>&1 ||
  { cat "$WORK/verify.out"; fail "systemd-analyze verify"; }
pass "systemd-analyze verify passes"

(cd "$WORK/units" && systemd-analyze security --offline=true --no-pager fedlink@test.service) \
  >"$WORK/security.out" 2>&1 || true
SCORE=$(sed -n 's/.*Overall exposure level for fedlink@test.service: \([0-9.]*\) .*/\1/p' "$WORK/security.out")
[ -n "$SCORE" ] || { cat "$WORK/security.out"; fail "no exposure score"; }
awk -v s="$SCORE" 'BEGIN { exit !(s <= 2.0) }' || { cat "$WORK/security.out"; fail "exposure $SCORE > 2.0"; }
pass "systemd-analyze security: exposure $SCORE (<= 2.0)"
echo "systemd_unit_test: all passed"
