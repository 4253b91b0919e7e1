// fedlink bench match: the private match end to end between real nodes (node
// directories, SQLite stores, policy, mutual-TLS gRPC on loopback, all in
// one process), with every figure the private-matching goals ask for,
// measured in the same run:
//  - speed: wall time of table build + transfer + match, against the time
//    of the elliptic-curve operations it performs (counted, and priced with
//    the raw libsodium operations timed here, spread over the cores);
//  - quality: F1 of the private match and of the clear baseline (`bench
//    linkage`) on the same generated data;
//  - memory and wire size of the requester's cached table;
//  - lookup latency (p50/p99) of one intake against two peers with cached
//    tables.
#include <sodium.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <future>
#include <iostream>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "node/cli/command.h"
#include "node/cli/flags.h"
#include "node/common/free_port.h"
#include "node/config/node_dir.h"
#include "node/federation/peer_server.h"
#include "node/federation/roster.h"
#include "node/importer/importer.h"
#include "node/match/evaluation.h"
#include "node/match/generator.h"
#include "node/match/linker.h"
#include "crypto/oprf.h"
#include "node/private_match/match_client.h"
#include "node/private_match/match_service.h"
#include "node/private_match/requester.h"
#include "node/private_match/responder.h"

ABSL_FLAG(int, lookups, 200, "Single-record lookups to time (bench match).");

