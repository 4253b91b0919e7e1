// fedlink bench linkage | eval | dedup: linkage quality in the clear, with
// exactly the keyspec v1 keys and the Fellegi-Sunter scorer the private
// protocol uses.
#include <fstream>
#include <iostream>

#include "absl/container/flat_hash_map.h"
#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "node/cli/command.h"
#include "node/cli/flags.h"
#include "node/cli/output.h"
#include "node/cli/progress.h"
#include "node/config/node_dir.h"
#include "node/importer/importer.h"
#include "node/match/evaluation.h"
#include "node/match/linker.h"
#include "node/private_match/responder.h"

ABSL_FLAG(std::string, results, "",
          "Results CSV: own_id,peer,handle,score,keys,role.");
ABSL_FLAG(std::string, peer_dir, "",
          "Node directory of the peer that owns the handles (to resolve them "
          "to external ids).");
ABSL_FLAG(int, misses, 0,
          "Print the agreement patterns (key type names, no values) of up to N "
          "missed true "
          "pairs, for tuning.");

namespace fedlink::cli {
namespace {

std::vector<KeySet> DeriveAll(const std::vector<Person>& persons,
                              const std::string& region,
                              keyspec::DropCounts* drops) {
  std::vector<KeySet> out;
  out.reserve(persons.size());
  keyspec::Options options{region};
  for (const Person& p : persons)
    out.push_back(keyspec::DeriveKeys(p, options, drops));
  return out;
}

void WarnDrops(const keyspec::DropCounts& d) {
  if (d.total() == 0) return;
  std::cerr << "warning: " << d.total()
            << " values did not normalise and were left out of the keys ("
            << d.phones << " phones, " << d.emails << " e-mails, "
            << d.documents << " documents, " << d.handles << " handles, "
            << d.ibans << " IBANs, " << d.plates << " plates)\n";
}


// Links B against A: scorer estimation (u from frequencies, m by EM), then
// candidates by blocking, best A per B.
std::vector<CandidatePair> Link(const std::vector<KeySet>& a,
                                const std::vector<KeySet>& b, Scorer* scorer,
                                ProgressBar* bar) {
  scorer->EstimateU(a, b);
  LinkOptions lo;
  lo.progress = [bar](size_t done, size_t total) { bar->Update(done, total); };
  std::vector<CandidatePair> candidates = FindCandidates(a, b, lo);
  bar->Finish();
  std::vector<uint32_t> patterns;
  patterns.reserve(candidates.size());
  for (const auto& c : candidates) patterns.push_back(c.pattern);
  scorer->RefineM(patterns);
  return BestPerB(ScoreAndFilter(std::move(candidates), *scorer));
}

void PrintMisses(const std::vector<Person>& a, const std::vector<Person>& b,
                 const std::vector<KeySet>& ka, const std::vector<KeySet>& kb,
                 const std::set<IdPair>& predicted,
                 const std::set<IdPair>& truth, const Scorer& scorer,
                 int limit) {
  absl::flat_hash_map<std::string, size_t> ia, ib;
  for (size_t i = 0; i < a.size(); ++i) ia[a[i].external_id] = i;
  for (size_t i = 0; i < b.size(); ++i) ib[b[i].external_id] = i;
  int false_shown = 0;
  for (const IdPair& pr : predicted) {
    if (truth.count(pr) || false_shown >= limit) continue;
    auto x = ia.find(pr.first), y = ib.find(pr.second);
    uint32_t pattern = 0;
    for (const auto& k1 : ka[x->second]) {
      for (const auto& k2 : kb[y->second]) {
        if (k1.bytes == k2.bytes) pattern |= 1u << static_cast<int>(k1.type);
      }
    }
    std::cout << "false " << pr.first << "," << pr.second
              << ": score=" << scorer.Score(pattern) << " "
              << keyspec::PatternNames(pattern) << "\n";
    ++false_shown;
  }
  int shown = 0;
  for (const IdPair& t : truth) {
    if (predicted.count(t) || shown >= limit) continue;
    auto x = ia.find(t.first), y = ib.find(t.second);
    if (x == ia.end() || y == ib.end()) continue;
    uint32_t pattern = 0;
    int agreeing = 0;
    for (const auto& k1 : ka[x->second]) {
      for (const auto& k2 : kb[y->second]) {
        if (k1.bytes == k2.bytes) {
          pattern |= 1u << static_cast<int>(k1.type);
          ++agreeing;
        }
      }
    }
    std::cout << "missed " << t.first << "," << t.second
              << ": keys=" << agreeing << " score=" << scorer.Score(pattern)
              << " " << keyspec::PatternNames(pattern) << "\n";
    ++shown;
  }
}

int RunBenchLinkage(const std::vector<std::string>& args) {
  const std::string a_path = absl::GetFlag(FLAGS_a),
                    b_path = absl::GetFlag(FLAGS_b),
                    truth_path = absl::GetFlag(FLAGS_truth);
  if (a_path.empty() || b_path.empty() || truth_path.empty()) {
    return ReportError(
        "bench linkage",
        absl::InvalidArgumentError("--a, --b and --truth are required"));
  }
  auto options = LinkageImportOptions();
  if (!options.ok()) return ReportError("bench linkage", options.status());
  const absl::Time start = absl::Now();
  auto a = ReadPersonsFile(a_path, *options);
  if (!a.ok()) return ReportError("bench linkage", a.status());
  auto b = ReadPersonsFile(b_path, *options);
  if (!b.ok()) return ReportError("bench linkage", b.status());
  auto truth = ReadTruth(truth_path);
  if (!truth.ok()) return ReportError("bench linkage", truth.status());
  const absl::Time loaded = absl::Now();
  keyspec::DropCounts drops;
  const std::string region = absl::GetFlag(FLAGS_region);
  std::vector<KeySet> ka = DeriveAll(*a, region, &drops),
                      kb = DeriveAll(*b, region, &drops);
  WarnDrops(drops);
  const absl::Time keyed = absl::Now();
  Scorer scorer;
  scorer.threshold = absl::GetFlag(FLAGS_threshold) >= 0
                         ? absl::GetFlag(FLAGS_threshold)
                         : DefaultThreshold(a->size());
  ProgressBar bar("linking");
  std::vector<CandidatePair> matches = Link(ka, kb, &scorer, &bar);
  const absl::Time linked = absl::Now();
  std::set<IdPair> predicted;
  for (const auto& c : matches)
    predicted.emplace((*a)[c.a].external_id, (*b)[c.b].external_id);
  Quality q = Evaluate(predicted, *truth);
  if (const int misses = absl::GetFlag(FLAGS_misses); misses > 0) {
    PrintMisses(*a, *b, ka, kb, predicted, *truth, scorer, misses);
  }
  size_t keys = 0;
  for (const auto& k : ka) keys += k.size();
  for (const auto& k : kb) keys += k.size();
  std::cout << "records: a=" << a->size() << " b=" << b->size()
            << " keys=" << keys << " matches=" << matches.size()
            << " true_pairs=" << truth->size() << "\n";
  std::cout << "scorer (threshold " << scorer.threshold
            << " bits, t=" << scorer.min_agreeing_keys << "):\n"
            << scorer.Describe();
  std::cout << absl::StrFormat(
      "time: load=%.2fs keys=%.2fs link=%.2fs total=%.2fs\n",
      absl::ToDoubleSeconds(loaded - start),
      absl::ToDoubleSeconds(keyed - loaded),
      absl::ToDoubleSeconds(linked - keyed),
      absl::ToDoubleSeconds(linked - start));
  std::cout << q.Line() << "\n";
  return kExitOk;
}

// Resolves a peer's handle to its external id with the peer's node
// directory (handles are opaque: only their owner can resolve them). Results
// of the clear baseline name the peer's external ids directly.
absl::StatusOr<std::string> ResolveHandle(
    const absl::flat_hash_map<std::string, std::string>* handles,
    RecordStore* peer, const std::string& handle) {
  if (handles == nullptr) return handle;
  if (auto it = handles->find(handle); it != handles->end()) return it->second;
  auto p = peer->Get(handle);
  if (!p.ok()) return p.status();
  if (!p->has_value())
    return absl::NotFoundError("handle not known to the peer");
  return (*p)->external_id;
}

int RunEval(const std::vector<std::string>& args) {
  const std::string results_path = absl::GetFlag(FLAGS_results),
                    truth_path = absl::GetFlag(FLAGS_truth);
  if (results_path.empty() || truth_path.empty()) {
    return ReportError("eval", absl::InvalidArgumentError(
                                   "--results and --truth are required"));
  }
  auto truth = ReadTruth(truth_path);
  if (!truth.ok()) return ReportError("eval", truth.status());
  std::unique_ptr<OpenedNode> peer;
  absl::flat_hash_map<std::string, std::string> handles;
  if (const std::string dir = absl::GetFlag(FLAGS_peer_dir); !dir.empty()) {
    auto opened = OpenNode(dir, {.load_identity = false});
    if (!opened.ok()) return ReportError("eval", opened.status());
    peer = *std::move(opened);
    auto responder = private_match::Responder::Create(
        peer->paths, peer->config, peer->store.get(), nullptr);
    if (!responder.ok()) return ReportError("eval", responder.status());
    auto all = (*responder)->keyring().AllHandles(peer->store.get());
    if (!all.ok()) return ReportError("eval", all.status());
    handles = *std::move(all);
  }
  std::ifstream in(results_path);
  if (!in)
    return ReportError("eval", absl::NotFoundError(absl::StrCat(
                                   results_path, ": cannot open")));
  std::string line;
  int number = 0;
  std::set<IdPair> predicted;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty()) continue;
    std::vector<std::string> f = absl::StrSplit(line, ',');
    if (number == 1 && !f.empty() && f[0] == "own_id") continue;
    if (f.size() < 3) {
      return ReportError("eval",
                         absl::InvalidArgumentError(absl::StrCat(
                             results_path, ":", number,
                             ": expected own_id,peer,handle,score,keys,role")));
    }
    auto id = ResolveHandle(peer ? &handles : nullptr,
                            peer ? peer->store.get() : nullptr, f[2]);
    if (!id.ok()) {
      return ReportError(
          "eval", absl::InvalidArgumentError(absl::StrCat(
                      results_path, ":", number, ": ", id.status().message())));
    }
    predicted.emplace(f[0], *id);
  }
  // The results may come from either side (own ids in the truth's id_a or
  // id_b column): orient them like the truth.
  std::set<std::string> truth_b;
  for (const IdPair& t : *truth) truth_b.insert(t.second);
  size_t own_in_b = 0;
  for (const IdPair& p : predicted) own_in_b += truth_b.count(p.first);
  if (own_in_b * 2 > predicted.size()) {
    std::set<IdPair> swapped;
    for (const IdPair& p : predicted) swapped.emplace(p.second, p.first);
    predicted = std::move(swapped);
  }
  std::cout << Evaluate(predicted, *truth).Line() << "\n";
  return kExitOk;
}

