#include "node/app/own_keys.h"

#include "node/common/status_macros.h"
#include "node/private_match/keyring.h"

namespace fedlink::app {

absl::Status RekeyOwnTables(const Node& node) {
  return private_match::Keyring::Rekey(node.paths());
}

absl::StatusOr<absl::flat_hash_map<std::string, std::string>> OwnHandles(Node& node) {
  ASSIGN_OR_RETURN(auto keyring, private_match::Keyring::Open(node.paths()));
  return keyring->AllHandles(&node.records());
}

absl::StatusOr<std::string> ResolveOwnHandle(Node& node, const std::string& handle) {
  ASSIGN_OR_RETURN(auto keyring, private_match::Keyring::Open(node.paths()));
  return keyring->Resolve(&node.records(), handle);
}

}  // namespace fedlink::app
