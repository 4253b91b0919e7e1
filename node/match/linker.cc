#include "node/match/linker.h"

#include <algorithm>
#include <atomic>
#include <thread>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/string_view.h"

namespace fedlink::match {

std::vector<CandidatePair> FindCandidates(const std::vector<KeySet>& a,
                                          const std::vector<KeySet>& b,
                                          const LinkOptions& options) {
  const bool dedup = &a == &b;
  absl::flat_hash_map<absl::string_view, std::vector<uint32_t>> index;
  for (uint32_t i = 0; i < a.size(); ++i) {
    for (const auto& k : a[i]) index[k.bytes].push_back(i);
  }
  int threads = options.threads > 0
                    ? options.threads
                    : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  threads = std::max(1, std::min<int>(threads, static_cast<int>(b.size() / 1000) + 1));
  std::vector<std::vector<CandidatePair>> per_thread(threads);
  std::vector<PatternHistogram> histograms(options.histogram != nullptr ? threads : 0);
  std::atomic<size_t> done{0};
  auto work = [&](int t) {
    absl::flat_hash_map<uint32_t, CandidatePair> seen;
    for (size_t j = t; j < b.size(); j += threads) {
      seen.clear();
      for (const auto& k : b[j]) {
        auto it = index.find(k.bytes);
        if (it == index.end() || it->second.size() > options.max_block) continue;
        for (uint32_t i : it->second) {
          if (dedup && i >= j) continue;
          CandidatePair& c = seen[i];
          c.a = i;
          c.b = static_cast<uint32_t>(j);
          c.pattern |= 1u << static_cast<int>(k.type);
          ++c.agreeing_keys;
        }
      }
      if (options.histogram == nullptr) {
        for (auto& [i, c] : seen) per_thread[t].push_back(c);
      } else {
        for (auto& [i, c] : seen) {
          histograms[t][c.pattern] += 1;
          if (keyspec::AgreeingGroups(c.pattern) >= options.keep_from_groups) {
            per_thread[t].push_back(c);
          }
        }
      }
      const size_t n = ++done;
      if (t == 0 && options.progress && (n % 1024 == 0)) options.progress(n, b.size());
    }
  };
  std::vector<std::thread> workers;
  for (int t = 1; t < threads; ++t) workers.emplace_back(work, t);
  work(0);
  for (auto& w : workers) w.join();
  if (options.progress) options.progress(b.size(), b.size());
  for (const PatternHistogram& h : histograms) {
    for (const auto& [pattern, n] : h) (*options.histogram)[pattern] += n;
  }
  std::vector<CandidatePair> out;
  for (auto& v : per_thread) out.insert(out.end(), v.begin(), v.end());
  std::sort(out.begin(), out.end(), [](const CandidatePair& x, const CandidatePair& y) {
    return x.b != y.b ? x.b < y.b : x.a < y.a;
  });
  return out;
}

std::vector<CandidatePair> ScoreAndFilter(std::vector<CandidatePair> candidates,
                                          const Scorer& scorer) {
  std::vector<CandidatePair> out;
  for (CandidatePair& c : candidates) {
    c.score = scorer.Score(c.pattern);
    if (c.score >= scorer.threshold &&
        keyspec::AgreeingGroups(c.pattern) >= scorer.min_agreeing_keys) {
      out.push_back(c);
    }
  }
  return out;
}

std::vector<size_t> OnePerPerson(const std::vector<KeySet>& records, int threads) {
  Scorer scorer;
  scorer.threshold = DefaultThreshold(records.size());
  scorer.EstimateU(records, records);
  LinkOptions options;
  options.threads = threads;
  PatternHistogram histogram;  // pairs below t: counted for the EM, not kept
  options.histogram = &histogram;
  options.keep_from_groups = scorer.min_agreeing_keys;
  std::vector<CandidatePair> candidates = FindCandidates(records, records, options);
  scorer.RefineM(histogram);
  const double n = static_cast<double>(records.size());
  scorer.FitPatterns(histogram, n * (n - 1) / 2);
  // Union-find over the probable duplicate pairs.
  std::vector<size_t> parent(records.size());
  for (size_t i = 0; i < parent.size(); ++i) parent[i] = i;
  auto find = [&parent](size_t x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  };
  for (const CandidatePair& c : ScoreAndFilter(std::move(candidates), scorer)) {
    parent[find(c.a)] = find(c.b);
  }
  std::vector<size_t> out;
  for (size_t i = 0; i < records.size(); ++i) {
    if (find(i) == i) out.push_back(i);
  }
  return out;
}

std::vector<CandidatePair> BestPerB(const std::vector<CandidatePair>& matches) {
  absl::flat_hash_map<uint32_t, CandidatePair> best;
  for (const CandidatePair& c : matches) {
    auto [it, inserted] = best.emplace(c.b, c);
    if (!inserted &&
        (c.score > it->second.score || (c.score == it->second.score && c.a < it->second.a))) {
      it->second = c;
    }
  }
  std::vector<CandidatePair> out;
  for (const auto& [b, c] : best) out.push_back(c);
  std::sort(out.begin(), out.end(),
            [](const CandidatePair& x, const CandidatePair& y) { return x.b < y.b; });
  return out;
}

std::vector<CandidatePair> OneToOne(const std::vector<CandidatePair>& matches) {
  std::vector<CandidatePair> sorted = matches;
  std::sort(sorted.begin(), sorted.end(), [](const CandidatePair& x, const CandidatePair& y) {
    if (x.score != y.score) return x.score > y.score;
    return x.a != y.a ? x.a < y.a : x.b < y.b;
  });
  absl::flat_hash_set<uint32_t> used_a, used_b;
  std::vector<CandidatePair> out;
  for (const CandidatePair& c : sorted) {
    if (used_a.contains(c.a) || used_b.contains(c.b)) continue;
    used_a.insert(c.a);
    used_b.insert(c.b);
    out.push_back(c);
  }
  std::sort(out.begin(), out.end(), [](const CandidatePair& x, const CandidatePair& y) {
    return x.b != y.b ? x.b < y.b : x.a < y.a;
  });
  return out;
}

}  // namespace fedlink::match
