#include "node/audit/witness_round.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "crypto/checkpoint.h"
#include "node/audit/exchange_event.h"
#include "node/audit/witness_service.h"
#include "node/common/status_macros.h"

namespace fedlink::audit {

absl::StatusOr<std::vector<WitnessResult>> WitnessRound(
    const federation::Self& self, const std::vector<federation::Member>& peers, AuditLog& log) {
  ASSIGN_OR_RETURN(auto note, log.Checkpoint());
  ASSIGN_OR_RETURN(auto own_key, crypto::Verifier::Parse(self.identity->VerifierKey()));
  ASSIGN_OR_RETURN(auto cp, crypto::checkpoint::Verify(note, own_key));
  std::vector<WitnessResult> out;
  for (const federation::Member& m : peers) {
    WitnessResult r{m.node_id, absl::OkStatus(), cp.size};
    auto old_size = log.LastCosignedBy(m.node_id);
    if (!old_size.ok()) {
      r.status = old_size.status();
      out.push_back(r);
      continue;
    }
    // A proof from the last size this witness cosigned (none if it is new
    // to us, or nothing was added since).
    const uint64_t from = *old_size < cp.size ? *old_size : 0;
    std::vector<std::string> proof;
    if (from > 0) {
      auto p = log.ConsistencyProof(from, cp.size);
      if (!p.ok()) {
        r.status = p.status();
        out.push_back(r);
        continue;
      }
      proof = *p;
    }
    std::string digest;
    auto line = RequestCosignature(self, m, note, from, proof, absl::Seconds(10), &digest);
    Event e =
        RequesterEvent(self, m, "witness.cosign.requested", "", digest, cp.size, line.status());
    if (auto logged = log.Append(e); !logged.ok()) {
      r.status = logged.status();
    } else if (!line.ok()) {
      r.status = line.status();
    } else {
      r.status = log.AddCosignature(cp.size, m.node_id, m.identity_vkey, absl::StrCat(note, *line));
    }
    out.push_back(r);
  }
  return out;
}

}  // namespace fedlink::audit
