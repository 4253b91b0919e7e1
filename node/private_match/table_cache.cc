#include "node/private_match/table_cache.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "node/common/status_macros.h"

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

}  // namespace

absl::StatusOr<std::string> TableCache::PathFor(absl::string_view peer,
                                                absl::string_view purpose) const {
  if (!SafeName(peer) || !SafeName(purpose)) {
    return absl::InvalidArgumentError("peer id or purpose is not usable as a cache file name");
  }
  return absl::StrCat(dir_, "/", peer, "~", purpose, ".table");
}

absl::StatusOr<std::optional<CachedPagedTable>> TableCache::GetPaged(absl::string_view peer,
                                                                     absl::string_view purpose,
                                                                     absl::Time now,
                                                                     absl::Duration max_age,
                                                                     int epoch_days) const {
  ASSIGN_OR_RETURN(auto path, PathFor(peer, purpose));
  // Nothing cached, or cached by an older fedlink in another format: fetch.
  if (!PagedTable::LooksPaged(path)) return std::nullopt;
  ASSIGN_OR_RETURN(PagedTable table, PagedTable::Open(path, key_));
  if (key_ != nullptr && !table.sealed()) return std::nullopt;  // cached in the clear: refetch
  const PagedHeader& h = table.header();
  if (h.peer != peer || h.purpose != purpose) {
    return absl::DataLossError(absl::StrCat(path, ": corrupt table cache (delete it to refetch)"));
  }
  const absl::Time fetched = absl::FromUnixSeconds(h.fetched_at);
  if (!absl::StartsWith(h.table_id, TableIdPrefix(peer, purpose, EpochAt(now, epoch_days))) ||
      now - fetched > max_age || fetched > now + absl::Minutes(5)) {
    return std::nullopt;  // another epoch, or stale: refetch
  }
  return CachedPagedTable{std::move(table), fetched};
}

absl::StatusOr<std::optional<CachedTable>> TableCache::Get(absl::string_view peer,
                                                           absl::string_view purpose,
                                                           absl::Time now, absl::Duration max_age,
                                                           int epoch_days) const {
  ASSIGN_OR_RETURN(auto paged, GetPaged(peer, purpose, now, max_age, epoch_days));
  if (!paged.has_value()) return std::nullopt;
  ASSIGN_OR_RETURN(Table table, paged->table.ReadAll());
  return CachedTable{std::move(table), paged->fetched_at};
}

absl::Status TableCache::PutUpdate(absl::string_view peer, absl::string_view purpose,
                                   const PagedTable& held, const TableUpdate& update,
                                   absl::Time fetched_at) const {
  ASSIGN_OR_RETURN(auto path, PathFor(peer, purpose));
  PagedHeader header;
  header.peer = std::string(peer);
  header.purpose = std::string(purpose);
  header.fetched_at = absl::ToUnixSeconds(fetched_at);
  return PagedTable::WriteUpdated(path, key_, std::move(header), held, update);
}

absl::Status TableCache::Remove(absl::string_view peer, absl::string_view purpose) const {
  ASSIGN_OR_RETURN(auto path, PathFor(peer, purpose));
  if (unlink(path.c_str()) != 0 && errno != ENOENT) {
    return absl::PermissionDeniedError(absl::StrCat(path, ": cannot delete"));
  }
  return absl::OkStatus();
}

absl::Status TableCache::Put(absl::string_view peer, absl::string_view purpose, const Table& table,
                             absl::Time fetched_at) const {
  ASSIGN_OR_RETURN(auto path, PathFor(peer, purpose));
  if (mkdir(dir_.c_str(), 0700) != 0 && errno != EEXIST) {
    return absl::PermissionDeniedError(absl::StrCat(dir_, ": cannot create"));
  }
  PagedHeader header;
  header.peer = std::string(peer);
  header.purpose = std::string(purpose);
  header.fetched_at = absl::ToUnixSeconds(fetched_at);
  // 0600: a peer's table is theirs, not every local user's.
  if (auto s = PagedTable::Write(path, key_, std::move(header), table); !s.ok()) {
    return absl::Status(s.code(), absl::StrCat(s.message(), " (the table cache)"));
  }
  return absl::OkStatus();
}

}  // namespace fedlink::private_match
