// An import of records sent as text (the web console's upload), in two
// steps: a preview that parses the text exactly as `fedlink import` would and
// counts what it would add and update, changing nothing; then the import,
// all or nothing and logged as records.import with the acting official.
//
//   ASSIGN_OR_RETURN(app::ImportPreview p, app::PreviewImport(node, text, "cases.csv"));
//   ... show p, ask ...
//   ASSIGN_OR_RETURN(app::ImportPreview done, app::ImportText(node, text, "cases.csv", actor));
#ifndef FEDLINK_NODE_APP_IMPORT_PREVIEW_H_
#define FEDLINK_NODE_APP_IMPORT_PREVIEW_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "node/app/node.h"

namespace fedlink::app {

struct ImportPreview {
  size_t records = 0;     // in the text
  uint64_t inserted = 0;  // new external ids
  uint64_t updated = 0;   // external ids the node holds already
  uint64_t total = 0;     // records the node holds (after ImportText: now)
};

// `name` names the text in errors (its format: JSONL if it ends in .jsonl or
// .json, else CSV). InvalidArgument "NAME:LINE: field: problem" for the first
// bad row, never the value.
absl::StatusOr<ImportPreview> PreviewImport(Node& node, absl::string_view text,
                                            absl::string_view name);
// Stores every record of `text` in one transaction (nothing on any error);
// logged as records.import with `actor`.
absl::StatusOr<ImportPreview> ImportText(Node& node, absl::string_view text, absl::string_view name,
                                         const Actor& actor);

}  // namespace fedlink::app

#endif  // FEDLINK_NODE_APP_IMPORT_PREVIEW_H_
