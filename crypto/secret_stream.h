// A stream of messages sealed with libsodium's secretstream
// (crypto_secretstream_xchacha20poly1305: XChaCha20-Poly1305 with a key
// ratchet), for data too large for one AEAD call: node backups
// (node/app/backup_archive.h).
//
// The writer emits a 24-byte header, then one ciphertext per message
// (message length + 17 bytes). Messages are ordered and bound to their
// position: a message dropped, repeated, reordered, altered or truncated,
// or a header or key from another stream, fails to open (DataLoss). The
// last message carries the FINAL tag, so a stream cut at a message boundary
// is detected too (the reader reports whether it has seen it).
//
// Security: keys are wiped on destruction, have no accessor or operator<<.
// Thread-compatible: one writer or reader per thread.
//
//   auto writer = StreamWriter::Start(key);      // writer->header() first
//   std::string c1 = writer->Push("first", /*final=*/false);
//   std::string c2 = writer->Push("last", /*final=*/true);
//   auto reader = StreamReader::Start(key, header);
//   ASSIGN_OR_RETURN(std::string m1, reader->Pull(c1));  // reader->finished()
#ifndef FEDLINK_CRYPTO_SECRET_STREAM_H_
#define FEDLINK_CRYPTO_SECRET_STREAM_H_

#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace fedlink::crypto {

inline constexpr size_t kStreamKeySize = 32;
inline constexpr size_t kStreamHeaderSize = 24;
inline constexpr size_t kStreamOverhead = 17;

// A secretstream key (made by DataKey::BackupStreamKey, or from bytes in tests).
class StreamKey {
 public:
  static absl::StatusOr<std::unique_ptr<StreamKey>> FromBytes(absl::string_view key);
  StreamKey(const StreamKey&) = delete;
  StreamKey& operator=(const StreamKey&) = delete;
  ~StreamKey();

 private:
  friend class StreamWriter;
  friend class StreamReader;
  friend class DataKey;
  StreamKey() = default;
  std::array<unsigned char, kStreamKeySize> key_{};
};

class StreamWriter {
 public:
  static std::unique_ptr<StreamWriter> Start(const StreamKey& key);
  StreamWriter(const StreamWriter&) = delete;
  StreamWriter& operator=(const StreamWriter&) = delete;
  ~StreamWriter();
  const std::string& header() const { return header_; }
  // The ciphertext of the next message; `associated_data` must be given
  // again to Pull. After a final message no other may follow.
  std::string Push(absl::string_view message, bool final, absl::string_view associated_data = "");

 private:
  StreamWriter() = default;
  std::string header_;
  std::array<unsigned char, 52> state_{};  // crypto_secretstream_xchacha20poly1305_state
};

class StreamReader {
 public:
  // InvalidArgument for a header of the wrong size.
  static absl::StatusOr<std::unique_ptr<StreamReader>> Start(const StreamKey& key,
                                                             absl::string_view header);
  StreamReader(const StreamReader&) = delete;
  StreamReader& operator=(const StreamReader&) = delete;
  ~StreamReader();
  // The next message; DataLoss if it does not open (altered, out of place,
  // another key) or follows the final message.
  absl::StatusOr<std::string> Pull(absl::string_view ciphertext,
                                   absl::string_view associated_data = "");
  // Whether the final message has been read.
  bool finished() const { return finished_; }

 private:
  StreamReader() = default;
  bool finished_ = false;
  std::array<unsigned char, 52> state_{};
};

}  // namespace fedlink::crypto

#endif  // FEDLINK_CRYPTO_SECRET_STREAM_H_
