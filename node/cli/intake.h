// The person a lookup checks: from --intake FILE (or - for standard input),
// one record in the import format, or from the per-field flags. The file
// keeps personal data off the command line (shell history, ps).
#ifndef FEDLINK_NODE_CLI_INTAKE_H_
#define FEDLINK_NODE_CLI_INTAKE_H_

#include "absl/status/statusor.h"
#include "node/record/person.h"

namespace fedlink::cli {

// InvalidArgument naming the flag or the file's line and field (never a
// value) when the intake is malformed, or when both --intake and field flags
// are given.
absl::StatusOr<record::Person> IntakeFromFlags();

}  // namespace fedlink::cli

#endif  // FEDLINK_NODE_CLI_INTAKE_H_
