// bench linkage and eval: linkage quality against a truth file, and a match
// results file scored with the owner's handles.
#include "node/app/linkage_quality.h"

#include <fstream>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node/app/match.h"
#include "node/app/test_app_federation.h"

namespace fedlink::app {
namespace {

using testing::AnaPopescu;
using ::testing::HasSubstr;
using testing::MariaIvanova;
using testing::Victim;

class LinkageQualityTest : public testing::PoliceAndNgoTest {
 protected:
  void SetUp() override {
    police_ = {MariaIvanova("P-1"), AnaPopescu("P-2"),
               Victim("P-3", "Iuliia", "Shevchenko", "1994-03-07", "+44 7700 900003")};
    ngo_ = {MariaIvanova("N-1"), AnaPopescu("N-2"),
            Victim("N-9", "Eva", "Novak", "1970-06-01", "")};
    fed_.Add("police", police_);
    fed_.Add("ngo", ngo_);
    dir_ = fed_.node("ngo").paths().dir;
    Write("a.csv", importer::PersonsToCsv(police_));
    Write("b.csv", importer::PersonsToCsv(ngo_));
    // P-3 and N-9 are the same person in the truth, though nothing agrees.
    Write("truth.csv", "id_a,id_b\nP-1,N-1\nP-2,N-2\nP-3,N-9\n");
  }
  std::string Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ + "/" + name) << text;
    return dir_ + "/" + name;
  }
  std::string Path(const std::string& name) { return dir_ + "/" + name; }
  LinkageBenchRequest Bench() {
    LinkageBenchRequest r;
    r.a_path = Path("a.csv");
    r.b_path = Path("b.csv");
    r.truth_path = Path("truth.csv");
    r.import.default_role = record::Role::kOther;
    return r;
  }
  std::vector<record::Person> police_, ngo_;
  std::string dir_;
};

TEST_F(LinkageQualityTest, BenchLinksAgainstTheTruthAndDiagnosesMisses) {
  LinkageBenchRequest request = Bench();
  request.misses = 5;
  auto r = BenchLinkage(request);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->a_records, 3u);
  EXPECT_EQ(r->b_records, 3u);
  EXPECT_GT(r->keys, 0u);
  EXPECT_EQ(r->matches, 2u);
  EXPECT_EQ(r->true_pairs, 3u);
  EXPECT_EQ(r->quality.true_positives, 2u);
  EXPECT_DOUBLE_EQ(r->quality.precision(), 1.0);
  EXPECT_TRUE(r->false_matches.empty());
  ASSERT_EQ(r->missed.size(), 1u);
  EXPECT_EQ(r->missed[0].pair, match::IdPair("P-3", "N-9"));
  EXPECT_EQ(r->missed[0].agreeing_keys, 0);
  EXPECT_EQ(r->quality.Line(), "precision=1.0000 recall=0.6667 f1=0.8000");
}

TEST_F(LinkageQualityTest, BenchNamesTheFileThatCannotBeRead) {
  LinkageBenchRequest request = Bench();
  request.b_path = Path("missing.csv");
  EXPECT_THAT(BenchLinkage(request).status().message(), HasSubstr("missing.csv"));
  request = Bench();
  request.truth_path = Path("missing-truth.csv");
  EXPECT_FALSE(BenchLinkage(request).ok());
}

TEST_F(LinkageQualityTest, EvalResolvesTheOwnersHandlesWithItsDirectory) {
  fed_.Serve("police");
  MatchRequest match;
  match.purpose = "victim-dedup";
  match.peer = "police";
  auto report = MatchOwnRecords(fed_.node("ngo"), match);
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_EQ(report->matches.size(), 2u);
  std::string csv = "own_id,peer,handle,score,keys,role\n";
  for (const OwnMatch& m : report->matches) {
    csv += absl::StrCat(m.own_id, ",", m.peer, ",", m.handle, ",1,k,victim\n");
  }
  // The results name NGO ids first: they are oriented like the truth.
  auto quality =
      EvaluateResults({Write("r.csv", csv), Path("truth.csv"), fed_.node("police").paths().dir});
  ASSERT_TRUE(quality.ok()) << quality.status();
  EXPECT_EQ(quality->Line(), "precision=1.0000 recall=0.6667 f1=0.8000");
  // Without the owner's directory the handles mean nothing.
  auto blind = EvaluateResults({Path("r.csv"), Path("truth.csv"), ""});
  ASSERT_TRUE(blind.ok());
  EXPECT_EQ(blind->true_positives, 0u);
}

TEST_F(LinkageQualityTest, EvalOfClearResultsNamesExternalIds) {
  auto quality =
      EvaluateResults({Write("clear.csv", "own_id,peer,handle\nP-1,ngo,N-1\nP-2,ngo,N-9\n"),
                       Path("truth.csv"), ""});
  ASSERT_TRUE(quality.ok()) << quality.status();
  EXPECT_EQ(quality->true_positives, 1u);
  EXPECT_EQ(quality->predicted, 2u);
}

TEST_F(LinkageQualityTest, EvalRefusesBadInput) {
  EXPECT_TRUE(absl::IsInvalidArgument(EvaluateResults({"", Path("truth.csv"), ""}).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(EvaluateResults({Path("r.csv"), "", ""}).status()));
  auto missing = EvaluateResults({Path("none.csv"), Path("truth.csv"), ""});
  EXPECT_TRUE(absl::IsNotFound(missing.status()));
  EXPECT_THAT(missing.status().message(), HasSubstr("none.csv: cannot open"));
  auto short_line = EvaluateResults(
      {Write("short.csv", "own_id,peer,handle\nN-1,police\n"), Path("truth.csv"), ""});
  EXPECT_TRUE(absl::IsInvalidArgument(short_line.status()));
  EXPECT_THAT(short_line.status().message(), HasSubstr("short.csv:2: expected own_id,peer"));
  auto unknown = EvaluateResults({Write("unknown.csv", "N-1,police,hffff\n"), Path("truth.csv"),
                                  fed_.node("police").paths().dir});
  EXPECT_THAT(unknown.status().message(), HasSubstr("unknown.csv:1: handle not known"));
  EXPECT_FALSE(
      EvaluateResults({Path("unknown.csv"), Path("truth.csv"), dir_ + "/no-such-node"}).ok());
}

}  // namespace
}  // namespace fedlink::app
