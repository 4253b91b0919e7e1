#include "node/private_match/responder.h"

#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "fedlink/v1/match.pb.h"
#include "node/common/metrics.h"
#include "node/common/status_macros.h"
#include "node/match/keyspec.h"

namespace fedlink::private_match {

absl::StatusOr<std::unique_ptr<Responder>> Responder::Create(const common::NodePaths& paths,
                                                             const config::NodeConfig& config,
                                                             store::RecordStore* store,
                                                             common::Clock* clock,
                                                             const crypto::SealingKey* seed_key) {
  if (clock == nullptr) clock = common::Clock::Real();
  Parts parts;
  ASSIGN_OR_RETURN(parts.keyring, Keyring::Open(paths, seed_key));
  parts.policy = std::make_unique<LivePolicy>(
      paths, config.node_id, [paths, clock] { return Keyring::Rekey(paths, clock->Now()); });
  // The watermark first: on a node directory of an older fedlink it takes
  // its value from budget.db, whose migration then drops it.
  ASSIGN_OR_RETURN(parts.expiry, ConsentExpiryWatermark::Open(paths, clock));
  ASSIGN_OR_RETURN(parts.budget, EvaluationBudget::Open(paths, clock));
  return std::make_unique<Responder>(config, store, clock, std::move(parts));
}

Responder::Responder(const config::NodeConfig& config, store::RecordStore* store,
                     common::Clock* clock, Parts parts)
    : config_(config),
      store_(store),
      clock_(clock != nullptr ? clock : common::Clock::Real()),
      policy_(std::move(parts.policy)),
      keyring_(std::move(parts.keyring)),
      budget_(std::move(parts.budget)),
      expiry_(std::move(parts.expiry)) {}

void Responder::set_audit(audit::AuditLog* log) {
  audit_ = log;
  policy_->set_audit(log);
}

void Responder::LogEvent(absl::string_view event, const absl::Status& outcome, std::string detail) {
  if (audit_ == nullptr) return;
  audit::Event e;
  e.event = std::string(event);
  e.requester = config_.node_id;
  e.outcome = audit::OutcomeOf(outcome);
  e.detail = std::move(detail);
  (void)audit_->Append(e);
}

absl::Status Responder::RekeyIfConsentExpired() {
  const int64_t now = absl::ToUnixSeconds(clock_->Now());
  absl::MutexLock lock(&expiry_mu_);
  const int64_t since = expiry_->checked_until();
  if (now <= since) return absl::OkStatus();
  ASSIGN_OR_RETURN(const bool expired, store_->AnyConsentExpiresIn(since, now));
  expiry_->Advance(now);
  if (!expired) return absl::OkStatus();  // nothing to persist: the next check covers it
  // Like a withdrawal: every table cached before no longer opens the record.
  const absl::Status rekeyed = keyring_->Rekey(clock_->Now());
  LogEvent("keys.rotate", rekeyed, "a consent expired: every cached table is void");
  RETURN_IF_ERROR(rekeyed);
  return expiry_->Save();
}

absl::StatusOr<std::string> Responder::HandleFor(absl::string_view requester,
                                                 absl::string_view external_id) const {
  ASSIGN_OR_RETURN(const int64_t generation, keyring_->Generation());
  return keyring_->HandleFor(requester, {Epoch(), generation}, external_id);
}

absl::StatusOr<std::string> Responder::Resolve(absl::string_view requester,
                                               absl::string_view handle) {
  ASSIGN_OR_RETURN(const std::vector<KeyGeneration> keys,
                   keyring_->LiveGenerations(clock_->Now(), config_.epoch_days));
  const std::string requesters[] = {std::string(requester)};
  ASSIGN_OR_RETURN(Keyring::Resolved resolved, keyring_->Resolve(store_, requesters, keys, handle));
  return std::move(resolved.external_id);
}

int64_t Responder::Epoch() const { return EpochAt(clock_->Now(), config_.epoch_days); }

absl::StatusOr<Table> Responder::TableFor(const PeerIdentity& peer, absl::string_view purpose) {
  ASSIGN_OR_RETURN(TableUpdate update, UpdateFor(peer, purpose, nullptr));
  return std::move(update.table);
}

absl::StatusOr<TableUpdate> Responder::UpdateFor(const PeerIdentity& peer,
                                                 absl::string_view purpose, const HeldTable* held) {
  RETURN_IF_ERROR(RekeyIfConsentExpired());
  ASSIGN_OR_RETURN(const auto policy, policy_->Current());
  const int64_t epoch = Epoch();
  ASSIGN_OR_RETURN(const int64_t generation, keyring_->Generation());
  const absl::Time now = clock_->Now();
  TableUpdate update;
  Table& table = update.table;
  table.table_id = TableId(config_.node_id, purpose, epoch, generation);
  table.as_of = absl::ToUnixSeconds(now);
  table.keyspec = config_.keyspec;  // an empty table too: the peer checks it
  const policy::Rule* rule = policy->Find({peer.node_id, peer.role}, purpose);
  if (rule == nullptr) return update;  // deny by default: an empty table
  ASSIGN_OR_RETURN(const TableKeys keys, keyring_->KeysFor(purpose, epoch, generation));
  const int t = rule->min_agreeing_keys;
  // A delta only within the table id the peer holds, and never backwards
  // in time. (A consent that expired since re-keyed: another table id.)
  const bool want_delta =
      held != nullptr && held->table_id == table.table_id && held->as_of <= table.as_of;
  absl::flat_hash_set<std::string> changed;  // read before the first record
  // Whole: every record of the table. Delta: only those that changed (the
  // others are counted, with no handle, payload or slot id made for them).
  std::vector<SourceRecord> records;
  std::vector<std::string> ids;  // their external ids, for the tag cache
  size_t slots_after = 0;
  std::vector<uint64_t> removed;
  match::keyspec::Options options{config_.default_region,
                                  static_cast<match::keyspec::Version>(config_.keyspec)};
  auto version = store_->ForEachSince(
      want_delta ? held->version : 0, want_delta ? &changed : nullptr,
      [&](const record::Person& p) {
        const bool was_changed = changed.erase(p.external_id) > 0;
        bool in_table = false;
        if (policy->Decide(*rule, p, now).shared) {
          SourceRecord r;
          for (match::keyspec::Key& k : match::keyspec::DeriveKeys(p, options)) {
            if (rule->AllowsKeyType(match::keyspec::Info(k.type).name))
              r.keys.push_back(std::move(k));
          }
          in_table = CanOpen(r, t);
          if (in_table) ++slots_after;
          if (in_table && (!want_delta || was_changed)) {
            r.slot_id = keyring_->SlotId(table.table_id, peer.node_id, p.external_id);
            fedlink::v1::MatchPayload payload;
            payload.set_handle(
                keyring_->HandleFor(peer.node_id, {epoch, generation}, p.external_id));
            if (rule->payload != policy::Payload::kHandleOnly) {
              payload.set_role(std::string(record::RoleName(p.role)));
            }
            if (rule->payload == policy::Payload::kHandleRoleAndOfficer) {
              payload.set_officer(p.officer);
            }
            r.payload = payload.SerializeAsString();
            records.push_back(std::move(r));
            ids.push_back(p.external_id);
          }
        }
        if (!in_table && was_changed) {
          removed.push_back(keyring_->SlotId(table.table_id, peer.node_id, p.external_id));
        }
        return absl::OkStatus();
      });
  RETURN_IF_ERROR(version);
  for (const std::string& deleted : changed) {  // changed, and no longer stored
    removed.push_back(keyring_->SlotId(table.table_id, peer.node_id, deleted));
  }
  // A delta that is not much smaller than the table (removals are only 8
  // bytes each), or against a store that went backwards (restored from a
  // backup), is sent as the whole table: built by a second pass, as the
  // first kept only what changed.
  update.delta = want_delta && *version >= held->version && records.size() <= slots_after / 2 &&
                 removed.size() <= kMaxRemovedPerDelta;
  if (want_delta && !update.delta) return UpdateFor(peer, purpose, nullptr);
  // Build once, serve many: keys evaluated for an earlier peer's table (or
  // an earlier version of this one) under the same table id are reused.
  const std::vector<size_t> missing =
      tag_cache_.Fill(purpose, table.table_id, ids, absl::MakeSpan(records));
  std::vector<SourceRecord*> to_evaluate;
  to_evaluate.reserve(missing.size());
  for (size_t i : missing) to_evaluate.push_back(&records[i]);
  ASSIGN_OR_RETURN(const size_t evaluations, EvaluateTags(keys, t, to_evaluate));
  tag_cache_.Store(purpose, table.table_id, ids, records, missing);
  table_evaluations_ += evaluations;
  common::Metrics::Global().Add("fedlink_table_evaluations_total",
                                {{"purpose", std::string(purpose)}}, evaluations);
  ASSIGN_OR_RETURN(Table built, BuildTable(keys, table.table_id, t, records));
  common::Metrics::Global().Add(
      "fedlink_table_builds_total",
      {{"purpose", std::string(purpose)}, {"kind", update.delta ? "delta" : "whole"}});
  built.as_of = table.as_of;
  built.version = *version;
  built.min_score = rule->score_threshold;
  built.notify_owner = rule->notify_owner;
  built.keyspec = config_.keyspec;
  table = std::move(built);
  if (update.delta) {
    update.removed = std::move(removed);
    update.slots_after = slots_after;
  }
  return update;
}

absl::Status Responder::CheckAuthority(const PeerIdentity& peer, absl::string_view purpose,
                                       absl::string_view legal_basis, absl::string_view official) {
  ASSIGN_OR_RETURN(const auto policy, policy_->Current());
  const policy::Rule* rule = policy->Find({peer.node_id, peer.role}, purpose);
  if (rule == nullptr) return absl::OkStatus();
  return policy::CheckAuthority(*rule, legal_basis, official);
}

absl::StatusOr<std::string> Responder::AuthorizeContact(const PeerIdentity& peer,
                                                        absl::string_view purpose,
                                                        absl::string_view handle) {
  ASSIGN_OR_RETURN(const std::vector<std::string> ids,
                   AuthorizeHandles(peer, purpose, {std::string(handle)}));
  if (ids.front().empty()) {
    return absl::NotFoundError("no record shared with you for this purpose has that handle");
  }
  return ids.front();
}

absl::StatusOr<std::vector<std::string>> Responder::AuthorizeHandles(
    const PeerIdentity& peer, absl::string_view purpose, const std::vector<std::string>& handles) {
  std::vector<std::string> ids(handles.size());
  ASSIGN_OR_RETURN(const auto policy, policy_->Current());
  const policy::Rule* rule = policy->Find({peer.node_id, peer.role}, purpose);
  if (rule == nullptr || handles.empty()) return ids;
  const absl::Time now = clock_->Now();
  // Only handles issued to this peer, under a key generation still live.
  ASSIGN_OR_RETURN(const std::vector<KeyGeneration> keys,
                   keyring_->LiveGenerations(now, config_.epoch_days));
  const std::string requester[] = {peer.node_id};
  const HandleLookup lookup = keyring_->LookupFor(requester, keys, handles);
  if (lookup.empty()) return ids;
  std::vector<HandleLookup::Found> found;
  RETURN_IF_ERROR(store_->ForEach([&](const record::Person& p) {
    found.clear();
    lookup.Find(p.external_id, &found);
    if (found.empty() || !policy->Decide(*rule, p, now).shared) return absl::OkStatus();
    for (const HandleLookup::Found& f : found) ids[f.handle] = p.external_id;
    return absl::OkStatus();
  }));
  return ids;
}

absl::StatusOr<std::vector<crypto::oprf::Element>> Responder::Evaluate(
    const PeerIdentity& peer, absl::string_view purpose,
    absl::Span<const crypto::oprf::Element> blinded,
    absl::Span<const match::keyspec::KeyType> key_types, uint64_t* budget_remaining,
    std::string* table_id) {
  using match::keyspec::KeyType;
  if (key_types.size() != blinded.size()) {
    return absl::InvalidArgumentError(absl::StrCat("the batch names ", key_types.size(),
                                                   " key types for ", blinded.size(), " elements"));
  }
  std::vector<size_t> by_type[match::keyspec::kKeyTypeCount];
  for (size_t i = 0; i < key_types.size(); ++i) {
    const int type = static_cast<int>(key_types[i]);
    if (type < 0 || type >= match::keyspec::kKeyTypeCount) {
      return absl::InvalidArgumentError(absl::StrCat("element ", i, ": unknown key type ", type));
    }
    by_type[type].push_back(i);
  }
  RETURN_IF_ERROR(RekeyIfConsentExpired());
  ASSIGN_OR_RETURN(const auto policy, policy_->Current());
  const policy::Rule* rule = policy->Find({peer.node_id, peer.role}, purpose);
  if (rule == nullptr) {
    return absl::PermissionDeniedError(absl::StrCat("no policy rule lets ", peer.node_id,
                                                    " evaluate for purpose '", purpose, "'"));
  }
  std::vector<EvaluationCount> counts;
  for (int type = 0; type < match::keyspec::kKeyTypeCount; ++type) {
    if (by_type[type].empty()) continue;
    counts.push_back({match::keyspec::Info(static_cast<KeyType>(type)).name, by_type[type].size()});
  }
  const DailyBudget budget{rule->daily_evaluate_budget, rule->daily_key_type_budget};
  // Evaluate first (BlindEvaluateBatch validates every element), then
  // charge: a malformed batch, or one over budget, costs nothing and
  // changes nothing. A read-only check first spares the work when the
  // budget is clearly spent; Charge re-checks atomically.
  RETURN_IF_ERROR(budget_->Check(peer.node_id, purpose, counts, budget));
  const int64_t epoch = Epoch();
  ASSIGN_OR_RETURN(const int64_t generation, keyring_->Generation());
  if (table_id != nullptr) *table_id = TableId(config_.node_id, purpose, epoch, generation);
  // Each element under the key of the type it is declared as: declared as
  // another type than it is, it matches nothing, so a budget per key type
  // holds.
  std::vector<crypto::oprf::Element> out(blinded.size()), in, evaluated;
  for (int type = 0; type < match::keyspec::kKeyTypeCount; ++type) {
    const std::vector<size_t>& members = by_type[type];
    if (members.empty()) continue;
    ASSIGN_OR_RETURN(const auto key,
                     keyring_->KeyFor(purpose, epoch, generation, static_cast<KeyType>(type)));
    in.resize(members.size());
    evaluated.resize(members.size());
    for (size_t k = 0; k < members.size(); ++k) in[k] = blinded[members[k]];
    const absl::Status s = key->BlindEvaluateBatch(in, absl::MakeSpan(evaluated));
    if (!s.ok()) {
      // Name the first bad element by its place in the whole batch.
      for (size_t i = 0; absl::IsInvalidArgument(s) && i < blinded.size(); ++i) {
        const absl::string_view e(reinterpret_cast<const char*>(blinded[i].data()),
                                  blinded[i].size());
        if (!crypto::oprf::ValidateElement(e).ok()) {
          return absl::InvalidArgumentError(
              absl::StrCat("element ", i, " is not a valid non-identity ristretto255 element"));
        }
      }
      return s;
    }
    for (size_t k = 0; k < members.size(); ++k) out[members[k]] = evaluated[k];
  }
  ASSIGN_OR_RETURN(*budget_remaining, budget_->Charge(peer.node_id, purpose, counts, budget));
  return out;
}

}  // namespace fedlink::private_match
