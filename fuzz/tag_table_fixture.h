// What fuzz_tag_table and fuzz_make_seeds agree on: the peer, purpose and
// epoch a fetched table must be of, the digest of "our" request, a held
// table built by the real BuildTable (deltas apply to it), the peer's OPRF
// key (the transport evaluates with it) and the queries matched against
// what arrives.
#ifndef FEDLINK_FUZZ_TAG_TABLE_FIXTURE_H_
#define FEDLINK_FUZZ_TAG_TABLE_FIXTURE_H_

#include <memory>
#include <string>
#include <vector>

#include "crypto/oprf.h"
#include "node/match/scorer.h"
#include "node/private_match/requester.h"
#include "node/private_match/tag_table.h"

namespace fedlink::fuzz {

inline constexpr char kTablePeer[] = "fuzz-peer";
inline constexpr char kTablePurpose[] = "victim-dedup";

struct TableFixture {
  std::string request_digest;  // 32 bytes
  std::string table_id;        // TableId(peer, purpose, epoch of FixedNow(), 0)
  std::string table_id_prefix;
  std::unique_ptr<crypto::oprf::OprfKey> key;
  private_match::Table held;           // three records, version 5
  std::vector<match::KeySet> queries;  // the first matches a held record
};

const TableFixture& Fixture();

// The peer as MatchAgainst sees it: blind evaluation with the fixture's key
// (one key for every key type, as the fixture's table is built).
class FixtureTransport : public private_match::PeerTransport {
 public:
  absl::StatusOr<private_match::Table> FetchTable(absl::string_view purpose) override;
  absl::Status Evaluate(absl::string_view purpose, absl::Span<const crypto::oprf::Element> blinded,
                        absl::Span<const match::keyspec::KeyType> key_types,
                        absl::Span<crypto::oprf::Element> out) override;
};

}  // namespace fedlink::fuzz

#endif  // FEDLINK_FUZZ_TAG_TABLE_FIXTURE_H_
