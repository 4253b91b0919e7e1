#include "node/app/bench_audit.h"

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "crypto/checkpoint.h"
#include "crypto/merkle.h"
#include "crypto/merkle_frontier.h"
#include "fedlink/v1/audit.pb.h"
#include "node/common/status_macros.h"

namespace fedlink::app {

double AppendFigures::per_second() const { return appended / std::max(seconds, 1e-9); }

absl::StatusOr<AppendFigures> BenchAuditAppends(Node& node, const AppendBenchOptions& options) {
  ASSIGN_OR_RETURN(audit::AuditLog * log, node.AuditLog());
  log->StartCheckpointing(absl::Seconds(1));
  AppendFigures figures;
  figures.threads = std::max(1, options.threads);
  const uint64_t before = log->size();
  absl::Mutex ack_mu;
  std::atomic<bool> failed{false};
  std::vector<std::thread> workers;
  const absl::Time start = absl::Now();
  for (int t = 0; t < figures.threads; ++t) {
    workers.emplace_back([&, t] {
      for (int i = 0; absl::Now() - start < options.run; ++i) {
        audit::Event e;
        e.event = "bench.append";
        e.requester = node.id();
        e.count = 1;
        e.detail = absl::StrCat("t", t, "-", i);
        auto index = log->Append(e);
        if (!index.ok()) {
          failed = true;
          return;
        }
        if (options.on_ack) {
          absl::MutexLock lock(&ack_mu);
          options.on_ack(*index, e.detail);
        }
      }
    });
  }
  for (auto& w : workers) w.join();
  figures.seconds = absl::ToDoubleSeconds(absl::Now() - start);
  figures.log_size = log->size();
  figures.appended = figures.log_size - before;
  figures.failed = failed;
  return figures;
}

absl::StatusOr<VerifyFigures> BenchAuditVerify(Node& node, int entries) {
  if (node.identity() == nullptr) {
    return absl::InternalError("bench audit: the node's identity key is not loaded");
  }
  fedlink::v1::AuditExport out;
  out.set_node_id(node.id());
  out.set_identity_vkey(node.identity()->VerifierKey());
  crypto::merkle::Frontier frontier;
  for (int i = 0; i < entries; ++i) {
    fedlink::v1::AuditEntry e;
    e.set_event("match.evaluate.answered");
    e.set_time_unix_micros(absl::ToUnixMicros(absl::Now()));
    e.set_requester("ngo-1");
    e.set_responder(node.id());
    e.set_purpose("victim-dedup");
    e.set_exchange_id(std::string(64, 'a' + i % 6));
    e.set_count(8192);
    e.set_request_sha256(std::string(32, static_cast<char>(i)));
    *out.add_entries() = e.SerializeAsString();
    frontier.Append(crypto::merkle::LeafHash(out.entries(i)));
    if ((i + 1) % 5000 == 0 || i + 1 == entries) {
      crypto::checkpoint::Checkpoint cp{node.id(), frontier.size(), frontier.Root(), {}};
      ASSIGN_OR_RETURN(*out.add_checkpoints(), crypto::checkpoint::Sign(cp, *node.identity()));
    }
  }
  const std::string bytes = out.SerializeAsString();
  const absl::Time start = absl::Now();
  ASSIGN_OR_RETURN(const audit::VerifiedExport verified, audit::VerifyExport(bytes));
  VerifyFigures figures;
  figures.seconds = absl::ToDoubleSeconds(absl::Now() - start);
  figures.entries = verified.entries;
  figures.checkpoints = verified.checkpoints;
  figures.export_bytes = bytes.size();
  return figures;
}

}  // namespace fedlink::app
