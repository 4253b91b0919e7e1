// HTML for the console: escaping of every value shown, and the page frame
// (head with the console's stylesheet, a skip link, the navigation of the
// user's role, one h1, main). Server-rendered, no script, no external
// resource; the Content-Security-Policy the server sends forbids both.
#ifndef FEDLINK_NODE_WEB_HTML_H_
#define FEDLINK_NODE_WEB_HTML_H_

#include <string>

#include "absl/strings/string_view.h"
#include "node/web/sessions.h"

namespace fedlink::web {

// Text as HTML text or attribute value: & < > " ' as entities, after
// common::EscapeForDisplay (control and bidirectional characters shown as
// escapes). A name such as "<script>" is shown as that text.
std::string Escape(absl::string_view text);

// A hidden field with the session's CSRF token: in every form.
std::string CsrfField(const Session& session);

// A whole page. `session` is null before login (no navigation).
std::string RenderPage(absl::string_view title, const Session* session, absl::string_view body);

// The console's stylesheet, served at /console.css (readable on a phone:
// one column, large targets, visible focus).
absl::string_view Stylesheet();

}  // namespace fedlink::web

#endif  // FEDLINK_NODE_WEB_HTML_H_
