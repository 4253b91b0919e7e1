// One field of one of the node's records changed (the console's "Change one
// field" form): the record is read, the field replaced, and the whole record
// checked again by the import's parser (the same rules as `fedlink import`
// and the intake form), then stored in one transaction. All or nothing: a
// bad value changes nothing.
//
//   ASSIGN_OR_RETURN(app::FieldEditReport r,
//                    app::EditRecordField(node, {"N-7", "phone", "+40 721 000 000", actor}));
#ifndef FEDLINK_NODE_APP_EDIT_RECORD_H_
#define FEDLINK_NODE_APP_EDIT_RECORD_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "node/app/node.h"

namespace fedlink::app {

struct FieldEdit {
  std::string external_id;  // the record
  std::string field;        // an import column (importer.h CanonicalColumns) but external_id
  std::string value;        // as the import takes it (multi-valued: ';'-separated); "" clears
  Actor actor;
};

struct FieldEditReport {
  bool changed = false;  // false: the field already had that value
};

// The fields a record edit may change: the import's columns but the id.
const std::vector<std::string>& EditableFields();

// NotFound if the node holds no such record; InvalidArgument for an unknown
// field, the id, or a bad value (naming the field, never the value).
// Logged as records.edit (official: the actor; detail: the field's name,
// never a value), refused edits included.
absl::StatusOr<FieldEditReport> EditRecordField(Node& node, const FieldEdit& edit);

}  // namespace fedlink::app

#endif  // FEDLINK_NODE_APP_EDIT_RECORD_H_
