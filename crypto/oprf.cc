#include "crypto/oprf.h"

#include <sodium.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "crypto/hash_to_group.h"
#include "node/common/status_macros.h"

namespace fedlink::crypto::oprf {
namespace {

const unsigned char* U(absl::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}
absl::string_view View(const unsigned char* p, size_t n) {
  return absl::string_view(reinterpret_cast<const char*>(p), n);
}

const std::string& Context() {
  static const auto* context = new std::string(ContextString());
  return *context;
}
const std::string& HashToGroupDst() {
  static const auto* dst = new std::string(absl::StrCat("HashToGroup-", Context()));
  return *dst;
}

void AppendLength(std::string* out, size_t n) {
  out->push_back(static_cast<char>((n >> 8) & 0xff));
  out->push_back(static_cast<char>(n & 0xff));
}

// Hash(I2OSP(len(input), 2) || input || I2OSP(32, 2) || element || "Finalize")
Output FinalHash(absl::string_view input, const unsigned char* element) {
  crypto_hash_sha512_state st;
  crypto_hash_sha512_init(&st);
  std::string prefix;
  AppendLength(&prefix, input.size());
  crypto_hash_sha512_update(&st, U(prefix), prefix.size());
  crypto_hash_sha512_update(&st, U(input), input.size());
  const unsigned char len32[2] = {0, kElementSize};
  crypto_hash_sha512_update(&st, len32, 2);
  crypto_hash_sha512_update(&st, element, kElementSize);
  crypto_hash_sha512_update(&st, reinterpret_cast<const unsigned char*>("Finalize"), 8);
  Output out;
  crypto_hash_sha512_final(&st, out.data());
  return out;
}

absl::StatusOr<Element> HashInput(absl::string_view input) {
  if (input.size() > 65535) return absl::InvalidArgumentError("OPRF input longer than 65535 bytes");
  Element e = HashToRistretto255(input, HashToGroupDst());
  if (sodium_is_zero(e.data(), e.size())) {
    return absl::InvalidArgumentError("input hashes to the identity element");
  }
  return e;
}

int Threads(int requested, size_t n) {
  int t = requested > 0 ? requested : static_cast<int>(std::thread::hardware_concurrency());
  t = std::max(1, t);
  // Below a few hundred elements a thread costs more than it saves.
  return static_cast<int>(std::min<size_t>(t, std::max<size_t>(1, n / 256)));
}

}  // namespace

std::string ContextString() {
  static constexpr char kContext[] = "OPRFV1-\x00-ristretto255-SHA512";
  return std::string(kContext, sizeof(kContext) - 1);
}

absl::Status ValidateElement(absl::string_view encoded) {
  if (sodium_init() < 0) return absl::InternalError("libsodium failed to initialise");
  if (encoded.size() != kElementSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("element is ", encoded.size(), " bytes, want ", kElementSize));
  }
  // libsodium 1.0.18 ignores bit 255 when decoding; RFC 9496 requires
  // rejecting such encodings, so check it here.
  if ((static_cast<unsigned char>(encoded[31]) & 0x80) != 0 ||
      crypto_core_ristretto255_is_valid_point(U(encoded)) != 1) {
    return absl::InvalidArgumentError("element is not a canonical ristretto255 encoding");
  }
  if (sodium_is_zero(U(encoded), kElementSize)) {
    return absl::InvalidArgumentError("element is the identity");
  }
  return absl::OkStatus();
}

absl::Status ValidateScalar(absl::string_view encoded) {
  if (encoded.size() != kScalarSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("scalar is ", encoded.size(), " bytes, want ", kScalarSize));
  }
  // Canonical iff reducing (scalar || 0^32) mod L gives the scalar back.
  unsigned char wide[64] = {0};
  std::copy(encoded.begin(), encoded.end(), wide);
  unsigned char reduced[kScalarSize];
  crypto_core_ristretto255_scalar_reduce(reduced, wide);
  const bool canonical = sodium_memcmp(reduced, U(encoded), kScalarSize) == 0;
  sodium_memzero(wide, sizeof wide);
  sodium_memzero(reduced, sizeof reduced);
  if (!canonical) return absl::InvalidArgumentError("scalar is not reduced mod L");
  if (sodium_is_zero(U(encoded), kScalarSize)) return absl::InvalidArgumentError("scalar is zero");
  return absl::OkStatus();
}

absl::Status ParallelFor(size_t n, int threads,
                         const std::function<absl::Status(size_t, size_t)>& fn) {
  const int t = Threads(threads, n);
  if (t <= 1) return fn(0, n);
  // Work is handed out in chunks as threads become free, so a thread slowed
  // by a noisy neighbour does not hold the others at the join.
  const size_t chunk = std::max<size_t>(64, n / (static_cast<size_t>(t) * 8));
  std::atomic<size_t> next{0};
  absl::Mutex mu;
  size_t first_error_at = n;
  absl::Status first_error;
  std::vector<std::thread> workers;
  for (int i = 0; i < t; ++i) {
    workers.emplace_back([&] {
      for (;;) {
        const size_t begin = next.fetch_add(chunk);
        if (begin >= n) return;
        const size_t end = std::min(n, begin + chunk);
        absl::Status s = fn(begin, end);
        if (!s.ok()) {
          absl::MutexLock lock(&mu);
          if (begin < first_error_at) {
            first_error_at = begin;
            first_error = std::move(s);
          }
          next.store(n);  // stop handing out work
          return;
        }
      }
    });
  }
  for (auto& w : workers) w.join();
  return first_error;
}

