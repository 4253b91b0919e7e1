#include "node/match/pattern_model.h"

#include <algorithm>
#include <bit>
#include <cmath>

#include "absl/strings/str_format.h"
#include "node/match/keyspec.h"

namespace fedlink::match {
namespace {

// The blocks of the model, as bit masks over patterns: every person key
// (name and date, whatever its group) is one block, since all of them are
// derived from the same two names and date and so depend on each other
// across groups too; each selector and the address is a block of its own.
std::vector<uint32_t> GroupMasks() {
  std::vector<uint32_t> masks(keyspec::kKeyGroupCount + 1, 0);
  for (const keyspec::KeyTypeInfo& info : keyspec::Catalogue()) {
    const bool person = !info.selector && info.group != keyspec::KeyGroup::kAddress;
    masks[person ? keyspec::kKeyGroupCount : static_cast<int>(info.group)] |=
        1u << static_cast<int>(info.type);
  }
  return masks;
}

}  // namespace

PatternHistogram CountPatterns(const std::vector<uint32_t>& patterns) {
  PatternHistogram histogram;
  for (uint32_t p : patterns) histogram[p] += 1;
  return histogram;
}

PatternModel PatternModel::Fit(const std::vector<uint32_t>& patterns, double pairs_searched,
                               const std::function<bool(uint32_t)>& initial_match,
                               const std::vector<LabelledPattern>& labelled,
                               const Options& options) {
  return Fit(CountPatterns(patterns), pairs_searched, initial_match, labelled, options);
}

PatternModel PatternModel::Fit(const PatternHistogram& histogram, double pairs_searched,
                               const std::function<bool(uint32_t)>& initial_match,
                               const std::vector<LabelledPattern>& labelled,
                               const Options& options) {
  PatternModel model;
  if (histogram.empty()) return model;
  struct Row {
    uint32_t pattern;
    double count;
    double responsibility;  // P(match | pattern)
    bool fixed;
  };
  std::vector<Row> rows;
  double unlabelled = 0;
  uint32_t seen_bits = 0;
  for (const auto& [p, n] : histogram) {
    rows.push_back({p, n, initial_match(p) ? 0.95 : 0.05, false});
    unlabelled += n;
    seen_bits |= p;
  }
  for (const LabelledPattern& l : labelled) {
    rows.push_back({l.pattern, options.label_weight, l.match ? 1.0 : 0.0, true});
    seen_bits |= l.pattern;
  }
  // Deterministic order (the hash map's is not).
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    return a.pattern != b.pattern ? a.pattern < b.pattern : a.fixed < b.fixed;
  });
  for (uint32_t mask : GroupMasks()) {
    if (mask & seen_bits) model.groups_.push_back({mask, {}, {}});
  }

  const double a = options.smoothing;
  double prior = 0.5;
  for (int it = 0; it <= options.iterations; ++it) {
    // M step: per group, the distribution of its value in each class.
    double total_m = 0, total = 0;
    for (const Row& r : rows) {
      total_m += r.count * r.responsibility;
      total += r.count;
    }
    const double total_u = total - total_m;
    prior = std::clamp(total_m / total, 1e-9, 1 - 1e-9);
    for (Group& g : model.groups_) {
      absl::flat_hash_map<uint32_t, std::pair<double, double>> counts;
      for (const Row& r : rows) {
        auto& c = counts[r.pattern & g.mask];
        c.first += r.count * r.responsibility;
        c.second += r.count * (1 - r.responsibility);
      }
      const double k = static_cast<double>(counts.size());
      g.probability.clear();
      g.weight.clear();
      for (const auto& [x, c] : counts) {
        const double pm = (c.first + a) / (total_m + a * k);
        const double pu = (c.second + a) / (total_u + a * k);
        g.probability[x] = {pm, pu};
        g.weight[x] = std::log2(pm / pu);
      }
    }
    if (it == options.iterations) break;
    // E step.
    const double log_prior_odds = std::log2(prior / (1 - prior));
    for (Row& r : rows) {
      if (r.fixed) continue;
      double bits = log_prior_odds;
      for (const Group& g : model.groups_) bits += g.weight.at(r.pattern & g.mask);
      r.responsibility = 1 / (1 + std::exp2(-bits));
    }
  }
  // More agreement within a group is never weaker evidence than less: a
  // value's weight is at least that of every value it contains.
  for (Group& g : model.groups_) {
    absl::flat_hash_map<uint32_t, double> monotone = g.weight;
    for (auto& [x, w] : monotone) {
      for (const auto& [y, v] : g.weight) {
        if ((y & ~x) == 0) w = std::max(w, v);
      }
    }
    g.weight = std::move(monotone);
  }
  model.fitted_ = true;
  model.prior_ = prior;
  // P(pair shares a key | different people) = non-match candidates / pairs.
  const double non_matches = std::max(unlabelled * (1 - prior), 1.0);
  model.offset_ = std::log2(std::max(pairs_searched, unlabelled) / non_matches);
  return model;
}

double PatternModel::GroupWeight(const Group& g, uint32_t x) const {
  if (auto it = g.weight.find(x); it != g.weight.end()) return it->second;
  // A value never seen in fitting: the best value it contains.
  double best = 0;
  bool any = false;
  for (const auto& [y, w] : g.weight) {
    if ((y & ~x) == 0 && (!any || w > best)) {
      best = w;
      any = true;
    }
  }
  return best;
}

double PatternModel::Score(uint32_t pattern) const {
  double bits = offset_;
  for (const Group& g : groups_) bits += GroupWeight(g, pattern & g.mask);
  return bits;
}

double PatternModel::MatchLog2(uint32_t pattern) const {
  double bits = 0;
  for (const Group& g : groups_) {
    const uint32_t x = pattern & g.mask;
    if (x == 0) continue;
    double pm = 0;
    if (auto it = g.probability.find(x); it != g.probability.end()) {
      pm = it->second.first;
    } else {
      int best_size = -1;
      for (const auto& [y, p] : g.probability) {
        const int size = std::popcount(y);
        if (y != 0 && (y & ~x) == 0 && (size > best_size || (size == best_size && p.first > pm))) {
          best_size = size;
          pm = p.first;
        }
      }
      if (best_size < 0) pm = 1e-3;  // nothing of it seen: a small m
    }
    bits += std::log2(pm);
  }
  return bits;
}

std::string PatternModel::Describe() const {
  std::string out = absl::StrFormat(
      "  pattern model: match share of candidates %.4f, offset %.1f bits\n", prior_, offset_);
  for (const Group& g : groups_) {
    absl::StrAppendFormat(&out, "  group %s:\n", keyspec::PatternNames(g.mask));
    std::vector<uint32_t> values;
    for (const auto& [x, p] : g.probability) values.push_back(x);
    std::sort(values.begin(), values.end());
    for (uint32_t x : values) {
      const auto& [pm, pu] = g.probability.at(x);
      absl::StrAppendFormat(&out, "    %-42s P(x|match)=%.3f P(x|other)=%.3f weight=%.1f bits\n",
                            keyspec::PatternNames(x), pm, pu, g.weight.at(x));
    }
  }
  return out;
}

}  // namespace fedlink::match
