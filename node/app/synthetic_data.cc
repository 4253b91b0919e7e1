#include "node/app/synthetic_data.h"

#include "absl/strings/str_cat.h"
#include "node/common/status_macros.h"
#include "node/importer/importer.h"

namespace fedlink::app {

absl::Status CheckGeneratorOptions(const match::GeneratorOptions& options) {
  if (options.persons < 0 || options.persons > 10'000'000) {
    return absl::InvalidArgumentError("persons must be 0..10000000");
  }
  if (options.overlap < 0 || options.overlap > 1) {
    return absl::InvalidArgumentError("overlap must be between 0 and 1");
  }
  return absl::OkStatus();
}

absl::StatusOr<SyntheticData> GenerateSyntheticData(const match::GeneratorOptions& options) {
  RETURN_IF_ERROR(CheckGeneratorOptions(options));
  const match::GeneratedData generated = match::GeneratePeople(options);
  SyntheticData out;
  out.a_csv = importer::PersonsToCsv(generated.a);
  out.b_csv = importer::PersonsToCsv(generated.b);
  out.truth_csv = "id_a,id_b\n";
  for (const auto& [id_a, id_b] : generated.truth) {
    absl::StrAppend(&out.truth_csv, id_a, ",", id_b, "\n");
  }
  out.a_records = generated.a.size();
  out.b_records = generated.b.size();
  out.true_pairs = generated.truth.size();
  return out;
}

}  // namespace fedlink::app
