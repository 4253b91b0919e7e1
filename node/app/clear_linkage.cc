#include "node/app/clear_linkage.h"

#include <algorithm>
#include <thread>

#include "node/app/key_options.h"
#include "node/common/status_macros.h"
#include "node/match/key_blocks.h"

namespace fedlink::app {

std::vector<match::KeySet> DeriveAllKeys(const std::vector<record::Person>& persons,
                                         const std::string& region,
                                         match::keyspec::DropCounts* drops,
                                         match::keyspec::Version version) {
  std::vector<match::KeySet> out;
  out.reserve(persons.size());
  const match::keyspec::Options options{region, version};
  for (const record::Person& p : persons)
    out.push_back(match::keyspec::DeriveKeys(p, options, drops));
  return out;
}

std::vector<match::CandidatePair> ScoreCandidatePairs(
    const std::vector<match::KeySet>& a, const std::vector<match::KeySet>& b, match::Scorer& scorer,
    const std::function<void(size_t, size_t)>& progress, std::vector<match::CandidatePair>* all,
    const std::vector<match::LabelledPattern>& labelled) {
  scorer.EstimateU(a, b);
  match::LinkOptions options;
  options.progress = progress;
  // Pairs below t agreeing groups are never reported, so unless the caller
  // wants every candidate they are only counted, for the EM (at a million
  // records they are hundreds of millions of pairs).
  match::PatternHistogram histogram;
  options.histogram = &histogram;
  options.keep_from_groups = all == nullptr ? scorer.min_agreeing_keys : 0;
  std::vector<match::CandidatePair> candidates = match::FindCandidates(a, b, options);
  scorer.RefineM(histogram);
  const double na = static_cast<double>(a.size()), nb = static_cast<double>(b.size());
  scorer.FitPatterns(histogram, &a == &b ? na * (na - 1) / 2 : na * nb, labelled);
  if (all != nullptr) {
    *all = candidates;
    for (match::CandidatePair& c : *all) c.score = scorer.Score(c.pattern);
  }
  return match::ScoreAndFilter(std::move(candidates), scorer);
}

namespace {

void AddDrops(const match::keyspec::DropCounts& from, match::keyspec::DropCounts* to) {
  to->phones += from.phones;
  to->emails += from.emails;
  to->documents += from.documents;
  to->handles += from.handles;
  to->ibans += from.ibans;
  to->plates += from.plates;
}

}  // namespace

absl::StatusOr<DedupReport> FindDuplicates(Node& node, const DedupOptions& options) {
  // The records are streamed, and only their ids and keys kept: a million
  // records held whole as well would take about a GiB more. Keys are
  // derived a batch at a time over every core, and kept as 64-bit digests
  // in blocks (match::KeyBlocks): as strings they took about 2 KiB a record.
  DedupReport report;
  std::vector<std::string> ids;
  match::KeyBlocks blocks;
  const match::keyspec::Options key_options{node.config().default_region,
                                            KeyOptions(node.config()).version};
  const int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  constexpr size_t kBatch = 65536;  // few threads started (each makes its own ICU transliterators)
  std::vector<record::Person> batch;
  std::vector<match::KeySet> keys;
  batch.reserve(kBatch);
  const auto derive_batch = [&] {
    keys.assign(batch.size(), {});
    std::vector<match::keyspec::DropCounts> drops(threads);
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back([&, t] {
        for (size_t i = t; i < batch.size(); i += threads) {
          keys[i] = match::keyspec::DeriveKeys(batch[i], key_options, &drops[t]);
        }
      });
    }
    for (std::thread& w : workers) w.join();
    for (const auto& d : drops) AddDrops(d, &report.unusable);
    for (const match::KeySet& k : keys) blocks.Add(k);
    for (record::Person& p : batch) ids.push_back(std::move(p.external_id));
    batch.clear();
  };
  RETURN_IF_ERROR(node.records().ForEach([&](const record::Person& p) {
    batch.push_back(p);
    if (batch.size() == kBatch) derive_batch();
    return absl::OkStatus();
  }));
  derive_batch();
  keys = {};
  batch = {};
  blocks.Finish();
  report.records = ids.size();
  if (options.progress.on_keys) options.progress.on_keys(report.unusable);
  match::Scorer scorer;
  scorer.threshold =
      options.threshold >= 0 ? options.threshold : match::DefaultThreshold(ids.size());
  // As ScoreCandidatePairs(keys, keys, ...) does for a collection with itself.
  scorer.EstimateDedupU(match::KeyCollisions(blocks), blocks.records());
  match::LinkOptions link;
  link.progress = options.progress.on_linking;
  match::PatternHistogram histogram;
  link.histogram = &histogram;
  link.keep_from_groups = scorer.min_agreeing_keys;
  std::vector<match::CandidatePair> candidates = match::FindDuplicateCandidates(blocks, link);
  scorer.RefineM(histogram);
  const double n = static_cast<double>(blocks.records());
  scorer.FitPatterns(histogram, n * (n - 1) / 2);
  for (const match::CandidatePair& c : match::ScoreAndFilter(std::move(candidates), scorer)) {
    report.pairs.push_back({ids[c.a], ids[c.b], c.score, match::keyspec::PatternNames(c.pattern)});
  }
  return report;
}

}  // namespace fedlink::app
