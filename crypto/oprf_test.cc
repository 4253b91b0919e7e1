#include "crypto/oprf.h"

#include <sodium.h>

#include <functional>

#include "absl/strings/escaping.h"
#include "absl/strings/str_split.h"
#include "crypto/hash_to_group.h"
#include "crypto/testing/json_vectors.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fedlink::crypto::oprf {
namespace {

using ::fedlink::testing::Field;
using ::fedlink::testing::Unhex;

std::string Hex(absl::string_view bytes) { return absl::BytesToHexString(bytes); }
template <size_t N>
std::string Hex(const std::array<unsigned char, N>& a) {
  return Hex(absl::string_view(reinterpret_cast<const char*>(a.data()), N));
}
template <size_t N>
absl::string_view Bytes(const std::array<unsigned char, N>& a) {
  return absl::string_view(reinterpret_cast<const char*>(a.data()), N);
}

TEST(ExpandMessageTest, Rfc9380AppendixK3Sha512) {
  const std::string dst = "QUUX-V01-CS02-with-expander-SHA512-256";
  EXPECT_EQ(Hex(*ExpandMessageXmdSha512("", dst, 0x20)),
            "6b9a7312411d92f921c6f68ca0b6380730a1a4d982c507211a90964c394179ba");
  EXPECT_EQ(Hex(*ExpandMessageXmdSha512("abc", dst, 0x20)),
            "0da749f12fbe5483eb066a5f595055679b976e93abe9be6f0f6318bce7aca8dc");
  EXPECT_EQ(Hex(*ExpandMessageXmdSha512("abc", dst, 0x80)),
            "7f1dddd13c08b543f2e2037b14cefb255b44c83cc397c1786d975653e36a6b11"
            "bdd7732d8b38adb4a0edc26a0cef4bb45217135456e58fbca1703cd6032cb134"
            "7ee720b87972d63fbf232587043ed2901bce7f22610c0419751c065922b48843"
            "1851041310ad659e4b23520e1772ab29dcdeb2002222a363f0c2b1c972b3efe1");
  EXPECT_FALSE(ExpandMessageXmdSha512("", dst, 0).ok());
  EXPECT_FALSE(ExpandMessageXmdSha512("", dst, 256 * 64).ok());
}

struct Suite {
  std::string seed, key_info, sk;
  std::vector<google::protobuf::Value> vectors;
};

Suite LoadMode0() {
  google::protobuf::Value all;
  Suite suite;
  if (!fedlink::testing::ReadJsonFile(
          std::string(FEDLINK_SOURCE_DIR) + "/tests/data/vectors/rfc9497-ristretto255-sha512.json",
          &all)) {
    return suite;
  }
  for (const auto& s : all.list_value().values()) {
    if (fedlink::testing::Number(s, "mode") != 0) continue;
    suite.seed = Unhex(Field(s, "seed"));
    suite.key_info = Unhex(Field(s, "keyInfo"));
    suite.sk = Unhex(Field(s, "skSm"));
    EXPECT_EQ(Unhex(Field(s, "groupDST")), "HashToGroup-" + ContextString());
    for (const auto& v : s.struct_value().fields().at("vectors").list_value().values()) {
      suite.vectors.push_back(v);
    }
  }
  return suite;
}

TEST(OprfVectorsTest, DeriveKeyPairReproducesSkSm) {
  Suite suite = LoadMode0();
  ASSERT_FALSE(suite.vectors.empty()) << "tests/data/vectors: no mode-0 vectors read";
  auto key = OprfKey::Derive(suite.seed, suite.key_info);
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(Hex((*key)->SecretBytes()), Hex(suite.sk));
}

TEST(OprfVectorsTest, EveryMode0VectorByteForByte) {
  Suite suite = LoadMode0();
  ASSERT_FALSE(suite.vectors.empty()) << "tests/data/vectors: no mode-0 vectors read";
  auto key = OprfKey::FromBytes(suite.sk);
  ASSERT_TRUE(key.ok());
  int checked = 0;
  for (const auto& v : suite.vectors) {
    // Batched vectors list comma-separated values.
    std::vector<std::string> inputs = absl::StrSplit(Field(v, "Input"), ',');
    std::vector<std::string> blinds = absl::StrSplit(Field(v, "Blind"), ',');
    std::vector<std::string> blinded = absl::StrSplit(Field(v, "BlindedElement"), ',');
    std::vector<std::string> evaluated = absl::StrSplit(Field(v, "EvaluationElement"), ',');
    std::vector<std::string> outputs = absl::StrSplit(Field(v, "Output"), ',');
    for (size_t i = 0; i < inputs.size(); ++i) {
      const std::string input = Unhex(inputs[i]);
      auto b = BlindWith(input, Unhex(blinds[i]));
      ASSERT_TRUE(b.ok()) << b.status();
      EXPECT_EQ(Hex(b->element), blinded[i]);
      auto e = (*key)->BlindEvaluate(Bytes(b->element));
      ASSERT_TRUE(e.ok());
      EXPECT_EQ(Hex(*e), evaluated[i]);
      auto out = Finalize(input, b->blind, Bytes(*e));
      ASSERT_TRUE(out.ok());
      EXPECT_EQ(Hex(*out), outputs[i]);
      auto direct = (*key)->Evaluate(input);
      ASSERT_TRUE(direct.ok());
      EXPECT_EQ(Hex(*direct), outputs[i]);
      // The batch path gives the same bytes.
      std::vector<Element> in = {b->element}, got(1);
      ASSERT_TRUE((*key)->BlindEvaluateBatch(in, absl::MakeSpan(got)).ok());
      EXPECT_EQ(Hex(got[0]), evaluated[i]);
      ++checked;
    }
  }
  EXPECT_GE(checked, 2);
}

TEST(OprfTest, BatchMatchesSingleAcrossThreads) {
  auto key = OprfKey::Generate();
  std::vector<std::string> inputs;
  for (int i = 0; i < 1500; ++i)
    inputs.push_back("fedlink/keyspec/v1|phone|+44" + std::to_string(i));
  std::vector<BlindedInput> blinded(inputs.size());
  ASSERT_TRUE(BlindBatch(inputs, absl::MakeSpan(blinded), 2).ok());
  std::vector<Element> elements(inputs.size()), evaluated(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) elements[i] = blinded[i].element;
  ASSERT_TRUE(key->BlindEvaluateBatch(elements, absl::MakeSpan(evaluated), 2).ok());
  std::vector<Output> outputs(inputs.size()), direct(inputs.size());
  ASSERT_TRUE(FinalizeBatch(inputs, blinded, evaluated, absl::MakeSpan(outputs), 2).ok());
  ASSERT_TRUE(key->EvaluateBatch(inputs, absl::MakeSpan(direct), 2).ok());
  EXPECT_EQ(outputs, direct);
  // A different key gives different outputs (a table is useless without the
  // key).
  auto other = OprfKey::Generate();
  EXPECT_NE(*other->Evaluate(inputs[0]), direct[0]);
}

TEST(OprfTest, BlindedElementsDoNotRevealTheInput) {
  // Two blindings of the same input differ; the server sees fresh points.
  auto a = Blind("same");
  auto b = Blind("same");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->element, b->element);
}

