#include "node/config/data_key_rotation.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "node/common/status_macros.h"

namespace fedlink::config {
namespace {

constexpr char kStagingName[] = ".rotate-data-key.tmp";
constexpr char kCommittedName[] = ".rotate-data-key";
constexpr char kDataKeyName[] = "data.key";

std::string Join(const std::string& dir, const std::string& name) {
  return absl::StrCat(dir, "/", name);
}

absl::Status Errno(absl::string_view what, const std::string& path) {
  return absl::InternalError(absl::StrCat(path, ": ", what, ": ", std::strerror(errno)));
}

absl::Status Fsync(const std::string& path, bool directory) {
  const int fd = open(path.c_str(), (directory ? O_DIRECTORY : 0) | O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Errno("cannot open to sync", path);
  const int rc = fsync(fd);
  close(fd);
  if (rc != 0) return Errno("cannot sync", path);
  return absl::OkStatus();
}

absl::Status Rename(const std::string& from, const std::string& to) {
  if (rename(from.c_str(), to.c_str()) != 0) return Errno("cannot rename", from);
  return absl::OkStatus();
}

absl::Status RemoveIfPresent(const std::string& path) {
  if (unlink(path.c_str()) != 0 && errno != ENOENT) return Errno("cannot remove", path);
  return absl::OkStatus();
}

// The names of the regular files in `dir`, sorted.
absl::StatusOr<std::vector<std::string>> FilesIn(const std::string& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    if (e.is_regular_file()) names.push_back(e.path().filename().string());
  }
  if (ec) return absl::InternalError(absl::StrCat(dir, ": cannot list: ", ec.message()));
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

absl::StatusOr<std::string> BeginDataKeyRotation(const common::NodePaths& paths) {
  RETURN_IF_ERROR(FinishDataKeyRotation(paths));
  const std::string staging = Join(paths.dir, kStagingName);
  std::error_code ec;
  std::filesystem::remove_all(staging, ec);
  if (ec) return absl::InternalError(absl::StrCat(staging, ": cannot remove: ", ec.message()));
  if (mkdir(staging.c_str(), 0700) != 0) return Errno("cannot create", staging);
  return staging;
}

absl::Status CommitDataKeyRotation(const common::NodePaths& paths) {
  const std::string staging = Join(paths.dir, kStagingName);
  ASSIGN_OR_RETURN(const std::vector<std::string> names, FilesIn(staging));
  if (std::find(names.begin(), names.end(), kDataKeyName) == names.end()) {
    return absl::FailedPreconditionError(absl::StrCat(staging, ": no data.key staged"));
  }
  for (const std::string& name : names) RETURN_IF_ERROR(Fsync(Join(staging, name), false));
  RETURN_IF_ERROR(Fsync(staging, true));
  // The commit: from here on the new state is the node.
  RETURN_IF_ERROR(Rename(staging, Join(paths.dir, kCommittedName)));
  RETURN_IF_ERROR(Fsync(paths.dir, true));
  return FinishDataKeyRotation(paths);
}

absl::Status FinishDataKeyRotation(const common::NodePaths& paths) {
  const std::string committed = Join(paths.dir, kCommittedName);
  struct stat st;
  if (lstat(committed.c_str(), &st) != 0) return absl::OkStatus();
  ASSIGN_OR_RETURN(const std::vector<std::string> names, FilesIn(committed));
  for (const std::string& name : names) {
    if (name == kDataKeyName) continue;
    if (absl::EndsWith(name, ".db")) {
      // The old database's log and index belong to the old file.
      RETURN_IF_ERROR(RemoveIfPresent(Join(paths.dir, name + "-wal")));
      RETURN_IF_ERROR(RemoveIfPresent(Join(paths.dir, name + "-shm")));
      RETURN_IF_ERROR(RemoveIfPresent(Join(paths.dir, name + "-journal")));
    }
    RETURN_IF_ERROR(Rename(Join(committed, name), Join(paths.dir, name)));
  }
  // Peers' tables cached under the old key would no longer open: fetched
  // again on the next match.
  const std::string cache = paths.table_cache_dir();
  if (lstat(cache.c_str(), &st) == 0) {
    ASSIGN_OR_RETURN(const std::vector<std::string> cached, FilesIn(cache));
    for (const std::string& name : cached) RETURN_IF_ERROR(RemoveIfPresent(Join(cache, name)));
  }
  if (std::find(names.begin(), names.end(), kDataKeyName) != names.end()) {
    RETURN_IF_ERROR(Rename(Join(committed, kDataKeyName), Join(paths.dir, kDataKeyName)));
  }
  RETURN_IF_ERROR(Fsync(paths.dir, true));
  std::error_code ec;
  std::filesystem::remove_all(committed, ec);
  if (ec) return absl::InternalError(absl::StrCat(committed, ": cannot remove: ", ec.message()));
  return Fsync(paths.dir, true);
}

}  // namespace fedlink::config
