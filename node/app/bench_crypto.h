// `fedlink bench crypto`: OPRF throughput against the raw libsodium
// operation it is built on, measured in the same run (the figures that
// matter are ratios, because machines are noisy).
//
//   ASSIGN_OR_RETURN(app::CryptoBenchFigures f, app::BenchCrypto(1.0, 0));
//   double overhead = f.blind_evaluate_one / f.raw_one;
#ifndef FEDLINK_NODE_APP_BENCH_CRYPTO_H_
#define FEDLINK_NODE_APP_BENCH_CRYPTO_H_

#include "absl/status/statusor.h"

namespace fedlink::app {

struct CryptoBenchFigures {
  int threads = 0;  // the "all cores" runs
  // crypto_scalarmult_ristretto255 in a plain loop, ops/s.
  double raw_one = 0, raw_all = 0;
  // OprfKey::BlindEvaluateBatch, elements/s.
  double blind_evaluate_one = 0, blind_evaluate_all = 0;
  // The client side: BlindBatch + FinalizeBatch on one core, elements/s.
  double client_one = 0;

  double ratio_one() const { return blind_evaluate_one / raw_one; }
  double ratio_all() const { return blind_evaluate_all / raw_all; }
  double scaling() const { return blind_evaluate_all / blind_evaluate_one; }
};

// Each figure is measured for about `seconds`; `threads` <= 0 means every
// core. Internal if libsodium cannot be initialised.
absl::StatusOr<CryptoBenchFigures> BenchCrypto(double seconds, int threads);

}  // namespace fedlink::app

#endif  // FEDLINK_NODE_APP_BENCH_CRYPTO_H_
