#include "crypto/merkle_frontier.h"

#include "crypto/merkle.h"

namespace fedlink::crypto::merkle {

void Frontier::Append(absl::string_view leaf_hash) {
  subtrees_.push_back({0, std::string(leaf_hash)});
  // Two perfect subtrees of equal height merge into one a level higher.
  while (subtrees_.size() >= 2 &&
         subtrees_[subtrees_.size() - 2].height == subtrees_.back().height) {
    Subtree right = std::move(subtrees_.back());
    subtrees_.pop_back();
    Subtree& left = subtrees_.back();
    left.hash = NodeHash(left.hash, right.hash);
    ++left.height;
  }
  ++size_;
}

std::string Frontier::Root() const {
  if (subtrees_.empty()) return EmptyRoot();
  // RFC 9162's split at the largest power of two makes the tree's root the
  // right-to-left fold of its perfect subtrees.
  std::string root = subtrees_.back().hash;
  for (size_t i = subtrees_.size() - 1; i-- > 0;) root = NodeHash(subtrees_[i].hash, root);
  return root;
}

}  // namespace fedlink::crypto::merkle
