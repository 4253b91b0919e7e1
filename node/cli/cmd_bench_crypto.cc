// fedlink bench crypto: OPRF throughput against the raw libsodium operation,
// measured in the same run (node/app/bench_crypto.h).
#include <iomanip>
#include <iostream>

#include "absl/flags/flag.h"
#include "node/app/bench_crypto.h"
#include "node/cli/command.h"
#include "node/cli/flags.h"

namespace fedlink::cli {
namespace {

int RunBenchCrypto(const std::vector<std::string>& args) {
  auto f = app::BenchCrypto(absl::GetFlag(FLAGS_seconds), absl::GetFlag(FLAGS_threads));
  if (!f.ok()) return ReportError("bench crypto", f.status());
  const int threads = f->threads;
  std::cout << std::fixed << std::setprecision(0);
  std::cout << "raw crypto_scalarmult_ristretto255, 1 core:   " << f->raw_one << " ops/s\n"
            << "raw crypto_scalarmult_ristretto255, " << threads << " threads: " << f->raw_all
            << " ops/s\n"
            << "OPRF BlindEvaluate, 1 core:                  " << f->blind_evaluate_one
            << " elements/s\n"
            << "OPRF BlindEvaluate, " << threads
            << " threads:                " << f->blind_evaluate_all << " elements/s\n"
            << "client Blind+Finalize, 1 core:               " << f->client_one << " elements/s\n"
            << std::setprecision(3)
            << "ratio BlindEvaluate/raw scalarmult, 1 core:  " << f->ratio_one() << "\n"
            << "ratio BlindEvaluate/raw scalarmult, " << threads << " threads: " << f->ratio_all()
            << "\n"
            << "scaling BlindEvaluate " << threads << " threads / 1 core: " << f->scaling() << "\n";
  return kExitOk;
}

FEDLINK_COMMAND("bench crypto", "  fedlink bench crypto [--seconds S] [--threads N]",
                "OPRF throughput vs raw libsodium scalar multiplication, as ratios",
                {"seconds", "threads"}, RunBenchCrypto);

}  // namespace
}  // namespace fedlink::cli
