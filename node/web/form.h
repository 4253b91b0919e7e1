// What a browser sends the console, decoded: an application/x-www-form-
// urlencoded body (the console's forms are all POSTed, so no personal value
// is ever in a URL) and the Cookie header.
#ifndef FEDLINK_NODE_WEB_FORM_H_
#define FEDLINK_NODE_WEB_FORM_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace fedlink::web {

using Form = std::map<std::string, std::string>;

// Decodes "a=1&b=x+y%21" ('+' is a space, %XX a byte). A name given twice
// keeps its last value. InvalidArgument for a malformed escape or a body of
// more than `max_fields` fields; values are not otherwise checked (the
// handler that uses one checks it).
absl::StatusOr<Form> ParseForm(absl::string_view body, size_t max_fields = 64);

// The value of cookie `name` in a Cookie header ("a=1; b=2"), or "".
std::string CookieValue(absl::string_view header, absl::string_view name);

}  // namespace fedlink::web

#endif  // FEDLINK_NODE_WEB_FORM_H_
