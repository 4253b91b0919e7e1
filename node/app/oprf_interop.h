// RFC 9497 OPRF (ristretto255-SHA512, mode 0) from the outside, one hex
// value at a time, so that any other implementation can be checked against
// fedlink's (`fedlink oprf evaluate | blind-evaluate`).
//
//   ASSIGN_OR_RETURN(auto oprf,
//   app::OprfInterop::Create(app::OprfOperation::kEvaluate, sk_hex));
//   ASSIGN_OR_RETURN(std::optional<std::string> out, oprf->Line("00"));  // 64
//   bytes, hex
//
// The key is the caller's test key, never a node's; nothing is logged.
// Thread-safe after Create.
#ifndef FEDLINK_NODE_APP_OPRF_INTEROP_H_
#define FEDLINK_NODE_APP_OPRF_INTEROP_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "crypto/oprf.h"

namespace fedlink::app {

enum class OprfOperation {
  kEvaluate,       // input bytes -> 64-byte OPRF output
  kBlindEvaluate,  // 32-byte blinded element -> 32-byte evaluated element
};

class OprfInterop {
 public:
  // `sk_hex`: the private key, a 32-byte little-endian scalar in hex.
  // InvalidArgument "private key: ..." if it is not one.
  static absl::StatusOr<std::unique_ptr<OprfInterop>> Create(OprfOperation operation,
                                                             absl::string_view sk_hex);
  OprfInterop(const OprfInterop&) = delete;
  OprfInterop& operator=(const OprfInterop&) = delete;

  // One line of hex input, surrounding whitespace ignored: the result in hex,
  // or nullopt for a blank line. InvalidArgument "not hex", or the
  // operation's reason (non-canonical encoding, the identity element, ...).
  absl::StatusOr<std::optional<std::string>> Line(absl::string_view line) const;

 private:
  OprfInterop(OprfOperation operation, std::unique_ptr<crypto::oprf::OprfKey> key)
      : operation_(operation), key_(std::move(key)) {}
  const OprfOperation operation_;
  const std::unique_ptr<crypto::oprf::OprfKey> key_;
};

}  // namespace fedlink::app

#endif  // FEDLINK_NODE_APP_OPRF_INTEROP_H_
