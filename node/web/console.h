// The node's web console: the pages caseworkers, supervisors, auditors and
// administrators use from a browser (docs/console.md), as plain request and
// response structs so that tests drive every page without a network; the
// HTTP server (web_server.h) only adapts cpp-httplib to Handle().
//
// Every page calls the application layer (node/app) as the CLI does; this
// layer holds no use-case logic, only sessions, forms and HTML. Security:
//   - every response carries a strict Content-Security-Policy (no script,
//     no external resource, forms only to this console), no-store, nosniff,
//     no referrer, no framing (and HSTS over HTTPS);
//   - the session cookie is HttpOnly, SameSite=Strict, and Secure with the
//     __Host- prefix over HTTPS; a session idle longer than the timeout ends;
//   - every form carries the session's CSRF token and every POST without it
//     is refused; anything personal is sent by POST only, never in a URL;
//   - failed logins lock the user name and the client out with back-off;
//   - every value shown is HTML-escaped (html.h);
//   - every action is logged in the node's access log with the logged-in
//     user as the official.
// Thread-safety: Handle may be called from many threads at once.
#ifndef FEDLINK_NODE_WEB_CONSOLE_H_
#define FEDLINK_NODE_WEB_CONSOLE_H_

#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "node/app/node.h"
#include "node/app/user_store.h"
#include "node/common/clock.h"
#include "node/web/form.h"
#include "node/web/sessions.h"

namespace fedlink::web {

struct ConsoleOptions {
  common::Clock* clock = common::Clock::Real();
  absl::Duration idle_timeout = absl::Minutes(15);
  // Served over HTTPS: the cookie is Secure (__Host- prefix), HSTS is sent.
  bool https = true;
  std::string default_purpose = "victim-dedup";
  // Lockout: after this many failed logins in a row for a user name (or
  // four times as many from one client address), wait first_lock, doubled
  // at each further failure up to max_lock.
  int lockout_after = 5;
  absl::Duration first_lock = absl::Minutes(1);
  absl::Duration max_lock = absl::Hours(1);
  // Intake lookups running at once; more wait their turn. The lookup's
  // OPRF work is CPU-bound, so a cap below the cores keeps the rest for the
  // node's peer service (docs/console.md "Performance"). 0: half the cores
  // (at least one).
  int max_concurrent_lookups = 0;
};

struct HttpRequest {
  std::string method;  // GET or POST
  std::string path;    // without the query
  std::string content_type;
  std::string body;
  std::string cookie;  // the Cookie header
  std::string client;  // the remote address (lockout key)
  // A multipart/form-data body, decoded by the server: each part's content
  // by field name, and a file's name as "NAME.filename".
  Form multipart;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/html; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // The first header of that name, or "".
  std::string Header(absl::string_view name) const;
};

class Console {
 public:
  // Opens the node's users.db (FailedPrecondition without a data key).
  static absl::StatusOr<std::unique_ptr<Console>> Create(app::Node& node,
                                                         const ConsoleOptions& options);
  Console(const Console&) = delete;
  Console& operator=(const Console&) = delete;
  // Waits for batch matches still running.
  ~Console();

  HttpResponse Handle(const HttpRequest& request);
  // The intake lookups it runs at once (ConsoleOptions::max_concurrent_lookups
  // as resolved: never 0).
  int max_concurrent_lookups() const { return max_lookups_; }
  // "__Host-fedlink" over HTTPS, else "fedlink".
  const std::string& cookie_name() const { return cookie_name_; }

 private:
  struct Call;  // one request being handled
  Console(app::Node& node, const ConsoleOptions& options, std::unique_ptr<app::UserStore> users);
  HttpResponse Route(Call& call);
  HttpResponse LoginPage(Call& call, const std::string& notice, int status);
  HttpResponse Login(Call& call);
  HttpResponse Logout(Call& call);
  HttpResponse Home(Call& call);
  HttpResponse LookupForm(Call& call, const std::string& notice);
  HttpResponse Lookup(Call& call);
  HttpResponse Contact(Call& call);
  HttpResponse MatchForm(Call& call, const std::string& notice);
  HttpResponse Match(Call& call);
  HttpResponse MatchProgress(Call& call);
  HttpResponse Inbox(Call& call, const std::string& notice);
  HttpResponse Decide(Call& call);
  HttpResponse Review(Call& call, const std::string& notice);
  HttpResponse DecideReview(Call& call);
  HttpResponse Approve(Call& call);
  HttpResponse Records(Call& call, const std::string& notice);
  HttpResponse Share(Call& call);
  HttpResponse AddRecord(Call& call);
  HttpResponse EditRecord(Call& call);
  HttpResponse Import(Call& call);
  HttpResponse Withdraw(Call& call);
  HttpResponse Audit(Call& call);
  HttpResponse AuditUpload(Call& call);
  HttpResponse Users(Call& call, const std::string& notice);
  HttpResponse ChangeUser(Call& call);

  HttpResponse Page(const Call& call, absl::string_view title, absl::string_view body,
                    int status = 200);
  std::string SessionCookie(const Session& session) const;
  // A peer's organisation as the installed roster names it (else its id).
  std::string Organisation(const std::string& peer);
  // Logs a console action under the session's user.
  void LogAction(const Call& call, const char* event, const absl::Status& outcome,
                 const std::string& detail = "");

  app::Node& node_;
  const ConsoleOptions options_;
  const std::string cookie_name_;
  std::unique_ptr<app::UserStore> users_;
  SessionStore sessions_;
  LoginThrottle name_throttle_;
  LoginThrottle client_throttle_;
  // A previewed upload waiting for its confirmation, by session id (one
  // each); wiped when imported, replaced or dropped.
  struct PendingImport {
    std::string name;
    std::string text;
    ~PendingImport();
  };
  absl::Mutex pending_mu_;
  std::map<std::string, std::unique_ptr<PendingImport>> pending_ ABSL_GUARDED_BY(pending_mu_);
  // A supervisor's batch match runs on a thread of its own; its page
  // (/match/progress) shows the progress and, once done, the matches. One
  // per session; a new one replaces a finished one.
  // The lookups running now (max_concurrent_lookups).
  absl::Mutex lookups_mu_;
  int lookups_running_ ABSL_GUARDED_BY(lookups_mu_) = 0;
  const int max_lookups_;
  struct MatchJob;
  absl::Mutex jobs_mu_;
  std::map<std::string, std::shared_ptr<MatchJob>> jobs_ ABSL_GUARDED_BY(jobs_mu_);
};

}  // namespace fedlink::web

#endif  // FEDLINK_NODE_WEB_CONSOLE_H_
