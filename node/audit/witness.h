// Witnessing peers' logs (c2sp.org/tlog-cosignature): a node cosigns a
// peer's checkpoint only after checking it is signed by the peer and is
// consistent (RFC 9162 consistency proof) with the last checkpoint it
// cosigned for that peer. It keeps that latest checkpoint per peer
// (DIR/witness.db) and refuses, and keeps as evidence, a checkpoint that
// forks or rolls back the peer's log. Thread-safe.
#ifndef FEDLINK_NODE_AUDIT_WITNESS_H_
#define FEDLINK_NODE_AUDIT_WITNESS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "crypto/identity.h"
#include "node/common/clock.h"
#include "node/store/sqlite.h"

namespace fedlink::audit {

class Witness {
 public:
  static absl::StatusOr<std::unique_ptr<Witness>> Open(const std::string& node_dir,
                                                       const crypto::SigningKey* identity,
                                                       common::Clock* clock = nullptr);

  // Checks `note` from `peer` (verifier = its roster identity key) against
  // the last checkpoint cosigned for it, with `proof` from `old_size` (the
  // size the peer believes we last cosigned; 0 for none). Returns our
  // cosignature line (C2SP signed-note signature line). Errors:
  // Unauthenticated (bad signature), FailedPrecondition (fork, rollback or
  // bad proof; the evidence is kept), InvalidArgument (malformed).
  absl::StatusOr<std::string> Cosign(const crypto::Verifier& peer, absl::string_view note,
                                     uint64_t old_size, const std::vector<std::string>& proof);
  // The last size cosigned for `peer` (0 if none).
  absl::StatusOr<uint64_t> LastCosigned(absl::string_view peer);
  // Notes refused as inconsistent, for auditors.
  absl::StatusOr<int64_t> EvidenceCount();

 private:
  Witness() = default;
  const crypto::SigningKey* identity_ = nullptr;
  common::Clock* clock_ = nullptr;
  absl::Mutex mu_;
  std::unique_ptr<store::sqlite::Database> db_ ABSL_GUARDED_BY(mu_);
};

}  // namespace fedlink::audit

#endif  // FEDLINK_NODE_AUDIT_WITNESS_H_
