#include "node/app/backup_archive.h"

#include <sodium.h>

#include <set>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "node/common/status_macros.h"

namespace fedlink::app {
namespace {

constexpr char kMagic[] = "fedlink backup v1\n";
constexpr char kManifestHeader[] = "fedlink backup manifest v1";
constexpr size_t kMaxDataKeyFile = 4096;
constexpr size_t kMaxFrame = kBackupChunkBytes + 4096 + crypto::kStreamOverhead;

bool PlainName(absl::string_view name) {
  if (name.empty() || name.size() > 128 || name[0] == '.') return false;
  for (char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') {
      return false;
    }
  }
  return true;
}

}  // namespace

bool IsBackupFileName(absl::string_view name) {
  if (absl::ConsumePrefix(&name, "cache/")) return PlainName(name);
  return PlainName(name);
}

std::string BackupManifest::Encode() const {
  std::string out =
      absl::StrCat(kManifestHeader, "\n", "created ", created, "\n", "node ", node_id, "\n");
  for (const auto& [file, version] : schema)
    absl::StrAppend(&out, "schema ", file, " ", version, "\n");
  absl::StrAppend(&out, "records ", records, "\n", "audit-entries ", audit_entries, "\n",
                  "audit-checkpoint ", audit_checkpoint_size, " ",
                  audit_checkpoint_root.empty() ? "-" : audit_checkpoint_root, "\n", "files ",
                  files, "\n");
  return out;
}

absl::StatusOr<BackupManifest> BackupManifest::Decode(absl::string_view what,
                                                      absl::string_view text) {
  const auto corrupt = [&](absl::string_view why) {
    return absl::DataLossError(absl::StrCat(what, ": corrupt manifest (", why, ")"));
  };
  std::vector<absl::string_view> lines = absl::StrSplit(text, '\n');
  if (lines.empty() || lines[0] != kManifestHeader || !lines.back().empty()) {
    return corrupt("header");
  }
  BackupManifest m;
  std::set<std::string> seen;
  for (size_t i = 1; i + 1 < lines.size(); ++i) {
    std::vector<absl::string_view> f = absl::StrSplit(lines[i], ' ');
    const std::string key(f[0]);
    bool ok = true;
    if (key == "created" && f.size() == 2) {
      ok = absl::SimpleAtoi(f[1], &m.created);
    } else if (key == "node" && f.size() == 2 && !f[1].empty()) {
      m.node_id = std::string(f[1]);
    } else if (key == "schema" && f.size() == 3 && IsBackupFileName(f[1])) {
      int v = 0;
      ok = absl::SimpleAtoi(f[2], &v);
      m.schema[std::string(f[1])] = v;
      continue;
    } else if (key == "records" && f.size() == 2) {
      ok = absl::SimpleAtoi(f[1], &m.records);
    } else if (key == "audit-entries" && f.size() == 2) {
      ok = absl::SimpleAtoi(f[1], &m.audit_entries);
    } else if (key == "audit-checkpoint" && f.size() == 3) {
      ok = absl::SimpleAtoi(f[1], &m.audit_checkpoint_size);
      if (f[2] != "-") m.audit_checkpoint_root = std::string(f[2]);
    } else if (key == "files" && f.size() == 2) {
      ok = absl::SimpleAtoi(f[1], &m.files);
    } else {
      return corrupt(absl::StrCat("line ", i + 1));
    }
    if (!ok || !seen.insert(key).second) return corrupt(absl::StrCat("line ", i + 1));
  }
  if (m.node_id.empty()) return corrupt("no node");
  return m;
}

bool BackupManifest::SameContent(const BackupManifest& o) const {
  return node_id == o.node_id && schema == o.schema && records == o.records &&
         audit_entries == o.audit_entries && audit_checkpoint_size == o.audit_checkpoint_size &&
         audit_checkpoint_root == o.audit_checkpoint_root;
}

