#include "node/private_match/tag_table.h"

#include <sodium.h>

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "crypto/aead.h"
#include "crypto/shamir.h"

namespace fedlink::private_match {
namespace {

std::string PayloadAd(absl::string_view table_id, uint32_t slot) {
  return absl::StrCat(table_id, "|", slot);
}

absl::StatusOr<std::unique_ptr<SealingKey>> PayloadKey(
    absl::string_view secret) {
  auto bytes = DeriveBytes(secret, "fedlink/payload/v1", kSealingKeySize);
  if (!bytes.ok()) return bytes.status();
  return SealingKey::FromBytes(*bytes);
}

}  // namespace

int64_t EpochAt(absl::Time now) {
  return absl::ToUnixSeconds(now) / absl::ToInt64Seconds(kEpochLength);
}

std::string TableId(absl::string_view responder, absl::string_view purpose,
                    int64_t epoch) {
  return absl::StrCat(responder, "|", purpose, "|", epoch);
}

size_t Table::bytes() const {
  size_t n = 0;
  for (const Slot& s : slots) n += s.entries.size() + s.sealed_payload.size();
  return n;
}

TagMask DeriveTagMask(const oprf::Output& y) {
  TagMask out;
  unsigned char tag[16], mask[16];
  crypto_generichash(tag, sizeof tag,
                     reinterpret_cast<const unsigned char*>("fedlink/tag/v1"),
                     14, y.data(), y.size());
  crypto_generichash(mask, sizeof mask,
                     reinterpret_cast<const unsigned char*>("fedlink/mask/v1"),
                     15, y.data(), y.size());
  std::memcpy(&out.tag, tag, sizeof out.tag);
  std::memcpy(out.mask.data(), mask, kShareSize);
  return out;
}

absl::StatusOr<Table> BuildTable(const oprf::OprfKey& key,
                                 absl::string_view table_id, int t,
                                 const std::vector<SourceRecord>& records,
                                 int threads) {
  if (t < 1 || t > static_cast<int>(kMaxKeysPerRecord)) {
    return absl::InvalidArgumentError("t must be 1..64");
  }
  // Evaluate every key of every eligible record in one batch.
  std::vector<std::string> inputs;
  std::vector<size_t> first_input;  // per eligible record
  std::vector<const SourceRecord*> eligible;
  for (const SourceRecord& r : records) {
    const size_t n = std::min(r.keys.size(), kMaxKeysPerRecord);
    if (static_cast<int>(n) < t) continue;
    eligible.push_back(&r);
    first_input.push_back(inputs.size());
    for (size_t i = 0; i < n; ++i) inputs.push_back(r.keys[i].bytes);
  }
  std::vector<oprf::Output> outputs(inputs.size());
  if (auto s = key.EvaluateBatch(inputs, absl::MakeSpan(outputs), threads);
      !s.ok())
    return s;

  Table table;
  table.table_id = std::string(table_id);
  table.t = t;
  table.slots.resize(eligible.size());
  std::string secret(kShareSize, '\0');
  for (size_t r = 0; r < eligible.size(); ++r) {
    const size_t n = std::min(eligible[r]->keys.size(), kMaxKeysPerRecord);
    randombytes_buf(secret.data(), secret.size());
    auto shares = shamir::Split(secret, t, static_cast<int>(n));
    if (!shares.ok()) return shares.status();
    Slot& slot = table.slots[r];
    slot.entries.resize(n * kEntrySize);
    for (size_t i = 0; i < n; ++i) {
      const TagMask tm = DeriveTagMask(outputs[first_input[r] + i]);
      char* entry = slot.entries.data() + i * kEntrySize;
      std::memcpy(entry, &tm.tag, kTagSize);
      for (size_t b = 0; b < kShareSize; ++b) {
        entry[kTagSize + b] = static_cast<char>((*shares)[i].y[b] ^ tm.mask[b]);
      }
    }
    auto payload_key = PayloadKey(secret);
    if (!payload_key.ok()) return payload_key.status();
    slot.sealed_payload =
        (*payload_key)
            ->Seal(eligible[r]->payload,
                   PayloadAd(table_id, static_cast<uint32_t>(r)));
  }
  sodium_memzero(secret.data(), secret.size());
  return table;
}

absl::StatusOr<TableIndex> TableIndex::Build(Table table) {
  TableIndex index;
  if (table.t < 1)
    return absl::InvalidArgumentError("table t must be at least 1");
  for (uint32_t s = 0; s < table.slots.size(); ++s) {
    const Slot& slot = table.slots[s];
    if (slot.entries.empty() || slot.entries.size() % kEntrySize != 0 ||
        slot.key_count() > kMaxKeysPerRecord) {
      return absl::InvalidArgumentError(
          absl::StrCat("table slot ", s, " is malformed"));
    }
    if (slot.sealed_payload.size() < kSealOverhead) {
      return absl::InvalidArgumentError(
          absl::StrCat("table slot ", s, " has no payload"));
    }
    for (uint8_t i = 0; i < slot.key_count(); ++i) {
      uint64_t tag;
      std::memcpy(&tag, slot.entries.data() + i * kEntrySize, kTagSize);
      index.by_tag_.push_back({tag, s, i});
    }
  }
  std::sort(index.by_tag_.begin(), index.by_tag_.end(),
            [](const Hit& a, const Hit& b) { return a.tag < b.tag; });
  index.table_ = std::move(table);
  return index;
}

absl::Span<const TableIndex::Hit> TableIndex::Find(uint64_t tag) const {
  auto lo = std::lower_bound(
      by_tag_.begin(), by_tag_.end(), tag,
      [](const Hit& h, uint64_t t) { return h.tag < t; });
  auto hi = lo;
  while (hi != by_tag_.end() && hi->tag == tag) ++hi;
  return absl::MakeConstSpan(by_tag_.data() + (lo - by_tag_.begin()),
                             static_cast<size_t>(hi - lo));
}

size_t TableIndex::memory_bytes() const {
  size_t n = by_tag_.capacity() * sizeof(Hit) +
             table_.slots.capacity() * sizeof(Slot);
  for (const Slot& s : table_.slots) {
    // Short payloads live inside the string object (SSO).
    if (s.entries.capacity() > 15) n += s.entries.capacity() + 1;
    if (s.sealed_payload.capacity() > 15) n += s.sealed_payload.capacity() + 1;
  }
  return n;
}

std::vector<Reveal> MatchRecord(const TableIndex& index,
                                absl::Span<const keyspec::Key> keys,
                                absl::Span<const oprf::Output> outputs,
                                std::vector<uint32_t>* hit_patterns) {
  struct Collected {
    std::vector<shamir::Share> shares;
    uint32_t pattern = 0;
  };
  absl::flat_hash_map<uint32_t, Collected> by_slot;
  for (size_t k = 0; k < keys.size() && k < outputs.size(); ++k) {
    const TagMask tm = DeriveTagMask(outputs[k]);
    for (const TableIndex::Hit& hit : index.Find(tm.tag)) {
      const Slot& slot = index.table().slots[hit.slot];
      Collected& c = by_slot[hit.slot];
      const uint8_t x = hit.position + 1;
      if (std::any_of(c.shares.begin(), c.shares.end(),
                      [x](const shamir::Share& s) { return s.x == x; })) {
        continue;
      }
      shamir::Share share{x, std::string(kShareSize, '\0')};
      const char* entry =
          slot.entries.data() + hit.position * kEntrySize + kTagSize;
      for (size_t b = 0; b < kShareSize; ++b) {
        share.y[b] =
            static_cast<char>(static_cast<uint8_t>(entry[b]) ^ tm.mask[b]);
      }
      c.shares.push_back(std::move(share));
      c.pattern |= 1u << static_cast<int>(keys[k].type);
    }
  }
  std::vector<Reveal> out;
  const int t = index.table().t;
  for (auto& [slot_number, c] : by_slot) {
    if (hit_patterns != nullptr) hit_patterns->push_back(c.pattern);
    if (static_cast<int>(c.shares.size()) < t)
      continue;  // fewer than t open nothing
    std::vector<shamir::Share> first(c.shares.begin(), c.shares.begin() + t);
    auto secret = shamir::Combine(first);
    if (!secret.ok()) continue;
    auto key = PayloadKey(*secret);
    if (!key.ok()) continue;
    auto payload = (*key)->Open(index.table().slots[slot_number].sealed_payload,
                                PayloadAd(index.table().table_id, slot_number));
    if (!payload.ok()) continue;  // a colliding tag gave a wrong share
    out.push_back({slot_number, *std::move(payload), c.pattern,
                   static_cast<int>(c.shares.size())});
  }
  std::sort(out.begin(), out.end(),
            [](const Reveal& a, const Reveal& b) { return a.slot < b.slot; });
  return out;
}

}  // namespace fedlink::private_match
