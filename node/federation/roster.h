// The federation roster: who the members are, their endpoints, their
// Ed25519 identities and their pinned TLS certificate fingerprints, signed
// by the coordinator's roster key.
//
// A node accepts a roster only if it is signed by the federation key it
// pinned, has a higher version than the one installed, and has not expired.
// Removing a member from the roster revokes it at every node that installs
// the new version.
//
// Files: DIR/federation.key (the pinned coordinator vkey), DIR/roster.bin
// (the installed signed roster: envelope bytes, context "fedlink.v1.Roster").
#ifndef FEDLINK_NODE_FEDERATION_ROSTER_H_
#define FEDLINK_NODE_FEDERATION_ROSTER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "crypto/identity.h"
#include "node/config/node_config.h"
#include "node/federation/roster_problem.h"

namespace fedlink::federation {

inline constexpr char kRosterContext[] = "fedlink.v1.Roster";
inline constexpr char kRosterKeyTransitionContext[] = "fedlink.v1.RosterKeyTransition";

struct Member {
  std::string node_id;
  std::string organisation;
  std::string role;
  std::string endpoint;
  std::string identity_vkey;
  std::string tls_cert_sha256;
  crypto::Verifier identity;                // parsed identity_vkey
  int epoch_days = 7;                       // its OPRF key epoch
  uint64_t max_table_records = 10'000'000;  // the largest table it may serve
};

class Roster {
 public:
  // Verifies the envelope with `federation_key` or, if another key signed
  // it, with the key the roster's key transitions lead to from
  // `federation_key` (each signed by the key it replaces, the first by
  // `federation_key`; none signed by it: refused). Parses and validates the
  // roster (federation id and node ids of [a-z0-9.-], roles, endpoints,
  // keys), and refuses it if it has expired at `now`. Errors are marked with
  // their RosterProblem (roster_problem.h): corrupt or expired.
  static absl::StatusOr<Roster> Open(absl::string_view envelope,
                                     const crypto::Verifier& federation_key, absl::Time now);

  const std::string& federation_id() const { return federation_id_; }
  uint64_t version() const { return version_; }
  absl::Time expires_at() const { return expires_at_; }
  const std::vector<Member>& members() const { return members_; }
  const Member* Find(absl::string_view node_id) const;
  const std::string& envelope() const { return envelope_; }
  // The coordinator key that signed this roster (C2SP vkey): the key it was
  // verified with, or the one its key transitions led to.
  const std::string& signing_vkey() const { return signing_vkey_; }

 private:
  // Open without the expiry check (the installed roster is checked for
  // rollback first, then expiry).
  friend absl::StatusOr<Roster> LoadInstalledRoster(const common::NodePaths& paths, absl::Time now);
  static absl::StatusOr<Roster> Verify(absl::string_view envelope,
                                       const crypto::Verifier& federation_key);

  std::string federation_id_;
  uint64_t version_ = 0;
  absl::Time expires_at_;
  std::vector<Member> members_;
  std::string envelope_;
  std::string signing_vkey_;
};

// Node side. The first install must name the federation key to pin
// (`federation_vkey`); later installs must not contradict the pinned key. A
// roster signed by a newer coordinator key that the pinned one handed over
// to (Roster::Open) pins that key (federation.key, written after
// roster.bin): rosters signed by the older key are refused from then on.
absl::StatusOr<Roster> InstallRoster(const common::NodePaths& paths, absl::string_view envelope,
                                     std::optional<std::string> federation_vkey, absl::Time now);
// The installed roster, verified again. Each error says which check failed
// and is marked with its RosterProblem: missing (NotFound: no roster.bin),
// corrupt (DataLoss: roster.bin unreadable, federation.key missing or
// corrupt, a bad signature, a body that does not parse, a bad entry,
// roster.version unreadable), rolled back (FailedPrecondition: older than the
// highest version installed) or expired (FailedPrecondition, naming when).
absl::StatusOr<Roster> LoadInstalledRoster(const common::NodePaths& paths, absl::Time now);

// This node's membership request as protobuf text (RosterEntry).
absl::StatusOr<std::string> MemberRequest(const common::NodePaths& paths,
                                          const config::NodeConfig& config,
                                          absl::string_view identity_vkey);

// The same with the TLS certificate given (a new one, not yet in tls.crt:
// `fedlink rotate tls`).
absl::StatusOr<std::string> MemberRequestWithCertificate(const config::NodeConfig& config,
                                                         absl::string_view identity_vkey,
                                                         absl::string_view cert_pem);

// Coordinator side: COORD/federation.key (0600), COORD/members.txtpb.
absl::StatusOr<std::string> InitCoordinator(const std::string& dir,
                                            absl::string_view federation_id);  // returns vkey
// A membership request (RosterEntry text, as MemberRequest writes it),
// parsed and checked as AddMember does; errors start with `source_name`.
absl::StatusOr<Member> ParseMemberRequest(absl::string_view request_text,
                                          absl::string_view source_name);
absl::Status AddMember(const std::string& dir, absl::string_view request_text,
                       absl::string_view source_name);
absl::Status RemoveMember(const std::string& dir, absl::string_view node_id);
// Signs the current member list as the next version; returns envelope bytes.
absl::StatusOr<std::string> SignRoster(const std::string& dir, absl::Duration valid_for,
                                       absl::Time now);
// Rolls the coordinator's roster-signing key over: a new key, and a key
// transition (old key to new) signed by the old key that every roster
// signed from now on carries, so members follow it without a re-pin.
// Returns the new verifier key. Crash-safe: the new key is written beside
// the old (federation.key.next), the transition recorded, then the key
// renamed into place; an interrupted rollover is finished (or, if the
// transition was not recorded, dropped) by the next call that loads the key.
absl::StatusOr<std::string> RotateCoordinatorKey(const std::string& dir, absl::Time now);
// The coordinator's verifier key.
absl::StatusOr<std::string> CoordinatorVkey(const std::string& dir);

// A human-readable listing of a roster, every value escaped for display
// (common::EscapeForDisplay).
std::string FormatRoster(const Roster& roster);

}  // namespace fedlink::federation

#endif  // FEDLINK_NODE_FEDERATION_ROSTER_H_
