// The console's pages driven as a browser would, without a network: login,
// cookies and headers, CSRF, roles, lockout, idle timeout, escaping, and the
// intake lookup against a real federation (police serving, the NGO's
// console asking).
#include "node/web/console.h"

#include <fstream>
#include <regex>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node/app/audit.h"
#include "node/app/audit_report.h"
#include "node/app/match.h"
#include "node/app/test_access_log.h"
#include "node/app/test_app_federation.h"
#include "node/app/test_key_source.h"
#include "node/app/users.h"
#include "node/web/html.h"

namespace fedlink::web {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kPassword[] = "correct horse battery";

// One browser: its cookie and the CSRF token of the last form it was shown.
class Browser {
 public:
  explicit Browser(Console& console, std::string client = "192.0.2.1")
      : console_(console), client_(std::move(client)) {}
  HttpResponse Get(const std::string& path) { return Send("GET", path, ""); }
  // Posts `fields` with the CSRF token of the last page (unless with_csrf is false).
  HttpResponse Post(const std::string& path, Form fields, bool with_csrf = true) {
    if (with_csrf) fields["csrf"] = csrf_;
    std::string body;
    for (const auto& [k, v] : fields) {
      absl::StrAppend(&body, body.empty() ? "" : "&", Encode(k), "=", Encode(v));
    }
    return Send("POST", path, body);
  }
  // A multipart/form-data POST (a file upload), as the server decodes it.
  HttpResponse PostMultipart(const std::string& path, Form fields) {
    fields["csrf"] = csrf_;
    HttpRequest r;
    r.method = "POST";
    r.path = path;
    r.content_type = "multipart/form-data; boundary=x";
    r.multipart = std::move(fields);
    r.cookie = cookie_;
    r.client = client_;
    return Receive(console_.Handle(r));
  }
  // Starts the batch match and follows its progress page until it is done
  // (the page refreshes itself while the match runs).
  HttpResponse RunMatch(Form fields, int* progress_pages = nullptr) {
    HttpResponse r = Post("/match", std::move(fields));
    EXPECT_EQ(r.status, 303);
    EXPECT_EQ(r.Header("Location"), "/match/progress");
    for (int i = 0; i < 600; ++i) {
      r = Get("/match/progress");
      if (r.Header("Refresh").empty()) return r;
      EXPECT_THAT(r.body, ::testing::HasSubstr("partners done"));
      if (progress_pages != nullptr) ++*progress_pages;
      absl::SleepFor(absl::Milliseconds(50));
    }
    ADD_FAILURE() << "the match did not finish";
    return r;
  }
  HttpResponse LogIn(const std::string& user, const std::string& password) {
    Get("/login");
    return Post("/login", {{"user", user}, {"password", password}});
  }
  const std::string& cookie() const { return cookie_; }
  void set_cookie(std::string c) { cookie_ = std::move(c); }

