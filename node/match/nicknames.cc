#include "node/match/nicknames.h"

#include <set>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_split.h"

namespace fedlink::match {

extern const char kNicknamesCsv[];  // generated from data/nicknames.csv

namespace {

class Relations {
 public:
  Relations() {
    bool header = true;
    for (absl::string_view line : absl::StrSplit(kNicknamesCsv, '\n')) {
      if (header) {
        header = false;
        continue;
      }
      std::vector<absl::string_view> f = absl::StrSplit(line, ',');
      if (f.size() != 3 || f[0].empty() || f[2].empty()) continue;
      const std::string formal(f[0]), nickname(f[2]);
      formal_[formal].insert(formal);
      formal_[nickname].insert(formal);
    }
  }

  std::vector<std::string> Get(absl::string_view name) const {
    auto it = formal_.find(name);
    if (it == formal_.end()) return {};
    std::vector<std::string> out(it->second.begin(), it->second.end());
    if (out.size() > kMaxFormalNames) out.resize(kMaxFormalNames);
    return out;
  }

 private:
  absl::flat_hash_map<std::string, std::set<std::string>> formal_;
};

}  // namespace

std::vector<std::string> FormalNames(absl::string_view given) {
  static const auto* relations = new Relations();
  return relations->Get(given);
}

}  // namespace fedlink::match
