#include "node/web/plain_words.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "node/web/console_text.h"

namespace fedlink::web {

std::string KeysInWords(absl::string_view keys) {
  std::vector<std::string> words;
  for (absl::string_view key : absl::StrSplit(keys, ';', absl::SkipEmpty())) {
    std::string w(key);
    for (const text::KeyWords& k : text::kKeyWords) {
      if (key == k.key) w = k.words;
    }
    words.push_back(std::move(w));
  }
  if (words.size() <= 1) return words.empty() ? "" : words[0];
  const std::string last = words.back();
  words.pop_back();
  return absl::StrCat(absl::StrJoin(words, ", "), text::kAnd, last);
}

absl::string_view StrengthInWords(double score) {
  if (score >= 30) return text::kStrengthHigh;
  if (score >= 20) return text::kStrengthMedium;
  return text::kStrengthLow;
}

}  // namespace fedlink::web
