#include "node/federation/roster_problem.h"

#include "absl/strings/cord.h"

namespace fedlink::federation {
namespace {

constexpr char kRosterProblemType[] = "type.fedlink.dev/fedlink.v1.RosterProblem";
constexpr RosterProblem kAll[] = {RosterProblem::kMissing, RosterProblem::kCorrupt,
                                  RosterProblem::kExpired, RosterProblem::kRolledBack};

}  // namespace

absl::string_view RosterProblemName(RosterProblem problem) {
  switch (problem) {
    case RosterProblem::kMissing:
      return "roster missing";
    case RosterProblem::kCorrupt:
      return "roster corrupt";
    case RosterProblem::kExpired:
      return "roster expired";
    case RosterProblem::kRolledBack:
      return "roster rolled back";
  }
  return "roster unusable";
}

absl::Status WithRosterProblem(absl::Status status, RosterProblem problem) {
  if (!status.ok()) status.SetPayload(kRosterProblemType, absl::Cord(RosterProblemName(problem)));
  return status;
}

std::optional<RosterProblem> RosterProblemOf(const absl::Status& status) {
  const auto payload = status.GetPayload(kRosterProblemType);
  if (!payload.has_value()) return std::nullopt;
  for (RosterProblem problem : kAll) {
    if (*payload == RosterProblemName(problem)) return problem;
  }
  return std::nullopt;
}

}  // namespace fedlink::federation
