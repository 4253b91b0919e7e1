#include "node/app/own_keys.h"

#include "node/common/status_macros.h"
#include "node/private_match/responder.h"

namespace fedlink::app {

absl::Status RekeyOwnTables(const Node& node) {
  return private_match::Responder::Rekey(node.paths());
}

absl::StatusOr<absl::flat_hash_map<std::string, std::string>> OwnHandles(
    Node& node) {
  ASSIGN_OR_RETURN(auto responder,
                   private_match::Responder::Create(node.paths(), node.config(),
                                                    &node.records(), nullptr));
  return responder->AllHandles();
}

}  // namespace fedlink::app
