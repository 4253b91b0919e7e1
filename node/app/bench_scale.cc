#include "node/app/bench_scale.h"

#include <sodium.h>
#include <stdlib.h>
#include <sys/resource.h>

#include <algorithm>
#include <filesystem>
#include <future>
#include <map>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "node/app/bench_policy.h"
#include "node/app/bench_raw_cost.h"
#include "node/app/import.h"
#include "node/app/node.h"
#include "node/app/own_keys.h"
#include "node/common/free_port.h"
#include "node/common/status_macros.h"
#include "node/common/whole_file.h"
#include "node/config/node_dir.h"
#include "node/federation/peer_server.h"
#include "node/federation/roster.h"
#include "node/importer/importer.h"
#include "node/match/generator.h"
#include "node/private_match/match_client.h"
#include "node/private_match/match_service.h"
#include "node/private_match/requester.h"
#include "node/private_match/responder.h"

namespace fedlink::app {
namespace {

double Since(absl::Time start) { return absl::ToDoubleSeconds(absl::Now() - start); }

double CpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
         (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// Raw libsodium core-seconds per from_hash + scalarmult pair, every core
// busy (as in a build).
double RawPairSeconds(int cores) {
  return RawCoreSecondsPerCall(cores, [](RawScratch& s) {
    crypto_core_ristretto255_from_hash(s.point, s.hash);
    if (crypto_scalarmult_ristretto255(s.out, s.scalar, s.point) != 0) std::abort();
    s.hash[0] = s.out[0];
  });
}

void Percentiles(std::vector<double> ms, double* p50, double* p99) {
  if (ms.empty()) return;
  std::sort(ms.begin(), ms.end());
  *p50 = ms[ms.size() / 2];
  *p99 = ms[std::min(ms.size() - 1, ms.size() * 99 / 100)];
}

struct ScaleNode {
  std::unique_ptr<config::OpenedNode> node;
  std::unique_ptr<private_match::Responder> responder;
  std::unique_ptr<federation::PeerServer> server;
};

// The federation of one size: a and p1..pN serving; clients last.
struct Federation {
  std::map<std::string, ScaleNode> nodes;
  std::vector<std::string> ids;  // a, p1, ..., pN
  federation::Roster roster;
  ~Federation() {
    for (auto& [id, n] : nodes) {
      if (n.server != nullptr) n.server->Shutdown(absl::Seconds(1));
    }
  }
  absl::StatusOr<federation::Self> SelfOf(const std::string& id) {
    config::OpenedNode& n = *nodes.at(id).node;
    ASSIGN_OR_RETURN(tls::TlsIdentity own_tls, tls::Load(n.paths.dir, n.file_key()));
    return federation::Self{id, n.identity.get(), std::move(own_tls), nullptr};
  }
  absl::StatusOr<std::unique_ptr<private_match::MatchClient>> Client(const std::string& from,
                                                                     const std::string& to) {
    ASSIGN_OR_RETURN(federation::Self self, SelfOf(from));
    const federation::Member* member = roster.Find(to);
    if (member == nullptr) return absl::InternalError(absl::StrCat(to, " is not in the roster"));
    auto client = std::make_unique<private_match::MatchClient>(self, *member);
    // A first build of a million records takes longer than a node's
    // default table deadline on two shared cores.
    client->table_deadline = absl::Hours(2);
    return client;
  }
};

config::NodeConfig ConfigFor(const std::string& id) {
  config::NodeConfig c;
  c.node_id = id;
  c.organisation = id;
  c.listen = "127.0.0.1:1";  // replaced by a free port
  return c;
}

// a's directory exists (imported); the peers are made here with `peer_data`.
absl::Status StartFederation(const std::string& root, int peers,
                             const std::vector<record::Person>& peer_data, Federation* f) {
  const std::string coord = root + "/coord";
  ASSIGN_OR_RETURN(const std::string vkey, federation::InitCoordinator(coord, "bench-scale"));
  f->ids.push_back("a");
  for (int i = 1; i <= peers; ++i) f->ids.push_back(absl::StrCat("p", i));
  for (const std::string& id : f->ids) {
    const std::string dir = root + "/" + id;
    if (id != "a") {
      RETURN_IF_ERROR(config::InitNode(dir, ConfigFor(id)));
      RETURN_IF_ERROR(
          common::WriteFileAtomically(common::NodePaths(dir).policy(), BenchPolicy({})));
    }
    ASSIGN_OR_RETURN(std::unique_ptr<config::OpenedNode> node, config::OpenNode(dir, {}));
    if (id != "a") RETURN_IF_ERROR(node->store->Upsert(peer_data).status());
    node->config.listen = absl::StrCat("127.0.0.1:", common::FreeLoopbackPort());
    ASSIGN_OR_RETURN(
        const std::string request,
        federation::MemberRequest(node->paths, node->config, node->identity->VerifierKey()));
    RETURN_IF_ERROR(federation::AddMember(coord, request, id));
    f->nodes[id].node = std::move(node);
  }
  ASSIGN_OR_RETURN(const std::string envelope,
                   federation::SignRoster(coord, absl::Hours(24), absl::Now()));
  for (const std::string& id : f->ids) {
    ScaleNode& n = f->nodes[id];
    RETURN_IF_ERROR(federation::InstallRoster(n.node->paths, envelope, vkey, absl::Now()));
    ASSIGN_OR_RETURN(n.responder, OpenOwnResponder(*n.node));
    federation::PeerServerOptions options;
    options.services.push_back(
        private_match::MatchServiceFactory(n.responder.get(), n.node->identity.get()));
    ASSIGN_OR_RETURN(n.server, federation::PeerServer::Start(*n.node, options));
  }
  ASSIGN_OR_RETURN(f->roster,
                   federation::LoadInstalledRoster(f->nodes["p1"].node->paths, absl::Now()));
  return absl::OkStatus();
}

absl::StatusOr<std::vector<ScaleRow>> RunSize(const std::string& root, int size,
                                              const ScaleOptions& options) {
  const auto say = [&](const std::string& line) {
    if (options.progress) options.progress(absl::StrCat(size, " records: ", line));
  };
  const int max_peers = *std::max_element(options.peers.begin(), options.peers.end());
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  match::GeneratorOptions gen;
  gen.persons = size;
  gen.seed = options.seed;
  match::GeneratedData data = match::GeneratePeople(gen);
  say("generated");

  // Import through the use case, from a CSV file.
  const std::string dir_a = root + "/a";
  RETURN_IF_ERROR(config::InitNode(dir_a, ConfigFor("a")));
  RETURN_IF_ERROR(common::WriteFileAtomically(common::NodePaths(dir_a).policy(), BenchPolicy({})));
  double import_rows_per_second = 0;
  {
    const std::string csv = root + "/a.csv";
    RETURN_IF_ERROR(common::WriteFileAtomically(csv, importer::PersonsToCsv(data.a)));
    ASSIGN_OR_RETURN(std::unique_ptr<Node> node, Node::Open(dir_a));
    const absl::Time start = absl::Now();
    ASSIGN_OR_RETURN(ImportReport imported, ImportRecords(*node, {.path = csv, .options = {}}));
    const double seconds = Since(start);
    import_rows_per_second = imported.records / std::max(seconds, 1e-9);
    std::filesystem::remove(csv);
    say(absl::StrFormat("imported at %.0f rows/s", import_rows_per_second));
  }

  std::vector<record::Person> peer_data(
      data.b.begin(), data.b.begin() + std::min<size_t>(options.peer_records, data.b.size()));
  Federation f;
  RETURN_IF_ERROR(StartFederation(root, max_peers, peer_data, &f));
  private_match::Responder& a = *f.nodes["a"].responder;
  say(absl::StrCat("federation of a and ", max_peers, " peers started"));

  // Every peer fetches a's table in turn; p1 keeps it.
  ASSIGN_OR_RETURN(auto p1_to_a, f.Client("p1", "a"));
  const double raw_before = RawPairSeconds(cores);
  std::vector<double> cumulative;     // seconds after i + 1 fetches
  std::vector<uint64_t> evaluations;  // a's, after i + 1 fetches
  const uint64_t evaluations_start = a.table_evaluations();
  private_match::Table table;
  double elapsed = 0;
  for (int i = 1; i <= max_peers; ++i) {
    std::unique_ptr<private_match::MatchClient> other;
    if (i > 1) {
      ASSIGN_OR_RETURN(other, f.Client(absl::StrCat("p", i), "a"));
    }
    const absl::Time start = absl::Now();
    ASSIGN_OR_RETURN(private_match::Table t,
                     (i == 1 ? p1_to_a.get() : other.get())->FetchTable(kBenchPurpose));
    elapsed += Since(start);
    cumulative.push_back(elapsed);
    evaluations.push_back(a.table_evaluations() - evaluations_start);
    if (i == 1) table = std::move(t);
    say(absl::StrFormat("fetch %d: %.2f s in all", i, elapsed));
  }
  const double raw_pair = std::min(raw_before, RawPairSeconds(cores));
  size_t entries = 0;
  for (const auto& slot : table.slots) entries += slot.key_count();
  const size_t table_bytes = table.bytes();
  private_match::Table held;
  held.table_id = table.table_id;
  held.version = table.version;
  held.as_of = table.as_of;
  ASSIGN_OR_RETURN(private_match::TableIndex index,
                   private_match::TableIndex::Build(std::move(table)));

  // a's CPU for one more peer's table, in-process (no requester work).
  const double cpu_start = CpuSeconds();
  ASSIGN_OR_RETURN(private_match::Table probe,
                   a.TableFor({"cpu-probe", config::NodeRole::kAgency}, kBenchPurpose));
  const double responder_cpu = CpuSeconds() - cpu_start;
  private_match::Table().slots.swap(probe.slots);

  // A batch match.
  std::vector<match::KeySet> queries;
  for (const record::Person& p : data.b) {
    queries.push_back(match::keyspec::DeriveKeys(p, {}));
  }
  const int batch = std::min<int>(options.batch, queries.size());
  const std::vector<match::KeySet> batch_queries(queries.begin(), queries.begin() + batch);
  absl::Time start = absl::Now();
  ASSIGN_OR_RETURN(private_match::PeerMatch matched,
                   private_match::MatchAgainst(index, *p1_to_a, kBenchPurpose, batch_queries, {}));
  const double batch_seconds = Since(start);
  say(absl::StrFormat("batch of %d matched in %.2f s (%d hits)", batch, batch_seconds,
                      matched.hits.size()));

  // A delta after 1% of a's records change.
  std::vector<record::Person> changed;
  for (size_t i = 0; i < data.a.size(); i += 100) {
    record::Person p = data.a[i];
    p.phones = {absl::StrFormat("+4477009%05d", static_cast<int>(i % 100000))};
    changed.push_back(std::move(p));
  }
  RETURN_IF_ERROR(f.nodes["a"].node->store->Upsert(changed).status());
  const uint64_t before_delta = a.table_evaluations();
  start = absl::Now();
  ASSIGN_OR_RETURN(const private_match::TableUpdate delta,
                   p1_to_a->FetchUpdate(kBenchPurpose, &held));
  const double delta_seconds = Since(start);
  const uint64_t delta_evaluations = a.table_evaluations() - before_delta;
  say(absl::StrFormat("delta of %d changed records in %.2f s", changed.size(), delta_seconds));

  // Lookups: p1 caches p2..pN's tables too.
  struct Cached {
    std::unique_ptr<private_match::MatchClient> client;
    std::unique_ptr<private_match::TableIndex> index;
  };
  std::vector<Cached> others;
  for (int i = 2; i <= max_peers; ++i) {
    Cached c;
    ASSIGN_OR_RETURN(c.client, f.Client("p1", absl::StrCat("p", i)));
    ASSIGN_OR_RETURN(private_match::Table t, c.client->FetchTable(kBenchPurpose));
    ASSIGN_OR_RETURN(private_match::TableIndex built,
                     private_match::TableIndex::Build(std::move(t)));
    c.index = std::make_unique<private_match::TableIndex>(std::move(built));
    others.push_back(std::move(c));
  }
  // Against a's table after the delta is irrelevant to latency; the held
  // index is still of the same table id.
  std::vector<ScaleRow> rows;
  for (int peers : options.peers) {
    ScaleRow r;
    r.records = size;
    r.peers = peers;
    r.cores = cores;
    r.import_rows_per_second = import_rows_per_second;
    r.table_entries = entries;
    r.build_seconds = cumulative[0];
    r.ec_bound_seconds = entries * raw_pair / cores;
    r.fetch_seconds = cumulative[peers - 1];
    r.evaluations = evaluations[peers - 1];
    r.table_bytes = table_bytes;
    r.index_bytes = index.memory_bytes();
    r.delta_seconds = delta_seconds;
    r.delta_evaluations = delta_evaluations;
    r.delta_slots = delta.table.slots.size();
    r.batch_records = batch;
    r.batch_seconds = batch_seconds;
    r.responder_cpu_seconds_per_fetch = responder_cpu;
    private_match::MatchOptions one;
    one.threads = 1;
    std::vector<double> ms;
    for (int l = 0; l < options.lookups && !queries.empty(); ++l) {
      const std::vector<match::KeySet> q = {queries[(l * 7919) % queries.size()]};
      const absl::Time t0 = absl::Now();
      std::vector<std::future<absl::StatusOr<private_match::PeerMatch>>> answers;
      for (int o = 0; o + 2 <= peers; ++o) {
        answers.push_back(std::async(std::launch::async, [&, o] {
          return private_match::MatchAgainst(*others[o].index, *others[o].client, kBenchPurpose, q,
                                             one);
        }));
      }
      RETURN_IF_ERROR(private_match::MatchAgainst(index, *p1_to_a, kBenchPurpose, q, one).status());
      for (auto& answer : answers) RETURN_IF_ERROR(answer.get().status());
      ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - t0));
    }
    Percentiles(std::move(ms), &r.lookup_p50_ms, &r.lookup_p99_ms);
    say(absl::StrFormat("%d peers: lookup p50 %.1f ms, p99 %.1f ms", peers, r.lookup_p50_ms,
                        r.lookup_p99_ms));
    rows.push_back(r);
  }
  others.clear();
  p1_to_a.reset();
  return rows;
}

}  // namespace

