#include "node/app/bench_match.h"

#include <sodium.h>
#include <stdlib.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <set>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "crypto/oprf.h"
#include "node/app/bench_policy.h"
#include "node/app/bench_raw_cost.h"
#include "node/app/own_keys.h"
#include "node/common/free_port.h"
#include "node/common/status_macros.h"
#include "node/common/whole_file.h"
#include "node/config/node_dir.h"
#include "node/federation/peer_server.h"
#include "node/federation/roster.h"
#include "node/match/linker.h"
#include "node/private_match/match_client.h"
#include "node/private_match/match_service.h"
#include "node/private_match/requester.h"
#include "node/private_match/responder.h"

namespace fedlink::app {
namespace {

// Raw libsodium cost of the two elliptic-curve operations the protocol
// performs, in core-seconds per call, measured with every core busy (as in
// the match itself).
struct RawCosts {
  double from_hash = 0;   // crypto_core_ristretto255_from_hash
  double scalarmult = 0;  // crypto_scalarmult_ristretto255
};

RawCosts MeasureRaw(int cores) {
  RawCosts r;
  r.from_hash = RawCoreSecondsPerCall(
      cores, [](RawScratch& s) { crypto_core_ristretto255_from_hash(s.out, s.hash); });
  r.scalarmult = RawCoreSecondsPerCall(cores, [](RawScratch& s) {
    if (crypto_scalarmult_ristretto255(s.out, s.scalar, s.point) != 0) std::abort();
  });
  return r;
}

LatencyFigures Percentiles(std::vector<double> ms) {
  LatencyFigures f;
  f.count = ms.size();
  if (ms.empty()) return f;
  std::sort(ms.begin(), ms.end());
  f.p50_ms = ms[ms.size() / 2];
  f.p99_ms = ms[std::min(ms.size() - 1, ms.size() * 99 / 100)];
  return f;
}

struct BenchNode {
  std::unique_ptr<config::OpenedNode> node;
  std::unique_ptr<private_match::Responder> responder;
  std::unique_ptr<federation::PeerServer> server;
};

}  // namespace

// Destroyed in reverse: clients, then servers and nodes, then the directory.
struct MatchBench::State {
  struct Cleanup {
    std::string dir;
    ~Cleanup() {
      if (!dir.empty()) std::filesystem::remove_all(dir);
    }
  } cleanup;
  match::GeneratedData data;
  match::keyspec::Options key_options;
  int cores = 0;
  std::map<std::string, BenchNode> nodes;
  std::unique_ptr<private_match::MatchClient> to_a, to_c;
  std::vector<match::KeySet> queries;  // b's records
  // After MatchPrivately.
  std::unique_ptr<private_match::TableIndex> index;  // a's table, as b caches it
  private_match::Table held_header;                  // what a delta request names
  private_match::PeerMatch match;
  double threshold = -1;
  double table_seconds = 0;
  TableFigures table;

  ~State() {
    to_a.reset();
    to_c.reset();
    for (auto& [id, n] : nodes) {
      if (n.server != nullptr) n.server->Shutdown(absl::Seconds(1));
    }
  }

