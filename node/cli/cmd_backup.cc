// fedlink backup | backup verify | restore, and audit accept-restore: the
// node directory backed up encrypted while it serves, checked, and restored
// (node/app/backup.h, node/app/audit_restore.h).
#include <iostream>

#include "absl/flags/flag.h"
#include "absl/time/time.h"
#include "node/app/audit_restore.h"
#include "node/app/backup.h"
#include "node/cli/command.h"
#include "node/cli/flags.h"
#include "node/cli/key_source_flags.h"
#include "node/cli/output.h"

namespace fedlink::cli {
namespace {

// The manifest: counts, schema versions, ids and the log's root only.
void PrintManifest(const app::BackupManifest& m) {
  std::cout << "node " << Safe(m.node_id) << "\n"
            << "created "
            << absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixSeconds(m.created),
                                absl::UTCTimeZone())
            << "\n"
            << "records " << m.records << "\n"
            << "audit entries " << m.audit_entries << "\n"
            << "audit checkpoint " << m.audit_checkpoint_size << " "
            << (m.audit_checkpoint_root.empty() ? "-" : m.audit_checkpoint_root) << "\n";
  for (const auto& [file, version] : m.schema) {
    std::cout << "schema " << Safe(file) << " " << version << "\n";
  }
  std::cout << "files " << m.files << "\n";
}

int RunBackup(const std::vector<std::string>& args) {
  const std::string out = absl::GetFlag(FLAGS_out);
  if (!args.empty() || out.empty()) {
    return ReportError("backup", absl::InvalidArgumentError("expected --dir DIR --out FILE"));
  }
  return WithNodeInDir("backup", {.load_identity = false}, [&](app::Node& node) {
    auto manifest = app::BackupNode(node, out);
    if (!manifest.ok()) return ReportError("backup", manifest.status());
    PrintManifest(*manifest);
    std::cout << "wrote the encrypted backup of " << Safe(node.id()) << " to " << Safe(out) << "\n";
    return kExitOk;
  });
}

int RunBackupVerify(const std::vector<std::string>& args) {
  if (args.size() != 1) {
    return ReportError("backup verify", absl::InvalidArgumentError("expected one backup FILE"));
  }
  auto source = KeySourceFromFlags();
  if (!source.ok()) return ReportError("backup verify", source.status());
  auto manifest = app::VerifyBackup(args[0], *source, absl::GetFlag(FLAGS_dir));
  if (!manifest.ok()) return ReportError("backup verify", manifest.status());
  PrintManifest(*manifest);
  std::cout << "OK: " << Safe(args[0]) << " is a whole backup of node " << Safe(manifest->node_id)
            << "; every database passes its integrity check and the audit log verifies\n";
  return kExitOk;
}

int RunRestore(const std::vector<std::string>& args) {
  const std::string dir = absl::GetFlag(FLAGS_dir);
  if (args.size() != 1 || dir.empty()) {
    return ReportError("restore", absl::InvalidArgumentError("expected --dir NEWDIR FILE"));
  }
  auto source = KeySourceFromFlags();
  if (!source.ok()) return ReportError("restore", source.status());
  auto manifest = app::RestoreBackup(args[0], dir, *source);
  if (!manifest.ok()) return ReportError("restore", manifest.status());
  PrintManifest(*manifest);
  std::cout << "restored node " << Safe(manifest->node_id) << " into " << Safe(dir)
            << "; it serves and logs nothing until `fedlink audit accept-restore --dir "
            << Safe(dir) << "` (docs/audit.md)\n";
  return kExitOk;
}

int RunAcceptRestore(const std::vector<std::string>& args) {
  if (!args.empty()) {
    return ReportError("audit accept-restore", absl::InvalidArgumentError("expected --dir DIR"));
  }
  return WithNodeInDir("audit accept-restore", [&](app::Node& node) {
    auto accepted = app::AcceptRestore(node);
    if (!accepted.ok()) return ReportError("audit accept-restore", accepted.status());
    std::cout << "logged the restore as entry " << accepted->entry_index << " of node "
              << Safe(node.id()) << ": the log was restored at " << accepted->restored_entries
              << " entries; anything logged after the backup is lost. The node may serve again.\n";
    return kExitOk;
  });
}

#define FEDLINK_KEY_FLAGS "key_file", "passphrase_file", "passphrase_fd", "credential"

FEDLINK_COMMAND("backup",
                "  fedlink backup --dir DIR --out FILE [key source]\n\n"
                "Writes an encrypted backup of the node directory (every database copied at\n"
                "one point with SQLite's online backup API, while the node may serve), with a\n"
                "manifest (time, node, schema versions, record count, audit log size and\n"
                "root). FILE (0600) is written whole or not at all, and opens only with the\n"
                "node's key source. docs/security.md, \"Backup and restore\".",
                "write an encrypted backup of the node, while it serves",
                {"dir", "out", FEDLINK_KEY_FLAGS}, RunBackup);
FEDLINK_COMMAND("backup verify",
                "  fedlink backup verify FILE [key source] [--dir DIR]\n\n"
                "Decrypts the whole backup with the key source (by default the one its copy\n"
                "of data.key names), checks the stream is complete, every database passes\n"
                "PRAGMA integrity_check and the audit log verifies and matches the manifest,\n"
                "then prints the manifest. With --dir, the backup must be of that node.\n"
                "Leaves nothing behind (its private temporary copy is removed).",
                "check a backup without restoring it", {"dir", FEDLINK_KEY_FLAGS}, RunBackupVerify);
FEDLINK_COMMAND("restore",
                "  fedlink restore --dir NEWDIR FILE [key source]\n\n"
                "Restores a backup into NEWDIR (which must not exist or be empty): checked as\n"
                "`backup verify` checks it, written to a private directory beside NEWDIR and\n"
                "renamed, so NEWDIR is whole or absent. The restored node serves and logs\n"
                "nothing until `fedlink audit accept-restore` (docs/audit.md).",
                "restore a node from a backup into a new directory", {"dir", FEDLINK_KEY_FLAGS},
                RunRestore);
FEDLINK_COMMAND("audit accept-restore",
                "  fedlink audit accept-restore --dir DIR [key source]\n\n"
                "On a restored node: logs an \"audit.restore\" entry saying the log was\n"
                "restored from a backup and that entries after it are lost, then lets the\n"
                "node serve and log again (docs/audit.md, \"Restoring from a backup\").",
                "accept a restored node's access log and let it serve again",
                {"dir", FEDLINK_KEY_FLAGS}, RunAcceptRestore);

}  // namespace
}  // namespace fedlink::cli
