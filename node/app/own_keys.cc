#include "node/app/own_keys.h"

#include "node/common/status_macros.h"
#include "node/private_match/keyring.h"
#include "node/private_match/responder.h"

namespace fedlink::app {

absl::StatusOr<std::unique_ptr<private_match::Responder>> OpenOwnResponder(
    const config::OpenedNode& node) {
  return private_match::Responder::Create(node.paths, node.config, node.store.get(),
                                          /*clock=*/nullptr);
}

absl::Status RekeyOwnTables(const Node& node) {
  return private_match::Keyring::Rekey(node.paths());
}

absl::StatusOr<absl::flat_hash_map<std::string, std::string>> OwnHandles(
    const config::OpenedNode& node) {
  ASSIGN_OR_RETURN(auto keyring, private_match::Keyring::Open(node.paths));
  return keyring->AllHandles(node.store.get());
}

absl::StatusOr<absl::flat_hash_map<std::string, std::string>> OwnHandles(Node& node) {
  return OwnHandles(node.opened());
}

absl::StatusOr<std::string> ResolveOwnHandle(Node& node, const std::string& handle) {
  ASSIGN_OR_RETURN(auto keyring, private_match::Keyring::Open(node.paths()));
  return keyring->Resolve(&node.records(), handle);
}

}  // namespace fedlink::app
