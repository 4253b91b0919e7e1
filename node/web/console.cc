#include "node/web/console.h"

#include <sodium.h>

#include <algorithm>
#include <map>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/strings/substitute.h"
#include "node/app/audit.h"
#include "node/app/audit_report.h"
#include "node/app/consent.h"
#include "node/app/contact_approval.h"
#include "node/app/edit_record.h"
#include "node/app/followup.h"
#include "node/app/import_preview.h"
#include "node/app/intake_record.h"
#include "node/app/match.h"
#include "node/app/records.h"
#include "node/app/review.h"
#include "node/app/users.h"
#include "node/common/status_macros.h"
#include "node/normalize/language.h"
#include "node/web/console_text.h"
#include "node/web/html.h"
#include "node/web/plain_words.h"

namespace fedlink::web {

struct Console::Call {
  const HttpRequest& request;
  std::optional<Session> session;
  Form form;
  std::vector<std::pair<std::string, std::string>> set_headers;  // added to the response
  bool session_ended = false;  // a cookie for a session that is gone
  // How long the application layer took for this page (the lookup), sent
  // with the page's own time as a Server-Timing header; < 0: not measured.
  absl::Duration app_time = -absl::InfiniteDuration();
  const std::string& Field(const std::string& name) const {
    static const std::string* empty = new std::string;
    auto it = form.find(name);
    return it == form.end() ? *empty : it->second;
  }
};

namespace {

constexpr char kCsp[] =
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'";

std::string Paragraph(absl::string_view html_text, absl::string_view cls = "") {
  return cls.empty() ? absl::StrCat("<p>", html_text, "</p>")
                     : absl::StrCat("<p class=\"", cls, "\" role=\"status\">", html_text, "</p>");
}

std::string Notice(const std::string& notice) {
  return notice.empty() ? "" : notice;  // already HTML
}

std::string Ok(absl::string_view text) { return Paragraph(Escape(text), "ok"); }
std::string Refused(absl::string_view text) { return Paragraph(Escape(text), "refused"); }

// A labelled text input; `hint` (optional) is tied to it for screen readers.
std::string TextInput(absl::string_view name, absl::string_view label, absl::string_view hint = "",
                      absl::string_view type = "text", absl::string_view extra = "") {
  const std::string hint_html = hint.empty() ? ""
                                             : absl::StrCat(" <span class=\"hint\" id=\"", name,
                                                            "-hint\">", Escape(hint), "</span>");
  return absl::StrCat("<label for=\"", name, "\">", Escape(label), hint_html,
                      "</label><input type=\"", type, "\" id=\"", name, "\" name=\"", name, "\"",
                      hint.empty() ? "" : absl::StrCat(" aria-describedby=\"", name, "-hint\""),
                      " autocomplete=\"off\"", extra, ">");
}

std::string HiddenInput(absl::string_view name, absl::string_view value) {
  return absl::StrCat("<input type=\"hidden\" name=\"", name, "\" value=\"", Escape(value), "\">");
}

std::string Time(absl::Time t) {
  return absl::FormatTime("%Y-%m-%d %H:%M UTC", t, absl::UTCTimeZone());
}

std::vector<std::string> List(const std::string& text) {
  std::vector<std::string> out;
  for (absl::string_view v : absl::StrSplit(text, ';', absl::SkipWhitespace())) {
    out.emplace_back(absl::StripAsciiWhitespace(v));
  }
  return out;
}

bool CanLookUp(app::UserRole role) {
  return role == app::UserRole::kCaseworker || role == app::UserRole::kSupervisor;
}

// Which roles may open a page (by its first path segment).
bool Allowed(app::UserRole role, absl::string_view path) {
  if (path == "/" || path == "/logout") return true;
  if (absl::StartsWith(path, "/audit")) return role == app::UserRole::kAuditor;
  if (absl::StartsWith(path, "/users")) return role == app::UserRole::kAdmin;
  if (absl::StartsWith(path, "/match") || absl::StartsWith(path, "/review")) {
    return role == app::UserRole::kSupervisor;
  }
  if (path == "/inbox/approve") return role == app::UserRole::kSupervisor;
  return CanLookUp(role);  // lookup, contact, inbox, records
}

// A path as the access log may name it: one of the console's pages, or
// "(other)" (a path typed by hand may hold anything, a name too).
std::string PageName(absl::string_view path) {
  static const char* const kPages[] = {"/",
                                       "/login",
                                       "/logout",
                                       "/lookup",
                                       "/contact",
                                       "/match",
                                       "/match/progress",
                                       "/inbox",
                                       "/inbox/decide",
                                       "/review",
                                       "/review/decide",
                                       "/inbox/approve",
                                       "/records",
                                       "/records/share",
                                       "/records/withdraw",
                                       "/records/add",
                                       "/records/edit",
                                       "/records/import",
                                       "/audit",
                                       "/audit/upload",
                                       "/users"};
  for (const char* page : kPages) {
    if (path == page) return page;
  }
  return "(other)";
}

}  // namespace

std::string HttpResponse::Header(absl::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (absl::EqualsIgnoreCase(n, name)) return v;
  }
  return "";
}

absl::StatusOr<std::unique_ptr<Console>> Console::Create(app::Node& node,
                                                         const ConsoleOptions& options) {
  ASSIGN_OR_RETURN(std::unique_ptr<app::UserStore> users, app::OpenUserStore(node));
  return std::unique_ptr<Console>(new Console(node, options, std::move(users)));
}

Console::Console(app::Node& node, const ConsoleOptions& options,
                 std::unique_ptr<app::UserStore> users)
    : node_(node),
      options_(options),
      cookie_name_(options.https ? "__Host-fedlink" : "fedlink"),
      users_(std::move(users)),
      sessions_(options.clock, options.idle_timeout),
      name_throttle_(options.clock, options.lockout_after, options.first_lock, options.max_lock),
      client_throttle_(options.clock, options.lockout_after * 4, options.first_lock,
                       options.max_lock),
      max_lookups_(options.max_concurrent_lookups > 0
                       ? options.max_concurrent_lookups
                       : std::max(1, static_cast<int>(std::thread::hardware_concurrency()) / 2)) {}

HttpResponse Console::Handle(const HttpRequest& request) {
  const absl::Time start = absl::Now();
  Call call{request, std::nullopt, {}, {}, false};
  HttpResponse r = Route(call);
  if (call.app_time >= absl::ZeroDuration()) {
    // W3C Server Timing: what the application layer took and what the whole
    // page took, so that a load test tells the console's share apart.
    r.headers.emplace_back(
        "Server-Timing",
        absl::StrFormat("app;dur=%.2f, page;dur=%.2f", absl::ToDoubleMilliseconds(call.app_time),
                        absl::ToDoubleMilliseconds(absl::Now() - start)));
  }
  for (auto& h : call.set_headers) r.headers.push_back(std::move(h));
  if (r.Header("Content-Security-Policy").empty()) {  // the audit report names its script
    r.headers.emplace_back("Content-Security-Policy", kCsp);
  }
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
  r.headers.emplace_back("X-Frame-Options", "DENY");
  r.headers.emplace_back("Cache-Control", "no-store");
  if (options_.https) {
    r.headers.emplace_back("Strict-Transport-Security", "max-age=31536000");
  }
  return r;
}

