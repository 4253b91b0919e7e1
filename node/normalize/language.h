// A language's name for people, from its BCP 47 tag, through ICU's locale
// data (the survivor's language on the console's "what we share about you"
// page).
#ifndef FEDLINK_NODE_NORMALIZE_LANGUAGE_H_
#define FEDLINK_NODE_NORMALIZE_LANGUAGE_H_

#include <string>

#include "absl/strings/string_view.h"

namespace fedlink::normalize {

// The name of the language `tag` names, in the language `display` names:
// LanguageName("uk", "en") is "Ukrainian", LanguageName("pt-BR", "en")
// "Portuguese (Brazil)". A tag ICU has no name for comes back as the tag
// itself; "" as "".
std::string LanguageName(absl::string_view tag, absl::string_view display = "en");

}  // namespace fedlink::normalize

#endif  // FEDLINK_NODE_NORMALIZE_LANGUAGE_H_
