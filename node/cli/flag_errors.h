// The application layer names the settings it checks in words ("official
// is required", "keyspec: 1 or 2"), since the console shows the same errors
// to staff who never see a flag. The CLI names its flags instead where that
// helps the operator: NameFlags rewrites the setting at the start of an
// error's message into the flag that sets it.
//
//   return ReportError("init", NameFlags(status, {{"keyspec", "--keyspec"}}));
//   // "keyspec: 1 or 2" -> "--keyspec: 1 or 2"
#ifndef FEDLINK_NODE_CLI_FLAG_ERRORS_H_
#define FEDLINK_NODE_CLI_FLAG_ERRORS_H_

#include <initializer_list>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace fedlink::cli {

struct SettingFlag {
  absl::string_view setting;  // as the application layer's message names it
  absl::string_view flag;     // as the command line spells it
};

// `status` with its message's leading setting (the whole message, or the
// setting followed by ':' or ' ') replaced by its flag; the first setting
// that matches wins. Any other status, and OK, is returned unchanged, with
// its code.
absl::Status NameFlags(const absl::Status& status, std::initializer_list<SettingFlag> settings);

}  // namespace fedlink::cli

#endif  // FEDLINK_NODE_CLI_FLAG_ERRORS_H_
