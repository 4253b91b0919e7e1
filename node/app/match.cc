#include "node/app/match.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "node/app/key_options.h"
#include "node/app/own_keys.h"
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

  PeerMatchOptions options = request.options;
  options.purpose = request.purpose;
  options.concurrently = false;
  ASSIGN_OR_RETURN(report.peers, MatchPeers(node, peers, queries,
                                            private_match::OwnRecordsScorer(all_keys), options));
  std::vector<followup::Hit> hits;
  for (const PeerResult& r : report.peers) {
    if (!r.status.ok()) continue;
    for (const private_match::MatchHit& h : r.match.hits) {
      OwnMatch m{query_persons[h.query]->external_id,
                 r.member.node_id,
                 h.handle,
                 h.score,
                 match::keyspec::PatternNames(h.pattern),
                 h.role};
      hits.push_back(
          {m.peer, request.purpose, m.handle, m.own_id, m.score, m.keys, m.role, h.officer, now});
      report.matches.push_back(std::move(m));
    }
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
                                   match::keyspec::PatternNames(h.pattern), h.role, h.officer});
    }
  }
  return report;
}

absl::StatusOr<std::string> ResolveHandle(Node& node, const std::string& handle,
                                          const std::string& peer) {
  if (handle.empty()) return absl::InvalidArgumentError("--handle is required");
  ASSIGN_OR_RETURN(ResolvedHandle resolved, ResolveOwnHandle(node, handle, peer));
  return std::move(resolved.external_id);
}

}  // namespace fedlink::app
