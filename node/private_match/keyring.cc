#include "node/private_match/keyring.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <optional>
#include <utility>

#include "absl/base/const_init.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "crypto/aead.h"
#include "crypto/sealed_file.h"
#include "node/common/status_macros.h"
#include "node/common/whole_file.h"

namespace fedlink::private_match {
namespace {

// Serialises re-keyings within the process: each reads the generation and
// writes it plus one.
ABSL_CONST_INIT absl::Mutex rekey_mu(absl::kConstInit);

// Reads DIR/oprf.seed, creating it (0600) on first use; sealed under
// `seed_key` when the node has a data key.
absl::StatusOr<std::string> LoadOrCreateSeed(const std::string& path,
                                             const crypto::SealingKey* seed_key) {
  constexpr char kName[] = "oprf.seed";  // what a sealed seed is bound to
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return absl::PermissionDeniedError(absl::StrCat(path, ": cannot create"));
    std::string seed(32, '\0');
    randombytes_buf(seed.data(), seed.size());
    std::string text = seed_key != nullptr ? crypto::SealFile(*seed_key, kName, seed) : seed;
    const bool ok =
        write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && fsync(fd) == 0;
    close(fd);
    sodium_memzero(seed.data(), seed.size());
    sodium_memzero(text.data(), text.size());
    if (!ok) return absl::InternalError(absl::StrCat(path, ": write failed"));
    if (stat(path.c_str(), &st) != 0) return absl::InternalError(absl::StrCat(path, ": missing"));
  }
  if ((st.st_mode & 077) != 0) {
    return absl::PermissionDeniedError(absl::StrCat(path, ": key file is too open (must be 0600)"));
  }
  auto contents = common::ReadWholeFile(path, 4096);
  if (!contents.ok()) return absl::DataLossError(absl::StrCat(path, ": unreadable OPRF seed"));
  if (seed_key != nullptr || crypto::IsSealedFile(*contents)) {
    if (seed_key == nullptr) {
      sodium_memzero(contents->data(), contents->size());
      return absl::FailedPreconditionError(
          absl::StrCat(path, ": sealed under the node's data key; give its key source"));
    }
    auto opened = crypto::OpenSealedFile(*seed_key, kName, *contents);
    sodium_memzero(contents->data(), contents->size());
    if (!opened.ok()) {
      return absl::DataLossError(absl::StrCat(path, ": ", opened.status().message()));
    }
    contents = *std::move(opened);
  }
  if (contents->size() != 32) {
    sodium_memzero(contents->data(), contents->size());
    return absl::DataLossError(absl::StrCat(path, ": corrupt OPRF seed"));
  }
  return *std::move(contents);
}

// DIR/oprf.generation: the current key generation on the first line (all
// that fedlink before handles per key generation wrote and reads), then one
// line "GENERATION BEGAN" (unix seconds) per generation of the last
// kHandleLifetime, oldest first. A generation of unknown start began at 0.
struct GenerationFile {
  int64_t current = 0;
  std::vector<std::pair<int64_t, int64_t>> began;  // (generation, unix seconds)
};

absl::StatusOr<GenerationFile> ReadGenerationFile(const common::NodePaths& paths) {
  const std::string path = paths.oprf_generation();
  GenerationFile file;
  std::ifstream in(path);
  if (!in) return file;
  const auto corrupt = [&] {
    return absl::DataLossError(absl::StrCat(path, ": corrupt key generation"));
  };
  std::string line;
  if (!std::getline(in, line) || !absl::SimpleAtoi(line, &file.current) || file.current < 0) {
    return corrupt();
  }
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const std::vector<absl::string_view> f = absl::StrSplit(line, ' ');
    int64_t g = 0, began = 0;
    if (f.size() != 2 || !absl::SimpleAtoi(f[0], &g) || !absl::SimpleAtoi(f[1], &began) || g < 0 ||
        g > file.current || (!file.began.empty() && g <= file.began.back().first)) {
      return corrupt();
    }
    file.began.emplace_back(g, began);
  }
  return file;
}

