#include "node/match/generator.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <random>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"

namespace fedlink::match {

extern const char kCulturesTsv[];     // node/match/data/cultures.tsv, compiled in
extern const char kMultiscriptTsv[];  // node/match/data/multiscript.tsv

namespace {

// The data is ours and fixed, so a malformed line is a build defect: it
// fails loudly the first time a person is generated.
void CheckData(bool ok, absl::string_view line) {
  if (ok) return;
  std::fprintf(stderr, "node/match/data/cultures.tsv: bad line: %.*s\n",
               static_cast<int>(line.size()), line.data());
  std::abort();
}

// A name with its written forms: forms[0] is how its own community writes it
// (native script or diacritics); the rest are Latin spellings seen in other
// records. Nicknames are separate.
struct Name {
  std::string forms;      // '|'-separated
  std::string nicknames;  // '|'-separated, may be empty
};

// Syllables with their written forms, "native|latin[|latin...]", composed
// into family names so that large populations are not full of chance
// namesakes born on the same day (which no linkage could separate).
struct Syllables {
  std::vector<std::string> prefixes;
  std::vector<std::string> suffixes;
};

// Every prefix+suffix combination, with forms combined position-wise.
std::vector<Name> Compose(const Syllables& s) {
  std::vector<Name> out;
  for (const std::string& pre : s.prefixes) {
    for (const std::string& suf : s.suffixes) {
      std::vector<std::string> p = absl::StrSplit(pre, '|'), q = absl::StrSplit(suf, '|');
      const size_t n = std::max(p.size(), q.size());
      std::vector<std::string> forms;
      for (size_t i = 0; i < n; ++i) {
        forms.push_back(p[std::min(i, p.size() - 1)] + q[std::min(i, q.size() - 1)]);
      }
      std::string joined;
      for (const std::string& f : forms) {
        if (!joined.empty()) joined += "|";
        joined += f;
      }
      out.push_back({joined, ""});
    }
  }
  return out;
}

struct Culture {
  std::string nationality;
  std::string phone_prefix;  // E.164 country code and a mobile prefix
  int phone_digits;          // subscriber digits after the prefix
  bool native_script;        // forms[0] is not Latin
  bool compound = false;     // family names are two surnames (Iberian)
  bool eastern = false;      // family name first in the community's order
  std::vector<Name> female;
  std::vector<Name> male;
  std::vector<Name> family_female;
  std::vector<Name> family_male;
};

// The cultures of node/match/data/cultures.tsv (compiled in; its first lines
// describe the format).
std::vector<Culture> ParseCultures(absl::string_view tsv) {
  std::vector<Culture> cultures;
  std::vector<Syllables> syllables;  // per culture
  for (absl::string_view line : absl::StrSplit(tsv, '\n', absl::SkipWhitespace())) {
    if (absl::StartsWith(line, "#")) continue;
    const std::vector<std::string> f = absl::StrSplit(line, '\t');
    if (f[0] == "culture") {
      CheckData(f.size() == 5 || f.size() == 6, line);
      Culture c;
      c.nationality = f[1];
      c.phone_prefix = f[2];
      CheckData(absl::SimpleAtoi(f[3], &c.phone_digits), line);
      c.native_script = f[4] == "native";
      c.compound = f.size() == 6 && f[5] == "compound";
      c.eastern = f.size() == 6 && f[5] == "eastern";
      cultures.push_back(std::move(c));
      syllables.emplace_back();
      continue;
    }
    CheckData(!cultures.empty() && f.size() >= 2, line);
    Culture& c = cultures.back();
    const Name name{f[1], f.size() > 2 ? f[2] : ""};
    if (f[0] == "female") {
      c.female.push_back(name);
    } else if (f[0] == "male") {
      c.male.push_back(name);
    } else if (f[0] == "family_female") {
      c.family_female.push_back(name);
    } else if (f[0] == "family_male") {
      c.family_male.push_back(name);
    } else if (f[0] == "prefixes" || f[0] == "suffixes") {
      auto& into = f[0] == "prefixes" ? syllables.back().prefixes : syllables.back().suffixes;
      into.assign(f.begin() + 1, f.end());
    } else {
      CheckData(false, line);
    }
  }
  // Composed family names, shared by both sexes (after the listed ones).
  for (size_t i = 0; i < cultures.size(); ++i) {
    if (syllables[i].prefixes.empty()) continue;
    for (const Name& n : Compose(syllables[i])) {
      cultures[i].family_female.push_back(n);
      cultures[i].family_male.push_back(n);
    }
  }
  return cultures;
}

const std::vector<Culture>& Cultures(Profile profile) {
  static const auto* all = new std::vector<Culture>(ParseCultures(kCulturesTsv));
  static const auto* multiscript = new std::vector<Culture>(ParseCultures(kMultiscriptTsv));
  return profile == Profile::kMultiscript ? *multiscript : *all;
}

std::vector<std::string> Split(const std::string& s) {
  if (s.empty()) return {};
  return absl::StrSplit(s, '|');
}

// A person's identity before it is written down by an organisation.
struct Truth {
  const Culture* culture;
  const Name* given;
  const Name* family;
  const Name* family2 = nullptr;  // the second surname of a compound one
  record::Sex sex;
  record::Role role;
  record::PartialDate dob;
  std::vector<std::string> phones;  // E.164
  std::string email_user;
  std::string email_domain;
  std::string document;
  std::string handle;
  std::string iban;
  std::string plate;
  std::string address;
  bool consent_dedup = false;
  bool consent_link = false;
  bool minor = false;
};

class Generator {
 public:
  explicit Generator(const GeneratorOptions& o) : o_(o), rng_(o.seed) {}

