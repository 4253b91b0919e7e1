// UTF-8 validation for untrusted input.
#ifndef FEDLINK_NODE_IMPORTER_UTF8_H_
#define FEDLINK_NODE_IMPORTER_UTF8_H_

#include "absl/strings/string_view.h"

namespace fedlink::importer {

// True if `text` is well-formed UTF-8 (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF) and holds no NUL byte.
bool IsValidUtf8(absl::string_view text);

}  // namespace fedlink::importer

#endif  // FEDLINK_NODE_IMPORTER_UTF8_H_
