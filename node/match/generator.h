// Synthetic people for two organisations with a known overlap and realistic
// corruption, for tests, demos and linkage-quality evaluation. No real
// person is in the output: names come from small built-in pools and every
// selector is drawn at random (IBANs carry valid check digits).
#ifndef FEDLINK_NODE_MATCH_GENERATOR_H_
#define FEDLINK_NODE_MATCH_GENERATOR_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "node/record/person.h"

namespace fedlink::match {

// Which names and corruptions: kDefault (node/match/data/cultures.tsv) or
// kMultiscript (data/multiscript.tsv: Slavic names in Cyrillic and several
// romanisations, Anglo nicknames, Iberian compound surnames, Romanian
// diacritics, West African names, Vietnamese names in either order; with
// years off by one, cut compound surnames, unknown sex, more typos and
// missing phones). MultiscriptOptions() sets its corruption rates.
enum class Profile { kDefault, kMultiscript };
// "default" or "multiscript"; InvalidArgument names the flag otherwise.
absl::StatusOr<Profile> ParseProfile(absl::string_view name);

struct GeneratorOptions {
  Profile profile = Profile::kDefault;
  int persons = 1000;    // records per organisation
  double overlap = 0.3;  // fraction of A's persons also known to B
  uint64_t seed = 1;
  // Corruption applied to B's copy of a shared person (each a probability).
  double typo = 0.25;            // one edit in the given or family name
  double transliteration = 0.5;  // other script or spelling of a non-Latin name
  double nickname = 0.3;         // nickname for names that have one
  double drop_diacritics = 0.5;  // José -> Jose
  double swap_names = 0.08;      // given and family name swapped
  double swap_day_month = 0.08;  // 03/04 -> 04/03 (when both are <= 12)
  double missing_dob = 0.08;
  double missing_phone = 0.2;
  double missing_email = 0.3;
  double namesakes = 0.05;            // B people sharing a name (not dob) with an A person
  double shared_suspect_phone = 0.1;  // suspects sharing a phone with another suspect
  // Share of people with an e-mail address, an identity document.
  double has_email = 0.7;
  double has_document = 0.6;
  // Used by the multiscript profile only (0 in the default one, which keeps
  // its output unchanged for a given seed):
  double year_off_by_one = 0;  // birth year written one too high or low
  double cut_compound = 0;     // "García López" -> "García"
  double either_order = 0;     // eastern-order names written family name last
  double missing_sex = 0;      // sex not recorded
  double second_typo = 0;      // a typo in the other name part too
};

// The multiscript profile with its corruption rates, for `persons` records
// per organisation.
GeneratorOptions MultiscriptOptions(int persons, double overlap, uint64_t seed);

struct GeneratedData {
  std::vector<record::Person> a;
  std::vector<record::Person> b;
  std::vector<std::pair<std::string, std::string>> truth;  // (id in a, id in b)
};

// Deterministic for a given options.seed.
GeneratedData GeneratePeople(const GeneratorOptions& options);

// IBAN check digits per ISO 13616 (mod 97) for country + BBAN.
std::string IbanWithCheckDigits(const std::string& country, const std::string& bban);

}  // namespace fedlink::match

#endif  // FEDLINK_NODE_MATCH_GENERATOR_H_