  GeneratedData Run() {
    GeneratedData out;
    const int n = std::max(0, o_.persons);
    const int shared = std::clamp(static_cast<int>(o_.overlap * n + 0.5), 0, n);
    std::vector<Truth> a_truth;
    for (int i = 0; i < n; ++i) a_truth.push_back(NewTruth());
    ShareSuspectPhones(&a_truth);
    std::vector<Truth> b_truth;
    std::vector<int> source;  // index into a_truth, or -1
    for (int i = 0; i < shared; ++i) {
      b_truth.push_back(a_truth[i]);
      source.push_back(i);
    }
    for (int i = shared; i < n; ++i) {
      Truth t = NewTruth();
      if (Chance(o_.namesakes) && !a_truth.empty()) {  // same name, another person
        const Truth& other = a_truth[Uniform(0, n - 1)];
        t.culture = other.culture;
        t.given = other.given;
        t.family = other.family;
        t.family2 = other.family2;
        t.sex = other.sex;
      }
      b_truth.push_back(std::move(t));
      source.push_back(-1);
    }
    ShareSuspectPhones(&b_truth);
    // B lists its people in its own order.
    std::vector<int> order(b_truth.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
    std::shuffle(order.begin(), order.end(), rng_);

    for (int i = 0; i < n; ++i) {
      out.a.push_back(Write(a_truth[i], absl::StrFormat("A-%06d", i + 1),
                            /*corrupt=*/false, "org-a"));
    }
    for (size_t k = 0; k < order.size(); ++k) {
      const int i = order[k];
      const std::string id = absl::StrFormat("B-%06d", k + 1);
      out.b.push_back(Write(b_truth[i], id, /*corrupt=*/source[i] >= 0, "org-b"));
      if (source[i] >= 0) out.truth.emplace_back(out.a[source[i]].external_id, id);
    }
    std::sort(out.truth.begin(), out.truth.end());
    return out;
  }

 private:
  bool Chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
  int Uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  template <typename T>
  const T& Pick(const std::vector<T>& v) {
    return v[Uniform(0, static_cast<int>(v.size()) - 1)];
  }
  std::string Digits(int count) {
    std::string s;
    for (int i = 0; i < count; ++i) s.push_back(static_cast<char>('0' + Uniform(0, 9)));
    return s;
  }

  Truth NewTruth() {
    Truth t;
    t.culture = &Pick(Cultures(o_.profile));
    t.sex = Chance(0.6) ? record::Sex::kFemale : record::Sex::kMale;
    t.given = &Pick(t.sex == record::Sex::kFemale ? t.culture->female : t.culture->male);
    t.family =
        &Pick(t.sex == record::Sex::kFemale ? t.culture->family_female : t.culture->family_male);
    if (t.culture->compound) {
      t.family2 =
          &Pick(t.sex == record::Sex::kFemale ? t.culture->family_female : t.culture->family_male);
    }
    const double r = std::uniform_real_distribution<double>(0, 1)(rng_);
    t.role = r < 0.55   ? record::Role::kVictim
             : r < 0.85 ? record::Role::kSuspect
             : r < 0.95 ? record::Role::kWitness
                        : record::Role::kOther;
    const int year = t.role == record::Role::kVictim ? Uniform(1975, 2009) : Uniform(1955, 2000);
    t.dob = {year, Uniform(1, 12), Uniform(1, 28)};
    if (Chance(0.04)) t.dob = {year, 0, 0};  // only the year is known
    t.minor = year >= 2008;
    t.phones.push_back(absl::StrCat(t.culture->phone_prefix, Digits(t.culture->phone_digits)));
    if (Chance(0.12)) {
      t.phones.push_back(absl::StrCat(t.culture->phone_prefix, Digits(t.culture->phone_digits)));
    }
    std::string latin_given = absl::AsciiStrToLower(AsciiForm(*t.given));
    std::string latin_family = absl::AsciiStrToLower(AsciiForm(*t.family));
    if (Chance(o_.has_email)) {
      t.email_user = absl::StrCat(latin_given, Chance(0.5) ? "." : "", latin_family, Digits(5));
      t.email_domain = Pick(std::vector<std::string>{"example.org", "example.net", "mail.example"});
    }
    if (Chance(o_.has_document)) t.document = absl::StrCat(t.culture->nationality, Digits(7));
    if (Chance(t.role == record::Role::kSuspect ? 0.5 : 0.25)) {
      t.handle = absl::StrCat("@", latin_given.substr(0, 4), "_", Digits(4));
    }
    if (Chance(t.role == record::Role::kSuspect ? 0.35 : 0.08)) {
      t.iban = IbanWithCheckDigits("GB", absl::StrCat("NWBK", Digits(14)));
    }
    if (t.role == record::Role::kSuspect && Chance(0.3)) {
      const char* letters = "ABCDEFGHJKLMNPRSTVWXYZ";
      t.plate = absl::StrCat(
          std::string(1, letters[Uniform(0, 21)]), std::string(1, letters[Uniform(0, 21)]),
          Digits(2), " ", std::string(1, letters[Uniform(0, 21)]),
          std::string(1, letters[Uniform(0, 21)]), std::string(1, letters[Uniform(0, 21)]));
    }
    if (Chance(0.4)) {
      t.address =
          absl::StrCat(Uniform(1, 200), " ",
                       Pick(std::vector<std::string>{"Station Road", "High Street", "Mill Lane",
                                                     "Church Street"}),
                       ", ", Pick(std::vector<std::string>{"Northtown", "Eastbridge", "Westford"}));
    }
    if (t.role == record::Role::kVictim) {
      t.consent_dedup = Chance(0.85);
      t.consent_link = Chance(0.3);
    }
    return t;
  }

  // Suspects in one organisation's records sometimes share a phone (a
  // trafficker's phone used by several people).
  void ShareSuspectPhones(std::vector<Truth>* people) {
    std::vector<Truth*> suspects;
    for (Truth& t : *people) {
      if (t.role == record::Role::kSuspect) suspects.push_back(&t);
    }
    if (suspects.size() < 2) return;
    for (Truth* t : suspects) {
      if (Chance(o_.shared_suspect_phone)) {
        Truth* other = suspects[Uniform(0, static_cast<int>(suspects.size()) - 1)];
        if (other != t) t->phones.push_back(other->phones[0]);
      }
    }
  }

  // The first all-ASCII spelling, without spaces (for e-mail users, handles).
  static std::string AsciiForm(const Name& name) {
    for (const std::string& form : Split(name.forms)) {
      if (std::all_of(form.begin(), form.end(),
                      [](char c) { return static_cast<unsigned char>(c) < 0x80; })) {
        std::string out;
        for (char c : form) {
          if (c != ' ') out.push_back(c);
        }
        return out;
      }
    }
    return "x";
  }

  // How an organisation writes a name: in its native script or a Latin
  // spelling (chosen once per record); B, corrupting, may pick other forms.
  std::string WriteName(const Name& name, bool native_script, bool use_native, bool corrupt,
                        bool allow_nickname) {
    std::vector<std::string> forms = Split(name.forms);
    std::string written = forms[0];
    if (native_script && forms.size() > 1 && !use_native) written = forms[1];
    if (corrupt) {
      if (forms.size() > 1 && Chance(o_.transliteration)) written = Pick(forms);
      if (!native_script && forms.size() > 1 && written == forms[0] && Chance(o_.drop_diacritics)) {
        written = forms[1];
      }
      std::vector<std::string> nicks = Split(name.nicknames);
      if (allow_nickname && !nicks.empty() && Chance(o_.nickname)) written = Pick(nicks);
    }
    return written;
  }

  // One edit (insert, delete, substitute, transpose) on an ASCII name.
  std::string Typo(std::string s) {
    if (s.size() < 3) return s;
    for (char c : s) {
      if (static_cast<unsigned char>(c) >= 0x80) return s;  // only Latin-ASCII spellings
    }
    const int pos = Uniform(1, static_cast<int>(s.size()) - 2);
    const char letter = static_cast<char>('a' + Uniform(0, 25));
    switch (Uniform(0, 3)) {
      case 0:
        s.insert(s.begin() + pos, letter);
        break;
      case 1:
        s.erase(s.begin() + pos);
        break;
      case 2:
        s[pos] = letter;
        break;
      default:
        std::swap(s[pos], s[pos + 1]);
        break;
    }
    return s;
  }

  std::string FormatPhone(const std::string& e164, bool corrupt) {
    if (!corrupt) return e164;
    const std::string cc_and_rest = e164.substr(1);
    switch (Uniform(0, 3)) {
      case 0:
        return absl::StrCat("00", cc_and_rest);
      case 1:
        return absl::StrCat(e164.substr(0, 4), " ", e164.substr(4, 3), " ", e164.substr(7));
      case 2:
        return absl::StrCat("(", e164.substr(0, 4), ") ", e164.substr(4, 3), "-", e164.substr(7));
      default:
        return e164;
    }
  }

  record::Person Write(const Truth& t, const std::string& id, bool corrupt, absl::string_view org) {
    record::Person p;
    p.external_id = id;
    p.role = t.role;
    p.sex = t.sex;
    p.nationality = t.culture->nationality;
    const bool use_native = Chance(0.4);
    p.given_name = WriteName(*t.given, t.culture->native_script, use_native, corrupt, true);
    p.family_name = WriteName(*t.family, t.culture->native_script, use_native, corrupt, false);
    if (t.family2 != nullptr && !(corrupt && o_.cut_compound > 0 && Chance(o_.cut_compound))) {
      p.family_name =
          absl::StrCat(p.family_name, " ",
                       WriteName(*t.family2, t.culture->native_script, use_native, corrupt, false));
    }
    if (corrupt && Chance(o_.typo)) {
      const bool given_first = Chance(0.5);
      if (given_first) {
        p.given_name = Typo(p.given_name);
      } else {
        p.family_name = Typo(p.family_name);
      }
      if (o_.second_typo > 0 && Chance(o_.second_typo)) {
        if (given_first) {
          p.family_name = Typo(p.family_name);
        } else {
          p.given_name = Typo(p.given_name);
        }
      }
    }
    if (corrupt && Chance(o_.swap_names)) std::swap(p.given_name, p.family_name);
    if (t.culture->eastern && corrupt && o_.either_order > 0 && Chance(o_.either_order)) {
      std::swap(p.given_name, p.family_name);
    }
    if (o_.missing_sex > 0 && corrupt && Chance(o_.missing_sex)) p.sex = record::Sex::kUnknown;
    p.dob = t.dob;
    if (o_.year_off_by_one > 0 && corrupt && p.dob.year != 0 && Chance(o_.year_off_by_one)) {
      p.dob.year += Chance(0.5) ? 1 : -1;
    }
    if (corrupt && p.dob.day != 0 && p.dob.day <= 12 && Chance(o_.swap_day_month)) {
      std::swap(p.dob.day, p.dob.month);
    }
    if (corrupt && Chance(o_.missing_dob)) p.dob = record::PartialDate{};
    if (!(corrupt && Chance(o_.missing_phone))) {
      for (const std::string& phone : t.phones) p.phones.push_back(FormatPhone(phone, corrupt));
    }
    if (!t.email_user.empty() && !(corrupt && Chance(o_.missing_email))) {
      std::string email = absl::StrCat(t.email_user, "@", t.email_domain);
      if (corrupt && Chance(0.3))
        email = absl::AsciiStrToUpper(email.substr(0, 1)) + email.substr(1);
      p.emails.push_back(email);
    }
    if (!t.document.empty() && !(corrupt && Chance(0.3))) {
      p.documents.push_back(corrupt && Chance(0.5)
                                ? absl::StrCat(t.document.substr(0, 2), " ",
                                               t.document.substr(2, 3), "-", t.document.substr(5))
                                : t.document);
    }
    if (!t.handle.empty() && !(corrupt && Chance(0.3))) p.handles.push_back(t.handle);
    if (!t.iban.empty()) {
      p.ibans.push_back(
          corrupt && Chance(0.5)
              ? absl::StrCat(t.iban.substr(0, 4), " ", t.iban.substr(4, 4), " ", t.iban.substr(8))
              : t.iban);
    }
    if (!t.plate.empty()) p.plates.push_back(t.plate);
    if (!t.address.empty() && !(corrupt && Chance(0.4))) p.addresses.push_back(t.address);
    if (t.consent_dedup) p.consent.push_back("victim-dedup");
    if (t.consent_link) p.consent.push_back("perpetrator-link");
    if (t.role == record::Role::kVictim) p.labels.push_back("trafficking");
    if (t.minor) p.labels.push_back("minor");
    p.officer = absl::StrCat("officer-", Uniform(1, 40), "@", org, ".example");
    return p;
  }

  const GeneratorOptions o_;
  std::mt19937_64 rng_;
};

}  // namespace

std::string IbanWithCheckDigits(const std::string& country, const std::string& bban) {
  // Move country + "00" to the end, letters to numbers (A=10), mod 97.
  const std::string rearranged = bban + country + "00";
  int remainder = 0;
  for (char c : rearranged) {
    if (absl::ascii_isdigit(static_cast<unsigned char>(c))) {
      remainder = (remainder * 10 + (c - '0')) % 97;
    } else {
      const int v = absl::ascii_toupper(static_cast<unsigned char>(c)) - 'A' + 10;
      remainder = (remainder * 100 + v) % 97;
    }
  }
  return absl::StrFormat("%s%02d%s", country, 98 - remainder, bban);
}

GeneratedData GeneratePeople(const GeneratorOptions& options) { return Generator(options).Run(); }

absl::StatusOr<Profile> ParseProfile(absl::string_view name) {
  if (name == "default") return Profile::kDefault;
  if (name == "multiscript") return Profile::kMultiscript;
  return absl::InvalidArgumentError(
      absl::StrCat("--profile: '", name, "' is not a profile (default, multiscript)"));
}

GeneratorOptions MultiscriptOptions(int persons, double overlap, uint64_t seed) {
  GeneratorOptions o;
  o.profile = Profile::kMultiscript;
  o.persons = persons;
  o.overlap = overlap;
  o.seed = seed;
  o.typo = 0.3;
  o.second_typo = 0.15;
  o.transliteration = 0.7;
  o.nickname = 0.3;
  o.drop_diacritics = 0.5;
  o.swap_names = 0.05;
  o.either_order = 0.5;
  o.swap_day_month = 0.1;
  o.year_off_by_one = 0.1;
  o.missing_dob = 0.06;
  // Survivors' records rarely carry documents or e-mail; phones change.
  o.has_email = 0.3;
  o.has_document = 0.25;
  o.missing_phone = 0.5;
  o.missing_email = 0.5;
  o.cut_compound = 0.5;
  o.missing_sex = 0.1;
  return o;
}

}  // namespace fedlink::match
