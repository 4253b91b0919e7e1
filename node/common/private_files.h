// A node directory is private to its operator: the directory is 0700 and
// every file in it 0600 (subdirectories 0700). What the node creates gets
// those modes; what it finds looser when it opens a directory is refused,
// never silently tightened, so an operator learns that the data was exposed.
//
// Example:
//   RestrictUmask();                        // once, before creating files
//   RETURN_IF_ERROR(CheckPrivateTree(dir));  // at every start
#ifndef FEDLINK_NODE_COMMON_PRIVATE_FILES_H_
#define FEDLINK_NODE_COMMON_PRIVATE_FILES_H_

#include <sys/types.h>

#include <string>

#include "absl/status/status.h"

namespace fedlink::common {

inline constexpr mode_t kPrivateFileMode = 0600;
inline constexpr mode_t kPrivateDirMode = 0700;

// Sets the process umask to 077 for the rest of the process's life, so every
// file created afterwards (SQLite's -wal, -shm and -journal files, sockets,
// locks) is open to its owner only, whatever mode its creator asked for.
void RestrictUmask();

// PermissionDenied, naming the path, its mode and the fix, if `dir` or
// anything under it (files, subdirectories, the targets of symlinks) grants
// group or other any access: "DIR: directory mode 0755 is too open (must be
// 0700; run chmod 700 DIR)", "DIR/node.db: file mode 0644 is too open (must
// be 0600; run chmod 600 DIR/node.db)". NotFound if `dir` does not exist.
absl::Status CheckPrivateTree(const std::string& dir);

}  // namespace fedlink::common

#endif  // FEDLINK_NODE_COMMON_PRIVATE_FILES_H_
