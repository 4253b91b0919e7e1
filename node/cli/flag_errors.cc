#include "node/cli/flag_errors.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace fedlink::cli {

absl::Status NameFlags(const absl::Status& status, std::initializer_list<SettingFlag> settings) {
  if (status.ok()) return status;
  const absl::string_view message = status.message();
  for (const SettingFlag& s : settings) {
    if (s.setting.empty() || !absl::StartsWith(message, s.setting)) continue;
    const absl::string_view rest = message.substr(s.setting.size());
    if (!rest.empty() && rest.front() != ':' && rest.front() != ' ') continue;
    return absl::Status(status.code(), absl::StrCat(s.flag, rest));
  }
  return status;
}

}  // namespace fedlink::cli
