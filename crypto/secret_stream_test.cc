// secretstream: a round trip, then each way a stream can be damaged.
#include "crypto/secret_stream.h"

#include <sodium.h>

#include "crypto/data_key.h"
#include "gtest/gtest.h"

namespace fedlink::crypto {
namespace {

std::unique_ptr<StreamKey> RandomKey() {
  std::string bytes(kStreamKeySize, '\0');
  randombytes_buf(bytes.data(), bytes.size());
  return *StreamKey::FromBytes(bytes);
}

TEST(SecretStreamTest, MessagesOfRandomSizesReadBackInOrderUntilTheFinalOne) {
  auto key = RandomKey();
  auto w = StreamWriter::Start(*key);
  std::vector<std::string> messages, sealed;
  for (int i = 0; i < 20; ++i) {
    std::string m(randombytes_uniform(70000), '\0');
    randombytes_buf(m.data(), m.size());
    messages.push_back(m);
    sealed.push_back(w->Push(m, i == 19, i == 0 ? "head" : ""));
    EXPECT_EQ(sealed.back().size(), m.size() + kStreamOverhead);
  }
  auto r = StreamReader::Start(*key, w->header());
  ASSERT_TRUE(r.ok());
  for (int i = 0; i < 20; ++i) {
    EXPECT_FALSE((*r)->finished());
    auto m = (*r)->Pull(sealed[i], i == 0 ? "head" : "");
    ASSERT_TRUE(m.ok()) << i << m.status();
    EXPECT_EQ(*m, messages[i]);
  }
  EXPECT_TRUE((*r)->finished());
  EXPECT_TRUE(absl::IsDataLoss((*r)->Pull(sealed[0]).status()));
}

TEST(SecretStreamTest, AlteredReorderedWrongAssociatedDataOrAnotherKeyDoNotOpen) {
  auto key = RandomKey();
  auto w = StreamWriter::Start(*key);
  const std::string a = w->Push("first message", false, "ad");
  const std::string b = w->Push("second message", true);
  {
    auto r = StreamReader::Start(*key, w->header());
    std::string flipped = a;
    flipped[5] ^= 1;
    EXPECT_TRUE(absl::IsDataLoss((*r)->Pull(flipped, "ad").status()));
  }
  {
    auto r = StreamReader::Start(*key, w->header());
    EXPECT_TRUE(absl::IsDataLoss((*r)->Pull(b).status()));  // out of order
  }
  {
    auto r = StreamReader::Start(*key, w->header());
    EXPECT_TRUE(absl::IsDataLoss((*r)->Pull(a, "other").status()));
  }
  {
    auto r = StreamReader::Start(*RandomKey(), w->header());
    EXPECT_TRUE(absl::IsDataLoss((*r)->Pull(a, "ad").status()));
  }
  {
    auto r = StreamReader::Start(*key, w->header());
    EXPECT_TRUE((*r)->Pull(a, "ad").ok());
    EXPECT_TRUE(absl::IsDataLoss((*r)->Pull(b.substr(0, b.size() - 1)).status()));
  }
  EXPECT_FALSE(StreamReader::Start(*key, "short").ok());
}

TEST(SecretStreamTest, TheBackupKeyIsTheDataKeysOwnAndNoOtherDataKeysOpensIt) {
  auto d1 = DataKey::Generate();
  auto d2 = DataKey::Generate();
  auto w = StreamWriter::Start(*(*d1)->BackupStreamKey());
  const std::string c = w->Push("backup", true);
  auto same = StreamReader::Start(*(*d1)->BackupStreamKey(), w->header());
  EXPECT_EQ(*(*same)->Pull(c), "backup");
  auto other = StreamReader::Start(*(*d2)->BackupStreamKey(), w->header());
  EXPECT_FALSE((*other)->Pull(c).ok());
}

}  // namespace
}  // namespace fedlink::crypto
