// The person (name and date) keys of each keyspec version, for
// keyspec::DeriveKeys (keyspec.h documents every key); internal to
// node/match. A sink receives (type, value); DeriveKeys adds the prefix,
// sorts and removes duplicates.
#ifndef FEDLINK_NODE_MATCH_PERSON_KEYS_H_
#define FEDLINK_NODE_MATCH_PERSON_KEYS_H_

#include <functional>

#include "absl/strings/string_view.h"
#include "node/match/keyspec.h"
#include "node/record/person.h"

namespace fedlink::match::keyspec {

using KeySink = std::function<void(KeyType, absl::string_view)>;

void AddPersonKeysV1(const record::Person& person, const KeySink& add);  // keyspec.cc
void AddPersonKeysV2(const record::Person& person, const KeySink& add);  // keyspec_v2.cc

// keyspec v2's name words: RomanizeName, FoldRomanisation (and for family
// names FoldFamilyEnding), words of one letter dropped. Exposed for tests
// and the data-quality report.
// `nationality`: the record's (ISO 3166 alpha-2), for the transliteration.
std::vector<std::string> GivenWordsV2(absl::string_view given_name,
                                      absl::string_view nationality = "");
std::vector<std::string> FamilyWordsV2(absl::string_view family_name,
                                       absl::string_view nationality = "");

}  // namespace fedlink::match::keyspec

#endif  // FEDLINK_NODE_MATCH_PERSON_KEYS_H_
