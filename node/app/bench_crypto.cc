#include "node/app/bench_crypto.h"

#include <sodium.h>

#include <algorithm>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "crypto/oprf.h"

namespace fedlink::app {
namespace {

constexpr size_t kBatch = 4096;

// Repeats `round` (which processes `per_round` elements) for about `seconds`
// and returns elements per second.
template <typename Fn>
double Rate(double seconds, size_t per_round, Fn round) {
  round();  // warm up
  size_t done = 0;
  const absl::Time start = absl::Now();
  absl::Duration elapsed;
  do {
    round();
    done += per_round;
    elapsed = absl::Now() - start;
  } while (elapsed < absl::Seconds(seconds));
  return done / absl::ToDoubleSeconds(elapsed);
}

}  // namespace

absl::StatusOr<CryptoBenchFigures> BenchCrypto(double seconds, int threads) {
  if (sodium_init() < 0) return absl::InternalError("libsodium");
  CryptoBenchFigures figures;
  figures.threads =
      threads > 0 ? threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));

  std::vector<crypto::oprf::Element> points(kBatch), out(kBatch);
  for (auto& p : points) crypto_core_ristretto255_random(p.data());
  crypto::oprf::Scalar scalar;
  crypto_core_ristretto255_scalar_random(scalar.data());
  auto key = crypto::oprf::OprfKey::Generate();

  // Raw: crypto_scalarmult_ristretto255 in a plain loop, split the same way
  // as the batch (ParallelFor) so only the OPRF layer differs.
  auto raw_round = [&](int t) {
    return [&, t] {
      crypto::oprf::ParallelFor(kBatch, t, [&](size_t b, size_t e) {
        for (size_t i = b; i < e; ++i) {
          if (crypto_scalarmult_ristretto255(out[i].data(), scalar.data(), points[i].data()) != 0) {
            return absl::InternalError("identity");
          }
        }
        return absl::OkStatus();
      }).IgnoreError();
    };
  };
  auto oprf_round = [&](int t) {
    return [&, t] { key->BlindEvaluateBatch(points, absl::MakeSpan(out), t).IgnoreError(); };
  };
  figures.raw_one = Rate(seconds, kBatch, raw_round(1));
  figures.blind_evaluate_one = Rate(seconds, kBatch, oprf_round(1));
  figures.raw_all = Rate(seconds, kBatch, raw_round(figures.threads));
  figures.blind_evaluate_all = Rate(seconds, kBatch, oprf_round(figures.threads));

  std::vector<std::string> inputs(kBatch / 4);
  for (size_t i = 0; i < inputs.size(); ++i) {
    inputs[i] = "fedlink/keyspec/v1|phone|+4477009" + std::to_string(100000 + i);
  }
  std::vector<crypto::oprf::BlindedInput> blinded(inputs.size());
  std::vector<crypto::oprf::Element> evaluated(inputs.size());
  std::vector<crypto::oprf::Output> outputs(inputs.size());
  crypto::oprf::BlindBatch(inputs, absl::MakeSpan(blinded), 1).IgnoreError();
  for (size_t i = 0; i < inputs.size(); ++i) {
    evaluated[i] = *key->BlindEvaluate(
        absl::string_view(reinterpret_cast<const char*>(blinded[i].element.data()), 32));
  }
  figures.client_one = Rate(seconds, inputs.size(), [&] {
    crypto::oprf::BlindBatch(inputs, absl::MakeSpan(blinded), 1).IgnoreError();
    crypto::oprf::FinalizeBatch(inputs, blinded, evaluated, absl::MakeSpan(outputs), 1)
        .IgnoreError();
  });
  return figures;
}

}  // namespace fedlink::app
