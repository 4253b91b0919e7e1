// Synthetic people for two organisations with a known overlap (no real
// person), in the import CSV columns, for demos, tests and benchmarks
// (node/match/generator.h describes the corruption applied to B's copies).
//
//   ASSIGN_OR_RETURN(app::SyntheticData data,
//                    app::GenerateSyntheticData({.persons = 1000, .overlap =
//                    0.3}));
#ifndef FEDLINK_NODE_APP_SYNTHETIC_DATA_H_
#define FEDLINK_NODE_APP_SYNTHETIC_DATA_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "node/match/generator.h"

namespace fedlink::app {

struct SyntheticData {
  std::string a_csv;      // organisation A's records
  std::string b_csv;      // organisation B's records
  std::string truth_csv;  // header id_a,id_b: the true pairs
  size_t a_records = 0;
  size_t b_records = 0;
  size_t true_pairs = 0;
};

// InvalidArgument (naming the CLI flag) unless 0 <= persons <= 10,000,000
// and 0 <= overlap <= 1.
absl::Status CheckGeneratorOptions(const match::GeneratorOptions& options);
// Deterministic for a given options.seed; checks the options first.
absl::StatusOr<SyntheticData> GenerateSyntheticData(const match::GeneratorOptions& options);

}  // namespace fedlink::app

#endif  // FEDLINK_NODE_APP_SYNTHETIC_DATA_H_
