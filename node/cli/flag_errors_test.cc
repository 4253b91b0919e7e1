#include "node/cli/flag_errors.h"

#include "gtest/gtest.h"

namespace fedlink::cli {
namespace {

TEST(NameFlagsTest, NamesTheFlagOfALeadingSetting) {
  EXPECT_EQ(NameFlags(absl::InvalidArgumentError("keyspec: 1 or 2"), {{"keyspec", "--keyspec"}}),
            absl::InvalidArgumentError("--keyspec: 1 or 2"));
  EXPECT_EQ(NameFlags(absl::InvalidArgumentError("official is required"),
                      {{"id", "--id"}, {"official", "--official"}}),
            absl::InvalidArgumentError("--official is required"));
}

TEST(NameFlagsTest, ReplacesAWholeMessage) {
  EXPECT_EQ(NameFlags(absl::InvalidArgumentError("name exactly one peer, or all peers"),
                      {{"name exactly one peer, or all peers", "give --peer ID or --all"}}),
            absl::InvalidArgumentError("give --peer ID or --all"));
}

TEST(NameFlagsTest, KeepsTheCode) {
  EXPECT_EQ(
      NameFlags(absl::FailedPreconditionError("peers: each from 1 to 50"), {{"peers", "--peers"}}),
      absl::FailedPreconditionError("--peers: each from 1 to 50"));
}

TEST(NameFlagsTest, LeavesOtherMessagesAlone) {
  // A setting that is only the start of a longer word is not it.
  EXPECT_EQ(NameFlags(absl::InvalidArgumentError("peers: each from 1 to 50"), {{"peer", "--peer"}}),
            absl::InvalidArgumentError("peers: each from 1 to 50"));
  // Nor is one in the middle of the message.
  EXPECT_EQ(
      NameFlags(absl::InvalidArgumentError("the keyspec: 1 or 2"), {{"keyspec", "--keyspec"}}),
      absl::InvalidArgumentError("the keyspec: 1 or 2"));
  EXPECT_EQ(NameFlags(absl::OkStatus(), {{"keyspec", "--keyspec"}}), absl::OkStatus());
}

}  // namespace
}  // namespace fedlink::cli
