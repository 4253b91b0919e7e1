// Fuzz target: transparency-log checkpoints, cosignatures and Merkle proofs
// (crypto/checkpoint.h, crypto/merkle.h): what a witness receives from a
// peer and an auditor reads in an export. The first byte picks:
//   0: a checkpoint body: what parses prints back the same (Body());
//   1: a checkpoint note: Verify under the fixed log key (origin
//      "fuzz-log"); what verifies has that origin and re-parses equal;
//   2: a cosigned note: every signature line read as a cosignature and
//      checked against the fixed witness key over its body;
//   3: Merkle proofs from the bytes: sizes, an index and proof hashes as a
//      peer would send them (VerifyInclusion, VerifyConsistency must answer,
//      never crash, whatever the sizes); then a real tree of up to 64
//      leaves: its honest proofs verify and a proof with one byte flipped
//      does not.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "crypto/checkpoint.h"
#include "crypto/merkle.h"
#include "crypto/signed_note.h"
#include "fuzz/fuzz_support.h"

namespace fedlink::fuzz {
namespace {

namespace checkpoint = crypto::checkpoint;
namespace merkle = crypto::merkle;

const crypto::SigningKey& LogKey() {
  static const auto* const key = FixedKey("fuzz-log", 3).release();
  return *key;
}
const crypto::SigningKey& WitnessKey() {
  static const auto* const key = FixedKey("fuzz-witness", 4).release();
  return *key;
}

void Body(absl::string_view text) {
  auto c = checkpoint::Checkpoint::ParseBody(text);
  if (c.ok()) FUZZ_CHECK(c->Body() == text, "a checkpoint body that does not print back");
}

void Note(absl::string_view text) {
  static const auto* const verifier =
      new crypto::Verifier(crypto::Verifier::Parse(LogKey().VerifierKey()).value());
  auto c = checkpoint::Verify(text, *verifier);
  if (!c.ok()) return;
  FUZZ_CHECK(c->origin == "fuzz-log", "a checkpoint of another origin verified");
  auto again = checkpoint::Checkpoint::ParseBody(c->Body());
  FUZZ_CHECK(again.ok() && again->size == c->size && again->root_hash == c->root_hash,
             "a verified checkpoint that does not re-parse");
}

void Cosigned(absl::string_view text) {
  auto note = crypto::note::Parse(text);
  if (!note.ok()) return;
  auto body = checkpoint::Checkpoint::ParseBody(note->text);
  for (const crypto::note::SignatureLine& line : note->signatures) {
    auto cos = checkpoint::ParseCosignature(line);
    if (!cos.ok()) continue;
    FUZZ_CHECK(cos->signature.size() == 64 && cos->timestamp < (uint64_t{1} << 63),
               "a cosignature of the wrong shape");
    if (body.ok()) (void)checkpoint::VerifyCosignature(*body, *cos, WitnessKey().public_key());
  }
}

std::vector<std::string> Hashes(FuzzedDataProvider& in, size_t max) {
  std::vector<std::string> out(in.ConsumeIntegralInRange<size_t>(0, max));
  for (std::string& h : out) {
    h = in.ConsumeBool() ? in.ConsumeBytesAsString(32) : in.ConsumeRandomLengthString(40);
  }
  return out;
}

void Proofs(FuzzedDataProvider& in) {
  // As received: any sizes, any proof.
  const uint64_t size1 = in.ConsumeIntegral<uint64_t>();
  const uint64_t size2 = in.ConsumeIntegral<uint64_t>();
  const uint64_t index = in.ConsumeIntegral<uint64_t>();
  const std::string root1 = in.ConsumeBytesAsString(32), root2 = in.ConsumeBytesAsString(32);
  const std::vector<std::string> proof = Hashes(in, 130);
  (void)merkle::VerifyConsistency(size1, size2, proof, root1, root2);
  (void)merkle::VerifyInclusion(index, size2, root1, proof, root2);

  // A real tree: honest proofs verify, a flipped byte does not.
  std::vector<std::string> leaves(in.ConsumeIntegralInRange<size_t>(1, 64));
  for (size_t i = 0; i < leaves.size(); ++i) leaves[i] = merkle::LeafHash(std::to_string(i));
  const uint64_t n = leaves.size();
  const uint64_t m = in.ConsumeIntegralInRange<uint64_t>(1, n);
  const uint64_t leaf = in.ConsumeIntegralInRange<uint64_t>(0, n - 1);
  const std::string root = merkle::RootHash(leaves);
  const std::string old_root = merkle::RootHash(absl::MakeConstSpan(leaves).subspan(0, m));
  auto consistency = merkle::ConsistencyProof(leaves, m);
  FUZZ_CHECK(consistency.ok(), "no consistency proof for a real tree");
  FUZZ_CHECK(merkle::VerifyConsistency(m, n, *consistency, old_root, root).ok(),
             "an honest consistency proof does not verify");
  auto inclusion = merkle::InclusionProof(leaves, leaf);
  FUZZ_CHECK(inclusion.ok(), "no inclusion proof for a real tree");
  FUZZ_CHECK(merkle::VerifyInclusion(leaf, n, leaves[leaf], *inclusion, root).ok(),
             "an honest inclusion proof does not verify");
  if (!consistency->empty()) {
    std::vector<std::string> bad = *consistency;
    const size_t which = in.ConsumeIntegralInRange<size_t>(0, bad.size() - 1);
    bad[which][in.ConsumeIntegralInRange<size_t>(0, 31)] ^= 1;
    FUZZ_CHECK(!merkle::VerifyConsistency(m, n, bad, old_root, root).ok(),
               "a consistency proof with a flipped byte verifies");
  }
  if (!inclusion->empty()) {
    std::vector<std::string> bad = *inclusion;
    const size_t which = in.ConsumeIntegralInRange<size_t>(0, bad.size() - 1);
    bad[which][in.ConsumeIntegralInRange<size_t>(0, 31)] ^= 1;
    FUZZ_CHECK(!merkle::VerifyInclusion(leaf, n, leaves[leaf], bad, root).ok(),
               "an inclusion proof with a flipped byte verifies");
  }
}

}  // namespace
}  // namespace fedlink::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const absl::string_view rest = fedlink::fuzz::AsText(data + 1, size - 1);
  switch (data[0] % 4) {
    case 0:
      fedlink::fuzz::Body(rest);
      break;
    case 1:
      fedlink::fuzz::Note(rest);
      break;
    case 2:
      fedlink::fuzz::Cosigned(rest);
      break;
    case 3: {
      FuzzedDataProvider in(data + 1, size - 1);
      fedlink::fuzz::Proofs(in);
      break;
    }
  }
  return 0;
}
