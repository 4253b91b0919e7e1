// Test-only helpers to read the JSON test vectors in shared/vectors without
// a JSON library: protobuf's JSON parser into google.protobuf.Struct.
#ifndef FEDLINK_CRYPTO_TESTING_JSON_VECTORS_H_
#define FEDLINK_CRYPTO_TESTING_JSON_VECTORS_H_

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/escaping.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace fedlink::testing {

// Parses a JSON file (object or array) into a protobuf Value. Returns false
// if the file cannot be read or parsed.
inline bool ReadJsonFile(const std::string& path, google::protobuf::Value* out) {
  std::ifstream in(path);
  if (!in) return false;
  std::stringstream buffer;
  buffer << in.rdbuf();
  return google::protobuf::util::JsonStringToMessage(buffer.str(), out).ok();
}

inline std::string Field(const google::protobuf::Value& v, const std::string& name) {
  const auto& fields = v.struct_value().fields();
  auto it = fields.find(name);
  return it == fields.end() ? "" : it->second.string_value();
}

inline double Number(const google::protobuf::Value& v, const std::string& name) {
  const auto& fields = v.struct_value().fields();
  auto it = fields.find(name);
  return it == fields.end() ? 0 : it->second.number_value();
}

// Reads an unsigned integer field exactly from the raw JSON text (JSON
// numbers parsed into a double lose precision above 2^53).
inline uint64_t ExactUint(const std::string& json_text, const std::string& name) {
  const std::string key = "\"" + name + "\"";
  size_t pos = json_text.find(key);
  if (pos == std::string::npos) return 0;
  pos = json_text.find(':', pos) + 1;
  while (pos < json_text.size() && json_text[pos] == ' ') ++pos;
  uint64_t value = 0;
  while (pos < json_text.size() && json_text[pos] >= '0' && json_text[pos] <= '9') {
    value = value * 10 + static_cast<uint64_t>(json_text[pos++] - '0');
  }
  return value;
}

inline std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

inline std::string Unhex(const std::string& hex) { return absl::HexStringToBytes(hex); }

inline std::string Unbase64(const std::string& b64) {
  std::string out;
  absl::Base64Unescape(b64, &out);
  return out;
}

}  // namespace fedlink::testing

#endif  // FEDLINK_CRYPTO_TESTING_JSON_VECTORS_H_
