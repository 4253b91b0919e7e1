#include <iostream>

#include "node/cli/command.h"

namespace fedlink::cli {
namespace {

int RunVersion(const std::vector<std::string>& args) {
  std::cout << "fedlink 0.1.0 (protocol v1, keyspec v1)\n";
  return kExitOk;
}

FEDLINK_COMMAND("version", "  fedlink version", "print the version", {}, RunVersion);

}  // namespace
}  // namespace fedlink::cli
