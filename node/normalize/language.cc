#include "node/normalize/language.h"

#include <unicode/locid.h>
#include <unicode/unistr.h>

namespace fedlink::normalize {

std::string LanguageName(absl::string_view tag, absl::string_view display) {
  if (tag.empty()) return "";
  UErrorCode status = U_ZERO_ERROR;
  const icu::Locale locale = icu::Locale::forLanguageTag(std::string(tag), status);
  if (U_FAILURE(status) || locale.isBogus()) return std::string(tag);
  status = U_ZERO_ERROR;
  const icu::Locale in = icu::Locale::forLanguageTag(std::string(display), status);
  icu::UnicodeString name;
  locale.getDisplayName(U_FAILURE(status) ? icu::Locale::getEnglish() : in, name);
  std::string out;
  name.toUTF8String(out);
  // ICU echoes a language it has no name for ("zz"): show the tag then.
  return out.empty() ? std::string(tag) : out;
}

}  // namespace fedlink::normalize
