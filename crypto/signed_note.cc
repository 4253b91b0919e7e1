#include "crypto/signed_note.h"

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "crypto/base64.h"
#include "node/common/status_macros.h"

namespace fedlink::crypto::note {
namespace {

constexpr absl::string_view kDash = "\xe2\x80\x94 ";  // U+2014 EM DASH, space

absl::Status CheckCharacters(absl::string_view s) {
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 && c != '\n') {
      return absl::InvalidArgumentError("note contains a control character");
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Note> Parse(absl::string_view note) {
  RETURN_IF_ERROR(CheckCharacters(note));
  // The text is separated from the signatures by the last blank line.
  const size_t split = note.rfind("\n\n");
  if (split == absl::string_view::npos) {
    return absl::InvalidArgumentError("note has no blank line before its signatures");
  }
  Note out;
  out.text = std::string(note.substr(0, split + 1));
  absl::string_view sigs = note.substr(split + 2);
  if (sigs.empty() || !absl::EndsWith(sigs, "\n")) {
    return absl::InvalidArgumentError("note signatures must end with a newline");
  }
  sigs.remove_suffix(1);
  for (absl::string_view line : absl::StrSplit(sigs, '\n')) {
    if (!absl::ConsumePrefix(&line, kDash)) {
      return absl::InvalidArgumentError("malformed signature line (expected '— name signature')");
    }
    const size_t space = line.find(' ');
    if (space == absl::string_view::npos || space == 0) {
      return absl::InvalidArgumentError("malformed signature line (no key name)");
    }
    SignatureLine sig;
    sig.name = std::string(line.substr(0, space));
    RETURN_IF_ERROR(ValidateKeyName(sig.name));
    std::string decoded;
    if (!StrictBase64Decode(line.substr(space + 1), &decoded) || decoded.size() < 5) {
      return absl::InvalidArgumentError("malformed signature (bad base64 or too short)");
    }
    sig.key_id = (uint32_t{static_cast<uint8_t>(decoded[0])} << 24) |
                 (uint32_t{static_cast<uint8_t>(decoded[1])} << 16) |
                 (uint32_t{static_cast<uint8_t>(decoded[2])} << 8) |
                 uint32_t{static_cast<uint8_t>(decoded[3])};
    sig.signature = decoded.substr(4);
    out.signatures.push_back(std::move(sig));
    if (out.signatures.size() > kMaxSignatures) {
      return absl::InvalidArgumentError("note has too many signatures");
    }
  }
  return out;
}

std::string FormatSignatureLine(const SignatureLine& line) {
  std::string raw;
  raw.push_back(static_cast<char>(line.key_id >> 24));
  raw.push_back(static_cast<char>(line.key_id >> 16));
  raw.push_back(static_cast<char>(line.key_id >> 8));
  raw.push_back(static_cast<char>(line.key_id));
  raw += line.signature;
  return absl::StrCat(kDash, line.name, " ", absl::Base64Escape(raw), "\n");
}

std::string Format(const Note& note) {
  std::string out = note.text + "\n";
  for (const SignatureLine& s : note.signatures) out += FormatSignatureLine(s);
  return out;
}

absl::StatusOr<std::string> Sign(absl::string_view text, const SigningKey& key) {
  if (text.empty() || !absl::EndsWith(text, "\n")) {
    return absl::InvalidArgumentError("note text must end with a newline");
  }
  RETURN_IF_ERROR(CheckCharacters(text));
  Note note;
  note.text = std::string(text);
  note.signatures.push_back({key.name(), key.key_id(), key.Sign(text)});
  return Format(note);
}

absl::StatusOr<std::string> AddSignatures(absl::string_view note,
                                          absl::Span<const SignatureLine> lines) {
  ASSIGN_OR_RETURN(Note parsed, Parse(note));
  for (const SignatureLine& l : lines) parsed.signatures.push_back(l);
  return Format(parsed);
}

absl::StatusOr<std::string> Verify(absl::string_view note, absl::Span<const Verifier> known,
                                   std::vector<std::string>* verified_by) {
  ASSIGN_OR_RETURN(Note parsed, Parse(note));
  int verified = 0;
  for (const SignatureLine& sig : parsed.signatures) {
    for (const Verifier& v : known) {
      if (v.name != sig.name || v.key_id != sig.key_id) continue;
      if (!v.Verify(parsed.text, sig.signature).ok()) {
        return absl::UnauthenticatedError(
            absl::StrCat("signature by known key ", v.name, " does not verify"));
      }
      ++verified;
      if (verified_by != nullptr) verified_by->push_back(v.name);
    }
  }
  if (verified == 0) {
    return absl::UnauthenticatedError("note is not signed by any known key");
  }
  return parsed.text;
}

}  // namespace fedlink::crypto::note
