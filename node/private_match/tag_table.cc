#include "node/private_match/tag_table.h"

#include <sodium.h>

#include <algorithm>
#include <cstring>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "crypto/aead.h"
#include "crypto/oprf.h"
#include "crypto/shamir.h"
#include "node/common/status_macros.h"

namespace fedlink::private_match {
namespace {

std::string PayloadAd(absl::string_view table_id, uint64_t slot_id) {
  return absl::StrCat(table_id, "|", slot_id);
}

absl::StatusOr<std::unique_ptr<crypto::SealingKey>> PayloadKey(absl::string_view secret) {
  ASSIGN_OR_RETURN(auto bytes,
                   crypto::DeriveBytes(secret, "fedlink/payload/v1", crypto::kSealingKeySize));
  return crypto::SealingKey::FromBytes(bytes);
}

}  // namespace

int64_t EpochAt(absl::Time now, int days) {
  return absl::ToUnixSeconds(now) / (int64_t{86400} * std::max(days, 1));
}

std::string TableId(absl::string_view responder, absl::string_view purpose, int64_t epoch,
                    int64_t generation) {
  return absl::StrCat(TableIdPrefix(responder, purpose, epoch), generation, "|k2");
}

std::string TableIdPrefix(absl::string_view responder, absl::string_view purpose, int64_t epoch) {
  return absl::StrCat(responder, "|", purpose, "|", epoch, "|");
}

size_t Table::bytes() const {
  size_t n = 0;
  for (const Slot& s : slots) n += s.entries.size() + s.sealed_payload.size();
  return n;
}

Table HeaderOf(const Table& table) {
  Table out;
  CopyHeaderFields(table, &out);
  return out;
}

TagMask DeriveTagMask(const crypto::oprf::Output& y) {
  TagMask out;
  unsigned char tag[16], mask[16];
  crypto_generichash(tag, sizeof tag, reinterpret_cast<const unsigned char*>("fedlink/tag/v1"), 14,
                     y.data(), y.size());
  crypto_generichash(mask, sizeof mask, reinterpret_cast<const unsigned char*>("fedlink/mask/v1"),
                     15, y.data(), y.size());
  std::memcpy(&out.tag, tag, sizeof out.tag);
  std::memcpy(out.mask.data(), mask, kShareSize);
  return out;
}

bool CanOpen(const SourceRecord& record, int t) {
  const size_t n = std::min(record.keys.size(), kMaxKeysPerRecord);
  uint32_t pattern = 0;
  for (size_t i = 0; i < n; ++i) pattern |= 1u << static_cast<int>(record.keys[i].type);
  return match::keyspec::AgreeingGroups(pattern) >= t;
}

namespace {

// A record whose keys are to be evaluated into `tags`.
struct Work {
  const SourceRecord* record;
  std::vector<TagMask>* tags;
};

absl::StatusOr<size_t> EvaluateInto(
    absl::FunctionRef<const crypto::oprf::OprfKey&(int type)> key_of, absl::Span<const Work> work,
    int threads) {
  // One batch per key type: the OPRF evaluation (the cost) runs over every
  // core inside EvaluateBatch.
  constexpr int kTypes = match::keyspec::kKeyTypeCount;
  std::vector<std::string> inputs[kTypes];
  std::vector<uint32_t> position;   // of each key in its type's batch
  std::vector<size_t> first_input;  // per work item, into `position`
  for (const Work& w : work) {
    const SourceRecord& r = *w.record;
    const size_t n = std::min(r.keys.size(), kMaxKeysPerRecord);
    first_input.push_back(position.size());
    for (size_t i = 0; i < n; ++i) {
      std::vector<std::string>& batch = inputs[static_cast<int>(r.keys[i].type)];
      position.push_back(static_cast<uint32_t>(batch.size()));
      batch.push_back(r.keys[i].bytes);
    }
  }
  std::vector<crypto::oprf::Output> outputs_of[kTypes];
  for (int type = 0; type < kTypes; ++type) {
    if (inputs[type].empty()) continue;
    outputs_of[type].resize(inputs[type].size());
    RETURN_IF_ERROR(
        key_of(type).EvaluateBatch(inputs[type], absl::MakeSpan(outputs_of[type]), threads));
    std::vector<std::string>().swap(inputs[type]);
  }
  RETURN_IF_ERROR(crypto::oprf::ParallelFor(work.size(), threads, [&](size_t begin, size_t end) {
    for (size_t w = begin; w < end; ++w) {
      const SourceRecord& r = *work[w].record;
      const size_t n = std::min(r.keys.size(), kMaxKeysPerRecord);
      std::vector<TagMask>& tags = *work[w].tags;
      tags.resize(n);
      for (size_t i = 0; i < n; ++i) {
        const int type = static_cast<int>(r.keys[i].type);
        tags[i] = DeriveTagMask(outputs_of[type][position[first_input[w] + i]]);
      }
    }
    return absl::OkStatus();
  }));
  return position.size();
}

absl::StatusOr<Table> Build(absl::FunctionRef<const crypto::oprf::OprfKey&(int type)> key_of,
                            absl::string_view table_id, int t,
                            const std::vector<SourceRecord>& records, int threads) {
  if (t < 1 || t > match::keyspec::kKeyGroupCount) {
    return absl::InvalidArgumentError(
        absl::StrCat("t must be 1..", match::keyspec::kKeyGroupCount, " (key groups)"));
  }
  // Evaluate every key of every eligible record that does not carry its
  // tags already.
  std::vector<const SourceRecord*> eligible;
  for (const SourceRecord& r : records) {
    if (!CanOpen(r, t)) continue;
    if (!r.tags.empty() && r.tags.size() != std::min(r.keys.size(), kMaxKeysPerRecord)) {
      return absl::InvalidArgumentError("a record's tags do not match its keys");
    }
    eligible.push_back(&r);
  }
  std::vector<std::vector<TagMask>> evaluated(eligible.size());
  std::vector<Work> work;
  for (size_t r = 0; r < eligible.size(); ++r) {
    if (eligible[r]->tags.empty()) work.push_back({eligible[r], &evaluated[r]});
  }
  RETURN_IF_ERROR(EvaluateInto(key_of, work, threads).status());

  Table table;
  table.table_id = std::string(table_id);
  table.t = t;
  table.slots.resize(eligible.size());
  // Per record: a fresh secret, its Shamir split and the payload sealed
  // under it, over every core too.
  RETURN_IF_ERROR(crypto::oprf::ParallelFor(
      eligible.size(), threads, [&](size_t begin, size_t end) -> absl::Status {
        std::string secret(kShareSize, '\0');
        for (size_t r = begin; r < end; ++r) {
          const SourceRecord& record = *eligible[r];
          const std::vector<TagMask>& tags = record.tags.empty() ? evaluated[r] : record.tags;
          const size_t n = tags.size();
          randombytes_buf(secret.data(), secret.size());
          // One share per key group (x = group + 1): correlated keys (the
          // name keys, say) carry the same share, so t counts independent
          // evidence.
          ASSIGN_OR_RETURN(auto shares,
                           crypto::shamir::Split(secret, t, match::keyspec::kKeyGroupCount));
          Slot& slot = table.slots[r];
          slot.id = record.slot_id;
          slot.entries.resize(n * kEntrySize);
          for (size_t i = 0; i < n; ++i) {
            const TagMask& tm = tags[i];
            char* entry = slot.entries.data() + i * kEntrySize;
            std::memcpy(entry, &tm.tag, kTagSize);
            const crypto::shamir::Share& share =
                shares[static_cast<int>(match::keyspec::Info(record.keys[i].type).group)];
            for (size_t b = 0; b < kShareSize; ++b) {
              entry[kTagSize + b] = static_cast<char>(share.y[b] ^ tm.mask[b]);
            }
          }
          ASSIGN_OR_RETURN(auto payload_key, PayloadKey(secret));
          slot.sealed_payload = payload_key->Seal(record.payload, PayloadAd(table_id, slot.id));
        }
        sodium_memzero(secret.data(), secret.size());
        return absl::OkStatus();
      }));
  return table;
}

}  // namespace

absl::StatusOr<size_t> EvaluateTags(const TableKeys& keys, int t,
                                    absl::Span<SourceRecord* const> records, int threads) {
  for (const auto& key : keys) {
    if (key == nullptr) return absl::InvalidArgumentError("a table needs a key per key type");
  }
  std::vector<Work> work;
  for (SourceRecord* r : records) {
    if (r->tags.empty() && CanOpen(*r, t)) work.push_back({r, &r->tags});
  }
  return EvaluateInto([&keys](int type) -> const crypto::oprf::OprfKey& { return *keys[type]; },
                      work, threads);
}

absl::StatusOr<Table> BuildTable(const TableKeys& keys, absl::string_view table_id, int t,
                                 const std::vector<SourceRecord>& records, int threads) {
  for (const auto& key : keys) {
    if (key == nullptr) return absl::InvalidArgumentError("a table needs a key per key type");
  }
  return Build([&keys](int type) -> const crypto::oprf::OprfKey& { return *keys[type]; }, table_id,
               t, records, threads);
}

absl::StatusOr<Table> BuildTable(const crypto::oprf::OprfKey& key, absl::string_view table_id,
                                 int t, const std::vector<SourceRecord>& records, int threads) {
  return Build([&key](int) -> const crypto::oprf::OprfKey& { return key; }, table_id, t, records,
               threads);
}

absl::StatusOr<TableIndex> TableIndex::Build(Table table) {
  TableIndex index;
  if (table.t < 1) return absl::InvalidArgumentError("table t must be at least 1");
  size_t entry_bytes = 0, payload_bytes = 0;
  absl::flat_hash_set<uint64_t> ids;
  ids.reserve(table.slots.size());
  for (uint32_t s = 0; s < table.slots.size(); ++s) {
    const Slot& slot = table.slots[s];
    if (!ids.insert(slot.id).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("table slot ", s, " repeats the id of an earlier slot"));
    }
    if (slot.entries.empty() || slot.entries.size() % kEntrySize != 0 ||
        slot.key_count() > kMaxKeysPerRecord) {
      return absl::InvalidArgumentError(absl::StrCat("table slot ", s, " is malformed"));
    }
    if (slot.sealed_payload.size() < crypto::kSealOverhead) {
      return absl::InvalidArgumentError(absl::StrCat("table slot ", s, " has no payload"));
    }
    entry_bytes += slot.entries.size();
    payload_bytes += slot.sealed_payload.size();
  }
  if (entry_bytes / kEntrySize >= UINT32_MAX || payload_bytes >= UINT32_MAX) {
    return absl::InvalidArgumentError("table is too large");
  }
  index.table_id_ = std::move(table.table_id);
  index.t_ = table.t;
  index.min_score_ = table.min_score;
  index.notify_owner_ = table.notify_owner;
  index.keyspec_ = table.keyspec;
  index.entries_.reserve(entry_bytes);
  index.payloads_.reserve(payload_bytes);
  index.slot_entries_.reserve(table.slots.size() + 1);
  index.slot_payload_.reserve(table.slots.size() + 1);
  index.slot_ids_.reserve(table.slots.size());
  for (Slot& slot : table.slots) {
    index.slot_ids_.push_back(slot.id);
    index.slot_entries_.push_back(static_cast<uint32_t>(index.entries_.size() / kEntrySize));
    index.slot_payload_.push_back(static_cast<uint32_t>(index.payloads_.size()));
    index.entries_ += slot.entries;
    index.payloads_ += slot.sealed_payload;
    std::string().swap(slot.entries);  // free as we go
    std::string().swap(slot.sealed_payload);
  }
  index.slot_entries_.push_back(static_cast<uint32_t>(index.entries_.size() / kEntrySize));
  index.slot_payload_.push_back(static_cast<uint32_t>(index.payloads_.size()));
  index.order_.resize(index.entries_.size() / kEntrySize);
  for (uint32_t e = 0; e < index.order_.size(); ++e) index.order_[e] = e;
  std::sort(index.order_.begin(), index.order_.end(),
            [&index](uint32_t a, uint32_t b) { return index.TagOf(a) < index.TagOf(b); });
  return index;
}

