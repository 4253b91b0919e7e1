// American Soundex (the U.S. National Archives' rules, as in Knuth, TAOCP
// vol. 3): the first letter, then up to three digits for the consonant
// classes; H and W do not separate equal codes, vowels do. Input: the ASCII
// output of normalize::Name (other characters are ignored).
#ifndef FEDLINK_NODE_MATCH_SOUNDEX_H_
#define FEDLINK_NODE_MATCH_SOUNDEX_H_

#include <string>

#include "absl/strings/string_view.h"

namespace fedlink::match {

// "robert" -> "R163"; "" -> "".
std::string Soundex(absl::string_view word);

}  // namespace fedlink::match

#endif  // FEDLINK_NODE_MATCH_SOUNDEX_H_
