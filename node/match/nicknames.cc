#include "node/match/nicknames.h"

#include <set>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_split.h"
#include "node/normalize/romanize.h"

namespace fedlink::match {

extern const char kNicknamesCsv[];    // generated from data/nicknames.csv
extern const char kNicknamesV2Csv[];  // generated from data/nicknames_v2.csv

namespace {

class Relations {
 public:
  Relations() {
    Add(kNicknamesCsv, [](absl::string_view s) { return std::string(s); });
  }
  // Every table, names folded by `fold`.
  template <typename Fold>
  Relations(std::initializer_list<const char*> tables, Fold fold) {
    for (const char* t : tables) Add(t, fold);
  }

  std::vector<std::string> Get(absl::string_view name, size_t max = kMaxFormalNames) const {
    auto it = formal_.find(name);
    if (it == formal_.end()) return {};
    std::vector<std::string> out(it->second.begin(), it->second.end());
    if (out.size() > max) out.resize(max);
    return out;
  }

 private:
  template <typename Fold>
  void Add(const char* csv, Fold fold) {
    bool header = true;
    for (absl::string_view line : absl::StrSplit(csv, '\n')) {
      if (header) {
        header = false;
        continue;
      }
      std::vector<absl::string_view> f = absl::StrSplit(line, ',');
      if (f.size() != 3 || f[0].empty() || f[2].empty()) continue;
      const std::string formal = fold(f[0]), nickname = fold(f[2]);
      formal_[formal].insert(formal);
      formal_[nickname].insert(formal);
    }
  }

  absl::flat_hash_map<std::string, std::set<std::string>> formal_;
};

}  // namespace

std::vector<std::string> FormalNames(absl::string_view given) {
  static const auto* relations = new Relations();
  return relations->Get(given);
}

std::vector<std::string> FoldedFormalNames(absl::string_view folded_given) {
  static const auto* relations =
      new Relations({kNicknamesCsv, kNicknamesV2Csv},
                    [](absl::string_view s) { return normalize::FoldRomanisation(s); });
  return relations->Get(folded_given, kMaxFoldedFormalNames);
}

}  // namespace fedlink::match
