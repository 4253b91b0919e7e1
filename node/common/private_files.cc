#include "node/common/private_files.h"

#include <sys/stat.h>

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace fedlink::common {
namespace {

absl::Status CheckMode(const std::string& path, const struct stat& st) {
  if ((st.st_mode & 077) == 0) return absl::OkStatus();
  const bool is_dir = S_ISDIR(st.st_mode);
  return absl::PermissionDeniedError(absl::StrFormat(
      "%s: %s mode %04o is too open (must be %04o; run chmod %o %s)", path,
      is_dir ? "directory" : "file", st.st_mode & 0777, is_dir ? kPrivateDirMode : kPrivateFileMode,
      is_dir ? kPrivateDirMode : kPrivateFileMode, path));
}

}  // namespace

void RestrictUmask() { umask(077); }

absl::Status CheckPrivateTree(const std::string& dir) {
  struct stat st;
  if (stat(dir.c_str(), &st) != 0) return absl::NotFoundError(absl::StrCat(dir, ": missing"));
  if (auto s = CheckMode(dir, st); !s.ok()) return s;
  std::error_code ec;
  std::filesystem::recursive_directory_iterator it(dir, ec), end;
  if (ec) return absl::PermissionDeniedError(absl::StrCat(dir, ": cannot list: ", ec.message()));
  for (; it != end; it.increment(ec)) {
    const std::string path = it->path().string();
    // stat follows a symlink: what matters is who can read what it points to.
    if (stat(path.c_str(), &st) != 0) continue;  // a dangling link, or gone since listed
    if (auto s = CheckMode(path, st); !s.ok()) return s;
  }
  if (ec) return absl::PermissionDeniedError(absl::StrCat(dir, ": cannot list: ", ec.message()));
  return absl::OkStatus();
}

}  // namespace fedlink::common
