#include "node/web/web_server.h"

#include "gtest/gtest.h"

namespace fedlink::web {
namespace {

TEST(ClientAddressTest, WithoutTrustThePeerIsTheClient) {
  EXPECT_EQ(ClientAddress("127.0.0.1", "203.0.113.7", false), "127.0.0.1");
  EXPECT_EQ(ClientAddress("192.0.2.1", "", false), "192.0.2.1");
}

TEST(ClientAddressTest, BehindALoopbackProxyTheLastForwardedAddressIsTheClient) {
  // A client may send its own X-Forwarded-For; the proxy appends what it
  // saw, so only the last entry is trusted.
  EXPECT_EQ(ClientAddress("127.0.0.1", "198.51.100.9, 203.0.113.7", true), "203.0.113.7");
  EXPECT_EQ(ClientAddress("::1", "2001:db8::5", true), "2001:db8::5");
  EXPECT_EQ(ClientAddress("127.0.0.1", "", true), "127.0.0.1");
}

TEST(ClientAddressTest, AForwardedAddressFromANonLoopbackPeerOrNotAnAddressIsIgnored) {
  EXPECT_EQ(ClientAddress("192.0.2.1", "203.0.113.7", true), "192.0.2.1");
  EXPECT_EQ(ClientAddress("127.0.0.1", "203.0.113.7, not-an-address", true), "127.0.0.1");
  EXPECT_EQ(ClientAddress("127.0.0.1", "203.0.113.7,", true), "127.0.0.1");
}

}  // namespace
}  // namespace fedlink::web
