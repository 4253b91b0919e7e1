// The data-quality report (issue 16, item 5): per field, how many records
// hold a value and how many values give no key (phones that are not
// numbers, bad IBANs, names in no script fedlink can read, dates without
// day or month); how many key types each record yields; and which records
// can never reach t key groups, so that can never be found by any peer
// however their data agree. A partner runs it at import (`fedlink import
// --report`) or on its store (`fedlink records quality`) to fix its data
// before it misses a match.
//
//   ASSIGN_OR_RETURN(DataQuality q, RecordsQuality(node));
//   for (const FieldQuality& f : q.fields) ...
//
// Counts and the records' own external ids only, never a value.
#ifndef FEDLINK_NODE_APP_DATA_QUALITY_H_
#define FEDLINK_NODE_APP_DATA_QUALITY_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "node/app/node.h"
#include "node/match/keyspec.h"
#include "node/record/person.h"

namespace fedlink::app {

struct FieldQuality {
  std::string field;    // import column name: given_name, family_name, dob, phone, ...
  size_t present = 0;   // records with at least one value
  size_t unusable = 0;  // values (names, dates: records) that give no key
};

struct DataQuality {
  size_t records = 0;
  int keyspec = 1;
  int t = match::keyspec::kDefaultMinAgreeingKeys;
  std::vector<FieldQuality> fields;  // in import column order
  double key_types_per_record = 0;   // mean distinct key types (key families)
  double keys_per_record = 0;
  // records_by_groups[g]: records whose keys span g key groups (the most a
  // pair of records can agree on); g < t can never open.
  std::vector<size_t> records_by_groups;
  std::vector<std::string> cannot_reach_t;  // their external ids, in order
};

// The report for `persons` with the keys of `options`, against t.
DataQuality AssessDataQuality(const std::vector<record::Person>& persons,
                              const match::keyspec::Options& options,
                              int t = match::keyspec::kDefaultMinAgreeingKeys);

// The report for every record the node holds, with the node's keyspec.
// Reads only the records: the node may be opened without its identity.
absl::StatusOr<DataQuality> RecordsQuality(Node& node);

}  // namespace fedlink::app

#endif  // FEDLINK_NODE_APP_DATA_QUALITY_H_
