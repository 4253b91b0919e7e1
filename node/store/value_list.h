// The on-disk encoding of a multi-valued record field (a list of strings) in
// one SQLite BLOB column:
//
//   list  := entry*
//   entry := varint(length) bytes[length]      (LEB128 varint, at most 5 bytes)
//
// An empty list is the empty blob. Values may hold any bytes, so no
// separator character is reserved.
#ifndef FEDLINK_NODE_STORE_VALUE_LIST_H_
#define FEDLINK_NODE_STORE_VALUE_LIST_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace fedlink::store {

// Replaces *out with the encoding of `values`.
void EncodeList(const std::vector<std::string>& values, std::string* out);
// Appends the decoded values to *out. Returns false on a truncated or
// malformed encoding (then *out holds the values decoded before the error).
bool DecodeList(absl::string_view encoded, std::vector<std::string>* out);

}  // namespace fedlink::store

#endif  // FEDLINK_NODE_STORE_VALUE_LIST_H_
