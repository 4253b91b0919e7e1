#include "node/match/scorer.h"

#include <algorithm>
#include <cmath>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_format.h"

namespace fedlink::match {

using keyspec::KeyType;
using keyspec::kKeyTypeCount;

namespace {
constexpr double kMinU = 1e-9;
}  // namespace

double DefaultThreshold(size_t table_size) {
  return kThresholdMargin + std::log2(static_cast<double>(std::max<size_t>(table_size, 2)));
}

Scorer::Scorer() {
  for (const auto& info : keyspec::Catalogue()) {
    m_[static_cast<int>(info.type)] = info.default_m;
    u_[static_cast<int>(info.type)] = info.default_u;
  }
}

double Scorer::Weight(KeyType t) const { return std::log2(m(t) / u(t)); }

double Scorer::Score(uint32_t pattern) const {
  if (scoring == Scoring::kPatterns && model_ != nullptr) return model_->Score(pattern);
  if (scoring == Scoring::kHybrid) return HybridScore(pattern);
  return IndependentScore(pattern);
}

double Scorer::HybridScore(uint32_t pattern) const {
  if (model_ == nullptr || !model_->fitted()) return IndependentScore(pattern);
  constexpr int kGroups = 16;
  std::array<double, kGroups> min_u{};
  std::array<bool, kGroups> seen{};
  for (int k = 0; k < kKeyTypeCount; ++k) {
    if (!(pattern & (1u << k))) continue;
    const auto type = static_cast<KeyType>(k);
    const int g = static_cast<int>(keyspec::Info(type).group);
    if (!seen[g] || u(type) < min_u[g]) min_u[g] = u(type);
    seen[g] = true;
  }
  double s = model_->MatchLog2(pattern);
  for (int g = 0; g < kGroups; ++g) {
    if (seen[g]) s -= std::log2(min_u[g]);
  }
  return s;
}

double Scorer::IndependentScore(uint32_t pattern) const {
  // Best weight per group of correlated key types, summed over groups: a
  // namesake born the same year agrees on three name keys that are nearly
  // one piece of evidence, not three.
  constexpr int kGroups = 16;
  std::array<double, kGroups> best{};
  std::array<bool, kGroups> seen{};
  for (int k = 0; k < kKeyTypeCount; ++k) {
    if (!(pattern & (1u << k))) continue;
    const auto type = static_cast<KeyType>(k);
    const int g = static_cast<int>(keyspec::Info(type).group);
    const double w = Weight(type);
    if (!seen[g] || w > best[g]) best[g] = w;
    seen[g] = true;
  }
  double s = 0;
  for (int g = 0; g < kGroups; ++g) {
    if (seen[g]) s += best[g];
  }
  return s;
}

void Scorer::EstimateU(const std::vector<KeySet>& a, const std::vector<KeySet>& b) {
  if (a.empty() || b.empty()) return;
  // u is the chance that two different people share a value. Collisions
  // within each file estimate it without counting the cross-file true
  // matches, which would inflate it when the overlap is large (a file rarely
  // holds the same person twice; dedup finds the ones it does).
  std::array<double, kKeyTypeCount> collisions{};
  double pairs = 0;
  auto count = [&](const std::vector<KeySet>& records) {
    std::array<absl::flat_hash_map<absl::string_view, double>, kKeyTypeCount> counts;
    for (const KeySet& keys : records) {
      for (const auto& k : keys) counts[static_cast<int>(k.type)][k.bytes] += 1;
    }
    for (int t = 0; t < kKeyTypeCount; ++t) {
      for (const auto& [value, c] : counts[t]) collisions[t] += c * (c - 1);
    }
    const double n = records.size();
    pairs += n * (n - 1);
  };
  count(a);
  if (&a != &b) count(b);
  SetU(collisions, pairs, static_cast<double>(a.size()) * b.size());
}

void Scorer::EstimateDedupU(const std::array<double, kKeyTypeCount>& collisions, size_t records) {
  if (records == 0) return;
  const double n = static_cast<double>(records);
  SetU(collisions, n * (n - 1), n * n);
}

void Scorer::SetU(const std::array<double, kKeyTypeCount>& collisions, double pairs,
                  double cross_pairs) {
  const double floor = std::max(kMinU, 1.0 / cross_pairs);
  for (int t = 0; t < kKeyTypeCount; ++t) {
    u_[t] = std::max(pairs > 0 ? collisions[t] / pairs : 0.0, floor);
  }
}

void Scorer::RefineM(const std::vector<uint32_t>& patterns, int iterations) {
  RefineM(CountPatterns(patterns), iterations);
}

void Scorer::RefineM(const PatternHistogram& histogram, int iterations) {
  if (histogram.empty()) return;
  // Two-class EM over candidate pairs with m and a candidate-level u both
  // free. Candidates are pairs that already share a key, so their u is far
  // above the random-pair u used for the weights; holding u at the
  // random-pair value lets frequent weak agreements (namesakes) drift into
  // the match class. The candidate u starts at the observed agreement rate.
  std::array<double, kKeyTypeCount> m = m_, cu{};
  double total = 0;
  for (const auto& [pattern, n] : histogram) {
    total += n;
    for (int k = 0; k < kKeyTypeCount; ++k) {
      if (pattern & (1u << k)) cu[k] += n;
    }
  }
  for (int k = 0; k < kKeyTypeCount; ++k) cu[k] = std::clamp(cu[k] / total, 1e-4, 0.99);
  double prior = 0.1;
  for (int it = 0; it < iterations; ++it) {
    std::array<double, kKeyTypeCount> agree_m{}, agree_u{};
    double total_g = 0;
    for (const auto& [pattern, n] : histogram) {
      double log_m = std::log(prior), log_u = std::log(1 - prior);
      for (int k = 0; k < kKeyTypeCount; ++k) {
        const bool a = pattern & (1u << k);
        log_m += std::log(a ? m[k] : 1 - m[k]);
        log_u += std::log(a ? cu[k] : 1 - cu[k]);
      }
      const double g = 1 / (1 + std::exp(log_u - log_m));
      total_g += g * n;
      for (int k = 0; k < kKeyTypeCount; ++k) {
        if (pattern & (1u << k)) {
          agree_m[k] += g * n;
          agree_u[k] += (1 - g) * n;
        }
      }
    }
    if (total_g <= 0 || total_g >= total) break;
    for (int k = 0; k < kKeyTypeCount; ++k) {
      m[k] = std::clamp(agree_m[k] / total_g, 0.01, 0.999);
      cu[k] = std::clamp(agree_u[k] / (total - total_g), 1e-6, 0.99);
    }
    prior = std::clamp(total_g / total, 1e-6, 1 - 1e-6);
  }
  m_ = m;
  match_prior_ = prior;
}

void Scorer::FitPatterns(const std::vector<uint32_t>& patterns, double pairs_searched,
                         const std::vector<LabelledPattern>& labelled) {
  FitPatterns(CountPatterns(patterns), pairs_searched, labelled);
}

void Scorer::FitPatterns(const PatternHistogram& histogram, double pairs_searched,
                         const std::vector<LabelledPattern>& labelled) {
  if (histogram.empty()) return;
  model_ = std::make_shared<const PatternModel>(PatternModel::Fit(
      histogram, pairs_searched,
      [this](uint32_t p) {
        return IndependentScore(p) >= threshold && keyspec::AgreeingGroups(p) >= min_agreeing_keys;
      },
      labelled));
}

std::string Scorer::Describe() const {
  std::string out;
  for (const auto& info : keyspec::Catalogue()) {
    absl::StrAppendFormat(&out, "  %-20s m=%.3f u=%.2e weight=%.1f bits\n", info.name, m(info.type),
                          u(info.type), Weight(info.type));
  }
  if (model_ != nullptr && scoring == Scoring::kPatterns) out += model_->Describe();
  return out;
}

}  // namespace fedlink::match
