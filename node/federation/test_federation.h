// Test helper: a coordinator and node directories in a temporary folder,
// with every node in a signed, installed roster.
#ifndef FEDLINK_NODE_FEDERATION_TEST_FEDERATION_H_
#define FEDLINK_NODE_FEDERATION_TEST_FEDERATION_H_

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "node/common/free_port.h"
#include "node/config/node_dir.h"
#include "node/federation/roster.h"

namespace fedlink::federation::testing {

inline int FreePort() { return common::FreeLoopbackPort(); }

class TestFederation {
 public:
  // Nodes are agencies unless `roles` says otherwise.
  explicit TestFederation(const std::vector<std::string>& ids,
                          std::map<std::string, config::NodeRole> roles = {})
      : roles_(std::move(roles)) {
    // A directory of its own (two federations in one test, or tests run side
    // by side, never share one), with a short name: the nodes' unix socket
    // paths under it are limited to 108 bytes, which a test's long name
    // (the root's name before) came within a few bytes of.
    std::string root = ::testing::TempDir() + "fed-XXXXXX";
    if (mkdtemp(root.data()) == nullptr) {
      ADD_FAILURE() << "mkdtemp " << root << ": " << strerror(errno);
      return;
    }
    root_ = root;
    coord_ = (root_ / "coord").string();
    vkey_ = *InitCoordinator(coord_, "test-fed");
    for (const std::string& id : ids) AddNode(id, /*in_roster=*/true);
  }

  void AddNode(const std::string& id, bool in_roster) {
    config::NodeConfig c;
    c.node_id = id;
    c.organisation = id;
    if (auto r = roles_.find(id); r != roles_.end()) c.role = r->second;
    c.listen = absl::StrCat("127.0.0.1:", FreePort());
    const std::string dir = (root_ / id).string();
    ASSERT_TRUE(config::InitNode(dir, c).ok());
    auto node = config::OpenNode(dir, {});
    ASSERT_TRUE(node.ok()) << node.status();
    if (in_roster) {
      auto request =
          MemberRequest((*node)->paths, (*node)->config, (*node)->identity->VerifierKey());
      ASSERT_TRUE(AddMember(coord_, *request, id).ok());
    }
    nodes_[id] = *std::move(node);
  }

  // Signs the roster and installs it at every node.
  void SignAndInstall() {
    auto envelope = SignRoster(coord_, absl::Hours(24), absl::Now());
    ASSERT_TRUE(envelope.ok()) << envelope.status();
    for (auto& [id, node] : nodes_) {
      auto r = InstallRoster(node->paths, *envelope, vkey_, absl::Now());
      ASSERT_TRUE(r.ok()) << id << ": " << r.status();
    }
  }

  config::OpenedNode& node(const std::string& id) { return *nodes_.at(id); }
  const std::string& coordinator() const { return coord_; }
  std::shared_ptr<const Roster> roster(const std::string& id) {
    return std::make_shared<const Roster>(*LoadInstalledRoster(node(id).paths, absl::Now()));
  }

 private:
  std::map<std::string, config::NodeRole> roles_;
  std::filesystem::path root_;
  std::string coord_, vkey_;
  std::map<std::string, std::unique_ptr<config::OpenedNode>> nodes_;
};

}  // namespace fedlink::federation::testing

#endif  // FEDLINK_NODE_FEDERATION_TEST_FEDERATION_H_