TEST(OprfNegativeTest, RejectsIdentityElement) {
  auto key = OprfKey::Generate();
  const std::string identity(32, '\0');
  EXPECT_THAT(std::string(key->BlindEvaluate(identity).status().message()),
              ::testing::HasSubstr("identity"));
  std::vector<Element> in(3), out(3);
  for (auto& e : in) crypto_core_ristretto255_random(e.data());
  in[1].fill(0);
  absl::Status s = key->BlindEvaluateBatch(in, absl::MakeSpan(out), 1);
  EXPECT_TRUE(absl::IsInvalidArgument(s));
  EXPECT_THAT(std::string(s.message()), ::testing::HasSubstr("element 1"));
  Scalar blind;
  crypto_core_ristretto255_scalar_random(blind.data());
  EXPECT_FALSE(Finalize("x", blind, identity).ok());
}

TEST(OprfNegativeTest, ABatchWithOneBadElementEvaluatesNothing) {
  // Valid elements, then one non-canonical encoding last: refused before any
  // scalar multiplication, so a peer gets no free evaluations.
  auto key = OprfKey::Generate();
  std::vector<Element> in(64), out(64);
  for (auto& e : in) crypto_core_ristretto255_random(e.data());
  in.back()[31] |= 0x80;
  for (auto& e : out) e.fill(0);
  const absl::Status s = key->BlindEvaluateBatch(in, absl::MakeSpan(out), 1);
  EXPECT_THAT(std::string(s.message()), ::testing::HasSubstr("element 63"));
  for (const Element& e : out) EXPECT_TRUE(sodium_is_zero(e.data(), e.size()));
}

