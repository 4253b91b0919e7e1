// fedlink match | lookup | resolve: the private match from the requester's
// side (match all own records, or one intake, against peers' tag tables) and
// the owner's resolution of its own handles.
#include <fstream>
#include <iostream>
#include <optional>
#include <thread>

#include "node/common/node_paths.h"
#include "absl/flags/flag.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "node/cli/command.h"
#include "node/cli/command_audit.h"
#include "node/cli/flags.h"
#include "node/cli/output.h"
#include "node/cli/peer_session.h"
#include "node/cli/progress.h"
#include "node/followup/followup_client.h"
#include "node/followup/followup_store.h"
#include "node/private_match/match_client.h"
#include "node/private_match/requester.h"
#include "node/private_match/responder.h"
#include "node/private_match/table_cache.h"

ABSL_FLAG(bool, all, false, "Ask every roster member.");
ABSL_FLAG(bool, refresh, false, "Fetch peers' tables even if cached.");
ABSL_FLAG(absl::Duration, max_table_age, absl::Minutes(10),
          "Refetch a cached peer table older than this.");
ABSL_FLAG(std::string, given, "", "Given name.");
ABSL_FLAG(std::string, family, "", "Family name.");
ABSL_FLAG(std::string, alias, "", "Aliases, ';'-separated.");
ABSL_FLAG(std::string, dob, "", "Date of birth (YYYY-MM-DD, YYYY-MM, YYYY, ...).");
ABSL_FLAG(std::string, sex, "", "f, m or x.");
ABSL_FLAG(std::string, phone, "", "Phone numbers, ';'-separated.");
ABSL_FLAG(std::string, email, "", "E-mail addresses, ';'-separated.");
ABSL_FLAG(std::string, document, "", "Document numbers, ';'-separated.");
ABSL_FLAG(std::string, online_handle, "", "Online handles, ';'-separated.");
ABSL_FLAG(std::string, iban, "", "IBANs, ';'-separated.");
ABSL_FLAG(std::string, plate, "", "Vehicle plates, ';'-separated.");
ABSL_FLAG(std::string, address, "", "Addresses, ';'-separated.");