namespace fedlink::cli {
namespace {

constexpr char kBenchPolicy[] = R"pb(
  purposes: "bench"
  rules {
    name: "bench-everything"
    peers { any: true }
    purpose: "bench"
    record_roles: [ ROLE_VICTIM, ROLE_SUSPECT, ROLE_WITNESS, ROLE_OTHER ]
    allowed_labels: [ "trafficking", "minor" ]
    min_agreeing_keys: 2
    payload: PAYLOAD_HANDLE_AND_ROLE
    daily_evaluate_budget: 1000000000000
  }
)pb";

// Raw libsodium cost of the two elliptic-curve operations the protocol
// performs, in core-seconds per call, measured with every core busy (as in
// the match itself).
struct RawCosts {
  double from_hash = 0;   // crypto_core_ristretto255_from_hash
  double scalarmult = 0;  // crypto_scalarmult_ristretto255
};

RawCosts MeasureRaw(int cores) {
  auto per_op = [cores](auto op) {
    std::vector<size_t> counts(cores, 0);
    const absl::Time start = absl::Now();
    std::vector<std::thread> workers;
    for (int t = 0; t < cores; ++t) {
      workers.emplace_back([&, t] {
        unsigned char hash[64], point[32], out[32], scalar[32];
        randombytes_buf(hash, sizeof hash);
        crypto_core_ristretto255_from_hash(point, hash);
        crypto_core_ristretto255_scalar_random(scalar);
        while (absl::Now() - start < absl::Milliseconds(400)) {
          for (int i = 0; i < 64; ++i) op(hash, point, out, scalar);
          counts[t] += 64;
        }
      });
    }
    for (auto& w : workers) w.join();
    size_t n = 0;
    for (size_t c : counts) n += c;
    return absl::ToDoubleSeconds(absl::Now() - start) * cores / n;
  };
  RawCosts r;
  r.from_hash = per_op([](unsigned char* h, unsigned char*, unsigned char* out, unsigned char*) {
    crypto_core_ristretto255_from_hash(out, h);
  });
  r.scalarmult = per_op([](unsigned char*, unsigned char* p, unsigned char* out, unsigned char* s) {
    if (crypto_scalarmult_ristretto255(out, s, p) != 0) std::abort();
  });
  return r;
}

struct BenchNode {
  std::unique_ptr<OpenedNode> node;
  std::unique_ptr<private_match::Responder> responder;
  std::unique_ptr<federation::PeerServer> server;
};

absl::Status Setup(const std::string& root, const std::vector<std::string>& ids,
                   const GeneratedData& data, std::map<std::string, BenchNode>* nodes) {
  const std::string coord = root + "/coord";
  auto vkey = federation::InitCoordinator(coord, "bench");
  if (!vkey.ok()) return vkey.status();
  for (const std::string& id : ids) {
    NodeConfig c;
    c.node_id = id;
    c.organisation = id;
    c.listen = "127.0.0.1:1";  // replaced by a free port below
    const std::string dir = root + "/" + id;
    if (auto s = InitNode(dir, c); !s.ok()) return s;
    auto node = OpenNode(dir, {});
    if (!node.ok()) return node.status();
    std::ofstream(dir + "/policy.txtpb") << kBenchPolicy;
    auto upsert = (*node)->store->Upsert(id == "b" ? data.b : data.a);
    if (!upsert.ok()) return upsert.status();
    (*nodes)[id].node = *std::move(node);
  }
  // The roster names each node's port before its server starts.
  for (const std::string& id : ids) {
    OpenedNode& n = *(*nodes)[id].node;
    n.config.listen = absl::StrCat("127.0.0.1:", FreeLoopbackPort());
    auto request = federation::MemberRequest(n.paths, n.config, n.identity->VerifierKey());
    if (!request.ok()) return request.status();
    if (auto s = federation::AddMember(coord, *request, id); !s.ok()) return s;
  }
  auto envelope = federation::SignRoster(coord, absl::Hours(24), absl::Now());
  if (!envelope.ok()) return envelope.status();
  for (const std::string& id : ids) {
    BenchNode& b = (*nodes)[id];
    auto r = federation::InstallRoster(b.node->paths, *envelope, *vkey, absl::Now());
    if (!r.ok()) return r.status();
    auto responder = private_match::Responder::Create(b.node->paths, b.node->config,
                                                      b.node->store.get(), nullptr);
    if (!responder.ok()) return responder.status();
    b.responder = *std::move(responder);
    federation::PeerServerOptions options;
    options.services.push_back(
        private_match::MatchServiceFactory(b.responder.get(), b.node->identity.get()));
    auto server = federation::PeerServer::Start(*b.node, options);
    if (!server.ok()) return server.status();
    b.server = *std::move(server);
  }
  return absl::OkStatus();
}

int RunBenchMatch(const std::vector<std::string>& args) {
  if (sodium_init() < 0) return ReportError("bench match", absl::InternalError("libsodium"));
  const int persons = absl::GetFlag(FLAGS_persons);
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  char tmpl[] = "/tmp/fedlink-bench.XXXXXX";
  const char* root_c = mkdtemp(tmpl);
  if (root_c == nullptr) return ReportError("bench match", absl::InternalError("mkdtemp"));
  const std::string root = root_c;
  struct Cleanup {
    std::string dir;
    ~Cleanup() { std::filesystem::remove_all(dir); }
  } cleanup{root};

  // Generated data, or the two organisations' files and the truth.
  GeneratedData data;
  if (const std::string a = absl::GetFlag(FLAGS_a); !a.empty()) {
    auto options = LinkageImportOptions();
    if (!options.ok()) return ReportError("bench match", options.status());
    auto pa = ReadPersonsFile(a, *options);
    if (!pa.ok()) return ReportError("bench match", pa.status());
    auto pb = ReadPersonsFile(absl::GetFlag(FLAGS_b), *options);
    if (!pb.ok()) return ReportError("bench match", pb.status());
    auto truth = ReadTruth(absl::GetFlag(FLAGS_truth));
    if (!truth.ok()) return ReportError("bench match", truth.status());
    data.a = *std::move(pa);
    data.b = *std::move(pb);
    data.truth.assign(truth->begin(), truth->end());
  } else {
    GeneratorOptions gen;
    gen.persons = persons;
    gen.seed = absl::GetFlag(FLAGS_seed);
    data = GeneratePeople(gen);
  }
  std::cout << "records: a=" << data.a.size() << " b=" << data.b.size()
            << " true_pairs=" << data.truth.size() << " cores=" << cores << "\n";
  // a and c hold the same records (two peers for the lookup figure); b asks.
  std::map<std::string, BenchNode> nodes;
  if (auto s = Setup(root, {"a", "b", "c"}, data, &nodes); !s.ok())
    return ReportError("bench match", s);
  OpenedNode& b = *nodes["b"].node;
  auto roster = federation::LoadInstalledRoster(b.paths, absl::Now());
  if (!roster.ok()) return ReportError("bench match", roster.status());
  auto own_tls = tls::Load(b.paths.dir);
  if (!own_tls.ok()) return ReportError("bench match", own_tls.status());
  federation::Self self{"b", b.identity.get(), *own_tls, nullptr};
  private_match::MatchClient to_a(self, *roster->Find("a"));
  private_match::MatchClient to_c(self, *roster->Find("c"));

  std::vector<KeySet> queries;
  for (const Person& p : data.b) queries.push_back(keyspec::DeriveKeys(p, {}));

  const RawCosts before = MeasureRaw(cores);
  // The private match, timed end to end.
  const absl::Time t0 = absl::Now();
  auto table = to_a.FetchTable("bench");
  if (!table.ok()) return ReportError("bench match", table.status());
  const absl::Time t1 = absl::Now();
  size_t entries = 0, payload_bytes = 0;
  for (const auto& s : table->slots) {
    entries += s.key_count();
    payload_bytes += s.sealed_payload.size();
  }
  const size_t table_bytes = table->bytes();
  private_match::Table held_header;  // what a delta request names
  held_header.table_id = table->table_id;
  held_header.version = table->version;
  held_header.as_of = table->as_of;
  auto index = private_match::TableIndex::Build(*std::move(table));
  if (!index.ok()) return ReportError("bench match", index.status());
  private_match::MatchOptions options;
  options.threshold = absl::GetFlag(FLAGS_threshold);
  auto match = private_match::MatchAgainst(*index, to_a, "bench", queries, options);
  if (!match.ok()) return ReportError("bench match", match.status());
  const absl::Time t2 = absl::Now();

  // The elliptic-curve operations it performed, priced at raw speed
  // (measured before and after the match; the faster figure, so the ratio
  // errs against us).
  const RawCosts after = MeasureRaw(cores);
  const double h2g = std::min(before.from_hash, after.from_hash);
  const double sm = std::min(before.scalarmult, after.scalarmult);
  // Responder: hash to group + multiply per table entry. Requester: hash to
  // group + blind; responder: BlindEvaluate; requester: unblind.
  const double table_ec = entries * (h2g + sm);
  const double match_ec = match->evaluations * (h2g + 3 * sm);
  const double ec_wall = (table_ec + match_ec) / cores;
  const double wall = absl::ToDoubleSeconds(t2 - t0);
  std::cout << absl::StrFormat(
      "raw libsodium (all %d cores busy): from_hash %.1f us, scalarmult %.1f us per "
      "core\n",
      cores, h2g * 1e6, sm * 1e6);
  std::cout << absl::StrFormat(
      "ec operations: table %d x (from_hash + scalarmult), match %d x (from_hash + "
      "3 scalarmult); at raw speed on %d cores: %.2fs\n",
      entries, match->evaluations, cores, ec_wall);
  std::cout << absl::StrFormat(
      "private match: table build+transfer %.2fs, match %.2fs, total %.2fs\n",
      absl::ToDoubleSeconds(t1 - t0), absl::ToDoubleSeconds(t2 - t1), wall);
  std::cout << absl::StrFormat("speed: total / ec_at_raw_speed = %.2f (goal <= 1.30)\n",
                               wall / ec_wall);

  // Quality against the clear baseline on the same records.
  auto handles = nodes["a"].responder->keyring().AllHandles(nodes["a"].node->store.get());
  if (!handles.ok()) return ReportError("bench match", handles.status());
  std::set<IdPair> truth(data.truth.begin(), data.truth.end()), predicted, clear;
  for (const auto& h : match->hits) {
    predicted.emplace(handles->at(h.handle), data.b[h.query].external_id);
  }
  std::vector<KeySet> ka;
  for (const Person& p : data.a) ka.push_back(keyspec::DeriveKeys(p, {}));
  Scorer scorer;
  scorer.threshold = options.threshold >= 0 ? options.threshold : DefaultThreshold(ka.size());
  scorer.EstimateU(ka, queries);
  std::vector<CandidatePair> candidates = FindCandidates(ka, queries, {});
  std::vector<uint32_t> patterns;
  for (const auto& c : candidates) patterns.push_back(c.pattern);
  scorer.RefineM(patterns);
  for (const auto& c : BestPerB(ScoreAndFilter(std::move(candidates), scorer))) {
    clear.emplace(data.a[c.a].external_id, data.b[c.b].external_id);
  }
  const Quality qp = Evaluate(predicted, truth), qc = Evaluate(clear, truth);
  std::cout << "quality private: " << qp.Line() << "\n";
  std::cout << "quality clear:   " << qc.Line() << "\n";
  std::cout << absl::StrFormat("quality: f1 difference %.4f (goal <= 0.01)\n",
                               std::abs(qp.f1() - qc.f1()));

  // Size of what the requester caches.
  std::cout << absl::StrFormat(
      "table: %d records, %d entries, %.1f bytes/entry of tag+share, %.1f bytes/record "
      "of sealed payload, %.1f MiB; requester's index in memory %.1f MiB (goal < 64 MiB "
      "at 100,000)\n",
      index->slot_count(), entries, entries ? 1.0 * (table_bytes - payload_bytes) / entries : 0,
      index->slot_count() == 0 ? 0 : 1.0 * payload_bytes / index->slot_count(),
      table_bytes / 1048576.0, index->memory_bytes() / 1048576.0);

  // A delta: 1% of a's records change (a new phone each); the requester
  // fetches what changed since its table instead of the whole table.
  {
    std::vector<Person> changed;
    for (size_t i = 0; i < data.a.size(); i += 100) {
      Person p = data.a[i];
      p.phones = {absl::StrFormat("+4477009%05d", static_cast<int>(i % 100000))};
      changed.push_back(std::move(p));
    }
    if (auto s = nodes["a"].node->store->Upsert(changed); !s.ok()) {
      return ReportError("bench match", s.status());
    }
    const absl::Time d0 = absl::Now();
    auto delta = to_a.FetchUpdate("bench", &held_header);
    if (!delta.ok()) return ReportError("bench match", delta.status());
    const double delta_s = absl::ToDoubleSeconds(absl::Now() - d0);
    std::cout << absl::StrFormat(
        "delta: %d of %d records changed: %s of %d slots (%.1f MiB) in %.2fs, against %.2fs "
        "for the whole table = %.3f\n",
        changed.size(), data.a.size(), delta->delta ? "delta" : "WHOLE TABLE",
        delta->table.slots.size(), delta->table.bytes() / 1048576.0, delta_s,
        absl::ToDoubleSeconds(t1 - t0), delta_s / absl::ToDoubleSeconds(t1 - t0));
  }

  // Lookups: one intake against two peers whose tables are cached.
  auto table_c = to_c.FetchTable("bench");
  if (!table_c.ok()) return ReportError("bench match", table_c.status());
  auto index_c = private_match::TableIndex::Build(*std::move(table_c));
  if (!index_c.ok()) return ReportError("bench match", index_c.status());
  const int lookups = std::min<int>(absl::GetFlag(FLAGS_lookups), queries.size());
  std::vector<double> ms;
  private_match::MatchOptions one;
  one.threads = 1;
  for (int i = 0; i < lookups; ++i) {
    const std::vector<KeySet> q = {queries[(i * 7919) % queries.size()]};
    const absl::Time s = absl::Now();
    // Both peers at once, as `fedlink lookup` asks them.
    auto from_c = std::async(std::launch::async, [&] {
      return private_match::MatchAgainst(*index_c, to_c, "bench", q, one);
    });
    auto ra = private_match::MatchAgainst(*index, to_a, "bench", q, one);
    auto rc = from_c.get();
    if (!ra.ok() || !rc.ok()) return ReportError("bench match", ra.ok() ? rc.status() : ra.status());
    ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - s));
  }
  std::sort(ms.begin(), ms.end());
  if (!ms.empty()) {
    std::cout << absl::StrFormat(
        "lookup against 2 peers (cached tables, %d lookups): p50 %.2f ms, p99 %.2f ms "
        "(goal p99 < 10 ms)\n",
        ms.size(), ms[ms.size() / 2], ms[std::min(ms.size() - 1, ms.size() * 99 / 100)]);
  }
  // The same oprf work in-process with no network, no signatures and no
  // storage: the floor a lookup's latency is made of on this machine.
  {
    auto key = oprf::OprfKey::Generate();
    std::vector<double> local;
    for (int i = 0; i < lookups; ++i) {
      const KeySet& q = queries[(i * 7919) % queries.size()];
      std::vector<std::string> inputs;
      for (const auto& k : q) inputs.push_back(k.bytes);
      const absl::Time s = absl::Now();
      std::vector<oprf::BlindedInput> bl(inputs.size());
      std::vector<oprf::Element> el(inputs.size()), ev(inputs.size());
      std::vector<oprf::Output> outs(inputs.size());
      (void)oprf::BlindBatch(inputs, absl::MakeSpan(bl), 1);
      for (size_t k = 0; k < inputs.size(); ++k) el[k] = bl[k].element;
      (void)key->BlindEvaluateBatch(el, absl::MakeSpan(ev), 1);
      (void)oprf::FinalizeBatch(inputs, bl, ev, absl::MakeSpan(outs), 1);
      local.push_back(absl::ToDoubleMilliseconds(absl::Now() - s));
    }
    std::sort(local.begin(), local.end());
    if (!local.empty()) {
      std::cout << absl::StrFormat(
          "lookup oprf work for one peer, in-process on 1 core (the floor): p50 %.2f ms, "
          "p99 %.2f ms\n",
          local[local.size() / 2], local[std::min(local.size() - 1, local.size() * 99 / 100)]);
    }
  }
  for (auto& [id, n] : nodes) n.server->Shutdown(absl::Seconds(1));
  return kExitOk;
}

FEDLINK_COMMAND(
    "bench match",
    "  fedlink bench match [--persons N] [--seed S] [--lookups L] [--threshold BITS]\n"
    "                      [--a A.csv --b B.csv --truth truth.csv [--map ...]]\n\n"
    "Generates two organisations' records (`fedlink gen`), or reads them\n"
    "(--a, --b, --truth, as `bench linkage` does), runs real nodes on\n"
    "loopback (mutual TLS), privately matches B against A, and prints the\n"
    "speed ratio against the raw elliptic-curve operations, F1 of the private\n"
    "match and of the clear baseline, table size and memory, and lookup\n"
    "latency against two peers.",
    "private match benchmark: speed ratio, quality parity, memory, lookup p99",
    {"persons", "seed", "lookups", "threshold", "a", "b", "truth", "map"}, RunBenchMatch);

}  // namespace
}  // namespace fedlink::cli
