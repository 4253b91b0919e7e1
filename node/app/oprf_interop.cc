#include "node/app/oprf_interop.h"

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "node/common/status_macros.h"

namespace fedlink::app {
namespace {

bool IsHex(absl::string_view s) {
  if (s.size() % 2 != 0) return false;
  for (char c : s) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

template <typename Bytes>
std::string Hex(const Bytes& bytes) {
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

}  // namespace

absl::StatusOr<std::unique_ptr<OprfInterop>> OprfInterop::Create(OprfOperation operation,
                                                                 absl::string_view sk_hex) {
  // The scalar's own checks first, then the hex: the order operators' scripts
  // see in the error messages.
  auto key = crypto::oprf::OprfKey::FromBytes(absl::HexStringToBytes(sk_hex));
  if (!key.ok())
    return absl::InvalidArgumentError(absl::StrCat("private key: ", key.status().message()));
  if (!IsHex(sk_hex)) return absl::InvalidArgumentError("private key: expected hex");
  return std::unique_ptr<OprfInterop>(new OprfInterop(operation, *std::move(key)));
}

absl::StatusOr<std::optional<std::string>> OprfInterop::Line(absl::string_view line) const {
  const absl::string_view trimmed = absl::StripAsciiWhitespace(line);
  if (trimmed.empty()) return std::nullopt;
  if (!IsHex(trimmed)) return absl::InvalidArgumentError("not hex");
  const std::string input = absl::HexStringToBytes(trimmed);
  if (operation_ == OprfOperation::kEvaluate) {
    ASSIGN_OR_RETURN(const auto out, key_->Evaluate(input));
    return Hex(out);
  }
  ASSIGN_OR_RETURN(const auto out, key_->BlindEvaluate(input));
  return Hex(out);
}

}  // namespace fedlink::app
