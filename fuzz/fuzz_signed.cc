// Fuzz target: signed envelopes (crypto/signed_envelope.h), signed notes
// (crypto/signed_note.h) and verifier keys, the signed formats every peer
// request, answer, roster and checkpoint travels in. The first byte picks:
//   0: an envelope: Parse, and Open as a roster under the fixed key. What
//      parses is canonical (encodes back to the same bytes); what opens is
//      the body Parse saw;
//   1: "CONTEXT\nBODY": sealed with the fixed key, it must open to BODY;
//   2: a note: Parse, Format, Verify under the fixed key. Format(Parse(n))
//      is n; a verified note's text is the parsed text;
//   3: note text: Sign with the fixed key, then the note must parse and
//      verify to the same text;
//   4: a verifier key (vkey) or key file: what parses prints back the same.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "crypto/identity.h"
#include "crypto/signed_envelope.h"
#include "crypto/signed_note.h"
#include "fuzz/fuzz_support.h"

namespace fedlink::fuzz {
namespace {

namespace envelope = crypto::envelope;
namespace note = crypto::note;

const crypto::SigningKey& Key() {
  static const auto* const key = FixedKey("fuzz-signer", 2).release();
  return *key;
}
const crypto::Verifier& KeyVerifier() {
  static const auto* const v =
      new crypto::Verifier(crypto::Verifier::Parse(Key().VerifierKey()).value());
  return *v;
}

void PutBE(std::string* out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out->push_back(static_cast<char>(v >> (8 * i)));
}

// The wire form of a parsed envelope (signed_envelope.h).
std::string Encode(const envelope::Envelope& e) {
  std::string out = "FLE1";
  PutBE(&out, e.context.size(), 2);
  out += e.context;
  PutBE(&out, e.signer.size(), 2);
  out += e.signer;
  PutBE(&out, e.key_id, 4);
  PutBE(&out, e.body.size(), 4);
  out += e.body;
  out += e.signature;
  return out;
}

void Envelope(absl::string_view bytes) {
  auto parsed = envelope::Parse(bytes);
  if (parsed.ok()) FUZZ_CHECK(Encode(*parsed) == bytes, "an envelope that is not canonical");
  auto body = envelope::Open(bytes, "fedlink.v1.Roster", KeyVerifier());
  if (body.ok()) {
    FUZZ_CHECK(parsed.ok() && *body == parsed->body, "Open gave other bytes than Parse");
  }
}

void SealOpen(absl::string_view input) {
  const size_t nl = input.find('\n');
  if (nl == absl::string_view::npos) return;
  const absl::string_view context = input.substr(0, nl), body = input.substr(nl + 1);
  auto sealed = envelope::Seal(Key(), context, body);
  if (!sealed.ok()) {
    FUZZ_CHECK(context.empty(), "a context Seal refused");
    return;
  }
  auto opened = envelope::Open(*sealed, context, KeyVerifier());
  FUZZ_CHECK(opened.ok() && *opened == body, "a sealed envelope that does not open");
  if (!body.empty()) {
    std::string flipped = *sealed;
    flipped[flipped.size() - 65] ^= 1;  // the body's last byte
    FUZZ_CHECK(!envelope::Open(flipped, context, KeyVerifier()).ok(),
               "an envelope with a flipped body byte opens");
  }
}

void Note(absl::string_view text) {
  auto parsed = note::Parse(text);
  if (parsed.ok()) {
    FUZZ_CHECK(note::Format(*parsed) == text, "Format(Parse(note)) is not the note");
    auto added = note::AddSignatures(text, {});
    FUZZ_CHECK(added.ok() && *added == text, "AddSignatures of nothing changed the note");
  }
  std::vector<std::string> by;
  auto verified = note::Verify(text, {KeyVerifier()}, &by);
  if (verified.ok()) {
    FUZZ_CHECK(parsed.ok() && *verified == parsed->text, "Verify gave other text than Parse");
    FUZZ_CHECK(!by.empty() && by.front() == Key().name(), "verified by nobody");
  }
}

void SignVerify(absl::string_view text) {
  auto signed_note = note::Sign(text, Key());
  if (!signed_note.ok()) return;
  auto verified = note::Verify(*signed_note, {KeyVerifier()});
  FUZZ_CHECK(verified.ok() && *verified == text, "a signed note that does not verify");
}

void Keys(absl::string_view text) {
  auto v = crypto::Verifier::Parse(text);
  if (v.ok()) FUZZ_CHECK(v->ToString() == text, "a vkey that does not print back the same");
  auto key = crypto::SigningKey::Parse(text);
  if (key.ok()) {
    auto again = crypto::Verifier::Parse((*key)->VerifierKey());
    FUZZ_CHECK(again.ok() && again->name == (*key)->name(), "a key whose vkey does not parse");
  }
}

}  // namespace
}  // namespace fedlink::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const absl::string_view rest = fedlink::fuzz::AsText(data + 1, size - 1);
  switch (data[0] % 5) {
    case 0:
      fedlink::fuzz::Envelope(rest);
      break;
    case 1:
      fedlink::fuzz::SealOpen(rest);
      break;
    case 2:
      fedlink::fuzz::Note(rest);
      break;
    case 3:
      fedlink::fuzz::SignVerify(rest);
      break;
    case 4:
      fedlink::fuzz::Keys(rest);
      break;
  }
  return 0;
}