std::unique_ptr<BackupWriter> BackupWriter::Start(std::FILE* out, const std::string& node_id,
                                                  absl::string_view data_key_file,
                                                  const crypto::DataKey& key,
                                                  const BackupManifest& manifest) {
  std::unique_ptr<BackupWriter> w(new BackupWriter());
  w->out_ = out;
  w->stream_ = crypto::StreamWriter::Start(*key.BackupStreamKey());
  const std::string prelude =
      absl::StrCat(kMagic, "node ", node_id, "\n", "data-key ", data_key_file.size(), "\n",
                   data_key_file, w->stream_->header());
  std::fwrite(prelude.data(), 1, prelude.size(), out);
  const std::string body = absl::StrCat("M", manifest.Encode());
  const std::string sealed = w->stream_->Push(body, false, prelude);
  const uint32_t n = static_cast<uint32_t>(sealed.size());
  unsigned char len[4] = {static_cast<unsigned char>(n), static_cast<unsigned char>(n >> 8),
                          static_cast<unsigned char>(n >> 16), static_cast<unsigned char>(n >> 24)};
  std::fwrite(len, 1, 4, out);
  std::fwrite(sealed.data(), 1, sealed.size(), out);
  return w;
}

absl::Status BackupWriter::Frame(char kind, absl::string_view body, bool final) {
  std::string message;
  message.reserve(body.size() + 1);
  message.push_back(kind);
  message.append(body.data(), body.size());
  const std::string sealed = stream_->Push(message, final);
  sodium_memzero(message.data(), message.size());
  const uint32_t n = static_cast<uint32_t>(sealed.size());
  unsigned char len[4] = {static_cast<unsigned char>(n), static_cast<unsigned char>(n >> 8),
                          static_cast<unsigned char>(n >> 16), static_cast<unsigned char>(n >> 24)};
  if (std::fwrite(len, 1, 4, out_) != 4 ||
      std::fwrite(sealed.data(), 1, sealed.size(), out_) != sealed.size()) {
    return absl::InternalError("write failed");
  }
  return absl::OkStatus();
}

absl::Status BackupWriter::AddFile(const std::string& name, absl::string_view content) {
  if (!IsBackupFileName(name)) return absl::InvalidArgumentError("not a node file name");
  RETURN_IF_ERROR(Frame('F', absl::StrCat(name, "\n", content.size())));
  for (size_t at = 0; at < content.size(); at += kBackupChunkBytes) {
    RETURN_IF_ERROR(Frame('D', content.substr(at, kBackupChunkBytes)));
  }
  ++files_;
  bytes_ += content.size();
  return absl::OkStatus();
}

absl::Status BackupWriter::Finish() {
  return Frame('E', absl::StrCat(files_, " ", bytes_), /*final=*/true);
}

