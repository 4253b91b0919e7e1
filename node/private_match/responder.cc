#include "node/common/node_paths.h"
#include "node/private_match/responder.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "crypto/aead.h"
#include "node/common/whole_file.h"
#include "fedlink/v1/match.pb.h"
#include "node/match/keyspec.h"

namespace fedlink::private_match {
namespace {

constexpr sqlite::Migration kBudgetMigrations[] = {
    {1, R"sql(
CREATE TABLE budget_use (
  peer TEXT NOT NULL,
  purpose TEXT NOT NULL,
  day INTEGER NOT NULL,
  used INTEGER NOT NULL,
  PRIMARY KEY (peer, purpose, day)
) WITHOUT ROWID;
)sql"},
    {2, R"sql(
CREATE TABLE consent_expiry (
  one INTEGER PRIMARY KEY CHECK (one = 1),
  checked_until INTEGER NOT NULL
);
)sql"},
};

// Reads DIR/oprf.seed, creating it (0600) on first use.
absl::StatusOr<std::string> LoadOrCreateSeed(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return absl::PermissionDeniedError(absl::StrCat(path, ": cannot create"));
    std::string seed(32, '\0');
    randombytes_buf(seed.data(), seed.size());
    const bool ok = write(fd, seed.data(), seed.size()) == 32 && fsync(fd) == 0;
    close(fd);
    sodium_memzero(seed.data(), seed.size());
    if (!ok) return absl::InternalError(absl::StrCat(path, ": write failed"));
    if (stat(path.c_str(), &st) != 0) return absl::InternalError(absl::StrCat(path, ": missing"));
  }
  if ((st.st_mode & 077) != 0) {
    return absl::PermissionDeniedError(absl::StrCat(path, ": key file is too open (must be 0600)"));
  }
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  std::string seed(32, '\0');
  const bool ok = fd >= 0 && read(fd, seed.data(), seed.size()) == 32;
  if (fd >= 0) close(fd);
  if (!ok) return absl::DataLossError(absl::StrCat(path, ": corrupt OPRF seed"));
  return seed;
}


}  // namespace

Responder::~Responder() {
  sodium_memzero(seed_.data(), seed_.size());
  sodium_memzero(handle_key_.data(), handle_key_.size());
  sodium_memzero(slot_key_.data(), slot_key_.size());
}

absl::StatusOr<std::unique_ptr<Responder>> Responder::Create(const NodePaths& paths,
                                                             const NodeConfig& config,
                                                             RecordStore* store, Clock* clock) {
  std::unique_ptr<Responder> r(new Responder());
  r->paths_ = paths;
  r->config_ = config;
  r->store_ = store;
  r->clock_ = clock ? clock : Clock::Real();
  auto seed = LoadOrCreateSeed(paths.oprf_seed());
  if (!seed.ok()) return seed.status();
  r->seed_ = *std::move(seed);
  auto handle_key = DeriveBytes(r->seed_, "fedlink/handle/v1", 32);
  if (!handle_key.ok()) return handle_key.status();
  r->handle_key_ = *std::move(handle_key);
  auto slot_key = DeriveBytes(r->seed_, "fedlink/slot/v1", 32);
  if (!slot_key.ok()) return slot_key.status();
  r->slot_key_ = *std::move(slot_key);
  // synchronous=NORMAL (WAL): a power cut may forget the last charges, a
  // process crash never does; a budget is a rate limit, and an fsync per
  // evaluation would dominate a lookup's latency.
  auto db = sqlite::Database::Open(paths.budget_db(),
                                   {.create = true, .synchronous_full = false});
  if (!db.ok()) return db.status();
  if (auto s = (*db)->Migrate(kBudgetMigrations); !s.ok()) return s;
  absl::MutexLock lock(&r->mu_);
  r->budget_db_ = *std::move(db);
  // Consents that expired while the node was down are caught at the first
  // check; a node's very first check starts now (nothing was served before).
  auto checked = r->budget_db_->Prepare("SELECT checked_until FROM consent_expiry");
  if (!checked.ok()) return checked.status();
  auto row = (*checked)->Step();
  if (!row.ok()) return row.status();
  if (*row) {
    r->expiry_checked_until_ = (*checked)->ColumnInt64(0);
  } else {
    checked->reset();
    r->expiry_checked_until_ = absl::ToUnixSeconds(r->clock_->Now());
    if (auto s = r->SaveExpiryCheck(); !s.ok()) return s;
  }
  return r;
}

