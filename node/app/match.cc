#include "node/app/match.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "node/app/key_options.h"
#include "node/app/own_keys.h"
#include "node/app/review.h"
#include "node/common/status_macros.h"
#include "node/followup/followup_client.h"
#include "policy/policy.h"

namespace fedlink::app {
namespace {

constexpr absl::Duration kNoticeDeadline = absl::Seconds(10);

size_t CountFailed(const std::vector<PeerResult>& peers) {
  size_t n = 0;
  for (const PeerResult& p : peers) n += p.status.ok() ? 0 : 1;
  return n;
}

}  // namespace

size_t MatchReport::failed_peers() const { return CountFailed(peers); }
size_t LookupReport::failed_peers() const { return CountFailed(peers); }

bool UsableForOutboundQuery(const record::Person& record, const std::string& purpose,
                            absl::Time now) {
  if (record.role != record::Role::kVictim && record.role != record::Role::kWitness) return true;
  return policy::ConsentCovers(record, purpose, now);
}

absl::StatusOr<MatchReport> MatchOwnRecords(Node& node, const MatchRequest& request) {
  RETURN_IF_ERROR(node.CheckPurpose(request.purpose));
  ASSIGN_OR_RETURN(const std::vector<federation::Member> peers,
                   node.Peers(request.peer, request.all));
  ASSIGN_OR_RETURN(const std::vector<record::Person> persons, node.records().LoadAll());
  ASSIGN_OR_RETURN(followup::FollowupStore * followups, node.Followups());

  MatchReport report;
  report.records = persons.size();
  const match::keyspec::Options key_options = KeyOptions(node.config());
  std::vector<match::KeySet> all_keys, queries;
  std::vector<const record::Person*> query_persons;
  const absl::Time now = absl::Now();
  for (const record::Person& p : persons) {
    all_keys.push_back(match::keyspec::DeriveKeys(p, key_options));
    if (!UsableForOutboundQuery(p, request.purpose, now)) {
      ++report.withheld;
      continue;
    }
    queries.push_back(all_keys.back());
    query_persons.push_back(&p);
  }
  report.queries = queries.size();

  ASSIGN_OR_RETURN(std::unique_ptr<followup::ReviewStore> review, OpenReviewStore(node));
  ASSIGN_OR_RETURN(const std::vector<followup::ReviewItem> reviewed, review->List(false));
  PeerMatchOptions options = request.options;
  options.purpose = request.purpose;
  options.concurrently = false;
  options.labelled = LabelledPatterns(reviewed);
  // Known pairs of this purpose: (peer, handle, own id) -> status.
  std::map<std::tuple<std::string, std::string, std::string>, followup::ReviewStatus> decisions;
  for (const followup::ReviewItem& item : reviewed) {
    if (item.purpose == request.purpose) {
      decisions[std::make_tuple(item.peer, item.handle, item.own_id)] = item.status;
    }
  }
  ASSIGN_OR_RETURN(report.peers, MatchPeers(node, peers, queries,
                                            private_match::OwnRecordsScorer(all_keys), options));
  std::vector<followup::Hit> hits;
  for (PeerResult& r : report.peers) {
    if (!r.status.ok()) continue;
    std::vector<OwnMatch> found;
    std::vector<const private_match::MatchHit*> found_hits;
    auto decided = [&](const std::string& own_id, const std::string& handle) {
      auto it = decisions.find(std::make_tuple(r.member.node_id, handle, own_id));
      return it == decisions.end() ? std::optional<followup::ReviewStatus>() : it->second;
    };
    auto add = [&](const private_match::MatchHit& h, bool below) -> absl::Status {
      OwnMatch m{
          query_persons[h.query]->external_id,     r.member.node_id, h.handle,          h.score,
          match::keyspec::PatternNames(h.pattern), h.role,           r.match.threshold, below};
      const std::optional<followup::ReviewStatus> status = decided(m.own_id, m.handle);
      if (status == followup::ReviewStatus::kRejected) {
        ++report.rejected;
        return absl::OkStatus();
      }
      if (below && status == followup::ReviewStatus::kPending) {
        ++report.queued;  // already waiting for a decision
        return absl::OkStatus();
      }
      if (below && !status.has_value()) {
        followup::ReviewItem item;
        item.peer = m.peer;
        item.purpose = request.purpose;
        item.handle = m.handle;
        item.own_id = m.own_id;
        item.score = m.score;
        item.threshold = r.match.threshold;
        item.pattern = h.pattern;
        item.keys = m.keys;
        RETURN_IF_ERROR(review->Offer(std::move(item), now).status());
        ++report.queued;
        return absl::OkStatus();
      }
      found.push_back(std::move(m));
      found_hits.push_back(&h);
      return absl::OkStatus();
    };
    for (const private_match::MatchHit& h : r.match.hits) RETURN_IF_ERROR(add(h, false));
    for (const private_match::MatchHit& h : r.match.borderline) RETURN_IF_ERROR(add(h, true));
    std::vector<bool> keep(found.size(), true);
    if (request.one_to_one) {
      // Greedy by score: a handle already matched by a higher-scoring own
      // record is dropped.
      std::vector<size_t> order(found.size());
      for (size_t i = 0; i < order.size(); ++i) order[i] = i;
      std::stable_sort(order.begin(), order.end(),
                       [&](size_t x, size_t y) { return found[x].score > found[y].score; });
      std::set<std::string> used;
      for (size_t i : order) {
        if (!used.insert(found[i].handle).second) {
          keep[i] = false;
          ++report.one_to_one_dropped;
        }
      }
    }
    std::vector<private_match::MatchHit> kept_hits;
    for (size_t i = 0; i < found.size(); ++i) {
      if (!keep[i]) continue;
      const OwnMatch& m = found[i];
      hits.push_back({m.peer, request.purpose, m.handle, m.own_id, m.score, m.keys, m.role,
                      found_hits[i]->officer, now});
      kept_hits.push_back(*found_hits[i]);
      report.matches.push_back(found[i]);
    }
    // The notices owed to the owner name the pairs reported.
    r.match.hits = std::move(kept_hits);
  }
  RETURN_IF_ERROR(followups->RecordHits(hits));

  // Mutual notice where the owner's policy asks for it.
  ASSIGN_OR_RETURN(const federation::Self self, node.Self(options.actor));
  ASSIGN_OR_RETURN(audit::AuditLog * log, node.AuditLog());
  for (const PeerResult& r : report.peers) {
    if (!r.status.ok() || !r.notify_owner || r.match.hits.empty()) continue;
    std::vector<std::string> handles;
    for (const auto& h : r.match.hits) handles.push_back(h.handle);
    report.notices.push_back({r.member.node_id, handles.size(),
                              followup::SendMatchNotice(self, r.member, request.purpose, handles,
                                                        kNoticeDeadline, log)});
  }
  return report;
}

absl::StatusOr<LookupReport> Lookup(Node& node, const LookupRequest& request) {
  RETURN_IF_ERROR(node.CheckPurpose(request.purpose));
  LookupReport report;
  match::keyspec::DropCounts drops;
  const match::KeySet keys =
      match::keyspec::DeriveKeys(request.intake, KeyOptions(node.config()), &drops);
  report.unusable_selectors = drops.total();
  if (keys.empty()) {
    return absl::InvalidArgumentError("give at least a name, date of birth or selector");
  }
  ASSIGN_OR_RETURN(const std::vector<federation::Member> peers, node.Peers("", true));
  PeerMatchOptions options = request.options;
  options.purpose = request.purpose;
  options.concurrently = true;
  options.bucket_lookup = !request.whole_table;
  ASSIGN_OR_RETURN(report.peers, MatchPeers(node, peers, {keys}, match::Scorer(), options));
  for (const PeerResult& r : report.peers) {
    if (!r.status.ok()) continue;
    for (const private_match::MatchHit& h : r.match.hits) {
      report.candidates.push_back({r.member.node_id, h.handle, h.score,
                                   match::keyspec::PatternNames(h.pattern), h.role, h.officer,
                                   r.match.threshold});
    }
  }
  return report;
}

absl::StatusOr<std::string> ResolveHandle(Node& node, const std::string& handle,
                                          const std::string& peer) {
  if (handle.empty()) return absl::InvalidArgumentError("handle is required");
  ASSIGN_OR_RETURN(ResolvedHandle resolved, ResolveOwnHandle(node, handle, peer));
  return std::move(resolved.external_id);
}

}  // namespace fedlink::app
