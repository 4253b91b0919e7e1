// Fuzz target: a peer's tag table and its deltas as the requester takes
// them (node/private_match: TableAssembler, ApplyUpdate, TableIndex,
// MatchAgainst) and the table cache file (TableCache::Get). The first byte
// picks:
//   0: the chunks of one GetTagTable answer, each a 2-byte big-endian
//      length then a serialized TableChunk (signatures are MatchClient's to
//      check; this starts after them), for the fixture's request, peer and
//      epoch, with the fixture's table held;
//   1: the bytes of DIR/cache/PEER~PURPOSE.table (a paged table in the
//      clear, paged_table.h), matched against as read by page and whole.
// What is taken is applied to the held table, indexed, and the fixture's
// queries matched against it through the real blind evaluation with the
// peer's key. A delta that applies leaves the announced number of slots;
// every hit names a slot of the table and at least t agreeing keys.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

#include "fuzz/fuzz_support.h"
#include "fuzz/tag_table_fixture.h"
#include "node/common/node_paths.h"
#include "node/common/whole_file.h"
#include "node/private_match/table_assembler.h"
#include "node/private_match/table_cache.h"
#include "node/private_match/table_delta.h"

namespace fedlink::fuzz {
namespace {

namespace pm = private_match;

void CheckHits(const pm::PeerMatch& match, int t) {
  for (const pm::MatchHit& hit : match.hits) {
    FUZZ_CHECK(hit.query < Fixture().queries.size(), "a hit for no query");
    FUZZ_CHECK(hit.agreeing_keys >= t, "a hit below t");
    FUZZ_CHECK(!hit.handle.empty(), "a hit without a handle");
  }
}

void Match(pm::Table table) {
  auto index = pm::TableIndex::Build(std::move(table));
  if (!index.ok()) return;
  FixtureTransport peer;
  pm::MatchOptions options;
  options.threads = 1;
  auto match = pm::MatchAgainst(*index, peer, kTablePurpose, Fixture().queries, options);
  if (!match.ok()) return;
  CheckHits(*match, index->t());
}

void Chunks(absl::string_view in) {
  const TableFixture& f = Fixture();
  pm::TableAssembler assembler(
      {f.request_digest, f.table_id_prefix, 10'000'000, size_t{2} << 30, &f.held});
  while (in.size() >= 2) {
    const size_t n = (static_cast<uint8_t>(in[0]) << 8) | static_cast<uint8_t>(in[1]);
    in.remove_prefix(2);
    const absl::string_view chunk = in.substr(0, n);
    in.remove_prefix(chunk.size());
    if (!assembler.Add(chunk).ok()) return;
  }
  auto update = std::move(assembler).Finish();
  if (!update.ok()) return;
  const bool delta = update->delta;
  const uint64_t slots_after = update->slots_after;
  pm::Table held = f.held;
  if (!pm::ApplyUpdate(*std::move(update), &held).ok()) return;
  if (delta) FUZZ_CHECK(held.slots.size() == slots_after, "a delta that left other than announced");
  Match(std::move(held));
}

void Cache(absl::string_view bytes) {
  static const std::string* const dir = [] {
    auto* d = new std::string(ScratchDir() + "/node");
    const common::NodePaths paths(*d);
    std::filesystem::create_directories(paths.table_cache_dir());
    return d;
  }();
  const pm::TableCache cache(*dir);
  const std::string path =
      common::NodePaths(*dir).table_cache_dir() + "/" + kTablePeer + "~" + kTablePurpose + ".table";
  FUZZ_CHECK(common::WriteFileAtomically(path, bytes).ok(), "cannot write the cache file");
  // Left on disk, as a match reads it: only the pages the queries' tags
  // may be on (the pages' filters, then the pages themselves).
  auto paged = cache.GetPaged(kTablePeer, kTablePurpose, FixedNow(), absl::Hours(24 * 8));
  if (paged.ok() && paged->has_value()) {
    FixtureTransport peer;
    pm::MatchOptions options;
    options.threads = 1;
    auto match = pm::MatchAgainst((*paged)->table, peer, kTablePurpose, Fixture().queries, options);
    if (match.ok()) CheckHits(*match, (*paged)->table.header().t);
  }
  auto cached = cache.Get(kTablePeer, kTablePurpose, FixedNow(), absl::Hours(24 * 8));
  if (!cached.ok() || !cached->has_value()) return;
  FUZZ_CHECK((*cached)->table.table_id.rfind(Fixture().table_id_prefix, 0) == 0,
             "a cached table of another peer, purpose or epoch");
  Match(std::move((*cached)->table));
}

}  // namespace
}  // namespace fedlink::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return fedlink::fuzz::ByFirstByte(data, size, fedlink::fuzz::Chunks, fedlink::fuzz::Cache);
}
