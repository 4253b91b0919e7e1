// The console's sessions and its defence against password guessing, kept in
// memory only (a restart logs everyone out and forgets failed logins).
//
// A session is a random 256-bit id (the HttpOnly, SameSite=Strict cookie)
// with its user, role and a CSRF token of its own that every form carries
// and every POST must return. A session idle longer than the timeout is
// gone. Logging in makes a new session (the login form's pre-login session,
// which holds only a CSRF token, is dropped), so an id planted before login
// is worth nothing after it.
//
// Lockout with back-off: after `free_failures` failed logins in a row for
// one key (a user name, or a client address) the key must wait
// `first_lock`, doubled at each further failure up to `max_lock`; a
// success clears it. A name that does not exist is throttled like one that
// does, so the lockout tells nothing about which names exist.
//
// Thread-safety: both classes lock internally; use from any thread.
#ifndef FEDLINK_NODE_WEB_SESSIONS_H_
#define FEDLINK_NODE_WEB_SESSIONS_H_

#include <cstddef>
#include <map>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "node/app/user_store.h"
#include "node/common/clock.h"

namespace fedlink::web {

struct Session {
  std::string id;
  std::string csrf;
  std::string user;  // empty: a pre-login session (the login form's)
  app::UserRole role = app::UserRole::kCaseworker;
  absl::Time last_seen;
  bool logged_in() const { return !user.empty(); }
};

// Whether two tokens are equal, in time independent of where they differ.
bool SameToken(absl::string_view a, absl::string_view b);

class SessionStore {
 public:
  // At most `max_sessions` at once: when full, the least recently used
  // pre-login session goes first, then the least recently used one.
  SessionStore(common::Clock* clock, absl::Duration idle_timeout, size_t max_sessions = 10000);
  SessionStore(const SessionStore&) = delete;
  SessionStore& operator=(const SessionStore&) = delete;

  // A new session for `user` (empty: a pre-login session).
  Session Create(const std::string& user, app::UserRole role);
  // The live session with that id, its idle clock restarted; nullopt if
  // there is none or it was idle too long (it is then removed).
  std::optional<Session> Touch(absl::string_view id);
  void Remove(absl::string_view id);
  absl::Duration idle_timeout() const { return idle_timeout_; }

 private:
  common::Clock* const clock_;
  const absl::Duration idle_timeout_;
  const size_t max_sessions_;
  absl::Mutex mu_;
  std::map<std::string, Session> sessions_ ABSL_GUARDED_BY(mu_);
};

class LoginThrottle {
 public:
  LoginThrottle(common::Clock* clock, int free_failures = 5,
                absl::Duration first_lock = absl::Minutes(1),
                absl::Duration max_lock = absl::Hours(1));
  // How long `key` must still wait before it may try again (zero: now).
  absl::Duration Wait(absl::string_view key);
  void Failed(absl::string_view key);
  void Succeeded(absl::string_view key);

 private:
  struct State {
    int failures = 0;
    absl::Time locked_until = absl::InfinitePast();
  };
  common::Clock* const clock_;
  const int free_failures_;
  const absl::Duration first_lock_;
  const absl::Duration max_lock_;
  absl::Mutex mu_;
  std::map<std::string, State, std::less<>> states_ ABSL_GUARDED_BY(mu_);
};

}  // namespace fedlink::web

#endif  // FEDLINK_NODE_WEB_SESSIONS_H_
