// The CSV parse in pieces over several threads (ImportOptions::threads and
// piece_bytes) gives what a serial read gives: the same persons in the same
// order, the same first error with its line, the same dropped-date lines.
#include <map>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node/importer/csv_reader.h"
#include "node/importer/importer.h"

namespace fedlink::importer {
namespace {

using ::testing::HasSubstr;

constexpr char kHeader[] = "external_id,role,given_name,family_name,dob,phone,address\n";

// n rows, some with quoted fields holding line breaks and commas, some
// with CRLF line ends, some re-importing an earlier id, blank lines.
std::string ManyRows(int n) {
  std::string csv = kHeader;
  for (int i = 0; i < n; ++i) {
    const std::string id = absl::StrCat("X-", i % 7 == 6 ? i - 3 : i);  // every 7th repeats
    std::string address = i % 5 == 0 ? absl::StrCat("\"", i, " Main St,\nflat ", i, "\"")
                                     : absl::StrCat(i, " High St");
    absl::StrAppend(&csv, id, ",victim,Given", i, ",Family", i, ",19", 50 + i % 40, "-0", 1 + i % 9,
                    "-1", i % 9, ",+3809", 1000000 + i, ",", address, i % 3 == 0 ? "\r\n" : "\n");
    if (i % 11 == 0) csv += "\n";
  }
  return csv;
}

ImportOptions Pieces(int threads, size_t piece_bytes) {
  ImportOptions options;
  options.threads = threads;
  options.piece_bytes = piece_bytes;
  return options;
}

TEST(ParallelImportTest, PiecesGiveTheSerialResultInOrder) {
  const std::string csv = ManyRows(3000);
  auto serial = ParsePersons(csv, "a.csv", Pieces(1, 0));
  ASSERT_TRUE(serial.ok()) << serial.status();
  ASSERT_GT(serial->size(), 2000u);
  for (int threads : {2, 4}) {
    for (size_t piece_bytes : {size_t{1}, size_t{100}, size_t{4096}}) {
      auto parallel = ParsePersons(csv, "a.csv", Pieces(threads, piece_bytes));
      ASSERT_TRUE(parallel.ok()) << parallel.status();
      ASSERT_EQ(parallel->size(), serial->size());
      for (size_t i = 0; i < serial->size(); ++i) {
        ASSERT_EQ((*parallel)[i], (*serial)[i]) << "row " << i << " threads " << threads;
      }
    }
  }
  // The order is the file's (first appearance of each id).
  EXPECT_EQ((*serial)[0].external_id, "X-0");
  EXPECT_EQ((*serial)[1].external_id, "X-1");
}

TEST(ParallelImportTest, ABadRowInTheMiddleNamesItsLineAndReturnsNothing) {
  std::string csv = ManyRows(2000);
  // Break the row on one line in the middle with an impossible month, and
  // another one later: the first is the one reported, as serially.
  const std::vector<std::string> lines = absl::StrSplit(csv, '\n');
  int target = 0, later = 0;
  for (size_t i = lines.size() / 2; i < lines.size(); ++i) {
    if (absl::StartsWith(lines[i], "X-") && target == 0) target = static_cast<int>(i) + 1;
    if (absl::StartsWith(lines[i], "X-") && i > lines.size() * 3 / 4) {
      later = static_cast<int>(i) + 1;
      break;
    }
  }
  ASSERT_GT(target, 0);
  ASSERT_GT(later, target);
  std::string broken;
  int line = 1;
  for (const std::string& l : lines) {
    std::string copy = l;
    if (line == target || line == later) {
      const size_t dob = copy.find(",19");
      copy.replace(dob + 6, 3, "-13");  // 19YY-13-DD
    }
    absl::StrAppend(&broken, copy, line < static_cast<int>(lines.size()) ? "\n" : "");
    ++line;
  }
  auto serial = ParsePersons(broken, "a.csv", Pieces(1, 0));
  ASSERT_FALSE(serial.ok());
  EXPECT_THAT(serial.status().message(), HasSubstr(absl::StrCat("a.csv:", target, ": dob")));
  for (int threads : {2, 4}) {
    for (size_t piece_bytes : {size_t{1}, size_t{512}}) {
      auto parallel = ParsePersons(broken, "a.csv", Pieces(threads, piece_bytes));
      ASSERT_FALSE(parallel.ok());
      EXPECT_EQ(parallel.status(), serial.status()) << "threads " << threads;
    }
  }
}

TEST(ParallelImportTest, BadQuotingIsReportedAsSerially) {
  // An unterminated quote in the middle: the quote count no longer matches
  // rows after it, but the piece holding it fails first.
  std::string csv = ManyRows(500);
  const size_t middle = csv.find("\nX-250,");
  ASSERT_NE(middle, std::string::npos);
  std::string stray = csv;
  stray.insert(stray.find(",Given", middle) + 3, "\"");  // a quote inside an unquoted field
  std::string unterminated = csv;
  unterminated.insert(unterminated.find(",Given", middle) + 1, "\"");
  for (const std::string& text : {stray, unterminated}) {
    auto serial = ParsePersons(text, "q.csv", Pieces(1, 0));
    ASSERT_FALSE(serial.ok());
    for (size_t piece_bytes : {size_t{1}, size_t{300}}) {
      auto parallel = ParsePersons(text, "q.csv", Pieces(2, piece_bytes));
      ASSERT_FALSE(parallel.ok());
      EXPECT_EQ(parallel.status(), serial.status());
    }
  }
}

TEST(ParallelImportTest, DroppedDateLinesAreInFileOrder) {
  std::string csv = kHeader;
  std::vector<int> bad;
  for (int i = 0; i < 400; ++i) {
    const bool impossible = i % 37 == 0;
    if (impossible) bad.push_back(i + 2);
    absl::StrAppend(&csv, "D-", i, ",victim,G,F,", impossible ? "1937-12-33" : "1937-12-03",
                    ",,\n");
  }
  ImportOptions::Stats stats;
  ImportOptions options = Pieces(3, 64);
  options.drop_bad_dates = true;
  options.stats = &stats;
  auto persons = ParsePersons(csv, "d.csv", options);
  ASSERT_TRUE(persons.ok()) << persons.status();
  EXPECT_EQ(persons->size(), 400u);
  EXPECT_EQ(stats.dropped_date_lines, bad);
}

TEST(SplitCsvRowsTest, CutsOnlyBetweenRowsWithTheirLines) {
  const std::string text = "a,b\n\"x\ny\",1\nc,2\n\nd,3\n";
  const std::vector<CsvPiece> pieces = SplitCsvRows(text, 4, 2, 1);
  // Cuts after "\"x\ny\",1\n" (line 2-3), "c,2\n", "\n"; never inside quotes.
  ASSERT_EQ(pieces.size(), 4u);
  EXPECT_EQ(text.substr(pieces[0].begin, pieces[0].end - pieces[0].begin), "\"x\ny\",1\n");
  EXPECT_EQ(pieces[0].first_line, 2);
  EXPECT_EQ(pieces[1].first_line, 4);
  EXPECT_EQ(pieces[2].first_line, 5);
  EXPECT_EQ(pieces[3].first_line, 6);
  EXPECT_EQ(pieces.back().end, text.size());
  // A bare CR line end is counted by CsvReader only: one piece.
  EXPECT_EQ(SplitCsvRows("a\rb\nc\n", 0, 1, 1).size(), 1u);
}

// The JSONL lines of ManyRows's records (every 7th repeating an id, blank
// lines), with the line of `bad_at` given an impossible month.
std::string ManyJsonLines(int n, int bad_at = -1) {
  std::string jsonl;
  for (int i = 0; i < n; ++i) {
    const std::string id = absl::StrCat("X-", i % 7 == 6 ? i - 3 : i);
    absl::StrAppend(&jsonl, R"({"external_id":")", id, R"(","role":"victim","given_name":"Given)",
                    i, R"(","dob":"19)", 50 + i % 40, i == bad_at ? "-13" : "-01",
                    R"(-11","phone":["+3809)", 1000000 + i, R"(","+44"]})",
                    i % 3 == 0 ? "\r\n" : "\n");
    if (i % 11 == 0) jsonl += "\n";
  }
  return jsonl;
}

