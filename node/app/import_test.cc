// Importing records: all or nothing, upsert, stats, and the access-log
// entry for every attempt.
#include "node/app/import.h"

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node/app/records.h"
#include "node/app/test_app_federation.h"

namespace fedlink::app {
namespace {

using testing::AppFederation;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kHeader[] = "external_id,role,given_name,family_name,dob,phone\n";

class ImportTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& name, const std::string& text) {
    const std::string path = node().paths().dir + "/" + name;
    std::ofstream(path) << text;
    return path;
  }
  Node& node() { return fed_.node("ngo"); }
  uint64_t LogSize() { return (*node().AuditLog())->size(); }
  AppFederation fed_{{"ngo"}};
};

TEST_F(ImportTest, ImportsThenUpserts) {
  const std::string path = Write("in.csv", std::string(kHeader) +
                                               "N-1,victim,Maria,Ivanova,1990-04-12,\n"
                                               "N-2,suspect,Ivan,Petrov,,+44 7700 900009\n");
  const uint64_t entries = LogSize();
  auto first = ImportRecords(node(), {path, {}});
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->records, 2u);
  EXPECT_EQ(first->inserted, 2u);
  EXPECT_EQ(first->updated, 0u);
  EXPECT_EQ(first->total, 2u);
  EXPECT_GE(first->seconds, 0);
  EXPECT_EQ(LogSize(), entries + 1);

  auto again = ImportRecords(node(), {path, {}});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->inserted, 0u);
  EXPECT_EQ(again->updated, 2u);
  EXPECT_EQ(again->total, 2u);
}

TEST_F(ImportTest, ABadRowImportsNothingAndNamesTheLineNotTheValue) {
  const std::string path = Write("bad.csv", std::string(kHeader) +
                                                "N-1,victim,Maria,Ivanova,1990-04-12,\n"
                                                "N-2,victim,Ana,Popescu,1985-13-30,\n");
  const uint64_t entries = LogSize();
  auto report = ImportRecords(node(), {path, {}});
  EXPECT_TRUE(absl::IsInvalidArgument(report.status()));
  EXPECT_THAT(report.status().message(), HasSubstr("bad.csv:3: dob"));
  EXPECT_THAT(report.status().message(), Not(HasSubstr("1985")));
  EXPECT_EQ(CountRecords(node())->total, 0u);
  EXPECT_EQ(LogSize(), entries + 1);  // the failed attempt is logged too
}

TEST_F(ImportTest, ImpossibleDatesCanBeDroppedAndAreReported) {
  const std::string path = Write("dates.csv", std::string(kHeader) +
                                                  "N-1,victim,Maria,Ivanova,1990-04-12,\n"
                                                  "N-2,victim,Ana,Popescu,1985-13-30,\n"
                                                  "N-3,victim,Eva,Novak,1985-02-31,\n");
  ImportRequest request{path, {}};
  request.options.drop_bad_dates = true;
  auto report = ImportRecords(node(), request);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->total, 3u);
  EXPECT_THAT(report->dropped_date_lines, ElementsAre(3, 4));
}

TEST_F(ImportTest, DefaultRoleAndColumnMapApply) {
  const std::string path = Write("mapped.csv", "id,given_name,family_name\nN-7,Eva,Novak\n");
  ImportRequest request{path, {}};
  request.options.column_map = {{"id", "external_id"}};
  request.options.default_role = record::Role::kWitness;
  ASSERT_TRUE(ImportRecords(node(), request).ok());
  EXPECT_EQ(CountRecords(node())->by_role.at(record::Role::kWitness), 1u);
}

TEST_F(ImportTest, AMissingFileIsAnError) {
  auto report = ImportRecords(node(), {node().paths().dir + "/missing.csv", {}});
  EXPECT_FALSE(report.ok());
  EXPECT_THAT(report.status().message(), HasSubstr("missing.csv"));
}

TEST_F(ImportTest, RefusedWhenItCannotBeLogged) {
  const std::string path = Write("in.csv", std::string(kHeader) + "N-1,victim,Maria,Ivanova,,\n");
  auto unkeyed = Node::Open(node().paths().dir, {.load_identity = false});
  ASSERT_TRUE(unkeyed.ok());
  EXPECT_FALSE(ImportRecords(**unkeyed, {path, {}}).ok());
  EXPECT_EQ(CountRecords(node())->total, 0u);
}

