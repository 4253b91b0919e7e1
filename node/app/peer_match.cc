#include "node/app/peer_match.h"

#include <optional>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "node/common/status_macros.h"
#include "node/private_match/match_client.h"
#include "node/private_match/stale_table.h"
#include "node/private_match/table_cache.h"

namespace fedlink::app {
namespace {

using private_match::MatchClient;
using private_match::PagedTable;

// The peer's table for the purpose, left in the cache (read by page): the
// cached one when fresh; else what changed since it (a delta) or the whole
// table, cached again. `force` skips the fresh cached table (it was stale).
absl::StatusOr<PagedTable> TableOf(MatchClient& client, const private_match::TableCache& cache,
                                   const PeerMatchOptions& options, bool force,
                                   PeerResult& result) {
  const federation::Member& peer = result.member;
  const absl::Time now = absl::Now();
  result.source = TableSource::kCached;
  std::optional<private_match::CachedPagedTable> held;
  if (!options.refresh) {
    ASSIGN_OR_RETURN(held, cache.GetPaged(peer.node_id, options.purpose, now,
                                          absl::InfiniteDuration(), peer.epoch_days));
  }
  if (held.has_value() && held->table.header().slots > peer.max_table_records) {
    return absl::DataLossError(absl::StrCat(
        peer.node_id, ": cached table of ", held->table.header().slots,
        " records exceeds the limit of ", peer.max_table_records, " declared in the roster"));
  }
  if (held.has_value() && !force && now - held->fetched_at <= options.max_table_age) {
    client.ExpectTable(held->table.header().table_id);
    return std::move(held->table);
  }
  // The request names the held table by its header alone.
  private_match::Table held_header;
  if (held.has_value()) {
    held_header.table_id = held->table.header().table_id;
    held_header.version = held->table.header().version;
    held_header.as_of = held->table.header().as_of;
  }
  ASSIGN_OR_RETURN(private_match::TableUpdate update,
                   client.FetchUpdate(options.purpose, held.has_value() ? &held_header : nullptr));
  result.source = TableSource::kFetched;
  if (update.delta) {
    const size_t changed = update.table.slots.size(), dropped = update.removed.size();
    // Merged with the held file page by page: the held table is not loaded.
    if (auto s = cache.PutUpdate(peer.node_id, options.purpose, held->table, update, now);
        !s.ok()) {
      result.notes.push_back(
          absl::StrCat("peer ", peer.node_id, ": ", s.message(), "; fetching the whole table"));
      ASSIGN_OR_RETURN(private_match::Table table, client.FetchTable(options.purpose));
      held.reset();
      RETURN_IF_ERROR(cache.Put(peer.node_id, options.purpose, table, now));
    } else {
      result.source = TableSource::kDelta;
      result.delta_changed = changed;
      result.delta_dropped = dropped;
    }
  } else {
    held.reset();
    RETURN_IF_ERROR(cache.Put(peer.node_id, options.purpose, update.table, now));
  }
  held.reset();
  update = {};  // the match reads the cached file, not this
  ASSIGN_OR_RETURN(auto cached, cache.GetPaged(peer.node_id, options.purpose, now,
                                               absl::InfiniteDuration(), peer.epoch_days));
  if (!cached.has_value()) {
    return absl::InternalError(absl::StrCat(peer.node_id, ": the table just cached is not there"));
  }
  return std::move(cached->table);
}

// Whether a refused bucket lookup should fall back to the whole table:
// the peer's rule allows none, its table is too small for buckets, it
// speaks no bucket lookups, or it re-keyed meanwhile.
bool FallBackToTable(const absl::Status& s) {
  return absl::IsPermissionDenied(s) || absl::IsFailedPrecondition(s) || absl::IsUnimplemented(s);
}

// Whether a table of `peer` is cached (a cache that does not open counts:
// the table path reports it).
bool TableCached(const private_match::TableCache& cache, const federation::Member& peer,
                 const PeerMatchOptions& options) {
  auto held = cache.GetPaged(peer.node_id, options.purpose, absl::Now(), absl::InfiniteDuration(),
                             peer.epoch_days);
  return !held.ok() || held->has_value();
}

// The match against the buckets of the queries' tags, or a status that
// says why not.
absl::StatusOr<private_match::PeerMatch> MatchBuckets(
    MatchClient& client, const PeerMatchOptions& options, const std::vector<match::KeySet>& queries,
    const private_match::MatchOptions& match_options, PeerResult& result) {
  ASSIGN_OR_RETURN(private_match::Buckets probe, client.FetchBuckets(options.purpose, 0, {}));
  if (probe.table.keyspec != options.keyspec) {
    return absl::FailedPreconditionError("the peer speaks another keyspec");
  }
  // The evaluations must be under the keys of the table the buckets are of.
  client.ExpectTable(probe.table.table_id);
  private_match::Buckets fetched;
  ASSIGN_OR_RETURN(private_match::PeerMatch match,
                   private_match::MatchByBuckets(probe, client, options.purpose, queries,
                                                 match_options, &fetched));
  result.source = TableSource::kBuckets;
  result.notify_owner = probe.table.notify_owner;
  result.bucket_prefix_bits = probe.prefix_bits;
  result.bucket_slots = fetched.table.slots.size();
  result.bucket_wire_bytes = probe.wire_bytes + fetched.wire_bytes;
  return match;
}

PeerResult MatchPeer(const federation::Self& self, const federation::Member& peer,
                     const std::vector<match::KeySet>& queries, const match::Scorer& scorer,
                     audit::AuditLog* log, const private_match::TableCache& cache,
                     const PeerMatchOptions& options, bool progress) {
  PeerResult result;
  result.member = peer;
  const absl::Time start = absl::Now();
  MatchClient client(self, peer);
  client.set_audit(log);
  private_match::MatchOptions match_options;
  match_options.threshold = options.threshold;
  match_options.scorer = &scorer;
  match_options.review_margin = options.review_margin;
  match_options.scoring = options.scoring;
  match_options.labelled = options.labelled;
  if (progress && options.on_progress) {
    match_options.progress = [&](size_t done, size_t total) {
      options.on_progress(peer.node_id, done, total);
    };
  }
  absl::StatusOr<private_match::PeerMatch> match = absl::UnknownError("not run");
  bool done = false;
  if (options.bucket_lookup && !options.refresh && !TableCached(cache, peer, options)) {
    match = MatchBuckets(client, options, queries, match_options, result);
    done = match.ok() || !FallBackToTable(match.status());
    if (!done) {
      result.notes.push_back(absl::StrCat("peer ", peer.node_id, ": no bucket lookup (",
                                          match.status().message(), "); fetching the table"));
    }
    client.ExpectTable("");
  }
  // A cached table the peer has since re-keyed (consent withdrawn, record
  // deleted) is refused at the first evaluation: refetch once and retry.
  for (int attempt = 0; attempt < 2 && !done; ++attempt) {
    auto table = TableOf(client, cache, options, /*force=*/attempt > 0, result);
    if (!table.ok()) {
      match = table.status();
      // A cached file that does not open (altered, truncated): delete it
      // and fetch the table anew.
      if (attempt == 0 && private_match::IsCorruptTableFile(match.status()) &&
          cache.Remove(peer.node_id, options.purpose).ok()) {
        result.notes.push_back(absl::StrCat("peer ", peer.node_id, ": ", match.status().message(),
                                            "; deleted, refetching"));
        continue;
      }
      break;
    }
    result.notify_owner = table->header().notify_owner;
    if (table->header().keyspec != options.keyspec) {
      // Keys of different versions never agree: matching would silently
      // find nothing, so say why instead.
      match = absl::FailedPreconditionError(
          absl::StrCat("peer ", peer.node_id, " speaks keyspec ", table->header().keyspec,
                       ", this node keyspec ", options.keyspec,
                       ": every member of a federation must set the same keyspec in node.conf"));
      break;
    }
    match = private_match::MatchAgainst(*table, client, options.purpose, queries, match_options);
    const bool fetched = result.source != TableSource::kCached;
    if (!match.ok() && !fetched && private_match::IsCorruptTableFile(match.status()) &&
        cache.Remove(peer.node_id, options.purpose).ok()) {
      result.notes.push_back(absl::StrCat("peer ", peer.node_id, ": ", match.status().message(),
                                          "; deleted, refetching"));
      continue;
    }
    if (match.ok() || fetched || !private_match::IsStaleTable(match.status())) break;
    result.notes.push_back(
        absl::StrCat("peer ", peer.node_id, ": cached table is stale, refetching"));
  }
  if (match.ok()) {
    result.match = *std::move(match);
    result.budget_remaining = client.budget_remaining();
  } else {
    result.status = match.status();
  }
  result.seconds = absl::ToDoubleSeconds(absl::Now() - start);
  if (options.on_peer_done) options.on_peer_done(result);
  return result;
}

}  // namespace

absl::StatusOr<std::vector<PeerResult>> MatchPeers(Node& node,
                                                   const std::vector<federation::Member>& peers,
                                                   const std::vector<match::KeySet>& queries,
                                                   const match::Scorer& scorer,
                                                   const PeerMatchOptions& given_options) {
  PeerMatchOptions options = given_options;
  options.keyspec = node.config().keyspec;
  ASSIGN_OR_RETURN(const federation::Self self, node.Self(options.actor));
  ASSIGN_OR_RETURN(audit::AuditLog * log, node.AuditLog());
  const private_match::TableCache cache(node.paths().dir, node.opened().file_key());
  std::vector<PeerResult> out(peers.size());
  if (!options.concurrently || peers.size() < 2) {
    for (size_t i = 0; i < peers.size(); ++i) {
      out[i] = MatchPeer(self, peers[i], queries, scorer, log, cache, options, true);
    }
    return out;
  }
  std::vector<std::thread> threads;
  for (size_t i = 0; i < peers.size(); ++i) {
    threads.emplace_back([&, i] {
      out[i] = MatchPeer(self, peers[i], queries, scorer, log, cache, options, false);
    });
  }
  for (std::thread& t : threads) t.join();
  return out;
}

std::string TableSourceText(const PeerResult& result) {
  switch (result.source) {
    case TableSource::kCached:
      return "cached";
    case TableSource::kFetched:
      return "fetched";
    case TableSource::kDelta:
      return absl::StrCat("updated by a delta: ", result.delta_changed, " added or changed, ",
                          result.delta_dropped, " dropped");
    case TableSource::kBuckets:
      return absl::StrCat("not fetched: buckets of ", result.bucket_prefix_bits, "-bit prefixes, ",
                          result.bucket_slots, " of ", result.match.table_slots, " slots, ",
                          result.bucket_wire_bytes, " bytes");
  }
  return "";
}

}  // namespace fedlink::app
