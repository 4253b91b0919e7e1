// Reading a command's input file whole, and writing its main output: to
// `path`, or to stdout when empty.
#ifndef FEDLINK_NODE_CLI_OUTPUT_H_
#define FEDLINK_NODE_CLI_OUTPUT_H_

#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "node/common/whole_file.h"

namespace fedlink::cli {

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
