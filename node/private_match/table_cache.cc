#include "node/private_match/table_cache.h"

#include <sys/stat.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "fedlink/v1/match.pb.h"
#include "node/common/status_macros.h"
#include "node/common/whole_file.h"

namespace fedlink::private_match {
namespace {

bool SafeName(absl::string_view s) {
  if (s.empty() || s.size() > 128) return false;
  for (char c : s) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.')
      return false;
  }
  return s[0] != '.';
}

// A sealed cache file: this magic, then nonce || ciphertext || tag.
constexpr absl::string_view kSealedMagic = "fedlink-sealed-table v1\n";

std::string Place(const std::string& path) {
  const size_t slash = path.rfind('/');
  return absl::StrCat("fedlink table cache v1 ", path.substr(slash + 1));
}

}  // namespace

absl::StatusOr<std::string> TableCache::PathFor(absl::string_view peer,
                                                absl::string_view purpose) const {
  if (!SafeName(peer) || !SafeName(purpose)) {
    return absl::InvalidArgumentError("peer id or purpose is not usable as a cache file name");
  }
  return absl::StrCat(dir_, "/", peer, "~", purpose, ".table");
}

absl::StatusOr<std::optional<CachedTable>> TableCache::Get(absl::string_view peer,
                                                           absl::string_view purpose,
                                                           absl::Time now, absl::Duration max_age,
                                                           int epoch_days) const {
  ASSIGN_OR_RETURN(auto path, PathFor(peer, purpose));
  auto bytes = common::ReadWholeFile(path);
  if (!bytes.ok()) return std::nullopt;  // nothing cached
  const bool sealed = absl::StartsWith(*bytes, kSealedMagic);
  if (key_ == nullptr && sealed) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": sealed under the node's data key; give its key source"));
  }
  if (key_ != nullptr && !sealed) return std::nullopt;  // cached in the clear before: refetch
  if (key_ != nullptr) {
    auto opened = key_->Open(absl::string_view(*bytes).substr(kSealedMagic.size()), Place(path));
    if (!opened.ok()) {
      return absl::DataLossError(
          absl::StrCat(path,
                       ": table cache does not open (altered, moved, or another key; delete it to "
                       "refetch)"));
    }
    bytes = *std::move(opened);
  }
  fedlink::v1::CachedTable cached;
  if (!cached.ParseFromString(*bytes) || cached.peer() != peer || cached.purpose() != purpose) {
    return absl::DataLossError(absl::StrCat(path, ": corrupt table cache (delete it to refetch)"));
  }
  const absl::Time fetched = absl::FromUnixSeconds(cached.fetched_at());
  if (!absl::StartsWith(cached.table_id(),
                        TableIdPrefix(peer, purpose, EpochAt(now, epoch_days))) ||
      now - fetched > max_age || fetched > now + absl::Minutes(5)) {
    return std::nullopt;  // another epoch, or stale: refetch
  }
  CachedTable out;
  out.fetched_at = fetched;
  out.table.table_id = cached.table_id();
  out.table.t = static_cast<int>(cached.t());
  out.table.min_score = cached.min_score();
  out.table.notify_owner = cached.notify_owner();
  out.table.keyspec = cached.keyspec() == 0 ? 1 : static_cast<int>(cached.keyspec());
  out.table.version = cached.version();
  out.table.as_of = cached.as_of();
  out.table.slots.reserve(cached.slots_size());
  for (auto& s : *cached.mutable_slots()) {
    out.table.slots.push_back(
        {s.id(), std::move(*s.mutable_entries()), std::move(*s.mutable_sealed_payload())});
  }
  return out;
}

absl::Status TableCache::Put(absl::string_view peer, absl::string_view purpose, const Table& table,
                             absl::Time fetched_at) const {
  ASSIGN_OR_RETURN(auto path, PathFor(peer, purpose));
  if (mkdir(dir_.c_str(), 0700) != 0 && errno != EEXIST) {
    return absl::PermissionDeniedError(absl::StrCat(dir_, ": cannot create"));
  }
  fedlink::v1::CachedTable cached;
  cached.set_peer(std::string(peer));
  cached.set_purpose(std::string(purpose));
  cached.set_table_id(table.table_id);
  cached.set_t(table.t);
  cached.set_min_score(table.min_score);
  cached.set_notify_owner(table.notify_owner);
  cached.set_keyspec(static_cast<uint32_t>(table.keyspec));
  cached.set_version(table.version);
  cached.set_as_of(table.as_of);
  cached.set_fetched_at(absl::ToUnixSeconds(fetched_at));
  for (const Slot& s : table.slots) {
    auto* slot = cached.add_slots();
    slot->set_id(s.id);
    slot->set_entries(s.entries);
    slot->set_sealed_payload(s.sealed_payload);
  }
  // 0600: a peer's table is theirs, not every local user's.
  std::string contents = cached.SerializeAsString();
  if (key_ != nullptr) contents = absl::StrCat(kSealedMagic, key_->Seal(contents, Place(path)));
  if (auto s = common::WriteFileAtomically(path, contents, 0600); !s.ok()) {
    return absl::Status(s.code(), absl::StrCat(s.message(), " (the table cache)"));
  }
  return absl::OkStatus();
}

}  // namespace fedlink::private_match