OprfKey::~OprfKey() { sodium_memzero(sk_.data(), sk_.size()); }

absl::StatusOr<std::unique_ptr<OprfKey>> OprfKey::Derive(absl::string_view seed,
                                                         absl::string_view info) {
  if (sodium_init() < 0) return absl::InternalError("libsodium failed to initialise");
  if (seed.size() != 32) return absl::InvalidArgumentError("OPRF seed must be 32 bytes");
  if (info.size() > 65535) return absl::InvalidArgumentError("key info too long");
  std::string derive_input(seed);
  AppendLength(&derive_input, info.size());
  derive_input.append(info.data(), info.size());
  const std::string dst = absl::StrCat("DeriveKeyPair", Context());
  std::unique_ptr<OprfKey> key(new OprfKey());
  for (int counter = 0; counter <= 255; ++counter) {
    std::string msg = derive_input;
    msg.push_back(static_cast<char>(counter));
    key->sk_ = HashToRistretto255Scalar(msg, dst);
    sodium_memzero(msg.data(), msg.size());
    if (!sodium_is_zero(key->sk_.data(), key->sk_.size())) {
      sodium_memzero(derive_input.data(), derive_input.size());
      return key;
    }
  }
  return absl::InternalError("DeriveKeyPair: no valid key after 256 attempts");
}

std::unique_ptr<OprfKey> OprfKey::Generate() {
  if (sodium_init() < 0) return nullptr;
  std::unique_ptr<OprfKey> key(new OprfKey());
  do {
    crypto_core_ristretto255_scalar_random(key->sk_.data());
  } while (sodium_is_zero(key->sk_.data(), key->sk_.size()));
  return key;
}

absl::StatusOr<std::unique_ptr<OprfKey>> OprfKey::FromBytes(absl::string_view scalar) {
  RETURN_IF_ERROR(ValidateScalar(scalar));
  std::unique_ptr<OprfKey> key(new OprfKey());
  std::copy(scalar.begin(), scalar.end(), key->sk_.begin());
  return key;
}

std::string OprfKey::SecretBytes() const { return std::string(View(sk_.data(), sk_.size())); }

Element OprfKey::PublicKey() const {
  Element pk;
  crypto_scalarmult_ristretto255_base(pk.data(), sk_.data());
  return pk;
}

absl::StatusOr<Element> OprfKey::BlindEvaluate(absl::string_view blinded) const {
  RETURN_IF_ERROR(ValidateElement(blinded));
  Element out;
  if (crypto_scalarmult_ristretto255(out.data(), sk_.data(), U(blinded)) != 0) {
    return absl::InvalidArgumentError("evaluation produced the identity");
  }
  return out;
}

absl::Status OprfKey::BlindEvaluateBatch(absl::Span<const Element> blinded, absl::Span<Element> out,
                                         int threads) const {
  if (blinded.size() != out.size()) return absl::InvalidArgumentError("batch size mismatch");
  // Every element is checked before any is evaluated: a batch with one bad
  // element costs the evaluator a cheap decode per element, not a scalar
  // multiplication (a peer would otherwise get free evaluations refused at
  // the end).
  RETURN_IF_ERROR(ParallelFor(blinded.size(), threads, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      if ((blinded[i][31] & 0x80) != 0 || sodium_is_zero(blinded[i].data(), kElementSize) ||
          crypto_core_ristretto255_is_valid_point(blinded[i].data()) != 1) {
        return absl::InvalidArgumentError(
            absl::StrCat("element ", i, " is not a valid non-identity ristretto255 element"));
      }
    }
    return absl::OkStatus();
  }));
  return ParallelFor(blinded.size(), threads, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      // crypto_scalarmult_ristretto255 also fails on an identity result.
      if (crypto_scalarmult_ristretto255(out[i].data(), sk_.data(), blinded[i].data()) != 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("element ", i, " is not a valid non-identity ristretto255 element"));
      }
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<Output> OprfKey::Evaluate(absl::string_view input) const {
  ASSIGN_OR_RETURN(Element e, HashInput(input));
  Element evaluated;
  if (crypto_scalarmult_ristretto255(evaluated.data(), sk_.data(), e.data()) != 0) {
    return absl::InternalError("evaluation produced the identity");
  }
  return FinalHash(input, evaluated.data());
}

namespace {

// out[i] = fn(inputs[i]) on `threads` threads; the first failure names its
// input's index.
template <typename T, typename Fn>
absl::Status MapBatch(absl::Span<const std::string> inputs, absl::Span<T> out, int threads, Fn fn) {
  if (inputs.size() != out.size()) return absl::InvalidArgumentError("batch size mismatch");
  return ParallelFor(inputs.size(), threads, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      absl::StatusOr<T> result = fn(inputs[i]);
      if (!result.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("input ", i, ": ", result.status().message()));
      }
      out[i] = *std::move(result);
    }
    return absl::OkStatus();
  });
}

}  // namespace

