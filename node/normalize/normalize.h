// Normalisation of names and selectors before key derivation (keyspec v1).
// Every node must produce the same bytes for the same real-world value, so
// these functions are deterministic and versioned with the keyspec.
//
// Names: Unicode NFKC, case folding, transliteration to Latin ASCII with ICU
// ("Any-Latin; Latin-ASCII"), then only letters, digits and single spaces.
// Selectors: phones to E.164 (libphonenumber, with a default region for
// numbers written without a country code), e-mails lower-cased, documents,
// plates and IBANs upper-case alphanumerics (IBANs checksum-validated),
// handles lower-cased without a leading '@'.
//
// A value that cannot be normalised returns InvalidArgument (the message
// never contains the value): callers drop it from key derivation and count
// it, rather than deriving a wrong key.
//
// Thread-safe: ICU transliterators are kept per thread.
#ifndef FEDLINK_NODE_NORMALIZE_NORMALIZE_H_
#define FEDLINK_NODE_NORMALIZE_NORMALIZE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace fedlink::normalize {

// "  Мария-Иванова " -> "maria ivanova"; "José Núñez" -> "jose nunez".
std::string Name(absl::string_view text);
// Phone to E.164 ("+447700900123"). `default_region` is ISO 3166 alpha-2.
absl::StatusOr<std::string> Phone(absl::string_view text, absl::string_view default_region);
absl::StatusOr<std::string> Email(absl::string_view text);
absl::StatusOr<std::string> Document(absl::string_view text);
absl::StatusOr<std::string> Iban(absl::string_view text);
absl::StatusOr<std::string> Plate(absl::string_view text);
absl::StatusOr<std::string> Handle(absl::string_view text);

// ISO 13616 mod-97 check of a compact upper-case IBAN.
bool IbanChecksumValid(absl::string_view iban);

}  // namespace fedlink::normalize

#endif  // FEDLINK_NODE_NORMALIZE_NORMALIZE_H_