std::string Console::SessionCookie(const Session& session) const {
  return absl::StrCat(cookie_name_, "=", session.id, "; Path=/; HttpOnly; SameSite=Strict",
                      options_.https ? "; Secure" : "");
}

void Console::LogAction(const Call& call, const char* event, const absl::Status& outcome,
                        const std::string& detail) {
  audit::Event e = app::LocalEvent(event);
  if (call.session.has_value()) e.official = call.session->user;
  e.legal_basis = call.Field("legal_basis");
  e.purpose = call.Field("purpose");
  e.outcome = app::OutcomeOf(outcome);
  e.detail = detail;
  (void)node_.Log(std::move(e));  // the action's own result is what the page reports
}

HttpResponse Console::Page(const Call& call, absl::string_view title, absl::string_view body,
                           int status) {
  HttpResponse r;
  r.status = status;
  r.body = RenderPage(title, call.session.has_value() ? &*call.session : nullptr, body);
  return r;
}

HttpResponse Console::Route(Call& call) {
  const HttpRequest& req = call.request;
  if (req.method == "GET" && req.path == "/console.css") {
    HttpResponse r;
    r.content_type = "text/css; charset=utf-8";
    r.body = std::string(Stylesheet());
    return r;
  }
  if (req.method != "GET" && req.method != "POST") {
    HttpResponse r = Page(call, text::kNotFoundTitle, "", 405);
    r.headers.emplace_back("Allow", "GET, POST");
    return r;
  }
  const std::string cookie = CookieValue(req.cookie, cookie_name_);
  call.session = sessions_.Touch(cookie);
  call.session_ended = !cookie.empty() && !call.session.has_value();
  if (req.method == "POST") {
    if (absl::StartsWith(req.content_type, "multipart/form-data")) {
      call.form = req.multipart;
    } else if (absl::StartsWith(req.content_type, "application/x-www-form-urlencoded")) {
      auto form = ParseForm(req.body);
      if (!form.ok()) {
        return Page(call, text::kBadFormTitle, Paragraph(text::kBadForm, "error"), 400);
      }
      call.form = *std::move(form);
    } else {
      return Page(call, text::kBadFormTitle, Paragraph(text::kBadForm, "error"), 415);
    }
    if (call.session_ended) return LoginPage(call, Paragraph(text::kSessionEnded, "error"), 401);
    if (!call.session.has_value() || !SameToken(call.Field("csrf"), call.session->csrf)) {
      LogAction(call, "console.csrf.refused", absl::PermissionDeniedError("no valid CSRF token"),
                PageName(req.path));
      return Page(call, text::kBadFormTitle, Paragraph(text::kBadForm, "error"), 403);
    }
  }
  if (req.path == "/login") {
    if (req.method == "POST") return Login(call);
    return LoginPage(call, "", 200);
  }
  if (!call.session.has_value() || !call.session->logged_in()) {
    return LoginPage(call, call.session_ended ? Paragraph(text::kSessionEnded, "error") : "", 401);
  }
  if (!Allowed(call.session->role, req.path)) {
    LogAction(call, "console.forbidden", absl::PermissionDeniedError("role"), PageName(req.path));
    return Page(
        call, text::kForbiddenTitle,
        Paragraph(Escape(absl::Substitute(text::kForbidden, app::UserRoleName(call.session->role))),
                  "error"),
        403);
  }
  const bool post = req.method == "POST";
  if (req.path == "/logout" && post) return Logout(call);
  if (req.path == "/" && !post) return Home(call);
  if (req.path == "/lookup") return post ? Lookup(call) : LookupForm(call, "");
  if (req.path == "/contact" && post) return Contact(call);
  if (req.path == "/match") return post ? Match(call) : MatchForm(call, "");
  if (req.path == "/match/progress" && !post) return MatchProgress(call);
  if (req.path == "/inbox" && !post) return Inbox(call, "");
  if (req.path == "/inbox/decide" && post) return Decide(call);
  if (req.path == "/review" && !post) return Review(call, "");
  if (req.path == "/review/decide" && post) return DecideReview(call);
  if (req.path == "/inbox/approve" && post) return Approve(call);
  if (req.path == "/records" && !post) return Records(call, "");
  if (req.path == "/records/share" && post) return Share(call);
  if (req.path == "/records/withdraw" && post) return Withdraw(call);
  if (req.path == "/records/add" && post) return AddRecord(call);
  if (req.path == "/records/edit" && post) return EditRecord(call);
  if (req.path == "/records/import" && post) return Import(call);
  if (req.path == "/audit") return Audit(call);
  if (req.path == "/audit/upload" && !post) return AuditUpload(call);
  if (req.path == "/users") return post ? ChangeUser(call) : Users(call, "");
  return Page(call, text::kNotFoundTitle, "", 404);
}

// --- Login -----------------------------------------------------------------

HttpResponse Console::LoginPage(Call& call, const std::string& notice, int status) {
  // The form's CSRF token lives in a pre-login session of its own.
  if (!call.session.has_value() || call.session->logged_in()) {
    call.session = sessions_.Create("", app::UserRole::kCaseworker);
    call.set_headers.emplace_back("Set-Cookie", SessionCookie(*call.session));
  }
  const std::string body = absl::StrCat(
      Notice(notice), "<form method=\"post\" action=\"/login\">", CsrfField(*call.session),
      TextInput("user", text::kUserName, "", "text",
                " required autocapitalize=\"none\" autocomplete=\"username\""),
      "<label for=\"password\">", text::kPassword,
      "</label><input type=\"password\" id=\"password\" name=\"password\" required "
      "autocomplete=\"current-password\">",
      "<button type=\"submit\">", text::kLoginButton, "</button></form>");
  HttpResponse r;
  r.status = status;
  r.body = RenderPage(text::kLoginTitle, nullptr, body);
  return r;
}

HttpResponse Console::Login(Call& call) {
  const std::string name = call.Field("user");
  const std::string client = absl::StrCat("client:", call.request.client);
  const absl::Duration wait =
      std::max(name_throttle_.Wait(absl::StrCat("user:", name)), client_throttle_.Wait(client));
  if (wait > absl::ZeroDuration()) {
    const int64_t minutes = (absl::ToInt64Seconds(wait) + 59) / 60;
    return LoginPage(
        call, Paragraph(Escape(absl::Substitute(text::kLoginLocked, minutes)), "error"), 429);
  }
  auto user = app::Authenticate(*users_, node_, name, call.Field("password"));
  if (!user.ok()) {
    name_throttle_.Failed(absl::StrCat("user:", name));
    client_throttle_.Failed(client);
    return LoginPage(call, Paragraph(text::kLoginRefused, "error"), 401);
  }
  name_throttle_.Succeeded(absl::StrCat("user:", name));
  client_throttle_.Succeeded(client);
  sessions_.Remove(call.session->id);  // the pre-login session
  call.session = sessions_.Create(user->name, user->role);
  call.set_headers.emplace_back("Set-Cookie", SessionCookie(*call.session));
  HttpResponse r;
  r.status = 303;
  r.headers.emplace_back("Location", "/");
  return r;
}