namespace fedlink::cli {
namespace {

using private_match::MatchClient;
using private_match::PeerMatch;
using private_match::TableIndex;

// The peer's table for `purpose`: from the cache when fresh; else what
// changed since the cached one (a delta) or the whole table, cached again.
absl::StatusOr<TableIndex> TableOf(MatchClient& client,
                                   const private_match::TableCache& cache,
                                   const federation::Member& peer,
                                   const std::string& purpose, bool force,
                                   bool* fetched, std::string* delta_note) {
  const absl::Time now = absl::Now();
  *fetched = false;
  std::optional<private_match::CachedTable> held;
  if (!absl::GetFlag(FLAGS_refresh)) {
    auto cached = cache.Get(peer.node_id, purpose, now, absl::InfiniteDuration(),
                            peer.epoch_days);
    if (!cached.ok()) return cached.status();
    held = *std::move(cached);
  }
  if (held.has_value() && held->table.slots.size() > peer.max_table_records) {
    return absl::DataLossError(absl::StrCat(
        peer.node_id, ": cached table of ", held->table.slots.size(),
        " records exceeds the limit of ", peer.max_table_records, " declared in the roster"));
  }
  if (held.has_value() && !force && now - held->fetched_at <= absl::GetFlag(FLAGS_max_table_age)) {
    client.ExpectTable(held->table.table_id);
    return TableIndex::Build(std::move(held->table));
  }
  private_match::Table table;
  auto update = client.FetchUpdate(purpose, held.has_value() ? &held->table : nullptr);
  if (!update.ok()) return update.status();
  *fetched = true;
  if (update->delta) {
    *delta_note = absl::StrCat("updated by a delta: ", update->table.slots.size(),
                               " added or changed, ", update->removed.size(), " dropped");
    table = std::move(held->table);
    if (auto s = private_match::ApplyUpdate(*std::move(update), &table); !s.ok()) {
      std::cerr << absl::StrCat("peer ", peer.node_id, ": ", s.message(),
                                "; fetching the whole table\n");
      auto whole = client.FetchTable(purpose);
      if (!whole.ok()) return whole.status();
      table = *std::move(whole);
      delta_note->clear();
    }
  } else {
    table = std::move(update->table);
  }
  if (auto s = cache.Put(peer.node_id, purpose, table, now); !s.ok()) return s;
  return TableIndex::Build(std::move(table));
}

struct PeerOutcome {
  std::string peer;
  absl::Status status;
  PeerMatch match;
  bool fetched = false;
  std::string delta_note;  // how a delta updated the cached table, if one did
  bool notify_owner = false;  // the owner's policy asks for notice of matches
  federation::Member member;
  uint64_t budget_remaining = 0;
  double seconds = 0;
};

// Matches `queries` against one peer.
PeerOutcome MatchPeer(const PeerSession& session, const federation::Member& m,
                      const std::string& purpose, const std::vector<KeySet>& queries,
                      const Scorer& scorer, bool progress, audit::AuditLog* log,
                      const private_match::TableCache& cache) {
  PeerOutcome o;
  o.peer = m.node_id;
  o.member = m;
  const absl::Time start = absl::Now();
  MatchClient client(session.self(), m);
  client.set_audit(log);
  ProgressBar bar(absl::StrCat("matching ", m.node_id));
  private_match::MatchOptions options;
  options.threshold = absl::GetFlag(FLAGS_threshold);
  options.scorer = &scorer;
  if (progress) {
    options.progress = [&bar](size_t done, size_t total) { bar.Update(done, total); };
  }
  absl::StatusOr<PeerMatch> match = absl::UnknownError("not run");
  // A cached table the peer has since re-keyed (consent withdrawn, record
  // deleted) is refused at the first evaluation: refetch once and retry.
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto index = TableOf(client, cache, m, purpose, attempt > 0, &o.fetched, &o.delta_note);
    if (!index.ok()) {
      match = index.status();
      break;
    }
    o.notify_owner = index->notify_owner();
    match = private_match::MatchAgainst(*index, client, purpose, queries, options);
    if (match.ok() || o.fetched || !absl::IsFailedPrecondition(match.status()) ||
        !absl::StrContains(match.status().message(), private_match::kStaleTable)) {
      break;
    }
    std::cerr << absl::StrCat("peer ", m.node_id, ": cached table is stale, refetching\n");
  }
  bar.Finish();
  if (match.ok()) {
    o.match = *std::move(match);
    o.budget_remaining = client.budget_remaining();
  } else {
    o.status = match.status();
  }
  o.seconds = absl::ToDoubleSeconds(absl::Now() - start);
  return o;
}

// Matches `queries` against each peer; one outcome per peer, in order.
// `concurrently` asks every peer at once (a lookup: its latency is the
// slowest peer's, not the sum); a whole-file match goes peer by peer, each
// using every core, with a progress bar.
std::vector<PeerOutcome> MatchPeers(const PeerSession& session,
                                    const std::vector<federation::Member>& peers,
                                    const std::string& purpose,
                                    const std::vector<KeySet>& queries,
                                    const Scorer& scorer, bool progress,
                                    audit::AuditLog* log, bool concurrently = false) {
  private_match::TableCache cache(session.node->paths.dir);
  std::vector<PeerOutcome> out(peers.size());
  if (!concurrently || peers.size() < 2) {
    for (size_t i = 0; i < peers.size(); ++i) {
      out[i] = MatchPeer(session, peers[i], purpose, queries, scorer, progress, log, cache);
    }
    return out;
  }
  std::vector<std::thread> threads;
  for (size_t i = 0; i < peers.size(); ++i) {
    threads.emplace_back([&, i] {
      out[i] = MatchPeer(session, peers[i], purpose, queries, scorer, false, log, cache);
    });
  }
  for (std::thread& t : threads) t.join();
  return out;
}

void PrintSummary(const PeerOutcome& o) {
  if (!o.status.ok()) {
    std::cerr << "peer " << o.peer << ": failed: "
              << absl::StatusCodeToString(o.status.code()) << ": "
              << o.status.message() << "\n";
    return;
  }
  std::cerr << absl::StrFormat(
      "peer %s: table %d records (%s), %d evaluations, %d candidates below t, "
      "%d matches (threshold %.1f bits), budget left %d, %.2fs\n",
      o.peer, o.match.table_slots,
      !o.delta_note.empty() ? o.delta_note : (o.fetched ? "fetched" : "cached"),
      o.match.evaluations, o.match.below_t, o.match.hits.size(),
      o.match.threshold, o.budget_remaining, o.seconds);
}

int RunMatch(const std::vector<std::string>& args) {
  const std::string purpose = absl::GetFlag(FLAGS_purpose);
  auto session = OpenPeerSession(absl::GetFlag(FLAGS_dir));
  if (!session.ok()) return ReportError("match", session.status());
  if (auto s = CheckPurpose(*session->node, purpose); !s.ok())
    return ReportError("match", s);
  auto peers = session->Peers(absl::GetFlag(FLAGS_peer), absl::GetFlag(FLAGS_all));
  if (!peers.ok()) return ReportError("match", peers.status());
  auto persons = session->node->store->LoadAll();
  if (!persons.ok()) return ReportError("match", persons.status());

  keyspec::Options key_options{session->node->config.default_region};
  std::vector<KeySet> all_keys, queries;
  std::vector<const Person*> query_persons;
  size_t withheld = 0;
  const absl::Time now = absl::Now();
  for (const Person& p : *persons) {
    all_keys.push_back(keyspec::DeriveKeys(p, key_options));
    if (!UsableForOutboundQuery(p, purpose, now)) {
      ++withheld;
      continue;
    }
    queries.push_back(all_keys.back());
    query_persons.push_back(&p);
  }
  std::cerr << "match: " << queries.size() << " of " << persons->size()
            << " records used as queries";
  if (withheld > 0)
    std::cerr << " (" << withheld << " withheld: no consent for " << purpose << ")";
  std::cerr << "\n";

  auto log = OpenCommandAudit(*session->node);
  if (!log.ok()) return ReportError("match", log.status());
  std::vector<PeerOutcome> outcomes =
      MatchPeers(*session, *peers, purpose, queries, private_match::OwnRecordsScorer(all_keys),
                 true, log->get());
  std::string csv = "own_id,peer,handle,score,keys,role\n";
  std::vector<followup::Hit> hits;
  int failed = 0;
  for (const PeerOutcome& o : outcomes) {
    PrintSummary(o);
    if (!o.status.ok()) {
      ++failed;
      continue;
    }
    for (const private_match::MatchHit& h : o.match.hits) {
      const std::string& own_id = query_persons[h.query]->external_id;
      const std::string keys = keyspec::PatternNames(h.pattern);
      absl::StrAppendFormat(&csv, "%s,%s,%s,%.1f,%s,%s\n", own_id, o.peer,
                            h.handle, h.score, keys, h.role);
      hits.push_back({o.peer, purpose, h.handle, own_id, h.score, keys, h.role,
                      h.officer, now});
    }
  }
  auto followups = followup::FollowupStore::Open(session->node->paths.followup_db());
  if (!followups.ok()) return ReportError("match", followups.status());
  if (auto s = (*followups)->RecordHits(hits); !s.ok()) return ReportError("match", s);
  // Mutual notice where the owner's policy asks for it.
  for (const PeerOutcome& o : outcomes) {
    if (!o.status.ok() || !o.notify_owner || o.match.hits.empty()) continue;
    std::vector<std::string> handles;
    for (const auto& h : o.match.hits) handles.push_back(h.handle);
    if (auto s = followup::SendMatchNotice(session->self(), o.member, purpose, handles,
                                           absl::Seconds(10), log->get());
        s.ok()) {
      std::cerr << "peer " << o.peer << ": told of " << handles.size()
                << " matches (its policy asks for notice)\n";
    } else {
      std::cerr << "peer " << o.peer << ": notice of matches not delivered: " << s.message()
                << "\n";
    }
  }

  const std::string out = absl::GetFlag(FLAGS_out);
  if (auto s = WriteOutput(out, csv); !s.ok()) return ReportError("match", s);
  std::cerr << "match: " << hits.size() << " matches with " << outcomes.size() - failed
            << " peers" << (out.empty() ? "" : absl::StrCat(", written to ", out)) << "\n";
  if (failed > 0) {
    std::cerr << "match: results are INCOMPLETE: " << failed << " of " << outcomes.size()
              << " peers failed (see above)\n";
    return kExitFailure;
  }
  return kExitOk;
}

std::vector<std::string> List(const std::string& text) {
  std::vector<std::string> out;
  for (absl::string_view v : absl::StrSplit(text, ';', absl::SkipWhitespace()))
    out.emplace_back(v);
  return out;
}

absl::StatusOr<Person> IntakeFromFlags() {
  Person p;
  p.external_id = "intake";
  p.given_name = absl::GetFlag(FLAGS_given);
  p.family_name = absl::GetFlag(FLAGS_family);
  p.aliases = List(absl::GetFlag(FLAGS_alias));
  if (const std::string dob = absl::GetFlag(FLAGS_dob); !dob.empty()) {
    auto parsed = ParsePartialDate(dob);
    if (!parsed.ok()) return absl::InvalidArgumentError("--dob: not a date");
    p.dob = *parsed;
  }
  auto sex = ParseSex(absl::GetFlag(FLAGS_sex));
  if (!sex.ok()) return absl::InvalidArgumentError("--sex: expected f, m or x");
  p.sex = *sex;
  p.phones = List(absl::GetFlag(FLAGS_phone));
  p.emails = List(absl::GetFlag(FLAGS_email));
  p.documents = List(absl::GetFlag(FLAGS_document));
  p.handles = List(absl::GetFlag(FLAGS_online_handle));
  p.ibans = List(absl::GetFlag(FLAGS_iban));
  p.plates = List(absl::GetFlag(FLAGS_plate));
  p.addresses = List(absl::GetFlag(FLAGS_address));
  return p;
}

int RunLookup(const std::vector<std::string>& args) {
  const std::string purpose = absl::GetFlag(FLAGS_purpose);
  auto session = OpenPeerSession(absl::GetFlag(FLAGS_dir));
  if (!session.ok()) return ReportError("lookup", session.status());
  if (auto s = CheckPurpose(*session->node, purpose); !s.ok())
    return ReportError("lookup", s);
  auto intake = IntakeFromFlags();
  if (!intake.ok()) return ReportError("lookup", intake.status());
  keyspec::DropCounts drops;
  KeySet keys = keyspec::DeriveKeys(
      *intake, {session->node->config.default_region}, &drops);
  if (drops.total() > 0) {
    std::cerr << "lookup: warning: " << drops.total()
              << " selector values did not normalise and are not used\n";
  }
  if (keys.empty()) {
    return ReportError("lookup", absl::InvalidArgumentError(
                                     "give at least a name, date of birth or selector"));
  }
  auto peers = session->Peers("", true);
  if (!peers.ok()) return ReportError("lookup", peers.status());
  auto log = OpenCommandAudit(*session->node);
  if (!log.ok()) return ReportError("lookup", log.status());
  std::vector<PeerOutcome> outcomes =
      MatchPeers(*session, *peers, purpose, {keys}, Scorer(), false, log->get(),
                 /*concurrently=*/true);
  int failed = 0, found = 0;
  std::cout << "peer,handle,score,keys,role,officer\n";
  for (const PeerOutcome& o : outcomes) {
    if (!o.status.ok()) {
      PrintSummary(o);
      ++failed;
      continue;
    }
    if (o.fetched) {  // the cached table was too old
      std::cerr << "peer " << o.peer << ": table "
                << (o.delta_note.empty() ? "fetched" : o.delta_note) << "\n";
    }
    for (const auto& h : o.match.hits) {
      ++found;
      std::cout << absl::StrFormat("%s,%s,%.1f,%s,%s,%s\n", o.peer, h.handle, h.score,
                                   keyspec::PatternNames(h.pattern), h.role, h.officer);
    }
  }
  std::cerr << "lookup: " << found << " candidates from " << outcomes.size() - failed
            << " peers\n";
  if (failed > 0) {
    std::cerr << "lookup: INCOMPLETE: " << failed << " peers failed\n";
    return kExitFailure;
  }
  return kExitOk;
}

int RunResolve(const std::vector<std::string>& args) {
  auto node = OpenNode(absl::GetFlag(FLAGS_dir), {.load_identity = false});
  if (!node.ok()) return ReportError("resolve", node.status());
  const std::string handle = absl::GetFlag(FLAGS_handle);
  if (handle.empty()) return ReportError("resolve", absl::InvalidArgumentError("--handle is required"));
  auto responder = private_match::Responder::Create((*node)->paths, (*node)->config,
                                                    (*node)->store.get(), nullptr);
  if (!responder.ok()) return ReportError("resolve", responder.status());
  auto id = (*responder)->Resolve(handle);
  if (!id.ok()) return ReportError("resolve", id.status());
  std::cout << *id << "\n";
  return kExitOk;
}

FEDLINK_COMMAND(
    "match",
    "  fedlink match --dir DIR (--peer ID | --all) --purpose P [--out results.csv]\n"
    "                [--threshold BITS] [--refresh] [--max-table-age 10m]\n"
    "                [--legal-basis REF] [--official ID]\n\n"
    "Matches the node's own records (victims and witnesses only with consent\n"
    "for P) against peers' tag tables without revealing them, and writes\n"
    "own_id,peer,handle,score,keys,role (stdout, or --out). A per-peer summary\n"
    "goes to stderr; exit 1 if any peer failed (results are then incomplete).",
    "privately match own records against peers",
    {"dir", "peer", "all", "purpose", "out", "threshold", "refresh", "max_table_age",
     "legal_basis", "official"},
    RunMatch);
FEDLINK_COMMAND(
    "lookup",
    "  fedlink lookup --dir DIR --purpose P [--given G] [--family F] [--alias A;B]\n"
    "                 [--dob D] [--sex f|m|x] [--phone P;..] [--email E;..]\n"
    "                 [--document N;..] [--online-handle H;..] [--iban I;..]\n"
    "                 [--plate P;..] [--address A;..] [--threshold BITS]\n"
    "                 [--legal-basis REF] [--official ID]\n\n"
    "Checks one person (an intake, not stored) against every peer and prints\n"
    "candidates as peer,handle,score,keys,role,officer.",
    "check one person against all peers",
    {"dir", "purpose", "given", "family", "alias", "dob", "sex", "phone", "email",
     "document", "online_handle", "iban", "plate", "address", "threshold", "refresh",
     "max_table_age", "legal_basis", "official"},
    RunLookup);
FEDLINK_COMMAND("resolve", "  fedlink resolve --dir DIR --handle H",
                "print the external id behind one of this node's handles",
                {"dir", "handle"}, RunResolve);

}  // namespace
}  // namespace fedlink::cli
