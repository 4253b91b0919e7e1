// fedlink audit export | verify | list, and bench audit: the node's
// tamper-evident access log for auditors (docs/audit.md).
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "crypto/checkpoint.h"
#include "crypto/merkle.h"
#include "crypto/merkle_frontier.h"
#include "fedlink/v1/audit.pb.h"
#include "node/cli/audit_review.h"
#include "node/cli/command.h"
#include "node/cli/command_audit.h"
#include "node/cli/flags.h"
#include "node/cli/output.h"
#include "node/cli/peer_session.h"
#include "node/audit/export_service.h"
#include "node/audit/witness_round.h"
#include "node/audit/witness_service.h"
#include "node/federation/roster.h"

ABSL_FLAG(std::string, roster, "",
          "A signed roster file (roster.bin): check each export's node key against it "
          "(needs --federation-key).");
ABSL_FLAG(std::string, html, "", "Where to write the HTML report.");
ABSL_FLAG(bool, print_acks, false,
          "bench audit: print 'ack INDEX DETAIL' for every durable append.");
ABSL_FLAG(int, entries, 0,
          "bench audit: also time `audit verify` of an export of this many entries.");

namespace fedlink::cli {
namespace {


int RunAuditExport(const std::vector<std::string>& args) {
  const std::string out = absl::GetFlag(FLAGS_out);
  if (out.empty()) {
    return ReportError("audit export", absl::InvalidArgumentError("--out FILE is required"));
  }
  auto node = OpenNode(absl::GetFlag(FLAGS_dir), {.load_identity = true});
  if (!node.ok()) return ReportError("audit export", node.status());
  auto log = OpenCommandAudit(**node);
  if (!log.ok()) return ReportError("audit export", log.status());
  auto bytes = (*log)->Export();
  if (!bytes.ok()) return ReportError("audit export", bytes.status());
  if (auto s = WriteOutput(out, *bytes); !s.ok()) return ReportError("audit export", s);
  auto verified = audit::VerifyExport(*bytes);
  if (!verified.ok()) return ReportError("audit export", verified.status());
  std::cout << "exported " << verified->entries << " entries and " << verified->checkpoints
            << " checkpoints of node " << verified->node_id << " to " << out << "\n";
  return kExitOk;
}

// --roster R --federation-key VKEY, if given.
absl::StatusOr<std::unique_ptr<federation::Roster>> RosterFromFlags() {
  const std::string path = absl::GetFlag(FLAGS_roster);
  if (path.empty()) return nullptr;
  auto bytes = ReadWholeFile(path);
  if (!bytes.ok()) return bytes.status();
  auto key = Verifier::Parse(absl::GetFlag(FLAGS_federation_key));
  if (!key.ok()) return absl::InvalidArgumentError("--roster needs --federation-key VKEY");
  auto opened = federation::Roster::Open(*bytes, *key, absl::Now());
  if (!opened.ok()) return opened.status();
  return std::make_unique<federation::Roster>(*std::move(opened));
}

int RunAuditVerify(const std::vector<std::string>& args) {
  if (args.empty()) {
    return ReportError("audit verify", absl::InvalidArgumentError("expected export FILE..."));
  }
  auto roster = RosterFromFlags();
  if (!roster.ok()) return ReportError("audit verify", roster.status());
  auto review = ReviewExports(args, roster->get());
  if (!review.ok()) return ReportError("audit verify", review.status());
  for (const LogReview& l : review->logs) {
    if (!l.ok) {
      std::cout << l.path << ": FAILED: " << l.failure << "\n";
      continue;
    }
    std::set<std::string> witnesses(l.witnesses.begin(), l.witnesses.end());
    std::cout << l.path << ": node " << l.node_id << ": " << l.entries << " entries, "
              << l.checkpoints << " checkpoints, " << l.witnesses.size() << " cosignatures"
              << (witnesses.empty() ? "" : absl::StrCat(" (", absl::StrJoin(witnesses, ", "), ")"))
              << ": OK\n";
  }
  for (const std::string& a : review->anomalies) std::cout << a << "\n";
  if (review->entries.size() >= 2) {
    std::cout << "joined " << review->joined << " exchanges across " << review->entries.size()
              << " logs, " << review->anomalies.size() << " anomalies\n";
  }
  return review->ok() ? kExitOk : kExitFailure;
}

int RunAuditReport(const std::vector<std::string>& args) {
  const std::string html = absl::GetFlag(FLAGS_html);
  if (args.empty() || html.empty()) {
    return ReportError("audit report",
                       absl::InvalidArgumentError("expected export FILE... and --html OUT"));
  }
  auto roster = RosterFromFlags();
  if (!roster.ok()) return ReportError("audit report", roster.status());
  auto review = ReviewExports(args, roster->get());
  if (!review.ok()) return ReportError("audit report", review.status());
  if (auto s = WriteOutput(html, RenderReport(*review, absl::Now())); !s.ok()) {
    return ReportError("audit report", s);
  }
  std::cout << "wrote " << html << ": " << (review->ok() ? "verified" : "PROBLEMS FOUND")
            << "\n";
  return review->ok() ? kExitOk : kExitFailure;
}

int RunAuditList(const std::vector<std::string>& args) {
  if (args.size() != 1) {
    return ReportError("audit list", absl::InvalidArgumentError("expected one export FILE"));
  }
  auto bytes = ReadWholeFile(args[0]);
  if (!bytes.ok()) return ReportError("audit list", bytes.status());
  auto verified = audit::VerifyExport(*bytes);
  if (!verified.ok()) return ReportError("audit list", verified.status());
  std::cout << "index,time,event,requester,responder,purpose,legal_basis,official,count,hits,"
               "outcome,exchange,detail\n";
  for (size_t i = 0; i < verified->serialized_entries.size(); ++i) {
    fedlink::v1::AuditEntry e;
    e.ParseFromString(verified->serialized_entries[i]);
    std::cout << absl::StrFormat(
        "%d,%s,%s,%s,%s,%s,%s,%s,%d,%d,\"%s\",%s,\"%s\"\n", i,
        absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::FromUnixMicros(e.time_unix_micros()),
                         absl::UTCTimeZone()),
        e.event(), e.requester(), e.responder(), e.purpose(), absl::CEscape(e.legal_basis()),
        absl::CEscape(e.official()), e.count(), e.hits(),
        absl::CEscape(e.outcome()), e.exchange_id().substr(0, 16), absl::CEscape(e.detail()));
  }
  return kExitOk;
}

// Appends from `threads` threads for `seconds`; prints appends/s. With
// --print-acks, each durable append is printed (the crash test reads them).
int RunBenchAudit(const std::vector<std::string>& args) {
  auto node = OpenNode(absl::GetFlag(FLAGS_dir), {.load_identity = true});
  if (!node.ok()) return ReportError("bench audit", node.status());
  auto log = OpenCommandAudit(**node);
  if (!log.ok()) return ReportError("bench audit", log.status());
  (*log)->StartCheckpointing(absl::Seconds(1));
  const int threads = std::max(1, absl::GetFlag(FLAGS_threads));
  const bool acks = absl::GetFlag(FLAGS_print_acks);
  const absl::Duration run = absl::Seconds(absl::GetFlag(FLAGS_seconds));
  const uint64_t before = (*log)->size();
  absl::Mutex print_mu;
  std::vector<std::thread> workers;
  std::atomic<bool> failed{false};
  const absl::Time start = absl::Now();
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (int i = 0; absl::Now() - start < run; ++i) {
        audit::Event e;
        e.event = "bench.append";
        e.requester = (*node)->config.node_id;
        e.count = 1;
        e.detail = absl::StrCat("t", t, "-", i);
        auto index = (*log)->Append(e);
        if (!index.ok()) {
          failed = true;
          return;
        }
        if (acks) {
          absl::MutexLock lock(&print_mu);
          std::cout << "ack " << *index << " " << e.detail << std::endl;
        }
      }
    });
  }
  for (auto& w : workers) w.join();
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  const uint64_t appended = (*log)->size() - before;
  std::cerr << absl::StrFormat(
      "audit appends: %d durable in %.2fs from %d threads = %.0f appends/s (log size %d)\n",
      appended, seconds, threads, appended / std::max(seconds, 1e-9), (*log)->size());
  if (const int n = absl::GetFlag(FLAGS_entries); n > 0) {
    // An export of n entries with a checkpoint every 5,000, then verified.
    fedlink::v1::AuditExport out;
    out.set_node_id((*node)->config.node_id);
    out.set_identity_vkey((*node)->identity->VerifierKey());
    merkle::Frontier frontier;
    for (int i = 0; i < n; ++i) {
      fedlink::v1::AuditEntry e;
      e.set_event("match.evaluate.answered");
      e.set_time_unix_micros(absl::ToUnixMicros(absl::Now()));
      e.set_requester("ngo-1");
      e.set_responder((*node)->config.node_id);
      e.set_purpose("victim-dedup");
      e.set_exchange_id(std::string(64, 'a' + i % 6));
      e.set_count(8192);
      e.set_request_sha256(std::string(32, static_cast<char>(i)));
      *out.add_entries() = e.SerializeAsString();
      frontier.Append(merkle::LeafHash(out.entries(i)));
      if ((i + 1) % 5000 == 0 || i + 1 == n) {
        checkpoint::Checkpoint cp{(*node)->config.node_id, frontier.size(), frontier.Root(), {}};
        *out.add_checkpoints() = *checkpoint::Sign(cp, *(*node)->identity);
      }
    }
    const std::string bytes = out.SerializeAsString();
    const absl::Time v0 = absl::Now();
    auto verified = audit::VerifyExport(bytes);
    const double verify_seconds = absl::ToDoubleSeconds(absl::Now() - v0);
    if (!verified.ok()) return ReportError("bench audit", verified.status());
    std::cerr << absl::StrFormat(
        "audit verify: %d entries, %d checkpoints, %.1f MiB export in %.2fs (goal < 30 s for "
        "1,000,000)\n",
        verified->entries, verified->checkpoints, bytes.size() / 1048576.0, verify_seconds);
  }
  return failed ? kExitFailure : kExitOk;
}