HttpResponse Console::Logout(Call& call) {
  LogAction(call, "console.logout", absl::OkStatus());
  {
    absl::MutexLock lock(&pending_mu_);
    pending_.erase(call.session->id);
  }
  sessions_.Remove(call.session->id);
  call.session.reset();
  call.set_headers.emplace_back(
      "Set-Cookie", absl::StrCat(cookie_name_, "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict",
                                 options_.https ? "; Secure" : ""));
  HttpResponse r;
  r.status = 303;
  r.headers.emplace_back("Location", "/login");
  return r;
}

HttpResponse Console::Home(Call& call) {
  const Session& s = *call.session;
  std::string links;
  if (CanLookUp(s.role)) {
    links = absl::StrCat("<li><a href=\"/lookup\">", text::kNavLookup, "</a></li>",
                         "<li><a href=\"/inbox\">", text::kNavInbox, "</a></li>",
                         "<li><a href=\"/records\">", text::kNavRecords, "</a></li>");
    if (s.role == app::UserRole::kSupervisor) {
      absl::StrAppend(&links, "<li><a href=\"/match\">", text::kNavMatch, "</a></li>",
                      "<li><a href=\"/review\">", text::kNavReview, "</a></li>");
    }
  } else if (s.role == app::UserRole::kAuditor) {
    links = absl::StrCat("<li><a href=\"/audit\">", text::kNavAudit, "</a></li>",
                         "<li><a href=\"/audit/upload\">", text::kAuditUploadTitle, "</a></li>");
  } else {
    links = absl::StrCat("<li><a href=\"/users\">", text::kNavUsers, "</a></li>");
  }
  return Page(call, text::kHomeTitle,
              absl::StrCat(Paragraph(Escape(absl::Substitute(text::kHomeIntro, node_.id(), s.user,
                                                             app::UserRoleName(s.role)))),
                           "<ul>", links, "</ul>"));
}

std::string Console::Organisation(const std::string& peer) {
  auto roster = node_.Roster();
  if (!roster.ok()) return peer;
  for (const federation::Member& m : (*roster)->members()) {
    if (m.node_id == peer && !m.organisation.empty()) return m.organisation;
  }
  return peer;
}

// --- Intake lookup ---------------------------------------------------------

HttpResponse Console::LookupForm(Call& call, const std::string& notice) {
  const std::string body = absl::StrCat(
      Notice(notice), Paragraph(text::kLookupIntro), "<form method=\"post\" action=\"/lookup\">",
      CsrfField(*call.session), TextInput("given", text::kGiven, text::kGivenHint),
      TextInput("family", text::kFamily), TextInput("alias", text::kAliases, text::kSeveral),
      TextInput("dob", text::kDob, text::kDobHint), "<label for=\"sex\">", text::kSex,
      "</label><select id=\"sex\" name=\"sex\">", text::kSexOptions, "</select>",
      TextInput("phone", text::kPhones, text::kSeveral, "text", " inputmode=\"tel\""),
      TextInput("email", text::kEmails, text::kSeveral),
      TextInput("document", text::kDocuments, text::kSeveral),
      TextInput("online_handle", text::kHandles, text::kSeveral),
      TextInput("purpose", text::kPurpose, text::kPurposeHint, "text",
                absl::StrCat(" value=\"", Escape(options_.default_purpose), "\" required")),
      TextInput("legal_basis", text::kLegalBasis, text::kLegalBasisHint),
      "<p class=\"check\"><input type=\"checkbox\" id=\"consent\" name=\"consent\" "
      "value=\"yes\"> <label for=\"consent\">",
      text::kLookupConsent, "</label></p><button type=\"submit\">", text::kCheck,
      "</button></form>");
  return Page(call, text::kLookupTitle, body);
}

HttpResponse Console::Lookup(Call& call) {
  const std::string purpose = call.Field("purpose");
  record::Person intake;
  intake.external_id = "intake";
  intake.role = record::Role::kVictim;
  intake.given_name = call.Field("given");
  intake.family_name = call.Field("family");
  intake.aliases = List(call.Field("alias"));
  if (!call.Field("dob").empty()) {
    auto dob = record::ParsePartialDate(call.Field("dob"));
    if (!dob.ok()) return LookupForm(call, Refused(text::kBadDob));
    intake.dob = *dob;
  }
  auto sex = record::ParseSex(call.Field("sex"));
  if (!sex.ok()) return LookupForm(call, Refused(text::kBadSex));
  intake.sex = *sex;
  intake.phones = List(call.Field("phone"));
  intake.emails = List(call.Field("email"));
  intake.documents = List(call.Field("document"));
  intake.handles = List(call.Field("online_handle"));
  if (call.Field("consent") == "yes") intake.consent = {purpose};
  // Consent governs a lookup as it governs a match: without it nothing
  // derived from the person leaves the node.
  if (!app::UsableForOutboundQuery(intake, purpose, absl::Now())) {
    const absl::Status refused = absl::FailedPreconditionError("no consent for the purpose");
    LogAction(call, "console.lookup", refused);
    return LookupForm(call, Refused(absl::Substitute(text::kLookupNoConsent, purpose)));
  }
  app::LookupRequest request;
  request.intake = std::move(intake);
  request.purpose = purpose;
  request.options.actor = {call.session->user, call.Field("legal_basis")};
  {
    absl::MutexLock lock(&lookups_mu_);
    lookups_mu_.Await(absl::Condition(
        +[](Console* c) ABSL_EXCLUSIVE_LOCKS_REQUIRED(c->lookups_mu_) {
          return c->lookups_running_ < c->max_lookups_;
        },
        this));
    ++lookups_running_;
  }
  const absl::Time app_start = absl::Now();
  auto report = app::Lookup(node_, request);
  call.app_time = absl::Now() - app_start;
  {
    absl::MutexLock lock(&lookups_mu_);
    --lookups_running_;
  }
  LogAction(call, "console.lookup", report.status(),
            report.ok() ? absl::StrCat(report->candidates.size(), " candidates") : "");
  if (!report.ok()) return LookupForm(call, Refused(report.status().message()));

  const auto org = [this](const std::string& peer) { return Organisation(peer); };
  std::string body;
  const std::string deadline = Time(absl::Now() + app::kPrumWindow);
  for (const app::PeerResult& r : report->peers) {
    if (!r.status.ok()) {
      absl::StrAppend(&body, Refused(absl::Substitute(text::kPeerFailed, org(r.member.node_id),
                                                      r.status.message())));
    }
  }
  if (report->candidates.empty()) absl::StrAppend(&body, Paragraph(text::kLookupNothing, "ok"));
  int n = 0;
  int unbacked = 0;
  for (const app::Candidate& c : report->candidates) {
    ++n;
    const std::string id = absl::StrCat("contact-", n);
    absl::StrAppend(
        &body, "<section class=\"card\" aria-labelledby=\"", id, "-h\"><h2 id=\"", id, "-h\">",
        Escape(org(c.peer)), "</h2>",
        Paragraph(Escape(absl::Substitute(text::kLookupMayKnow, org(c.peer), KeysInWords(c.keys),
                                          StrengthInWords(c.score)))),
        c.officer.empty() ? ""
                          : Paragraph(Escape(absl::Substitute(text::kTheirOfficer, c.officer))),
        Paragraph(Escape(absl::Substitute(text::kLookupWindow, deadline))), "<h3>",
        text::kRequestContact, "</h3>");
    // A contact request is about one of our records that a batch match
    // found at this partner (docs/console.md): offered when we hold one,
    // else the way there is said instead of a button that would fail.
    app::ContactRequest probe{c.peer, c.handle, "-", {call.session->user, ""}, "", ""};
    auto backing = app::CheckContactRequest(node_, probe);
    if (backing.ok()) {
      absl::StrAppend(
          &body, Paragraph(Escape(absl::Substitute(text::kLookupContactAbout, backing->own_id))),
          "<form method=\"post\" action=\"/contact\">", CsrfField(*call.session),
          HiddenInput("peer", c.peer), HiddenInput("handle", c.handle),
          HiddenInput("purpose", purpose), HiddenInput("legal_basis", call.Field("legal_basis")),
          "<label for=\"", id, "\">", text::kReason, "</label><textarea id=\"", id,
          "\" name=\"reason\" required rows=\"2\"></textarea><button type=\"submit\">",
          text::kRequestContact, "</button></form>");
    } else {
      ++unbacked;
      absl::StrAppend(&body, Paragraph(Escape(absl::Substitute(text::kLookupContactHow, purpose))),
                      Paragraph(text::kLookupContactWhy));
    }
    absl::StrAppend(&body, "</section>");
  }
  if (unbacked > 0) {
    absl::StrAppend(&body, "<p><a href=\"/records\">", text::kLookupRecordThePerson, "</a></p>");
  }
  absl::StrAppend(&body, "<p><a href=\"/lookup\">", text::kNewLookup, "</a></p>");
  return Page(call, text::kLookupTitle, body);
}