absl::Status OprfKey::EvaluateBatch(absl::Span<const std::string> inputs, absl::Span<Output> out,
                                    int threads) const {
  return MapBatch(inputs, out, threads,
                  [this](const std::string& input) { return Evaluate(input); });
}

absl::StatusOr<BlindedInput> BlindWith(absl::string_view input, absl::string_view blind) {
  RETURN_IF_ERROR(ValidateScalar(blind));
  ASSIGN_OR_RETURN(Element e, HashInput(input));
  BlindedInput out;
  std::copy(blind.begin(), blind.end(), out.blind.begin());
  if (crypto_scalarmult_ristretto255(out.element.data(), out.blind.data(), e.data()) != 0) {
    return absl::InternalError("blinding produced the identity");
  }
  return out;
}

absl::StatusOr<BlindedInput> Blind(absl::string_view input) {
  if (sodium_init() < 0) return absl::InternalError("libsodium failed to initialise");
  Scalar r;
  do {
    crypto_core_ristretto255_scalar_random(r.data());
  } while (sodium_is_zero(r.data(), r.size()));
  auto out = BlindWith(input, View(r.data(), r.size()));
  sodium_memzero(r.data(), r.size());
  return out;
}

absl::StatusOr<Output> Finalize(absl::string_view input, const Scalar& blind,
                                absl::string_view evaluated) {
  RETURN_IF_ERROR(ValidateElement(evaluated));
  Scalar inverse;
  if (crypto_core_ristretto255_scalar_invert(inverse.data(), blind.data()) != 0) {
    return absl::InvalidArgumentError("blind is zero");
  }
  Element unblinded;
  const int rc = crypto_scalarmult_ristretto255(unblinded.data(), inverse.data(), U(evaluated));
  sodium_memzero(inverse.data(), inverse.size());
  if (rc != 0) return absl::InvalidArgumentError("unblinded element is the identity");
  return FinalHash(input, unblinded.data());
}

absl::Status BlindBatch(absl::Span<const std::string> inputs, absl::Span<BlindedInput> out,
                        int threads) {
  return MapBatch(inputs, out, threads, [](const std::string& input) { return Blind(input); });
}

absl::Status FinalizeBatch(absl::Span<const std::string> inputs,
                           absl::Span<const BlindedInput> blinded,
                           absl::Span<const Element> evaluated, absl::Span<Output> out,
                           int threads) {
  if (inputs.size() != blinded.size() || inputs.size() != evaluated.size() ||
      inputs.size() != out.size()) {
    return absl::InvalidArgumentError("batch size mismatch");
  }
  return ParallelFor(inputs.size(), threads, [&](size_t begin, size_t end) {
    const size_t m = end - begin;
    if (m == 0) return absl::OkStatus();
    // Montgomery's trick: one scalar inversion for the whole chunk instead
    // of one per element (libsodium scalar products only), then unblind.
    std::vector<Scalar> prefix(m);
    prefix[0] = blinded[begin].blind;
    for (size_t k = 1; k < m; ++k) {
      crypto_core_ristretto255_scalar_mul(prefix[k].data(), prefix[k - 1].data(),
                                          blinded[begin + k].blind.data());
    }
    Scalar acc, inverse;
    absl::Status status = absl::OkStatus();
    if (crypto_core_ristretto255_scalar_invert(acc.data(), prefix[m - 1].data()) != 0) {
      status = absl::InvalidArgumentError("a blind is zero");
    }
    for (size_t k = m; status.ok() && k-- > 0;) {
      if (k > 0) {
        crypto_core_ristretto255_scalar_mul(inverse.data(), acc.data(), prefix[k - 1].data());
        crypto_core_ristretto255_scalar_mul(acc.data(), acc.data(),
                                            blinded[begin + k].blind.data());
      } else {
        inverse = acc;
      }
      // crypto_scalarmult_ristretto255 decodes (rejecting non-canonical
      // encodings) and fails on an identity result; bit 255 and the
      // all-zero identity are checked explicitly (see ValidateElement).
      const Element& z = evaluated[begin + k];
      Element unblinded;
      if ((z[31] & 0x80) != 0 || sodium_is_zero(z.data(), kElementSize) ||
          crypto_scalarmult_ristretto255(unblinded.data(), inverse.data(), z.data()) != 0) {
        status = absl::InvalidArgumentError(
            absl::StrCat("element ", begin + k, ": not a valid non-identity ristretto255 element"));
        break;
      }
      out[begin + k] = FinalHash(inputs[begin + k], unblinded.data());
    }
    sodium_memzero(prefix.data(), prefix.size() * sizeof(Scalar));
    sodium_memzero(acc.data(), acc.size());
    sodium_memzero(inverse.data(), inverse.size());
    return status;
  });
}

}  // namespace fedlink::crypto::oprf
