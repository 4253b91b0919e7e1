// The application layer's entry point: an opened node directory and what its
// use cases share (config, record store, identity key; the access log, the
// follow-up store, the roster and the TLS identity opened on first use).
//
// The application layer (node/app/) holds the node's use cases as a C++ API
// with plain structs in and out: no flags, no printing, no gRPC types. The
// CLI (node/cli/cmd_*.cc) parses flags, calls one function here and formats
// its result; a web console or a test calls the same functions.
//
//   ASSIGN_OR_RETURN(std::unique_ptr<app::Node> node, app::Node::Open(dir));
//   ASSIGN_OR_RETURN(app::RecordCounts counts, app::CountRecords(*node));
//
// Thread-safety: the lazily opened parts are opened under a lock, so several
// threads may ask for them; each part documents its own thread-safety.
#ifndef FEDLINK_NODE_APP_NODE_H_
#define FEDLINK_NODE_APP_NODE_H_

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "node/audit/audit_log.h"
#include "node/config/node_dir.h"
#include "node/federation/peer_client.h"
#include "node/federation/roster.h"
#include "node/followup/followup_store.h"

namespace fedlink::app {

// Who acts, and on what basis: carried in every request to a peer and logged
// by both nodes. The CLI takes them from --official and --legal-basis; the web
// console from the logged-in user.
struct Actor {
  std::string official;
  std::string legal_basis;
};

struct OpenOptions {
  // Load (and permission-check) identity.key. Commands that only read the
  // node's own records may skip it; anything that logs or talks to peers
  // needs it.
  bool load_identity = true;
  // Where the node's key-encryption key comes from (node/config/key_source.h;
  // by default what DIR/data.key names). Given for a node of an older
  // fedlink, whose directory is in the clear, it converts the node.
  config::KeySource key_source = {};
  // Opened for RotateDataKey (key_rotation.h) only: records() is not open.
  bool rotate_data_key = false;
};

class Node {
 public:
  // Opens an existing node directory; one clear error when the config, key
  // or database is missing, corrupt or unsafe.
  static absl::StatusOr<std::unique_ptr<Node>> Open(const std::string& dir,
                                                    const OpenOptions& options = {});
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  const common::NodePaths& paths() const { return opened_->paths; }
  const config::NodeConfig& config() const { return opened_->config; }
  const std::string& id() const { return opened_->config.node_id; }
  store::RecordStore& records() const { return *opened_->store; }
  // Null unless opened with load_identity. After the identity key changed
  // in this process (SwitchIdentityKeyIfListed), the new key.
  const crypto::SigningKey* identity() const {
    const crypto::SigningKey* switched = switched_identity_.load();
    return switched != nullptr ? switched : opened_->identity.get();
  }
  const config::OpenedNode& opened() const { return *opened_; }

  // The node's access log, opened and verified on first use: a log that does
  // not verify is refused, and so is every action that would be logged in it.
  // A switch to a pending identity key (identity_rotation.h) that a crash
  // interrupted is finished here.
  absl::StatusOr<audit::AuditLog*> AuditLog();
  // If a new identity key is pending (`fedlink rotate identity`) and
  // `roster` lists this node with it: the access log records the change and
  // the key replaces identity.key; returns whether it did. A pending key
  // the roster does not name is left waiting.
  absl::StatusOr<bool> SwitchIdentityKeyIfListed(const federation::Roster& roster);
  // Appends `event` (its requester set to this node if empty). An action
  // whose entry cannot be written is to be reported as failed.
  absl::Status Log(audit::Event event);
  absl::StatusOr<followup::FollowupStore*> Followups();

  // The installed roster (NotFound if none) and this node as a party to
  // requests, acting for `actor`. The roster is read again when roster.bin
  // changes or the one held expires, so a long-lived Node (serving, the web
  // console) follows `roster install`; a roster handed out stays valid for
  // its holder.
  absl::StatusOr<std::shared_ptr<const federation::Roster>> Roster();
  absl::StatusOr<federation::Self> Self(const Actor& actor);
  // The members to ask: `peer` alone (it must be a member) or, if `all`,
  // every member but this node. InvalidArgument unless exactly one is given.
  absl::StatusOr<std::vector<federation::Member>> Peers(const std::string& peer, bool all);

  // A purpose is 1-64 of [a-z0-9._-] (peers refuse any other) and must be
  // declared in the node's policy when it has one.
  absl::Status CheckPurpose(const std::string& purpose) const;

 private:
  explicit Node(std::unique_ptr<config::OpenedNode> opened);
  absl::Status LoadFederation() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<audit::AuditLog*> AuditLogLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status FinishIdentitySwitch() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  std::unique_ptr<config::OpenedNode> opened_;
  absl::Mutex mu_;
  std::unique_ptr<audit::AuditLog> audit_log_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<followup::FollowupStore> followups_ ABSL_GUARDED_BY(mu_);
  std::shared_ptr<const federation::Roster> roster_ ABSL_GUARDED_BY(mu_);
  int64_t roster_mtime_ ABSL_GUARDED_BY(mu_) = -1;
  std::unique_ptr<tls::TlsIdentity> tls_ ABSL_GUARDED_BY(mu_);
  // identity.key.next, loaded with the access log; once the log signs with
  // it, identity() returns it.
  std::unique_ptr<crypto::SigningKey> next_identity_ ABSL_GUARDED_BY(mu_);
  std::atomic<const crypto::SigningKey*> switched_identity_{nullptr};
};

// An entry for an action of this node's own (its requester is filled in by
// Node::Log).
inline audit::Event LocalEvent(std::string event) {
  audit::Event e;
  e.event = std::move(event);
  return e;
}

// Outcome text for an audit entry ("ok", or the status code and message).
using audit::OutcomeOf;

}  // namespace fedlink::app

#endif  // FEDLINK_NODE_APP_NODE_H_
