#include "node/normalize/romanize.h"

#include <unicode/translit.h>
#include <unicode/unistr.h>

#include <memory>

#include "absl/strings/match.h"
#include "node/normalize/normalize.h"

namespace fedlink::normalize {
namespace {

enum class Script { kOther, kRussian, kUkrainian };

// Cyrillic letters decide the transliteration; Ukrainian has і ї є ґ that
// Russian does not.
Script DetectScript(const icu::UnicodeString& u) {
  bool cyrillic = false;
  for (int32_t i = 0; i < u.length(); ++i) {
    const char16_t c = u.charAt(i);
    if (c == 0x0456 || c == 0x0457 || c == 0x0454 || c == 0x0491 || c == 0x0406 || c == 0x0407 ||
        c == 0x0404 || c == 0x0490) {
      return Script::kUkrainian;
    }
    if (c >= 0x0400 && c <= 0x04FF) cyrillic = true;
  }
  return cyrillic ? Script::kRussian : Script::kOther;
}

std::unique_ptr<icu::Transliterator> Make(const char* id) {
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<icu::Transliterator> t(
      icu::Transliterator::createInstance(id, UTRANS_FORWARD, status));
  return U_SUCCESS(status) ? std::move(t) : nullptr;
}

// One transliterator per thread and script: ICU transliterators are not
// thread-safe, and creating one costs milliseconds.
icu::Transliterator* ThreadTransliterator(Script script) {
  thread_local std::unique_ptr<icu::Transliterator> russian =
      Make("NFKC; Russian-Latin/BGN; Any-Latin; Latin-ASCII");
  thread_local std::unique_ptr<icu::Transliterator> ukrainian =
      Make("NFKC; Ukrainian-Latin/BGN; Any-Latin; Latin-ASCII");
  return script == Script::kUkrainian ? ukrainian.get() : russian.get();
}

bool ReplaceAll(std::string* s, absl::string_view from, absl::string_view to) {
  bool any = false;
  size_t pos = 0;
  while ((pos = s->find(from.data(), pos, from.size())) != std::string::npos) {
    s->replace(pos, from.size(), to.data(), to.size());
    pos += to.size();
    any = true;
  }
  return any;
}

}  // namespace

std::string RomanizeName(absl::string_view text, absl::string_view nationality) {
  bool plain = true;
  for (char c : text) {
    if (static_cast<unsigned char>(c) >= 0x80) plain = false;
  }
  if (plain) return Name(text);
  icu::UnicodeString u = icu::UnicodeString::fromUTF8(
      icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));
  Script script = DetectScript(u);
  if (script == Script::kRussian && nationality == "UA") script = Script::kUkrainian;
  if (script == Script::kOther) return Name(text);
  icu::Transliterator* t = ThreadTransliterator(script);
  if (t == nullptr) return Name(text);
  t->transliterate(u);
  std::string latin;
  u.toUTF8String(latin);
  return Name(latin);  // case, punctuation, anything left non-ASCII
}

std::string FoldRomanisation(absl::string_view word) {
  std::string s(word);
  // Longest first: German tsch/sch before ts and the sh they produce.
  static constexpr std::pair<absl::string_view, absl::string_view> kRules[] = {
      // shch (BGN), schtsch (German), chtch (French): one sound.
      {"schtsch", "ch"},
      {"shch", "ch"},
      {"chtch", "ch"},
      // German and French ch-sounds, then sh: ш and ч fold together.
      {"tsch", "ch"},
      {"tch", "ch"},
      {"sch", "ch"},
      {"sh", "ch"},
      {"kh", "h"},
      {"zh", "ch"},  // German writes ж as sch too
      {"ks", "x"},
      {"ph", "f"},
      {"ou", "u"},  // French
      {"ts", "c"},
      {"tz", "c"},
      {"z", "c"},
      {"w", "v"},
      {"ye", "e"},
      {"y", "i"},
      {"j", "i"},
  };
  for (const auto& [from, to] : kRules) ReplaceAll(&s, from, to);
  std::string out;
  for (char c : s) {
    if (out.empty() || out.back() != c) out.push_back(c);
  }
  return out;
}

std::string FoldFamilyEnding(absl::string_view w) {
  std::string s(w);
  static constexpr std::pair<absl::string_view, absl::string_view> kEndings[] = {
      {"skaia", "ski"}, {"ckaia", "cki"}, {"ska", "ski"}, {"cka", "cki"},
      {"ova", "ov"},    {"eva", "ev"},    {"ina", "in"},
  };
  for (const auto& [from, to] : kEndings) {
    if (s.size() >= from.size() + 2 && absl::EndsWith(s, from)) {
      return s.substr(0, s.size() - from.size()) + std::string(to);
    }
  }
  return s;
}

}  // namespace fedlink::normalize
