// Whole-file reads and atomic replacement. A replacement writes a temporary
// file beside the target, fsyncs it and renames it over: a reader sees the
// old content or the new, never a mix; a crash leaves at most PATH.tmp.
#ifndef FEDLINK_NODE_COMMON_WHOLE_FILE_H_
#define FEDLINK_NODE_COMMON_WHOLE_FILE_H_

#include <sys/types.h>

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace fedlink::common {

// The largest file read whole unless the caller says less: more than any
// import, export or table the node handles, far less than memory.
inline constexpr size_t kMaxWholeFileBytes = size_t{4} << 30;
// Small files: node.conf, policy, keys, certificates, rosters, requests.
inline constexpr size_t kMaxSmallFileBytes = size_t{16} << 20;

// The file's bytes; NotFound ("PATH: cannot open") if it cannot be opened.
// Refuses (InvalidArgument) what is not a regular file (a device, a FIFO:
// `import /dev/zero` would never end) and a file larger than `max_bytes`,
// before reading it.
absl::StatusOr<std::string> ReadWholeFile(const std::string& path,
                                          size_t max_bytes = kMaxWholeFileBytes);

// The file's modification time in nanoseconds since the epoch, or -1 if it
// does not exist (for reloading a file when it changes).
int64_t FileMTimeNanos(const std::string& path);

// Writes `content` to `path` atomically; the file gets `mode` (less the
// umask), by default 0600: the node's files are its operator's alone
// (private_files.h). On failure `path` is unchanged and the temporary file
// removed.
absl::Status WriteFileAtomically(const std::string& path, absl::string_view content,
                                 mode_t mode = 0600);

}  // namespace fedlink::common

#endif  // FEDLINK_NODE_COMMON_WHOLE_FILE_H_