absl::Status Responder::SaveExpiryCheck() {
  auto put = budget_db_->Prepare(
      "INSERT INTO consent_expiry (one, checked_until) VALUES (1, ?1) "
      "ON CONFLICT(one) DO UPDATE SET checked_until = ?1");
  if (!put.ok()) return put.status();
  (*put)->Bind(1, expiry_checked_until_);
  return (*put)->Run();
}

absl::Status Responder::RekeyIfConsentExpired() {
  const int64_t now = absl::ToUnixSeconds(clock_->Now());
  absl::MutexLock lock(&mu_);
  if (now <= expiry_checked_until_) return absl::OkStatus();
  auto expired = store_->AnyConsentExpiresIn(expiry_checked_until_, now);
  if (!expired.ok()) return expired.status();
  expiry_checked_until_ = now;
  if (!*expired) return absl::OkStatus();  // nothing to persist: the next check covers it
  // Like a withdrawal: every table cached before no longer opens the record.
  absl::Status rekeyed = Rekey(paths_);
  LogEvent("keys.rotate", rekeyed, "a consent expired: every cached table is void");
  if (!rekeyed.ok()) return rekeyed;
  return SaveExpiryCheck();
}

int64_t Responder::Epoch() const {
  return EpochAt(clock_->Now(), config_.epoch_days);
}

