#include "node/store/value_list.h"

#include <cstdint>

namespace fedlink::store {

void EncodeList(const std::vector<std::string>& values, std::string* out) {
  out->clear();
  for (const std::string& v : values) {
    uint64_t n = v.size();
    while (n >= 0x80) {
      out->push_back(static_cast<char>((n & 0x7f) | 0x80));
      n >>= 7;
    }
    out->push_back(static_cast<char>(n));
    out->append(v);
  }
}

bool DecodeList(absl::string_view encoded, std::vector<std::string>* out) {
  size_t pos = 0;
  while (pos < encoded.size()) {
    uint64_t n = 0;
    int shift = 0;
    while (true) {
      if (pos >= encoded.size() || shift > 28) return false;
      const auto byte = static_cast<unsigned char>(encoded[pos++]);
      n |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) break;
      shift += 7;
    }
    if (n > encoded.size() - pos) return false;
    out->emplace_back(encoded.substr(pos, n));
    pos += n;
  }
  return true;
}

}  // namespace fedlink::store
