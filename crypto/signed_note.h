// C2SP signed notes (c2sp.org/signed-note): text, a blank line, then lines
// "— <key name> base64(key id || signature)". Ed25519 (type 0x01) signing
// and verification; other signature lines are carried but ignored.
//
// Verification rules (from the spec): signatures by unknown keys are
// ignored; a known key (name and id both match) whose signature fails
// rejects the note; at least one known key must verify.
#ifndef FEDLINK_CRYPTO_SIGNED_NOTE_H_
#define FEDLINK_CRYPTO_SIGNED_NOTE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "crypto/identity.h"

namespace fedlink::crypto::note {

inline constexpr int kMaxSignatures = 64;

struct SignatureLine {
  std::string name;
  uint32_t key_id = 0;
  std::string signature;  // the bytes after the 4-byte key id
};

struct Note {
  std::string text;  // ends with "\n"
  std::vector<SignatureLine> signatures;
};

// Parses structure only (UTF-8, no control characters but newline, text
// ends in newline, well-formed signature lines). Verifies nothing.
absl::StatusOr<Note> Parse(absl::string_view note);
std::string Format(const Note& note);
std::string FormatSignatureLine(const SignatureLine& line);

// Signs `text` (must end in "\n") with an Ed25519 key: returns the note.
absl::StatusOr<std::string> Sign(absl::string_view text, const SigningKey& key);
// Appends signature lines to an existing note (e.g. a witness cosignature).
absl::StatusOr<std::string> AddSignatures(absl::string_view note,
                                          absl::Span<const SignatureLine> lines);

// Verifies under the rules above and returns the note text. `verified_by`,
// if set, receives the names of the keys that verified.
absl::StatusOr<std::string> Verify(absl::string_view note, absl::Span<const Verifier> known,
                                   std::vector<std::string>* verified_by = nullptr);

}  // namespace fedlink::crypto::note

#endif  // FEDLINK_CRYPTO_SIGNED_NOTE_H_
