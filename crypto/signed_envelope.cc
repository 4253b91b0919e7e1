#include "crypto/signed_envelope.h"

#include "absl/strings/str_cat.h"
#include "node/common/status_macros.h"

namespace fedlink::crypto::envelope {
namespace {

constexpr absl::string_view kMagic = "FLE1";
constexpr absl::string_view kDomain = "fedlink-envelope-v1\n";

void PutU16(std::string* out, size_t v) {
  out->push_back(static_cast<char>((v >> 8) & 0xff));
  out->push_back(static_cast<char>(v & 0xff));
}
void PutU32(std::string* out, uint64_t v) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out->push_back(static_cast<char>((v >> shift) & 0xff));
}

class Reader {
 public:
  explicit Reader(absl::string_view data) : data_(data) {}
  bool Take(size_t n, absl::string_view* out) {
    if (data_.size() < n) return false;
    *out = data_.substr(0, n);
    data_.remove_prefix(n);
    return true;
  }
  bool U16(size_t* v) {
    absl::string_view b;
    if (!Take(2, &b)) return false;
    *v = (size_t{static_cast<uint8_t>(b[0])} << 8) | static_cast<uint8_t>(b[1]);
    return true;
  }
  bool U32(uint64_t* v) {
    absl::string_view b;
    if (!Take(4, &b)) return false;
    *v = 0;
    for (char c : b) *v = (*v << 8) | static_cast<uint8_t>(c);
    return true;
  }
  bool done() const { return data_.empty(); }

 private:
  absl::string_view data_;
};

std::string SignedMessage(absl::string_view context, absl::string_view body) {
  std::string m;
  m.reserve(kDomain.size() + 2 + context.size() + 4 + body.size());
  m.append(kDomain.data(), kDomain.size());
  PutU16(&m, context.size());
  m.append(context.data(), context.size());
  PutU32(&m, body.size());
  m.append(body.data(), body.size());
  return m;
}

}  // namespace

absl::StatusOr<std::string> Seal(const SigningKey& key, absl::string_view context,
                                 absl::string_view body) {
  if (context.empty() || context.size() > 0xffff) {
    return absl::InvalidArgumentError("envelope context must be 1 to 65535 bytes");
  }
  if (body.size() > kMaxBodySize) return absl::InvalidArgumentError("envelope body too large");
  std::string out(kMagic);
  PutU16(&out, context.size());
  out.append(context.data(), context.size());
  PutU16(&out, key.name().size());
  out += key.name();
  PutU32(&out, key.key_id());
  PutU32(&out, body.size());
  out.append(body.data(), body.size());
  out += key.Sign(SignedMessage(context, body));
  return out;
}

namespace {

// The parts of an envelope, pointing into its bytes (nothing copied).
struct View {
  absl::string_view context, signer, body, signature;
  uint32_t key_id = 0;
};

absl::StatusOr<View> ParseView(absl::string_view bytes) {
  Reader r(bytes);
  absl::string_view magic, context, signer, body, signature;
  size_t context_len = 0, signer_len = 0;
  uint64_t key_id = 0, body_len = 0;
  if (!r.Take(4, &magic) || magic != kMagic) {
    return absl::InvalidArgumentError("not a fedlink signed envelope (bad magic)");
  }
  if (!r.U16(&context_len) || !r.Take(context_len, &context) || !r.U16(&signer_len) ||
      !r.Take(signer_len, &signer) || !r.U32(&key_id) || !r.U32(&body_len) ||
      body_len > kMaxBodySize || !r.Take(body_len, &body) ||
      !r.Take(kEd25519SignatureSize, &signature)) {
    return absl::InvalidArgumentError("signed envelope is truncated or malformed");
  }
  if (!r.done()) return absl::InvalidArgumentError("signed envelope has trailing bytes");
  return View{context, signer, body, signature, static_cast<uint32_t>(key_id)};
}

}  // namespace

absl::StatusOr<Envelope> Parse(absl::string_view bytes) {
  ASSIGN_OR_RETURN(View v, ParseView(bytes));
  return Envelope{std::string(v.context), std::string(v.signer), v.key_id, std::string(v.body),
                  std::string(v.signature)};
}

absl::StatusOr<std::string> Signer(absl::string_view bytes) {
  ASSIGN_OR_RETURN(View v, ParseView(bytes));
  return std::string(v.signer);
}

absl::StatusOr<std::string> Open(absl::string_view bytes, absl::string_view context,
                                 const Verifier& signer) {
  // One copy of the body, however large: the signed message is built around
  // it, checked, and then cut down to the body in place.
  ASSIGN_OR_RETURN(View e, ParseView(bytes));
  if (e.context != context) {
    return absl::InvalidArgumentError(
        absl::StrCat("envelope context is '", e.context, "', expected '", context, "'"));
  }
  if (e.signer != signer.name || e.key_id != signer.key_id) {
    return absl::PermissionDeniedError(
        absl::StrCat("envelope is signed by '", e.signer, "', not by the expected key"));
  }
  std::string message = SignedMessage(e.context, e.body);
  if (auto s = signer.Verify(message, e.signature); !s.ok()) {
    return absl::UnauthenticatedError("envelope signature does not verify");
  }
  message.erase(0, message.size() - e.body.size());
  return message;
}

}  // namespace fedlink::crypto::envelope
