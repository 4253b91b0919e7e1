// The review queue for borderline matches (issue 16): `fedlink match`
// queues a query's best revealed record when it scored between the review
// threshold and the match threshold (both in bits); a person lists the
// queue and accepts or rejects each item. Decisions are remembered: the
// same pair is not queued again, an accepted pair is reported as a match by
// later runs and a rejected one is not (even above the threshold). The
// decided patterns are the labelled sample the pattern model learns from
// (match::PatternModel). Every decision is in the access log under the
// official who made it. The queue lives in DIR/review.db, its handles and
// external ids sealed under the node's data key.
//
//   ASSIGN_OR_RETURN(auto items, ListReview(node, /*pending_only=*/true));
//   ASSIGN_OR_RETURN(auto decided, DecideReview(node, {items[0].id, true, actor}));
#ifndef FEDLINK_NODE_APP_REVIEW_H_
#define FEDLINK_NODE_APP_REVIEW_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "node/app/node.h"
#include "node/followup/review_store.h"
#include "node/match/pattern_model.h"

namespace fedlink::app {

// Bits below the match threshold from which `fedlink match` queues a pair
// for review (its --review-margin).
inline constexpr double kDefaultReviewMargin = 5.0;

absl::StatusOr<std::unique_ptr<followup::ReviewStore>> OpenReviewStore(Node& node);

// The queue, oldest first; only the pending items if `pending_only`.
absl::StatusOr<std::vector<followup::ReviewItem>> ListReview(Node& node, bool pending_only);

struct ReviewDecision {
  std::string id;  // from ListReview
  bool accept = false;
  Actor actor;  // official required: the decision is logged under it
};

// Accepts or rejects a pending item and logs the decision (event
// review.accept or review.reject, the official, the peer, the purpose, the
// item id and score; never the handle or our record's id). Refused before
// deciding if the decision cannot be logged.
absl::StatusOr<followup::ReviewItem> DecideReview(Node& node, const ReviewDecision& decision);

// Every decided item's pattern, labelled (accepted = match): the sample the
// pattern model is anchored by.
std::vector<match::LabelledPattern> LabelledPatterns(
    const std::vector<followup::ReviewItem>& items);

}  // namespace fedlink::app

#endif  // FEDLINK_NODE_APP_REVIEW_H_
