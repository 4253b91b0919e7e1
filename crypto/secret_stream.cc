#include "crypto/secret_stream.h"

#include <sodium.h>

namespace fedlink::crypto {
namespace {

using State = crypto_secretstream_xchacha20poly1305_state;
static_assert(sizeof(State) == 52, "secretstream state size");
static_assert(crypto_secretstream_xchacha20poly1305_KEYBYTES == kStreamKeySize);
static_assert(crypto_secretstream_xchacha20poly1305_HEADERBYTES == kStreamHeaderSize);
static_assert(crypto_secretstream_xchacha20poly1305_ABYTES == kStreamOverhead);

State* AsState(std::array<unsigned char, 52>& bytes) {
  return reinterpret_cast<State*>(bytes.data());
}
const unsigned char* U(absl::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace

StreamKey::~StreamKey() { sodium_memzero(key_.data(), key_.size()); }

absl::StatusOr<std::unique_ptr<StreamKey>> StreamKey::FromBytes(absl::string_view key) {
  if (sodium_init() < 0) return absl::InternalError("libsodium failed to initialise");
  if (key.size() != kStreamKeySize) return absl::InvalidArgumentError("stream key: 32 bytes");
  std::unique_ptr<StreamKey> k(new StreamKey());
  std::copy(key.begin(), key.end(), k->key_.begin());
  return k;
}

StreamWriter::~StreamWriter() { sodium_memzero(state_.data(), state_.size()); }

std::unique_ptr<StreamWriter> StreamWriter::Start(const StreamKey& key) {
  std::unique_ptr<StreamWriter> w(new StreamWriter());
  w->header_.assign(kStreamHeaderSize, '\0');
  crypto_secretstream_xchacha20poly1305_init_push(
      AsState(w->state_), reinterpret_cast<unsigned char*>(w->header_.data()), key.key_.data());
  return w;
}

std::string StreamWriter::Push(absl::string_view message, bool final,
                               absl::string_view associated_data) {
  std::string out(message.size() + kStreamOverhead, '\0');
  unsigned long long n = 0;
  crypto_secretstream_xchacha20poly1305_push(
      AsState(state_), reinterpret_cast<unsigned char*>(out.data()), &n, U(message), message.size(),
      associated_data.empty() ? nullptr : U(associated_data), associated_data.size(),
      final ? crypto_secretstream_xchacha20poly1305_TAG_FINAL
            : crypto_secretstream_xchacha20poly1305_TAG_MESSAGE);
  out.resize(static_cast<size_t>(n));
  return out;
}

StreamReader::~StreamReader() { sodium_memzero(state_.data(), state_.size()); }

absl::StatusOr<std::unique_ptr<StreamReader>> StreamReader::Start(const StreamKey& key,
                                                                  absl::string_view header) {
  if (header.size() != kStreamHeaderSize) {
    return absl::InvalidArgumentError("stream header: wrong size");
  }
  std::unique_ptr<StreamReader> r(new StreamReader());
  if (crypto_secretstream_xchacha20poly1305_init_pull(AsState(r->state_), U(header),
                                                      key.key_.data()) != 0) {
    return absl::DataLossError("stream header does not open");
  }
  return r;
}

absl::StatusOr<std::string> StreamReader::Pull(absl::string_view ciphertext,
                                               absl::string_view associated_data) {
  if (finished_) return absl::DataLossError("data after the end of the stream");
  if (ciphertext.size() < kStreamOverhead) return absl::DataLossError("truncated message");
  std::string out(ciphertext.size() - kStreamOverhead, '\0');
  unsigned long long n = 0;
  unsigned char tag = 0;
  if (crypto_secretstream_xchacha20poly1305_pull(
          AsState(state_), reinterpret_cast<unsigned char*>(out.data()), &n, &tag, U(ciphertext),
          ciphertext.size(), associated_data.empty() ? nullptr : U(associated_data),
          associated_data.size()) != 0) {
    sodium_memzero(out.data(), out.size());
    return absl::DataLossError("a message does not open (altered, out of place or another key)");
  }
  out.resize(static_cast<size_t>(n));
  if (tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL) finished_ = true;
  return out;
}

}  // namespace fedlink::crypto
