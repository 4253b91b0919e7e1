#include "node/app/review.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "node/common/status_macros.h"

namespace fedlink::app {

absl::StatusOr<std::unique_ptr<followup::ReviewStore>> OpenReviewStore(Node& node) {
  return followup::ReviewStore::Open(absl::StrCat(node.paths().dir, "/review.db"),
                                     node.opened().file_key());
}

absl::StatusOr<std::vector<followup::ReviewItem>> ListReview(Node& node, bool pending_only) {
  ASSIGN_OR_RETURN(auto store, OpenReviewStore(node));
  return store->List(pending_only);
}

absl::StatusOr<followup::ReviewItem> DecideReview(Node& node, const ReviewDecision& decision) {
  if (decision.id.empty()) return absl::InvalidArgumentError("review item id is required");
  if (decision.actor.official.empty()) {
    return absl::InvalidArgumentError("official is required: every decision is logged under it");
  }
  // Refuse before deciding if the decision cannot be logged.
  RETURN_IF_ERROR(node.AuditLog().status());
  ASSIGN_OR_RETURN(auto store, OpenReviewStore(node));
  ASSIGN_OR_RETURN(followup::ReviewItem item, store->Decide(decision.id, decision.accept,
                                                            decision.actor.official, absl::Now()));
  audit::Event entry;
  entry.event = decision.accept ? "review.accept" : "review.reject";
  entry.responder = item.peer;
  entry.purpose = item.purpose;
  entry.official = decision.actor.official;
  entry.legal_basis = decision.actor.legal_basis;
  entry.count = 1;
  entry.hits = decision.accept ? 1 : 0;
  entry.detail = absl::StrFormat("item %s, score %.1f bits (threshold %.1f), keys %s", item.id,
                                 item.score, item.threshold, item.keys);
  RETURN_IF_ERROR(node.Log(std::move(entry)));
  return item;
}

std::vector<match::LabelledPattern> LabelledPatterns(
    const std::vector<followup::ReviewItem>& items) {
  std::vector<match::LabelledPattern> out;
  for (const followup::ReviewItem& r : items) {
    if (r.status == followup::ReviewStatus::kPending) continue;
    out.push_back({r.pattern, r.status == followup::ReviewStatus::kAccepted});
  }
  return out;
}

}  // namespace fedlink::app
