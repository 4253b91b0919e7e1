// fedlink oprf evaluate | blind-evaluate: RFC 9497 from the outside, so any
// other implementation can be checked against fedlink's
// (node/app/oprf_interop.h).
#include <iostream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "node/app/oprf_interop.h"
#include "node/cli/command.h"
#include "node/cli/flag_errors.h"

ABSL_FLAG(std::string, sk, "",
          "OPRF private key: 32-byte scalar, hex (little-endian, as RFC 9497).");

namespace fedlink::cli {
namespace {

// Reads hex lines from stdin and prints hex results. Blank lines are
// skipped. The first bad line stops with stdin:LINE and exit code 2.
int RunLines(const char* command, const std::vector<std::string>& args,
             app::OprfOperation operation) {
  if (!args.empty()) return ReportError(command, absl::InvalidArgumentError("unexpected argument"));
  auto oprf = app::OprfInterop::Create(operation, absl::GetFlag(FLAGS_sk));
  if (!oprf.ok()) return ReportError(command, NameFlags(oprf.status(), {{"private key", "--sk"}}));
  std::string line;
  int number = 0;
  while (std::getline(std::cin, line)) {
    ++number;
    auto out = (*oprf)->Line(line);
    if (!out.ok()) {
      return ReportError(command, absl::InvalidArgumentError(absl::StrCat("stdin:", number, ": ",
                                                                          out.status().message())));
    }
    if (out->has_value()) std::cout << **out << "\n";
  }
  return kExitOk;
}

int RunEvaluate(const std::vector<std::string>& args) {
  return RunLines("oprf evaluate", args, app::OprfOperation::kEvaluate);
}

int RunBlindEvaluate(const std::vector<std::string>& args) {
  return RunLines("oprf blind-evaluate", args, app::OprfOperation::kBlindEvaluate);
}

FEDLINK_COMMAND("oprf evaluate",
                "  fedlink oprf evaluate --sk HEX < inputs.hex\n\n"
                "Reads one hex input per line on stdin and prints the RFC 9497 OPRF "
                "output\n"
                "(ristretto255-SHA512, mode 0, 64 bytes hex) for each, one per line.",
                "RFC 9497 Evaluate of hex inputs on stdin (interop check)", {"sk"}, RunEvaluate);
FEDLINK_COMMAND("oprf blind-evaluate",
                "  fedlink oprf blind-evaluate --sk HEX < blinded.hex\n\n"
                "Reads one hex blinded element per line on stdin and prints the evaluated\n"
                "element (32 bytes hex) for each. Non-canonical encodings and the "
                "identity\n"
                "are refused with stdin:LINE and exit code 2.",
                "RFC 9497 BlindEvaluate of hex elements on stdin (interop check)", {"sk"},
                RunBlindEvaluate);

}  // namespace
}  // namespace fedlink::cli