// Asks every peer to witness (cosign) this node's latest checkpoint.
int RunAuditWitness(const std::vector<std::string>& args) {
  auto session = OpenPeerSession(absl::GetFlag(FLAGS_dir));
  if (!session.ok()) return ReportError("audit witness", session.status());
  auto log = OpenCommandAudit(*session->node);
  if (!log.ok()) return ReportError("audit witness", log.status());
  auto peers = session->Peers("", true);
  if (!peers.ok()) return ReportError("audit witness", peers.status());
  auto results = audit::WitnessRound(session->self(), *peers, **log);
  if (!results.ok()) return ReportError("audit witness", results.status());
  int refused = 0;
  for (const audit::WitnessResult& r : *results) {
    if (r.status.ok()) {
      std::cout << r.peer << ": cosigned checkpoint of size " << r.size << "\n";
    } else {
      ++refused;
      std::cout << r.peer << ": NOT cosigned: " << absl::StatusCodeToString(r.status.code())
                << ": " << r.status.message() << "\n";
    }
  }
  return refused == 0 ? kExitOk : kExitFailure;
}

// An auditor member fetches a node's export over mutual TLS.
int RunAuditFetch(const std::vector<std::string>& args) {
  const std::string out = absl::GetFlag(FLAGS_out), peer = absl::GetFlag(FLAGS_peer);
  if (out.empty() || peer.empty()) {
    return ReportError("audit fetch", absl::InvalidArgumentError("--peer and --out are required"));
  }
  auto session = OpenPeerSession(absl::GetFlag(FLAGS_dir));
  if (!session.ok()) return ReportError("audit fetch", session.status());
  auto members = session->Peers(peer, false);
  if (!members.ok()) return ReportError("audit fetch", members.status());
  auto bytes = audit::FetchExport(session->self(), members->front(), absl::Minutes(5));
  if (!bytes.ok()) return ReportError("audit fetch", bytes.status());
  if (auto s = WriteOutput(out, *bytes); !s.ok()) return ReportError("audit fetch", s);
  std::cout << "fetched and verified the access log of " << peer << " into " << out << "\n";
  return kExitOk;
}

