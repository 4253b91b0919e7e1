// Replacing a file atomically: write a temporary file beside it, fsync,
// rename over. A reader sees the old content or the new, never a mix; a
// crash leaves at most a stray PATH.tmp.
#ifndef FEDLINK_NODE_COMMON_ATOMIC_FILE_H_
#define FEDLINK_NODE_COMMON_ATOMIC_FILE_H_

#include <sys/types.h>

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace fedlink {

// Writes `content` to `path` atomically; the file gets `mode` (less the
// umask). On failure `path` is unchanged and the temporary file removed.
absl::Status WriteFileAtomically(const std::string& path, absl::string_view content,
                                 mode_t mode = 0644);

}  // namespace fedlink

#endif  // FEDLINK_NODE_COMMON_ATOMIC_FILE_H_