absl::StatusOr<std::vector<int>> ParseCounts(const std::string& text, const std::string& flag) {
  std::vector<int> out;
  for (absl::string_view part : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    part = absl::StripAsciiWhitespace(part);
    int64_t scale = 1;
    if (!part.empty() && (part.back() == 'k' || part.back() == 'K')) {
      scale = 1000;
      part.remove_suffix(1);
    } else if (!part.empty() && (part.back() == 'm' || part.back() == 'M')) {
      scale = 1'000'000;
      part.remove_suffix(1);
    }
    int64_t n = 0;
    if (!absl::SimpleAtoi(part, &n) || n < 1 || n * scale > 100'000'000) {
      return absl::InvalidArgumentError(
          absl::StrCat(flag, ": '", part, "' is not a count from 1 to 100M (e.g. 2000, 100k, 1M)"));
    }
    out.push_back(static_cast<int>(n * scale));
  }
  if (out.empty()) return absl::InvalidArgumentError(absl::StrCat(flag, ": no count given"));
  return out;
}

absl::StatusOr<std::vector<ScaleRow>> RunScaleBench(const ScaleOptions& options) {
  if (sodium_init() < 0) return absl::InternalError("libsodium");
  if (options.sizes.empty() || options.peers.empty()) {
    return absl::InvalidArgumentError("sizes and peers: at least one each");
  }
  for (int p : options.peers) {
    if (p < 1 || p > 50) return absl::InvalidArgumentError("peers: each from 1 to 50");
  }
  std::vector<ScaleRow> rows;
  for (int size : options.sizes) {
    std::string tmpl =
        (std::filesystem::temp_directory_path() / "fedlink-bench-scale.XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) {
      return absl::InternalError("cannot make a temporary directory");
    }
    struct Cleanup {
      std::string dir;
      ~Cleanup() {
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
      }
    } cleanup{tmpl};
    ASSIGN_OR_RETURN(std::vector<ScaleRow> size_rows, RunSize(tmpl, size, options));
    rows.insert(rows.end(), size_rows.begin(), size_rows.end());
  }
  return rows;
}

}  // namespace fedlink::app