int RunDedup(const std::vector<std::string>& args) {
  auto node = OpenNode(absl::GetFlag(FLAGS_dir), {.load_identity = false});
  if (!node.ok()) return ReportError("dedup", node.status());
  auto persons = (*node)->store->LoadAll();
  if (!persons.ok()) return ReportError("dedup", persons.status());
  keyspec::DropCounts drops;
  std::vector<KeySet> keys =
      DeriveAll(*persons, (*node)->config.default_region, &drops);
  WarnDrops(drops);
  Scorer scorer;
  scorer.threshold = absl::GetFlag(FLAGS_threshold) >= 0
                         ? absl::GetFlag(FLAGS_threshold)
                         : DefaultThreshold(persons->size());
  scorer.EstimateU(keys, keys);
  ProgressBar bar("deduplicating");
  LinkOptions lo;
  lo.progress = [&bar](size_t done, size_t total) { bar.Update(done, total); };
  std::vector<CandidatePair> candidates = FindCandidates(keys, keys, lo);
  bar.Finish();
  std::vector<uint32_t> patterns;
  for (const auto& c : candidates) patterns.push_back(c.pattern);
  scorer.RefineM(patterns);
  std::vector<CandidatePair> pairs =
      ScoreAndFilter(std::move(candidates), scorer);
  std::string csv = "id_1,id_2,score,keys\n";
  for (const auto& c : pairs) {
    absl::StrAppendFormat(&csv, "%s,%s,%.1f,%s\n", (*persons)[c.a].external_id,
                          (*persons)[c.b].external_id, c.score,
                          keyspec::PatternNames(c.pattern));
  }
  const std::string out = absl::GetFlag(FLAGS_out);
  if (auto s = WriteOutput(out, csv); !s.ok()) return ReportError("dedup", s);
  std::cerr << "dedup: " << persons->size() << " records, " << pairs.size()
            << " probable duplicate pairs\n";
  return kExitOk;
}