TEST(ParallelImportTest, JsonlPiecesGiveTheSerialResultAndFirstError) {
  ImportOptions serial_options = Pieces(1, 0);
  serial_options.format = "jsonl";
  const std::string jsonl = ManyJsonLines(3000);
  auto serial = ParsePersons(jsonl, "a.jsonl", serial_options);
  ASSERT_TRUE(serial.ok()) << serial.status();
  ASSERT_GT(serial->size(), 2000u);
  const std::string broken = ManyJsonLines(3000, 2000);
  auto serial_error = ParsePersons(broken, "a.jsonl", serial_options);
  ASSERT_FALSE(serial_error.ok());
  EXPECT_THAT(serial_error.status().message(), HasSubstr("a.jsonl:"));
  for (int threads : {2, 4}) {
    for (size_t piece_bytes : {size_t{1}, size_t{700}, size_t{4096}}) {
      ImportOptions options = Pieces(threads, piece_bytes);
      options.format = "jsonl";
      auto parallel = ParsePersons(jsonl, "a.jsonl", options);
      ASSERT_TRUE(parallel.ok()) << parallel.status();
      EXPECT_EQ(*parallel, *serial) << threads << " threads, pieces of " << piece_bytes;
      EXPECT_EQ(ParsePersons(broken, "a.jsonl", options).status(), serial_error.status());
    }
  }
}

