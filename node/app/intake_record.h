// One person added or updated at intake (the web console's form), through
// the same parser and checks as `fedlink import`: the fields are the import
// format's canonical columns (external_id, role, given_name, ..., consent,
// labels, consent_expires), so a record typed in is held to exactly the
// rules of a record imported (dates, roles, control characters, ...).
//
//   ASSIGN_OR_RETURN(app::IntakeRecordReport r,
//                    app::AddIntakeRecord(node, {{{"external_id", "CASE-17"}, ...}, actor}));
#ifndef FEDLINK_NODE_APP_INTAKE_RECORD_H_
#define FEDLINK_NODE_APP_INTAKE_RECORD_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "node/app/node.h"

namespace fedlink::app {

struct IntakeRecordRequest {
  // Canonical column -> value (multi-valued columns separate values with
  // ';'). Unknown columns are refused.
  std::map<std::string, std::string> fields;
  Actor actor;
};

struct IntakeRecordReport {
  bool inserted = false;  // else an existing record (same external_id) was updated
  uint64_t total = 0;     // records the node now holds
};

// Logged as records.add (official: the actor; no record field). Bad input is
// InvalidArgument naming the field ("intake form: dob: ..."), never the value,
// and changes nothing.
absl::StatusOr<IntakeRecordReport> AddIntakeRecord(Node& node, const IntakeRecordRequest& request);

}  // namespace fedlink::app

#endif  // FEDLINK_NODE_APP_INTAKE_RECORD_H_
