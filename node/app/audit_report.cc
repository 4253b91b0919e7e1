#include "node/app/audit_report.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <tuple>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"

namespace fedlink::app {
namespace {

std::string Html(absl::string_view s) {
  return absl::StrReplaceAll(s, {{"&", "&amp;"}, {"<", "&lt;"}, {">", "&gt;"}, {"\"", "&quot;"}});
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

const char* kColours[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"};

}  // namespace

std::string RenderAuditReport(const AuditReview& review, absl::Time now) {
  std::string h;
  absl::StrAppend(&h, R"(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>fedlink audit report</title>
<style>
body{font-family:"DejaVu Sans",sans-serif;margin:24px;color:#222;max-width:1200px}
h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ccc}
table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}
th{background:#f2f2f2}.ok{color:#11741b;font-weight:bold}.bad{color:#b00020;font-weight:bold}
.note{color:#666;font-size:12px}
</style></head><body>
<h1>fedlink audit report</h1>
)");
  absl::StrAppend(&h, "<p class=\"note\">Generated ",
                  Html(absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", now, absl::UTCTimeZone())),
                  " from ", review.logs.size(),
                  " exports. Every figure below comes from entries whose signatures and "
                  "Merkle roots verified.</p>\n");
  absl::StrAppend(
      &h, "<p>Overall: ",
      review.ok() ? "<span class=ok>VERIFIED</span>" : "<span class=bad>PROBLEMS FOUND</span>",
      "</p>\n<h2>Verification</h2>\n<table><tr><th>export</th><th>node</th>"
      "<th>entries</th><th>checkpoints</th><th>witness cosignatures</th>"
      "<th>status</th></tr>\n");
  for (const LogReview& l : review.logs) {
    std::set<std::string> w(l.witnesses.begin(), l.witnesses.end());
    absl::StrAppend(&h, "<tr><td>", Html(l.path), "</td><td>", Html(l.node_id), "</td><td>",
                    l.entries, "</td><td>", l.checkpoints, "</td><td>", l.witnesses.size(),
                    w.empty() ? "" : absl::StrCat(" (", Html(absl::StrJoin(w, ", ")), ")"),
                    "</td><td>",
                    l.ok ? "<span class=ok>OK</span>"
                         : absl::StrCat("<span class=bad>FAILED: ", Html(l.failure), "</span>"),
                    "</td></tr>\n");
  }
  absl::StrAppend(&h, "</table>\n<p>Cross-log join: ", review.joined,
                  " exchanges found in both logs.</p>\n");

  // Who asked whom for what, as answered by the responders.
  struct Flow {
    uint64_t exchanges = 0, elements = 0, tables = 0, refusals = 0;
    int64_t budget_left = -1;
  };
  std::map<std::tuple<std::string, std::string, std::string>, Flow> flows;
  std::vector<const ExportedEntry*> refusals, withdrawals, other_anomalies;
  int64_t first = INT64_MAX, last = 0;
  for (const auto& [node, entries] : review.entries) {
    for (const auto& e : entries) {
      const bool answered = e.event == "match.evaluate.answered" || e.event == "match.table.served";
      // Refused requests; those that did not authenticate name only their
      // TLS peer, whatever their method's event.
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
                  "<h2>Who queried whom, for what</h2>\n<table><tr><th>requester</th>"
                  "<th>responder</th><th>purpose</th><th>exchanges</th><th>tables "
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

  // Values evaluated over time, per requester (an SVG bar chart).
  std::vector<std::string> spikes;
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
    const int W = 960, H = 240, bar = W / kBuckets;
    absl::StrAppend(&h, "<h2>Values evaluated over time</h2>\n<p class=note>", Time(first), " to ",
                    Time(last), " UTC, ", kBuckets, " intervals of ",
                    absl::FormatDuration(absl::Microseconds(span / kBuckets)),
                    "; bars stacked by requester.</p>\n<svg width=\"", W + 60, "\" height=\"",
                    H + 40, "\" role=\"img\">\n");
    absl::StrAppend(&h, "<line x1=50 y1=", H, " x2=", W + 50, " y2=", H,
                    " stroke=#444 /><text x=0 y=12 font-size=11>", peak, "</text>\n");
    std::vector<uint64_t> base(kBuckets);
    int colour = 0;
    std::string legend;
    for (const auto& [req, s] : series) {
      const char* c = kColours[colour++ % 6];
      for (int b = 0; b < kBuckets; ++b) {
        if (s[b] == 0) continue;
        const int y0 = H - static_cast<int>(base[b] * H / peak);
        const int hgt = std::max(1, static_cast<int>(s[b] * H / peak));
        absl::StrAppend(&h, "<rect x=", 50 + b * bar + 2, " y=", y0 - hgt, " width=", bar - 4,
                        " height=", hgt, " fill=\"", c, "\"><title>", Html(req), ": ", s[b],
                        "</title></rect>\n");
        base[b] += s[b];
      }
      absl::StrAppend(&legend, "<span style=\"color:", c, "\">&#9632;</span> ", Html(req), " ");
    }
    absl::StrAppend(&h, "</svg>\n<p>", legend, "</p>\n");
    // A spike: an interval far above the median of the active ones.
    std::vector<uint64_t> sorted;
    for (uint64_t t : totals) {
      if (t > 0) sorted.push_back(t);
    }
    std::sort(sorted.begin(), sorted.end());
    const uint64_t median = sorted.empty() ? 0 : sorted[sorted.size() / 2];
    for (int b = 0; b < kBuckets; ++b) {
      if (sorted.size() >= 3 && totals[b] > 100 && totals[b] > 3 * median) {
        spikes.push_back(absl::StrCat("spike: ", totals[b], " values evaluated in interval ", b + 1,
                                      " (median of active intervals ", median, ")"));
      }
    }
  }

  absl::StrAppend(&h, "<h2>Refusals</h2>\n");
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
  absl::StrAppend(&h, "<h2>Consent withdrawals</h2>\n<p>", withdrawals.size(), " withdrawals",
                  withdrawals.empty() ? "." : ":", "</p>\n<ul>\n");
  for (const auto* e : withdrawals) {
    absl::StrAppend(&h, "<li>", Time(e->time_unix_micros), " at ", Html(e->requester), ": ",
                    Html(e->outcome), "</li>\n");
  }
  absl::StrAppend(&h, "</ul>\n<h2>Anomalies</h2>\n");
  std::vector<std::string> all = review.anomalies;
  all.insert(all.end(), near_budget.begin(), near_budget.end());
  all.insert(all.end(), spikes.begin(), spikes.end());
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
  absl::StrAppend(&h, "</body></html>\n");
  return h;
}

}  // namespace fedlink::app
