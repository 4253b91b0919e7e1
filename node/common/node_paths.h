// Every file of a node directory, named once. A node directory is created by
// `fedlink init` (mode 0700, every file 0600: common/private_files.h);
// docs/architecture.md describes each file. Code that opens a file of the
// node asks NodePaths for its path instead of joining names by hand, so the
// layout can change (encryption at rest, packaging) in one place.
#ifndef FEDLINK_NODE_COMMON_NODE_PATHS_H_
#define FEDLINK_NODE_COMMON_NODE_PATHS_H_

#include <string>

namespace fedlink::common {

struct NodePaths {
  explicit NodePaths(std::string dir) : dir(std::move(dir)) {}
  std::string dir;

  // Written by init; node.conf last, so its presence marks a whole node.
  std::string config() const { return In("node.conf"); }
  std::string identity_key() const { return In("identity.key"); }  // 0600
  std::string database() const { return In("node.db"); }
  std::string tls_key() const { return In("tls.key"); }  // 0600
  std::string tls_cert() const { return In("tls.crt"); }
  // While `fedlink serve` runs.
  std::string admin_socket() const { return In("admin.sock"); }
  // The peer server's own socket, reached only through the connection gate.
  std::string peer_socket() const { return In("peer.sock"); }
  std::string serve_lock() const { return In("serve.lock"); }
  // Federation: the installed roster, its pinned verifier key, nonces seen.
  std::string roster() const { return In("roster.bin"); }
  // The highest roster version ever installed: no older one is taken again.
  std::string roster_high_water() const { return In("roster.version"); }
  std::string federation_key() const { return In("federation.key"); }
  std::string nonces_db() const { return In("federation.db"); }
  // Sharing and matching.
  std::string policy() const { return In("policy.txtpb"); }
  std::string oprf_seed() const { return In("oprf.seed"); }  // 0600
  std::string oprf_generation() const { return In("oprf.generation"); }
  std::string budget_db() const { return In("budget.db"); }
  // Unix seconds up to which records were checked for expired consents.
  std::string consent_expiry_checked() const { return In("consent_expiry.checked"); }
  std::string table_cache_dir() const { return In("cache"); }
  std::string followup_db() const { return In("followup.db"); }
  // The access log and what this node witnessed of its peers' logs.
  std::string audit_db() const { return In("audit.db"); }
  // The log's latest signed checkpoint, kept beside it: a wiped, emptied or
  // replaced audit.db is refused rather than silently started afresh.
  std::string audit_head() const { return In("audit.head"); }
  std::string witness_db() const { return In("witness.db"); }
  // The web console's users (names, roles, Argon2id hashes), sealed.
  std::string users_db() const { return In("users.db"); }

 private:
  std::string In(const char* name) const { return dir + "/" + name; }
};

}  // namespace fedlink::common

#endif  // FEDLINK_NODE_COMMON_NODE_PATHS_H_
