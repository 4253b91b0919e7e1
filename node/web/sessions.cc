#include "node/web/sessions.h"

#include <sodium.h>

#include <algorithm>
#include <array>

namespace fedlink::web {
namespace {

// 32 random bytes, hex.
std::string RandomToken() {
  std::array<unsigned char, 32> bytes{};
  randombytes_buf(bytes.data(), bytes.size());
  std::array<char, 65> hex{};
  sodium_bin2hex(hex.data(), hex.size(), bytes.data(), bytes.size());
  return std::string(hex.data(), 64);
}

}  // namespace

bool SameToken(absl::string_view a, absl::string_view b) {
  if (a.size() != b.size() || a.empty()) return false;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

SessionStore::SessionStore(common::Clock* clock, absl::Duration idle_timeout, size_t max_sessions)
    : clock_(clock), idle_timeout_(idle_timeout), max_sessions_(std::max<size_t>(1, max_sessions)) {
  if (sodium_init() < 0) {
    // randombytes_buf falls back to its default implementation either way.
  }
}

Session SessionStore::Create(const std::string& user, app::UserRole role) {
  Session s;
  s.id = RandomToken();
  s.csrf = RandomToken();
  s.user = user;
  s.role = role;
  s.last_seen = clock_->Now();
  absl::MutexLock lock(&mu_);
  const absl::Time now = s.last_seen;
  for (auto it = sessions_.begin(); it != sessions_.end();) {  // drop the idle ones
    it = now - it->second.last_seen > idle_timeout_ ? sessions_.erase(it) : std::next(it);
  }
  // Full: the least recently used pre-login session goes first, so that a
  // flood of login pages cannot push out the people logged in.
  while (sessions_.size() >= max_sessions_) {
    auto oldest = std::min_element(sessions_.begin(), sessions_.end(), [](auto& a, auto& b) {
      if (a.second.logged_in() != b.second.logged_in()) return !a.second.logged_in();
      return a.second.last_seen < b.second.last_seen;
    });
    sessions_.erase(oldest);
  }
  sessions_[s.id] = s;
  return s;
}

std::optional<Session> SessionStore::Touch(absl::string_view id) {
  if (id.empty()) return std::nullopt;
  absl::MutexLock lock(&mu_);
  auto it = sessions_.find(std::string(id));
  if (it == sessions_.end()) return std::nullopt;
  const absl::Time now = clock_->Now();
  if (now - it->second.last_seen > idle_timeout_) {
    sessions_.erase(it);
    return std::nullopt;
  }
  it->second.last_seen = now;
  return it->second;
}

void SessionStore::Remove(absl::string_view id) {
  absl::MutexLock lock(&mu_);
  sessions_.erase(std::string(id));
}

LoginThrottle::LoginThrottle(common::Clock* clock, int free_failures, absl::Duration first_lock,
                             absl::Duration max_lock)
    : clock_(clock), free_failures_(free_failures), first_lock_(first_lock), max_lock_(max_lock) {}

absl::Duration LoginThrottle::Wait(absl::string_view key) {
  absl::MutexLock lock(&mu_);
  auto it = states_.find(key);
  if (it == states_.end()) return absl::ZeroDuration();
  return std::max(absl::ZeroDuration(), it->second.locked_until - clock_->Now());
}

void LoginThrottle::Failed(absl::string_view key) {
  absl::MutexLock lock(&mu_);
  if (states_.size() > 100000) {  // bounded memory under a flood of names: keep the locked
    const absl::Time now = clock_->Now();
    for (auto it = states_.begin(); it != states_.end();) {
      it = it->second.locked_until <= now ? states_.erase(it) : std::next(it);
    }
  }
  State& s = states_[std::string(key)];
  ++s.failures;
  if (s.failures < free_failures_) return;
  absl::Duration lock_for = first_lock_;
  for (int i = free_failures_; i < s.failures && lock_for < max_lock_; ++i) lock_for *= 2;
  s.locked_until = clock_->Now() + std::min(lock_for, max_lock_);
}

void LoginThrottle::Succeeded(absl::string_view key) {
  absl::MutexLock lock(&mu_);
  auto it = states_.find(key);
  if (it != states_.end()) states_.erase(it);
}

}  // namespace fedlink::web
