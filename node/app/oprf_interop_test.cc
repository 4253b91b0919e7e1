// The interop tool against RFC 9497's own test vectors (ristretto255-SHA512,
// mode 0), then its refusals.
#include "node/app/oprf_interop.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fedlink::app {
namespace {

using ::testing::HasSubstr;
using ::testing::Optional;

// RFC 9497 appendix A.1.1 (OPRF(ristretto255, SHA-512), mode 0).
constexpr char kSkSm[] = "5ebcea5ee37023ccb9fc2d2019f9d7737be85591ae8652ffa9ef0f4d37063b0e";

std::unique_ptr<OprfInterop> Tool(OprfOperation operation) {
  auto tool = OprfInterop::Create(operation, kSkSm);
  EXPECT_TRUE(tool.ok()) << tool.status();
  return *std::move(tool);
}

TEST(OprfInteropTest, EvaluateReproducesTheRfcVectors) {
  auto tool = Tool(OprfOperation::kEvaluate);
  EXPECT_THAT(*tool->Line("00"),
              Optional(std::string("527759c3d9366f277d8c6020418d96bb393ba2afb20ff90df23fb770826"
                                   "4e2f3ab9135e3bd69955851de4b1f9fe8a0973396719b7912ba9ee8aa7d"
                                   "0b5e24bcf6")));
  EXPECT_THAT(*tool->Line("5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a"),
              Optional(std::string("f4a74c9c592497375e796aa837e907b1a045d34306a749db9f34221f7e7"
                                   "50cb4f2a6413a6bf6fa5e19ba6348eb673934a722a7ede2e7621306d189"
                                   "51e7cf2c73")));
}

TEST(OprfInteropTest, BlindEvaluateReproducesTheRfcVectors) {
  auto tool = Tool(OprfOperation::kBlindEvaluate);
  EXPECT_THAT(
      *tool->Line("609a0ae68c15a3cf6903766461307e5c8bb2f95e7e6550e1ffa2dc99e412803c"),
      Optional(std::string("7ec6578ae5120958eb2db1745758ff379e77cb64fe77b0b2d8cc917ea0869c7e")));
  EXPECT_THAT(
      *tool->Line("da27ef466870f5f15296299850aa088629945a17d1f5b7f5ff043f76b3c06418"),
      Optional(std::string("b4cbf5a4f1eeda5a63ce7b77c7d23f461db3fcab0dd28e4e17cecb5c90d02c25")));
}

TEST(OprfInteropTest, BlankLinesAreSkippedAndWhitespaceIgnored) {
  auto tool = Tool(OprfOperation::kEvaluate);
  EXPECT_EQ(*tool->Line(""), std::nullopt);
  EXPECT_EQ(*tool->Line(" \t\r"), std::nullopt);
  EXPECT_EQ(*tool->Line("  00\r"), *tool->Line("00"));
}

TEST(OprfInteropTest, RefusesALineThatIsNotHex) {
  auto tool = Tool(OprfOperation::kEvaluate);
  EXPECT_EQ(tool->Line("zz").status(), absl::InvalidArgumentError("not hex"));
  EXPECT_EQ(tool->Line("0").status(),
            absl::InvalidArgumentError("not hex"));  // odd length
}

TEST(OprfInteropTest, RefusesTheIdentityAndShortElements) {
  auto tool = Tool(OprfOperation::kBlindEvaluate);
  auto identity = tool->Line(std::string(64, '0'));
  EXPECT_FALSE(identity.ok());
  EXPECT_THAT(identity.status().message(), HasSubstr("identity"));
  auto short_element = tool->Line("00");
  EXPECT_FALSE(short_element.ok());
  EXPECT_THAT(short_element.status().message(), HasSubstr("want 32"));
}

TEST(OprfInteropTest, RefusesABadKey) {
  EXPECT_EQ(OprfInterop::Create(OprfOperation::kEvaluate, "12").status(),
            absl::InvalidArgumentError("private key: scalar is 1 bytes, want 32"));
  EXPECT_EQ(OprfInterop::Create(OprfOperation::kEvaluate, std::string(64, 'f')).status(),
            absl::InvalidArgumentError("private key: scalar is not reduced mod L"));
  EXPECT_EQ(OprfInterop::Create(OprfOperation::kEvaluate, std::string(64, '0')).status(),
            absl::InvalidArgumentError("private key: scalar is zero"));
  // 32 bytes that make a valid scalar, but not written in hex.
  std::string not_hex = kSkSm;
  not_hex[1] = 'g';
  EXPECT_EQ(OprfInterop::Create(OprfOperation::kEvaluate, not_hex).status(),
            absl::InvalidArgumentError("private key: expected hex"));
}

}  // namespace
}  // namespace fedlink::app
