#include "node/app/backup.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <utility>
#include <vector>

#include "absl/algorithm/container.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "crypto/checkpoint.h"
#include "crypto/identity.h"
#include "node/app/audit_restore.h"
#include "node/audit/audit_log.h"
#include "node/common/status_macros.h"
#include "node/common/whole_file.h"
#include "node/config/node_config.h"
#include "node/store/record_store.h"
#include "node/store/sqlite_snapshot.h"

namespace fedlink::app {
namespace {

// A private directory that removes itself unless released.
class TempDir {
 public:
  static absl::StatusOr<TempDir> Make(const std::string& pattern_prefix) {
    std::string pattern = pattern_prefix + "XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) {
      return absl::PermissionDeniedError(
          absl::StrCat(pattern_prefix, "*: cannot create a private temporary directory"));
    }
    chmod(pattern.c_str(), 0700);
    return TempDir(pattern);
  }
  TempDir(TempDir&& o) noexcept : path_(std::exchange(o.path_, "")) {}
  ~TempDir() {
    if (!path_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(path_, ec);
    }
  }
  const std::string& path() const { return path_; }
  void Release() { path_.clear(); }

 private:
  explicit TempDir(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

bool IsSqlite(const std::string& path) {
  char head[16] = {};
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return false;
  const size_t n = std::fread(head, 1, sizeof head, f);
  std::fclose(f);
  return n == sizeof head && std::string(head, 16) == std::string("SQLite format 3\0", 16);
}

// What the node directory holds, by name relative to it: what a backup copies.
struct NodeFiles {
  std::vector<std::string> plain;
  std::vector<std::string> databases;
};

bool Skipped(absl::string_view name) {
  return absl::EndsWith(name, "-wal") || absl::EndsWith(name, "-shm") ||
         absl::EndsWith(name, "-journal") || absl::EndsWith(name, ".tmp") || name == "serve.lock" ||
         !IsBackupFileName(name);
}

void ListDir(const std::string& dir, const std::string& prefix, NodeFiles* out) {
  std::error_code ec;
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) {
    const std::string path = dir + "/" + name;
    struct stat st;
    if (lstat(path.c_str(), &st) != 0) continue;
    if (S_ISDIR(st.st_mode) && prefix.empty() && name == "cache") {
      ListDir(path, "cache/", out);
      continue;
    }
    const std::string rel = prefix + name;
    if (!S_ISREG(st.st_mode) || Skipped(name) || !IsBackupFileName(rel)) continue;
    (IsSqlite(path) ? out->databases : out->plain).push_back(rel);
  }
}

absl::Status WritePrivate(const std::string& path, absl::string_view content) {
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return absl::PermissionDeniedError(absl::StrCat(path, ": cannot create"));
  fchmod(fd, 0600);
  size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = write(fd, content.data() + done, content.size() - done);
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  const bool ok = done == content.size() && fsync(fd) == 0;
  close(fd);
  if (!ok) return absl::InternalError(absl::StrCat(path, ": write failed"));
  return absl::OkStatus();
}

absl::Status FsyncDir(const std::string& dir) {
  const int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return absl::InternalError(absl::StrCat(dir, ": cannot open"));
  fsync(fd);
  close(fd);
  return absl::OkStatus();
}

// Checks a copy of a node directory and describes it: every database passes
// PRAGMA integrity_check, the record store opens with the data key, the
// audit log verifies (AuditLog::Open recomputes every checkpoint's root).
// `what` names the copy's origin in errors.
absl::StatusOr<BackupManifest> InspectCopy(const std::string& what, const std::string& dir,
                                           const NodeFiles& files, const crypto::DataKey& key) {
  const common::NodePaths paths(dir);
  BackupManifest m;
  const auto in = [&](const absl::Status& s) {
    return absl::Status(s.code(), absl::StrCat(what, ": ", s.message()));
  };
  auto config = config::LoadNodeConfig(paths);
  if (!config.ok()) return in(config.status());
  m.node_id = config->node_id;
  for (const std::string& db : files.databases) {
    const std::string path = dir + "/" + db;
    if (auto s = store::sqlite::CheckIntegrity(path); !s.ok()) {
      return absl::DataLossError(absl::StrCat(what, ": ", db, ": integrity check failed"));
    }
    auto version = store::sqlite::FileSchemaVersion(path);
    if (!version.ok()) return absl::DataLossError(absl::StrCat(what, ": ", db, ": not a database"));
    m.schema[db] = *version;
  }
  {
    auto records = store::OpenRecordStore(paths.database(), {.data_key = &key});
    if (!records.ok()) return in(records.status());
    auto count = (*records)->Count();
    if (!count.ok()) return in(count.status());
    m.records = *count;
  }
  struct stat st;
  if (lstat(paths.audit_db().c_str(), &st) == 0 || lstat(paths.audit_head().c_str(), &st) == 0) {
    auto identity = crypto::SigningKey::LoadFromFile(paths.identity_key(), &key.sealing());
    if (!identity.ok()) return in(identity.status());
    // (A pending identity key: the log may already have changed to it.)
    std::unique_ptr<crypto::SigningKey> next;
    if (const std::string next_path = dir + "/identity.key.next";
        lstat(next_path.c_str(), &st) == 0) {
      auto loaded = crypto::SigningKey::LoadFromFile(next_path, &key.sealing());
      if (!loaded.ok()) return in(loaded.status());
      next = *std::move(loaded);
    }
    auto log = audit::AuditLog::Open(dir, identity->get(), nullptr, next.get());
    if (!log.ok()) return in(log.status());
    m.audit_entries = (*log)->size();
    const std::string note = (*log)->LatestCheckpoint();
    const size_t body_end = note.find("\n\n");
    if (!note.empty() && body_end != std::string::npos) {
      auto cp = crypto::checkpoint::Checkpoint::ParseBody(note.substr(0, body_end + 1));
      if (!cp.ok()) return in(cp.status());
      m.audit_checkpoint_size = cp->size;
      m.audit_checkpoint_root = absl::BytesToHexString(cp->root_hash);
    }
  }
  return m;
}

// Extracts and checks a backup into `dir` (existing, empty, private).
absl::StatusOr<BackupManifest> ExtractAndCheck(const std::string& file,
                                               const config::KeySource& source,
                                               const std::string& node_id, const std::string& dir) {
  NodeFiles files;
  auto opened = ReadBackup(file, source, node_id,
                           [&](const std::string& name, std::string content) -> absl::Status {
                             if (absl::StartsWith(name, "cache/")) {
                               mkdir((dir + "/cache").c_str(), 0700);
                             }
                             const std::string path = dir + "/" + name;
                             RETURN_IF_ERROR(WritePrivate(path, content));
                             (IsSqlite(path) ? files.databases : files.plain).push_back(name);
                             return absl::OkStatus();
                           });
  if (!opened.ok()) return opened.status();
  ASSIGN_OR_RETURN(BackupManifest found, InspectCopy(file, dir, files, *opened->data_key));
  if (!found.SameContent(opened->manifest)) {
    return absl::DataLossError(
        absl::StrCat(file, ": the backup's content does not match its manifest"));
  }
  if (opened->manifest.node_id != opened->node_id) {
    return absl::DataLossError(absl::StrCat(file, ": a manifest of another node"));
  }
  return opened->manifest;
}

}  // namespace

absl::StatusOr<BackupManifest> BackupNode(Node& node, const std::string& out) {
  const crypto::DataKey* key = node.opened().data_key.get();
  if (key == nullptr) {
    return absl::FailedPreconditionError(
        "backup: the node has no data key to encrypt its backup with (open it once with a key "
        "source to convert it)");
  }
  struct stat st;
  if (lstat(out.c_str(), &st) == 0) {
    return absl::AlreadyExistsError(absl::StrCat(out, ": already exists"));
  }
  const std::string dir = node.paths().dir;
  NodeFiles files;
  ListDir(dir, "", &files);
  // Plain files first (audit.head before audit.db), then every database at
  // one point.
  std::vector<std::pair<std::string, std::string>> contents;
  for (const std::string& name : files.plain) {
    ASSIGN_OR_RETURN(std::string content, common::ReadWholeFile(dir + "/" + name));
    contents.emplace_back(name, std::move(content));
  }
  ASSIGN_OR_RETURN(TempDir copy, TempDir::Make(dir + "/.backup-"));
  {
    std::vector<std::string> paths;
    for (const std::string& db : files.databases) paths.push_back(dir + "/" + db);
    ASSIGN_OR_RETURN(auto snapshot, store::sqlite::DatabaseSnapshot::Begin(paths));
    for (size_t i = 0; i < files.databases.size(); ++i) {
      RETURN_IF_ERROR(snapshot->CopyTo(i, copy.path() + "/" + files.databases[i]));
    }
  }
  for (const std::string& db : files.databases) {
    ASSIGN_OR_RETURN(std::string content, common::ReadWholeFile(copy.path() + "/" + db));
    contents.emplace_back(db, std::move(content));
  }
  mkdir((copy.path() + "/cache").c_str(), 0700);
  for (const auto& [name, content] : contents) {
    if (!absl::c_linear_search(files.databases, name)) {
      RETURN_IF_ERROR(WritePrivate(copy.path() + "/" + name, content));
    }
  }
  ASSIGN_OR_RETURN(BackupManifest manifest, InspectCopy(dir, copy.path(), files, *key));
  if (manifest.node_id != node.id()) {
    return absl::InternalError("backup: the copy is of another node");
  }
  manifest.created = absl::ToUnixSeconds(absl::Now());
  manifest.files = contents.size();

  std::string data_key_file;
  for (const auto& [name, content] : contents) {
    if (name == "data.key") data_key_file = content;
  }
  if (data_key_file.empty())
    return absl::FailedPreconditionError(absl::StrCat(dir, "/data.key: missing"));
  const std::string tmp = out + ".tmp";
  const int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return absl::PermissionDeniedError(absl::StrCat(tmp, ": cannot create"));
  fchmod(fd, 0600);
  std::FILE* f = fdopen(fd, "wb");
  absl::Status status;
  {
    auto writer = BackupWriter::Start(f, node.id(), data_key_file, *key, manifest);
    for (const auto& [name, content] : contents) {
      if (status.ok()) status = writer->AddFile(name, content);
    }
    if (status.ok()) status = writer->Finish();
  }
  const bool flushed = std::fflush(f) == 0 && fsync(fd) == 0 && !std::ferror(f);
  std::fclose(f);
  if (status.ok() && !flushed) status = absl::InternalError(absl::StrCat(tmp, ": write failed"));
  if (status.ok() && std::rename(tmp.c_str(), out.c_str()) != 0) {
    status = absl::InternalError(absl::StrCat(out, ": cannot rename ", tmp, " to it"));
  }
  if (!status.ok()) {
    unlink(tmp.c_str());
    return status;
  }
  const std::string parent = std::filesystem::path(out).parent_path().string();
  FsyncDir(parent.empty() ? "." : parent).IgnoreError();
  return manifest;
}

absl::StatusOr<BackupManifest> VerifyBackup(const std::string& file,
                                            const config::KeySource& source,
                                            const std::string& node_dir) {
  std::string node_id;
  if (!node_dir.empty()) {
    ASSIGN_OR_RETURN(const config::NodeConfig config,
                     config::LoadNodeConfig(common::NodePaths(node_dir)));
    node_id = config.node_id;
  }
  std::error_code ec;
  const std::string tmp_root = std::filesystem::temp_directory_path(ec).string();
  ASSIGN_OR_RETURN(TempDir dir,
                   TempDir::Make((tmp_root.empty() ? "/tmp" : tmp_root) + "/fedlink-verify-"));
  return ExtractAndCheck(file, source, node_id, dir.path());
}

absl::StatusOr<BackupManifest> RestoreBackup(const std::string& file, const std::string& new_dir,
                                             const config::KeySource& source) {
  std::error_code ec;
  const std::filesystem::path target = std::filesystem::absolute(new_dir, ec).lexically_normal();
  std::string target_s = target.string();
  while (target_s.size() > 1 && target_s.back() == '/') target_s.pop_back();
  struct stat st;
  bool exists = lstat(target_s.c_str(), &st) == 0;
  if (exists) {
    if (!S_ISDIR(st.st_mode) || !std::filesystem::is_empty(target_s, ec)) {
      return absl::AlreadyExistsError(
          absl::StrCat(new_dir, ": exists and is not an empty directory; restore into a new one"));
    }
  }
  const std::string parent = std::filesystem::path(target_s).parent_path().string();
  const std::string base = std::filesystem::path(target_s).filename().string();
  ASSIGN_OR_RETURN(TempDir dir, TempDir::Make(parent + "/." + base + ".restore-"));
  ASSIGN_OR_RETURN(BackupManifest manifest, ExtractAndCheck(file, source, "", dir.path()));
  RETURN_IF_ERROR(
      WritePrivate(RestoreMarkerPath(common::NodePaths(dir.path())), RestoreMarkerText(manifest)));
  RETURN_IF_ERROR(FsyncDir(dir.path()));
  if (exists && rmdir(target_s.c_str()) != 0) {
    return absl::AlreadyExistsError(absl::StrCat(new_dir, ": cannot replace the empty directory"));
  }
  if (std::rename(dir.path().c_str(), target_s.c_str()) != 0) {
    return absl::InternalError(absl::StrCat(new_dir, ": cannot rename the restored copy to it"));
  }
  dir.Release();
  FsyncDir(parent).IgnoreError();
  return manifest;
}

}  // namespace fedlink::app
