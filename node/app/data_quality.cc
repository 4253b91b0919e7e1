#include "node/app/data_quality.h"

#include "node/app/key_options.h"
#include "node/common/status_macros.h"
#include "node/normalize/normalize.h"
#include "node/normalize/romanize.h"

namespace fedlink::app {
namespace {

enum Field {
  kGiven,
  kFamily,
  kDob,
  kSex,
  kPhone,
  kEmail,
  kDocument,
  kHandle,
  kIban,
  kPlate,
  kAddress
};
constexpr const char* kFieldNames[] = {"given_name", "family_name", "dob",      "sex",
                                       "phone",      "email",       "document", "handle",
                                       "iban",       "plate",       "address"};

}  // namespace

DataQuality AssessDataQuality(const std::vector<record::Person>& persons,
                              const match::keyspec::Options& options, int t) {
  DataQuality q;
  q.records = persons.size();
  q.keyspec = static_cast<int>(options.version);
  q.t = t;
  for (const char* name : kFieldNames) q.fields.push_back({name, 0, 0});
  q.records_by_groups.assign(match::keyspec::kKeyGroupCount + 1, 0);
  size_t key_types = 0, keys = 0;
  auto name_field = [&](Field f, const std::string& value, const std::string& nationality) {
    if (value.empty()) return;
    ++q.fields[f].present;
    const std::string words = options.version == match::keyspec::Version::kV2
                                  ? normalize::RomanizeName(value, nationality)
                                  : normalize::Name(value);
    if (words.empty()) ++q.fields[f].unusable;  // no letter fedlink can read
  };
  auto multi = [&](Field f, const std::vector<std::string>& values, uint64_t dropped) {
    if (!values.empty()) ++q.fields[f].present;
    q.fields[f].unusable += dropped;
  };
  for (const record::Person& p : persons) {
    name_field(kGiven, p.given_name, p.nationality);
    name_field(kFamily, p.family_name, p.nationality);
    if (!p.dob.empty()) {
      ++q.fields[kDob].present;
      if (p.dob.day == 0) ++q.fields[kDob].unusable;  // no day: no date key
    }
    if (p.sex != record::Sex::kUnknown) ++q.fields[kSex].present;
    match::keyspec::DropCounts drops;
    const std::vector<match::keyspec::Key> derived = match::keyspec::DeriveKeys(p, options, &drops);
    multi(kPhone, p.phones, drops.phones);
    multi(kEmail, p.emails, drops.emails);
    multi(kDocument, p.documents, drops.documents);
    multi(kHandle, p.handles, drops.handles);
    multi(kIban, p.ibans, drops.ibans);
    multi(kPlate, p.plates, drops.plates);
    multi(kAddress, p.addresses, 0);
    uint32_t pattern = 0;
    for (const match::keyspec::Key& k : derived) pattern |= 1u << static_cast<int>(k.type);
    key_types += __builtin_popcount(pattern);
    keys += derived.size();
    const int groups = match::keyspec::AgreeingGroups(pattern);
    ++q.records_by_groups[groups];
    if (groups < t) q.cannot_reach_t.push_back(p.external_id);
  }
  if (!persons.empty()) {
    q.key_types_per_record = static_cast<double>(key_types) / persons.size();
    q.keys_per_record = static_cast<double>(keys) / persons.size();
  }
  return q;
}

absl::StatusOr<DataQuality> RecordsQuality(Node& node) {
  ASSIGN_OR_RETURN(const std::vector<record::Person> persons, node.records().LoadAll());
  return AssessDataQuality(persons, KeyOptions(node.config()));
}

}  // namespace fedlink::app
