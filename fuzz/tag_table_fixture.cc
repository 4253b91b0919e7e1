#include "fuzz/tag_table_fixture.h"

#include "fedlink/v1/match.pb.h"
#include "fuzz/fuzz_support.h"
#include "node/match/keyspec.h"
#include "node/record/person.h"

namespace fedlink::fuzz {
namespace {

record::Person Someone(int i) {
  record::Person p;
  p.external_id = "case-" + std::to_string(i);
  p.role = record::Role::kVictim;
  p.given_name = i == 0 ? "Ana" : i == 1 ? "Maria" : "Lena";
  p.family_name = i == 0 ? "Lee" : i == 1 ? "Ivanova" : "Novak";
  p.dob = {1990 + i, 1 + i, 10 + i};
  p.phones = {"+4477009000" + std::to_string(10 + i)};
  p.emails = {"p" + std::to_string(i) + "@example.org"};
  return p;
}

TableFixture* Make() {
  auto* f = new TableFixture;
  f->request_digest = std::string(32, '\x07');
  const int64_t epoch = private_match::EpochAt(FixedNow());
  f->table_id = private_match::TableId(kTablePeer, kTablePurpose, epoch, 0);
  f->table_id_prefix = private_match::TableIdPrefix(kTablePeer, kTablePurpose, epoch);
  auto key = crypto::oprf::OprfKey::Derive(std::string(32, '\x05'), "fuzz-table");
  FUZZ_CHECK(key.ok(), "fixture key");
  f->key = *std::move(key);
  std::vector<private_match::SourceRecord> records;
  for (int i = 0; i < 3; ++i) {
    private_match::SourceRecord r;
    r.slot_id = 1000 + i;
    r.keys = match::keyspec::DeriveKeys(Someone(i), {});
    fedlink::v1::MatchPayload payload;
    payload.set_handle("h" + std::to_string(i));
    payload.set_role("victim");
    r.payload = payload.SerializeAsString();
    records.push_back(std::move(r));
  }
  auto table = private_match::BuildTable(*f->key, f->table_id, 2, records, 1);
  FUZZ_CHECK(table.ok(), "fixture table");
  f->held = *std::move(table);
  f->held.version = 5;
  f->held.as_of = absl::ToUnixSeconds(FixedNow()) - 3600;
  f->queries = {match::keyspec::DeriveKeys(Someone(0), {}),
                match::keyspec::DeriveKeys(Someone(7), {})};
  return f;
}

}  // namespace

const TableFixture& Fixture() {
  static const TableFixture* const fixture = Make();
  return *fixture;
}

absl::StatusOr<private_match::Table> FixtureTransport::FetchTable(absl::string_view) {
  return Fixture().held;
}

absl::Status FixtureTransport::Evaluate(absl::string_view,
                                        absl::Span<const crypto::oprf::Element> blinded,
                                        absl::Span<const match::keyspec::KeyType>,
                                        absl::Span<crypto::oprf::Element> out) {
  return Fixture().key->BlindEvaluateBatch(blinded, out, 1);
}

}  // namespace fedlink::fuzz
