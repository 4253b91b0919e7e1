// RFC 9497 OPRF, suite ristretto255-SHA512, mode 0x00 (OPRF), on
// libsodium's ristretto255.
//
//   client: (blind, blinded) = Blind(input)        -> sends blinded
//   server: evaluated = BlindEvaluate(sk, blinded) -> sends evaluated
//   client: output = Finalize(input, blind, evaluated)   (64 bytes)
//   server-side full evaluation: Evaluate(sk, input) == output
//
// Security: the server learns nothing about `input` (the blinded element is
// uniformly random); without the server's key the client cannot compute
// outputs for other inputs. Every element received is checked: a
// non-canonical encoding or the identity is rejected (InvalidArgument), as
// are non-canonical or zero scalars. Keys are wiped on destruction.
//
// Thread-safety: OprfKey is immutable; all functions may run concurrently.
// The batch functions split work across threads and allocate nothing per
// element.
#ifndef FEDLINK_CRYPTO_OPRF_H_
#define FEDLINK_CRYPTO_OPRF_H_

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace fedlink::crypto::oprf {

inline constexpr size_t kElementSize = 32;
inline constexpr size_t kScalarSize = 32;
inline constexpr size_t kOutputSize = 64;

using Element = std::array<unsigned char, kElementSize>;  // ristretto255 encoding
using Scalar = std::array<unsigned char, kScalarSize>;    // little-endian mod L
using Output = std::array<unsigned char, kOutputSize>;

// "OPRFV1-" || 0x00 || "-ristretto255-SHA512"
std::string ContextString();

// Validates a received element: canonical ristretto255 and not the identity.
absl::Status ValidateElement(absl::string_view encoded);
// Validates a scalar: canonical (< L) and non-zero.
absl::Status ValidateScalar(absl::string_view encoded);

// The server's private key for one (purpose, epoch).
class OprfKey {
 public:
  // DeriveKeyPair(seed, info) (RFC 9497 3.2.1).
  static absl::StatusOr<std::unique_ptr<OprfKey>> Derive(absl::string_view seed,
                                                         absl::string_view info);
  static std::unique_ptr<OprfKey> Generate();
  // From a serialized scalar; refuses non-canonical and zero scalars.
  static absl::StatusOr<std::unique_ptr<OprfKey>> FromBytes(absl::string_view scalar);

  OprfKey(const OprfKey&) = delete;
  OprfKey& operator=(const OprfKey&) = delete;
  ~OprfKey();

  // Serialized secret scalar (for sealed storage only).
  std::string SecretBytes() const;
  Element PublicKey() const;

  // BlindEvaluate: sk * blinded.
  absl::StatusOr<Element> BlindEvaluate(absl::string_view blinded) const;
  // Batch BlindEvaluate over `threads` threads (0 = hardware concurrency).
  // On error, names the index of the first invalid element.
  absl::Status BlindEvaluateBatch(absl::Span<const Element> blinded, absl::Span<Element> out,
                                  int threads = 0) const;
  // Full server-side evaluation of an input.
  absl::StatusOr<Output> Evaluate(absl::string_view input) const;
  absl::Status EvaluateBatch(absl::Span<const std::string> inputs, absl::Span<Output> out,
                             int threads = 0) const;

 private:
  OprfKey() = default;
  Scalar sk_{};
};

struct BlindedInput {
  Scalar blind;
  Element element;
};

// Blind with a fresh random blind.
absl::StatusOr<BlindedInput> Blind(absl::string_view input);
// Blind with a given blind (test vectors); the blind must be a valid scalar.
absl::StatusOr<BlindedInput> BlindWith(absl::string_view input, absl::string_view blind);
// Finalize: H(len(input) || input || len(N) || N || "Finalize"), N = blind^-1 *
// evaluated.
absl::StatusOr<Output> Finalize(absl::string_view input, const Scalar& blind,
                                absl::string_view evaluated);

// Client batch helpers over `threads` threads (0 = hardware concurrency).
absl::Status BlindBatch(absl::Span<const std::string> inputs, absl::Span<BlindedInput> out,
                        int threads = 0);
absl::Status FinalizeBatch(absl::Span<const std::string> inputs,
                           absl::Span<const BlindedInput> blinded,
                           absl::Span<const Element> evaluated, absl::Span<Output> out,
                           int threads = 0);

// Runs fn(begin, end) over [0, n) split across `threads` threads and returns
// the first error by index. Exposed for the batch users and the benchmark.
absl::Status ParallelFor(size_t n, int threads,
                         const std::function<absl::Status(size_t, size_t)>& fn);

}  // namespace fedlink::crypto::oprf

#endif  // FEDLINK_CRYPTO_OPRF_H_