TEST(OprfNegativeTest, FinalizeBatchRejectsBadEvaluatedElements) {
  auto key = OprfKey::Generate();
  std::vector<std::string> inputs(40, "x");
  std::vector<BlindedInput> blinded(inputs.size());
  ASSERT_TRUE(BlindBatch(inputs, absl::MakeSpan(blinded), 2).ok());
  std::vector<Element> elements(inputs.size()), evaluated(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) elements[i] = blinded[i].element;
  ASSERT_TRUE(key->BlindEvaluateBatch(elements, absl::MakeSpan(evaluated)).ok());
  std::vector<Output> out(inputs.size());
  for (const auto& tamper :
       std::vector<std::function<void(Element&)>>{[](Element& e) { e.fill(0); },      // identity
                                                  [](Element& e) { e[31] |= 0x80; },  // bit 255
                                                  [](Element& e) {
                                                    e.fill(0xff);
                                                    e[31] = 0x7f;
                                                  },                                 // s >= p
                                                  [](Element& e) { e[0] ^= 1; }}) {  // negative s
    std::vector<Element> bad = evaluated;
    tamper(bad[27]);
    absl::Status s = FinalizeBatch(inputs, blinded, bad, absl::MakeSpan(out), 2);
    EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
    EXPECT_THAT(std::string(s.message()), ::testing::HasSubstr("element 27"));
  }
  // A wrong blind (any single one) changes that output and only that one.
  std::vector<Output> good(inputs.size()), wrong(inputs.size());
  ASSERT_TRUE(FinalizeBatch(inputs, blinded, evaluated, absl::MakeSpan(good), 2).ok());
  std::vector<BlindedInput> swapped = blinded;
  crypto_core_ristretto255_scalar_random(swapped[5].blind.data());
  ASSERT_TRUE(FinalizeBatch(inputs, swapped, evaluated, absl::MakeSpan(wrong), 2).ok());
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (i == 5) {
      EXPECT_NE(good[i], wrong[i]);
    } else {
      EXPECT_EQ(good[i], wrong[i]) << i;
    }
  }
}

TEST(OprfNegativeTest, RejectsNonCanonicalElements) {
  auto key = OprfKey::Generate();
  // 2^255 - 1: s >= p, not canonical.
  std::string bad(32, '\xff');
  bad[31] = '\x7f';
  EXPECT_TRUE(absl::IsInvalidArgument(key->BlindEvaluate(bad).status()));
  // Negative s (odd low bit) is not a canonical ristretto255 encoding.
  std::string negative(32, '\0');
  negative[0] = 1;
  EXPECT_TRUE(absl::IsInvalidArgument(key->BlindEvaluate(negative).status()));
  // High bit set.
  Element valid;
  crypto_core_ristretto255_random(valid.data());
  std::string high(Bytes(valid));
  high[31] |= '\x80';
  EXPECT_TRUE(absl::IsInvalidArgument(key->BlindEvaluate(high).status()));
  std::vector<Element> in(1), out(1);
  std::copy(high.begin(), high.end(), in[0].begin());
  EXPECT_FALSE(key->BlindEvaluateBatch(in, absl::MakeSpan(out)).ok());
}

TEST(OprfNegativeTest, RejectsWrongLengths) {
  auto key = OprfKey::Generate();
  EXPECT_TRUE(absl::IsInvalidArgument(key->BlindEvaluate(std::string(31, 'a')).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(key->BlindEvaluate(std::string(33, 'a')).status()));
  EXPECT_FALSE(OprfKey::FromBytes(std::string(31, '\x01')).ok());
  EXPECT_FALSE(OprfKey::Derive(std::string(31, 'a'), "info").ok());
  std::vector<Element> in(2), out(1);
  EXPECT_FALSE(key->BlindEvaluateBatch(in, absl::MakeSpan(out)).ok());
}

TEST(OprfNegativeTest, RejectsNonCanonicalAndZeroScalars) {
  EXPECT_FALSE(OprfKey::FromBytes(std::string(32, '\0')).ok());  // zero
  // L itself (little-endian) is not reduced.
  const std::string l = Unhex("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");
  EXPECT_THAT(std::string(OprfKey::FromBytes(l).status().message()),
              ::testing::HasSubstr("not reduced"));
  EXPECT_FALSE(OprfKey::FromBytes(std::string(32, '\xff')).ok());
  EXPECT_FALSE(BlindWith("x", l).ok());
  EXPECT_FALSE(BlindWith("x", std::string(32, '\0')).ok());
  // L - 1 is the largest canonical scalar.
  std::string l_minus_1 = l;
  l_minus_1[0] = static_cast<char>(0xec);
  EXPECT_TRUE(OprfKey::FromBytes(l_minus_1).ok());
}

TEST(OprfNegativeTest, WrongKeyOrTamperedEvaluationGivesDifferentOutput) {
  auto key = OprfKey::Generate();
  auto b = Blind("victim-key");
  ASSERT_TRUE(b.ok());
  auto e = key->BlindEvaluate(Bytes(b->element));
  ASSERT_TRUE(e.ok());
  const Output good = *Finalize("victim-key", b->blind, Bytes(*e));
  EXPECT_EQ(good, *key->Evaluate("victim-key"));
  auto other = OprfKey::Generate();
  auto e2 = other->BlindEvaluate(Bytes(b->element));
  EXPECT_NE(*Finalize("victim-key", b->blind, Bytes(*e2)), good);
  EXPECT_NE(*Finalize("victim-key-2", b->blind, Bytes(*e)), good);
}

}  // namespace
}  // namespace fedlink::crypto::oprf