  absl::Status Setup(const std::vector<std::string>& ids);
};

absl::Status MatchBench::State::Setup(const std::vector<std::string>& ids) {
  const std::string& root = cleanup.dir;
  const std::string coord = root + "/coord";
  ASSIGN_OR_RETURN(const std::string vkey, federation::InitCoordinator(coord, "bench"));
  for (const std::string& id : ids) {
    config::NodeConfig c;
    c.node_id = id;
    c.organisation = id;
    c.listen = "127.0.0.1:1";  // replaced by a free port below
    c.keyspec = static_cast<int>(key_options.version);
    const std::string dir = root + "/" + id;
    RETURN_IF_ERROR(config::InitNode(dir, c));
    ASSIGN_OR_RETURN(std::unique_ptr<config::OpenedNode> node, config::OpenNode(dir, {}));
    RETURN_IF_ERROR(
        common::WriteFileAtomically(node->paths.policy(), BenchPolicy({.bucket_lookup = true})));
    RETURN_IF_ERROR(node->store->Upsert(id == "b" ? data.b : data.a));
    nodes[id].node = std::move(node);
  }
  // The roster names each node's port before its server starts.
  for (const std::string& id : ids) {
    config::OpenedNode& n = *nodes[id].node;
    n.config.listen = absl::StrCat("127.0.0.1:", common::FreeLoopbackPort());
    ASSIGN_OR_RETURN(const std::string request,
                     federation::MemberRequest(n.paths, n.config, n.identity->VerifierKey()));
    RETURN_IF_ERROR(federation::AddMember(coord, request, id));
  }
  ASSIGN_OR_RETURN(const std::string envelope,
                   federation::SignRoster(coord, absl::Hours(24), absl::Now()));
  for (const std::string& id : ids) {
    BenchNode& b = nodes[id];
    RETURN_IF_ERROR(federation::InstallRoster(b.node->paths, envelope, vkey, absl::Now()));
    ASSIGN_OR_RETURN(b.responder, OpenOwnResponder(*b.node));
    federation::PeerServerOptions options;
    options.services.push_back(
        private_match::MatchServiceFactory(b.responder.get(), b.node->identity.get()));
    ASSIGN_OR_RETURN(b.server, federation::PeerServer::Start(*b.node, options));
  }
  return absl::OkStatus();
}

absl::StatusOr<match::GeneratedData> LoadBenchData(const BenchDataSource& source) {
  if (source.a.empty()) {
    match::GeneratorOptions gen;
    gen.persons = source.persons;
    gen.seed = source.seed;
    return match::GeneratePeople(gen);
  }
  match::GeneratedData data;
  ASSIGN_OR_RETURN(data.a, importer::ReadPersonsFile(source.a, source.import));
  ASSIGN_OR_RETURN(data.b, importer::ReadPersonsFile(source.b, source.import));
  ASSIGN_OR_RETURN(const std::set<match::IdPair> truth, match::ReadTruth(source.truth));
  data.truth.assign(truth.begin(), truth.end());
  return data;
}

double QualityFigures::f1_difference() const { return std::abs(private_match.f1() - clear.f1()); }

int MatchBench::Cores() {
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

MatchBench::MatchBench(std::unique_ptr<State> state) : state_(std::move(state)) {}
MatchBench::~MatchBench() = default;

absl::StatusOr<std::unique_ptr<MatchBench>> MatchBench::Start(match::GeneratedData data,
                                                              int keyspec) {
  if (sodium_init() < 0) return absl::InternalError("libsodium");
  ASSIGN_OR_RETURN(const match::keyspec::Version version,
                   match::keyspec::ParseVersion(keyspec, "match benchmark"));
  auto state = std::make_unique<State>();
  state->key_options.version = version;
  char tmpl[] = "/tmp/fedlink-bench.XXXXXX";
  const char* root = mkdtemp(tmpl);
  if (root == nullptr) return absl::InternalError("mkdtemp");
  state->cleanup.dir = root;
  state->data = std::move(data);
  state->cores = Cores();
  RETURN_IF_ERROR(state->Setup({"a", "b", "c"}));
  config::OpenedNode& b = *state->nodes["b"].node;
  ASSIGN_OR_RETURN(const federation::Roster roster,
                   federation::LoadInstalledRoster(b.paths, absl::Now()));
  ASSIGN_OR_RETURN(tls::TlsIdentity own_tls, tls::Load(b.paths.dir, b.file_key()));
  federation::Self self{"b", b.identity.get(), std::move(own_tls), nullptr};
  state->to_a = std::make_unique<private_match::MatchClient>(self, *roster.Find("a"));
  state->to_c = std::make_unique<private_match::MatchClient>(self, *roster.Find("c"));
  for (const record::Person& p : state->data.b)
    state->queries.push_back(match::keyspec::DeriveKeys(p, state->key_options));
  return std::unique_ptr<MatchBench>(new MatchBench(std::move(state)));
}

absl::StatusOr<SpeedFigures> MatchBench::MatchPrivately(double threshold) {
  State& s = *state_;
  const RawCosts before = MeasureRaw(s.cores);
  const absl::Time t0 = absl::Now();
  ASSIGN_OR_RETURN(private_match::Table table, s.to_a->FetchTable(kBenchPurpose));
  const absl::Time t1 = absl::Now();
  size_t entries = 0, payload_bytes = 0;
  for (const auto& slot : table.slots) {
    entries += slot.key_count();
    payload_bytes += slot.sealed_payload.size();
  }
  const size_t table_bytes = table.bytes();
  s.held_header.table_id = table.table_id;
  s.held_header.version = table.version;
  s.held_header.as_of = table.as_of;
  ASSIGN_OR_RETURN(private_match::TableIndex index,
                   private_match::TableIndex::Build(std::move(table)));
  s.index = std::make_unique<private_match::TableIndex>(std::move(index));
  private_match::MatchOptions options;
  options.threshold = threshold;
  ASSIGN_OR_RETURN(
      s.match, private_match::MatchAgainst(*s.index, *s.to_a, kBenchPurpose, s.queries, options));
  const absl::Time t2 = absl::Now();
  s.threshold = threshold;
  s.table_seconds = absl::ToDoubleSeconds(t1 - t0);
  s.table = {s.index->slot_count(), entries, table_bytes, payload_bytes, s.index->memory_bytes()};

  const RawCosts after = MeasureRaw(s.cores);
  SpeedFigures f;
  f.cores = s.cores;
  f.from_hash_seconds = std::min(before.from_hash, after.from_hash);
  f.scalarmult_seconds = std::min(before.scalarmult, after.scalarmult);
  f.table_entries = entries;
  f.evaluations = s.match.evaluations;
  // Responder: hash to group + multiply per table entry. Requester: hash to
  // group + blind; responder: BlindEvaluate; requester: unblind.
  const double table_ec = entries * (f.from_hash_seconds + f.scalarmult_seconds);
  const double match_ec = f.evaluations * (f.from_hash_seconds + 3 * f.scalarmult_seconds);
  f.ec_seconds = (table_ec + match_ec) / s.cores;
  f.table_seconds = s.table_seconds;
  f.match_seconds = absl::ToDoubleSeconds(t2 - t1);
  f.total_seconds = absl::ToDoubleSeconds(t2 - t0);
  return f;
}

absl::StatusOr<QualityFigures> MatchBench::CompareWithClearLinkage() {
  State& s = *state_;
  if (s.index == nullptr) return absl::FailedPreconditionError("MatchPrivately first");
  const match::GeneratedData& data = s.data;
  ASSIGN_OR_RETURN(const auto handles, OwnHandles(*s.nodes["a"].node, {"b"}));  // b asked
  std::set<match::IdPair> truth(data.truth.begin(), data.truth.end()), predicted, clear;
  for (const auto& h : s.match.hits) {
    predicted.emplace(handles.at(h.handle), data.b[h.query].external_id);
  }
  std::vector<match::KeySet> ka;
  for (const record::Person& p : data.a) ka.push_back(match::keyspec::DeriveKeys(p, s.key_options));
  match::Scorer scorer;
  scorer.threshold = s.threshold >= 0 ? s.threshold : match::DefaultThreshold(ka.size());
  scorer.EstimateU(ka, s.queries);
  std::vector<match::CandidatePair> candidates = match::FindCandidates(ka, s.queries, {});
  std::vector<uint32_t> patterns;
  for (const auto& c : candidates) patterns.push_back(c.pattern);
  scorer.RefineM(patterns);
  for (const auto& c : match::BestPerB(match::ScoreAndFilter(std::move(candidates), scorer))) {
    clear.emplace(data.a[c.a].external_id, data.b[c.b].external_id);
  }
  return QualityFigures{match::Evaluate(predicted, truth), match::Evaluate(clear, truth)};
}

absl::StatusOr<TableFigures> MatchBench::CachedTable() const {
  if (state_->index == nullptr) return absl::FailedPreconditionError("MatchPrivately first");
  return state_->table;
}

absl::StatusOr<DeltaFigures> MatchBench::ChangeOnePercent() {
  State& s = *state_;
  if (s.index == nullptr) return absl::FailedPreconditionError("MatchPrivately first");
  std::vector<record::Person> changed;
  for (size_t i = 0; i < s.data.a.size(); i += 100) {
    record::Person p = s.data.a[i];
    p.phones = {absl::StrFormat("+4477009%05d", static_cast<int>(i % 100000))};
    changed.push_back(std::move(p));
  }
  RETURN_IF_ERROR(s.nodes["a"].node->store->Upsert(changed));
  const absl::Time d0 = absl::Now();
  ASSIGN_OR_RETURN(const private_match::TableUpdate delta,
                   s.to_a->FetchUpdate(kBenchPurpose, &s.held_header));
  DeltaFigures f;
  f.seconds = absl::ToDoubleSeconds(absl::Now() - d0);
  f.changed_records = changed.size();
  f.records = s.data.a.size();
  f.delta = delta.delta;
  f.slots = delta.table.slots.size();
  f.bytes = delta.table.bytes();
  f.whole_table_seconds = s.table_seconds;
  return f;
}

absl::StatusOr<LatencyFigures> MatchBench::Lookups(int count) {
  State& s = *state_;
  if (s.index == nullptr) return absl::FailedPreconditionError("MatchPrivately first");
  ASSIGN_OR_RETURN(private_match::Table table_c, s.to_c->FetchTable(kBenchPurpose));
  ASSIGN_OR_RETURN(const private_match::TableIndex index_c,
                   private_match::TableIndex::Build(std::move(table_c)));
  const int lookups = std::min<int>(count, s.queries.size());
  std::vector<double> ms;
  private_match::MatchOptions one;
  one.threads = 1;
  for (int i = 0; i < lookups; ++i) {
    const std::vector<match::KeySet> q = {s.queries[(i * 7919) % s.queries.size()]};
    const absl::Time start = absl::Now();
    // Both peers at once, as `fedlink lookup` asks them.
    auto from_c = std::async(std::launch::async, [&] {
      return private_match::MatchAgainst(index_c, *s.to_c, kBenchPurpose, q, one);
    });
    auto ra = private_match::MatchAgainst(*s.index, *s.to_a, kBenchPurpose, q, one);
    auto rc = from_c.get();
    RETURN_IF_ERROR(ra);
    RETURN_IF_ERROR(rc);
    ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - start));
  }
  return Percentiles(std::move(ms));
}