FEDLINK_COMMAND(
    "bench linkage",
    "  fedlink bench linkage --a A.csv --b B.csv --truth truth.csv [--map "
    "...]\n"
    "                        [--threshold BITS] [--region CC]\n\n"
    "Links B against A in the clear with the keyspec v1 keys and the scorer,\n"
    "prints sizes, the fitted scorer and timings, and as its last line\n"
    "precision=P recall=R f1=F.",
    "non-private linkage baseline: quality and time",
    {"a", "b", "truth", "map", "threshold", "region", "misses"},
    RunBenchLinkage);
FEDLINK_COMMAND(
    "eval",
    "  fedlink eval --results results.csv --truth truth.csv [--peer-dir "
    "DIR]\n\n"
    "Scores a results file (own_id,peer,handle,score,keys,role) against truth\n"
    "(id_a,id_b) and prints precision=P recall=R f1=F.",
    "precision/recall/F1 of a match results file",
    {"results", "truth", "peer_dir"}, RunEval);
FEDLINK_COMMAND(
    "dedup", "  fedlink dedup --dir DIR [--out pairs.csv] [--threshold BITS]",
    "find probable duplicates among the node's own records (blocking, never "
    "all pairs)",
    {"dir", "out", "threshold"}, RunDedup);

}  // namespace
}  // namespace fedlink::cli
