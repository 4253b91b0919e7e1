#include "node/private_match/bucket_lookup.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace fedlink::private_match {

uint32_t TagPrefix(uint64_t tag, int bits) {
  if (bits <= 0) return 0;
  unsigned char b[kTagSize];
  std::memcpy(b, &tag, kTagSize);
  const uint32_t first =
      (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | uint32_t{b[3]};
  return first >> (32 - std::min(bits, 32));
}

namespace {

uint64_t EntryTag(const Slot& slot, size_t i) {
  uint64_t tag;
  std::memcpy(&tag, slot.entries.data() + i * kEntrySize, kTagSize);
  return tag;
}

// The fewest distinct slots in any of the 2^bits buckets.
uint32_t SmallestBucket(const Table& table, int bits) {
  const size_t n = size_t{1} << bits;
  std::vector<uint32_t> count(n, 0), last(n, UINT32_MAX);
  for (uint32_t s = 0; s < table.slots.size(); ++s) {
    const Slot& slot = table.slots[s];
    for (size_t i = 0; i < slot.key_count(); ++i) {
      const uint32_t p = TagPrefix(EntryTag(slot, i), bits);
      if (last[p] != s) {
        last[p] = s;
        ++count[p];
      }
    }
  }
  return *std::min_element(count.begin(), count.end());
}

}  // namespace

absl::StatusOr<int> ChoosePrefixBits(const Table& table, uint32_t min_records) {
  const size_t slots = table.slots.size();
  if (min_records == 0 || slots < min_records) {
    return absl::FailedPreconditionError(
        absl::StrCat("the table holds fewer records than a bucket must (", min_records,
                     "): it is not served in buckets"));
  }
  size_t entries = 0;
  for (const Slot& s : table.slots) entries += s.key_count();
  // 2^b buckets of at least min_records slots each need 2^b * min <= entries.
  int bits = 0;
  while (bits < kMaxPrefixBits && (entries >> (bits + 1)) >= min_records) ++bits;
  for (; bits > 0; --bits) {
    if (SmallestBucket(table, bits) >= min_records) return bits;
  }
  return 0;  // one bucket: the whole table, which holds enough
}

absl::Status SelectBuckets(const Table& table, int bits, absl::Span<const uint32_t> prefixes,
                           uint32_t min_records, Table* out) {
  if (bits < 0 || bits > kMaxPrefixBits) {
    return absl::InvalidArgumentError(absl::StrCat("prefix length ", bits, " is out of range"));
  }
  return BucketIndex(table, bits).Select(prefixes, min_records, out);
}

BucketIndex::BucketIndex(const Table& table, int bits)
    : table_(&table), bits_(std::clamp(bits, 0, kMaxPrefixBits)) {
  const size_t buckets = size_t{1} << bits_;
  first_.assign(buckets + 1, 0);
  for (const Slot& slot : table.slots) {
    for (size_t i = 0; i < slot.key_count(); ++i) ++first_[TagPrefix(EntryTag(slot, i), bits_) + 1];
  }
  for (size_t b = 0; b < buckets; ++b) first_[b + 1] += first_[b];
  slot_.resize(first_[buckets]);
  position_.resize(first_[buckets]);
  std::vector<uint32_t> next(first_.begin(), first_.end() - 1);
  for (uint32_t s = 0; s < table.slots.size(); ++s) {
    const Slot& slot = table.slots[s];
    for (size_t i = 0; i < slot.key_count(); ++i) {
      const uint32_t item = next[TagPrefix(EntryTag(slot, i), bits_)]++;
      slot_[item] = s;
      position_[item] = static_cast<uint8_t>(i);
    }
  }
}

absl::Status BucketIndex::Select(absl::Span<const uint32_t> prefixes, uint32_t min_records,
                                 Table* out) const {
  std::vector<uint32_t> wanted(prefixes.begin(), prefixes.end());
  std::sort(wanted.begin(), wanted.end());
  wanted.erase(std::unique(wanted.begin(), wanted.end()), wanted.end());
  if (!wanted.empty() && wanted.back() >> bits_ != 0) {
    return absl::InvalidArgumentError(absl::StrCat("a prefix does not fit in ", bits_, " bits"));
  }
  // (slot, position) of every entry in the wanted buckets; a bucket's
  // items are in slot order, so its distinct slots count in one pass.
  std::vector<std::pair<uint32_t, uint8_t>> items;
  for (uint32_t p : wanted) {
    uint32_t distinct = 0;
    for (uint32_t item = first_[p]; item < first_[p + 1]; ++item) {
      if (item == first_[p] || slot_[item] != slot_[item - 1]) ++distinct;
      items.emplace_back(slot_[item], position_[item]);
    }
    if (distinct < min_records) {
      return absl::FailedPreconditionError(absl::StrCat("a requested bucket holds ", distinct,
                                                        " records, fewer than the ", min_records,
                                                        " a bucket must: not served"));
    }
  }
  std::sort(items.begin(), items.end());
  // Each chosen slot with only its entries in the wanted buckets: the
  // requester's tags can hit no other (and it learns none of them).
  std::vector<Slot> chosen;
  for (size_t i = 0; i < items.size(); ++i) {
    const Slot& slot = table_->slots[items[i].first];
    if (i == 0 || items[i].first != items[i - 1].first) {
      chosen.push_back({slot.id, {}, slot.sealed_payload});
    }
    chosen.back().entries.append(slot.entries, size_t{items[i].second} * kEntrySize, kEntrySize);
  }
  *out = HeaderOf(*table_);
  out->slots = std::move(chosen);
  return absl::OkStatus();
}

std::vector<uint32_t> PrefixesOf(absl::Span<const uint64_t> tags, int bits) {
  std::vector<uint32_t> out;
  out.reserve(tags.size());
  for (uint64_t t : tags) out.push_back(TagPrefix(t, bits));
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace fedlink::private_match
