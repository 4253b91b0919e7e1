// Test helper for the application layer: real node directories in a signed,
// installed roster (federation/test_federation.h), each opened as an
// app::Node, with a sharing policy, records and a ServingNode on loopback
// mutual TLS. No mocks: the use cases run against real peers.
#ifndef FEDLINK_NODE_APP_TEST_APP_FEDERATION_H_
#define FEDLINK_NODE_APP_TEST_APP_FEDERATION_H_

#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "node/app/followup.h"
#include "node/app/match.h"
#include "node/app/node.h"
#include "node/app/serving.h"
#include "node/federation/test_federation.h"
#include "node/record/person.h"

namespace fedlink::app::testing {

// Police shares consenting trafficking victims with NGOs for victim-dedup
// (t = 2), and nothing else.
inline constexpr char kPolicePolicy[] = R"pb(
  purposes: "victim-dedup"
  purposes: "perpetrator-link"
  rules {
    name: "ngos-dedup-victims"
    peers { role: NODE_ROLE_NGO }
    purpose: "victim-dedup"
    record_roles: ROLE_VICTIM
    allowed_labels: "trafficking"
    consent { required: true accepted_scopes: "victim-dedup" }
    min_agreeing_keys: 2
    payload: PAYLOAD_HANDLE_AND_ROLE
    daily_evaluate_budget: 100000
  }
)pb";
inline constexpr char kNgoPolicy[] = R"pb(
  purposes: "victim-dedup"
)pb";

// A consenting trafficking victim.
inline record::Person Victim(const std::string& id, const std::string& given,
                             const std::string& family, const std::string& dob,
                             const std::string& phone) {
  record::Person p;
  p.external_id = id;
  p.role = record::Role::kVictim;
  p.given_name = given;
  p.family_name = family;
  p.dob = *record::ParsePartialDate(dob);
  p.sex = record::Sex::kFemale;
  if (!phone.empty()) p.phones = {phone};
  p.consent = {"victim-dedup"};
  p.labels = {"trafficking"};
  return p;
}

// The two consenting victims most tests share, under the id a node gives them.
inline record::Person MariaIvanova(const std::string& id) {
  return Victim(id, "Maria", "Ivanova", "1990-04-12", "+44 7700 900001");
}
inline record::Person AnaPopescu(const std::string& id) {
  return Victim(id, "Ana", "Popescu", "1985-01-30", "+44 7700 900002");
}

class AppFederation {
 public:
  // Nodes named "police*" are agencies, "auditor*" auditors, others NGOs.
  explicit AppFederation(const std::vector<std::string>& ids) : fed_(ids, Roles(ids)) {
    fed_.SignAndInstall();
    for (const std::string& id : ids) {
      auto node = Node::Open(fed_.node(id).paths.dir);
      EXPECT_TRUE(node.ok()) << node.status();
      nodes_[id] = *std::move(node);
    }
  }
  ~AppFederation() {
    serving_.clear();  // before the nodes they serve
  }

  Node& node(const std::string& id) { return *nodes_.at(id); }
  void WritePolicy(const std::string& id, const std::string& text) {
    std::ofstream(node(id).paths().policy()) << text;
  }
  void Add(const std::string& id, const std::vector<record::Person>& records) {
    auto counts = node(id).records().Upsert(records);
    ASSERT_TRUE(counts.ok()) << counts.status();
  }
  void Serve(const std::string& id) {
    ServeOptions options;
    options.witness_interval = absl::ZeroDuration();
    auto serving = ServingNode::Start(node(id), options);
    ASSERT_TRUE(serving.ok()) << serving.status();
    serving_[id] = *std::move(serving);
  }
  void StopServing(const std::string& id) { serving_.erase(id); }
  // The coordinator signs the next roster version; every node installs it.
  void SignAndInstallNextRoster() { fed_.SignAndInstall(); }
  federation::testing::TestFederation& federation() { return fed_; }

 private:
  static std::map<std::string, config::NodeRole> Roles(const std::vector<std::string>& ids) {
    std::map<std::string, config::NodeRole> roles;
    for (const std::string& id : ids) {
      roles[id] = id.rfind("police", 0) == 0    ? config::NodeRole::kAgency
                  : id.rfind("auditor", 0) == 0 ? config::NodeRole::kAuditor
                                                : config::NodeRole::kNgo;
    }
    return roles;
  }
  federation::testing::TestFederation fed_;
  std::map<std::string, std::unique_ptr<Node>> nodes_;
  std::map<std::string, std::unique_ptr<ServingNode>> serving_;
};

// A police node and an NGO node with kPolicePolicy and kNgoPolicy written: the
// setting most use-case tests start from. Subclasses add records and serve.
class PoliceAndNgoTest : public ::testing::Test {
 protected:
  PoliceAndNgoTest() {
    fed_.WritePolicy("police", kPolicePolicy);
    fed_.WritePolicy("ngo", kNgoPolicy);
  }
  // The NGO matches its records at police (which must be serving) for
  // victim-dedup and expects one hit; stores the hit's handle in *handle.
  void NgoMatchesAtPolice(std::string* handle) {
    MatchRequest match;
    match.purpose = "victim-dedup";
    match.peer = "police";
    auto report = MatchOwnRecords(fed_.node("ngo"), match);
    ASSERT_TRUE(report.ok()) << report.status();
    ASSERT_EQ(report->matches.size(), 1u);
    *handle = report->matches[0].handle;
  }
  // Then asks police for contact about that hit.
  void NgoAsksPoliceForContact() {
    ContactRequest contact;
    contact.peer = "police";
    ASSERT_NO_FATAL_FAILURE(NgoMatchesAtPolice(&contact.handle));
    contact.reason = "same survivor?";
    auto sent = SendContactRequest(fed_.node("ngo"), contact);
    ASSERT_TRUE(sent.ok()) << sent.status();
  }
  AppFederation fed_{{"police", "ngo"}};
};

}  // namespace fedlink::app::testing

#endif  // FEDLINK_NODE_APP_TEST_APP_FEDERATION_H_
