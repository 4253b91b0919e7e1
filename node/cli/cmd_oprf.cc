// fedlink oprf evaluate | blind-evaluate: RFC 9497 from the outside, so any
// other implementation can be checked against fedlink's.
#include <iostream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "crypto/oprf.h"
#include "node/cli/command.h"

ABSL_FLAG(
    std::string, sk, "",
    "OPRF private key: 32-byte scalar, hex (little-endian, as RFC 9497).");

namespace fedlink::cli {
namespace {

bool IsHex(absl::string_view s) {
  if (s.size() % 2 != 0) return false;
  for (char c : s) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// Reads hex lines from stdin, applies fn, prints hex results. Blank lines
// are skipped. The first bad line stops with stdin:LINE and exit code 2.
int RunLines(
    absl::string_view command,
    const std::function<absl::StatusOr<std::string>(const std::string&)>& fn) {
  const std::string sk_hex = absl::GetFlag(FLAGS_sk);
  if (!IsHex(sk_hex))
    return ReportError(command,
                       absl::InvalidArgumentError("--sk: expected hex"));
  std::string line;
  int number = 0;
  while (std::getline(std::cin, line)) {
    ++number;
    const std::string trimmed(absl::StripAsciiWhitespace(line));
    if (trimmed.empty()) continue;
    if (!IsHex(trimmed)) {
      return ReportError(command, absl::InvalidArgumentError(absl::StrCat(
                                      "stdin:", number, ": not hex")));
    }
    absl::StatusOr<std::string> out = fn(absl::HexStringToBytes(trimmed));
    if (!out.ok()) {
      return ReportError(command,
                         absl::InvalidArgumentError(absl::StrCat(
                             "stdin:", number, ": ", out.status().message())));
    }
    std::cout << absl::BytesToHexString(*out) << "\n";
  }
  return kExitOk;
}

absl::StatusOr<std::unique_ptr<oprf::OprfKey>> KeyFromFlag() {
  auto key =
      oprf::OprfKey::FromBytes(absl::HexStringToBytes(absl::GetFlag(FLAGS_sk)));
  if (!key.ok())
    return absl::InvalidArgumentError(
        absl::StrCat("--sk: ", key.status().message()));
  return key;
}

int RunEvaluate(const std::vector<std::string>& args) {
  if (!args.empty())
    return ReportError("oprf evaluate",
                       absl::InvalidArgumentError("unexpected argument"));
  auto key = KeyFromFlag();
  if (!key.ok()) return ReportError("oprf evaluate", key.status());
  return RunLines("oprf evaluate",
                  [&](const std::string& input) -> absl::StatusOr<std::string> {
                    auto out = (*key)->Evaluate(input);
                    if (!out.ok()) return out.status();
                    return std::string(
                        reinterpret_cast<const char*>(out->data()),
                        out->size());
                  });
}

int RunBlindEvaluate(const std::vector<std::string>& args) {
  if (!args.empty()) {
    return ReportError("oprf blind-evaluate",
                       absl::InvalidArgumentError("unexpected argument"));
  }
  auto key = KeyFromFlag();
  if (!key.ok()) return ReportError("oprf blind-evaluate", key.status());
  return RunLines(
      "oprf blind-evaluate",
      [&](const std::string& blinded) -> absl::StatusOr<std::string> {
        auto out = (*key)->BlindEvaluate(blinded);
        if (!out.ok()) return out.status();
        return std::string(reinterpret_cast<const char*>(out->data()),
                           out->size());
      });
}

FEDLINK_COMMAND(
    "oprf evaluate",
    "  fedlink oprf evaluate --sk HEX < inputs.hex\n\n"
    "Reads one hex input per line on stdin and prints the RFC 9497 OPRF "
    "output\n"
    "(ristretto255-SHA512, mode 0, 64 bytes hex) for each, one per line.",
    "RFC 9497 Evaluate of hex inputs on stdin (interop check)", {"sk"},
    RunEvaluate);
FEDLINK_COMMAND(
    "oprf blind-evaluate",
    "  fedlink oprf blind-evaluate --sk HEX < blinded.hex\n\n"
    "Reads one hex blinded element per line on stdin and prints the evaluated\n"
    "element (32 bytes hex) for each. Non-canonical encodings and the "
    "identity\n"
    "are refused with stdin:LINE and exit code 2.",
    "RFC 9497 BlindEvaluate of hex elements on stdin (interop check)", {"sk"},
    RunBlindEvaluate);

}  // namespace
}  // namespace fedlink::cli