HttpResponse Console::Contact(Call& call) {
  app::ContactRequest request;
  request.peer = call.Field("peer");
  request.handle = call.Field("handle");
  request.reason = call.Field("reason");
  request.actor = {call.session->user, call.Field("legal_basis")};
  // Under a policy that requires approval, a supervisor's own request is
  // approved by them; a caseworker's is held for a supervisor.
  if (call.session->role == app::UserRole::kSupervisor) {
    auto need = app::ContactRequestsNeedApproval(node_);
    if (need.ok() && *need) request.approved_by = call.session->user;
  }
  auto outcome = app::RequestContact(node_, request);
  LogAction(call, "console.contact", outcome.status(),
            outcome.ok() && outcome->held ? "held for approval" : "");
  if (!outcome.ok()) {
    return Inbox(call, absl::StrCat(Refused(outcome.status().message()),
                                    Paragraph(text::kContactNeedsMatch)));
  }
  if (outcome->held) {
    return Inbox(call, Ok(absl::Substitute(text::kContactHeld, outcome->held_request.id,
                                           Organisation(outcome->held_request.peer))));
  }
  const followup::Contact& sent = outcome->sent;
  return Inbox(call, Ok(absl::Substitute(text::kContactSent, sent.id, Organisation(sent.peer),
                                         Time(sent.hit_at + app::kPrumWindow))));
}

HttpResponse Console::Approve(Call& call) {
  const std::string& id = call.Field("id");
  const app::Actor supervisor{call.session->user, ""};
  if (call.Field("decision") == "approve") {
    auto sent = app::ApproveContactRequest(node_, id, supervisor);
    LogAction(call, "console.approve", sent.status(), "approve");
    if (!sent.ok()) return Inbox(call, Refused(sent.status().message()));
    return Inbox(call, Ok(absl::Substitute(text::kApproved, sent->id, Organisation(sent->peer))));
  }
  const absl::Status rejected = app::RejectContactRequest(node_, id, supervisor);
  LogAction(call, "console.approve", rejected, "reject");
  if (!rejected.ok()) return Inbox(call, Refused(rejected.message()));
  return Inbox(call, Ok(absl::Substitute(text::kRejected, id)));
}

// --- Batch match (supervisor) ----------------------------------------------

HttpResponse Console::MatchForm(Call& call, const std::string& notice) {
  return Page(call, text::kMatchTitle,
              absl::StrCat(Notice(notice), Paragraph(text::kMatchIntro),
                           "<form method=\"post\" action=\"/match\">", CsrfField(*call.session),
                           TextInput("purpose", text::kPurpose, text::kPurposeHint, "text",
                                     absl::StrCat(" value=\"", Escape(options_.default_purpose),
                                                  "\" required")),
                           TextInput("legal_basis", text::kLegalBasis, text::kLegalBasisHint),
                           "<button type=\"submit\">", text::kMatchRun, "</button></form>"));
}

struct Console::MatchJob {
  std::string purpose;
  std::string legal_basis;
  std::thread thread;
  absl::Mutex mu;
  size_t peers_total ABSL_GUARDED_BY(mu) = 0;
  size_t peers_done ABSL_GUARDED_BY(mu) = 0;
  std::string peer ABSL_GUARDED_BY(mu);  // being matched now
  size_t evaluations_done ABSL_GUARDED_BY(mu) = 0;
  size_t evaluations_total ABSL_GUARDED_BY(mu) = 0;
  bool finished ABSL_GUARDED_BY(mu) = false;
  absl::StatusOr<app::MatchReport> report ABSL_GUARDED_BY(mu) = absl::UnknownError("running");
};

Console::~Console() {
  absl::MutexLock lock(&jobs_mu_);
  for (auto& [session, job] : jobs_) {
    if (job->thread.joinable()) job->thread.join();
  }
}

HttpResponse Console::Match(Call& call) {
  const std::string& session = call.session->id;
  {
    absl::MutexLock lock(&jobs_mu_);
    auto it = jobs_.find(session);
    if (it != jobs_.end()) {
      absl::MutexLock job_lock(&it->second->mu);
      if (!it->second->finished) {  // one at a time: show the one running
        HttpResponse r;
        r.status = 303;
        r.headers.emplace_back("Location", "/match/progress");
        return r;
      }
    }
  }
  auto peers = node_.Peers("", true);
  if (!peers.ok()) return MatchForm(call, Refused(peers.status().message()));
  if (auto purpose = node_.CheckPurpose(call.Field("purpose")); !purpose.ok()) {
    LogAction(call, "console.match", purpose);
    return MatchForm(call, Refused(purpose.message()));
  }
  auto job = std::make_shared<MatchJob>();
  job->purpose = call.Field("purpose");
  job->legal_basis = call.Field("legal_basis");
  {
    absl::MutexLock lock(&job->mu);
    job->peers_total = peers->size();
  }
  app::MatchRequest request;
  request.purpose = job->purpose;
  request.all = true;
  request.options.actor = {call.session->user, job->legal_basis};
  request.options.review_margin = app::kDefaultReviewMargin;
  MatchJob* j = job.get();
  request.options.on_progress = [j](const std::string& peer, size_t done, size_t total) {
    absl::MutexLock lock(&j->mu);
    j->peer = peer;
    j->evaluations_done = done;
    j->evaluations_total = total;
  };
  request.options.on_peer_done = [j](const app::PeerResult&) {
    absl::MutexLock lock(&j->mu);
    ++j->peers_done;
    j->evaluations_done = j->evaluations_total = 0;
  };
  std::shared_ptr<MatchJob> previous;
  {
    absl::MutexLock lock(&jobs_mu_);
    auto& slot = jobs_[session];
    previous = std::move(slot);
    slot = job;
  }
  if (previous != nullptr && previous->thread.joinable()) previous->thread.join();
  // Logged when it starts, under the user; the match's own entries follow.
  LogAction(call, "console.match", absl::OkStatus(), "started");
  job->thread = std::thread([this, j, request = std::move(request)] {
    auto report = app::MatchOwnRecords(node_, request);
    absl::MutexLock lock(&j->mu);
    j->report = std::move(report);
    j->finished = true;
  });
  HttpResponse r;
  r.status = 303;
  r.headers.emplace_back("Location", "/match/progress");
  return r;
}

