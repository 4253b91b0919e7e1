#include "node/match/keyspec.h"

#include <set>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node/match/nicknames.h"
#include "node/match/soundex.h"

namespace fedlink::match::keyspec {
namespace {

TEST(SoundexTest, NationalArchivesKnownAnswers) {
  // The U.S. National Archives' published examples.
  EXPECT_EQ(Soundex("robert"), "R163");
  EXPECT_EQ(Soundex("rupert"), "R163");
  EXPECT_EQ(Soundex("rubin"), "R150");
  EXPECT_EQ(Soundex("ashcraft"), "A261");
  EXPECT_EQ(Soundex("ashcroft"), "A261");
  EXPECT_EQ(Soundex("tymczak"), "T522");
  EXPECT_EQ(Soundex("pfister"), "P236");
  EXPECT_EQ(Soundex("honeyman"), "H555");
  EXPECT_EQ(Soundex("lee"), "L000");
  EXPECT_EQ(Soundex("gutierrez"), "G362");
  EXPECT_EQ(Soundex("jackson"), "J250");
  EXPECT_EQ(Soundex(""), "");
}

TEST(NicknameTest, MapsNamesToTheFormalNamesTheyMayStandFor) {
  using ::testing::Contains;
  EXPECT_THAT(FormalNames("william"), Contains("william"));
  EXPECT_THAT(FormalNames("bill"), Contains("william"));
  EXPECT_THAT(FormalNames("liz"), Contains("elizabeth"));
  EXPECT_THAT(FormalNames("bob"), Contains("robert"));
  EXPECT_THAT(FormalNames("elizabeth"), ::testing::Not(Contains("william")));
  EXPECT_TRUE(FormalNames("zzzqx").empty());
  EXPECT_LE(FormalNames("ron").size(), kMaxFormalNames);
}

record::Person MakePerson(std::string given, std::string family, record::PartialDate dob) {
  record::Person p;
  p.external_id = "x";
  p.role = record::Role::kVictim;
  p.given_name = std::move(given);
  p.family_name = std::move(family);
  p.dob = dob;
  return p;
}

std::set<std::string> Bytes(const std::vector<Key>& keys) {
  std::set<std::string> out;
  for (const Key& k : keys) out.insert(k.bytes);
  return out;
}

int Agreeing(const record::Person& a, const record::Person& b) {
  std::set<std::string> ka = Bytes(DeriveKeys(a, {})), kb = Bytes(DeriveKeys(b, {}));
  int n = 0;
  for (const auto& k : ka) n += kb.count(k);
  return n;
}

const record::PartialDate kDob{1987, 3, 14};

TEST(KeyspecTest, KeyBytesHaveTheVersionedPrefix) {
  auto keys = DeriveKeys(MakePerson("Maria", "Ivanova", kDob), {});
  ASSERT_FALSE(keys.empty());
  for (const Key& k : keys) {
    EXPECT_TRUE(absl::StartsWith(k.bytes, "fedlink/keyspec/v1|")) << k.bytes;
    EXPECT_TRUE(
        absl::StartsWith(k.bytes, std::string("fedlink/keyspec/v1|") + Info(k.type).name + "|"));
  }
  EXPECT_THAT(Bytes(keys),
              ::testing::Contains("fedlink/keyspec/v1|name_dob|maria|ivanova|19870314"));
}

TEST(KeyspecTest, CyrillicAndLatinSpellingsAgreeOnSeveralKeys) {
  const record::Person cyrillic = MakePerson("Мария", "Иванова", kDob);
  EXPECT_GE(Agreeing(cyrillic, MakePerson("Mariya", "Ivanova", kDob)), 4);
  EXPECT_GE(Agreeing(cyrillic, MakePerson("Maria", "Ivanova", kDob)), 6);
  EXPECT_GE(Agreeing(MakePerson("Ελένη", "Παπαδοπούλου", kDob),
                     MakePerson("Eleni", "Papadopoulou", kDob)),
            4);
  EXPECT_GE(Agreeing(MakePerson("José", "Núñez", kDob), MakePerson("Jose", "Nunez", kDob)), 7);
}

TEST(KeyspecTest, OneCorruptionStillLeavesSeveralKeys) {
  const record::Person base = MakePerson("William", "Thompson", kDob);
  EXPECT_GE(Agreeing(base, MakePerson("Wiliam", "Thompson", kDob)), 3);  // typo
  EXPECT_GE(Agreeing(base, MakePerson("Bill", "Thompson", kDob)),
            2);  // nickname
  EXPECT_GE(Agreeing(base, MakePerson("Thompson", "William", kDob)),
            1);  // swapped
  EXPECT_GE(Agreeing(base, MakePerson("William", "Thompson", {1987, 14, 3})), 0);
  EXPECT_GE(Agreeing(base, MakePerson("William", "Thompson", {1987, 3, 0})),
            2);  // partial
  // Swapped day and month (both <= 12) keep the day/month-unordered key.
  const record::Person early = MakePerson("William", "Thompson", {1987, 3, 4});
  EXPECT_GE(Agreeing(early, MakePerson("William", "Thompson", {1987, 4, 3})), 3);
  // Missing date: the names key remains.
  EXPECT_GE(Agreeing(base, MakePerson("William", "Thompson", {})), 1);
}

TEST(KeyspecTest, DifferentPeopleShareFewKeys) {
  EXPECT_EQ(
      Agreeing(MakePerson("Maria", "Ivanova", kDob), MakePerson("Olga", "Petrova", {1990, 1, 2})),
      0);
  // Namesakes with another date share only the date-free name keys (which
  // the scorer counts as one piece of evidence).
  EXPECT_EQ(
      Agreeing(MakePerson("Maria", "Ivanova", kDob), MakePerson("Maria", "Ivanova", {1992, 7, 21})),
      2);
}

TEST(KeyspecTest, SelectorsNormaliseAndBadValuesAreDroppedAndCounted) {
  record::Person a = MakePerson("", "", {});
  a.phones = {"+44 20 7946 0000", "not a phone"};
  a.emails = {"Maria@Example.org", "broken"};
  a.ibans = {"GB82 WEST 1234 5698 7654 32", "GB00WEST12345698765432"};
  a.documents = {"ua-123 456"};
  a.handles = {"@mash"};
  a.plates = {"ab12 cde"};
  DropCounts drops;
  auto keys = DeriveKeys(a, {}, &drops);
  EXPECT_EQ(drops.phones, 1u);
  EXPECT_EQ(drops.emails, 1u);
  EXPECT_EQ(drops.ibans, 1u);
  EXPECT_EQ(drops.total(), 3u);
  EXPECT_THAT(
      Bytes(keys),
      ::testing::UnorderedElementsAre(
          "fedlink/keyspec/v1|phone|+442079460000", "fedlink/keyspec/v1|email|maria@example.org",
          "fedlink/keyspec/v1|iban|GB82WEST12345698765432", "fedlink/keyspec/v1|document|UA123456",
          "fedlink/keyspec/v1|handle|mash", "fedlink/keyspec/v1|plate|AB12CDE"));
  record::Person b = MakePerson("", "", {});
  b.phones = {"020 7946 0000"};  // national format, default region GB
  EXPECT_EQ(Agreeing(a, b), 1);
}

TEST(KeyspecTest, DerivationIsDeterministic) {
  record::Person p = MakePerson("Ștefan", "Țurcanu", kDob);
  p.phones = {"+40 746 217 155"};
  auto a = DeriveKeys(p, {});
  auto b = DeriveKeys(p, {});
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].bytes, b[i].bytes);
}

}  // namespace
}  // namespace fedlink::match::keyspec
