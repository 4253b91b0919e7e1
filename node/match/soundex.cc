#include "node/match/soundex.h"

#include "absl/strings/ascii.h"

namespace fedlink::match {
namespace {

// Digit class of a lower-case letter; '0' for vowels (and y), 'h'/'w' are
// special ('-'), other characters ' ' (ignored).
char Code(char c) {
  switch (c) {
    case 'b':
    case 'f':
    case 'p':
    case 'v':
      return '1';
    case 'c':
    case 'g':
    case 'j':
    case 'k':
    case 'q':
    case 's':
    case 'x':
    case 'z':
      return '2';
    case 'd':
    case 't':
      return '3';
    case 'l':
      return '4';
    case 'm':
    case 'n':
      return '5';
    case 'r':
      return '6';
    case 'h':
    case 'w':
      return '-';
    case 'a':
    case 'e':
    case 'i':
    case 'o':
    case 'u':
    case 'y':
      return '0';
    default:
      return ' ';
  }
}

}  // namespace

std::string Soundex(absl::string_view word) {
  std::string out;
  char last = 0;
  for (char raw : word) {
    const char c = absl::ascii_tolower(static_cast<unsigned char>(raw));
    const char code = Code(c);
    if (code == ' ') continue;
    if (out.empty()) {
      out.push_back(absl::ascii_toupper(static_cast<unsigned char>(c)));
      last = code;
      continue;
    }
    if (code == '-') continue;  // h, w: keep `last`, so equal codes merge
    if (code == '0') {
      last = '0';  // vowels separate equal codes
      continue;
    }
    if (code != last) out.push_back(code);
    last = code;
    if (out.size() == 4) break;
  }
  if (!out.empty()) out.resize(4, '0');
  return out;
}

}  // namespace fedlink::match
