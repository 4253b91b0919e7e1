#include "node/private_match/keyring.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <fstream>

#include "absl/base/const_init.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "crypto/aead.h"
#include "node/common/status_macros.h"
#include "node/common/whole_file.h"

namespace fedlink::private_match {
namespace {

// Serialises re-keyings within the process: each reads the generation and
// writes it plus one.
ABSL_CONST_INIT absl::Mutex rekey_mu(absl::kConstInit);

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

// DIR/oprf.generation: the OPRF key generation (0 if absent).
absl::StatusOr<int64_t> ReadGeneration(const common::NodePaths& paths) {
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

absl::StatusOr<std::unique_ptr<Keyring>> Keyring::Open(const common::NodePaths& paths) {
  ASSIGN_OR_RETURN(std::string seed, LoadOrCreateSeed(paths.oprf_seed()));
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

absl::Status Keyring::Rekey(const common::NodePaths& paths) {
  absl::MutexLock lock(&rekey_mu);
  ASSIGN_OR_RETURN(const int64_t current, ReadGeneration(paths));
  return common::WriteFileAtomically(paths.oprf_generation(), absl::StrCat(current + 1, "\n"));
}

absl::StatusOr<std::unique_ptr<crypto::oprf::OprfKey>> Keyring::KeyFor(absl::string_view purpose,
                                                                       int64_t epoch,
                                                                       int64_t generation) const {
  return crypto::oprf::OprfKey::Derive(
      seed_, absl::StrCat("fedlink/oprf/v1|", purpose, "|", epoch, "|", generation));
}

std::string Keyring::HandleFor(absl::string_view external_id) const {
  auto h = crypto::DeriveBytes(handle_key_, absl::StrCat("fedlink/handle|", external_id), 16);
  return absl::StrCat("h", absl::BytesToHexString(h->substr(0, 10)));
}

absl::StatusOr<std::string> Keyring::Resolve(store::RecordStore* store,
                                             absl::string_view handle) const {
  std::string found;
  RETURN_IF_ERROR(store->ForEach([&](const record::Person& p) {
    if (HandleFor(p.external_id) == handle) found = p.external_id;
    return absl::OkStatus();
  }));
  if (found.empty()) return absl::NotFoundError("no record of this node has that handle");
  return found;
}

absl::StatusOr<absl::flat_hash_map<std::string, std::string>> Keyring::AllHandles(
    store::RecordStore* store) const {
  absl::flat_hash_map<std::string, std::string> out;
  RETURN_IF_ERROR(store->ForEach([&](const record::Person& p) {
    out[HandleFor(p.external_id)] = p.external_id;
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
