#include "node/web/sessions.h"

#include "gtest/gtest.h"

namespace fedlink::web {
namespace {

TEST(SessionStoreTest, SessionsHaveDistinctRandomIdsAndTokens) {
  common::FakeClock clock;
  SessionStore store(&clock, absl::Minutes(15));
  const Session a = store.Create("amira", app::UserRole::kCaseworker);
  const Session b = store.Create("amira", app::UserRole::kCaseworker);
  EXPECT_EQ(a.id.size(), 64u);
  EXPECT_NE(a.id, b.id);
  EXPECT_NE(a.csrf, b.csrf);
  EXPECT_NE(a.id, a.csrf);
  auto found = store.Touch(a.id);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->user, "amira");
  EXPECT_FALSE(store.Touch("").has_value());
  EXPECT_FALSE(store.Touch(std::string(64, '0')).has_value());
}

TEST(SessionStoreTest, AnIdleSessionEndsAndActivityKeepsItAlive) {
  common::FakeClock clock;
  SessionStore store(&clock, absl::Minutes(15));
  const Session s = store.Create("amira", app::UserRole::kCaseworker);
  clock.Advance(absl::Minutes(14));
  ASSERT_TRUE(store.Touch(s.id).has_value());  // restarts the idle clock
  clock.Advance(absl::Minutes(14));
  ASSERT_TRUE(store.Touch(s.id).has_value());
  clock.Advance(absl::Minutes(16));
  EXPECT_FALSE(store.Touch(s.id).has_value());
  clock.Advance(-absl::Minutes(16));
  EXPECT_FALSE(store.Touch(s.id).has_value());  // removed, not just hidden
}

TEST(SessionStoreTest, TheLeastRecentlyUsedGoesWhenFull) {
  common::FakeClock clock;
  SessionStore store(&clock, absl::Minutes(15), 2);
  const Session a = store.Create("a", app::UserRole::kCaseworker);
  clock.Advance(absl::Seconds(1));
  const Session b = store.Create("b", app::UserRole::kCaseworker);
  clock.Advance(absl::Seconds(1));
  ASSERT_TRUE(store.Touch(a.id).has_value());
  store.Create("c", app::UserRole::kCaseworker);
  EXPECT_TRUE(store.Touch(a.id).has_value());
  EXPECT_FALSE(store.Touch(b.id).has_value());
}

TEST(SessionStoreTest, AFloodOfLoginPagesDoesNotPushOutThoseLoggedIn) {
  common::FakeClock clock;
  SessionStore store(&clock, absl::Minutes(15), 3);
  const Session amira = store.Create("amira", app::UserRole::kCaseworker);
  for (int i = 0; i < 100; ++i) {
    clock.Advance(absl::Seconds(1));
    store.Create("", app::UserRole::kCaseworker);
  }
  EXPECT_TRUE(store.Touch(amira.id).has_value());
}

TEST(SameTokenTest, ComparesWholeTokens) {
  EXPECT_TRUE(SameToken("abcd", "abcd"));
  EXPECT_FALSE(SameToken("abcd", "abce"));
  EXPECT_FALSE(SameToken("abcd", "abc"));
  EXPECT_FALSE(SameToken("", ""));
}

TEST(LoginThrottleTest, LocksAfterFreeFailuresWithDoublingBackOff) {
  common::FakeClock clock;
  LoginThrottle throttle(&clock, 3, absl::Minutes(1), absl::Minutes(5));
  throttle.Failed("user:amira");
  throttle.Failed("user:amira");
  EXPECT_EQ(throttle.Wait("user:amira"), absl::ZeroDuration());
  throttle.Failed("user:amira");  // the third: locked for a minute
  EXPECT_EQ(throttle.Wait("user:amira"), absl::Minutes(1));
  EXPECT_EQ(throttle.Wait("user:other"), absl::ZeroDuration());
  clock.Advance(absl::Minutes(1));
  EXPECT_EQ(throttle.Wait("user:amira"), absl::ZeroDuration());
  throttle.Failed("user:amira");
  EXPECT_EQ(throttle.Wait("user:amira"), absl::Minutes(2));
  clock.Advance(absl::Minutes(2));
  throttle.Failed("user:amira");
  EXPECT_EQ(throttle.Wait("user:amira"), absl::Minutes(4));
  clock.Advance(absl::Minutes(4));
  throttle.Failed("user:amira");
  EXPECT_EQ(throttle.Wait("user:amira"), absl::Minutes(5));  // capped
  throttle.Succeeded("user:amira");
  EXPECT_EQ(throttle.Wait("user:amira"), absl::ZeroDuration());
}

}  // namespace
}  // namespace fedlink::web
