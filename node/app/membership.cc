#include "node/app/membership.h"

#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "node/app/identity_rotation.h"
#include "node/app/tls_rotation.h"
#include "node/common/status_macros.h"
#include "node/common/whole_file.h"

namespace fedlink::app {

absl::StatusOr<std::string> MembershipRequest(Node& node) {
  if (node.identity() == nullptr) {
    return absl::InternalError("member request: the node's identity key is not loaded");
  }
  return federation::MemberRequest(node.paths(), node.config(), node.identity()->VerifierKey());
}

absl::StatusOr<std::string> RotateTlsKey(Node& node) {
  if (node.identity() == nullptr) {
    return absl::InternalError("rotate tls: the node's identity key is not loaded");
  }
  ASSIGN_OR_RETURN(const std::string cert_pem,
                   StageNewTlsKey(node.paths(), node.opened().file_key()));
  // The request names the identity key the next roster should list: a
  // pending one (`fedlink rotate identity`) if there is one.
  ASSIGN_OR_RETURN(const std::unique_ptr<crypto::SigningKey> pending,
                   LoadPendingIdentityKey(node.paths(), node.opened().file_key()));
  ASSIGN_OR_RETURN(
      std::string request,
      federation::MemberRequestWithCertificate(
          node.config(),
          pending != nullptr ? pending->VerifierKey() : node.identity()->VerifierKey(), cert_pem));
  RETURN_IF_ERROR(node.Log(LocalEvent("keys.rotate-tls")));
  return request;
}

absl::StatusOr<RosterInstall> InstallRosterFile(Node& node, const std::string& path,
                                                const std::string& federation_key) {
  RETURN_IF_ERROR(node.AuditLog());
  ASSIGN_OR_RETURN(const std::string bytes,
                   common::ReadWholeFile(path, common::kMaxSmallFileBytes));
  std::optional<std::string> key;
  if (!federation_key.empty()) key = federation_key;
  absl::StatusOr<federation::Roster> roster =
      federation::InstallRoster(node.paths(), bytes, key, absl::Now());
  audit::Event entry = LocalEvent("roster.install");
  entry.outcome = OutcomeOf(roster.status());
  if (roster.ok()) {
    entry.count = roster->members().size();
    entry.detail = absl::StrCat(roster->federation_id(), " version ", roster->version());
  }
  RETURN_IF_ERROR(node.Log(entry));
  if (!roster.ok()) {
    // Named by the file, keeping the status's marks (its RosterProblem).
    absl::Status named(roster.status().code(), absl::StrCat(path, ": ", roster.status().message()));
    roster.status().ForEachPayload(
        [&](absl::string_view url, const absl::Cord& payload) { named.SetPayload(url, payload); });
    return named;
  }
  RosterInstall out;
  // A new TLS key this roster names (`fedlink rotate tls`) takes over now.
  ASSIGN_OR_RETURN(
      out.switched_tls_key,
      SwitchTlsKeyIfListed(node.paths(), node.opened().file_key(), *roster, node.id()));
  if (out.switched_tls_key) RETURN_IF_ERROR(node.Log(LocalEvent("keys.tls-switch")));
  // A new identity key this roster names (`fedlink rotate identity`): the
  // access log records the change (keys.identity-switch), then it takes over.
  ASSIGN_OR_RETURN(out.switched_identity_key, node.SwitchIdentityKeyIfListed(*roster));
  out.lists_this_node = roster->Find(node.id()) != nullptr;
  out.roster = *std::move(roster);
  return out;
}

absl::StatusOr<federation::Roster> InstalledRoster(const Node& node) {
  return federation::LoadInstalledRoster(node.paths(), absl::Now());
}

}  // namespace fedlink::app
