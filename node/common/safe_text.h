// Text that came from outside (a peer, an import file, an audit export) made
// safe to show on a terminal or to write into a file a person will read.
#ifndef FEDLINK_NODE_COMMON_SAFE_TEXT_H_
#define FEDLINK_NODE_COMMON_SAFE_TEXT_H_

#include <string>

#include "absl/strings/string_view.h"

namespace fedlink::common {

// Returns `text` with every character that could steer a terminal or forge
// a line replaced by a visible escape, and everything else unchanged:
//  - C0 controls (U+0000..U+001F, including TAB, CR, LF and ESC, so no ANSI
//    escape sequence and no line break survives), DEL (U+007F), the C1
//    controls (U+0080..U+009F, e.g. the 8-bit CSI U+009B) and every byte that
//    is not part of well-formed UTF-8 become "\xNN", one per byte (lowercase
//    hex; a C1 control, two bytes in UTF-8, becomes "\xc2\x9b");
//  - the Unicode line and paragraph separators and the bidirectional
//    embedding, override and isolate controls (U+2028, U+2029, U+200E,
//    U+200F, U+202A..U+202E, U+2066..U+2069), which reorder or break what is
//    displayed, become "\u2028" and so on (uppercase hex).
// Backslashes are left as they are: the result is for display and is not
// meant to be decoded, so a value that already contains the text "\x1b" is
// shown the same as one that contained ESC. Ordinary text (printable ASCII
// and well-formed UTF-8 letters, digits and punctuation) comes back
// byte for byte.
//
// Thread-safe (a pure function). Example:
//   std::cout << "peer " << common::EscapeForDisplay(peer_id) << "\n";
std::string EscapeForDisplay(absl::string_view text);

}  // namespace fedlink::common

#endif  // FEDLINK_NODE_COMMON_SAFE_TEXT_H_
