// fedlink gen: synthetic people for two organisations with a known overlap
// (node/app/synthetic_data.h).
#include <iostream>

#include "absl/flags/flag.h"
#include "node/app/synthetic_data.h"
#include "node/cli/command.h"
#include "node/cli/flag_errors.h"
#include "node/cli/flags.h"
#include "node/cli/output.h"

ABSL_FLAG(double, overlap, 0.3, "Fraction of A's persons also in B (0..1).");
ABSL_FLAG(std::string, out_a, "", "Output CSV for organisation A.");
ABSL_FLAG(std::string, out_b, "", "Output CSV for organisation B.");
ABSL_FLAG(std::string, profile, "default",
          "Names and corruptions: default, or multiscript (docs/linkage.md).");

namespace fedlink::cli {
namespace {

int RunGen(const std::vector<std::string>& args) {
  auto profile = match::ParseProfile(absl::GetFlag(FLAGS_profile));
  if (!profile.ok()) return ReportError("gen", profile.status());
  match::GeneratorOptions o;
  if (*profile == match::Profile::kMultiscript) {
    o = match::MultiscriptOptions(absl::GetFlag(FLAGS_persons), absl::GetFlag(FLAGS_overlap),
                                  absl::GetFlag(FLAGS_seed));
  }
  o.persons = absl::GetFlag(FLAGS_persons);
  o.overlap = absl::GetFlag(FLAGS_overlap);
  o.seed = absl::GetFlag(FLAGS_seed);
  if (auto s = app::CheckGeneratorOptions(o); !s.ok()) {
    return ReportError("gen", NameFlags(s, {{"persons", "--persons"}, {"overlap", "--overlap"}}));
  }
  const std::string a = absl::GetFlag(FLAGS_out_a), b = absl::GetFlag(FLAGS_out_b),
                    truth = absl::GetFlag(FLAGS_truth);
  if (a.empty() || b.empty() || truth.empty()) {
    return ReportError("gen",
                       absl::InvalidArgumentError("--out-a, --out-b and --truth are required"));
  }
  auto d = app::GenerateSyntheticData(o);
  if (!d.ok()) return ReportError("gen", d.status());
  for (const auto& [path, content] :
       {std::pair<std::string, std::string>{a, d->a_csv}, {b, d->b_csv}, {truth, d->truth_csv}}) {
    if (auto s = WriteOutput(path, content); !s.ok()) return ReportError("gen", s);
  }
  std::cout << "wrote " << d->a_records << " records to " << a << ", " << d->b_records
            << " records to " << b << ", " << d->true_pairs << " true pairs to " << truth << "\n";
  return kExitOk;
}

FEDLINK_COMMAND("gen",
                "  fedlink gen --persons N --overlap F --out-a A.csv --out-b B.csv "
                "--truth truth.csv [--seed S]\n"
                "              [--profile default|multiscript]\n\n"
                "Writes synthetic people (no real person) for two organisations in the "
                "import\n"
                "CSV columns. B's copies of shared people carry realistic corruption: "
                "typos,\n"
                "other scripts and transliterations (Cyrillic, Greek), nicknames, dropped\n"
                "diacritics, swapped name order and day/month, missing fields, "
                "reformatted\n"
                "phones and documents; plus namesakes and suspects sharing phones.\n"
                "truth.csv has the header id_a,id_b.\n\n"
                "--profile multiscript: Slavic names in Cyrillic and several romanisations\n"
                "(BGN, passport, German, French), Anglo nicknames, Iberian compound\n"
                "surnames (cut in B), Romanian diacritics, West African names, Vietnamese\n"
                "names in either order; years off by one, unknown sex, two typos, more\n"
                "missing phones (docs/linkage.md).",
                "generate synthetic test data for two organisations with a known overlap",
                {"persons", "overlap", "out_a", "out_b", "truth", "seed", "profile"}, RunGen);

}  // namespace
}  // namespace fedlink::cli
