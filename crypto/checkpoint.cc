#include "crypto/checkpoint.h"

#include <sodium.h>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "crypto/base64.h"
#include "node/common/status_macros.h"

namespace fedlink::crypto::checkpoint {

std::string Checkpoint::Body() const {
  std::string out = absl::StrCat(origin, "\n", size, "\n", absl::Base64Escape(root_hash), "\n");
  for (const std::string& e : extensions) absl::StrAppend(&out, e, "\n");
  return out;
}

absl::StatusOr<Checkpoint> Checkpoint::ParseBody(absl::string_view text) {
  if (text.empty() || text.back() != '\n') {
    return absl::InvalidArgumentError("checkpoint must end with a newline");
  }
  text.remove_suffix(1);
  std::vector<std::string> lines = absl::StrSplit(text, '\n');
  if (lines.size() < 3) return absl::InvalidArgumentError("checkpoint has fewer than 3 lines");
  Checkpoint c;
  c.origin = lines[0];
  if (c.origin.empty()) return absl::InvalidArgumentError("checkpoint origin is empty");
  const std::string& size = lines[1];
  if (size.empty() || (size.size() > 1 && size[0] == '0') ||
      size.find_first_not_of("0123456789") != std::string::npos ||
      !absl::SimpleAtoi(size, &c.size)) {
    return absl::InvalidArgumentError("checkpoint tree size is not a canonical decimal");
  }
  if (!StrictBase64Decode(lines[2], &c.root_hash) || c.root_hash.size() != 32 ||
      absl::Base64Escape(c.root_hash) != lines[2]) {
    return absl::InvalidArgumentError("checkpoint root hash is not 32 bytes of base64");
  }
  for (size_t i = 3; i < lines.size(); ++i) {
    if (lines[i].empty()) return absl::InvalidArgumentError("empty checkpoint extension line");
    c.extensions.push_back(lines[i]);
  }
  return c;
}

absl::StatusOr<std::string> Sign(const Checkpoint& checkpoint, const SigningKey& log_key) {
  if (log_key.name() != checkpoint.origin) {
    return absl::InvalidArgumentError("log key name must equal the checkpoint origin");
  }
  return note::Sign(checkpoint.Body(), log_key);
}

absl::StatusOr<Checkpoint> Verify(absl::string_view note_text, const Verifier& log_key) {
  ASSIGN_OR_RETURN(std::string text, note::Verify(note_text, {log_key}));
  ASSIGN_OR_RETURN(Checkpoint c, Checkpoint::ParseBody(text));
  if (c.origin != log_key.name) {
    return absl::PermissionDeniedError("checkpoint origin does not match the log key name");
  }
  return c;
}

uint32_t CosignatureKeyId(absl::string_view name, absl::string_view public_key) {
  std::string input = absl::StrCat(name, "\n");
  input.push_back('\x04');
  input.append(public_key.data(), public_key.size());
  unsigned char hash[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(hash, reinterpret_cast<const unsigned char*>(input.data()), input.size());
  return (uint32_t{hash[0]} << 24) | (uint32_t{hash[1]} << 16) | (uint32_t{hash[2]} << 8) |
         uint32_t{hash[3]};
}

std::string CosignedMessage(absl::string_view body, uint64_t timestamp) {
  return absl::StrCat("cosignature/v1\ntime ", timestamp, "\n", body);
}

note::SignatureLine Cosign(const Checkpoint& checkpoint, const SigningKey& witness,
                           uint64_t timestamp) {
  std::string sig;
  for (int shift = 56; shift >= 0; shift -= 8) sig.push_back(static_cast<char>(timestamp >> shift));
  sig += witness.Sign(CosignedMessage(checkpoint.Body(), timestamp));
  return {witness.name(), CosignatureKeyId(witness.name(), witness.public_key()), sig};
}

absl::StatusOr<Cosignature> ParseCosignature(const note::SignatureLine& line) {
  if (line.signature.size() != 8 + kEd25519SignatureSize) {
    return absl::InvalidArgumentError("cosignature is not timestamp(8) || Ed25519 signature(64)");
  }
  Cosignature c;
  c.name = line.name;
  c.key_id = line.key_id;
  for (int i = 0; i < 8; ++i) {
    c.timestamp = (c.timestamp << 8) | static_cast<uint8_t>(line.signature[i]);
  }
  if (c.timestamp > (uint64_t{1} << 63) - 1) {
    return absl::InvalidArgumentError("cosignature timestamp exceeds 2^63-1");
  }
  c.signature = line.signature.substr(8);
  return c;
}

absl::Status VerifyCosignature(const Checkpoint& checkpoint, const Cosignature& cosignature,
                               absl::string_view public_key) {
  if (CosignatureKeyId(cosignature.name, public_key) != cosignature.key_id) {
    return absl::PermissionDeniedError("cosignature key id does not match the witness key");
  }
  return VerifySignature(public_key, CosignedMessage(checkpoint.Body(), cosignature.timestamp),
                         cosignature.signature);
}

}  // namespace fedlink::crypto::checkpoint
