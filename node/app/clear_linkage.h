// Record linkage in the clear, with exactly the keyspec v1 keys and the
// Fellegi-Sunter scorer the private protocol uses: the node's own
// deduplication (a use case), and the building blocks the linkage-quality
// tooling shares (linkage_quality.h).
//
//   ASSIGN_OR_RETURN(DedupReport report, FindDuplicates(node, {}));
//   for (const DuplicatePair& p : report.pairs) ...
//
// Blocking throughout: records are compared only if they share a key value,
// never all pairs.
#ifndef FEDLINK_NODE_APP_CLEAR_LINKAGE_H_
#define FEDLINK_NODE_APP_CLEAR_LINKAGE_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "node/app/node.h"
#include "node/match/keyspec.h"
#include "node/match/linker.h"
#include "node/match/scorer.h"
#include "node/record/person.h"

namespace fedlink::app {

// Progress of a linkage run, for a progress bar; either may be empty.
struct LinkProgress {
  // Once every key is derived, before linking: the values that did not
  // normalise and were left out of the keys.
  std::function<void(const match::keyspec::DropCounts&)> on_keys;
  // (done, total) while candidate pairs are found; the search is over once
  // the run returns or `done == total`.
  std::function<void(size_t, size_t)> on_linking;
};

// The keys of each record, in order (the region for phone numbers without a
// country code); unusable values are counted in `drops`.
std::vector<match::KeySet> DeriveAllKeys(
    const std::vector<record::Person>& persons, const std::string& region,
    match::keyspec::DropCounts* drops,
    match::keyspec::Version version = match::keyspec::Version::kV1);

// Fits `scorer` to the data (u from value frequencies, m by EM over the
// candidates' agreement patterns) and returns the candidate pairs (a in `a`,
// b in `b`; a < b when they are the same collection) that reach its
// threshold with at least its t agreeing keys. The scorer's pattern model is
// fitted too (`labelled`: patterns a person judged). `all`, if given,
// receives every candidate pair, scored, before the threshold.
std::vector<match::CandidatePair> ScoreCandidatePairs(
    const std::vector<match::KeySet>& a, const std::vector<match::KeySet>& b, match::Scorer& scorer,
    const std::function<void(size_t, size_t)>& progress,
    std::vector<match::CandidatePair>* all = nullptr,
    const std::vector<match::LabelledPattern>& labelled = {});

struct DedupOptions {
  double threshold = -1;  // bits; negative: DefaultThreshold(number of records)
  LinkProgress progress;
};

struct DuplicatePair {
  std::string id_1;  // external ids
  std::string id_2;
  double score = 0;
  std::string keys;  // agreeing key types (keyspec::PatternNames)
};

struct DedupReport {
  size_t records = 0;
  match::keyspec::DropCounts unusable;  // values left out of the keys
  std::vector<DuplicatePair> pairs;
};

// Probable duplicates among the node's own records. Reads only the records:
// the node may be opened without its identity.
absl::StatusOr<DedupReport> FindDuplicates(Node& node, const DedupOptions& options);

}  // namespace fedlink::app

#endif  // FEDLINK_NODE_APP_CLEAR_LINKAGE_H_
