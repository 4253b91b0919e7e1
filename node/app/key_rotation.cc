#include "node/app/key_rotation.h"

#include "absl/strings/str_cat.h"
#include "node/common/status_macros.h"
#include "node/config/data_key_rotation.h"

namespace fedlink::app {

absl::Status RewrapNodeKey(Node& node, const config::KeySource& new_source) {
  const config::OpenedNode& opened = node.opened();
  if (opened.data_key == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(
        node.paths().dir, ": not encrypted at rest; open it once with a key source to convert it"));
  }
  RETURN_IF_ERROR(config::RewrapDataKey(node.paths(), node.id(), *opened.data_key, new_source));
  return node.Log(LocalEvent("keys.rewrap"));
}

}  // namespace fedlink::app
