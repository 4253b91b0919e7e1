#include "node/app/own_keys.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "node/common/status_macros.h"
#include "node/private_match/keyring.h"
#include "node/private_match/responder.h"

namespace fedlink::app {

absl::StatusOr<std::unique_ptr<private_match::Responder>> OpenOwnResponder(
    const config::OpenedNode& node) {
  return private_match::Responder::Create(node.paths, node.config, node.store.get(),
                                          /*clock=*/nullptr, node.file_key());
}

absl::Status RekeyOwnTables(const Node& node) {
  return private_match::Keyring::Rekey(node.paths());
}

namespace {

// The members other than this node: those the node's handles may have been
// issued to.
absl::StatusOr<std::vector<std::string>> OtherMembers(Node& node) {
  absl::StatusOr<std::shared_ptr<const federation::Roster>> roster = node.Roster();
  if (!roster.ok()) {
    return absl::Status(roster.status().code(),
                        absl::StrCat("cannot list the members a handle may have been issued to "
                                     "(name the peer): ",
                                     roster.status().message()));
  }
  std::vector<std::string> out;
  for (const federation::Member& m : (*roster)->members()) {
    if (m.node_id != node.id()) out.push_back(m.node_id);
  }
  return out;
}

}  // namespace

absl::StatusOr<absl::flat_hash_map<std::string, std::string>> OwnHandles(
    const config::OpenedNode& node, const std::vector<std::string>& requesters) {
  ASSIGN_OR_RETURN(auto keyring, private_match::Keyring::Open(node.paths, node.file_key()));
  ASSIGN_OR_RETURN(const std::vector<private_match::KeyGeneration> keys,
                   keyring->LiveGenerations(absl::Now(), node.config.epoch_days));
  return keyring->AllHandles(node.store.get(), requesters, keys);
}

absl::StatusOr<absl::flat_hash_map<std::string, std::string>> OwnHandles(Node& node) {
  ASSIGN_OR_RETURN(const std::vector<std::string> members, OtherMembers(node));
  return OwnHandles(node.opened(), members);
}

absl::StatusOr<ResolvedHandle> ResolveOwnHandle(Node& node, const std::string& handle,
                                                const std::string& peer) {
  std::vector<std::string> requesters = {peer};
  if (peer.empty()) {
    ASSIGN_OR_RETURN(requesters, OtherMembers(node));
  }
  ASSIGN_OR_RETURN(auto keyring,
                   private_match::Keyring::Open(node.paths(), node.opened().file_key()));
  ASSIGN_OR_RETURN(const std::vector<private_match::KeyGeneration> keys,
                   keyring->LiveGenerations(absl::Now(), node.config().epoch_days));
  ASSIGN_OR_RETURN(private_match::Keyring::Resolved resolved,
                   keyring->Resolve(&node.records(), requesters, keys, handle));
  return ResolvedHandle{std::move(resolved.external_id), std::move(resolved.requester)};
}

}  // namespace fedlink::app
