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
  std::vector<uint32_t> wanted(prefixes.begin(), prefixes.end());
  std::sort(wanted.begin(), wanted.end());
  wanted.erase(std::unique(wanted.begin(), wanted.end()), wanted.end());
  if (!wanted.empty() && bits < 32 && wanted.back() >> bits != 0) {
    return absl::InvalidArgumentError(absl::StrCat("a prefix does not fit in ", bits, " bits"));
  }
  std::vector<uint32_t> count(wanted.size(), 0), last(wanted.size(), UINT32_MAX);
  // Each chosen slot with only its entries in the wanted buckets: the
  // requester's tags can hit no other (and it learns none of them).
  std::vector<Slot> chosen;
  for (uint32_t s = 0; s < table.slots.size(); ++s) {
    const Slot& slot = table.slots[s];
    std::string entries;
    for (size_t i = 0; i < slot.key_count(); ++i) {
      const uint32_t p = TagPrefix(EntryTag(slot, i), bits);
      const auto it = std::lower_bound(wanted.begin(), wanted.end(), p);
      if (it == wanted.end() || *it != p) continue;
      const size_t w = static_cast<size_t>(it - wanted.begin());
      if (last[w] != s) {
        last[w] = s;
        ++count[w];
      }
      entries.append(slot.entries, i * kEntrySize, kEntrySize);
    }
    if (!entries.empty()) chosen.push_back({slot.id, std::move(entries), slot.sealed_payload});
  }
  for (size_t w = 0; w < wanted.size(); ++w) {
    if (count[w] < min_records) {
      return absl::FailedPreconditionError(absl::StrCat("a requested bucket holds ", count[w],
                                                        " records, fewer than the ", min_records,
                                                        " a bucket must: not served"));
    }
  }
  out->table_id = table.table_id;
  out->t = table.t;
  out->min_score = table.min_score;
  out->notify_owner = table.notify_owner;
  out->keyspec = table.keyspec;
  out->version = table.version;
  out->as_of = table.as_of;
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