absl::StatusOr<OpenedBackup> ReadBackup(
    const std::string& path, const config::KeySource& source, const std::string& node_id,
    const std::function<absl::Status(const std::string& name, std::string content)>& on_file) {
  const auto bad = [&](absl::string_view why) {
    return absl::DataLossError(absl::StrCat(path, ": ", why));
  };
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> in(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (in == nullptr) return absl::NotFoundError(absl::StrCat(path, ": cannot open"));
  std::string prelude;
  const auto read_line = [&](std::string* line) -> bool {
    line->clear();
    for (int c; (c = std::fgetc(in.get())) != EOF;) {
      if (line->size() > 512) return false;
      if (c == '\n') return true;
      line->push_back(static_cast<char>(c));
    }
    return false;
  };
  std::string line;
  if (!read_line(&line) || absl::StrCat(line, "\n") != kMagic) return bad("not a fedlink backup");
  absl::StrAppend(&prelude, line, "\n");
  OpenedBackup opened;
  if (!read_line(&line) || !absl::StartsWith(line, "node ") || line.size() == 5) {
    return bad("not a fedlink backup (node line)");
  }
  absl::StrAppend(&prelude, line, "\n");
  opened.node_id = line.substr(5);
  size_t key_size = 0;
  if (!read_line(&line) || !absl::StartsWith(line, "data-key ") ||
      !absl::SimpleAtoi(line.substr(9), &key_size) || key_size == 0 || key_size > kMaxDataKeyFile) {
    return bad("not a fedlink backup (data-key line)");
  }
  absl::StrAppend(&prelude, line, "\n");
  opened.data_key_file.assign(key_size, '\0');
  std::string header(crypto::kStreamHeaderSize, '\0');
  if (std::fread(opened.data_key_file.data(), 1, key_size, in.get()) != key_size ||
      std::fread(header.data(), 1, header.size(), in.get()) != header.size()) {
    return bad("truncated");
  }
  absl::StrAppend(&prelude, opened.data_key_file, header);
  if (!node_id.empty() && opened.node_id != node_id) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": a backup of node ", opened.node_id, ", not of ", node_id));
  }
  ASSIGN_OR_RETURN(opened.data_key,
                   config::OpenDataKeyText(absl::StrCat(path, ": its data key"),
                                           opened.data_key_file, opened.node_id, source));
  ASSIGN_OR_RETURN(auto reader,
                   crypto::StreamReader::Start(*opened.data_key->BackupStreamKey(), header));
  uint64_t frame_index = 0;
  const auto next = [&](std::string* message) -> absl::Status {
    unsigned char len[4];
    if (reader->finished()) return absl::InternalError("read past the end");
    if (std::fread(len, 1, 4, in.get()) != 4) return bad("truncated (no end of stream)");
    const uint32_t n = len[0] | (len[1] << 8) | (len[2] << 16) | (uint32_t{len[3]} << 24);
    if (n > kMaxFrame) return bad(absl::StrCat("frame ", frame_index, ": too long"));
    std::string sealed(n, '\0');
    if (std::fread(sealed.data(), 1, n, in.get()) != n) return bad("truncated (no end of stream)");
    auto m = reader->Pull(sealed, frame_index == 0 ? absl::string_view(prelude) : "");
    if (!m.ok()) {
      return bad(absl::StrCat("frame ", frame_index,
                              " does not open (altered, or a prelude from another backup)"));
    }
    if (m->empty()) return bad(absl::StrCat("frame ", frame_index, ": empty"));
    ++frame_index;
    *message = *std::move(m);
    return absl::OkStatus();
  };
  std::string message;
  RETURN_IF_ERROR(next(&message));
  if (message[0] != 'M') return bad("no manifest first");
  ASSIGN_OR_RETURN(opened.manifest,
                   BackupManifest::Decode(path, absl::string_view(message).substr(1)));
  if (opened.manifest.node_id != opened.node_id) return bad("manifest of another node");
  std::set<std::string> names;
  uint64_t files = 0, bytes = 0;
  while (true) {
    RETURN_IF_ERROR(next(&message));
    if (message[0] == 'E') {
      if (!reader->finished()) return bad("end frame without the final tag");
      if (message.substr(1) != absl::StrCat(files, " ", bytes)) return bad("end frame count");
      break;
    }
    if (reader->finished()) return bad("final tag before the end frame");
    if (message[0] != 'F') return bad(absl::StrCat("frame ", frame_index - 1, ": not a file"));
    std::vector<std::string> f = absl::StrSplit(message.substr(1), '\n');
    uint64_t size = 0;
    if (f.size() != 2 || !IsBackupFileName(f[0]) || !absl::SimpleAtoi(f[1], &size) ||
        !names.insert(f[0]).second) {
      return bad(absl::StrCat("frame ", frame_index - 1, ": bad file entry"));
    }
    std::string content;
    while (content.size() < size) {
      RETURN_IF_ERROR(next(&message));
      if (message[0] != 'D' || reader->finished() || content.size() + message.size() - 1 > size) {
        return bad(absl::StrCat("frame ", frame_index - 1, ": bad file content"));
      }
      content.append(message, 1, std::string::npos);
    }
    ++files;
    bytes += size;
    RETURN_IF_ERROR(on_file(f[0], std::move(content)));
  }
  if (std::fgetc(in.get()) != EOF) return bad("bytes after the end of the stream");
  if (files != opened.manifest.files) return bad("file count differs from the manifest");
  return opened;
}

}  // namespace fedlink::app
