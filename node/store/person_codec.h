// The plaintext of a sealed record (node.db, table sealed_records, column
// person): every field of a Person, as one value list (value_list.h):
//
//   [ "2" (format), external_id, role, given_name, family_name, dob year,
//     dob month, dob day, sex, nationality, officer, consent_expires_at,
//     aliases, phones, emails, documents, handles, ibans, plates, addresses,
//     consent, labels, language ]
//
// numbers in decimal, each multi-valued field itself an encoded list.
// Format "1" (written before the language was kept) has no language field
// and still decodes (language "").
#ifndef FEDLINK_NODE_STORE_PERSON_CODEC_H_
#define FEDLINK_NODE_STORE_PERSON_CODEC_H_

#include <string>

#include "absl/strings/string_view.h"
#include "node/record/person.h"

namespace fedlink::store {

void EncodePerson(const record::Person& person, std::string* out);
// False on a malformed encoding (*out is then unspecified).
bool DecodePerson(absl::string_view encoded, record::Person* out);

}  // namespace fedlink::store

#endif  // FEDLINK_NODE_STORE_PERSON_CODEC_H_
