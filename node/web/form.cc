#include "node/web/form.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"

namespace fedlink::web {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

absl::StatusOr<std::string> Decode(absl::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '+') {
      out.push_back(' ');
    } else if (in[i] == '%') {
      if (i + 2 >= in.size()) {
        return absl::InvalidArgumentError("form: a %-escape is cut short");
      }
      const int hi = HexValue(in[i + 1]);
      const int lo = HexValue(in[i + 2]);
      if (hi < 0 || lo < 0) return absl::InvalidArgumentError("form: a malformed %-escape");
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(in[i]);
    }
  }
  return out;
}

}  // namespace

absl::StatusOr<Form> ParseForm(absl::string_view body, size_t max_fields) {
  Form form;
  size_t fields = 0;
  for (absl::string_view pair : absl::StrSplit(body, '&', absl::SkipEmpty())) {
    if (++fields > max_fields) return absl::InvalidArgumentError("form: too many fields");
    const size_t eq = pair.find('=');
    auto name = Decode(pair.substr(0, eq));
    if (!name.ok()) return name.status();
    auto value = Decode(eq == absl::string_view::npos ? "" : pair.substr(eq + 1));
    if (!value.ok()) return value.status();
    form[*name] = *std::move(value);
  }
  return form;
}

std::string CookieValue(absl::string_view header, absl::string_view name) {
  for (absl::string_view part : absl::StrSplit(header, ';')) {
    part = absl::StripAsciiWhitespace(part);
    const size_t eq = part.find('=');
    if (eq != absl::string_view::npos && part.substr(0, eq) == name) {
      return std::string(part.substr(eq + 1));
    }
  }
  return "";
}

}  // namespace fedlink::web
