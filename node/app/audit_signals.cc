#include "node/app/audit_signals.h"

#include <algorithm>
#include <tuple>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace fedlink::app {
namespace {

constexpr int64_t kHourMicros = 3'600'000'000;

// "1 request", "3 requests".
std::string Requests(size_t n) { return absl::StrCat(n, n == 1 ? " request" : " requests"); }

std::string Time(int64_t micros) {
  return absl::FormatTime("%Y-%m-%d %H:%M UTC", absl::FromUnixMicros(micros), absl::UTCTimeZone());
}

bool IsQueryEvent(absl::string_view event) {
  return absl::StartsWith(event, "match.") || absl::StartsWith(event, "followup.contact.sent") ||
         absl::StartsWith(event, "followup.contact.received") ||
         absl::StartsWith(event, "audit.export.");
}

bool IsRefusal(const ExportedEntry& e) {
  return absl::EndsWith(e.event, ".refused") || !e.tls_peer.empty() ||
         (e.outcome != "ok" && !e.outcome.empty() &&
          (absl::EndsWith(e.event, ".received") || absl::EndsWith(e.event, ".answered")));
}

const ExportedEntry& At(const AuditReview& review, const EntryRef& ref) {
  return review.entries.at(ref.node)[ref.index];
}

void SortByTime(const AuditReview& review, std::vector<EntryRef>* refs) {
  std::stable_sort(refs->begin(), refs->end(), [&](const EntryRef& a, const EntryRef& b) {
    return At(review, a).time_unix_micros < At(review, b).time_unix_micros;
  });
}

int Minutes(absl::string_view hhmm, bool* ok) {
  const std::vector<absl::string_view> parts = absl::StrSplit(hhmm, ':');
  int h = -1, m = -1;
  *ok = parts.size() == 2 && parts[0].size() == 2 && parts[1].size() == 2 &&
        absl::SimpleAtoi(parts[0], &h) && absl::SimpleAtoi(parts[1], &m) && h >= 0 && h <= 24 &&
        m >= 0 && m < 60 && h * 60 + m <= 24 * 60;
  return h * 60 + m;
}

int Weekday(absl::string_view name) {
  static const char* kDays[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
  for (int d = 0; d < 7; ++d) {
    if (name == kDays[d]) return d;
  }
  return -1;
}

}  // namespace

absl::StatusOr<WorkingHours> ParseWorkingHours(absl::string_view text) {
  WorkingHours hours;
  const std::string lower = absl::AsciiStrToLower(text);
  const std::vector<absl::string_view> at = absl::StrSplit(lower, absl::MaxSplits('/', 1));
  const std::vector<absl::string_view> span = absl::StrSplit(at[0], '-');
  bool ok_start = false, ok_end = false;
  if (span.size() == 2) {
    hours.start_minute = Minutes(span[0], &ok_start);
    hours.end_minute = Minutes(span[1], &ok_end);
  }
  if (!ok_start || !ok_end || hours.start_minute == hours.end_minute) {
    return absl::InvalidArgumentError(
        "working hours: expected HH:MM-HH:MM (UTC), e.g. 07:00-19:00, optionally /mon-fri");
  }
  if (at.size() == 2) {
    hours.weekdays.clear();
    for (absl::string_view part : absl::StrSplit(at[1], ',')) {
      const std::vector<absl::string_view> range = absl::StrSplit(part, '-');
      const int from = Weekday(range[0]);
      const int to = range.size() == 2 ? Weekday(range[1]) : from;
      if (range.size() > 2 || from < 0 || to < 0) {
        return absl::InvalidArgumentError(
            "working hours: days are sun mon tue wed thu fri sat, as a range (mon-fri) or a "
            "list (mon,wed)");
      }
      for (int d = from;; d = (d + 1) % 7) {
        hours.weekdays.insert(d);
        if (d == to) break;
      }
    }
  }
  return hours;
}

std::map<std::string, uint64_t> EvaluatedKeyTypes(absl::string_view detail) {
  std::map<std::string, uint64_t> out;
  const size_t at = detail.find("key types ");
  if (at == absl::string_view::npos) return out;
  absl::string_view rest = detail.substr(at + 10);
  rest = rest.substr(0, rest.find(';'));
  for (absl::string_view pair : absl::StrSplit(rest, ' ', absl::SkipEmpty())) {
    const std::vector<absl::string_view> kv = absl::StrSplit(pair, '=');
    uint64_t n = 0;
    if (kv.size() == 2 && absl::SimpleAtoi(kv[1], &n)) out[std::string(kv[0])] += n;
  }
  return out;
}

std::vector<Query> Queries(const AuditReview& review) {
  std::vector<Query> out;
  for (const auto& [node, entries] : review.entries) {
    for (size_t i = 0; i < entries.size(); ++i) {
      const ExportedEntry& e = entries[i];
      if (!IsQueryEvent(e.event) || e.requester.empty() || e.responder.empty()) continue;
      const bool responder_side = node == e.responder;
      // The requester's entry counts only if the responder's log is absent.
      if (!responder_side && review.entries.count(e.responder) > 0) continue;
      out.push_back({{node, i}, &e, responder_side});
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const Query& a, const Query& b) {
    return a.entry->time_unix_micros < b.entry->time_unix_micros;
  });
  return out;
}

std::vector<Signal> EvaluationSpikes(const AuditReview& review, const SignalOptions& options) {
  // (requester, responder) -> hour -> elements, and the entries of each hour.
  std::map<std::pair<std::string, std::string>, std::map<int64_t, uint64_t>> hours;
  std::map<std::tuple<std::string, std::string, int64_t>, std::vector<EntryRef>> refs;
  for (const Query& q : Queries(review)) {
    const ExportedEntry& e = *q.entry;
    if (e.event != "match.evaluate.answered" && e.event != "match.evaluate.sent") continue;
    const int64_t hour = e.time_unix_micros / kHourMicros;
    hours[{e.requester, e.responder}][hour] += e.count;
    refs[{e.requester, e.responder, hour}].push_back(q.ref);
  }
  std::vector<Signal> out;
  for (const auto& [pair, by_hour] : hours) {
    for (const auto& [hour, n] : by_hour) {
      std::vector<uint64_t> others;
      for (const auto& [h, m] : by_hour) {
        if (h != hour) others.push_back(m);
      }
      if (others.size() < options.spike_min_baseline_hours || n < options.spike_min) continue;
      std::sort(others.begin(), others.end());
      const uint64_t median = others[others.size() / 2];
      if (n <= options.spike_factor * median) continue;
      Signal s;
      s.kind = kSignalEnumeration;
      s.subject = pair.first;
      s.sentence = absl::StrCat(pair.first, " had ", n, " values evaluated at ", pair.second,
                                " in the hour from ", Time(hour * kHourMicros), ", over ",
                                options.spike_factor, " times its median of ", median, " in its ",
                                others.size(), " other active hours: a possible enumeration.");
      s.entries = refs[{pair.first, pair.second, hour}];
      out.push_back(std::move(s));
    }
  }
  return out;
}

std::vector<Signal> SingleKeyTypeBatches(const AuditReview& review, const SignalOptions& options) {
  struct Share {
    uint64_t single = 0, all = 0;
    std::vector<EntryRef> refs;
  };
  std::map<std::string, Share> by_requester;
  for (const Query& q : Queries(review)) {
    const ExportedEntry& e = *q.entry;
    if (e.event != "match.evaluate.answered") continue;
    const std::map<std::string, uint64_t> types = EvaluatedKeyTypes(e.detail);
    if (types.empty()) continue;  // written before key types were logged
    Share& s = by_requester[e.requester];
    s.all += e.count;
    if (types.size() == 1) {
      s.single += e.count;
      s.refs.push_back(q.ref);
    }
  }
  std::vector<Signal> out;
  for (const auto& [requester, share] : by_requester) {
    if (share.all < options.single_key_min_elements || share.single == 0) continue;
    uint64_t others_single = 0, others_all = 0;
    for (const auto& [other, o] : by_requester) {
      if (other == requester) continue;
      others_single += o.single;
      others_all += o.all;
    }
    const double mine = static_cast<double>(share.single) / static_cast<double>(share.all);
    const double theirs =
        others_all == 0 ? 0 : static_cast<double>(others_single) / static_cast<double>(others_all);
    if (mine < options.single_key_min_share || mine < options.single_key_factor * theirs) continue;
    Signal s;
    s.kind = kSignalSingleKeyType;
    s.subject = requester;
    s.sentence = absl::StrCat(
        requester, " sent ", static_cast<int>(mine * 100 + 0.5), "% of its ", share.all,
        " evaluated values in batches of a single key type, against ",
        static_cast<int>(theirs * 100 + 0.5),
        "% for the other requesters: probing one selector at a time rather than matching records.");
    s.entries = share.refs;
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<Signal> BudgetExhaustion(const AuditReview& review) {
  std::map<std::tuple<std::string, std::string, std::string>, std::vector<EntryRef>> spent;
  for (const Query& q : Queries(review)) {
    const ExportedEntry& e = *q.entry;
    const bool refused = absl::StartsWith(e.outcome, "RESOURCE_EXHAUSTED") &&
                         absl::StartsWith(e.event, "match.evaluate");
    const bool emptied =
        e.event == "match.evaluate.answered" && absl::StrContains(e.detail, "budget left 0;");
    if (refused || emptied) spent[{e.requester, e.responder, e.purpose}].push_back(q.ref);
  }
  std::vector<Signal> out;
  for (const auto& [key, refs] : spent) {
    const auto& [requester, responder, purpose] = key;
    Signal s;
    s.kind = kSignalBudgetExhausted;
    s.subject = requester;
    s.sentence = absl::StrCat(
        requester, " spent its daily evaluation budget at ", responder, " for purpose ", purpose,
        " (requests that emptied it or were refused for it: ", refs.size(), ").");
    s.entries = refs;
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<Signal> OutsideWorkingHours(const AuditReview& review, const WorkingHours& hours) {
  std::map<std::string, std::vector<EntryRef>> outside;
  for (const Query& q : Queries(review)) {
    const ExportedEntry& e = *q.entry;
    const absl::TimeZone::CivilInfo civil =
        absl::UTCTimeZone().At(absl::FromUnixMicros(e.time_unix_micros));
    const int minute = civil.cs.hour() * 60 + civil.cs.minute();
    const int weekday = static_cast<int>(absl::GetWeekday(civil.cs));  // Monday = 0
    const bool in_day = hours.weekdays.count((weekday + 1) % 7) > 0;
    const bool in_hours = hours.start_minute < hours.end_minute
                              ? minute >= hours.start_minute && minute < hours.end_minute
                              : minute >= hours.start_minute || minute < hours.end_minute;
    if (!in_day || !in_hours) outside[e.requester].push_back(q.ref);
  }
  std::vector<Signal> out;
  for (const auto& [requester, refs] : outside) {
    Signal s;
    s.kind = kSignalOutOfHours;
    s.subject = requester;
    s.sentence = absl::StrCat(requester, " made ", Requests(refs.size()),
                              " outside the declared working hours.");
    s.entries = refs;
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<Signal> MissingInPeerLog(const AuditReview& review) {
  std::map<std::pair<std::string, std::string>, std::vector<EntryRef>> by_pair;
  for (const OrphanEntry& o : review.orphans)
    by_pair[{o.node, o.other}].push_back({o.node, o.index});
  std::vector<Signal> out;
  for (auto& [pair, refs] : by_pair) {
    SortByTime(review, &refs);
    Signal s;
    s.kind = kSignalMissingInPeerLog;
    s.subject = pair.second;
    s.sentence = absl::StrCat(refs.size(), refs.size() == 1 ? " exchange" : " exchanges",
                              " in the log of ", pair.first, refs.size() == 1 ? " is" : " are",
                              " missing from the log of ", pair.second, ", which should hold ",
                              refs.size() == 1 ? "it" : "each of them", " too.");
    s.entries = std::move(refs);
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<Signal> RefusalBursts(const AuditReview& review, const SignalOptions& options) {
  // Refusals as the refusing node logged them, by who was refused.
  std::map<std::string, std::vector<EntryRef>> refused;
  for (const auto& [node, entries] : review.entries) {
    for (size_t i = 0; i < entries.size(); ++i) {
      const ExportedEntry& e = entries[i];
      if (e.responder != node || !IsRefusal(e)) continue;
      const std::string who = e.requester.empty() && !e.tls_peer.empty()
                                  ? absl::StrCat("TLS peer ", e.tls_peer)
                                  : e.requester;
      if (!who.empty()) refused[who].push_back({node, i});
    }
  }
  std::vector<Signal> out;
  const int64_t window = absl::ToInt64Microseconds(options.refusal_burst_window);
  for (auto& [who, refs] : refused) {
    SortByTime(review, &refs);
    // The longest run within one window.
    size_t best_from = 0, best_n = 0;
    for (size_t from = 0, to = 0; to < refs.size(); ++to) {
      while (At(review, refs[to]).time_unix_micros - At(review, refs[from]).time_unix_micros >
             window) {
        ++from;
      }
      if (to - from + 1 > best_n) best_n = to - from + 1, best_from = from;
    }
    if (best_n < options.refusal_burst_count) continue;
    Signal s;
    s.kind = kSignalRefusalBurst;
    s.subject = who;
    s.sentence = absl::StrCat(who, " was refused ", best_n, " times within ",
                              absl::FormatDuration(options.refusal_burst_window), " from ",
                              Time(At(review, refs[best_from]).time_unix_micros), " (", refs.size(),
                              " refusals in all).");
    s.entries.assign(refs.begin() + best_from, refs.begin() + best_from + best_n);
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<Signal> PurposesOutsideRole(const AuditReview& review, const SignalOptions& options) {
  std::map<std::pair<std::string, std::string>, std::vector<EntryRef>> outside;
  for (const Query& q : Queries(review)) {
    const ExportedEntry& e = *q.entry;
    const auto role = review.roles.find(e.requester);
    if (role == review.roles.end() || e.purpose.empty()) continue;
    const auto needed = options.role_purposes.find(role->second);
    const auto forbidden = options.role_forbidden_purposes.find(role->second);
    const bool unneeded =
        (needed != options.role_purposes.end() && needed->second.count(e.purpose) == 0) ||
        (forbidden != options.role_forbidden_purposes.end() &&
         forbidden->second.count(e.purpose) > 0);
    if (unneeded) outside[{e.requester, e.purpose}].push_back(q.ref);
  }
  std::vector<Signal> out;
  for (const auto& [key, refs] : outside) {
    const std::string& role = review.roles.at(key.first);
    Signal s;
    s.kind = kSignalPurposeOutsideRole;
    s.subject = key.first;
    s.sentence =
        absl::StrCat(key.first, ", a member with role ", role, ", made ", Requests(refs.size()),
                     " for purpose ", key.second, ", which its role does not need.");
    s.entries = refs;
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<Signal> AllSignals(const AuditReview& review, const SignalOptions& options) {
  std::vector<Signal> all;
  auto add = [&all](std::vector<Signal> more) {
    for (Signal& s : more) all.push_back(std::move(s));
  };
  add(EvaluationSpikes(review, options));
  add(SingleKeyTypeBatches(review, options));
  add(BudgetExhaustion(review));
  if (options.working_hours.has_value()) add(OutsideWorkingHours(review, *options.working_hours));
  add(MissingInPeerLog(review));
  add(RefusalBursts(review, options));
  add(PurposesOutsideRole(review, options));
  return all;
}

}  // namespace fedlink::app
