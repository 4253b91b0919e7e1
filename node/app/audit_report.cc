#include "node/app/audit_report.h"

#include <sodium.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <tuple>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "node/app/audit_followups.h"
#include "node/app/audit_headline.h"
#include "node/server/node_status.h"

namespace fedlink::app {
namespace {

std::string Html(absl::string_view s) {
  return absl::StrReplaceAll(
      s, {{"&", "&amp;"}, {"<", "&lt;"}, {">", "&gt;"}, {"\"", "&quot;"}, {"'", "&#39;"}});
}

std::string Time(int64_t micros) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%S", absl::FromUnixMicros(micros), absl::UTCTimeZone());
}

// "budget left N" in an evaluate entry's detail.
int64_t BudgetLeft(const std::string& detail) {
  const size_t at = detail.find("budget left ");
  if (at == std::string::npos) return -1;
  int64_t n = -1;
  const std::string rest = detail.substr(at + 12, detail.find(';', at) - at - 12);
  return absl::SimpleAtoi(rest, &n) ? n : -1;
}

std::string Base64Sha256(absl::string_view text) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(text.data()), text.size());
  return absl::Base64Escape(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

const char* kColours[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"};

constexpr char kStyle[] = R"(
body{font-family:"DejaVu Sans",sans-serif;margin:24px;color:#222;max-width:1280px}
h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ccc}
h3{font-size:14px;margin:14px 0 4px}
table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top}
th{background:#f2f2f2}.ok{color:#11741b;font-weight:bold}.bad{color:#b00020;font-weight:bold}
.warn{color:#9a5b00;font-weight:bold}.note{color:#666;font-size:12px}
.headline{border:2px solid #888;padding:8px 12px;margin:12px 0}.headline p{margin:4px 0}
.hl-VERIFIED{border-color:#11741b}.hl-FINDINGS{border-color:#9a5b00}.hl-PROBLEMS{border-color:#b00020}
.mono{font-family:"DejaVu Sans Mono",monospace;font-size:11px;word-break:break-all}
tr.flag td{background:#fff3f3}td.missing{color:#b00020;font-weight:bold}
nav a{margin-right:10px;font-size:13px}form.filters{font-size:12px;margin:6px 0}
form.filters label{margin-right:10px}.signal{margin:10px 0 16px}
.c0{color:#1f77b4}.c1{color:#ff7f0e}.c2{color:#2ca02c}.c3{color:#d62728}.c4{color:#9467bd}.c5{color:#8c564b}
)";

// Filters and CSV export of the exchanges table. The filters may also be
// set in the address's fragment (#peer=ngo&purpose=victim-dedup), so a view
// can be linked or printed. CSV: RFC 4180 (CRLF, quotes doubled), and a
// cell a spreadsheet would evaluate (= + - @) prefixed with a quote, as
// fedlink's CSV writer does (node/common/csv_writer.h).
constexpr char kScript[] = R"(
(function () {
  var form = document.getElementById('filters');
  var table = document.getElementById('exchanges');
  if (!form || !table) return;
  var rows = Array.prototype.slice.call(table.tBodies[0].rows);
  var names = ['from', 'to', 'peer', 'purpose', 'outcome', 'official'];
  function v(n) { return form.elements[n].value; }
  function keep(d) {
    var from = v('from'), to = v('to'), peer = v('peer'), off = v('official'), out = v('outcome');
    if (from && from > d.day) return false;  // no less-than sign in the page but its tags
    if (to && d.day > to) return false;
    if (peer && d.requester !== peer && d.responder !== peer) return false;
    if (v('purpose') && d.purpose !== v('purpose')) return false;
    if (out === 'ok' && d.outcome !== 'ok') return false;
    if (out === 'refused' && d.outcome === 'ok') return false;
    if (out === 'flagged' && d.flagged !== '1') return false;
    if (off && d.official !== off) return false;
    return true;
  }
  function apply() {
    var shown = 0;
    rows.forEach(function (r) { var k = keep(r.dataset); r.hidden = !k; if (k) shown++; });
    document.getElementById('shown').textContent =
        shown + ' of ' + rows.length + ' rows shown';
    var parts = view ? ['view=' + encodeURIComponent(view)] : [];
    names.forEach(function (n) { if (v(n)) parts.push(n + '=' + encodeURIComponent(v(n))); });
    if (!parts.length && location.hash.indexOf('=') === -1) return;  // a section's anchor
    try {
      history.replaceState(null, '', parts.length ? '#' + parts.join('&') : location.pathname);
    } catch (e) {}
  }
  function cell(s) {
    if (/^[=+\-@]/.test(s)) s = "'" + s;
    return /[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  }
  function csv() {
    var lines = [Array.prototype.map.call(table.tHead.rows[0].cells,
                                          function (c) { return cell(c.textContent); }).join(',')];
    rows.forEach(function (r) {
      if (r.hidden) return;
      lines.push(Array.prototype.map.call(r.cells,
                                          function (c) { return cell(c.textContent); }).join(','));
    });
    var a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([lines.join('\r\n') + '\r\n'], {type: 'text/csv'}));
    a.download = 'fedlink-audit-exchanges.csv';
    document.body.appendChild(a);
    a.click();
    a.remove();
  }
  // #view=followups shows the headline and that section only (to print or
  // share one section); the filters' values may follow (&peer=ngo).
  var view = '';
  location.hash.replace(/^#/, '').split('&').forEach(function (kv) {
    var p = kv.split('=');
    if (p.length !== 2) return;
    if (p[0] === 'view') view = decodeURIComponent(p[1]);
    if (names.indexOf(p[0]) >= 0) form.elements[p[0]].value = decodeURIComponent(p[1]);
  });
  if (view) {
    Array.prototype.forEach.call(document.querySelectorAll('section'),
                                 function (s) { s.hidden = s.id !== 's-' + view; });
  }
  form.addEventListener('input', apply);
  form.addEventListener('change', apply);
  document.getElementById('csv').addEventListener('click', csv);
  document.getElementById('csv').disabled = false;
  apply();
})();
)";

// The anchor of an entry's row in the exchanges table.
std::string Anchor(const EntryRef& r) { return absl::StrCat("e-", r.node, "-", r.index); }

std::string EntryName(const EntryRef& r) { return absl::StrCat(r.node, " #", r.index); }

bool IsAuthority(absl::string_view event) {
  return absl::StartsWith(event, "match.") || event == "followup.contact.sent" ||
         event == "followup.contact.received";
}

std::string Options(const std::set<std::string>& values) {
  std::string out = "<option value=\"\">all</option>";
  for (const std::string& v : values) {
    absl::StrAppend(&out, "<option value=\"", Html(v), "\">", Html(v.empty() ? "(none)" : v),
                    "</option>");
  }
  return out;
}

}  // namespace

absl::string_view AuditReportScript() { return kScript; }
std::string AuditReportScriptHashSource() {
  return absl::StrCat("'sha256-", Base64Sha256(kScript), "'");
}

bool LacksLegalBasis(const ExportedEntry& e) {
  return IsAuthority(e.event) && e.tls_peer.empty() && !e.requester.empty() &&
         (e.legal_basis.empty() || e.official.empty());
}

namespace {

Findings Count(const AuditReview& review, const std::vector<Signal>& signals,
               const std::vector<Query>& queries, const std::vector<ContactFollowup>& contacts,
               const std::vector<RevocationFollowup>& revocations) {
  Findings findings;
  for (const auto& [node, entries] : review.entries) {
    for (const ExportedEntry& e : entries) {
      findings.witness_refusals_or_failed_reloads +=
          e.event == "witness.refused" || (e.event == "policy.reload" && e.outcome != "ok");
    }
  }
  findings.signals = signals.size();
  for (const Query& q : queries) findings.without_legal_basis += LacksLegalBasis(*q.entry);
  for (const ContactFollowup& c : contacts) {
    findings.followups_overdue_or_late +=
        c.state == FollowupState::kLate || c.state == FollowupState::kOverdue;
  }
  for (const RevocationFollowup& r : revocations) {
    findings.revocations_unacknowledged += !r.acknowledged;
  }
  return findings;
}

}  // namespace

Findings FindingsOf(const AuditReview& review, absl::Time now, const ReportOptions& options) {
  return Count(review, AllSignals(review, options.signals), Queries(review),
               ContactFollowups(review, now), RevocationFollowups(review));
}

std::string RenderAuditReport(const AuditReview& review, absl::Time now,
                              const ReportOptions& options) {
  const std::vector<Signal> signals = AllSignals(review, options.signals);
  const std::vector<Query> queries = Queries(review);
  const std::vector<ContactFollowup> contacts = ContactFollowups(review, now);
  const std::vector<RevocationFollowup> revocations = RevocationFollowups(review);
  const Findings findings = Count(review, signals, queries, contacts, revocations);
  const Headline headline = MakeHeadline(review, findings);

  std::string h;
  absl::StrAppend(&h,
                  "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
                  "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                  "style-src 'sha256-",
                  Base64Sha256(kStyle), "'; script-src ", AuditReportScriptHashSource(),
                  "; img-src data:; form-action 'none'; base-uri 'none'\">\n"
                  "<title>fedlink audit report</title>\n<style>",
                  kStyle, "</style></head><body>\n<h1>fedlink audit report</h1>\n");
  const std::string status_class = headline.status == Headline::Status::kVerified   ? "ok"
                                   : headline.status == Headline::Status::kFindings ? "warn"
                                                                                    : "bad";
  const std::string hl = headline.status == Headline::Status::kVerified   ? "VERIFIED"
                         : headline.status == Headline::Status::kFindings ? "FINDINGS"
                                                                          : "PROBLEMS";
  absl::StrAppend(&h, "<div class=\"headline hl-", hl,
                  "\" id=\"headline\"><p>Overall: <span class=", status_class, ">",
                  headline.status_text, "</span></p>\n<p>",
                  Html(absl::StrCat("Verified: ", headline.verified)), "</p>\n<p>",
                  Html(headline.found), "</p></div>\n");
  absl::StrAppend(
      &h,
      "<nav><a href=\"#provenance\">Provenance</a><a href=\"#signals\">Misuse signals</a>"
      "<a href=\"#exchanges-section\">Exchanges</a><a href=\"#summaries\">Summaries</a>"
      "<a href=\"#timeline\">Timeline</a><a href=\"#followups\">Follow-ups</a>"
      "<a href=\"#refusals\">Refusals</a><a href=\"#withdrawals\">Consent withdrawals</a>"
      "<a href=\"#anomalies\">Anomalies</a></nav>\n");

  // Provenance: what the report was made from.
  absl::StrAppend(&h, "<h2 id=\"provenance\">Provenance</h2>\n<p class=\"note\">Generated ",
                  Html(absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", now, absl::UTCTimeZone())),
                  " by fedlink ", server::kFedlinkVersion, " from ", review.logs.size(),
                  " exports. Every figure below comes from entries whose signatures and "
                  "Merkle roots verified.</p>\n<p>Roster: ");
  if (review.roster_checked) {
    absl::StrAppend(&h, "signed roster version ", review.roster_version,
                    " verified with the federation key; each node's key and every witness "
                    "checked against it.");
  } else {
    absl::StrAppend(&h,
                    "<span class=warn>none given: node keys are self-declared</span> "
                    "(each export is checked against the key it carries).");
  }
  absl::StrAppend(
      &h, "</p>\n<p>Options: working hours ",
      options.signals.working_hours.has_value()
          ? absl::StrCat(absl::StrFormat("%02d:%02d-%02d:%02d UTC",
                                         options.signals.working_hours->start_minute / 60,
                                         options.signals.working_hours->start_minute % 60,
                                         options.signals.working_hours->end_minute / 60,
                                         options.signals.working_hours->end_minute % 60))
          : std::string("not declared (not checked)"),
      "; follow-up window ", absl::FormatDuration(kReplyWindow), ".</p>\n");
  absl::StrAppend(&h,
                  "<h3>Verification</h3>\n<table><tr><th>export</th><th>SHA-256</th><th>node</th>"
                  "<th>entries</th><th>first entry</th><th>last entry</th><th>checkpoints</th>"
                  "<th>last checkpoint (size, root)</th><th>witness cosignatures</th>"
                  "<th>status</th></tr>\n");
  for (const LogReview& l : review.logs) {
    std::set<std::string> w(l.witnesses.begin(), l.witnesses.end());
    std::vector<std::string> upto;
    for (const auto& [witness, size] : l.cosigned_up_to) {
      upto.push_back(absl::StrCat(witness, " up to ", size));
    }
    absl::StrAppend(
        &h, "<tr><td>", Html(l.path), "</td><td class=mono>", l.sha256, "</td><td>",
        Html(l.node_id), "</td><td>",
        l.ok && l.entries > 0 ? absl::StrCat("0 to ", l.entries - 1) : "",
        l.ok ? absl::StrCat(" (", l.entries, ")") : "", "</td><td>",
        l.ok && l.entries > 0 ? Time(l.first_time_unix_micros) : "", "</td><td>",
        l.ok && l.entries > 0 ? Time(l.last_time_unix_micros) : "", "</td><td>", l.checkpoints,
        "</td><td class=mono>",
        l.ok ? absl::StrCat(l.last_checkpoint_size, ", ", Html(l.last_checkpoint_root)) : "",
        "</td><td>", l.witnesses.size(),
        w.empty() ? "" : absl::StrCat(" (", Html(absl::StrJoin(w, ", ")), ")"),
        upto.empty()
            ? ""
            : absl::StrCat("<br><span class=note>", Html(absl::StrJoin(upto, "; ")), "</span>"),
        "</td><td>",
        l.ok ? "<span class=ok>OK</span>"
             : absl::StrCat("<span class=bad>FAILED: ", Html(l.failure), "</span>"),
        "</td></tr>\n");
  }
  absl::StrAppend(&h, "</table>\n<p>Cross-log join: ", review.joined,
                  " exchanges found in both logs.</p>\n");

  // The rows of the exchanges table, to link signals to.
  std::set<EntryRef> in_table;
  const size_t first_row =
      queries.size() > options.max_rows ? queries.size() - options.max_rows : 0;
  for (size_t i = first_row; i < queries.size(); ++i) in_table.insert(queries[i].ref);

  // Misuse signals.
  absl::StrAppend(&h,
                  "<h2 id=\"signals\">Misuse signals</h2>\n<p class=note>Patterns worth a "
                  "question, not verdicts. Each links to the entries that show it.</p>\n");
  if (signals.empty()) absl::StrAppend(&h, "<p class=ok>None found.</p>\n");
  for (size_t k = 0; k < signals.size(); ++k) {
    const Signal& s = signals[k];
    absl::StrAppend(&h, "<div class=signal id=\"signal-", k, "\"><p><span class=warn>",
                    Html(s.kind), "</span>: ", Html(s.sentence),
                    "</p>\n<table><tr><th>entry</th>"
                    "<th>time (UTC)</th><th>event</th><th>requester</th><th>responder</th>"
                    "<th>purpose</th><th>count</th><th>outcome</th></tr>\n");
    const size_t shown = std::min<size_t>(s.entries.size(), 20);
    for (size_t j = 0; j < shown; ++j) {
      const EntryRef& r = s.entries[j];
      const ExportedEntry& e = review.entries.at(r.node)[r.index];
      const std::string name = Html(EntryName(r));
      absl::StrAppend(
          &h, "<tr><td>",
          in_table.count(r) ? absl::StrCat("<a href=\"#", Html(Anchor(r)), "\">", name, "</a>")
                            : name,
          "</td><td>", Time(e.time_unix_micros), "</td><td>", Html(e.event), "</td><td>",
          Html(e.requester.empty() && !e.tls_peer.empty() ? absl::StrCat("TLS peer ", e.tls_peer)
                                                          : e.requester),
          "</td><td>", Html(e.responder), "</td><td>", Html(e.purpose), "</td><td>", e.count,
          "</td><td>", Html(e.outcome), "</td></tr>\n");
    }
    absl::StrAppend(&h, "</table>\n");
    if (shown < s.entries.size()) {
      absl::StrAppend(&h, "<p class=note>and ", s.entries.size() - shown, " more entries.</p>\n");
    }
    absl::StrAppend(&h, "</div>\n");
  }

  // Every exchange, with its authority; filterable.
  std::set<std::string> peers, purposes, officials;
  for (const Query& q : queries) {
    peers.insert(q.entry->requester);
    peers.insert(q.entry->responder);
    purposes.insert(q.entry->purpose);
    officials.insert(q.entry->official);
  }
  absl::StrAppend(
      &h,
      "<h2 id=\"exchanges-section\">Exchanges: who looked, on what legal basis, under whose "
      "authority</h2>\n<p class=note>One row per request between nodes, as the answering node "
      "logged it (or the requesting node, if the answering node's log is not in the "
      "review). Rows without a legal basis or official are flagged. ",
      findings.without_legal_basis, " of ", queries.size(),
      " exchanges lack a legal basis or official.</p>\n"
      "<form class=filters id=\"filters\"><label>from <input type=date name=from></label>"
      "<label>to <input type=date name=to></label><label>peer <select name=peer>",
      Options(peers), "</select></label><label>purpose <select name=purpose>", Options(purposes),
      "</select></label><label>outcome <select name=outcome><option value=\"\">all</option>"
      "<option value=ok>ok</option><option value=refused>refused</option>"
      "<option value=flagged>flagged</option></select></label><label>official <select "
      "name=official>",
      Options(officials),
      "</select></label><button type=button id=csv disabled>Export shown rows as CSV</button> "
      "<span id=shown class=note>",
      queries.size() - first_row, " rows (filters need scripts)</span></form>\n");
  if (first_row > 0) {
    absl::StrAppend(&h, "<p class=warn>The ", first_row,
                    " oldest exchanges are left out of this table (options.max_rows); the "
                    "summaries and signals count them.</p>\n");
  }
  absl::StrAppend(&h,
                  "<table id=\"exchanges\"><thead><tr><th>time (UTC)</th><th>requester</th>"
                  "<th>responder</th><th>purpose</th><th>legal basis</th><th>official</th>"
                  "<th>event</th><th>count</th><th>outcome</th><th>entry</th><th>exchange</th>"
                  "</tr></thead><tbody>\n");
  for (size_t i = first_row; i < queries.size(); ++i) {
    const Query& q = queries[i];
    const ExportedEntry& e = *q.entry;
    const bool flagged = LacksLegalBasis(e);
    const std::string time = Time(e.time_unix_micros);
    const std::string outcome = e.outcome.empty() ? "ok" : e.outcome;
    absl::StrAppend(
        &h, "<tr id=\"", Html(Anchor(q.ref)), "\"", flagged ? " class=flag" : "", " data-day=\"",
        time.substr(0, 10), "\" data-requester=\"", Html(e.requester), "\" data-responder=\"",
        Html(e.responder), "\" data-purpose=\"", Html(e.purpose), "\" data-outcome=\"",
        outcome == "ok" ? "ok" : "refused", "\" data-official=\"", Html(e.official),
        "\" data-flagged=\"", flagged ? "1" : "0", "\"><td>", time, "</td><td>", Html(e.requester),
        "</td><td>", Html(e.responder), "</td><td>", Html(e.purpose), "</td>",
        e.legal_basis.empty() && flagged ? "<td class=missing>MISSING</td>"
                                         : absl::StrCat("<td>", Html(e.legal_basis), "</td>"),
        e.official.empty() && flagged ? "<td class=missing>MISSING</td>"
                                      : absl::StrCat("<td>", Html(e.official), "</td>"),
        "<td>", Html(e.event), "</td><td>", e.count, "</td><td>", Html(outcome), "</td><td>",
        Html(EntryName(q.ref)), "</td><td class=mono>", Html(e.exchange_id.substr(0, 16)),
        "</td></tr>\n");
  }
  absl::StrAppend(&h, "</tbody></table>\n");

  // Who asked whom for what, as answered by the responders.
  struct Flow {
    uint64_t exchanges = 0, elements = 0, tables = 0, refusals = 0;
    int64_t budget_left = -1;
  };
  struct Summary {
    uint64_t exchanges = 0, elements = 0, refusals = 0, unflagged = 0;
    std::set<std::string> purposes, others;
    int64_t first = INT64_MAX, last = 0;
  };
  std::map<std::tuple<std::string, std::string, std::string>, Flow> flows;
  std::map<std::string, Summary> per_peer, per_official;
  for (const Query& q : queries) {
    const ExportedEntry& e = *q.entry;
    const bool refused = e.outcome != "ok" && !e.outcome.empty();
    const bool evaluated = e.event == "match.evaluate.answered" || e.event == "match.evaluate.sent";
    for (auto* s : {&per_peer[e.requester], &per_official[e.official]}) {
      ++s->exchanges;
      if (evaluated && !refused) s->elements += e.count;
      s->refusals += refused;
      s->unflagged += LacksLegalBasis(e);
      s->purposes.insert(e.purpose);
      s->first = std::min(s->first, e.time_unix_micros);
      s->last = std::max(s->last, e.time_unix_micros);
    }
    per_peer[e.requester].others.insert(e.responder);
    per_official[e.official].others.insert(e.requester);
  }
  std::vector<const ExportedEntry*> refusals, withdrawals, other_anomalies;
  int64_t first = INT64_MAX, last = 0;
  for (const auto& [node, entries] : review.entries) {
    for (const auto& e : entries) {
      const bool answered = e.event == "match.evaluate.answered" || e.event == "match.table.served";
      if (absl::EndsWith(e.event, ".refused") || !e.tls_peer.empty()) refusals.push_back(&e);
      if (e.event == "consent.withdraw") withdrawals.push_back(&e);
      if (e.event == "witness.refused" || (e.event == "policy.reload" && e.outcome != "ok")) {
        other_anomalies.push_back(&e);
      }
      if (!answered && !absl::EndsWith(e.event, ".refused")) continue;
      if (e.responder != node || e.requester.empty()) continue;
      Flow& f = flows[{e.requester, e.responder, e.purpose}];
      ++f.exchanges;
      if (e.event == "match.evaluate.answered") {
        f.elements += e.count;
        if (int64_t left = BudgetLeft(e.detail); left >= 0) f.budget_left = left;
      }
      if (e.event == "match.table.served") ++f.tables;
      if (absl::EndsWith(e.event, ".refused")) ++f.refusals;
      first = std::min(first, e.time_unix_micros);
      last = std::max(last, e.time_unix_micros);
    }
  }
  absl::StrAppend(&h,
                  "<h2 id=\"summaries\">Who queried whom, for what</h2>\n<table><tr><th>requester"
                  "</th><th>responder</th><th>purpose</th><th>exchanges</th><th>tables "
                  "served</th><th>values evaluated</th><th>budget left</th><th>refused</th>"
                  "</tr>\n");
  std::vector<std::string> near_budget;
  for (const auto& [key, f] : flows) {
    const auto& [req, resp, purpose] = key;
    absl::StrAppend(&h, "<tr><td>", Html(req), "</td><td>", Html(resp), "</td><td>", Html(purpose),
                    "</td><td>", f.exchanges, "</td><td>", f.tables, "</td><td>", f.elements,
                    "</td><td>", f.budget_left < 0 ? "" : absl::StrCat(f.budget_left), "</td><td>",
                    f.refusals, "</td></tr>\n");
    if (f.budget_left >= 0 && f.elements > 0 &&
        f.budget_left * 10 < static_cast<int64_t>(f.elements + f.budget_left)) {
      near_budget.push_back(absl::StrCat(req, " is near its daily budget at ", resp, " for ",
                                         purpose, " (", f.budget_left, " left)"));
    }
  }
  absl::StrAppend(&h, "</table>\n");
  auto summary_table = [&h](absl::string_view title, absl::string_view who,
                            absl::string_view others, const std::map<std::string, Summary>& m) {
    absl::StrAppend(&h, "<h3>", title, "</h3>\n<table><tr><th>", who, "</th><th>", others,
                    "</th><th>purposes</th><th>exchanges</th><th>values evaluated</th>"
                    "<th>refused</th><th>without legal basis or official</th><th>first</th>"
                    "<th>last</th></tr>\n");
    for (const auto& [name, s] : m) {
      absl::StrAppend(&h, "<tr><td>", Html(name.empty() ? "(none)" : name), "</td><td>",
                      Html(absl::StrJoin(s.others, ", ")), "</td><td>",
                      Html(absl::StrJoin(s.purposes, ", ")), "</td><td>", s.exchanges, "</td><td>",
                      s.elements, "</td><td>", s.refusals, "</td><td",
                      s.unflagged > 0 ? " class=missing" : "", ">", s.unflagged, "</td><td>",
                      Time(s.first), "</td><td>", Time(s.last), "</td></tr>\n");
    }
    absl::StrAppend(&h, "</table>\n");
  };
  summary_table("Per requesting peer", "peer", "asked", per_peer);
  summary_table("Per official", "official", "from node", per_official);

  // Values evaluated over time, per requester (an SVG bar chart).
  if (last >= first && first != INT64_MAX) {
    const int kBuckets = 24;
    const int64_t span = std::max<int64_t>(last - first + 1, 60'000'000);
    std::map<std::string, std::vector<uint64_t>> series;
    for (const auto& [node, entries] : review.entries) {
      for (const auto& e : entries) {
        if (e.event != "match.evaluate.answered" || e.responder != node) continue;
        auto& s = series[e.requester];
        s.resize(kBuckets);
        const int b = static_cast<int>((e.time_unix_micros - first) * kBuckets / span);
        s[std::clamp(b, 0, kBuckets - 1)] += e.count;
      }
    }
    std::vector<uint64_t> totals(kBuckets);
    for (const auto& [req, s] : series) {
      for (int b = 0; b < kBuckets; ++b) totals[b] += s[b];
    }
    const uint64_t peak = std::max<uint64_t>(1, *std::max_element(totals.begin(), totals.end()));
    const int W = 960, H = 240, bar = W / kBuckets, left = 60;
    absl::StrAppend(&h, "<h2 id=\"timeline\">Values evaluated over time</h2>\n<p class=note>",
                    Time(first), " to ", Time(last), " UTC, ", kBuckets, " intervals of ",
                    absl::FormatDuration(absl::Microseconds(span / kBuckets)),
                    "; bars stacked by requester.</p>\n<svg width=\"", W + left + 60,
                    "\" height=\"", H + 60,
                    "\" role=\"img\" aria-label=\"values evaluated over "
                    "time\">\n");
    // Axes: values on the left (0, half, peak), time below every 4 intervals.
    absl::StrAppend(&h, "<line x1=", left, " y1=", H, " x2=", W + left, " y2=", H,
                    " stroke=#444 /><line x1=", left, " y1=0 x2=", left, " y2=", H,
                    " stroke=#444 />\n");
    for (uint64_t v : {uint64_t{0}, peak / 2, peak}) {
      const int y = H - static_cast<int>(v * H / peak);
      absl::StrAppend(&h, "<text x=", left - 6, " y=", std::max(y, 10) + 4,
                      " font-size=11 text-anchor=end>", v, "</text><line x1=", left - 3, " y1=", y,
                      " x2=", left, " y2=", y, " stroke=#444 />\n");
    }
    for (int b = 0; b <= kBuckets; b += 4) {
      const int64_t at = first + span * b / kBuckets;
      const std::string label = Time(at);
      absl::StrAppend(&h, "<line x1=", left + b * bar, " y1=", H, " x2=", left + b * bar,
                      " y2=", H + 4, " stroke=#444 /><text x=", left + b * bar, " y=", H + 18,
                      " font-size=10 text-anchor=middle>", label.substr(0, 10),
                      "</text><text x=", left + b * bar, " y=", H + 31,
                      " font-size=10 text-anchor=middle>", label.substr(11, 5), "</text>\n");
    }
    absl::StrAppend(&h, "<text x=", left + W / 2, " y=", H + 50,
                    " font-size=11 text-anchor=middle>time (UTC)</text>\n");
    std::vector<uint64_t> base(kBuckets);
    int colour = 0;
    std::string legend;
    for (const auto& [req, s] : series) {
      const int c = colour++ % 6;
      for (int b = 0; b < kBuckets; ++b) {
        if (s[b] == 0) continue;
        const int y0 = H - static_cast<int>(base[b] * H / peak);
        const int hgt = std::max(1, static_cast<int>(s[b] * H / peak));
        absl::StrAppend(&h, "<rect x=", left + b * bar + 2, " y=", y0 - hgt, " width=", bar - 4,
                        " height=", hgt, " fill=\"", kColours[c], "\"><title>", Html(req), ": ",
                        s[b], "</title></rect>\n");
        base[b] += s[b];
      }
      absl::StrAppend(&legend, "<span class=c", c, ">&#9632;</span> ", Html(req), " ");
    }
    absl::StrAppend(&h, "</svg>\n<p>", legend, "</p>\n");
  }

  // Follow-ups: contact requests against the 48-hour window, revocations.
  absl::StrAppend(&h, "<h2 id=\"followups\">Follow-ups</h2>\n<h3>Contact requests</h3>\n");
  if (contacts.empty()) {
    absl::StrAppend(&h, "<p>None.</p>\n");
  } else {
    absl::StrAppend(&h,
                    "<table><tr><th>request</th><th>requester</th><th>owner</th><th>purpose</th>"
                    "<th>legal basis</th><th>official</th><th>requested (UTC)</th><th>replied "
                    "(UTC)</th><th>after</th><th>reply</th><th>state</th><th>entries</th></tr>\n");
    for (const ContactFollowup& c : contacts) {
      const bool bad = c.state == FollowupState::kLate || c.state == FollowupState::kOverdue ||
                       c.state == FollowupState::kRefused;
      std::vector<std::string> refs;
      for (const EntryRef& r : c.entries) refs.push_back(Html(EntryName(r)));
      absl::StrAppend(&h, "<tr><td class=mono>", Html(c.contact_id), "</td><td>", Html(c.requester),
                      "</td><td>", Html(c.owner), "</td><td>", Html(c.purpose), "</td>",
                      c.legal_basis.empty() ? "<td class=missing>MISSING</td>"
                                            : absl::StrCat("<td>", Html(c.legal_basis), "</td>"),
                      c.official.empty() ? "<td class=missing>MISSING</td>"
                                         : absl::StrCat("<td>", Html(c.official), "</td>"),
                      "<td>", Time(c.requested_micros), "</td><td>",
                      c.replied_micros ? Time(c.replied_micros) : "", "</td><td>",
                      c.replied_micros ? absl::FormatDuration(absl::Seconds(
                                             (c.replied_micros - c.requested_micros) / 1'000'000))
                                       : "",
                      "</td><td>", Html(c.decision), "</td><td", bad ? " class=bad" : "", ">",
                      FollowupStateName(c.state),
                      c.request_outcome.empty() ? "" : absl::StrCat(": ", Html(c.request_outcome)),
                      "</td><td>", absl::StrJoin(refs, ", "), "</td></tr>\n");
    }
    absl::StrAppend(&h, "</table>\n");
  }
  absl::StrAppend(&h, "<h3>Revocation notices (consent withdrawn)</h3>\n");
  if (revocations.empty()) {
    absl::StrAppend(&h, "<p>None.</p>\n");
  } else {
    absl::StrAppend(&h,
                    "<table><tr><th>notice</th><th>from (owner)</th><th>to</th><th>sent (UTC)</th>"
                    "<th>attempts</th><th>acknowledged (signed receipt)</th><th>in the "
                    "peer's log</th><th>entries</th></tr>\n");
    for (const RevocationFollowup& r : revocations) {
      std::vector<std::string> refs;
      for (const EntryRef& ref : r.entries) refs.push_back(Html(EntryName(ref)));
      absl::StrAppend(&h, "<tr><td class=mono>", Html(r.notice_id), "</td><td>", Html(r.owner),
                      "</td><td>", Html(r.peer), "</td><td>", Time(r.sent_micros), "</td><td>",
                      r.attempts, "</td><td", r.acknowledged ? " class=ok>yes" : " class=bad>NO",
                      "</td><td>",
                      !r.peer_log_reviewed     ? "(log not reviewed)"
                      : r.received_in_peer_log ? "yes"
                                               : "<span class=bad>NO</span>",
                      "</td><td>", absl::StrJoin(refs, ", "), "</td></tr>\n");
    }
    absl::StrAppend(&h, "</table>\n");
  }

  absl::StrAppend(&h, "<h2 id=\"refusals\">Refusals</h2>\n");
  if (refusals.empty())
    absl::StrAppend(&h, "<p>None.</p>\n");
  else {
    absl::StrAppend(&h,
                    "<table><tr><th>time (UTC)</th><th>event</th><th>requester</th>"
                    "<th>responder</th><th>purpose</th><th>reason</th></tr>\n");
    for (const auto* e : refusals) {
      const std::string requester =
          e->requester.empty() && !e->tls_peer.empty()
              ? absl::StrCat("unauthenticated (TLS peer ", e->tls_peer, ")")
              : e->requester;
      absl::StrAppend(&h, "<tr><td>", Time(e->time_unix_micros), "</td><td>", Html(e->event),
                      "</td><td>", Html(requester), "</td><td>", Html(e->responder), "</td><td>",
                      Html(e->purpose), "</td><td>", Html(e->outcome), "</td></tr>\n");
    }
    absl::StrAppend(&h, "</table>\n");
  }
  absl::StrAppend(&h, "<h2 id=\"withdrawals\">Consent withdrawals</h2>\n<p>", withdrawals.size(),
                  " withdrawals", withdrawals.empty() ? "." : ":", "</p>\n<ul>\n");
  for (const auto* e : withdrawals) {
    absl::StrAppend(&h, "<li>", Time(e->time_unix_micros), " at ", Html(e->requester), ": ",
                    Html(e->outcome), "</li>\n");
  }
  absl::StrAppend(&h, "</ul>\n<h2 id=\"anomalies\">Anomalies</h2>\n");
  std::vector<std::string> all = review.anomalies;
  all.insert(all.end(), near_budget.begin(), near_budget.end());
  for (const auto* e : other_anomalies) {
    all.push_back(absl::StrCat(e->event, " at ", e->responder.empty() ? e->requester : e->responder,
                               ": ", e->outcome));
  }
  if (all.empty())
    absl::StrAppend(&h, "<p class=ok>None found.</p>\n");
  else {
    absl::StrAppend(&h, "<ul>\n");
    for (const auto& a : all) absl::StrAppend(&h, "<li class=bad>", Html(a), "</li>\n");
    absl::StrAppend(&h, "</ul>\n");
  }
  // Each section (its h2 and what follows) in a <section>, for #view=NAME.
  bool open = false;
  for (const char* id : {"provenance", "signals", "exchanges-section", "summaries", "timeline",
                         "followups", "refusals", "withdrawals", "anomalies"}) {
    const std::string h2 = absl::StrCat("<h2 id=\"", id, "\">");
    const size_t at = h.find(h2);
    if (at == std::string::npos) continue;
    h.insert(at, absl::StrCat(open ? "</section>\n" : "", "<section id=\"s-", id, "\">"));
    open = true;
  }
  absl::StrAppend(&h, open ? "</section>\n" : "", "<script>", kScript,
                  "</script>\n</body></html>\n");
  return h;
}

}  // namespace fedlink::app
