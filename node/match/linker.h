// In-the-clear record linkage with keyspec v1 keys and the Fellegi-Sunter
// scorer: the non-private baseline (bench linkage), local deduplication,
// and the reference the private protocol's results are measured against.
//
// Blocking: records are compared only if they share at least one key value;
// values shared by more than `max_block` records are skipped for candidate
// generation (they carry almost no weight). Never all pairs.
#ifndef FEDLINK_NODE_MATCH_LINKER_H_
#define FEDLINK_NODE_MATCH_LINKER_H_

#include <cstdint>
#include <functional>
#include <vector>

#include "node/match/scorer.h"

namespace fedlink::match {

struct CandidatePair {
  uint32_t a = 0;
  uint32_t b = 0;
  uint32_t pattern = 0;   // agreeing key types
  int agreeing_keys = 0;  // agreeing keys (a type may agree on several values)
  double score = 0;
};

struct LinkOptions {
  size_t max_block = 1000;
  int threads = 0;  // 0 = all cores
  // Called with (done, total) as B records are processed; may be empty.
  std::function<void(size_t, size_t)> progress;
  // If set, every candidate's pattern is counted here, and only pairs
  // agreeing in at least `keep_from_groups` key groups are returned: what
  // the scorer's EM needs from the rest is their patterns' counts, and at a
  // million records they are hundreds of millions of pairs.
  PatternHistogram* histogram = nullptr;
  int keep_from_groups = 0;
};

// Every pair (a in `a`, b in `b`) sharing a key value, with its pattern
// (see LinkOptions::histogram for keeping fewer). For
// deduplication pass the same collection twice: only a < b pairs are kept.
std::vector<CandidatePair> FindCandidates(const std::vector<KeySet>& a,
                                          const std::vector<KeySet>& b, const LinkOptions& options);

// Scores candidates and keeps those at or above the scorer's threshold with
// at least min_agreeing_keys agreeing keys.
std::vector<CandidatePair> ScoreAndFilter(std::vector<CandidatePair> candidates,
                                          const Scorer& scorer);

// One record per probable person in `records`: probable duplicates within
// the file (found as `fedlink dedup` finds them) are collapsed, and the
// index of one record of each person is returned. Value frequencies over
// these count people, not records, which is what u means; a file with many
// duplicates would otherwise overstate u.
std::vector<size_t> OnePerPerson(const std::vector<KeySet>& records, int threads = 0);

// For linkage: the best-scoring A record for each B record.
std::vector<CandidatePair> BestPerB(const std::vector<CandidatePair>& matches);

// One-to-one assignment for a batch: greedy by score (highest first; ties by
// a, then b), a pair is kept only if neither its A nor its B record is in a
// pair kept before. Not the optimal assignment (the Hungarian method), which
// differs only where a record's two best partners compete; greedy is what
// one-to-one record linkage usually does. Sorted by b.
std::vector<CandidatePair> OneToOne(const std::vector<CandidatePair>& matches);

}  // namespace fedlink::match

#endif  // FEDLINK_NODE_MATCH_LINKER_H_
