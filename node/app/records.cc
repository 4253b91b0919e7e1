#include "node/app/records.h"

#include <sys/stat.h>

#include "absl/time/clock.h"
#include "node/common/status_macros.h"
#include "node/federation/roster.h"
#include "node/importer/importer.h"
#include "node/match/keyspec.h"

namespace fedlink::app {
namespace {

// Each list is read on its own; one that cannot be read is left empty.
SharingHistory ReadSharingHistory(Node& node, const std::string& id) {
  SharingHistory h;
  absl::StatusOr<followup::FollowupStore*> store = node.Followups();
  if (!store.ok()) {
    h.status = store.status();
    return h;
  }
  if (auto hits = (*store)->HitsFor(id); hits.ok()) h.hits = *std::move(hits);
  if (auto in = (*store)->Incoming(); in.ok()) {
    for (followup::Contact& c : *in) {
      if (c.own_id == id) h.contacts_in.push_back(std::move(c));
    }
  }
  if (auto out = (*store)->Outgoing(); out.ok()) {
    for (followup::Contact& c : *out) {
      if (c.own_id == id) h.contacts_out.push_back(std::move(c));
    }
  }
  if (auto notices = (*store)->Notices(); notices.ok()) {
    for (followup::FollowupStore::Notice& n : *notices) {
      if (n.own_id == id) h.notices.push_back(std::move(n));
    }
  }
  if (auto revocations = (*store)->Revocations(id); revocations.ok()) {
    h.revocations = *std::move(revocations);
  }
  return h;
}

SharedNow ReadSharedNow(Node& node, const record::Person& record, absl::Time now) {
  SharedNow shared;
  struct stat st;
  const std::string policy_path = node.paths().policy();
  const bool has_policy = stat(policy_path.c_str(), &st) == 0;
  auto roster = federation::LoadInstalledRoster(node.paths(), now);
  if (!roster.ok()) {
    shared.basis = SharedNow::Basis::kNoRoster;
    return shared;
  }
  if (!has_policy) {
    shared.basis = SharedNow::Basis::kNoPolicy;
    return shared;
  }
  auto policy = policy::Policy::Load(policy_path, match::keyspec::KeyTypeNames());
  if (!policy.ok()) {
    shared.basis = SharedNow::Basis::kPolicyUnreadable;
    shared.policy_error = policy.status();
    return shared;
  }
  for (const federation::Member& m : roster->members()) {
    if (m.node_id == node.id()) continue;
    absl::StatusOr<config::NodeRole> role = config::ParseNodeRole(m.role);
    if (!role.ok()) continue;
    for (const std::string& purpose : (*policy)->purposes()) {
      const policy::Rule* rule = (*policy)->Find({m.node_id, *role}, purpose);
      if (rule == nullptr || !(*policy)->Decide(*rule, record, now).shared) continue;
      shared.shares.push_back({m.node_id, purpose, rule->name, rule->payload});
    }
  }
  return shared;
}

}  // namespace

absl::Status NoSuchRecordError() { return absl::NotFoundError("no record with that external_id"); }

bool SharingHistory::empty() const {
  return hits.empty() && contacts_in.empty() && contacts_out.empty() && notices.empty() &&
         revocations.empty();
}

absl::StatusOr<RecordCounts> CountRecords(Node& node) {
  RecordCounts counts;
  ASSIGN_OR_RETURN(counts.by_role, node.records().CountByRole());
  for (const auto& [role, n] : counts.by_role) counts.total += n;
  return counts;
}

absl::Status ListRecordsCsv(Node& node, const std::function<void(absl::string_view)>& write) {
  common::CsvWriter csv = importer::PersonsCsvWriter();
  return node.records().ForEach([&](const record::Person& p) {
    importer::AppendPersonRow(p, csv);
    write(csv.TakeText());  // the header with the first record
    return absl::OkStatus();
  });
}

absl::StatusOr<RecordDetails> ShowRecord(Node& node, const std::string& external_id) {
  ASSIGN_OR_RETURN(std::optional<record::Person> record, node.records().Get(external_id));
  if (!record.has_value()) return NoSuchRecordError();
  RecordDetails details;
  details.record = *std::move(record);
  details.history = ReadSharingHistory(node, external_id);
  details.shared_now = ReadSharedNow(node, details.record, absl::Now());
  return details;
}

}  // namespace fedlink::app