HttpResponse Console::MatchProgress(Call& call) {
  std::shared_ptr<MatchJob> job;
  {
    absl::MutexLock lock(&jobs_mu_);
    auto it = jobs_.find(call.session->id);
    if (it != jobs_.end()) job = it->second;
  }
  if (job == nullptr) return MatchForm(call, Paragraph(text::kMatchNone));
  absl::MutexLock lock(&job->mu);
  if (!job->finished) {
    std::string body = absl::StrCat(
        "<p role=\"status\">",
        Escape(absl::Substitute(text::kMatchProgress, job->peers_done, job->peers_total)),
        "</p><progress max=\"", std::max<size_t>(job->peers_total, 1), "\" value=\"",
        job->peers_done, "\">", job->peers_done, "/", job->peers_total, "</progress>");
    if (!job->peer.empty() && job->evaluations_total > 0) {
      absl::StrAppend(
          &body,
          Paragraph(Escape(absl::Substitute(text::kMatchProgressPeer, Organisation(job->peer),
                                            job->evaluations_done, job->evaluations_total))));
    }
    absl::StrAppend(&body, Paragraph(text::kMatchRefreshes), "<p><a href=\"/match/progress\">",
                    text::kMatchRefreshNow, "</a></p>");
    HttpResponse r = Page(call, text::kMatchTitle, body);
    // Refreshes itself without a script (a meta refresh is not subject to
    // the Content-Security-Policy); the header works the same way.
    r.headers.emplace_back("Refresh", "2");
    return r;
  }
  const absl::StatusOr<app::MatchReport>& report = job->report;
  if (!report.ok()) return MatchForm(call, Refused(report.status().message()));
  const std::string purpose = job->purpose;
  const std::string legal_basis = job->legal_basis;
  std::string body = Ok(absl::Substitute(text::kMatchSummary, report->queries + report->withheld,
                                         report->withheld, purpose, report->matches.size()));
  for (const app::PeerResult& r : report->peers) {
    if (!r.status.ok()) {
      absl::StrAppend(&body, Refused(absl::Substitute(text::kPeerFailed, r.member.node_id,
                                                      r.status.message())));
    }
  }
  int n = 0;
  for (const app::OwnMatch& m : report->matches) {
    const std::string id = absl::StrCat("match-", ++n);
    absl::StrAppend(
        &body, "<section class=\"card\">",
        Paragraph(Escape(absl::Substitute(text::kMatchOne, m.own_id, Organisation(m.peer),
                                          KeysInWords(m.keys), StrengthInWords(m.score)))),
        "<form method=\"post\" action=\"/contact\">", CsrfField(*call.session),
        HiddenInput("peer", m.peer), HiddenInput("handle", m.handle),
        HiddenInput("purpose", purpose), HiddenInput("legal_basis", legal_basis), "<label for=\"",
        id, "\">", text::kReason, "</label><textarea id=\"", id,
        "\" name=\"reason\" required rows=\"2\"></textarea><button type=\"submit\">",
        text::kRequestContact, "</button></form></section>");
  }
  return Page(call, text::kMatchTitle, body);
}

// --- Inbox -----------------------------------------------------------------

HttpResponse Console::Inbox(Call& call, const std::string& notice) {
  auto inbox = app::ReadInbox(node_);
  if (!inbox.ok()) return Page(call, text::kInboxTitle, Refused(inbox.status().message()), 500);
  const absl::Time now = absl::Now();
  std::string body = Notice(notice);
  absl::StrAppend(&body, "<h2>", text::kInboxIncoming, "</h2>");
  if (inbox->incoming.empty()) absl::StrAppend(&body, Paragraph(text::kInboxEmpty));
  for (const followup::Contact& c : inbox->incoming) {
    absl::StrAppend(&body, "<section class=\"card\"><p>",
                    Escape(absl::StrCat("Request ", c.id, " from ", c.peer, " about our record ",
                                        c.own_id, " for ", c.purpose)),
                    "</p><p>", Escape(absl::StrCat("Reason: ", c.erased() ? "(erased)" : c.reason)),
                    "</p><p>",
                    Escape(absl::StrCat(followup::ContactStatusName(c.status), "; ",
                                        app::PrumWindowLeft(c.hit_at, now))),
                    "</p>");
    if (c.status == followup::ContactStatus::kPending) {
      const std::string id = absl::StrCat("reply-", Escape(c.id));
      absl::StrAppend(&body, "<form method=\"post\" action=\"/inbox/decide\">",
                      CsrfField(*call.session), HiddenInput("id", c.id), "<label for=\"", id, "\">",
                      text::kReplyMessage, "</label><textarea id=\"", id,
                      "\" name=\"message\" rows=\"2\"></textarea>",
                      "<button type=\"submit\" name=\"decision\" value=\"accept\">", text::kAccept,
                      "</button> <button type=\"submit\" class=\"secondary\" name=\"decision\" "
                      "value=\"decline\">",
                      text::kDecline, "</button></form>");
    } else if (!c.reply.empty()) {
      absl::StrAppend(&body, Paragraph(Escape(absl::StrCat("Our reply: ", c.reply))));
    }
    absl::StrAppend(&body, "</section>");
  }
  auto held = app::HeldContactRequests(node_);
  if (!held.ok()) return Page(call, text::kInboxTitle, Refused(held.status().message()), 500);
  const bool supervisor = call.session->role == app::UserRole::kSupervisor;
  if (supervisor || !held->empty()) {
    absl::StrAppend(&body, "<h2>", text::kInboxAwaitingApproval, "</h2>");
    if (held->empty()) absl::StrAppend(&body, Paragraph(text::kInboxEmpty));
  }
  for (const followup::HeldContact& h : *held) {
    absl::StrAppend(
        &body, "<section class=\"card\">",
        Paragraph(Escape(absl::Substitute(text::kHeldRequest, h.id, Organisation(h.peer), h.own_id,
                                          h.purpose, h.requested_by))),
        Paragraph(Escape(absl::StrCat("Reason: ", h.reason))));
    if (supervisor) {
      absl::StrAppend(&body, "<form method=\"post\" action=\"/inbox/approve\">",
                      CsrfField(*call.session), HiddenInput("id", h.id),
                      "<button type=\"submit\" name=\"decision\" value=\"approve\">",
                      text::kApprove,
                      "</button> <button type=\"submit\" class=\"secondary\" name=\"decision\" "
                      "value=\"reject\">",
                      text::kReject, "</button></form>");
    } else {
      absl::StrAppend(&body, Paragraph(text::kHeldWaiting));
    }
    absl::StrAppend(&body, "</section>");
  }
  // A rejected request stays visible to the caseworker who asked.
  auto rejected = app::RejectedContactRequests(node_);
  if (!rejected.ok())
    return Page(call, text::kInboxTitle, Refused(rejected.status().message()), 500);
  if (!rejected->empty()) absl::StrAppend(&body, "<h2>", text::kInboxRejected, "</h2>");
  for (const followup::HeldContact& h : *rejected) {
    absl::StrAppend(
        &body, "<section class=\"card\">",
        Paragraph(Escape(absl::Substitute(text::kHeldRequest, h.id, Organisation(h.peer), h.own_id,
                                          h.purpose, h.requested_by))),
        Paragraph(Escape(absl::StrCat("Reason: ", h.reason))),
        Paragraph(
            Escape(absl::Substitute(text::kHeldRejected, h.rejected_by, Time(h.rejected_at)))),
        "</section>");
  }
  absl::StrAppend(&body, "<h2>", text::kInboxOutgoing, "</h2>");
  if (inbox->outgoing.empty()) absl::StrAppend(&body, Paragraph(text::kInboxEmpty));
  for (const followup::Contact& c : inbox->outgoing) {
    absl::StrAppend(
        &body, "<section class=\"card\"><p>",
        Escape(absl::StrCat("Request ", c.id, " to ", c.peer, " for ", c.purpose, ": ",
                            followup::ContactStatusName(c.status), "; ",
                            app::PrumWindowLeft(c.hit_at, now))),
        "</p>", c.reply.empty() ? "" : Paragraph(Escape(absl::StrCat("Their reply: ", c.reply))),
        "</section>");
  }
  absl::StrAppend(&body, "<h2>", text::kInboxNotices, "</h2>");
  if (inbox->notices.empty()) absl::StrAppend(&body, Paragraph(text::kInboxEmpty));
  for (const app::NoticeSummary& n : inbox->notices) {
    absl::StrAppend(
        &body,
        Paragraph(Escape(absl::StrCat(n.peer, " matched ", n.count, " of our records for ",
                                      n.purpose, " (latest ", app::Ago(n.latest, now), ")"))));
  }
  return Page(call, text::kInboxTitle, body);
}

