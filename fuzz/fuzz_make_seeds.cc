// Writes the seed inputs of the fuzz targets whose input is binary or
// signed (fuzz/corpus/TARGET/*), from real structures made by fedlink's own
// code with the targets' fixed keys. Run by `tests/fuzz.sh --make-seeds`;
// its output is committed, so the seeds stay the same between runs (only a
// change of format needs them made again). The text targets' seeds are
// written by hand.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "crypto/checkpoint.h"
#include "crypto/merkle.h"
#include "crypto/oprf.h"
#include "crypto/signed_envelope.h"
#include "crypto/signed_note.h"
#include "fedlink/v1/audit.pb.h"
#include "fedlink/v1/federation.pb.h"
#include "fedlink/v1/match.pb.h"
#include "fuzz/fuzz_support.h"
#include "fuzz/tag_table_fixture.h"
#include "google/protobuf/text_format.h"
#include "node/common/node_paths.h"
#include "node/common/whole_file.h"
#include "node/federation/roster.h"
#include "node/private_match/table_cache.h"

namespace fedlink::fuzz {
namespace {

std::string out_dir;

void Write(const std::string& target, const std::string& name, const std::string& bytes) {
  const std::string dir = absl::StrCat(out_dir, "/", target);
  std::filesystem::create_directories(dir);
  std::ofstream(absl::StrCat(dir, "/", name), std::ios::binary | std::ios::trunc) << bytes;
}

std::string Mode(int mode, const std::string& rest) {
  return std::string(1, static_cast<char>(mode)) + rest;
}

fedlink::v1::RosterEntry Entry(const std::string& id, uint8_t seed, const std::string& role) {
  auto key = FixedKey(id, seed);
  fedlink::v1::RosterEntry e;
  e.set_node_id(id);
  e.set_organisation(absl::StrCat("Org ", id));
  e.set_role(role);
  e.set_endpoint("127.0.0.1:7443");
  e.set_identity_vkey(key->VerifierKey());
  e.set_tls_cert_sha256(std::string(64, 'a'));
  e.set_epoch_days(7);
  e.set_max_table_records(1000);
  return e;
}

void Roster() {
  auto federation_key = FixedKey("fuzz-federation/roster", 1);
  fedlink::v1::Roster roster;
  roster.set_federation_id("fuzz-federation");
  roster.set_version(3);
  roster.set_issued_at(absl::ToUnixSeconds(FixedNow()) - 3600);
  roster.set_expires_at(absl::ToUnixSeconds(FixedNow()) + 86400 * 30);
  *roster.add_members() = Entry("police-1", 10, "agency");
  *roster.add_members() = Entry("ngo-1", 11, "ngo");
  *roster.add_members() = Entry("audit-1", 12, "auditor");
  const std::string body = roster.SerializeAsString();
  Write("fuzz_roster", "envelope",
        Mode(0, *crypto::envelope::Seal(*federation_key, federation::kRosterContext, body)));
  Write("fuzz_roster", "body", Mode(1, body));
  std::string text;
  google::protobuf::TextFormat::PrintToString(Entry("shelter-1", 13, "ngo"), &text);
  Write("fuzz_roster", "request", Mode(2, "# fedlink membership request\n" + text));
}

void Signed() {
  auto key = FixedKey("fuzz-signer", 2);
  Write("fuzz_signed", "envelope",
        Mode(0, *crypto::envelope::Seal(*key, "fedlink.v1.Roster", "roster body bytes")));
  Write("fuzz_signed", "seal", Mode(1, "fedlink.v1.EvaluateRequest\nbody\x01\x02"));
  const std::string note = *crypto::note::Sign("fuzz-log\n5\nabc\n", *key);
  Write("fuzz_signed", "note", Mode(2, note));
  auto other = FixedKey("other-key", 9);
  Write("fuzz_signed", "note-two-signatures",
        Mode(2, *crypto::note::AddSignatures(
                    note, {{other->name(), other->key_id(), other->Sign("fuzz-log\n5\nabc\n")}})));
  Write("fuzz_signed", "sign", Mode(3, "origin\n1\ntext\n"));
  Write("fuzz_signed", "vkey", Mode(4, key->VerifierKey()));
}

crypto::checkpoint::Checkpoint Checkpoint(uint64_t size) {
  std::vector<std::string> leaves;
  for (uint64_t i = 0; i < size; ++i) leaves.push_back(crypto::merkle::LeafHash(std::to_string(i)));
  crypto::checkpoint::Checkpoint cp;
  cp.origin = "fuzz-log";
  cp.size = size;
  cp.root_hash = crypto::merkle::RootHash(leaves);
  return cp;
}

void Checkpoints() {
  auto log = FixedKey("fuzz-log", 3);
  auto witness = FixedKey("fuzz-witness", 4);
  crypto::checkpoint::Checkpoint cp = Checkpoint(7);
  cp.extensions = {"ext line"};
  Write("fuzz_checkpoint", "body", Mode(0, cp.Body()));
  const std::string note = *crypto::checkpoint::Sign(cp, *log);
  Write("fuzz_checkpoint", "note", Mode(1, note));
  const auto line = crypto::checkpoint::Cosign(cp, *witness, 1893456000);
  Write("fuzz_checkpoint", "cosigned", Mode(2, *crypto::note::AddSignatures(note, {line})));
  std::string proofs(1, '\x03');
  for (int i = 0; i < 40; ++i) proofs.push_back(static_cast<char>(i * 7));
  Write("fuzz_checkpoint", "proofs", proofs);
  std::string big(1, '\x03');
  big += std::string(8, '\xff') + std::string(8, '\x80') + std::string(8, '\x01');
  Write("fuzz_checkpoint", "proofs-large-sizes", big);
}

std::string Frame(const std::string& chunk) {
  std::string out;
  out.push_back(static_cast<char>(chunk.size() >> 8));
  out.push_back(static_cast<char>(chunk.size() & 0xff));
  return out + chunk;
}

fedlink::v1::TableChunk Chunk(const private_match::Table& table) {
  const TableFixture& f = Fixture();
  fedlink::v1::TableChunk c;
  c.set_request_sha256(f.request_digest);
  c.set_table_id(table.table_id);
  c.set_t(table.t);
  c.set_version(table.version);
  c.set_as_of(table.as_of);
  c.set_min_score(table.min_score);
  return c;
}

void TagTable() {
  const TableFixture& f = Fixture();
  // The whole table in two chunks.
  fedlink::v1::TableChunk first = Chunk(f.held), second = Chunk(f.held);
  first.set_total_slots(f.held.slots.size());
  second.set_total_slots(f.held.slots.size());
  for (size_t i = 0; i < f.held.slots.size(); ++i) {
    auto* s = (i < 2 ? first : second).add_slots();
    s->set_id(f.held.slots[i].id);
    s->set_entries(f.held.slots[i].entries);
    s->set_sealed_payload(f.held.slots[i].sealed_payload);
  }
  second.set_first_slot(2);
  second.set_last(true);
  Write("fuzz_tag_table", "full-table",
        Mode(0, Frame(first.SerializeAsString()) + Frame(second.SerializeAsString())));
  // A delta: drop one slot, replace one.
  fedlink::v1::TableChunk delta = Chunk(f.held);
  delta.set_version(f.held.version + 2);
  delta.set_delta(true);
  delta.add_removed(f.held.slots[0].id);
  delta.set_slots_after(f.held.slots.size() - 1);
  delta.set_total_slots(1);
  auto* s = delta.add_slots();
  s->set_id(f.held.slots[1].id);
  s->set_entries(f.held.slots[1].entries);
  s->set_sealed_payload(f.held.slots[1].sealed_payload);
  delta.set_last(true);
  Write("fuzz_tag_table", "delta", Mode(0, Frame(delta.SerializeAsString())));
  // The cache file as the requester's cache writes it (a paged table in
  // the clear: pages checksummed, node without a data key), under the name
  // the target gives it (the name is bound into every page).
  const std::string scratch = absl::StrCat(out_dir, "/.cache-seed");
  const private_match::TableCache cache(scratch);
  std::filesystem::create_directories(common::NodePaths(scratch).table_cache_dir());
  if (absl::Status s = cache.Put(kTablePeer, kTablePurpose, f.held, FixedNow() - absl::Minutes(1));
      !s.ok()) {
    std::fprintf(stderr, "fuzz_make_seeds: %s\n", std::string(s.message()).c_str());
    std::exit(1);
  }
  auto bytes = common::ReadWholeFile(absl::StrCat(common::NodePaths(scratch).table_cache_dir(), "/",
                                                  kTablePeer, "~", kTablePurpose, ".table"));
  std::filesystem::remove_all(scratch);
  if (!bytes.ok()) {
    std::fprintf(stderr, "fuzz_make_seeds: the cache seed was not written\n");
    std::exit(1);
  }
  Write("fuzz_tag_table", "cache", Mode(1, *bytes));
}

void AuditExport() {
  auto node = FixedKey("fuzz-node", 6);
  auto witness = FixedKey("fuzz-witness", 4);
  fedlink::v1::AuditExport out;
  out.set_node_id(node->name());
  out.set_identity_vkey(node->VerifierKey());
  std::vector<std::string> leaves;
  const char* events[] = {"match.table.served", "match.evaluate.answered", "records.import"};
  for (int i = 0; i < 5; ++i) {
    fedlink::v1::AuditEntry e;
    e.set_event(events[i % 3]);
    e.set_time_unix_micros(1893456000000000 + i);
    e.set_requester(i % 2 == 0 ? "fuzz-peer-node" : "fuzz-node");
    e.set_responder(i % 2 == 0 ? "fuzz-node" : "fuzz-peer-node");
    e.set_exchange_id(std::string(64, static_cast<char>('a' + i)));
    e.set_purpose("victim-dedup");
    e.set_count(10 * i);
    e.set_outcome(i == 4 ? "RESOURCE_EXHAUSTED: budget spent" : "ok");
    e.set_detail("budget left 90; rule #1");
    out.add_entries(e.SerializeAsString());
    leaves.push_back(crypto::merkle::LeafHash(out.entries(i)));
  }
  for (uint64_t size : {2, 5}) {
    crypto::checkpoint::Checkpoint cp;
    cp.origin = node->name();
    cp.size = size;
    cp.root_hash = crypto::merkle::RootHash(absl::MakeConstSpan(leaves).subspan(0, size));
    const std::string note = *crypto::checkpoint::Sign(cp, *node);
    out.add_checkpoints(note);
    auto* c = out.add_cosigned();
    c->set_size(size);
    c->set_witness_vkey(witness->VerifierKey());
    c->set_note(*crypto::note::AddSignatures(
        note, {crypto::checkpoint::Cosign(cp, *witness, 1893456000 + size)}));
  }
  Write("fuzz_audit_export", "export", Mode(0, out.SerializeAsString()));
  Write("fuzz_audit_export", "structured", Mode(1, out.SerializeAsString()));
}

void OprfBatch() {
  // The responder's batches carry a key type byte before each element.
  std::string elements, typed;
  for (int i = 0; i < 4; ++i) {
    auto b = crypto::oprf::Blind(absl::StrCat("fedlink/keyspec/v1|phone|+4477009000", i));
    const std::string e(reinterpret_cast<const char*>(b->element.data()), b->element.size());
    elements.append(e);
    typed.push_back(static_cast<char>(i));
    typed.append(e);
  }
  Write("fuzz_oprf_batch", "respond", Mode(0, typed));
  Write("fuzz_oprf_batch", "finalize", Mode(1, elements));
  Write("fuzz_oprf_batch", "respond-identity", Mode(0, typed + std::string(33, '\0')));
}

}  // namespace
}  // namespace fedlink::fuzz

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: fuzz_make_seeds CORPUS_DIR\n");
    return 2;
  }
  fedlink::fuzz::out_dir = argv[1];
  fedlink::fuzz::Roster();
  fedlink::fuzz::Signed();
  fedlink::fuzz::Checkpoints();
  fedlink::fuzz::TagTable();
  fedlink::fuzz::AuditExport();
  fedlink::fuzz::OprfBatch();
  return 0;
}