absl::StatusOr<BucketFigures> MatchBench::BucketLookups(int count) {
  State& s = *state_;
  if (s.index == nullptr) return absl::FailedPreconditionError("MatchPrivately first");
  BucketFigures f;
  f.min_records = kBenchMinBucketRecords;
  f.table_wire_bytes = s.table.bytes;
  const int lookups = std::min<int>(count, s.queries.size());
  std::vector<double> ms;
  private_match::MatchOptions one;
  one.threads = 1;
  size_t slots = 0, bytes = 0;
  for (int i = 0; i < lookups; ++i) {
    const std::vector<match::KeySet> q = {s.queries[(i * 7919 + 13) % s.queries.size()]};
    const absl::Time start = absl::Now();
    ASSIGN_OR_RETURN(private_match::Buckets probe, s.to_a->FetchBuckets(kBenchPurpose, 0, {}));
    s.to_a->ExpectTable(probe.table.table_id);
    private_match::Buckets fetched;
    size_t wire = probe.wire_bytes;
    // The evaluation's bytes, counted as the transport sends them.
    struct Counting : private_match::PeerTransport {
      private_match::MatchClient* to;
      size_t* wire;
      absl::StatusOr<private_match::Table> FetchTable(absl::string_view) override {
        return absl::UnimplementedError("no table");
      }
      absl::Status Evaluate(absl::string_view purpose,
                            absl::Span<const crypto::oprf::Element> blinded,
                            absl::Span<const match::keyspec::KeyType> types,
                            absl::Span<crypto::oprf::Element> out) override {
        absl::Status st = to->Evaluate(purpose, blinded, types, out);
        *wire += to->last_wire_bytes();
        return st;
      }
      absl::StatusOr<private_match::Buckets> FetchBuckets(
          absl::string_view purpose, int bits, absl::Span<const uint32_t> prefixes) override {
        auto b = to->FetchBuckets(purpose, bits, prefixes);
        if (b.ok()) *wire += b->wire_bytes;
        return b;
      }
    } counting;
    counting.to = s.to_a.get();
    counting.wire = &wire;
    ASSIGN_OR_RETURN(
        private_match::PeerMatch m,
        private_match::MatchByBuckets(probe, counting, kBenchPurpose, q, one, &fetched));
    (void)m;
    const double elapsed = absl::ToDoubleMilliseconds(absl::Now() - start);
    if (i == 0) {
      f.first_ms = elapsed;  // a builds its table for the bucket server first
    } else {
      ms.push_back(elapsed);
    }
    f.prefix_bits = probe.prefix_bits;
    f.table_slots = probe.total_slots;
    slots += fetched.table.slots.size();
    bytes += wire;
    f.max_wire_bytes = std::max(f.max_wire_bytes, wire);
  }
  if (lookups > 0) {
    f.mean_slots = static_cast<double>(slots) / lookups;
    f.mean_wire_bytes = static_cast<double>(bytes) / lookups;
  }
  f.latency = Percentiles(std::move(ms));
  return f;
}

LatencyFigures MatchBench::LookupFloor(int count) {
  const State& s = *state_;
  const int lookups = std::min<int>(count, s.queries.size());
  auto key = crypto::oprf::OprfKey::Generate();
  std::vector<double> ms;
  for (int i = 0; i < lookups; ++i) {
    const match::KeySet& q = s.queries[(i * 7919) % s.queries.size()];
    std::vector<std::string> inputs;
    for (const auto& k : q) inputs.push_back(k.bytes);
    const absl::Time start = absl::Now();
    std::vector<crypto::oprf::BlindedInput> bl(inputs.size());
    std::vector<crypto::oprf::Element> el(inputs.size()), ev(inputs.size());
    std::vector<crypto::oprf::Output> outs(inputs.size());
    (void)crypto::oprf::BlindBatch(inputs, absl::MakeSpan(bl), 1);
    for (size_t k = 0; k < inputs.size(); ++k) el[k] = bl[k].element;
    (void)key->BlindEvaluateBatch(el, absl::MakeSpan(ev), 1);
    (void)crypto::oprf::FinalizeBatch(inputs, bl, ev, absl::MakeSpan(outs), 1);
    ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - start));
  }
  return Percentiles(std::move(ms));
}

}  // namespace fedlink::app