HttpResponse Console::Decide(Call& call) {
  app::Decision decision;
  decision.contact_id = call.Field("id");
  decision.accept = call.Field("decision") == "accept";
  decision.message = call.Field("message");
  decision.actor = {call.session->user, ""};
  auto decided = app::DecideContactRequest(node_, decision);
  LogAction(call, "console.decide", decided.status(), decision.accept ? "accept" : "decline");
  if (!decided.ok()) return Inbox(call, Refused(decided.status().message()));
  return Inbox(call, Ok(absl::StrCat("Request ", decided->id, " ",
                                     followup::ContactStatusName(decided->status), ".")));
}

// --- Review queue (supervisor) ---------------------------------------------

HttpResponse Console::Review(Call& call, const std::string& notice) {
  auto items = app::ListReview(node_, /*pending_only=*/true);
  if (!items.ok()) return Page(call, text::kReviewTitle, Refused(items.status().message()), 500);
  std::string body = absl::StrCat(Notice(notice), Paragraph(text::kReviewIntro));
  if (items->empty()) absl::StrAppend(&body, Paragraph(text::kInboxEmpty));
  for (const followup::ReviewItem& r : *items) {
    absl::StrAppend(
        &body, "<section class=\"card\">",
        Paragraph(Escape(absl::Substitute(
            text::kReviewOne, r.own_id, Organisation(r.peer), r.purpose, KeysInWords(r.keys),
            absl::StrFormat("%.1f", r.score), absl::StrFormat("%.1f", r.threshold)))),
        "<form method=\"post\" action=\"/review/decide\">", CsrfField(*call.session),
        HiddenInput("id", r.id), "<button type=\"submit\" name=\"decision\" value=\"accept\">",
        text::kReviewAccept,
        "</button> <button type=\"submit\" class=\"secondary\" name=\"decision\" "
        "value=\"reject\">",
        text::kReviewReject, "</button></form></section>");
  }
  return Page(call, text::kReviewTitle, body);
}

HttpResponse Console::DecideReview(Call& call) {
  const bool accept = call.Field("decision") == "accept";
  auto decided = app::DecideReview(node_, {call.Field("id"), accept, {call.session->user, ""}});
  LogAction(call, "console.review", decided.status(), accept ? "accept" : "reject");
  if (!decided.ok()) return Review(call, Refused(decided.status().message()));
  return Review(call, Ok(absl::StrCat("Item ", decided->id, " ",
                                      followup::ReviewStatusName(decided->status), ".")));
}

// --- Records and consent ---------------------------------------------------

HttpResponse Console::Records(Call& call, const std::string& notice) {
  auto form = [&](absl::string_view action, absl::string_view id, absl::string_view button) {
    return absl::StrCat("<form method=\"post\" action=\"", action, "\">", CsrfField(*call.session),
                        TextInput(id, text::kExternalId, "", "text", " required"),
                        "<button type=\"submit\">", button, "</button></form>");
  };
  const std::string add = absl::StrCat(
      "<form method=\"post\" action=\"/records/add\">", CsrfField(*call.session),
      TextInput("external_id", text::kExternalId, "", "text", " required"), "<label for=\"role\">",
      text::kRole, "</label><select id=\"role\" name=\"role\">", text::kRoleOptions, "</select>",
      TextInput("given_name", text::kGiven, text::kGivenHint),
      TextInput("family_name", text::kFamily), TextInput("aliases", text::kAliases, text::kSeveral),
      TextInput("dob", text::kDob, text::kDobHint), "<label for=\"sex\">", text::kSex,
      "</label><select id=\"sex\" name=\"sex\">", text::kSexOptions, "</select>",
      TextInput("nationality", text::kNationality),
      TextInput("phone", text::kPhones, text::kSeveral, "text", " inputmode=\"tel\""),
      TextInput("email", text::kEmails, text::kSeveral),
      TextInput("document", text::kDocuments, text::kSeveral),
      TextInput("handle", text::kHandles, text::kSeveral),
      TextInput("address", text::kAddresses, text::kSeveral),
      TextInput("language", text::kLanguage, text::kLanguageHint, "text",
                " autocapitalize=\"none\" maxlength=\"35\""),
      TextInput("consent", text::kConsentPurposes, text::kSeveral, "text",
                absl::StrCat(" value=\"", Escape(options_.default_purpose), "\"")),
      TextInput("consent_expires", text::kConsentExpires, "", "date"),
      TextInput("labels", text::kLabels, text::kSeveral), "<button type=\"submit\">", text::kSave,
      "</button></form>");
  std::string field_options;
  for (const std::string& f : app::EditableFields()) {
    absl::StrAppend(&field_options, "<option>", Escape(f), "</option>");
  }
  const std::string edit = absl::StrCat(
      "<form method=\"post\" action=\"/records/edit\">", CsrfField(*call.session),
      TextInput("edit-id", text::kExternalId, "", "text", " required"), "<label for=\"field\">",
      text::kEditField, "</label><select id=\"field\" name=\"field\">", field_options, "</select>",
      TextInput("value", text::kEditValue, text::kEditValueHint), "<button type=\"submit\">",
      text::kEditSave, "</button></form>");
  const std::string import = absl::StrCat(
      "<form method=\"post\" action=\"/records/import\" enctype=\"multipart/form-data\">",
      CsrfField(*call.session), "<label for=\"file\">", text::kImportFile,
      "</label><input type=\"file\" id=\"file\" name=\"file\" required "
      "accept=\".csv,.jsonl,.json,text/csv\"><button type=\"submit\">",
      text::kPreview, "</button></form>");
  return Page(
      call, text::kRecordsTitle,
      absl::StrCat(Notice(notice), "<h2>", text::kAddRecord, "</h2>",
                   Paragraph(text::kAddRecordIntro), add, "<h2>", text::kEditTitle, "</h2>",
                   Paragraph(text::kEditIntro), edit, "<h2>", text::kImportTitle, "</h2>",
                   Paragraph(text::kImportIntro), import, "<h2>", text::kShareTitle, "</h2>",
                   form("/records/share", "share-id", text::kShowSharing), "<h2>", text::kWithdraw,
                   "</h2>", form("/records/withdraw", "withdraw-id", text::kWithdraw)));
}

