// Abseil flags shared by more than one `fedlink` command.
#ifndef FEDLINK_NODE_CLI_FLAGS_H_
#define FEDLINK_NODE_CLI_FLAGS_H_

#include <string>

#include "absl/flags/declare.h"
#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "node/app/node.h"
#include "node/importer/importer.h"

ABSL_DECLARE_FLAG(std::string, dir);
ABSL_DECLARE_FLAG(std::string, out);
ABSL_DECLARE_FLAG(std::string, format);
ABSL_DECLARE_FLAG(std::string, map);
ABSL_DECLARE_FLAG(std::string, peer);
ABSL_DECLARE_FLAG(std::string, purpose);
ABSL_DECLARE_FLAG(uint64_t, seed);
ABSL_DECLARE_FLAG(std::string, truth);
ABSL_DECLARE_FLAG(std::string, region);
ABSL_DECLARE_FLAG(int, keyspec);
ABSL_DECLARE_FLAG(double, threshold);
ABSL_DECLARE_FLAG(bool, one_to_one);
ABSL_DECLARE_FLAG(std::string, scoring);
ABSL_DECLARE_FLAG(std::string, handle);
ABSL_DECLARE_FLAG(int, persons);
ABSL_DECLARE_FLAG(std::string, legal_basis);
ABSL_DECLARE_FLAG(std::string, a);
ABSL_DECLARE_FLAG(std::string, b);
ABSL_DECLARE_FLAG(std::string, official);
ABSL_DECLARE_FLAG(double, seconds);
ABSL_DECLARE_FLAG(int, threads);
ABSL_DECLARE_FLAG(std::string, federation_key);
ABSL_DECLARE_FLAG(bool, refresh);
ABSL_DECLARE_FLAG(absl::Duration, max_table_age);

namespace fedlink::cli {
// Import options for the linkage benchmarks: --map applied, role "other"
// by default, impossible dates dropped (the record is kept).
absl::StatusOr<importer::ImportOptions> LinkageImportOptions();
// --official and --legal-basis.
app::Actor ActorFromFlags();
// Opens the node in --dir and returns what `run` returns on it; a node that
// cannot be opened is reported as `command`'s error (ReportError).
int WithNodeInDir(absl::string_view command, const app::OpenOptions& options,
                  absl::FunctionRef<int(app::Node&)> run);
inline int WithNodeInDir(absl::string_view command, absl::FunctionRef<int(app::Node&)> run) {
  return WithNodeInDir(command, {}, run);
}
}  // namespace fedlink::cli

#endif  // FEDLINK_NODE_CLI_FLAGS_H_
