// Misuse signals: patterns in verified access logs that an auditor should
// look at (docs/audit.md "Misuse signals"). Each is a small pure function
// over the entries of a review (audit_review.h); each signal names its
// subject, says in one sentence what was seen against what, and lists the
// entries that show it. A signal is a question for the auditor, not a
// verdict: an honest but busy day can raise one.
//
//   std::vector<app::Signal> all = app::AllSignals(review, options);
//   for (const app::Signal& s : all) ... s.sentence, s.entries ...
//
// Pure, deterministic and thread-safe. Signals hold node ids, purposes,
// counts and times only: no personal data (exports hold none).
#ifndef FEDLINK_NODE_APP_AUDIT_SIGNALS_H_
#define FEDLINK_NODE_APP_AUDIT_SIGNALS_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "node/app/audit_review.h"

namespace fedlink::app {

// An entry of one node's verified log: entries.at(node)[index].
struct EntryRef {
  std::string node;
  size_t index = 0;
  bool operator<(const EntryRef& o) const {
    return node != o.node ? node < o.node : index < o.index;
  }
  bool operator==(const EntryRef& o) const { return node == o.node && index == o.index; }
};

struct Signal {
  std::string kind;     // one of the kSignal* names below
  std::string subject;  // the node the signal is about (usually the requester)
  std::string sentence;
  std::vector<EntryRef> entries;  // in time order
};

inline constexpr char kSignalEnumeration[] = "evaluation-spike";
inline constexpr char kSignalSingleKeyType[] = "single-key-type-batches";
inline constexpr char kSignalBudgetExhausted[] = "budget-exhausted";
inline constexpr char kSignalOutOfHours[] = "outside-working-hours";
inline constexpr char kSignalMissingInPeerLog[] = "missing-in-peer-log";
inline constexpr char kSignalRefusalBurst[] = "refusal-burst";
inline constexpr char kSignalPurposeOutsideRole[] = "purpose-outside-role";

// Working hours, UTC: requests at or after `start` and before `end` (minutes
// after midnight; end < start spans midnight) on the days listed are inside.
struct WorkingHours {
  int start_minute = 0;
  int end_minute = 24 * 60;
  std::set<int> weekdays = {1, 2, 3, 4, 5, 6, 0};  // 0 = Sunday
};
// "07:00-19:00" or "07:00-19:00/mon-fri" (days: sun mon tue wed thu fri
// sat, a range or a comma list). InvalidArgument naming the part at fault.
absl::StatusOr<WorkingHours> ParseWorkingHours(absl::string_view text);

struct SignalOptions {
  // Evaluation spike: a requester's elements evaluated at one responder in
  // one hour above spike_factor times the median of its other active hours
  // (at least spike_min_baseline_hours of them) and at least spike_min.
  uint64_t spike_factor = 5;
  uint64_t spike_min = 100;
  size_t spike_min_baseline_hours = 3;
  // Single-key-type batches: a requester's share of evaluated elements sent
  // in batches of one key type only, at least single_key_min_share and
  // single_key_factor times the share of every other requester together.
  double single_key_min_share = 0.5;
  double single_key_factor = 3;
  uint64_t single_key_min_elements = 50;
  // Refusal burst: refusal_burst_count refusals of one requester (or TLS
  // peer) within refusal_burst_window.
  size_t refusal_burst_count = 5;
  absl::Duration refusal_burst_window = absl::Minutes(10);
  // Requests outside these hours (not checked if unset).
  std::optional<WorkingHours> working_hours;
  // Purposes each roster role needs; a role not listed is not checked.
  // Default: an auditor member needs purpose "audit" only, and no other
  // member needs it.
  std::map<std::string, std::set<std::string>> role_purposes = {{"auditor", {"audit"}}};
  std::map<std::string, std::set<std::string>> role_forbidden_purposes = {{"agency", {"audit"}},
                                                                          {"ngo", {"audit"}}};
};

// The queries of a review: one per exchange a node asked another for
// (match.*, followup.contact.*, audit.export.*), taken from the responder's
// log if it is in the review and from the requester's otherwise.
struct Query {
  EntryRef ref;
  const ExportedEntry* entry = nullptr;
  bool from_responder = false;
};
std::vector<Query> Queries(const AuditReview& review);

std::vector<Signal> EvaluationSpikes(const AuditReview& review, const SignalOptions& options);
std::vector<Signal> SingleKeyTypeBatches(const AuditReview& review, const SignalOptions& options);
std::vector<Signal> BudgetExhaustion(const AuditReview& review);
std::vector<Signal> OutsideWorkingHours(const AuditReview& review, const WorkingHours& hours);
std::vector<Signal> MissingInPeerLog(const AuditReview& review);
std::vector<Signal> RefusalBursts(const AuditReview& review, const SignalOptions& options);
// Needs the roster's roles (review.roles); none without a roster.
std::vector<Signal> PurposesOutsideRole(const AuditReview& review, const SignalOptions& options);

// Every signal above, in that order.
std::vector<Signal> AllSignals(const AuditReview& review, const SignalOptions& options);

// The key types of a responder's match.evaluate.answered entry, from its
// detail ("...; key types name_dob=4 phone=2"): type -> elements. Empty for
// entries written before fedlink logged them.
std::map<std::string, uint64_t> EvaluatedKeyTypes(absl::string_view detail);

}  // namespace fedlink::app

#endif  // FEDLINK_NODE_APP_AUDIT_SIGNALS_H_