HttpResponse Console::AddRecord(Call& call) {
  app::IntakeRecordRequest request;
  for (const auto& [name, value] : call.form) {
    if (name != "csrf" && !value.empty()) request.fields[name] = value;
  }
  request.actor = {call.session->user, ""};
  auto added = app::AddIntakeRecord(node_, request);
  LogAction(call, "console.records.add", added.status());
  if (!added.ok()) return Records(call, Refused(added.status().message()));
  return Records(call,
                 Ok(absl::Substitute(added->inserted ? text::kRecordAdded : text::kRecordUpdated,
                                     call.Field("external_id"), added->total)));
}

HttpResponse Console::EditRecord(Call& call) {
  app::FieldEdit edit;
  edit.external_id = call.Field("edit-id");
  edit.field = call.Field("field");
  edit.value = call.Field("value");
  edit.actor = {call.session->user, ""};
  auto edited = app::EditRecordField(node_, edit);
  LogAction(call, "console.records.edit", edited.status());
  if (!edited.ok()) return Records(call, Refused(edited.status().message()));
  return Records(call, Ok(absl::Substitute(edited->changed ? text::kEdited : text::kEditNoChange,
                                           edit.external_id, edit.field)));
}

Console::PendingImport::~PendingImport() { sodium_memzero(text.data(), text.size()); }

namespace {

// An uploaded file's name as errors show it: its last part, only
// [A-Za-z0-9._-], else "upload.csv".
std::string UploadName(absl::string_view name) {
  const size_t slash = name.find_last_of("/\\");
  if (slash != absl::string_view::npos) name.remove_prefix(slash + 1);
  std::string out;
  for (char c : name.substr(0, 64)) {
    if (absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-') {
      out.push_back(c);
    }
  }
  return out.empty() || out[0] == '.' ? "upload.csv" : out;
}

}  // namespace

HttpResponse Console::Import(Call& call) {
  const std::string& session = call.session->id;
  if (call.Field("confirm") == "yes") {
    std::unique_ptr<PendingImport> pending;
    {
      absl::MutexLock lock(&pending_mu_);
      auto it = pending_.find(session);
      if (it != pending_.end()) {
        pending = std::move(it->second);
        pending_.erase(it);
      }
    }
    if (pending == nullptr) return Records(call, Refused(text::kImportNothingPending));
    auto done = app::ImportText(node_, pending->text, pending->name,
                                {call.session->user, call.Field("legal_basis")});
    LogAction(call, "console.records.import", done.status());
    if (!done.ok()) return Records(call, Refused(done.status().message()));
    return Records(call, Ok(absl::Substitute(text::kImportDone, done->records, done->inserted,
                                             done->updated, done->total)));
  }
  auto pending = std::make_unique<PendingImport>();
  pending->name = UploadName(call.Field("file.filename"));
  pending->text = call.Field("file");
  auto preview = app::PreviewImport(node_, pending->text, pending->name);
  if (!preview.ok()) return Records(call, Refused(preview.status().message()));
  const std::string name = pending->name;
  {
    absl::MutexLock lock(&pending_mu_);
    if (pending_.size() >= 100 && pending_.count(session) == 0) pending_.erase(pending_.begin());
    pending_[session] = std::move(pending);
  }
  return Page(
      call, text::kImportTitle,
      absl::StrCat(Paragraph(Escape(absl::Substitute(text::kImportPreview, name, preview->records,
                                                     preview->inserted, preview->updated)),
                             "ok"),
                   "<form method=\"post\" action=\"/records/import\">", CsrfField(*call.session),
                   HiddenInput("confirm", "yes"), "<button type=\"submit\">", text::kImportConfirm,
                   "</button></form><p><a href=\"/records\">", text::kCancel, "</a></p>"));
}

HttpResponse Console::Share(Call& call) {
  const std::string id = call.Field("share-id");
  auto details = app::ShowRecord(node_, id);
  LogAction(call, "console.share", details.status());
  if (!details.ok()) return Records(call, Refused(details.status().message()));
  const std::string& language = details->record.language;
  std::string body = absl::StrCat(
      Paragraph(text::kShareIntro),
      language.empty() ? Paragraph(text::kShareLanguageUnknown)
                       : Paragraph(Escape(absl::Substitute(
                             text::kShareLanguage, normalize::LanguageName(language), language))),
      Paragraph(text::kShareHow), "<h2>", text::kShareNow, "</h2>");
  if (details->shared_now.shares.empty()) {
    absl::StrAppend(&body, Paragraph(text::kShareNobody));
  } else {
    absl::StrAppend(&body, "<ul>");
    for (const app::CurrentShare& s : details->shared_now.shares) {
      absl::StrAppend(&body, "<li>",
                      Escape(absl::Substitute(text::kShareWith, Organisation(s.peer), s.purpose)),
                      "</li>");
    }
    absl::StrAppend(&body, "</ul>");
  }
  absl::StrAppend(&body, "<h2>", text::kShareHistory, "</h2>");
  const app::SharingHistory& h = details->history;
  if (h.empty()) absl::StrAppend(&body, Paragraph(text::kShareNothingYet));
  absl::StrAppend(&body, "<ul>");
  for (const auto& hit : h.hits) {
    absl::StrAppend(&body, "<li>",
                    Escape(absl::StrCat(Time(hit.found_at), ": ", Organisation(hit.peer),
                                        " may know you (for ", hit.purpose, ")")),
                    "</li>");
  }
  for (const auto& c : h.contacts_in) {
    absl::StrAppend(
        &body, "<li>",
        Escape(absl::StrCat(Time(c.created_at), ": ", Organisation(c.peer),
                            " asked us for contact (", followup::ContactStatusName(c.status), ")")),
        "</li>");
  }
  for (const auto& c : h.contacts_out) {
    absl::StrAppend(
        &body, "<li>",
        Escape(absl::StrCat(Time(c.created_at), ": we asked ", Organisation(c.peer),
                            " for contact (", followup::ContactStatusName(c.status), ")")),
        "</li>");
  }
  for (const auto& n : h.notices) {
    absl::StrAppend(
        &body, "<li>",
        Escape(absl::StrCat(Time(n.at), ": ", Organisation(n.peer), " told us it may know you")),
        "</li>");
  }
  for (const auto& r : h.revocations) {
    absl::StrAppend(&body, "<li>",
                    Escape(absl::StrCat(Time(r.created_at), ": ", Organisation(r.peer),
                                        " was told you withdrew consent")),
                    "</li>");
  }
  absl::StrAppend(&body, "</ul><h2>", text::kWithdraw, "</h2>", Paragraph(text::kShareWithdrawHow));
  return Page(call, text::kShareTitle, body);
}

