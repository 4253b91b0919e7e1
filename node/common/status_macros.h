// Status propagation: the two macros every module uses instead of writing
// `if (!s.ok()) return s;` by hand.
//
//   RETURN_IF_ERROR(tx->Commit());
//   ASSIGN_OR_RETURN(auto store, OpenRecordStore(path, {}));
//   ASSIGN_OR_RETURN(config_, LoadNodeConfig(paths));
//
// RETURN_IF_ERROR(expr) evaluates `expr` (an absl::Status, or an
// absl::StatusOr whose value is unused) and returns its status from the
// enclosing function if it is not OK. ASSIGN_OR_RETURN(lhs, expr) evaluates
// `expr` (an absl::StatusOr<T>) once; on error it returns the status, else it
// moves the value into `lhs`, which may be a declaration. The enclosing
// function returns absl::Status or any absl::StatusOr<U>.
#ifndef FEDLINK_NODE_COMMON_STATUS_MACROS_H_
#define FEDLINK_NODE_COMMON_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace fedlink::internal_status {
inline const absl::Status& AsStatus(const absl::Status& s) { return s; }
template <typename T>
const absl::Status& AsStatus(const absl::StatusOr<T>& s) {
  return s.status();
}
}  // namespace fedlink::internal_status

#define FEDLINK_STATUS_CONCAT_INNER(a, b) a##b
#define FEDLINK_STATUS_CONCAT(a, b) FEDLINK_STATUS_CONCAT_INNER(a, b)

#define RETURN_IF_ERROR(expr)                                         \
  do {                                                                \
    const auto& fedlink_status_or = (expr);                           \
    if (!fedlink_status_or.ok()) {                                    \
      return ::fedlink::internal_status::AsStatus(fedlink_status_or); \
    }                                                                 \
  } while (false)

#define ASSIGN_OR_RETURN(lhs, expr) \
  FEDLINK_ASSIGN_OR_RETURN_IMPL(FEDLINK_STATUS_CONCAT(fedlink_statusor_, __LINE__), lhs, expr)

#define FEDLINK_ASSIGN_OR_RETURN_IMPL(statusor, lhs, expr) \
  auto statusor = (expr);                                  \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = *std::move(statusor)

#endif  // FEDLINK_NODE_COMMON_STATUS_MACROS_H_
