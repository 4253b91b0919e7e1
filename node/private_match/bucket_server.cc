#include "node/private_match/bucket_server.h"

#include "absl/strings/str_cat.h"
#include "node/common/status_macros.h"
#include "node/private_match/table_delta.h"
#include "node/private_match/tag_table.h"

namespace fedlink::private_match {

absl::StatusOr<const BucketServer::Held*> BucketServer::TableOf(const PeerIdentity& peer,
                                                                absl::string_view purpose,
                                                                uint32_t min_records) {
  ASSIGN_OR_RETURN(const int64_t generation, responder_->keyring().Generation());
  const std::string current =
      TableId(responder_->node_id(), purpose, responder_->Epoch(), generation);
  const absl::Time now = responder_->clock()->Now();
  std::unique_ptr<Held>& slot = held_[absl::StrCat(peer.node_id, "\n", purpose)];
  if (slot == nullptr) slot = std::make_unique<Held>();
  Held& held = *slot;
  held.used = now;
  if (held.table.table_id == current && held.min_records == min_records &&
      now - held.built < kBucketTableMaxAge && now >= held.built) {
    return &held;
  }
  const HeldTable have{held.table.table_id, held.table.version, held.table.as_of};
  ASSIGN_OR_RETURN(
      TableUpdate update,
      responder_->UpdateFor(peer, purpose, held.table.table_id.empty() ? nullptr : &have));
  if (update.delta) {
    RETURN_IF_ERROR(ApplyUpdate(std::move(update), &held.table));
  } else {
    held.table = std::move(update.table);
  }
  held.min_records = min_records;
  held.chosen = ChoosePrefixBits(held.table, min_records);
  held.index = held.chosen.ok() ? BucketIndex(held.table, *held.chosen) : BucketIndex();
  held.built = now;
  return &held;
}

void BucketServer::DropIdle(absl::Time now) {
  for (auto it = held_.begin(); it != held_.end();) {
    if (now - it->second->used > kBucketTableIdle || it->second->used > now) {
      held_.erase(it++);
    } else {
      ++it;
    }
  }
}

size_t BucketServer::held_tables() {
  absl::MutexLock lock(&mu_);
  return held_.size();
}

absl::StatusOr<Buckets> BucketServer::Serve(const PeerIdentity& peer, absl::string_view purpose,
                                            int prefix_bits, absl::Span<const uint32_t> prefixes) {
  {
    absl::MutexLock lock(&mu_);
    DropIdle(responder_->clock()->Now());
  }
  RETURN_IF_ERROR(responder_->RekeyIfConsentExpired());
  ASSIGN_OR_RETURN(const auto policy, responder_->policy().Current());
  const policy::Rule* rule = policy->Find({peer.node_id, peer.role}, purpose);
  if (rule == nullptr) {
    return absl::PermissionDeniedError(
        absl::StrCat("no policy rule lets ", peer.node_id, " look up for purpose '", purpose, "'"));
  }
  if (rule->min_bucket_records == 0) {
    return absl::PermissionDeniedError(
        absl::StrCat("policy rule '", rule->name,
                     "' does not allow bucket lookups (no bucket_lookup): fetch the whole table"));
  }
  if (prefixes.size() > kMaxBucketPrefixes) {
    return absl::ResourceExhaustedError(absl::StrCat("a bucket request of ", prefixes.size(),
                                                     " prefixes exceeds the limit of ",
                                                     kMaxBucketPrefixes));
  }
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(const Held* held, TableOf(peer, purpose, rule->min_bucket_records));
  RETURN_IF_ERROR(held->chosen.status());
  Buckets out;
  out.total_slots = held->table.slots.size();
  out.prefix_bits = *held->chosen;
  out.min_records = rule->min_bucket_records;
  if (prefix_bits == 0 && prefixes.empty()) {  // the probe: the header only
    out.table = HeaderOf(held->table);
    return out;
  }
  if (prefix_bits != out.prefix_bits) {
    return absl::FailedPreconditionError(absl::StrCat("this table is served in buckets of ",
                                                      out.prefix_bits, "-bit prefixes, not ",
                                                      prefix_bits));
  }
  // Select first (a malformed request, or a bucket too small, costs
  // nothing), then charge: one evaluation per prefix.
  const EvaluationCount counts[] = {{"bucket", prefixes.size()}};
  const DailyBudget budget{rule->daily_evaluate_budget, rule->daily_key_type_budget};
  RETURN_IF_ERROR(responder_->budget().Check(peer.node_id, purpose, counts, budget));
  RETURN_IF_ERROR(held->index.Select(prefixes, rule->min_bucket_records, &out.table));
  // An answer too large for one message would be charged and logged as
  // served, then fail to send: refused here instead, uncharged.
  size_t bytes = 0;
  for (const Slot& s : out.table.slots) bytes += 16 + s.entries.size() + s.sealed_payload.size();
  if (bytes > max_answer_bytes_) {
    return absl::ResourceExhaustedError(
        absl::StrCat("the ", prefixes.size(), " buckets asked for hold ", bytes,
                     " bytes of slots, more than one answer may carry (", max_answer_bytes_,
                     "): ask for fewer buckets at once"));
  }
  ASSIGN_OR_RETURN(out.budget_remaining,
                   responder_->budget().Charge(peer.node_id, purpose, counts, budget));
  return out;
}

}  // namespace fedlink::private_match
