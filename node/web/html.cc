#include "node/web/html.h"

#include "absl/strings/str_cat.h"
#include "node/common/safe_text.h"
#include "node/web/console_text.h"

namespace fedlink::web {

std::string Escape(absl::string_view text) {
  const std::string safe = common::EscapeForDisplay(text);
  std::string out;
  out.reserve(safe.size());
  for (char c : safe) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string CsrfField(const Session& session) {
  return absl::StrCat(R"(<input type="hidden" name="csrf" value=")", Escape(session.csrf), "\">");
}

namespace {

std::string NavLink(absl::string_view href, absl::string_view label) {
  return absl::StrCat("<li><a href=\"", href, "\">", Escape(label), "</a></li>");
}

std::string Navigation(const Session& s) {
  std::string links = NavLink("/", text::kNavHome);
  switch (s.role) {
    case app::UserRole::kCaseworker:
    case app::UserRole::kSupervisor:
      absl::StrAppend(&links, NavLink("/lookup", text::kNavLookup),
                      NavLink("/inbox", text::kNavInbox), NavLink("/records", text::kNavRecords));
      if (s.role == app::UserRole::kSupervisor) {
        absl::StrAppend(&links, NavLink("/match", text::kNavMatch));
      }
      break;
    case app::UserRole::kAuditor:
      absl::StrAppend(&links, NavLink("/audit", text::kNavAudit),
                      NavLink("/audit/upload", text::kAuditUploadTitle));
      break;
    case app::UserRole::kAdmin:
      absl::StrAppend(&links, NavLink("/users", text::kNavUsers));
      break;
  }
  return absl::StrCat("<nav aria-label=\"", text::kNavLabel, "\"><ul>", links, "</ul>",
                      "<form method=\"post\" action=\"/logout\" class=\"logout\">", CsrfField(s),
                      "<span>", Escape(s.user), " (", app::UserRoleName(s.role), ")</span> ",
                      "<button type=\"submit\">", text::kLogOut, "</button></form></nav>");
}

}  // namespace

std::string RenderPage(absl::string_view title, const Session* session, absl::string_view body) {
  return absl::StrCat(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<title>",
      Escape(title), " - ", text::kProduct,
      "</title><link rel=\"stylesheet\" href=\"/console.css\"></head><body>"
      "<a class=\"skip\" href=\"#main\">",
      text::kSkipToContent, "</a><header><p class=\"product\">", text::kProduct, "</p>",
      session != nullptr && session->logged_in() ? Navigation(*session) : "",
      "</header><main id=\"main\"><h1>", Escape(title), "</h1>", body, "</main></body></html>\n");
}

absl::string_view Stylesheet() {
  return R"css(
:root { color-scheme: light; --fg: #1b1b1b; --bg: #fff; --accent: #0b5394; --warn: #8a1c1c; }
* { box-sizing: border-box; }
body { margin: 0; font: 1.05rem/1.5 "DejaVu Sans", system-ui, sans-serif; color: var(--fg); background: var(--bg); }
header { background: #eef3f8; padding: .5rem 1rem; border-bottom: 1px solid #c9d6e3; }
.product { margin: 0; font-weight: bold; }
nav ul { list-style: none; padding: 0; margin: .3rem 0; display: flex; flex-wrap: wrap; gap: .3rem 1rem; }
nav a { color: var(--accent); }
.logout { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; margin: .3rem 0; }
main { max-width: 46rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.5rem; margin-top: .3rem; }
h2 { font-size: 1.2rem; margin-top: 1.5rem; }
label { display: block; font-weight: bold; margin-top: .8rem; }
.check { display: flex; gap: .6rem; align-items: flex-start; margin-top: 1rem; }
.check label { display: inline; margin-top: 0; }
.check input { width: 1.5rem; height: 1.5rem; flex: none; }
.hint { font-weight: normal; font-size: .9rem; color: #444; }
input[type=text], input[type=password], input[type=date], select, textarea {
  width: 100%; font: inherit; padding: .5rem; border: 1px solid #767676; border-radius: 4px; }
button { font: inherit; padding: .5rem 1rem; margin-top: 1rem; border-radius: 4px;
  border: 1px solid var(--accent); background: var(--accent); color: #fff; min-height: 2.75rem; }
button.secondary { background: #fff; color: var(--accent); }
:focus-visible { outline: 3px solid #f5a623; outline-offset: 2px; }
.skip { position: absolute; left: -999px; }
.skip:focus { left: 1rem; top: 1rem; background: #fff; padding: .5rem; z-index: 1; }
.error, .refused { border-left: 4px solid var(--warn); padding: .5rem 1rem; background: #fbeaea; }
.ok { border-left: 4px solid #1c6b2a; padding: .5rem 1rem; background: #e8f5ea; }
.card { border: 1px solid #c9d6e3; border-radius: 6px; padding: .5rem 1rem; margin: .8rem 0; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .3rem; border-bottom: 1px solid #ddd; vertical-align: top; }
@media print { header, nav, form, .skip { display: none; } main { max-width: none; } }
)css";
}

}  // namespace fedlink::web
