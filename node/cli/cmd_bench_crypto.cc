// fedlink bench crypto: OPRF throughput against the raw libsodium operation,
// measured in the same run (figures are ratios because machines are noisy).
#include <sodium.h>

#include <iomanip>
#include <iostream>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/time/clock.h"
#include "crypto/oprf.h"
#include "node/cli/command.h"
#include "node/cli/flags.h"


namespace fedlink::cli {
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

int RunBenchCrypto(const std::vector<std::string>& args) {
  if (sodium_init() < 0)
    return ReportError("bench crypto", absl::InternalError("libsodium"));
  const double seconds = absl::GetFlag(FLAGS_seconds);
  int threads = absl::GetFlag(FLAGS_threads);
  if (threads <= 0)
    threads =
        static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));

  std::vector<oprf::Element> points(kBatch), out(kBatch);
  for (auto& p : points) crypto_core_ristretto255_random(p.data());
  oprf::Scalar scalar;
  crypto_core_ristretto255_scalar_random(scalar.data());
  auto key = oprf::OprfKey::Generate();

  // Raw: crypto_scalarmult_ristretto255 in a plain loop, split the same way
  // as the batch (ParallelFor) so only the OPRF layer differs.
  auto raw_round = [&](int t) {
    return [&, t] {
      oprf::ParallelFor(kBatch, t, [&](size_t b, size_t e) {
        for (size_t i = b; i < e; ++i) {
          if (crypto_scalarmult_ristretto255(out[i].data(), scalar.data(),
                                             points[i].data()) != 0) {
            return absl::InternalError("identity");
          }
        }
        return absl::OkStatus();
      }).IgnoreError();
    };
  };
  auto oprf_round = [&](int t) {
    return [&, t] {
      key->BlindEvaluateBatch(points, absl::MakeSpan(out), t).IgnoreError();
    };
  };
  const double raw1 = Rate(seconds, kBatch, raw_round(1));
  const double eval1 = Rate(seconds, kBatch, oprf_round(1));
  const double rawn = Rate(seconds, kBatch, raw_round(threads));
  const double evaln = Rate(seconds, kBatch, oprf_round(threads));

  std::vector<std::string> inputs(kBatch / 4);
  for (size_t i = 0; i < inputs.size(); ++i) {
    inputs[i] =
        "fedlink/keyspec/v1|phone|+4477009" + std::to_string(100000 + i);
  }
  std::vector<oprf::BlindedInput> blinded(inputs.size());
  std::vector<oprf::Element> evaluated(inputs.size());
  std::vector<oprf::Output> outputs(inputs.size());
  oprf::BlindBatch(inputs, absl::MakeSpan(blinded), 1).IgnoreError();
  for (size_t i = 0; i < inputs.size(); ++i)
    evaluated[i] = *key->BlindEvaluate(absl::string_view(
        reinterpret_cast<const char*>(blinded[i].element.data()), 32));
  const double client1 = Rate(seconds, inputs.size(), [&] {
    oprf::BlindBatch(inputs, absl::MakeSpan(blinded), 1).IgnoreError();
    oprf::FinalizeBatch(inputs, blinded, evaluated, absl::MakeSpan(outputs), 1)
        .IgnoreError();
  });

  std::cout << std::fixed << std::setprecision(0);
  std::cout << "raw crypto_scalarmult_ristretto255, 1 core:   " << raw1
            << " ops/s\n"
            << "raw crypto_scalarmult_ristretto255, " << threads
            << " threads: " << rawn << " ops/s\n"
            << "OPRF BlindEvaluate, 1 core:                  " << eval1
            << " elements/s\n"
            << "OPRF BlindEvaluate, " << threads
            << " threads:                " << evaln << " elements/s\n"
            << "client Blind+Finalize, 1 core:               " << client1
            << " elements/s\n"
            << std::setprecision(3)
            << "ratio BlindEvaluate/raw scalarmult, 1 core:  " << eval1 / raw1
            << "\n"
            << "ratio BlindEvaluate/raw scalarmult, " << threads
            << " threads: " << evaln / rawn << "\n"
            << "scaling BlindEvaluate " << threads
            << " threads / 1 core: " << evaln / eval1 << "\n";
  return kExitOk;
}

FEDLINK_COMMAND(
    "bench crypto", "  fedlink bench crypto [--seconds S] [--threads N]",
    "OPRF throughput vs raw libsodium scalar multiplication, as ratios",
    {"seconds", "threads"}, RunBenchCrypto);

}  // namespace
}  // namespace fedlink::cli