uint64_t TableIndex::TagOf(uint32_t entry) const {
  uint64_t tag;
  std::memcpy(&tag, entries_.data() + size_t{entry} * kEntrySize, kTagSize);
  return tag;
}

void TableIndex::Find(uint64_t tag, std::vector<Hit>* hits) const {
  hits->clear();
  auto it = std::lower_bound(order_.begin(), order_.end(), tag,
                             [this](uint32_t e, uint64_t t) { return TagOf(e) < t; });
  for (; it != order_.end() && TagOf(*it) == tag; ++it) {
    // The slot holding entry *it: the last slot starting at or before it.
    const auto next = std::upper_bound(slot_entries_.begin(), slot_entries_.end(), *it);
    const uint32_t slot = static_cast<uint32_t>(next - slot_entries_.begin() - 1);
    hits->push_back({slot, static_cast<uint8_t>(*it - slot_entries_[slot])});
  }
}

const char* TableIndex::MaskedShare(const Hit& hit) const {
  return entries_.data() + (size_t{slot_entries_[hit.slot]} + hit.position) * kEntrySize + kTagSize;
}

absl::string_view TableIndex::SealedPayload(uint32_t slot) const {
  return absl::string_view(payloads_).substr(slot_payload_[slot],
                                             slot_payload_[slot + 1] - slot_payload_[slot]);
}