// A file parsed in pieces over several threads and stored in sealed
// batches: the records are stored in file order (later duplicates replace
// earlier ones in place), and a bad row in the middle of a piece imports
// nothing and names its line.
TEST_F(ImportTest, ParallelPiecesStoreInFileOrderAndABadRowInTheMiddleStoresNothing) {
  std::string good = kHeader;
  for (int i = 0; i < 6000; ++i) {
    absl::StrAppend(&good, "P-", (i * 7919) % 6000, ",victim,Given", i, ",Family", i, ",1980-01-0",
                    1 + i % 9, ",\n");
  }
  absl::StrAppend(&good, "P-42,witness,Later,Row,,\n");  // replaces P-42 in place
  ImportRequest request{Write("many.csv", good), {}};
  request.options.threads = 3;
  request.options.piece_bytes = 2000;
  auto report = ImportRecords(node(), request);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->records, 6000u);
  EXPECT_EQ(report->inserted, 6000u);
  std::vector<record::Person> stored;
  ASSERT_TRUE(node()
                  .records()
                  .ForEach([&](const record::Person& p) {
                    stored.push_back(p);
                    return absl::OkStatus();
                  })
                  .ok());
  ASSERT_EQ(stored.size(), 6000u);
  for (int i = 0; i < 6000; ++i) {
    ASSERT_EQ(stored[i].external_id, absl::StrCat("P-", (i * 7919) % 6000)) << i;
  }
  const auto later = std::find_if(stored.begin(), stored.end(),
                                  [](const record::Person& p) { return p.external_id == "P-42"; });
  ASSERT_NE(later, stored.end());
  EXPECT_EQ(later->given_name, "Later");

  std::string bad = kHeader;
  for (int i = 0; i < 6000; ++i) {
    absl::StrAppend(&bad, "Q-", i, ",victim,G,F,", i == 3500 ? "1980-13-01" : "1980-01-01", ",\n");
  }
  request.path = Write("bad-middle.csv", bad);
  auto failed = ImportRecords(node(), request);
  EXPECT_TRUE(absl::IsInvalidArgument(failed.status()));
  EXPECT_THAT(failed.status().message(), HasSubstr("bad-middle.csv:3502: dob"));
  EXPECT_EQ(CountRecords(node())->total, 6000u);  // nothing of the bad file
  auto q = node().records().Get("Q-1");
  ASSERT_TRUE(q.ok());
  EXPECT_FALSE(q->has_value());
}

// The file is streamed into the store's transaction piece by piece: a bad
// row in the last piece, after every earlier piece was written, leaves the
// store as it was (records, store version, change log) and names its line.
// The same holds for JSONL, whose records repeat ids across pieces.
TEST_F(ImportTest, ABadRowInTheLastPieceAfterEarlierPiecesWereStreamedWritesNothing) {
  const ImportRequest keep{
      Write("first.csv", std::string(kHeader) + "KEEP-1,victim,Maria,Ivanova,,\n"), {}};
  ASSERT_TRUE(ImportRecords(node(), keep).ok());
  absl::flat_hash_set<std::string> changed;
  auto version_before = node().records().ForEachSince(
      0, &changed, [](const record::Person&) { return absl::OkStatus(); });
  ASSERT_TRUE(version_before.ok()) << version_before.status();
  const uint64_t log_before = LogSize();

  std::string csv = kHeader, jsonl;
  const int rows = 20000;
  for (int i = 0; i < rows; ++i) {
    const bool last = i == rows - 1;
    absl::StrAppend(&csv, "S-", i, ",victim,G,F,", last ? "1980-02-30" : "1980-01-01", ",\n");
    absl::StrAppend(&jsonl, R"({"external_id":"S-)", i % 15000, R"(","role":")",
                    last ? "boss" : "victim", R"(","given_name":"G"})", "\n");
  }
  ImportRequest request{Write("bad-last.csv", csv), {}};
  request.options.piece_bytes = 4096;  // about a hundred pieces
  auto failed = ImportRecords(node(), request);
  EXPECT_TRUE(absl::IsInvalidArgument(failed.status()));
  EXPECT_THAT(failed.status().message(),
              HasSubstr(absl::StrCat("bad-last.csv:", rows + 1, ": dob")));
  request.path = Write("bad-last.jsonl", jsonl);
  failed = ImportRecords(node(), request);
  EXPECT_TRUE(absl::IsInvalidArgument(failed.status()));
  EXPECT_THAT(failed.status().message(),
              HasSubstr(absl::StrCat("bad-last.jsonl:", rows, ": role")));
  EXPECT_THAT(failed.status().message(), Not(HasSubstr("boss")));

  EXPECT_EQ(CountRecords(node())->total, 1u);
  auto first = node().records().Get("S-0");
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(first->has_value());
  auto version_after = node().records().ForEachSince(
      0, &changed, [](const record::Person&) { return absl::OkStatus(); });
  ASSERT_TRUE(version_after.ok());
  EXPECT_EQ(*version_after, *version_before);
  EXPECT_EQ(changed.size(), 1u);         // KEEP-1's entry only
  EXPECT_EQ(LogSize(), log_before + 2);  // both failures are logged

  // Without the bad line the JSONL file imports: 15,000 distinct ids, the
  // repeats updating the earlier ones in their place.
  jsonl.resize(jsonl.rfind("{"));
  request.path = Write("good.jsonl", jsonl);
  auto report = ImportRecords(node(), request);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->records, 15000u);
  EXPECT_EQ(report->inserted, 15000u);
  EXPECT_EQ(report->updated, 0u);
  EXPECT_EQ(report->total, 15001u);
}

}  // namespace
}  // namespace fedlink::app
