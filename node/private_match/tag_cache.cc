#include "node/private_match/tag_cache.h"

#include <sodium.h>

#include <algorithm>
#include <cstring>

namespace fedlink::private_match {

TagCache::TagCache() { randombytes_buf(hash_key_.data(), hash_key_.size()); }

uint64_t TagCache::KeyHash(const match::keyspec::Key& key) const {
  std::string input;
  input.reserve(key.bytes.size() + 1);
  input.push_back(static_cast<char>(key.type));
  input.append(key.bytes);
  unsigned char out[crypto_shorthash_BYTES];
  crypto_shorthash(out, reinterpret_cast<const unsigned char*>(input.data()), input.size(),
                   hash_key_.data());
  uint64_t h;
  std::memcpy(&h, out, sizeof h);
  return h;
}

std::vector<size_t> TagCache::Fill(absl::string_view purpose, absl::string_view table_id,
                                   absl::Span<const std::string> ids,
                                   absl::Span<SourceRecord> records) {
  std::vector<size_t> missing;
  absl::MutexLock lock(&mu_);
  auto it = by_purpose_.find(purpose);
  const PerTable* cached =
      it != by_purpose_.end() && it->second.table_id == table_id ? &it->second : nullptr;
  for (size_t i = 0; i < records.size(); ++i) {
    SourceRecord& r = records[i];
    r.tags.clear();
    if (cached == nullptr) {
      missing.push_back(i);
      continue;
    }
    const auto found = cached->by_record.find(ids[i]);
    if (found == cached->by_record.end()) {
      missing.push_back(i);
      continue;
    }
    const std::vector<Entry>& entries = found->second;
    const size_t n = std::min(r.keys.size(), kMaxKeysPerRecord);
    r.tags.resize(n);
    for (size_t k = 0; k < n; ++k) {
      const uint64_t h = KeyHash(r.keys[k]);
      auto e = std::find_if(entries.begin(), entries.end(),
                            [h](const Entry& entry) { return entry.key == h; });
      if (e == entries.end()) {
        r.tags.clear();
        break;
      }
      r.tags[k] = e->tm;
    }
    if (r.tags.empty() && n > 0) missing.push_back(i);
  }
  return missing;
}

void TagCache::Store(absl::string_view purpose, absl::string_view table_id,
                     absl::Span<const std::string> ids, absl::Span<const SourceRecord> records,
                     absl::Span<const size_t> which) {
  absl::MutexLock lock(&mu_);
  PerTable& cached = by_purpose_[purpose];
  if (cached.table_id != table_id) {
    cached.by_record.clear();
    cached.table_id = std::string(table_id);
  }
  for (size_t i : which) {
    const SourceRecord& r = records[i];
    if (r.tags.empty()) continue;
    // Only the record's current keys: a changed record's old ones go.
    std::vector<Entry>& entries = cached.by_record[ids[i]];
    entries.clear();
    for (size_t k = 0; k < r.tags.size(); ++k) entries.push_back({KeyHash(r.keys[k]), r.tags[k]});
  }
}

size_t TagCache::records() const {
  absl::MutexLock lock(&mu_);
  size_t n = 0;
  for (const auto& [purpose, cached] : by_purpose_) n += cached.by_record.size();
  return n;
}

}  // namespace fedlink::private_match
