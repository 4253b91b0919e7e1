// A peer's answer in plain words for the person at intake: which details
// agree and how strong the evidence is (console_text.h holds the words).
#ifndef FEDLINK_NODE_WEB_PLAIN_WORDS_H_
#define FEDLINK_NODE_WEB_PLAIN_WORDS_H_

#include <string>

#include "absl/strings/string_view.h"

namespace fedlink::web {

// "phone;name_dob" -> "phone number and name with date of birth"; a key
// type without words is shown by its name.
std::string KeysInWords(absl::string_view keys);
// The match score (bits of evidence, node/match/scorer.h): high from 30
// bits (several independent details agree), medium from 20, else low.
absl::string_view StrengthInWords(double score);

}  // namespace fedlink::web

#endif  // FEDLINK_NODE_WEB_PLAIN_WORDS_H_
