// Synthetic data: the requested sizes and overlap, deterministic per seed,
// and the options refused.
#include "node/app/synthetic_data.h"

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"

namespace fedlink::app {
namespace {

TEST(SyntheticDataTest, TwoOrganisationsWithAKnownOverlap) {
  match::GeneratorOptions options;
  options.persons = 200;
  options.overlap = 0.25;
  options.seed = 7;
  auto data = GenerateSyntheticData(options);
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(data->a_records, 200u);
  EXPECT_GT(data->b_records, 0u);
  EXPECT_NEAR(static_cast<double>(data->true_pairs), 50, 15);
  EXPECT_TRUE(absl::StartsWith(data->truth_csv, "id_a,id_b\n"));
  const std::vector<absl::string_view> truth_lines =
      absl::StrSplit(data->truth_csv, '\n', absl::SkipEmpty());
  EXPECT_EQ(truth_lines.size(), data->true_pairs + 1);
  const std::vector<absl::string_view> a_lines =
      absl::StrSplit(data->a_csv, '\n', absl::SkipEmpty());
  EXPECT_EQ(a_lines.size(), data->a_records + 1);  // with the header

  auto again = GenerateSyntheticData(options);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->a_csv, data->a_csv);
  EXPECT_EQ(again->b_csv, data->b_csv);
  options.seed = 8;
  EXPECT_NE(GenerateSyntheticData(options)->a_csv, data->a_csv);
}

TEST(SyntheticDataTest, RefusesOutOfRangeOptions) {
  match::GeneratorOptions too_many;
  too_many.persons = 10'000'001;
  EXPECT_EQ(GenerateSyntheticData(too_many).status(),
            absl::InvalidArgumentError("persons must be 0..10000000"));
  match::GeneratorOptions negative;
  negative.persons = -1;
  EXPECT_EQ(CheckGeneratorOptions(negative),
            absl::InvalidArgumentError("persons must be 0..10000000"));
  for (double overlap : {-0.1, 1.5}) {
    match::GeneratorOptions options;
    options.overlap = overlap;
    EXPECT_EQ(CheckGeneratorOptions(options),
              absl::InvalidArgumentError("overlap must be between 0 and 1"));
  }
}

}  // namespace
}  // namespace fedlink::app