 private:
  static std::string Encode(const std::string& s) {
    std::string out;
    for (unsigned char c : s) {
      if (isalnum(c) || c == '-' || c == '_' || c == '.') {
        out.push_back(static_cast<char>(c));
      } else {
        absl::StrAppend(&out, "%", absl::Hex(c, absl::kZeroPad2));
      }
    }
    return out;
  }
  HttpResponse Send(const std::string& method, const std::string& path, const std::string& body) {
    HttpRequest r;
    r.method = method;
    r.path = path;
    r.body = body;
    r.content_type = "application/x-www-form-urlencoded";
    r.cookie = cookie_;
    r.client = client_;
    return Receive(console_.Handle(r));
  }
  HttpResponse Receive(HttpResponse response) {
    for (const auto& [name, value] : response.headers) {
      if (name != "Set-Cookie") continue;
      const std::string pair = value.substr(0, value.find(';'));
      cookie_ = absl::StrContains(value, "Max-Age=0") ? "" : pair;
    }
    std::smatch m;
    static const std::regex kCsrf("name=\"csrf\" value=\"([0-9a-f]+)\"");
    if (std::regex_search(response.body, m, kCsrf)) csrf_ = m[1];
    return response;
  }
  Console& console_;
  std::string client_;
  std::string cookie_;
  std::string csrf_;
};

class ConsoleTest : public app::testing::PoliceAndNgoTest {
 protected:
  void SetUp() override {
    fed_.Add("police", {app::testing::MariaIvanova("P-1")});
    // Console users are sealed under a data key: the NGO's node, made in the
    // clear by the test federation, is converted by opening it with one.
    auto converted =
        app::Node::Open(fed_.node("ngo").paths().dir, {.key_source = app::TestKeyFile("ngo")});
    ASSERT_TRUE(converted.ok()) << converted.status();
    ngo_ = *std::move(converted);
    for (const auto& [name, role] :
         std::vector<std::pair<std::string, app::UserRole>>{{"amira", app::UserRole::kCaseworker},
                                                            {"olga", app::UserRole::kAuditor},
                                                            {"sam", app::UserRole::kSupervisor},
                                                            {"root", app::UserRole::kAdmin}}) {
      const absl::Status added = app::AddUser(ngo(), {name, role, kPassword}, {"operator", ""});
      ASSERT_TRUE(added.ok()) << added;
    }
    ConsoleOptions options;
    options.clock = &clock_;
    auto console = Console::Create(ngo(), options);
    ASSERT_TRUE(console.ok()) << console.status();
    console_ = *std::move(console);
  }
  app::Node& ngo() { return *ngo_; }
  std::string Log() { return app::testing::AccessLogText(ngo()); }
  // The NGO's policy requires a supervisor's approval; sam runs the batch
  // match and amira asks police for contact about its hit, giving `reason`:
  // `*page` is the page she sees then, `*id` the held request's id.
  void HoldARequest(Browser& sam, Browser& amira, const std::string& reason, HttpResponse* page,
                    std::string* id) {
    fed_.Serve("police");
    std::ofstream(ngo().paths().policy())
        << app::testing::kNgoPolicy << "contact_requests_need_approval: true\n";
    ASSERT_TRUE(ngo().records().Upsert({app::testing::MariaIvanova("N-1")}).ok());
    ASSERT_EQ(sam.LogIn("sam", kPassword).status, 303);
    sam.Get("/match");
    const HttpResponse matched = sam.RunMatch({{"purpose", "victim-dedup"}});
    std::smatch m;
    ASSERT_TRUE(
        std::regex_search(matched.body, m, std::regex("name=\"handle\" value=\"([^\"]+)\"")));
    const std::string handle = m[1];
    ASSERT_EQ(amira.LogIn("amira", kPassword).status, 303);
    amira.Get("/inbox");
    *page = amira.Post(
        "/contact",
        {{"peer", "police"}, {"handle", handle}, {"purpose", "victim-dedup"}, {"reason", reason}});
    ASSERT_TRUE(std::regex_search(page->body, m, std::regex("Request (c[0-9a-f]+) to")));
    *id = m[1];
  }
  std::unique_ptr<app::Node> ngo_;
  common::FakeClock clock_;
  std::unique_ptr<Console> console_;
};

TEST_F(ConsoleTest, LoginPageSendsAStrictCookieAndSecurityHeaders) {
  Browser b(*console_);
  const HttpResponse r = b.Get("/login");
  EXPECT_EQ(r.status, 200);
  const std::string cookie = r.Header("Set-Cookie");
  EXPECT_THAT(cookie, HasSubstr("__Host-fedlink="));
  EXPECT_THAT(cookie, HasSubstr("HttpOnly"));
  EXPECT_THAT(cookie, HasSubstr("SameSite=Strict"));
  EXPECT_THAT(cookie, HasSubstr("Secure"));
  EXPECT_THAT(r.Header("Content-Security-Policy"), HasSubstr("default-src 'none'"));
  EXPECT_THAT(r.Header("Content-Security-Policy"), HasSubstr("form-action 'self'"));
  EXPECT_EQ(r.Header("Cache-Control"), "no-store");
  EXPECT_EQ(r.Header("X-Content-Type-Options"), "nosniff");
  EXPECT_THAT(r.Header("Strict-Transport-Security"), HasSubstr("max-age="));
  EXPECT_THAT(r.body, Not(HasSubstr("<script")));
  EXPECT_THAT(r.body, HasSubstr("<label for=\"user\">"));
  EXPECT_THAT(r.body, HasSubstr("<label for=\"password\">"));
}

TEST_F(ConsoleTest, PagesNeedALoginAndALoginMakesANewSession) {
  Browser b(*console_);
  EXPECT_EQ(b.Get("/lookup").status, 401);
  b.Get("/login");
  const std::string before = b.cookie();
  const HttpResponse r = b.Post("/login", {{"user", "amira"}, {"password", kPassword}});
  EXPECT_EQ(r.status, 303);
  EXPECT_EQ(r.Header("Location"), "/");
  EXPECT_NE(b.cookie(), before);  // no fixation: the pre-login id is worth nothing
  const HttpResponse home = b.Get("/");
  EXPECT_EQ(home.status, 200);
  EXPECT_THAT(home.body, HasSubstr("amira"));
  EXPECT_THAT(home.body, HasSubstr("href=\"/lookup\""));
  EXPECT_THAT(home.body, Not(HasSubstr("href=\"/users\"")));
  Browser planted(*console_);
  planted.set_cookie(before);
  EXPECT_EQ(planted.Get("/").status, 401);
  EXPECT_THAT(Log(), HasSubstr("console.login official=amira outcome=ok"));
}

TEST_F(ConsoleTest, WrongPasswordsLockTheNameOutWithBackOff) {
  Browser b(*console_);
  for (int i = 0; i < 5; ++i) {
    const HttpResponse r = b.LogIn("amira", "not the password!");
    EXPECT_EQ(r.status, 401);
    EXPECT_THAT(r.body, HasSubstr("Wrong user name or password."));
  }
  HttpResponse r = b.LogIn("amira", kPassword);  // right, but locked
  EXPECT_EQ(r.status, 429);
  EXPECT_THAT(r.body, HasSubstr("Too many failed logins. Wait 1 minutes"));
  // Another client is locked out of that name too; other names are not.
  Browser other(*console_, "192.0.2.2");
  EXPECT_EQ(other.LogIn("amira", kPassword).status, 429);
  EXPECT_EQ(other.LogIn("olga", kPassword).status, 303);
  clock_.Advance(absl::Minutes(1));
  EXPECT_EQ(b.LogIn("amira", kPassword).status, 303);
}

TEST_F(ConsoleTest, APostWithoutTheSessionsCsrfTokenIsRefused) {
  Browser b(*console_);
  ASSERT_EQ(b.LogIn("amira", kPassword).status, 303);
  b.Get("/lookup");
  EXPECT_EQ(b.Post("/lookup", {{"given", "Maria"}}, /*with_csrf=*/false).status, 403);
  EXPECT_EQ(b.Post("/lookup", {{"given", "Maria"}, {"csrf", std::string(64, 'a')}}, false).status,
            403);
  // Another session's token does not do either.
  Browser other(*console_, "192.0.2.2");
  ASSERT_EQ(other.LogIn("amira", kPassword).status, 303);
  other.Get("/lookup");
  Browser thief(*console_);
  thief.set_cookie(b.cookie());
  EXPECT_EQ(thief.Post("/logout", {}, false).status, 403);
  EXPECT_THAT(Log(), HasSubstr("console.csrf.refused official=amira"));
  EXPECT_EQ(b.Post("/logout", {}).status, 303);
}

TEST_F(ConsoleTest, EachRoleOpensOnlyItsOwnPages) {
  Browser caseworker(*console_);
  ASSERT_EQ(caseworker.LogIn("amira", kPassword).status, 303);
  EXPECT_EQ(caseworker.Get("/audit").status, 403);
  EXPECT_EQ(caseworker.Get("/audit/upload").status, 403);
  EXPECT_EQ(caseworker.Get("/users").status, 403);
  EXPECT_EQ(caseworker.Get("/inbox").status, 200);
  Browser auditor(*console_, "192.0.2.3");
  ASSERT_EQ(auditor.LogIn("olga", kPassword).status, 303);
  EXPECT_EQ(auditor.Get("/lookup").status, 403);
  EXPECT_EQ(auditor.Get("/users").status, 403);
  const HttpResponse report = auditor.Get("/audit");
  EXPECT_EQ(report.status, 200);
  EXPECT_THAT(report.Header("Content-Security-Policy"),
              HasSubstr(app::AuditReportScriptHashSource()));
  EXPECT_THAT(report.body, HasSubstr("ngo.audit"));
  // With a peer's export uploaded: both logs reviewed together.
  auto police_export = app::ExportAuditLog(fed_.node("police"));
  ASSERT_TRUE(police_export.ok());
  EXPECT_EQ(auditor.Get("/audit/upload").status, 200);
  const HttpResponse joined = auditor.PostMultipart(
      "/audit", {{"export1", police_export->bytes}, {"export1.filename", "police.audit"}});
  EXPECT_EQ(joined.status, 200);
  EXPECT_THAT(joined.body, HasSubstr("police.audit"));
  EXPECT_THAT(joined.body, HasSubstr("ngo.audit"));
  Browser admin(*console_, "192.0.2.4");
  ASSERT_EQ(admin.LogIn("root", kPassword).status, 303);
  EXPECT_EQ(admin.Get("/lookup").status, 403);
  EXPECT_EQ(admin.Get("/audit").status, 403);
  const HttpResponse users = admin.Get("/users");
  EXPECT_EQ(users.status, 200);
  EXPECT_THAT(users.body, HasSubstr("amira"));
  EXPECT_EQ(caseworker.Get("/audit/Maria-Ivanova").status, 403);
  EXPECT_THAT(Log(), HasSubstr("console.forbidden official=amira outcome=PERMISSION_DENIED: role "
                               "detail=/audit\n"));
  EXPECT_THAT(Log(), HasSubstr("detail=(other)"));
  EXPECT_THAT(Log(), Not(HasSubstr("Maria")));
}

TEST_F(ConsoleTest, AnIdleSessionEnds) {
  Browser b(*console_);
  ASSERT_EQ(b.LogIn("amira", kPassword).status, 303);
  clock_.Advance(absl::Minutes(14));
  EXPECT_EQ(b.Get("/").status, 200);
  clock_.Advance(absl::Minutes(16));
  const HttpResponse r = b.Get("/");
  EXPECT_EQ(r.status, 401);
  EXPECT_THAT(r.body, HasSubstr("Your session ended"));
}

TEST_F(ConsoleTest, EveryValueShownIsEscaped) {
  EXPECT_EQ(Escape("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;");
  record::Person p = app::testing::AnaPopescu("<script>alert(1)</script>");
  ASSERT_TRUE(ngo().records().Upsert({p}).ok());
  Browser b(*console_);
  ASSERT_EQ(b.LogIn("amira", kPassword).status, 303);
  b.Get("/records");
  const HttpResponse r =
      b.Post("/records/withdraw", {{"withdraw-id", "<script>alert(1)</script>"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_THAT(r.body, HasSubstr("record &lt;script&gt;alert(1)&lt;/script&gt; is no longer"));
  EXPECT_THAT(r.body, Not(HasSubstr("<script>")));
}

TEST_F(ConsoleTest, ACaseworkerAddsOnePersonWithConsentScopes) {
  Browser b(*console_);
  ASSERT_EQ(b.LogIn("amira", kPassword).status, 303);
  b.Get("/records");
  HttpResponse r = b.Post("/records/add", {{"external_id", "N-9"},
                                           {"role", "victim"},
                                           {"given_name", "Ana"},
                                           {"family_name", "Popescu"},
                                           {"dob", "1985-01-30"},
                                           {"consent", "victim-dedup"},
                                           {"consent_expires", "2030-01-31"},
                                           {"labels", "trafficking"}});
  EXPECT_THAT(r.body, HasSubstr("Record N-9 added"));
  auto stored = ngo().records().Get("N-9");
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ((*stored)->consent, std::vector<std::string>{"victim-dedup"});
  EXPECT_EQ((*stored)->role, record::Role::kVictim);
  EXPECT_NE((*stored)->consent_expires_at, 0);
  // A bad date is refused naming the field, not the value, and changes nothing.
  r = b.Post("/records/add", {{"external_id", "N-9"}, {"role", "victim"}, {"dob", "1985-13-45"}});
  EXPECT_THAT(r.body, HasSubstr("dob"));
  EXPECT_THAT(r.body, Not(HasSubstr("1985-13-45")));
  stored = ngo().records().Get("N-9");
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ((*stored)->given_name, "Ana");
  EXPECT_THAT(Log(), HasSubstr("records.add official=amira outcome=ok"));
}

TEST_F(ConsoleTest, TheSurvivorsLanguageIsKeptAndTheSharingPageNamesIt) {
  Browser b(*console_);
  ASSERT_EQ(b.LogIn("amira", kPassword).status, 303);
  b.Get("/records");
  EXPECT_THAT(b.Get("/records").body, HasSubstr("name=\"language\""));
  HttpResponse r = b.Post("/records/add", {{"external_id", "N-7"},
                                           {"role", "victim"},
                                           {"given_name", "Olena"},
                                           {"language", "UK"},
                                           {"consent", "victim-dedup"}});
  EXPECT_THAT(r.body, HasSubstr("Record N-7 added"));
  auto stored = ngo().records().Get("N-7");
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ((*stored)->language, "uk");
  r = b.Post("/records/share", {{"share-id", "N-7"}});
  EXPECT_THAT(r.body, HasSubstr("You told us you read Ukrainian (uk)"));
  // A bad code is refused naming the field, never echoing the value.
  r = b.Post("/records/add",
             {{"external_id", "N-7"}, {"role", "victim"}, {"language", "<b>klingon</b>"}});
  EXPECT_THAT(r.body, HasSubstr("language: expected a language code"));
  EXPECT_THAT(r.body, Not(HasSubstr("klingon")));
  // Without a language the page offers an explanation in another one.
  ASSERT_TRUE(ngo().records().Upsert({app::testing::MariaIvanova("N-8")}).ok());
  r = b.Post("/records/share", {{"share-id", "N-8"}});
  EXPECT_THAT(r.body, HasSubstr("explained in another language"));
}

TEST_F(ConsoleTest, OneFieldOfARecordIsChangedAllOrNothing) {
  ASSERT_TRUE(ngo().records().Upsert({app::testing::MariaIvanova("N-1")}).ok());
  Browser b(*console_);
  ASSERT_EQ(b.LogIn("amira", kPassword).status, 303);
  EXPECT_THAT(b.Get("/records").body, HasSubstr("action=\"/records/edit\""));
  HttpResponse r = b.Post("/records/edit",
                          {{"edit-id", "N-1"}, {"field", "phone"}, {"value", "+40 721 000 001"}});
  EXPECT_THAT(r.body, HasSubstr("Record N-1: phone changed."));
  auto stored = ngo().records().Get("N-1");
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ((*stored)->phones, std::vector<std::string>{"+40 721 000 001"});
  EXPECT_EQ((*stored)->given_name, "Maria");
  r = b.Post("/records/edit", {{"edit-id", "N-1"}, {"field", "dob"}, {"value", "<1990-13-45>"}});
  EXPECT_THAT(r.body, HasSubstr("dob"));
  EXPECT_THAT(r.body, Not(HasSubstr("1990-13-45")));
  stored = ngo().records().Get("N-1");
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ((*stored)->dob, (record::PartialDate{1990, 4, 12}));
  EXPECT_THAT(Log(), HasSubstr("records.edit official=amira outcome=ok detail=field phone"));
}

TEST_F(ConsoleTest, ASupervisorsBatchMatchLeadsToAContactRequest) {
  fed_.Serve("police");
  ASSERT_TRUE(ngo().records().Upsert({app::testing::MariaIvanova("N-1")}).ok());
  Browser caseworker(*console_);
  ASSERT_EQ(caseworker.LogIn("amira", kPassword).status, 303);
  EXPECT_EQ(caseworker.Get("/match").status, 403);
  Browser b(*console_, "192.0.2.5");
  ASSERT_EQ(b.LogIn("sam", kPassword).status, 303);
  EXPECT_THAT(b.Get("/").body, HasSubstr("href=\"/match\""));
  b.Get("/match");
  HttpResponse r = b.RunMatch({{"purpose", "victim-dedup"}, {"legal_basis", "case-9"}});
  EXPECT_THAT(r.body, HasSubstr("1 matches"));
  EXPECT_THAT(r.body, HasSubstr("name=\"legal_basis\" value=\"case-9\""));
  EXPECT_THAT(r.body, HasSubstr("Our record N-1: police may know this person"));
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.body, m, std::regex("name=\"handle\" value=\"([^\"]+)\"")));
  r = b.Post("/contact", {{"peer", "police"},
                          {"handle", m[1]},
                          {"purpose", "victim-dedup"},
                          {"reason", "same survivor?"}});
  EXPECT_THAT(r.body, HasSubstr("sent to police"));
  EXPECT_THAT(Log(), HasSubstr("console.match official=sam outcome=ok detail=started"));
  EXPECT_THAT(Log(), HasSubstr("console.contact official=sam outcome=ok"));
}

TEST_F(ConsoleTest, ASupervisorDecidesBorderlineMatchesInReview) {
  fed_.Serve("police");
  ASSERT_TRUE(ngo().records().Upsert({app::testing::MariaIvanova("N-1")}).ok());
  // A match whose threshold is above the pair's score queues it.
  app::MatchRequest match;
  match.purpose = "victim-dedup";
  match.all = true;
  match.options.threshold = 500;
  match.options.review_margin = 1000;
  auto report = app::MatchOwnRecords(ngo(), match);
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_EQ(report->queued, 1u);
  Browser caseworker(*console_);
  ASSERT_EQ(caseworker.LogIn("amira", kPassword).status, 303);
  EXPECT_EQ(caseworker.Get("/review").status, 403);
  EXPECT_THAT(caseworker.Get("/").body, Not(HasSubstr("href=\"/review\"")));
  Browser b(*console_, "192.0.2.6");
  ASSERT_EQ(b.LogIn("sam", kPassword).status, 303);
  EXPECT_THAT(b.Get("/").body, HasSubstr("href=\"/review\""));
  HttpResponse page = b.Get("/review");
  ASSERT_EQ(page.status, 200);
  EXPECT_THAT(page.body, HasSubstr("Our record N-1"));
  EXPECT_THAT(page.body, HasSubstr("threshold 500.0 bits"));
  std::smatch m;
  ASSERT_TRUE(std::regex_search(page.body, m, std::regex("name=\"id\" value=\"(r[0-9a-f]+)\"")));
  const std::string id = m[1];
  HttpResponse r = b.Post("/review/decide", {{"id", id}, {"decision", "accept"}});
  EXPECT_THAT(r.body, HasSubstr(absl::StrCat("Item ", id, " accepted.")));
  EXPECT_THAT(r.body, Not(HasSubstr("Our record N-1")));  // no longer pending
  // Decided once.
  r = b.Post("/review/decide", {{"id", id}, {"decision", "reject"}});
  EXPECT_THAT(r.body, HasSubstr("already accepted"));
  EXPECT_THAT(Log(), HasSubstr("review.accept official=sam outcome=ok"));
  EXPECT_THAT(Log(), HasSubstr("console.review official=sam outcome=ok detail=accept"));
  // The accepted pair is now reported, even above the threshold.
  auto again = app::MatchOwnRecords(ngo(), match);
  ASSERT_TRUE(again.ok()) << again.status();
  ASSERT_EQ(again->matches.size(), 1u);
  EXPECT_TRUE(again->matches[0].reviewed);
}

TEST_F(ConsoleTest, UnderThePolicyACaseworkersRequestWaitsForASupervisorsApproval) {
  Browser sam(*console_, "192.0.2.5");
  Browser amira(*console_);
  HttpResponse r;
  std::string id;
  ASSERT_NO_FATAL_FAILURE(HoldARequest(sam, amira, "<same survivor?>", &r, &id));
  EXPECT_THAT(r.body, HasSubstr("awaiting a supervisor&#39;s approval"));
  EXPECT_THAT(r.body, HasSubstr("Reason: &lt;same survivor?&gt;"));
  EXPECT_THAT(r.body, Not(HasSubstr("action=\"/inbox/approve\"")));  // not for a caseworker
  auto police_inbox = app::ReadInbox(fed_.node("police"));
  ASSERT_TRUE(police_inbox.ok());
  EXPECT_TRUE(police_inbox->incoming.empty());  // nothing sent yet
  EXPECT_EQ(amira.Post("/inbox/approve", {{"id", id}, {"decision", "approve"}}).status, 403);
  r = sam.Get("/inbox");
  EXPECT_THAT(r.body, HasSubstr("action=\"/inbox/approve\""));
  EXPECT_THAT(r.body, HasSubstr("asked by amira"));
  r = sam.Post("/inbox/approve", {{"id", id}, {"decision", "approve"}});
  EXPECT_THAT(r.body, HasSubstr(absl::StrCat("Request ", id, " approved and sent to police")));
  police_inbox = app::ReadInbox(fed_.node("police"));
  ASSERT_TRUE(police_inbox.ok());
  ASSERT_EQ(police_inbox->incoming.size(), 1u);
  EXPECT_EQ(police_inbox->incoming[0].id, id);
  const std::string log = Log();
  EXPECT_THAT(log, HasSubstr("contact.held official=amira outcome=ok"));
  EXPECT_THAT(log, HasSubstr("contact.approve official=sam outcome=ok"));
}

TEST_F(ConsoleTest, ARejectedRequestStaysVisibleToTheCaseworkerAsRejected) {
  Browser sam(*console_, "192.0.2.5");
  Browser amira(*console_);
  HttpResponse r;
  std::string id;
  ASSERT_NO_FATAL_FAILURE(HoldARequest(sam, amira, "same survivor?", &r, &id));
  EXPECT_THAT(r.body, Not(HasSubstr("rejected by a supervisor")));
  sam.Get("/inbox");
  r = sam.Post("/inbox/approve", {{"id", id}, {"decision", "reject"}});
  EXPECT_THAT(r.body, HasSubstr(absl::StrCat("Request ", id, " rejected: it was not sent.")));
  r = amira.Get("/inbox");
  EXPECT_THAT(r.body, HasSubstr("Contact requests rejected by a supervisor"));
  EXPECT_THAT(r.body, HasSubstr(absl::StrCat("Request ", id, " to ")));
  EXPECT_THAT(r.body, HasSubstr("Rejected by sam on "));
  EXPECT_THAT(r.body, Not(HasSubstr("action=\"/inbox/approve\"")));  // decided: no buttons
  auto police_inbox = app::ReadInbox(fed_.node("police"));
  ASSERT_TRUE(police_inbox.ok());
  EXPECT_TRUE(police_inbox->incoming.empty());
}

TEST_F(ConsoleTest, TheBatchMatchShowsItsProgressUntilDone) {
  fed_.Serve("police");
  ASSERT_TRUE(ngo().records().Upsert({app::testing::MariaIvanova("N-1")}).ok());
  Browser b(*console_, "192.0.2.5");
  ASSERT_EQ(b.LogIn("sam", kPassword).status, 303);
  EXPECT_THAT(b.Get("/match/progress").body, HasSubstr("No batch match has been started"));
  b.Get("/match");
  // A match of one record may finish before the first look: the progress
  // page is checked whenever it is seen (RunMatch), the finished one always.
  int progress_pages = 0;
  HttpResponse r = b.RunMatch({{"purpose", "victim-dedup"}}, &progress_pages);
  EXPECT_EQ(r.status, 200);
  EXPECT_THAT(r.body, HasSubstr("1 matches"));
  EXPECT_TRUE(r.Header("Refresh").empty());
  // An undeclared purpose is refused before anything starts.
  b.Get("/match");
  r = b.Post("/match", {{"purpose", "nope"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_THAT(r.body, HasSubstr("not declared"));
  // Another session has no match of its own to show.
  Browser other(*console_, "192.0.2.6");
  ASSERT_EQ(other.LogIn("sam", kPassword).status, 303);
  EXPECT_THAT(other.Get("/match/progress").body, HasSubstr("No batch match has been started"));
}

TEST_F(ConsoleTest, AnUploadIsPreviewedThenImportedOnlyWhenConfirmed) {
  Browser b(*console_);
  ASSERT_EQ(b.LogIn("amira", kPassword).status, 303);
  b.Get("/records");
  const std::string header = "external_id,role,given_name,family_name,dob,consent,labels\n";
  // A bad line: refused naming the file, line and field, not the value.
  HttpResponse r = b.PostMultipart("/records/import",
                                   {{"file", header + "N-1,victim,Ana,Popescu,1985-13-45,,\n"},
                                    {"file.filename", "../../cases.csv"}});
  EXPECT_THAT(r.body, HasSubstr("cases.csv:2: dob"));
  EXPECT_THAT(r.body, Not(HasSubstr("1985-13-45")));
  EXPECT_THAT(r.body, Not(HasSubstr("../")));
  ASSERT_TRUE(ngo().records().Upsert({app::testing::MariaIvanova("N-1")}).ok());
  r = b.PostMultipart("/records/import",
                      {{"file", header + "N-1,victim,Maria,Ivanova,1990-04-12,victim-dedup,\n"
                                         "N-2,victim,Ana,Popescu,1985-01-30,,\n"},
                       {"file.filename", "cases.csv"}});
  EXPECT_THAT(r.body, HasSubstr("cases.csv holds 2 records: 1 new and 1 that update"));
  auto count = ngo().records().Count();
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, 1u);  // nothing stored by the preview
  r = b.Post("/records/import", {{"confirm", "yes"}});
  EXPECT_THAT(r.body, HasSubstr("Imported 2 records (1 new, 1 updated)"));
  count = ngo().records().Count();
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, 2u);
  r = b.Post("/records/import", {{"confirm", "yes"}});  // once only
  EXPECT_THAT(r.body, HasSubstr("There is no previewed file"));
  EXPECT_THAT(Log(), HasSubstr("records.import official=amira outcome=ok detail=1 new, 1 updated"));
  // Without the CSRF token an upload is refused like any POST.
  HttpRequest raw;
  raw.method = "POST";
  raw.path = "/records/import";
  raw.content_type = "multipart/form-data; boundary=x";
  raw.multipart = {{"file", header}};
  raw.cookie = b.cookie();
  EXPECT_EQ(console_->Handle(raw).status, 403);
}

TEST_F(ConsoleTest, AdminAddsAndDisablesUsers) {
  Browser admin(*console_);
  ASSERT_EQ(admin.LogIn("root", kPassword).status, 303);
  admin.Get("/users");
  HttpResponse r = admin.Post(
      "/users",
      {{"action", "add"}, {"name", "ben"}, {"role", "supervisor"}, {"password", kPassword}});
  EXPECT_THAT(r.body, HasSubstr("Added user ben."));
  r = admin.Post("/users", {{"action", "disable"}, {"name", "ben"}});
  EXPECT_THAT(r.body, HasSubstr("Disabled user ben."));
  Browser ben(*console_, "192.0.2.9");
  EXPECT_EQ(ben.LogIn("ben", kPassword).status, 401);
  EXPECT_THAT(Log(),
              HasSubstr("users.add official=root outcome=ok detail=user ben role supervisor"));
}

TEST_F(ConsoleTest, LookupWithoutConsentIsRefusedAndSendsNothing) {
  Browser b(*console_);
  ASSERT_EQ(b.LogIn("amira", kPassword).status, 303);
  b.Get("/lookup");
  const HttpResponse r = b.Post("/lookup", {{"given", "Maria"},
                                            {"family", "Ivanova"},
                                            {"dob", "1990-04-12"},
                                            {"purpose", "victim-dedup"}});
  EXPECT_THAT(r.body, HasSubstr("Not checked: the person has not agreed to a check for "
                                "victim-dedup"));
  EXPECT_THAT(Log(), HasSubstr("console.lookup official=amira outcome=FAILED_PRECONDITION"));
  EXPECT_THAT(Log(), Not(HasSubstr("match.")));
}

TEST_F(ConsoleTest, LookupFindsAPersonByACyrillicSpellingInPlainWords) {
  fed_.Serve("police");
  Browser b(*console_);
  ASSERT_EQ(b.LogIn("amira", kPassword).status, 303);
  b.Get("/lookup");
  const HttpResponse r = b.Post("/lookup", {{"given", "Мария"},
                                            {"family", "Иванова"},
                                            {"dob", "1990-04-12"},
                                            {"purpose", "victim-dedup"},
                                            {"legal_basis", "case-17"},
                                            {"consent", "yes"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_THAT(r.Header("Server-Timing"),
              ::testing::MatchesRegex("app;dur=[0-9.]+, page;dur=[0-9.]+"));
  EXPECT_THAT(r.body, HasSubstr("may know this person: agreeing "));
  EXPECT_THAT(r.body, HasSubstr("name with date of birth"));
  EXPECT_THAT(r.body, HasSubstr("within 48 hours"));
  EXPECT_THAT(r.body, Not(HasSubstr("Мария")));  // the intake is not echoed back
  // The NGO holds no record of her, so nothing backs a contact request: the
  // page says why and what to do instead of offering a button that fails.
  EXPECT_THAT(r.body, Not(HasSubstr("action=\"/contact\"")));
  EXPECT_THAT(r.body, HasSubstr("first record the person here"));
  EXPECT_THAT(r.body, HasSubstr("with their consent for victim-dedup"));
  EXPECT_THAT(r.body, HasSubstr("href=\"/records\""));
  // A request forged with a handle from the lookup is still refused.
  const HttpResponse contact = b.Post("/contact", {{"peer", "police"},
                                                   {"handle", "h-from-a-lookup"},
                                                   {"purpose", "victim-dedup"},
                                                   {"reason", "same survivor?"}});
  EXPECT_THAT(contact.body, HasSubstr("no match with handle"));
  EXPECT_THAT(contact.body, HasSubstr("A contact request needs a match of one of our own records"));
  EXPECT_THAT(Log(), HasSubstr("console.lookup official=amira outcome=ok detail=1 candidates"));
  // Once we hold her record and a batch match found it there, the lookup
  // offers the request about it.
  ASSERT_TRUE(ngo().records().Upsert({app::testing::MariaIvanova("N-1")}).ok());
  app::MatchRequest match;
  match.purpose = "victim-dedup";
  match.all = true;
  ASSERT_TRUE(app::MatchOwnRecords(ngo(), match).ok());
  b.Get("/lookup");
  const HttpResponse again = b.Post("/lookup", {{"given", "Мария"},
                                                {"family", "Иванова"},
                                                {"dob", "1990-04-12"},
                                                {"purpose", "victim-dedup"},
                                                {"consent", "yes"}});
  EXPECT_THAT(again.body, HasSubstr("action=\"/contact\""));
  EXPECT_THAT(again.body, HasSubstr("(our record N-1)"));
}

}  // namespace
}  // namespace fedlink::web
