#!/usr/bin/env bash
# The auditor's report of generated logs that raise every misuse signal
# (AuditReportTest.AReportOfLogsRaisingEverySignalNamesEachOne writes it),
# rendered in headless Chromium: one screenshot per section in
# build/test-artifacts/, and checks that the page's one inline script runs
# under the page's own Content-Security-Policy (a filter set in the address
# hides rows; without the script the page would still say "filters need
# scripts").
source "$(dirname "$0")/lib.sh"
: "${APP_TEST:?set APP_TEST to the app_test binary}"
command -v chromium >/dev/null || skip "chromium not installed (./deploy/install-deps.sh --tests)"
ART="$(cd "$(dirname "$FEDLINK")/../.." && pwd)/test-artifacts"
mkdir -p "$ART"
PAGE="$WORK/signals.html"

# The gtest binary's scratch directories go under this test's own.
TEST_TMPDIR="$WORK" FEDLINK_REPORT_OUT="$PAGE" "$APP_TEST" \
  --gtest_filter=AuditReportTest.AReportOfLogsRaisingEverySignalNamesEachOne >"$WORK/gtest.log" 2>&1 \
  || { cat "$WORK/gtest.log"; fail "the report of every signal"; }
[ -s "$PAGE" ] || fail "no report written"
cp "$PAGE" "$ART/audit-report-signals.html"
grep -q "https\?://" "$PAGE" && fail "the report refers to the network"

# A profile of this test's own: never the user's, nor one another test's
# Chromium has open at the same time.
chrome() {
  chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$WORK/chromium" \
    "$@" 2>"$WORK/chromium.err"
}

# Every row, then a filtered view from the address: the script ran.
chrome --dump-dom "file://$PAGE" >"$WORK/all.html"
LINE=$(grep -o '[0-9]* of [0-9]* rows shown' "$WORK/all.html") \
  || { head -c 2000 "$WORK/chromium.err"; fail "the script did not run under the page's CSP"; }
ALL=${LINE%% of*}
[ "$LINE" = "$ALL of $ALL rows shown" ] || fail "unfiltered page shows $LINE"
chrome --dump-dom "file://$PAGE#peer=shelter&outcome=flagged" >"$WORK/filtered.html"
LINE=$(grep -o '[0-9]* of [0-9]* rows shown' "$WORK/filtered.html") || fail "no filtered view"
SHOWN=${LINE%% of*}
[ "$SHOWN" -ge 1 ] && [ "$SHOWN" -lt "$ALL" ] || fail "filter peer=shelter&outcome=flagged showed $LINE"
grep -q "Refused to execute inline script" "$WORK/chromium.err" && fail "CSP refused the script"
pass "the report's script runs under its CSP; a filter from the address shows $SHOWN of $ALL rows"

chrome --window-size=1280,1100 --screenshot="$ART/audit-report-headline.png" "file://$PAGE" >/dev/null
# One section at a time (#view=NAME shows the headline and that section).
for section in provenance signals exchanges-section summaries timeline followups refusals anomalies; do
  chrome --window-size=1280,1600 --screenshot="$ART/audit-report-$section.png" \
    "file://$PAGE#view=$section" >/dev/null
  [ -s "$ART/audit-report-$section.png" ] || fail "chromium did not render section $section"
done
chrome --window-size=1280,1100 --screenshot="$ART/audit-report-filtered.png" \
  "file://$PAGE#view=exchanges-section&peer=shelter&outcome=flagged" >/dev/null
pass "screenshots: $ART/audit-report-{headline,provenance,signals,exchanges-section,summaries,timeline,followups,refusals,anomalies,filtered}.png"
echo "audit_report_screens: all passed"
