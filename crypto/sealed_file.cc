#include "crypto/sealed_file.h"

#include <sodium.h>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace fedlink::crypto {
namespace {

constexpr absl::string_view kMagic = "fedlink-sealed v1 ";

std::string Header(absl::string_view name) { return absl::StrCat(kMagic, name, "\n"); }

}  // namespace

bool IsSealedFile(absl::string_view contents) { return absl::StartsWith(contents, kMagic); }

std::string SealFile(const SealingKey& key, absl::string_view name, absl::string_view plaintext) {
  const std::string header = Header(name);
  return absl::StrCat(header, absl::Base64Escape(key.Seal(plaintext, header)), "\n");
}

absl::StatusOr<std::string> OpenSealedFile(const SealingKey& key, absl::string_view name,
                                           absl::string_view contents) {
  const std::string header = Header(name);
  if (!absl::StartsWith(contents, header)) {
    return absl::DataLossError(IsSealedFile(contents) ? "sealed for another file"
                                                      : "not a sealed file");
  }
  absl::string_view body = contents.substr(header.size());
  if (!absl::EndsWith(body, "\n")) return absl::DataLossError("sealed file is truncated");
  body.remove_suffix(1);
  std::string sealed;
  if (!absl::Base64Unescape(body, &sealed)) return absl::DataLossError("sealed file is corrupt");
  auto opened = key.Open(sealed, header);
  if (!opened.ok()) {
    return absl::DataLossError("sealed file does not open (altered, or another node's key)");
  }
  return opened;
}

}  // namespace fedlink::crypto
