// fedlink gen: synthetic people for two organisations with a known overlap.
#include <fstream>
#include <iostream>

#include "absl/flags/flag.h"
#include "node/cli/command.h"
#include "node/cli/flags.h"
#include "node/importer/importer.h"
#include "node/match/generator.h"

ABSL_FLAG(double, overlap, 0.3, "Fraction of A's persons also in B (0..1).");
ABSL_FLAG(std::string, out_a, "", "Output CSV for organisation A.");
ABSL_FLAG(std::string, out_b, "", "Output CSV for organisation B.");

namespace fedlink::cli {
namespace {

absl::Status WriteFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  out.close();
  if (!out)
    return absl::PermissionDeniedError(absl::StrCat(path, ": cannot write"));
  return absl::OkStatus();
}

int RunGen(const std::vector<std::string>& args) {
  GeneratorOptions o;
  o.persons = absl::GetFlag(FLAGS_persons);
  o.overlap = absl::GetFlag(FLAGS_overlap);
  o.seed = absl::GetFlag(FLAGS_seed);
  if (o.persons < 0 || o.persons > 10'000'000) {
    return ReportError(
        "gen", absl::InvalidArgumentError("--persons must be 0..10000000"));
  }
  if (o.overlap < 0 || o.overlap > 1) {
    return ReportError(
        "gen", absl::InvalidArgumentError("--overlap must be between 0 and 1"));
  }
  const std::string a = absl::GetFlag(FLAGS_out_a),
                    b = absl::GetFlag(FLAGS_out_b),
                    truth = absl::GetFlag(FLAGS_truth);
  if (a.empty() || b.empty() || truth.empty()) {
    return ReportError("gen", absl::InvalidArgumentError(
                                  "--out-a, --out-b and --truth are required"));
  }
  GeneratedData d = GeneratePeople(o);
  std::string truth_csv = "id_a,id_b\n";
  for (const auto& [ida, idb] : d.truth)
    absl::StrAppend(&truth_csv, ida, ",", idb, "\n");
  for (const auto& [path, content] :
       {std::pair<std::string, std::string>{a, PersonsToCsv(d.a)},
        {b, PersonsToCsv(d.b)},
        {truth, truth_csv}}) {
    if (auto s = WriteFile(path, content); !s.ok())
      return ReportError("gen", s);
  }
  std::cout << "wrote " << d.a.size() << " records to " << a << ", "
            << d.b.size() << " records to " << b << ", " << d.truth.size()
            << " true pairs to " << truth << "\n";
  return kExitOk;
}

FEDLINK_COMMAND(
    "gen",
    "  fedlink gen --persons N --overlap F --out-a A.csv --out-b B.csv "
    "--truth truth.csv [--seed S]\n\n"
    "Writes synthetic people (no real person) for two organisations in the "
    "import\n"
    "CSV columns. B's copies of shared people carry realistic corruption: "
    "typos,\n"
    "other scripts and transliterations (Cyrillic, Greek), nicknames, dropped\n"
    "diacritics, swapped name order and day/month, missing fields, "
    "reformatted\n"
    "phones and documents; plus namesakes and suspects sharing phones.\n"
    "truth.csv has the header id_a,id_b.",
    "generate synthetic test data for two organisations with a known overlap",
    {"persons", "overlap", "out_a", "out_b", "truth", "seed"}, RunGen);

}  // namespace
}  // namespace fedlink::cli
