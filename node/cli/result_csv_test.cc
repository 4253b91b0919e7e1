// The commands' CSV of results that came from peers, through the real path:
// a peer's record reaches lookup and match over mutual TLS, and each result
// must come out as exactly one well-formed line with nothing raw in it.
#include "node/cli/result_csv.h"

#include <string>
#include <vector>

#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node/app/test_app_federation.h"
#include "node/cli/result_jsonl.h"

namespace fedlink::cli {
namespace {

using app::testing::Victim;
using ::testing::ElementsAre;
using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// What a hostile peer puts in a field it controls: a colour escape, a line
// feed with a forged row after it, and a spreadsheet formula.
constexpr char kForged[] = "=2+2\x1b[31m\npolice,h000,99.0,name_dob,victim,x";

std::vector<std::string> Lines(const std::string& csv) {
  EXPECT_THAT(csv, EndsWith("\n"));
  std::vector<std::string> lines = absl::StrSplit(csv, '\n');
  lines.pop_back();  // after the last line feed
  return lines;
}

void ExpectNoControlCharacters(const std::string& text) {
  for (char c : text) {
    const auto b = static_cast<unsigned char>(c);
    if (c == '\n') continue;
    EXPECT_FALSE(b < 0x20 || b == 0x7f) << "raw control character " << int{b};
  }
}

class ResultCsvTest : public app::testing::PoliceAndNgoTest {
 protected:
  void SetUp() override {
    // Police reveals the officer too, and its officer field is hostile.
    fed_.WritePolicy(
        "police",
        absl::StrReplaceAll(app::testing::kPolicePolicy,
                            {{"PAYLOAD_HANDLE_AND_ROLE", "PAYLOAD_HANDLE_ROLE_AND_OFFICER"}}));
    record::Person victim = Victim("P-3", "Iuliia", "Shevchenko", "1994-03-07", "");
    victim.officer = kForged;
    fed_.Add("police", {victim});
    fed_.Serve("police");
  }
};

TEST_F(ResultCsvTest, APeersOfficerWithEscapesAndNewlinesStaysInItsField) {
  app::LookupRequest request;
  request.purpose = "victim-dedup";
  request.intake = Victim("intake", "Iuliia", "Shevchenko", "1994-03-07", "");
  auto report = app::Lookup(fed_.node("ngo"), request);
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_EQ(report->candidates.size(), 1u);
  ASSERT_EQ(report->candidates[0].officer, kForged);  // it did arrive raw

  const std::string csv = CandidatesCsv(report->candidates);
  ExpectNoControlCharacters(csv);
  const std::vector<std::string> lines = Lines(csv);
  ASSERT_EQ(lines.size(), 2u) << csv;  // the header and one candidate, no forged row
  EXPECT_EQ(lines[0], "peer,handle,score,keys,role,officer,threshold");
  EXPECT_THAT(lines[1], StartsWith("police,"));
  EXPECT_THAT(lines[1],
              HasSubstr(",victim,\"'=2+2\\x1b[31m\\x0apolice,h000,99.0,name_dob,victim,x\","));
}

TEST_F(ResultCsvTest, MatchResultsAreOneLineEach) {
  record::Person own = Victim("N-1\x1b[2J\r\nforged", "Iuliia", "Shevchenko", "1994-03-07", "");
  fed_.Add("ngo", {own});
  app::MatchRequest request;
  request.purpose = "victim-dedup";
  request.peer = "police";
  auto report = app::MatchOwnRecords(fed_.node("ngo"), request);
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_EQ(report->matches.size(), 1u);

  const std::string csv = OwnMatchesCsv(report->matches);
  ExpectNoControlCharacters(csv);
  const std::vector<std::string> lines = Lines(csv);
  ASSERT_EQ(lines.size(), 2u) << csv;
  EXPECT_EQ(lines[0], "own_id,peer,handle,score,keys,role,threshold");
  EXPECT_THAT(lines[1], StartsWith("N-1\\x1b[2J\\x0d\\x0aforged,police,"));
  EXPECT_THAT(lines[1], HasSubstr(",victim,"));
}

TEST(ResultCsvFormatTest, OrdinaryResultsAreUnchanged) {
  // The threshold column (bits) is added at the end: the others keep their
  // places.
  EXPECT_EQ(
      OwnMatchesCsv({{"N-1", "police", "h1a2b", 31.25, "name_dob+phone", "victim", 19.5}}),
      "own_id,peer,handle,score,keys,role,threshold\nN-1,police,h1a2b,31.2,name_dob+phone,victim,"
      "19.5\n");
  EXPECT_EQ(
      CandidatesCsv({{"police", "h1a2b", 12.0, "name_dob", "victim", "DC Smith", 11.0}}),
      "peer,handle,score,keys,role,officer,threshold\npolice,h1a2b,12.0,name_dob,victim,DC Smith,"
      "11.0\n");
  EXPECT_EQ(DuplicatePairsCsv({{"a-1", "a-2", 40.0, "dob+phone"}}),
            "id_1,id_2,score,keys\na-1,a-2,40.0,dob+phone\n");
}

TEST(ResultCsvFormatTest, AuditListQuotesWhatItAlwaysQuoted) {
  app::ExportedEntry e;
  e.event = "match.evaluate.sent";
  e.requester = "ngo";
  e.responder = "police";
  e.purpose = "victim-dedup";
  e.legal_basis = "CASE-2026-17";
  e.official = "officer-7f3";
  e.count = 3;
  e.hits = 1;
  e.outcome = "ok";
  e.exchange_id = "0123456789abcdef0123";
  e.detail = "delta since version 2, 0 slots added";
  e.time_unix_micros = 1'000'000;
  EXPECT_EQ(AuditEntriesCsv({e}),
            "index,time,event,requester,responder,purpose,legal_basis,official,count,hits,"
            "outcome,exchange,detail\n"
            "0,1970-01-01T00:00:01.000Z,match.evaluate.sent,ngo,police,victim-dedup,"
            "CASE-2026-17,officer-7f3,3,1,\"ok\",0123456789abcdef,"
            "\"delta since version 2, 0 slots added\"\n");
  e.official = "x\n1,forged";
  e.detail = "\x1b]0;title\x07";
  const std::string csv = AuditEntriesCsv({e});
  ExpectNoControlCharacters(csv);
  EXPECT_EQ(Lines(csv).size(), 2u);
  EXPECT_THAT(csv, HasSubstr(",\"x\\x0a1,forged\","));
  EXPECT_THAT(csv, Not(HasSubstr("\x1b")));
}

// A legal basis with a quote and a comma stays in its column (RFC 4180:
// quoted, the quote doubled), and reads back as one field.
TEST(ResultCsvFormatTest, AuditListKeepsALegalBasisWithQuotesAndCommasInItsColumn) {
  app::ExportedEntry e;
  e.event = "match.evaluate.sent";
  e.requester = "ngo";
  e.responder = "police";
  e.purpose = "victim-dedup";
  e.legal_basis = "Warrant \"A, B\", art. 5";
  e.official = "officer-7f3";
  const std::string csv = AuditEntriesCsv({e});
  EXPECT_THAT(csv, HasSubstr(",victim-dedup,\"Warrant \"\"A, B\"\", art. 5\",officer-7f3,"));
  // 13 columns: count the separators outside quotes.
  const std::string row = Lines(csv)[1];
  int columns = 1;
  bool quoted = false;
  for (char c : row) {
    if (c == '"') quoted = !quoted;
    if (c == ',' && !quoted) ++columns;
  }
  EXPECT_EQ(columns, 13);
}

TEST(ResultJsonlTest, AuditListAsJsonLinesIsOneObjectPerEntryWithEveryField) {
  app::ExportedEntry e;
  e.event = "match.evaluate.answered";
  e.requester = "ngo";
  e.responder = "police";
  e.purpose = "victim-dedup";
  e.legal_basis = "Warrant \"A, B\"";
  e.official = "x\n{\"forged\":1}";
  e.count = 3;
  e.hits = 1;
  e.exchange_id = "0123456789abcdef0123";
  e.detail = "budget left 9; table t";
  e.time_unix_micros = 1'000'000;
  const std::string jsonl = AuditEntriesJsonl({e, e});
  const std::vector<std::string> lines = Lines(jsonl);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(
      lines[0],
      "{\"index\":0,\"time\":\"1970-01-01T00:00:01.000Z\",\"event\":\"match.evaluate."
      "answered\",\"requester\":\"ngo\",\"responder\":\"police\",\"purpose\":\"victim-"
      "dedup\",\"legal_basis\":\"Warrant \\\"A, B\\\"\",\"official\":\"x\\\\x0a{\\\"forged\\\""
      ":1}\",\"count\":3,\"hits\":1,\"outcome\":\"ok\",\"exchange\":\"0123456789abcdef0123\","
      "\"detail\":\"budget left 9; table t\",\"tls_peer\":\"\"}");
  EXPECT_THAT(lines[1], StartsWith("{\"index\":1,"));
  ExpectNoControlCharacters(jsonl);
}

}  // namespace
}  // namespace fedlink::cli
