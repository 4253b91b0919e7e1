// The format of a node backup file (`fedlink backup`, node/app/backup.h),
// and its reader and writer.
//
// A backup is useless without the node's key source: everything after a
// short clear prelude is one libsodium secretstream (crypto/secret_stream.h,
// XChaCha20-Poly1305) under the node's backup key, derived from its data key
// (crypto::DataKey::BackupStreamKey: crypto_kdf, context "fl-back1"). The
// data key itself travels only wrapped, as in DIR/data.key, so opening a
// backup takes the same key-encryption key (key file, passphrase, systemd
// credential) as opening the node.
//
//   "fedlink backup v1\n"
//   "node " NODE_ID "\n"
//   "data-key " LENGTH "\n"  DATA_KEY_FILE (LENGTH bytes: DIR/data.key as is)
//   STREAM_HEADER (24 bytes)
//   then frames: LENGTH (u32, little-endian) || secretstream ciphertext
//
// Messages in the stream, each one frame (its first byte says what it is):
//   'M' manifest text (BackupManifest::Encode), first; its associated data is
//       the whole clear prelude and stream header, so neither can be altered
//       or swapped with another backup's;
//   'F' NAME "\n" SIZE: a file of the node directory follows ("cache/NAME"
//       for a cached peer table), then
//   'D' up to kBackupChunkBytes of its content, as many as SIZE needs;
//   'E' FILES " " BYTES: the end, with the FINAL tag. A stream without it is
//       truncated; any byte after it is refused.
// Every frame is bound to its position by secretstream: a frame dropped,
// repeated, moved or altered does not open.
#ifndef FEDLINK_NODE_APP_BACKUP_ARCHIVE_H_
#define FEDLINK_NODE_APP_BACKUP_ARCHIVE_H_

#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "crypto/data_key.h"
#include "crypto/secret_stream.h"
#include "node/config/key_source.h"

namespace fedlink::app {

inline constexpr size_t kBackupChunkBytes = size_t{1} << 20;

// What a backup holds, written first and checked again by `backup verify`
// and `restore`. No personal data: counts, sizes, digests, ids.
struct BackupManifest {
  int64_t created = 0;  // Unix seconds
  std::string node_id;
  std::map<std::string, int> schema;  // database file -> user_version
  uint64_t records = 0;
  uint64_t audit_entries = 0;
  uint64_t audit_checkpoint_size = 0;
  std::string audit_checkpoint_root;  // hex of the latest signed checkpoint's root
  uint64_t files = 0;

  std::string Encode() const;
  // DataLoss naming `what` for anything malformed.
  static absl::StatusOr<BackupManifest> Decode(absl::string_view what, absl::string_view text);
  // The facts two manifests must share (all but `created` and `files`).
  bool SameContent(const BackupManifest& other) const;
};

// Writes a backup to an open file. Thread-compatible.
class BackupWriter {
 public:
  // `data_key_file` is DIR/data.key's text; `key` the data key it wraps.
  static std::unique_ptr<BackupWriter> Start(std::FILE* out, const std::string& node_id,
                                             absl::string_view data_key_file,
                                             const crypto::DataKey& key,
                                             const BackupManifest& manifest);
  absl::Status AddFile(const std::string& name, absl::string_view content);
  // Writes the end frame; the caller then flushes, syncs and renames.
  absl::Status Finish();

 private:
  BackupWriter() = default;
  absl::Status Frame(char kind, absl::string_view body, bool final = false);
  std::FILE* out_ = nullptr;
  std::unique_ptr<crypto::StreamWriter> stream_;
  uint64_t files_ = 0, bytes_ = 0;
};

// Reads a whole backup from `path`: opens its data key with `source`,
// checks every frame and the end, and hands each file to `on_file` (names
// checked: no path, no "..": a plain file name or "cache/" and one). Every
// error is one line naming `path` and what is wrong, never a value:
// PermissionDenied (the key source does not open it: another node's backup
// or a wrong key or passphrase), DataLoss (altered, truncated, not a
// backup). `node_id`, if not empty, must be the backup's node.
struct OpenedBackup {
  std::string node_id;
  std::string data_key_file;
  std::unique_ptr<crypto::DataKey> data_key;
  BackupManifest manifest;
};
absl::StatusOr<OpenedBackup> ReadBackup(
    const std::string& path, const config::KeySource& source, const std::string& node_id,
    const std::function<absl::Status(const std::string& name, std::string content)>& on_file);

// Whether `name` may be a file of a backup (and of the node directory).
bool IsBackupFileName(absl::string_view name);

}  // namespace fedlink::app

#endif  // FEDLINK_NODE_APP_BACKUP_ARCHIVE_H_