HttpResponse Console::Withdraw(Call& call) {
  const std::string id = call.Field("withdraw-id");
  if (call.Field("confirm") != "yes") {
    auto exists = node_.records().Get(id);
    if (!exists.ok() || !exists->has_value()) {
      return Records(call, Refused("No record with that id."));
    }
    return Page(
        call, text::kWithdrawConfirmTitle,
        absl::StrCat(Paragraph(Escape(absl::Substitute(text::kWithdrawConfirm, id))),
                     "<form method=\"post\" action=\"/records/withdraw\">",
                     CsrfField(*call.session), HiddenInput("withdraw-id", id),
                     HiddenInput("confirm", "yes"), "<button type=\"submit\">", text::kWithdrawYes,
                     "</button></form><p><a href=\"/records\">Cancel</a></p>"));
  }
  auto withdrawal = app::WithdrawConsent(node_, id);
  LogAction(call, "console.consent.withdraw", withdrawal.status());
  if (!withdrawal.ok()) return Records(call, Refused(withdrawal.status().message()));
  return Records(call,
                 Ok(absl::Substitute(text::kWithdrawDone, id, withdrawal->erased,
                                     withdrawal->acknowledged(), withdrawal->notices.size())));
}

// --- Auditor and admin -----------------------------------------------------

HttpResponse Console::Audit(Call& call) {
  auto exported = app::ExportAuditLog(node_);
  LogAction(call, "console.audit.report", exported.status());
  if (!exported.ok()) {
    return Page(call, text::kAuditTitle, Refused(exported.status().message()), 500);
  }
  std::vector<app::ExportFile> exports = {{absl::StrCat(node_.id(), ".audit"), exported->bytes}};
  // Exports uploaded by the auditor (the upload page), reviewed with the
  // node's own and joined on exchange id, against the installed roster.
  for (const char* field : {"export1", "export2", "export3"}) {
    if (!call.Field(field).empty()) {
      exports.push_back(
          {UploadName(call.Field(absl::StrCat(field, ".filename"))), call.Field(field)});
    }
  }
  auto roster = node_.Roster();
  const app::AuditReview review =
      app::ReviewExports(exports, exports.size() > 1 && roster.ok() ? roster->get() : nullptr);
  HttpResponse r;
  r.body = app::RenderAuditReport(review, absl::Now());
  // The report is a page of its own, with one inline script it names by hash.
  r.headers.emplace_back("Content-Security-Policy",
                         absl::StrCat("default-src 'none'; style-src 'unsafe-inline'; script-src ",
                                      app::AuditReportScriptHashSource(),
                                      "; img-src data:; form-action 'none'; "
                                      "frame-ancestors 'none'; base-uri 'none'"));
  return r;
}

HttpResponse Console::AuditUpload(Call& call) {
  std::string inputs;
  for (const char* field : {"export1", "export2", "export3"}) {
    absl::StrAppend(&inputs, "<label for=\"", field, "\">", text::kAuditExportFile, "</label>",
                    "<input type=\"file\" id=\"", field, "\" name=\"", field, "\">");
  }
  return Page(call, text::kAuditUploadTitle,
              absl::StrCat(Paragraph(text::kAuditUploadIntro), "<p><a href=\"/audit\">",
                           text::kAuditOwnOnly, "</a></p>",
                           "<form method=\"post\" action=\"/audit\" "
                           "enctype=\"multipart/form-data\">",
                           CsrfField(*call.session), inputs, "<button type=\"submit\">",
                           text::kAuditReview, "</button></form>"));
}

HttpResponse Console::Users(Call& call, const std::string& notice) {
  auto users = app::ListUsers(node_);
  if (!users.ok()) return Page(call, text::kUsersTitle, Refused(users.status().message()), 500);
  std::string body = absl::StrCat(Notice(notice), "<table><caption class=\"hint\">", users->size(),
                                  " users</caption><thead><tr><th scope=\"col\">", text::kUserName,
                                  "</th><th scope=\"col\">", text::kRole,
                                  "</th><th scope=\"col\">State</th><th scope=\"col\">Change"
                                  "</th></tr></thead><tbody>");
  for (const app::User& u : *users) {
    absl::StrAppend(
        &body, "<tr><td>", Escape(u.name), "</td><td>", app::UserRoleName(u.role), "</td><td>",
        u.disabled ? "disabled" : "enabled", "</td><td>",
        u.disabled
            ? ""
            : absl::StrCat("<form method=\"post\" action=\"/users\">", CsrfField(*call.session),
                           HiddenInput("action", "disable"), HiddenInput("name", u.name),
                           "<button type=\"submit\" "
                           "class=\"secondary\" aria-label=\"",
                           text::kDisable, " ", Escape(u.name), "\">", text::kDisable,
                           "</button></form>"),
        "</td></tr>");
  }
  absl::StrAppend(&body, "</tbody></table><h2>", text::kAddUser,
                  "</h2><form method=\"post\" action=\"/users\">", CsrfField(*call.session),
                  HiddenInput("action", "add"),
                  TextInput("name", text::kUserName, "a-z 0-9 . _ -", "text", " required"),
                  "<label for=\"role\">", text::kRole, "</label><select id=\"role\" name=\"role\">",
                  "<option>caseworker</option><option>supervisor</option><option>auditor</option>"
                  "<option>admin</option></select>",
                  TextInput("password", text::kNewPassword, "", "password",
                            " required minlength=\"12\" autocomplete=\"new-password\""),
                  "<button type=\"submit\">", text::kAddUser, "</button></form><h2>",
                  text::kResetPassword, "</h2><form method=\"post\" action=\"/users\">",
                  CsrfField(*call.session), HiddenInput("action", "reset"),
                  TextInput("reset-name", text::kUserName, "", "text", " required"),
                  TextInput("reset-password", text::kNewPassword, "", "password",
                            " required minlength=\"12\" autocomplete=\"new-password\""),
                  "<button type=\"submit\">", text::kResetPassword, "</button></form>");
  return Page(call, text::kUsersTitle, body);
}

HttpResponse Console::ChangeUser(Call& call) {
  const app::Actor actor{call.session->user, ""};
  const std::string& action = call.Field("action");
  absl::Status status = absl::InvalidArgumentError("unknown change");
  std::string done;
  if (action == "add") {
    auto role = app::ParseUserRole(call.Field("role"));
    status = role.ok()
                 ? app::AddUser(node_, {call.Field("name"), *role, call.Field("password")}, actor)
                 : role.status();
    done = absl::StrCat("Added user ", call.Field("name"), ".");
  } else if (action == "disable") {
    status = app::DisableUser(node_, call.Field("name"), actor);
    done = absl::StrCat("Disabled user ", call.Field("name"), ".");
  } else if (action == "reset") {
    status =
        app::ResetPassword(node_, call.Field("reset-name"), call.Field("reset-password"), actor);
    done = absl::StrCat("Set a new password for ", call.Field("reset-name"), ".");
  }
  return Users(call, status.ok() ? Ok(done) : Refused(status.message()));
}

}  // namespace fedlink::web
