#include "node/normalize/normalize.h"

#include <phonenumbers/phonenumberutil.h>
#include <unicode/translit.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <memory>

#include "absl/strings/ascii.h"

namespace fedlink::normalize {
namespace {

// One transliterator per thread: ICU transliterators are not thread-safe,
// and creating one costs milliseconds.
icu::Transliterator* ThreadTransliterator() {
  thread_local std::unique_ptr<icu::Transliterator> t = [] {
    UErrorCode status = U_ZERO_ERROR;
    std::unique_ptr<icu::Transliterator> tr(icu::Transliterator::createInstance(
        "NFKC; Any-Latin; Latin-ASCII; Lower", UTRANS_FORWARD, status));
    return U_SUCCESS(status) ? std::move(tr) : nullptr;
  }();
  return t.get();
}

bool IsAsciiAlnum(char c) { return absl::ascii_isalnum(static_cast<unsigned char>(c)); }

std::string UpperAlnum(absl::string_view text) {
  std::string out;
  for (char c : text) {
    if (IsAsciiAlnum(c)) out.push_back(absl::ascii_toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

}  // namespace

std::string Name(absl::string_view text) {
  std::string ascii;
  bool plain = true;
  for (char c : text) {
    if (static_cast<unsigned char>(c) >= 0x80) plain = false;
  }
  if (plain) {
    ascii = absl::AsciiStrToLower(text);
  } else if (icu::Transliterator* t = ThreadTransliterator()) {
    icu::UnicodeString u = icu::UnicodeString::fromUTF8(
        icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));
    u.foldCase();
    t->transliterate(u);
    u.toUTF8String(ascii);
    ascii = absl::AsciiStrToLower(ascii);
  }
  // Letters and digits; everything else separates words.
  std::string out;
  bool pending_space = false;
  for (char c : ascii) {
    if (IsAsciiAlnum(c)) {
      if (pending_space && !out.empty()) out.push_back(' ');
      pending_space = false;
      out.push_back(c);
    } else if (c == '\'' || c == '`') {
      // O'Brien -> obrien: apostrophes join.
    } else {
      pending_space = true;
    }
  }
  return out;
}

absl::StatusOr<std::string> Phone(absl::string_view text, absl::string_view default_region) {
  using i18n::phonenumbers::PhoneNumber;
  using i18n::phonenumbers::PhoneNumberUtil;
  const PhoneNumberUtil* util = PhoneNumberUtil::GetInstance();
  std::string input(text);
  // "00" international prefix, common in Europe, is not known to every
  // region's metadata: make it "+".
  size_t first = input.find_first_not_of(" \t(");
  if (first != std::string::npos && input.compare(first, 2, "00") == 0) {
    input = "+" + input.substr(first + 2);
  }
  PhoneNumber number;
  if (util->Parse(input, std::string(default_region), &number) !=
      PhoneNumberUtil::NO_PARSING_ERROR) {
    return absl::InvalidArgumentError("phone: not a phone number");
  }
  if (!util->IsPossibleNumber(number)) {
    return absl::InvalidArgumentError("phone: not a possible number for its country");
  }
  std::string out;
  util->Format(number, PhoneNumberUtil::E164, &out);
  // Some odd inputs (runs of zeros after punctuation) parse to a number
  // whose E.164 form parses to another number: such a value would derive
  // different keys each time it is normalised, so it is refused.
  PhoneNumber again;
  std::string again_out;
  if (util->Parse(out, std::string(default_region), &again) != PhoneNumberUtil::NO_PARSING_ERROR ||
      (util->Format(again, PhoneNumberUtil::E164, &again_out), again_out != out)) {
    return absl::InvalidArgumentError("phone: not a phone number (no single canonical form)");
  }
  return out;
}

absl::StatusOr<std::string> Email(absl::string_view text) {
  std::string e = absl::AsciiStrToLower(absl::StripAsciiWhitespace(text));
  const size_t at = e.find('@');
  if (at == std::string::npos || at == 0 || at + 1 >= e.size() ||
      e.find('@', at + 1) != std::string::npos || e.find(' ') != std::string::npos ||
      e.find('.', at) == std::string::npos) {
    return absl::InvalidArgumentError("email: not an e-mail address");
  }
  return e;
}

absl::StatusOr<std::string> Document(absl::string_view text) {
  std::string d = UpperAlnum(text);
  if (d.size() < 4) return absl::InvalidArgumentError("document: too short");
  return d;
}

bool IbanChecksumValid(absl::string_view iban) {
  if (iban.size() < 15 || iban.size() > 34) return false;
  if (!absl::ascii_isupper(static_cast<unsigned char>(iban[0])) ||
      !absl::ascii_isupper(static_cast<unsigned char>(iban[1])) ||
      !absl::ascii_isdigit(static_cast<unsigned char>(iban[2])) ||
      !absl::ascii_isdigit(static_cast<unsigned char>(iban[3]))) {
    return false;
  }
  int remainder = 0;
  auto feed = [&](char c) {
    if (absl::ascii_isdigit(static_cast<unsigned char>(c))) {
      remainder = (remainder * 10 + (c - '0')) % 97;
    } else {
      remainder = (remainder * 100 + (c - 'A' + 10)) % 97;
    }
  };
  for (char c : iban.substr(4)) feed(c);
  for (char c : iban.substr(0, 4)) feed(c);
  return remainder == 1;
}

absl::StatusOr<std::string> Iban(absl::string_view text) {
  std::string i = UpperAlnum(text);
  if (!IbanChecksumValid(i)) return absl::InvalidArgumentError("iban: checksum or format invalid");
  return i;
}

absl::StatusOr<std::string> Plate(absl::string_view text) {
  std::string p = UpperAlnum(text);
  if (p.size() < 2) return absl::InvalidArgumentError("plate: too short");
  return p;
}

absl::StatusOr<std::string> Handle(absl::string_view text) {
  // Whitespace anywhere goes first, then the leading '@'s: so the result
  // has none of either and normalises to itself.
  std::string out;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (!absl::ascii_isspace(u)) out.push_back(absl::ascii_tolower(u));
  }
  out.erase(0, std::min(out.find_first_not_of('@'), out.size()));
  if (out.size() < 2) return absl::InvalidArgumentError("handle: too short");
  return out;
}

}  // namespace fedlink::normalize
