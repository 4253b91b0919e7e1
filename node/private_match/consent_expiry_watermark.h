// Up to when the node has checked its records for consents that expired.
// A consent that reaches its expiry re-keys the node like a withdrawal; the
// responder checks the interval (watermark, now] before every table and
// evaluation and moves the watermark to now. Persisting it means expiries
// while the node was down are caught at its first request.
//
// DIR/consent_expiry.checked: one line, the watermark in unix seconds
// (decimal), replaced atomically. Created at the first Open: from the value
// an older fedlink kept in budget.db (table consent_expiry, schema 2) if
// there is one, else now (a node's very first check starts now: nothing
// was served before).
#ifndef FEDLINK_NODE_PRIVATE_MATCH_CONSENT_EXPIRY_WATERMARK_H_
#define FEDLINK_NODE_PRIVATE_MATCH_CONSENT_EXPIRY_WATERMARK_H_

#include <cstdint>
#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "node/common/clock.h"
#include "node/common/node_paths.h"

namespace fedlink::private_match {

// Thread-compatible: the caller serialises the check, the advance and the
// save (the responder holds a mutex across them).
//
//   ASSIGN_OR_RETURN(auto watermark, ConsentExpiryWatermark::Open(paths, clock));
//   const int64_t since = watermark->checked_until();
//   ASSIGN_OR_RETURN(bool expired, store->AnyConsentExpiresIn(since, now));
//   watermark->Advance(now);
//   if (expired) { RETURN_IF_ERROR(Keyring::Rekey(paths)); RETURN_IF_ERROR(watermark->Save()); }
class ConsentExpiryWatermark {
 public:
  // Reads DIR/consent_expiry.checked (DataLoss if it is not a number),
  // creating it on first use as described above. Open it before
  // EvaluationBudget::Open on a node directory of an older fedlink: that
  // drops the old table. `clock` (Clock::Real() if null) is read only here.
  static absl::StatusOr<std::unique_ptr<ConsentExpiryWatermark>> Open(
      const common::NodePaths& paths, common::Clock* clock);
  ConsentExpiryWatermark(const ConsentExpiryWatermark&) = delete;
  ConsentExpiryWatermark& operator=(const ConsentExpiryWatermark&) = delete;

  // Unix seconds up to which expiries were checked.
  int64_t checked_until() const { return checked_until_; }
  // Moves the watermark to `until` in memory (never backwards). Saving is
  // needed only when a check found something: after a restart the
  // interval is checked again and still finds nothing.
  void Advance(int64_t until) {
    if (until > checked_until_) checked_until_ = until;
  }
  // Writes the watermark to its file.
  absl::Status Save() const;

 private:
  ConsentExpiryWatermark(const common::NodePaths& paths, int64_t checked_until)
      : path_(paths.consent_expiry_checked()), checked_until_(checked_until) {}

  const std::string path_;
  int64_t checked_until_;
};

}  // namespace fedlink::private_match

#endif  // FEDLINK_NODE_PRIVATE_MATCH_CONSENT_EXPIRY_WATERMARK_H_