absl::StatusOr<int64_t> ReadGeneration(const common::NodePaths& paths) {
  ASSIGN_OR_RETURN(const GenerationFile file, ReadGenerationFile(paths));
  return file.current;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Keyring>> Keyring::Open(const common::NodePaths& paths,
                                                       const crypto::SealingKey* seed_key) {
  ASSIGN_OR_RETURN(std::string seed, LoadOrCreateSeed(paths.oprf_seed(), seed_key));
  auto handle_key = crypto::DeriveBytes(seed, "fedlink/handle/v1", 32);
  auto slot_key = crypto::DeriveBytes(seed, "fedlink/slot/v1", 32);
  if (!handle_key.ok() || !slot_key.ok()) {
    sodium_memzero(seed.data(), seed.size());
    if (handle_key.ok()) sodium_memzero(handle_key->data(), handle_key->size());
    if (slot_key.ok()) sodium_memzero(slot_key->data(), slot_key->size());
    return handle_key.ok() ? slot_key.status() : handle_key.status();
  }
  return std::unique_ptr<Keyring>(
      new Keyring(paths, std::move(seed), *std::move(handle_key), *std::move(slot_key)));
}

Keyring::~Keyring() {
  sodium_memzero(seed_.data(), seed_.size());
  sodium_memzero(handle_key_.data(), handle_key_.size());
  sodium_memzero(slot_key_.data(), slot_key_.size());
}

absl::StatusOr<int64_t> Keyring::Generation() const { return ReadGeneration(paths_); }

absl::Status Keyring::Rekey(const common::NodePaths& paths, absl::Time now) {
  absl::MutexLock lock(&rekey_mu);
  ASSIGN_OR_RETURN(GenerationFile file, ReadGenerationFile(paths));
  const int64_t at = absl::ToUnixSeconds(now);
  if (file.began.empty() || file.began.back().first != file.current) {
    file.began.emplace_back(file.current, 0);  // began before fedlink noted it
  }
  ++file.current;
  file.began.emplace_back(file.current, at);
  // Forget the generations that ended (the next one began) before the
  // lifetime of their handles, and the oldest beyond the most remembered.
  const int64_t oldest_live = absl::ToUnixSeconds(now - kHandleLifetime);
  size_t drop = 0;
  while (drop + 1 < file.began.size() && file.began[drop + 1].second <= oldest_live) ++drop;
  drop = std::max(drop, file.began.size() > kMaxRememberedGenerations
                            ? file.began.size() - kMaxRememberedGenerations
                            : size_t{0});
  file.began.erase(file.began.begin(), file.began.begin() + drop);
  std::string text = absl::StrCat(file.current, "\n");
  for (const auto& [g, began] : file.began) absl::StrAppend(&text, g, " ", began, "\n");
  return common::WriteFileAtomically(paths.oprf_generation(), text);
}

absl::StatusOr<std::vector<KeyGeneration>> Keyring::LiveGenerations(absl::Time now,
                                                                    int epoch_days) const {
  ASSIGN_OR_RETURN(GenerationFile file, ReadGenerationFile(paths_));
  if (file.began.empty() || file.began.back().first != file.current) {
    // Re-keyed by a fedlink that did not note when: the current generation
    // is in force since the last one noted began (or since ever).
    file.began.emplace_back(file.current, file.began.empty() ? 0 : file.began.back().second);
  }
  const int64_t window_start = absl::ToUnixSeconds(now - kHandleLifetime);
  const int64_t now_s = absl::ToUnixSeconds(now);
  std::vector<KeyGeneration> live = {{EpochAt(now, epoch_days), file.current}};
  for (size_t i = 0; i < file.began.size(); ++i) {
    const auto [generation, began] = file.began[i];
    // In force from `began` until the next one began (the last: until now).
    const int64_t ended = i + 1 < file.began.size() ? file.began[i + 1].second : now_s;
    if (i + 1 < file.began.size() && ended <= window_start) continue;
    // A clock stepped back may reverse the times: an empty span counts as
    // its first second.
    const int64_t from = std::max(began, window_start);
    const int64_t to = std::max(from, std::min(ended, now_s));
    for (int64_t e = EpochAt(absl::FromUnixSeconds(from), epoch_days);
         e <= EpochAt(absl::FromUnixSeconds(to), epoch_days); ++e) {
      const KeyGeneration key{e, generation};
      if (std::find(live.begin(), live.end(), key) == live.end()) live.push_back(key);
    }
  }
  return live;
}

absl::StatusOr<std::unique_ptr<crypto::oprf::OprfKey>> Keyring::KeyFor(
    absl::string_view purpose, int64_t epoch, int64_t generation,
    match::keyspec::KeyType type) const {
  return crypto::oprf::OprfKey::Derive(
      seed_, absl::StrCat("fedlink/oprf/v2|", purpose, "|", epoch, "|", generation, "|",
                          match::keyspec::Info(type).name));
}

absl::StatusOr<TableKeys> Keyring::KeysFor(absl::string_view purpose, int64_t epoch,
                                           int64_t generation) const {
  TableKeys keys;
  for (int t = 0; t < match::keyspec::kKeyTypeCount; ++t) {
    ASSIGN_OR_RETURN(keys[t],
                     KeyFor(purpose, epoch, generation, static_cast<match::keyspec::KeyType>(t)));
  }
  return keys;
}

// A handle: "h", the tag of its requester and key generation (one byte: a
// keyed hash of the context), then 9 bytes of a keyed hash of the context
// and the external id. The tag only narrows the candidates for the owner;
// the requester knows the table's key generation anyway.
std::string Keyring::HandleContext(absl::string_view requester, const KeyGeneration& key) const {
  return absl::StrCat(requester, "|", key.epoch, "|", key.generation);
}

std::string Keyring::HandleTag(absl::string_view context) const {
  auto tag = crypto::DeriveBytes(handle_key_, absl::StrCat("fedlink/handle-tag/v2|", context), 16);
  return absl::BytesToHexString(tag->substr(0, 1));
}

std::string Keyring::HandleIn(absl::string_view context, absl::string_view tag,
                              absl::string_view external_id) const {
  auto h = crypto::DeriveBytes(handle_key_,
                               absl::StrCat("fedlink/handle/v2|", context, "|", external_id), 16);
  return absl::StrCat("h", tag, absl::BytesToHexString(h->substr(0, 9)));
}

std::string Keyring::HandleFor(absl::string_view requester, const KeyGeneration& key,
                               absl::string_view external_id) const {
  const std::string context = HandleContext(requester, key);
  return HandleIn(context, HandleTag(context), external_id);
}

HandleLookup Keyring::LookupFor(absl::Span<const std::string> requesters,
                                absl::Span<const KeyGeneration> keys,
                                absl::Span<const std::string> handles) const {
  HandleLookup lookup;
  lookup.keyring_ = this;
  absl::flat_hash_map<std::string, bool> tags;  // the tags the handles carry
  for (size_t i = 0; i < handles.size(); ++i) {
    lookup.wanted_[handles[i]].push_back(i);
    tags[handles[i].substr(0, 3)] = true;
  }
  for (size_t r = 0; r < requesters.size(); ++r) {
    for (const KeyGeneration& key : keys) {
      HandleLookup::Candidate c;
      c.context = HandleContext(requesters[r], key);
      c.tag = HandleTag(c.context);
      c.requester = r;
      if (tags.contains(absl::StrCat("h", c.tag))) lookup.candidates_.push_back(std::move(c));
    }
  }
  return lookup;
}

void HandleLookup::Find(absl::string_view external_id, std::vector<Found>* found) const {
  for (const Candidate& c : candidates_) {
    auto it = wanted_.find(keyring_->HandleIn(c.context, c.tag, external_id));
    if (it == wanted_.end()) continue;
    for (size_t i : it->second) found->push_back({i, c.requester});
  }
}

absl::StatusOr<Keyring::Resolved> Keyring::Resolve(store::RecordStore* store,
                                                   absl::Span<const std::string> requesters,
                                                   absl::Span<const KeyGeneration> keys,
                                                   absl::string_view handle) const {
  const std::string wanted[] = {std::string(handle)};
  const HandleLookup lookup = LookupFor(requesters, keys, wanted);
  std::optional<Resolved> resolved;
  std::vector<HandleLookup::Found> found;
  if (!lookup.empty()) {
    RETURN_IF_ERROR(store->ForEach([&](const record::Person& p) {
      found.clear();
      lookup.Find(p.external_id, &found);
      if (!found.empty() && !resolved.has_value()) {
        resolved = Resolved{p.external_id, requesters[found.front().requester]};
      }
      return absl::OkStatus();
    }));
  }
  if (!resolved.has_value()) {
    return absl::NotFoundError(
        "no record of this node has that handle (for these peers, in the last 7 days)");
  }
  return *std::move(resolved);
}

absl::StatusOr<absl::flat_hash_map<std::string, std::string>> Keyring::AllHandles(
    store::RecordStore* store, absl::Span<const std::string> requesters,
    absl::Span<const KeyGeneration> keys) const {
  std::vector<std::pair<std::string, std::string>> contexts;  // (context, tag)
  for (const std::string& r : requesters) {
    for (const KeyGeneration& key : keys) {
      std::string context = HandleContext(r, key);
      std::string tag = HandleTag(context);
      contexts.emplace_back(std::move(context), std::move(tag));
    }
  }
  absl::flat_hash_map<std::string, std::string> out;
  RETURN_IF_ERROR(store->ForEach([&](const record::Person& p) {
    for (const auto& [context, tag] : contexts)
      out[HandleIn(context, tag, p.external_id)] = p.external_id;
    return absl::OkStatus();
  }));
  return out;
}

uint64_t Keyring::SlotId(absl::string_view table_id, absl::string_view peer,
                         absl::string_view external_id) const {
  auto bytes =
      crypto::DeriveBytes(slot_key_, absl::StrCat(table_id, "|", peer, "|", external_id), 16);
  uint64_t id = 0;
  std::memcpy(&id, bytes->data(), sizeof id);
  return id;
}

}  // namespace fedlink::private_match
