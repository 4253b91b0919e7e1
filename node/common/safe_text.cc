#include "node/common/safe_text.h"

#include <cstdint>

#include "absl/strings/str_format.h"

namespace fedlink::common {
namespace {

// The length of the well-formed UTF-8 sequence at the start of `s` (1..4),
// or 0 if it is not one (a stray continuation byte, an overlong form, a
// surrogate, a value above U+10FFFF or a truncated sequence).
size_t Utf8Length(absl::string_view s, uint32_t* code_point) {
  const auto b = [&](size_t i) { return static_cast<uint8_t>(s[i]); };
  const uint8_t lead = b(0);
  if (lead < 0x80) {
    *code_point = lead;
    return 1;
  }
  size_t n;
  uint8_t lo = 0x80, hi = 0xBF;  // the range allowed for the second byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    n = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    n = 3;
    if (lead == 0xE0) lo = 0xA0;  // no overlong form
    if (lead == 0xED) hi = 0x9F;  // no surrogate
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    n = 4;
    if (lead == 0xF0) lo = 0x90;  // no overlong form
    if (lead == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
  } else {
    return 0;
  }
  if (s.size() < n || b(1) < lo || b(1) > hi) return 0;
  uint32_t cp = lead & (0x7F >> n);
  for (size_t i = 1; i < n; ++i) {
    if ((b(i) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b(i) & 0x3F);
  }
  *code_point = cp;
  return n;
}

bool IsControl(uint32_t cp) { return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F); }

bool IsLayoutControl(uint32_t cp) {
  return cp == 0x200E || cp == 0x200F || cp == 0x2028 || cp == 0x2029 ||
         (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

void AppendBytes(absl::string_view bytes, std::string* out) {
  for (char c : bytes) absl::StrAppendFormat(out, "\\x%02x", static_cast<uint8_t>(c));
}

}  // namespace

std::string EscapeForDisplay(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  while (!text.empty()) {
    uint32_t cp = 0;
    const size_t n = Utf8Length(text, &cp);
    if (n == 0) {
      AppendBytes(text.substr(0, 1), &out);
      text.remove_prefix(1);
      continue;
    }
    if (IsControl(cp)) {
      AppendBytes(text.substr(0, n), &out);
    } else if (IsLayoutControl(cp)) {
      absl::StrAppendFormat(&out, "\\u%04X", cp);
    } else {
      out.append(text.data(), n);
    }
    text.remove_prefix(n);
  }
  return out;
}

}  // namespace fedlink::common