// The records PersonsReader hands out piece by piece, merged as the store
// merges them (a repeated id replaces the earlier record in its place), are
// ParsePersons's; a bad row fails the Next that reaches it with the same
// error, after the pieces before it were given.
TEST(PersonsReaderTest, PiecesMergedAreParsePersonsAndTheFirstErrorIsTheSame) {
  for (const std::string format : {"csv", "jsonl"}) {
    const std::string good = format == "csv" ? ManyRows(3000) : ManyJsonLines(3000);
    std::string bad = good;
    if (format == "csv") {
      bad.insert(bad.rfind("\nX-") + 1, "X-bad,nobody,G,F,,,\n");
    } else {
      bad = ManyJsonLines(3000, 2990);
    }
    for (int threads : {1, 3}) {
      ImportOptions options = Pieces(threads, 512);
      options.format = format;
      auto expected = ParsePersons(good, "r", options);
      auto expected_error = ParsePersons(bad, "r", options);
      ASSERT_TRUE(expected.ok()) << expected.status();
      ASSERT_FALSE(expected_error.ok());

      auto reader = PersonsReader::FromText(good, "r", options);
      ASSERT_TRUE(reader.ok()) << reader.status();
      std::vector<record::Person> merged, batch;
      std::map<std::string, size_t> index;
      int pieces = 0;
      while (true) {
        auto more = (*reader)->Next(&batch);
        ASSERT_TRUE(more.ok()) << more.status();
        if (!*more) break;
        ++pieces;
        for (record::Person& p : batch) {
          auto [it, inserted] = index.emplace(p.external_id, merged.size());
          if (inserted) {
            merged.push_back(std::move(p));
          } else {
            merged[it->second] = std::move(p);
          }
        }
      }
      EXPECT_GT(pieces, 50) << format;
      EXPECT_EQ(merged, *expected) << format;

      auto bad_reader = PersonsReader::FromText(bad, "r", options);
      ASSERT_TRUE(bad_reader.ok());
      absl::Status status;
      int given = 0;
      while (status.ok()) {
        auto more = (*bad_reader)->Next(&batch);
        status = more.status();
        if (!more.ok() || !*more) break;
        ++given;
      }
      EXPECT_EQ(status, expected_error.status()) << format;
      EXPECT_GT(given, 50) << format;  // the bad row is in one of the last pieces
    }
  }
  // A bad header fails before any piece.
  EXPECT_THAT(PersonsReader::FromText("given_name\nMaria\n", "h.csv", {}).status().message(),
              HasSubstr("h.csv:1: no external_id column"));
}

}  // namespace
}  // namespace fedlink::importer
