#include "node/common/node_paths.h"
#include "node/cli/peer_session.h"

#include <sys/stat.h>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "node/cli/flags.h"
#include "node/match/keyspec.h"
#include "policy/policy.h"

namespace fedlink::cli {

federation::Self PeerSession::self() const {
  federation::Self s;
  s.node_id = node->config.node_id;
  s.identity = node->identity.get();
  s.tls = tls;
  s.legal_basis = absl::GetFlag(FLAGS_legal_basis);
  s.official = absl::GetFlag(FLAGS_official);
  return s;
}

absl::StatusOr<PeerSession> OpenPeerSession(const std::string& dir) {
  PeerSession session;
  auto node = OpenNode(dir, {.load_identity = true});
  if (!node.ok()) return node.status();
  session.node = *std::move(node);
  auto roster = federation::LoadInstalledRoster(session.node->paths, absl::Now());
  if (!roster.ok()) return roster.status();
  session.roster = std::make_unique<federation::Roster>(*std::move(roster));
  auto tls = tls::Load(session.node->paths.dir);
  if (!tls.ok()) return tls.status();
  session.tls = *std::move(tls);
  return session;
}

absl::StatusOr<std::vector<federation::Member>> PeerSession::Peers(
    const std::string& peer, bool all) const {
  if (all == !peer.empty()) {
    return absl::InvalidArgumentError("give exactly one of --peer ID or --all");
  }
  std::vector<federation::Member> out;
  for (const federation::Member& m : roster->members()) {
    if (m.node_id == node->config.node_id) continue;
    if (all || m.node_id == peer) out.push_back(m);
  }
  if (!all && out.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--peer ", peer, ": not a member of the installed roster"));
  }
  return out;
}

absl::Status CheckPurpose(const OpenedNode& node, const std::string& purpose) {
  if (purpose.empty()) return absl::InvalidArgumentError("--purpose is required");
  const std::string path = node.paths.policy();
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return absl::OkStatus();
  auto policy = policy::Policy::Load(path, keyspec::KeyTypeNames());
  if (!policy.ok()) return policy.status();
  if (!(*policy)->IsDeclaredPurpose(purpose)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "purpose '", purpose, "' is not declared in ", path));
  }
  return absl::OkStatus();
}

bool UsableForOutboundQuery(const Person& record, const std::string& purpose,
                            absl::Time now) {
  if (record.role != Role::kVictim && record.role != Role::kWitness) return true;
  return policy::ConsentCovers(record, purpose, now);
}

}  // namespace fedlink::cli
