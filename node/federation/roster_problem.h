// Why a roster cannot be used, as a type: missing (none installed), corrupt
// (a check failed: the file, the pinned coordinator key, the signature, the
// parse, an entry), expired, or rolled back (older than the highest version
// the node installed). Errors about a roster carry a payload that marks
// which, so the serving node, `fedlink status` and the CLI tell them apart by
// type, not by the text of the message.
//
//   if (RosterProblemOf(roster.status()) == RosterProblem::kExpired) ...
#ifndef FEDLINK_NODE_FEDERATION_ROSTER_PROBLEM_H_
#define FEDLINK_NODE_FEDERATION_ROSTER_PROBLEM_H_

#include <optional>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace fedlink::federation {

enum class RosterProblem { kMissing, kCorrupt, kExpired, kRolledBack };

// "roster missing", "roster corrupt", "roster expired", "roster rolled back".
absl::string_view RosterProblemName(RosterProblem problem);
// `status` (not OK) marked with `problem`.
absl::Status WithRosterProblem(absl::Status status, RosterProblem problem);
// The problem `status` is marked with; nullopt if none (OK, or another error).
std::optional<RosterProblem> RosterProblemOf(const absl::Status& status);

}  // namespace fedlink::federation

#endif  // FEDLINK_NODE_FEDERATION_ROSTER_PROBLEM_H_
