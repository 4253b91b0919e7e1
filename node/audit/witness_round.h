// One round of witnessing: ask each peer to cosign this node's latest
// checkpoint, proving it consistent with the last one that peer cosigned,
// and keep the cosignatures (for exports). Used by `fedlink audit witness`
// and periodically by `fedlink serve`.
#ifndef FEDLINK_NODE_AUDIT_WITNESS_ROUND_H_
#define FEDLINK_NODE_AUDIT_WITNESS_ROUND_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "node/audit/audit_log.h"
#include "node/federation/peer_client.h"

namespace fedlink::audit {

struct WitnessResult {
  std::string peer;
  absl::Status status;  // OK: cosigned
  uint64_t size = 0;    // the checkpoint's tree size
};

absl::StatusOr<std::vector<WitnessResult>> WitnessRound(
    const federation::Self& self, const std::vector<federation::Member>& peers, AuditLog& log);

}  // namespace fedlink::audit

#endif  // FEDLINK_NODE_AUDIT_WITNESS_ROUND_H_