size_t TableIndex::memory_bytes() const {
  return entries_.capacity() + payloads_.capacity() + table_id_.capacity() +
         (slot_entries_.capacity() + slot_payload_.capacity() + order_.capacity()) *
             sizeof(uint32_t) +
         slot_ids_.capacity() * sizeof(uint64_t);
}

std::vector<Reveal> MatchRecord(const TableIndex& index, absl::Span<const match::keyspec::Key> keys,
                                absl::Span<const crypto::oprf::Output> outputs,
                                std::vector<uint32_t>* hit_patterns) {
  struct Collected {
    std::vector<crypto::shamir::Share> shares;
    uint32_t pattern = 0;
  };
  absl::flat_hash_map<uint32_t, Collected> by_slot;
  std::vector<TableIndex::Hit> hits;
  for (size_t k = 0; k < keys.size() && k < outputs.size(); ++k) {
    const TagMask tm = DeriveTagMask(outputs[k]);
    index.Find(tm.tag, &hits);
    for (const TableIndex::Hit& hit : hits) {
      Collected& c = by_slot[hit.slot];
      // The share's x is the key group of the key that hit (the same key
      // type on both sides, since the type is part of the OPRF input).
      const uint8_t x = static_cast<uint8_t>(match::keyspec::Info(keys[k].type).group) + 1;
      if (std::any_of(c.shares.begin(), c.shares.end(),
                      [x](const crypto::shamir::Share& s) { return s.x == x; })) {
        continue;
      }
      crypto::shamir::Share share{x, std::string(kShareSize, '\0')};
      const char* entry = index.MaskedShare(hit);
      for (size_t b = 0; b < kShareSize; ++b) {
        share.y[b] = static_cast<char>(static_cast<uint8_t>(entry[b]) ^ tm.mask[b]);
      }
      c.shares.push_back(std::move(share));
      c.pattern |= 1u << static_cast<int>(keys[k].type);
    }
  }
  std::vector<Reveal> out;
  const int t = index.t();
  for (auto& [slot_number, c] : by_slot) {
    if (hit_patterns != nullptr) hit_patterns->push_back(c.pattern);
    if (static_cast<int>(c.shares.size()) < t) continue;  // fewer than t open nothing
    std::vector<crypto::shamir::Share> first(c.shares.begin(), c.shares.begin() + t);
    auto secret = crypto::shamir::Combine(first);
    if (!secret.ok()) continue;
    auto key = PayloadKey(*secret);
    if (!key.ok()) continue;
    auto payload = (*key)->Open(index.SealedPayload(slot_number),
                                PayloadAd(index.table_id(), index.SlotId(slot_number)));
    if (!payload.ok()) continue;  // a colliding tag gave a wrong share
    out.push_back({slot_number, *std::move(payload), c.pattern, static_cast<int>(c.shares.size())});
  }
  std::sort(out.begin(), out.end(),
            [](const Reveal& a, const Reveal& b) { return a.slot < b.slot; });
  return out;
}

}  // namespace fedlink::private_match
