// Reading a command's input file whole, and writing its main output: to
// `path`, or to stdout when empty. Showing text that came from outside.
#ifndef FEDLINK_NODE_CLI_OUTPUT_H_
#define FEDLINK_NODE_CLI_OUTPUT_H_

#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/string_view.h"
#include "node/common/safe_text.h"
#include "node/common/whole_file.h"

namespace fedlink::cli {

// Text a peer, an import file or an audit export may have chosen (ids,
// handles, purposes, roles, officers, reasons, error messages), as the CLI
// shows it: common::EscapeForDisplay, so no control character or escape
// sequence reaches the terminal raw and no line can be forged.
inline std::string Safe(absl::string_view text) { return common::EscapeForDisplay(text); }
// The same in double quotes, a quote inside shown as \".
inline std::string SafeQuoted(absl::string_view text) {
  return absl::StrCat("\"", absl::StrReplaceAll(Safe(text), {{"\"", "\\\""}}), "\"");
}

inline absl::Status WriteOutput(const std::string& path, absl::string_view text) {
  if (path.empty()) {
    std::cout << text;
    return absl::OkStatus();
  }
  std::ofstream f(path, std::ios::trunc);
  f << text;
  f.flush();
  if (!f) return absl::PermissionDeniedError(absl::StrCat(path, ": cannot write"));
  return absl::OkStatus();
}

}  // namespace fedlink::cli

#endif  // FEDLINK_NODE_CLI_OUTPUT_H_