FEDLINK_COMMAND("audit fetch", "  fedlink audit fetch --dir DIR --peer ID --out FILE\n\n"
                "On an auditor member's node: fetches node ID's export over mutual TLS\n"
                "(the node must have a policy rule for purpose 'audit' that applies to\n"
                "this auditor), verifies it against the roster key and writes it.",
                "fetch a node's access log as an auditor member", {"dir", "peer", "out"},
                RunAuditFetch);
FEDLINK_COMMAND("audit witness", "  fedlink audit witness --dir DIR\n\n"
                "Asks every roster member to cosign this node's latest checkpoint\n"
                "(each checks it is consistent with the last one it cosigned) and\n"
                "keeps the cosignatures for `audit export`. Exit 1 if any refused.",
                "have peers witness (cosign) this node's log checkpoint", {"dir"},
                RunAuditWitness);
FEDLINK_COMMAND("audit export", "  fedlink audit export --dir DIR --out FILE",
                "write a self-contained, verifiable export of the node's access log",
                {"dir", "out"}, RunAuditExport);
FEDLINK_COMMAND(
    "audit verify",
    "  fedlink audit verify FILE... [--roster roster.bin --federation-key VKEY]\n\n"
    "Checks each export: the node's signatures, every checkpoint's Merkle root\n"
    "against the entries, checkpoints in order and covering every entry, and\n"
    "with --roster that the key is the one the roster lists. Given two or more\n"
    "nodes' exports, joins them on exchange id and reports orphans and\n"
    "mismatched request bytes. Exit 0 only if everything verifies.",
    "verify access-log exports offline; join several nodes' logs",
    {"roster", "federation_key"}, RunAuditVerify);
FEDLINK_COMMAND(
    "audit report",
    "  fedlink audit report FILE... --html OUT.html [--roster R --federation-key VKEY]\n\n"
    "Writes a self-contained page (no network) for an auditor: verification\n"
    "status, who queried whom for what purpose over time, budgets, refusals,\n"
    "consent withdrawals and anomalies. Exit 1 if anything failed to verify.",
    "render verified exports as an HTML report for auditors",
    {"html", "roster", "federation_key"}, RunAuditReport);
FEDLINK_COMMAND("audit list", "  fedlink audit list FILE",
                "print a verified export's entries as CSV", {}, RunAuditList);
FEDLINK_COMMAND(
    "bench audit",
    "  fedlink bench audit --dir DIR [--threads N] [--seconds S] [--print-acks]\n"
    "                      [--entries N]\n\n"
    "Appends to the node's audit log from N threads for S seconds and prints\n"
    "durable appends/s; --entries also times `audit verify` of an export of\n"
    "that many entries.",
    "audit log throughput and verification time",
    {"dir", "threads", "seconds", "print_acks", "entries"}, RunBenchAudit);

}  // namespace
}  // namespace fedlink::cli
