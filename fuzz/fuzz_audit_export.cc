// Fuzz target: audit exports as an auditor reads them (`fedlink audit
// verify` and `audit report`: audit::VerifyExport, app::ReviewExports,
// app::RenderAuditReport). The first byte picks:
//   0: the bytes are an export file, verified as they are (alone, and
//      against the fixed node key and witness);
//   1: the bytes are a fedlink.v1.AuditExport whose entries are kept and
//      whose checkpoints and cosignatures are made here, honestly, by the
//      fixed node and witness keys at the sizes the input names: such an
//      export verifies exactly when every entry it covers is an AuditEntry,
//      and it is reviewed and reported beside a second node's export of the
//      same entries (so the join runs).
// The HTML report carries no tag but the report's own: whatever an entry
// holds is escaped.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "crypto/checkpoint.h"
#include "crypto/merkle.h"
#include "crypto/signed_note.h"
#include "fedlink/v1/audit.pb.h"
#include "fuzz/fuzz_support.h"
#include "node/app/audit_report.h"
#include "node/app/audit_review.h"
#include "node/audit/audit_log.h"

namespace fedlink::fuzz {
namespace {

const crypto::SigningKey& NodeKey() {
  static const auto* const key = FixedKey("fuzz-node", 6).release();
  return *key;
}
const crypto::SigningKey& PeerKey() {
  static const auto* const key = FixedKey("fuzz-peer-node", 7).release();
  return *key;
}
const crypto::SigningKey& WitnessKey() {
  static const auto* const key = FixedKey("fuzz-witness", 4).release();
  return *key;
}

// Every tag the report writes itself.
void CheckReport(const std::string& html) {
  static const std::set<std::string> kTags = {
      "!doctype", "html",    "head",     "meta",   "title",  "style",  "body",   "h1",
      "h2",       "h3",      "p",        "table",  "tr",     "th",     "td",     "span",
      "ul",       "li",      "code",     "div",    "svg",    "rect",   "line",   "text",
      "g",        "path",    "polyline", "circle", "small",  "b",      "br",     "thead",
      "tbody",    "details", "summary",  "pre",    "em",     "strong", "a",      "nav",
      "form",     "label",   "input",    "select", "option", "button", "script", "section"};
  for (size_t at = html.find('<'); at != std::string::npos; at = html.find('<', at + 1)) {
    size_t end = at + 1;
    if (end < html.size() && html[end] == '/') ++end;
    const size_t start = end;
    while (end < html.size() &&
           (absl::ascii_isalnum(static_cast<unsigned char>(html[end])) || html[end] == '!')) {
      ++end;
    }
    const std::string tag = absl::AsciiStrToLower(html.substr(start, end - start));
    FUZZ_CHECK(kTags.count(tag) > 0, "the report has a tag it does not write itself");
  }
}

void Review(const std::vector<app::ExportFile>& files) {
  const app::AuditReview review = app::ReviewExports(files, nullptr);
  FUZZ_CHECK(review.logs.size() == files.size(), "a review that lost an export");
  CheckReport(app::RenderAuditReport(review, FixedNow()));
}

void Raw(absl::string_view bytes) {
  (void)audit::VerifyExport(bytes);
  const std::string witness = WitnessKey().VerifierKey();
  (void)audit::VerifyExport(bytes, NodeKey().VerifierKey(), {{"fuzz-witness", witness}});
  Review({{"raw.audit", std::string(bytes)}});
}

// An honest export by `key` of `entries` with checkpoints at `sizes`
// (increasing, the last = entries.size()), each cosigned by the witness.
std::string Honest(const crypto::SigningKey& key, const std::vector<std::string>& entries,
                   const std::vector<uint64_t>& sizes) {
  fedlink::v1::AuditExport out;
  out.set_node_id(key.name());
  out.set_identity_vkey(key.VerifierKey());
  std::vector<std::string> leaves;
  for (const std::string& e : entries) {
    out.add_entries(e);
    leaves.push_back(crypto::merkle::LeafHash(e));
  }
  for (uint64_t size : sizes) {
    crypto::checkpoint::Checkpoint cp;
    cp.origin = key.name();
    cp.size = size;
    cp.root_hash = crypto::merkle::RootHash(absl::MakeConstSpan(leaves).subspan(0, size));
    auto note = crypto::checkpoint::Sign(cp, key);
    FUZZ_CHECK(note.ok(), "cannot sign a checkpoint");
    out.add_checkpoints(*note);
    const crypto::note::SignatureLine line =
        crypto::checkpoint::Cosign(cp, WitnessKey(), 1893456000 + size);
    auto cosigned = crypto::note::AddSignatures(*note, {line});
    FUZZ_CHECK(cosigned.ok(), "cannot cosign a checkpoint");
    auto* c = out.add_cosigned();
    c->set_size(size);
    c->set_witness_vkey(WitnessKey().VerifierKey());
    c->set_note(*cosigned);
  }
  return out.SerializeAsString();
}

void Structured(absl::string_view bytes) {
  fedlink::v1::AuditExport in;
  if (!in.ParseFromString(std::string(bytes))) return;
  std::vector<std::string> entries(in.entries().begin(), in.entries().end());
  if (entries.size() > 256) entries.resize(256);
  std::set<uint64_t> chosen = {entries.size()};
  for (const auto& c : in.cosigned()) chosen.insert(std::min<uint64_t>(c.size(), entries.size()));
  if (entries.empty()) chosen = {0};
  chosen.erase(0);
  std::vector<uint64_t> sizes(chosen.begin(), chosen.end());
  if (sizes.empty()) sizes = {0};
  if (sizes.size() > 16) sizes.erase(sizes.begin() + 15, sizes.end() - 1);  // signing is slow
  const std::string mine = Honest(NodeKey(), entries, sizes);
  bool all_parse = true;
  for (const std::string& e : entries)
    all_parse = all_parse && fedlink::v1::AuditEntry().ParseFromString(e);
  auto verified = audit::VerifyExport(mine, NodeKey().VerifierKey(),
                                      {{"fuzz-witness", WitnessKey().VerifierKey()}});
  FUZZ_CHECK(verified.ok() == all_parse, "an honest export that does not verify");
  if (verified.ok()) {
    FUZZ_CHECK(verified->entries == entries.size() && verified->checkpoints == sizes.size() &&
                   verified->witnesses.size() == sizes.size(),
               "a verified export that counts other than it holds");
  }
  Review({{"node.audit", mine}, {"peer.audit", Honest(PeerKey(), entries, sizes)}});
}

}  // namespace
}  // namespace fedlink::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return fedlink::fuzz::ByFirstByte(data, size, fedlink::fuzz::Raw, fedlink::fuzz::Structured);
}
