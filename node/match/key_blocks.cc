#include "node/match/key_blocks.h"

#include <algorithm>
#include <atomic>
#include <thread>

#include "absl/container/flat_hash_map.h"
#include "absl/hash/hash.h"
#include "absl/strings/string_view.h"

namespace fedlink::match {

void KeyBlocks::Add(const KeySet& keys) {
  if (record_start_.empty()) record_start_.push_back(0);
  const uint32_t record = static_cast<uint32_t>(record_start_.size() - 1);
  // The bytes name the key type ("fedlink/keyspec/v1|phone|..."), so equal
  // digests mean one type.
  for (const keyspec::Key& k : keys) {
    entries_.push_back({absl::Hash<absl::string_view>{}(k.bytes), record, k.type});
  }
  record_start_.push_back(static_cast<uint32_t>(entries_.size()));
}

void KeyBlocks::Finish() {
  if (record_start_.empty()) record_start_.push_back(0);
  std::sort(entries_.begin(), entries_.end(), [](const Entry& x, const Entry& y) {
    return x.digest != y.digest ? x.digest < y.digest : x.record < y.record;
  });
  // Blocks in digest order; members in record order within each.
  members_.resize(entries_.size());
  record_blocks_.resize(entries_.size());
  std::vector<uint32_t> filled(record_start_.begin(), record_start_.end() - 1);
  for (size_t i = 0; i < entries_.size(); ++i) {
    if (i == 0 || entries_[i].digest != entries_[i - 1].digest) {
      block_start_.push_back(static_cast<uint32_t>(i));
      block_type_.push_back(entries_[i].type);
    }
    const uint32_t block = static_cast<uint32_t>(block_type_.size() - 1);
    members_[i] = entries_[i].record;
    record_blocks_[filled[entries_[i].record]++] = block;
  }
  block_start_.push_back(static_cast<uint32_t>(entries_.size()));
  entries_ = {};
  block_start_.shrink_to_fit();
  block_type_.shrink_to_fit();
}

std::vector<CandidatePair> FindDuplicateCandidates(const KeyBlocks& blocks,
                                                   const LinkOptions& options) {
  const size_t n = blocks.records();
  int threads = options.threads > 0
                    ? options.threads
                    : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  threads = std::max(1, std::min<int>(threads, static_cast<int>(n / 1000) + 1));
  std::vector<std::vector<CandidatePair>> per_thread(threads);
  std::vector<PatternHistogram> histograms(options.histogram != nullptr ? threads : 0);
  std::atomic<size_t> done{0};
  auto work = [&](int t) {
    absl::flat_hash_map<uint32_t, CandidatePair> seen;
    for (size_t j = t; j < n; j += threads) {
      seen.clear();
      for (uint32_t block : blocks.BlocksOf(j)) {
        absl::Span<const uint32_t> members = blocks.Members(block);
        if (members.size() > options.max_block) continue;
        const uint32_t bit = 1u << static_cast<int>(blocks.TypeOf(block));
        for (uint32_t i : members) {
          if (i >= j) break;  // members are in record order
          CandidatePair& c = seen[i];
          c.a = i;
          c.b = static_cast<uint32_t>(j);
          c.pattern |= bit;
          ++c.agreeing_keys;
        }
      }
      for (auto& [i, c] : seen) {
        if (options.histogram != nullptr) {
          histograms[t][c.pattern] += 1;
          if (keyspec::AgreeingGroups(c.pattern) < options.keep_from_groups) continue;
        }
        per_thread[t].push_back(c);
      }
      const size_t d = ++done;
      if (t == 0 && options.progress && (d % 1024 == 0)) options.progress(d, n);
    }
  };
  std::vector<std::thread> workers;
  for (int t = 1; t < threads; ++t) workers.emplace_back(work, t);
  work(0);
  for (auto& w : workers) w.join();
  if (options.progress) options.progress(n, n);
  for (const PatternHistogram& h : histograms) {
    for (const auto& [pattern, count] : h) (*options.histogram)[pattern] += count;
  }
  std::vector<CandidatePair> out;
  for (auto& v : per_thread) {
    out.insert(out.end(), v.begin(), v.end());
    v = {};
  }
  std::sort(out.begin(), out.end(), [](const CandidatePair& x, const CandidatePair& y) {
    return x.b != y.b ? x.b < y.b : x.a < y.a;
  });
  return out;
}

std::array<double, keyspec::kKeyTypeCount> KeyCollisions(const KeyBlocks& blocks) {
  std::array<double, keyspec::kKeyTypeCount> collisions{};
  for (uint32_t b = 0; b < blocks.blocks(); ++b) {
    const double c = static_cast<double>(blocks.Members(b).size());
    collisions[static_cast<int>(blocks.TypeOf(b))] += c * (c - 1);
  }
  return collisions;
}

}  // namespace fedlink::match
