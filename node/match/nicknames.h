// Given-name nickname relations (shared/data/nicknames, Apache-2.0,
// embedded at build time from node/match/data/nicknames.csv). A name maps
// to the formal names it may stand for: itself if it is a formal name, and
// every formal name it is a listed nickname of ("bill" -> william; "ron" ->
// aaron, ronald, veronica). Two names may be the same person's if their sets
// intersect. Relations are not followed transitively: chains would merge
// unrelated names into one group.
#ifndef FEDLINK_NODE_MATCH_NICKNAMES_H_
#define FEDLINK_NODE_MATCH_NICKNAMES_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace fedlink::match {

// The formal names for a normalised (lower-case ASCII) given name, sorted,
// at most kMaxFormalNames; empty if the name has no nickname relation.
inline constexpr size_t kMaxFormalNames = 4;
std::vector<std::string> FormalNames(absl::string_view given);

// keyspec v2: the same relations plus fedlink's own diminutives
// (node/match/data/nicknames_v2.csv: Slavic, Iberian, Romanian, West
// African), every name folded with normalize::FoldRomanisation, looked up by
// a folded given-name word ("masha" -> "maria").
// At most kMaxFoldedFormalNames ("will" stands for eight).
inline constexpr size_t kMaxFoldedFormalNames = 8;
std::vector<std::string> FoldedFormalNames(absl::string_view folded_given);

}  // namespace fedlink::match

#endif  // FEDLINK_NODE_MATCH_NICKNAMES_H_
