// Fuzz target: normalisation of names and selectors (node/normalize), which
// every node must apply identically before deriving keys. Input: an
// optional first line with a default phone region ("GB"), then the value.
// Every normaliser is idempotent (a normalised value normalises to itself,
// or two nodes holding the same person in different spellings would derive
// different keys from the canonical form), and what it returns has the
// documented shape.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/ascii.h"
#include "fuzz/fuzz_support.h"
#include "node/normalize/normalize.h"

namespace normalize = fedlink::normalize;

namespace {

bool All(absl::string_view s, bool (*ok)(unsigned char)) {
  for (char c : s) {
    if (!ok(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

bool LowerAlnumOrSpace(unsigned char c) {
  return absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == ' ';
}
bool UpperAlnum(unsigned char c) { return absl::ascii_isupper(c) || absl::ascii_isdigit(c); }
bool Digit(unsigned char c) { return absl::ascii_isdigit(c); }

// `f` accepted `value` as `out`: `f(out)` must give `out` again.
template <typename F>
void CheckIdempotent(F f, const std::string& out, const char* what) {
  auto again = f(out);
  FUZZ_CHECK(again.ok() && *again == out, what);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::string_view value = fedlink::fuzz::AsText(data, size);
  std::string region = "GB";
  if (const size_t nl = value.find('\n'); nl != absl::string_view::npos && nl <= 3) {
    region = std::string(value.substr(0, nl));
    value.remove_prefix(nl + 1);
  }

  const std::string name = normalize::Name(value);
  FUZZ_CHECK(All(name, LowerAlnumOrSpace), "a name with other than [a-z0-9 ]");
  FUZZ_CHECK(name.empty() || (name.front() != ' ' && name.back() != ' '),
             "a name with an outer space");
  FUZZ_CHECK(name.find("  ") == std::string::npos, "a name with a double space");
  FUZZ_CHECK(normalize::Name(name) == name, "Name is not idempotent");

  if (auto phone = normalize::Phone(value, region); phone.ok()) {
    FUZZ_CHECK(phone->size() >= 2 && phone->size() <= 18 && (*phone)[0] == '+' &&
                   All(absl::string_view(*phone).substr(1), Digit),
               "a phone that is not E.164");
    CheckIdempotent([&](const std::string& s) { return normalize::Phone(s, region); }, *phone,
                    "Phone is not idempotent");
  }
  if (auto email = normalize::Email(value); email.ok()) {
    FUZZ_CHECK(absl::AsciiStrToLower(*email) == *email, "an e-mail not lower-cased");
    CheckIdempotent(normalize::Email, *email, "Email is not idempotent");
  }
  if (auto document = normalize::Document(value); document.ok()) {
    FUZZ_CHECK(document->size() >= 4 && All(*document, UpperAlnum), "a malformed document");
    CheckIdempotent(normalize::Document, *document, "Document is not idempotent");
  }
  if (auto iban = normalize::Iban(value); iban.ok()) {
    FUZZ_CHECK(normalize::IbanChecksumValid(*iban) && All(*iban, UpperAlnum), "a bad IBAN");
    CheckIdempotent(normalize::Iban, *iban, "Iban is not idempotent");
  }
  if (auto plate = normalize::Plate(value); plate.ok()) {
    FUZZ_CHECK(plate->size() >= 2 && All(*plate, UpperAlnum), "a malformed plate");
    CheckIdempotent(normalize::Plate, *plate, "Plate is not idempotent");
  }
  if (auto handle = normalize::Handle(value); handle.ok()) {
    FUZZ_CHECK(handle->size() >= 2 && (*handle)[0] != '@', "a handle with a leading '@'");
    FUZZ_CHECK(absl::AsciiStrToLower(*handle) == *handle, "a handle not lower-cased");
    CheckIdempotent(normalize::Handle, *handle, "Handle is not idempotent");
  }
  return 0;
}
