// One field of a record changed through the import's checks, all or nothing.
#include "node/app/edit_record.h"

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node/app/audit.h"
#include "node/app/audit_review.h"
#include "node/app/test_access_log.h"
#include "node/app/test_app_federation.h"

namespace fedlink::app {
namespace {

using ::testing::HasSubstr;
using testing::MariaIvanova;
using ::testing::Not;

class EditRecordTest : public testing::PoliceAndNgoTest {
 protected:
  void SetUp() override { fed_.Add("ngo", {MariaIvanova("N-1")}); }
  Node& ngo() { return fed_.node("ngo"); }
  record::Person Stored() {
    auto p = ngo().records().Get("N-1");
    EXPECT_TRUE(p.ok() && p->has_value());
    return p.ok() && p->has_value() ? **p : record::Person{};
  }
  std::string Log() { return testing::AccessLogText(ngo()); }
};

TEST_F(EditRecordTest, ChangesOnlyTheFieldAndLogsItsName) {
  record::Person before = Stored();
  auto r =
      EditRecordField(ngo(), {"N-1", "phone", "+40 721 000 001; +40 721 000 002", {"amira", ""}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->changed);
  record::Person after = Stored();
  EXPECT_EQ(after.phones, (std::vector<std::string>{"+40 721 000 001", "+40 721 000 002"}));
  after.phones = before.phones;
  EXPECT_EQ(after, before);  // nothing else changed
  r = EditRecordField(ngo(), {"N-1", "language", "RO", {"amira", ""}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(Stored().language, "ro");
  r = EditRecordField(ngo(), {"N-1", "language", "ro", {"amira", ""}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->changed);
  EXPECT_THAT(Log(), HasSubstr("records.edit official=amira outcome=ok detail=field phone"));
  EXPECT_THAT(Log(), Not(HasSubstr("721")));
}

TEST_F(EditRecordTest, ABadValueChangesNothingAndIsNotEchoed) {
  const record::Person before = Stored();
  auto r = EditRecordField(ngo(), {"N-1", "dob", "1990-13-45", {"amira", ""}});
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(absl::IsInvalidArgument(r.status())) << r.status();
  EXPECT_THAT(r.status().message(), HasSubstr("dob"));
  EXPECT_THAT(r.status().message(), Not(HasSubstr("1990-13-45")));
  EXPECT_EQ(Stored(), before);
  r = EditRecordField(ngo(), {"N-1", "role", "", {"amira", ""}});  // a required field
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(Stored(), before);
  EXPECT_THAT(Log(), HasSubstr("records.edit official=amira outcome=INVALID_ARGUMENT"));
}

TEST_F(EditRecordTest, TheIdAndUnknownFieldsAndRecordsAreRefused) {
  EXPECT_TRUE(absl::IsInvalidArgument(
      EditRecordField(ngo(), {"N-1", "external_id", "N-2", {"amira", ""}}).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(
      EditRecordField(ngo(), {"N-1", "<script>", "x", {"amira", ""}}).status()));
  EXPECT_TRUE(
      absl::IsNotFound(EditRecordField(ngo(), {"N-404", "phone", "1", {"amira", ""}}).status()));
  EXPECT_THAT(Log(), HasSubstr("detail=field (unknown)"));
  EXPECT_THAT(Log(), Not(HasSubstr("<script>")));
}

}  // namespace
}  // namespace fedlink::app
