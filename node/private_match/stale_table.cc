#include "node/private_match/stale_table.h"

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"

namespace fedlink::private_match {
namespace {
constexpr char kStaleTableType[] = "type.fedlink.dev/fedlink.v1.StaleTable";
}  // namespace

absl::Status StaleTableError(absl::string_view detail) {
  absl::Status status = absl::FailedPreconditionError(absl::StrCat(kStaleTable, " (", detail, ")"));
  status.SetPayload(kStaleTableType, absl::Cord("1"));
  return status;
}

bool IsStaleTable(const absl::Status& status) {
  return absl::IsFailedPrecondition(status) && status.GetPayload(kStaleTableType).has_value();
}

absl::Status WithPayloadsOf(absl::Status wrapped, const absl::Status& original) {
  original.ForEachPayload([&wrapped](absl::string_view type, const absl::Cord& payload) {
    wrapped.SetPayload(type, payload);
  });
  return wrapped;
}

}  // namespace fedlink::private_match