absl::Status Responder::ApplyPolicy(int64_t mtime, absl::string_view reload_event,
                                    absl::Status* rekeyed) {
  *rekeyed = absl::OkStatus();
  if (mtime < 0) {
    policy_ = policy::Policy::DenyAll();  // no policy: share nothing
    policy_mtime_ = mtime;
    return absl::OkStatus();
  }
  auto loaded = policy::Policy::Load(paths_.policy(), keyspec::KeyTypeNames());
  if (!loaded.ok()) return loaded.status();
  const bool changed = policy_ != nullptr && mtime != policy_mtime_;
  policy_ = *std::move(loaded);
  policy_mtime_ = mtime;
  if (!changed) return absl::OkStatus();
  if (!reload_event.empty()) LogEvent("policy.reload", absl::OkStatus(), std::string(reload_event));
  // A changed policy may share less: re-key so every table peers cached
  // under the old one is void at once.
  *rekeyed = Rekey(paths_);
  LogEvent("keys.rotate", *rekeyed, "policy changed: every cached table is void");
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<const policy::Policy>> Responder::CurrentPolicy() {
  const int64_t mtime = FileMTimeNanos(paths_.policy());
  absl::MutexLock lock(&mu_);
  if (policy_ != nullptr && mtime == policy_mtime_) return policy_;
  absl::Status rekeyed;
  if (!ApplyPolicy(mtime, "file changed", &rekeyed).ok()) {
    // Keep serving the last good policy; a node that never had one shares
    // nothing.
    if (policy_ == nullptr) policy_ = policy::Policy::DenyAll();
    return policy_;
  }
  if (!rekeyed.ok()) return rekeyed;
  return policy_;
}

bool Responder::HasRule(const PeerIdentity& peer, absl::string_view purpose) {
  auto policy = CurrentPolicy();
  return policy.ok() && (*policy)->Find({peer.node_id, peer.role}, purpose) != nullptr;
}

void Responder::LogEvent(absl::string_view event, const absl::Status& outcome,
                         std::string detail) {
  if (audit_ == nullptr) return;
  audit::Event e;
  e.event = std::string(event);
  e.requester = config_.node_id;
  e.outcome = audit::OutcomeOf(outcome);
  e.detail = std::move(detail);
  (void)audit_->Append(e);
}

absl::Status Responder::ReloadPolicy() {
  const int64_t mtime = FileMTimeNanos(paths_.policy());
  absl::MutexLock lock(&mu_);
  absl::Status rekeyed;
  if (auto s = ApplyPolicy(mtime, "", &rekeyed); !s.ok()) return s;
  return rekeyed;
}

absl::StatusOr<std::unique_ptr<oprf::OprfKey>> Responder::KeyFor(absl::string_view purpose,
                                                                 int64_t epoch,
                                                                 int64_t generation) const {
  return oprf::OprfKey::Derive(
      seed_, absl::StrCat("fedlink/oprf/v1|", purpose, "|", epoch, "|", generation));
}

namespace {

// DIR/oprf.generation: the OPRF key generation (0 if absent).
absl::StatusOr<int64_t> ReadGeneration(const NodePaths& paths) {
  const std::string path = paths.oprf_generation();
  std::ifstream in(path);
  if (!in) return 0;
  int64_t generation = -1;
  in >> generation;
  if (!in || generation < 0) {
    return absl::DataLossError(absl::StrCat(path, ": corrupt key generation"));
  }
  return generation;
}

}  // namespace

absl::StatusOr<int64_t> Responder::Generation() const { return ReadGeneration(paths_); }

absl::Status Responder::Rekey(const NodePaths& paths) {
  auto current = ReadGeneration(paths);
  if (!current.ok()) return current.status();
  return WriteFileAtomically(paths.oprf_generation(), absl::StrCat(*current + 1, "\n"));
}

std::string Responder::HandleFor(absl::string_view external_id) const {
  auto h = DeriveBytes(handle_key_, absl::StrCat("fedlink/handle|", external_id), 16);
  return absl::StrCat("h", absl::BytesToHexString(h->substr(0, 10)));
}

absl::StatusOr<std::string> Responder::Resolve(absl::string_view handle) {
  std::string found;
  absl::Status s = store_->ForEach([&](const Person& p) {
    if (HandleFor(p.external_id) == handle) found = p.external_id;
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  if (found.empty()) return absl::NotFoundError("no record of this node has that handle");
  return found;
}

absl::StatusOr<absl::flat_hash_map<std::string, std::string>>
Responder::AllHandles() {
  absl::flat_hash_map<std::string, std::string> out;
  absl::Status s = store_->ForEach([&](const Person& p) {
    out[HandleFor(p.external_id)] = p.external_id;
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return out;
}

uint64_t Responder::SlotId(absl::string_view table_id, absl::string_view peer,
                           absl::string_view external_id) const {
  // Per table id and peer: stable across deltas, unlinkable across peers
  // and key generations.
  auto bytes = DeriveBytes(slot_key_, absl::StrCat(table_id, "|", peer, "|", external_id), 16);
  uint64_t id = 0;
  std::memcpy(&id, bytes->data(), sizeof id);
  return id;
}

absl::StatusOr<Table> Responder::TableFor(const PeerIdentity& peer, absl::string_view purpose) {
  auto update = UpdateFor(peer, purpose, nullptr);
  if (!update.ok()) return update.status();
  return std::move(update->table);
}

absl::StatusOr<TableUpdate> Responder::UpdateFor(const PeerIdentity& peer,
                                                 absl::string_view purpose,
                                                 const HeldTable* held) {
  if (auto s = RekeyIfConsentExpired(); !s.ok()) return s;
  auto policy = CurrentPolicy();
  if (!policy.ok()) return policy.status();
  const int64_t epoch = Epoch();
  auto generation = Generation();
  if (!generation.ok()) return generation.status();
  const absl::Time now = clock_->Now();
  TableUpdate update;
  Table& table = update.table;
  table.table_id = TableId(config_.node_id, purpose, epoch, *generation);
  table.as_of = absl::ToUnixSeconds(now);
  const policy::Rule* rule = (*policy)->Find({peer.node_id, peer.role}, purpose);
  if (rule == nullptr) return update;  // deny by default: an empty table
  auto key = KeyFor(purpose, epoch, *generation);
  if (!key.ok()) return key.status();
  const int t = rule->min_agreeing_keys;
  // A delta only within the table id the peer holds, and never backwards
  // in time. (A consent that expired since re-keyed: another table id.)
  const bool want_delta = held != nullptr && held->table_id == table.table_id &&
                          held->as_of <= table.as_of;
  absl::flat_hash_set<std::string> changed;  // read before the first record
  std::vector<SourceRecord> all, delta;
  std::vector<uint64_t> removed;
  keyspec::Options options{config_.default_region};
  auto version = store_->ForEachSince(
      want_delta ? held->version : 0, want_delta ? &changed : nullptr,
      [&](const Person& p) {
        const bool was_changed = changed.erase(p.external_id) > 0;
        bool in_table = false;
        if ((*policy)->Decide(*rule, p, now).shared) {
          SourceRecord r;
          r.slot_id = SlotId(table.table_id, peer.node_id, p.external_id);
          for (keyspec::Key& k : keyspec::DeriveKeys(p, options)) {
            if (rule->AllowsKeyType(keyspec::Info(k.type).name)) r.keys.push_back(std::move(k));
          }
          fedlink::v1::MatchPayload payload;
          payload.set_handle(HandleFor(p.external_id));
          if (rule->payload != policy::Payload::kHandleOnly) {
            payload.set_role(std::string(RoleName(p.role)));
          }
          if (rule->payload == policy::Payload::kHandleRoleAndOfficer) {
            payload.set_officer(p.officer);
          }
          r.payload = payload.SerializeAsString();
          in_table = CanOpen(r, t);
          if (in_table) {
            if (was_changed) delta.push_back(r);
            all.push_back(std::move(r));
          }
        }
        if (!in_table && was_changed) {
          removed.push_back(SlotId(table.table_id, peer.node_id, p.external_id));
        }
        return absl::OkStatus();
      });
  if (!version.ok()) return version.status();
  for (const std::string& deleted : changed) {  // changed, and no longer stored
    removed.push_back(SlotId(table.table_id, peer.node_id, deleted));
  }
  // A delta that is not much smaller than the table (removals are only 8
  // bytes each), or against a store that went backwards (restored from a
  // backup), is sent as the whole table.
  update.delta = want_delta && *version >= held->version && delta.size() <= all.size() / 2 &&
                 removed.size() <= kMaxRemovedPerDelta;
  auto built = BuildTable(**key, table.table_id, t, update.delta ? delta : all);
  if (!built.ok()) return built.status();
  built->as_of = table.as_of;
  built->version = *version;
  built->min_score = rule->score_threshold;
  built->notify_owner = rule->notify_owner;
  table = *std::move(built);
  if (update.delta) {
    update.removed = std::move(removed);
    update.slots_after = all.size();
  }
  return update;
}

absl::StatusOr<std::string> Responder::AuthorizeContact(
    const PeerIdentity& peer, absl::string_view purpose,
    absl::string_view handle) {
  auto ids = AuthorizeHandles(peer, purpose, {std::string(handle)});
  if (!ids.ok()) return ids.status();
  if (ids->front().empty()) {
    return absl::NotFoundError("no record shared with you for this purpose has that handle");
  }
  return ids->front();
}

absl::StatusOr<std::vector<std::string>> Responder::AuthorizeHandles(
    const PeerIdentity& peer, absl::string_view purpose,
    const std::vector<std::string>& handles) {
  std::vector<std::string> ids(handles.size());
  auto policy = CurrentPolicy();
  if (!policy.ok()) return policy.status();
  const policy::Rule* rule = (*policy)->Find({peer.node_id, peer.role}, purpose);
  if (rule == nullptr || handles.empty()) return ids;
  absl::flat_hash_map<std::string, std::vector<size_t>> wanted;
  for (size_t i = 0; i < handles.size(); ++i) wanted[handles[i]].push_back(i);
  const absl::Time now = clock_->Now();
  absl::Status s = store_->ForEach([&](const Person& p) {
    auto it = wanted.find(HandleFor(p.external_id));
    if (it == wanted.end() || !(*policy)->Decide(*rule, p, now).shared) {
      return absl::OkStatus();
    }
    for (size_t i : it->second) ids[i] = p.external_id;
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return ids;
}

absl::StatusOr<uint64_t> Responder::UsedToday(const std::string& peer,
                                              const std::string& purpose, int64_t day) {
  auto get = budget_db_->Prepare(
      "SELECT used FROM budget_use WHERE peer = ?1 AND purpose = ?2 AND day = ?3");
  if (!get.ok()) return get.status();
  (*get)->Bind(1, peer).Bind(2, purpose).Bind(3, day);
  auto row = (*get)->Step();
  if (!row.ok()) return row.status();
  return *row ? static_cast<uint64_t>((*get)->ColumnInt64(0)) : 0;
}

namespace {
absl::Status Exhausted(const std::string& peer, const std::string& purpose, uint64_t used,
                       uint64_t budget, uint64_t n) {
  return absl::ResourceExhaustedError(absl::StrCat(
      "evaluation budget for ", peer, " / ", purpose, " is spent for today (", used, " of ",
      budget, " used, ", n, " asked)"));
}
}  // namespace

absl::Status Responder::CheckBudget(const std::string& peer, const std::string& purpose,
                                    uint64_t n, uint64_t budget) {
  absl::MutexLock lock(&mu_);
  auto used = UsedToday(peer, purpose, absl::ToUnixSeconds(clock_->Now()) / 86400);
  if (!used.ok()) return used.status();
  if (*used + n > budget) return Exhausted(peer, purpose, *used, budget, n);
  return absl::OkStatus();
}

absl::Status Responder::Charge(const std::string& peer, const std::string& purpose, uint64_t n,
                               uint64_t budget, uint64_t* remaining) {
  absl::MutexLock lock(&mu_);
  const int64_t day = absl::ToUnixSeconds(clock_->Now()) / 86400;
  auto tx = budget_db_->Begin();
  if (!tx.ok()) return tx.status();
  auto used_or = UsedToday(peer, purpose, day);
  if (!used_or.ok()) return used_or.status();
  const uint64_t used = *used_or;
  if (used + n > budget) return Exhausted(peer, purpose, used, budget, n);
  auto put = budget_db_->Prepare(
      "INSERT INTO budget_use (peer, purpose, day, used) VALUES (?1, ?2, ?3, ?4) "
      "ON CONFLICT(peer, purpose, day) DO UPDATE SET used = ?4");
  if (!put.ok()) return put.status();
  (*put)->Bind(1, peer).Bind(2, purpose).Bind(3, day).Bind(4, static_cast<int64_t>(used + n));
  if (auto s = (*put)->Run(); !s.ok()) return s;
  if (auto s = (*tx)->Commit(); !s.ok()) return s;
  *remaining = budget - used - n;
  return absl::OkStatus();
}

absl::StatusOr<std::vector<oprf::Element>> Responder::Evaluate(
    const PeerIdentity& peer, absl::string_view purpose, absl::Span<const oprf::Element> blinded,
    uint64_t* budget_remaining, std::string* table_id) {
  if (auto s = RekeyIfConsentExpired(); !s.ok()) return s;
  auto policy = CurrentPolicy();
  if (!policy.ok()) return policy.status();
  const policy::Rule* rule = (*policy)->Find({peer.node_id, peer.role}, purpose);
  if (rule == nullptr) {
    return absl::PermissionDeniedError(absl::StrCat("no policy rule lets ", peer.node_id,
                                                    " evaluate for purpose '", purpose, "'"));
  }
  // Evaluate first (BlindEvaluateBatch validates every element), then
  // charge: a malformed batch, or one over budget, costs nothing and
  // changes nothing. A read-only check first spares the work when the
  // budget is clearly spent; Charge re-checks atomically.
  if (auto s = CheckBudget(peer.node_id, std::string(purpose), blinded.size(),
                           rule->daily_evaluate_budget);
      !s.ok()) {
    return s;
  }
  const int64_t epoch = Epoch();
  auto generation = Generation();
  if (!generation.ok()) return generation.status();
  auto key = KeyFor(purpose, epoch, *generation);
  if (!key.ok()) return key.status();
  if (table_id != nullptr) *table_id = TableId(config_.node_id, purpose, epoch, *generation);
  std::vector<oprf::Element> out(blinded.size());
  if (auto s = (*key)->BlindEvaluateBatch(blinded, absl::MakeSpan(out)); !s.ok()) return s;
  if (auto s = Charge(peer.node_id, std::string(purpose), blinded.size(),
                      rule->daily_evaluate_budget, budget_remaining);
      !s.ok()) {
    return s;
  }
  return out;
}

}  // namespace fedlink::private_match
