#include "node/store/person_codec.h"

#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "node/store/value_list.h"

namespace fedlink::store {
namespace {

// Format 1 has 22 fields; format 2 appends the language.
constexpr char kFormat1[] = "1";
constexpr char kFormat[] = "2";
constexpr size_t kFields1 = 22;
constexpr size_t kFields = 23;

std::vector<std::string> record::Person::*const kLists[] = {
    &record::Person::aliases,   &record::Person::phones,    &record::Person::emails,
    &record::Person::documents, &record::Person::handles,   &record::Person::ibans,
    &record::Person::plates,    &record::Person::addresses, &record::Person::consent,
    &record::Person::labels};

template <typename T>
bool ToInt(const std::string& s, T* out) {
  int64_t v = 0;
  if (!absl::SimpleAtoi(s, &v)) return false;
  *out = static_cast<T>(v);
  return true;
}

}  // namespace

void EncodePerson(const record::Person& p, std::string* out) {
  std::vector<std::string> fields;
  fields.reserve(kFields);
  fields.push_back(kFormat);
  fields.push_back(p.external_id);
  fields.push_back(absl::StrCat(static_cast<int>(p.role)));
  fields.push_back(p.given_name);
  fields.push_back(p.family_name);
  fields.push_back(absl::StrCat(p.dob.year));
  fields.push_back(absl::StrCat(p.dob.month));
  fields.push_back(absl::StrCat(p.dob.day));
  fields.push_back(absl::StrCat(static_cast<int>(p.sex)));
  fields.push_back(p.nationality);
  fields.push_back(p.officer);
  fields.push_back(absl::StrCat(p.consent_expires_at));
  std::string list;
  for (auto field : kLists) {
    EncodeList(p.*field, &list);
    fields.push_back(list);
  }
  fields.push_back(p.language);
  EncodeList(fields, out);
}

bool DecodePerson(absl::string_view encoded, record::Person* p) {
  std::vector<std::string> f;
  if (!DecodeList(encoded, &f)) return false;
  if (!(f.size() == kFields && f[0] == kFormat) && !(f.size() == kFields1 && f[0] == kFormat1)) {
    return false;
  }
  p->external_id = f[1];
  int role = 0, sex = 0;
  if (!ToInt(f[2], &role) || role < 1 || role > 4) return false;
  p->role = static_cast<record::Role>(role);
  p->given_name = f[3];
  p->family_name = f[4];
  if (!ToInt(f[5], &p->dob.year) || !ToInt(f[6], &p->dob.month) || !ToInt(f[7], &p->dob.day)) {
    return false;
  }
  if (!ToInt(f[8], &sex) || sex < 0 || sex > 3) return false;
  p->sex = static_cast<record::Sex>(sex);
  p->nationality = f[9];
  p->officer = f[10];
  if (!ToInt(f[11], &p->consent_expires_at)) return false;
  for (size_t i = 0; i < std::size(kLists); ++i) {
    (p->*kLists[i]).clear();
    if (!DecodeList(f[12 + i], &(p->*kLists[i]))) return false;
  }
  p->language = f.size() == kFields ? f[22] : "";
  return true;
}

}  // namespace fedlink::store
