#include "node/cli/result_jsonl.h"

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "node/common/safe_text.h"

namespace fedlink::cli {
namespace {

// A JSON string literal of `value` (display-escaped first).
std::string JsonString(absl::string_view value) {
  google::protobuf::Value v;
  v.set_string_value(common::EscapeForDisplay(value));
  std::string out;
  if (!google::protobuf::util::MessageToJsonString(v, &out).ok()) return "\"\"";
  return out;
}

}  // namespace

std::string AuditEntriesJsonl(const std::vector<app::ExportedEntry>& entries) {
  std::string out;
  for (size_t i = 0; i < entries.size(); ++i) {
    const app::ExportedEntry& e = entries[i];
    absl::StrAppend(
        &out, "{\"index\":", i, ",\"time\":",
        JsonString(absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ",
                                    absl::FromUnixMicros(e.time_unix_micros), absl::UTCTimeZone())),
        ",\"event\":", JsonString(e.event), ",\"requester\":", JsonString(e.requester),
        ",\"responder\":", JsonString(e.responder), ",\"purpose\":", JsonString(e.purpose),
        ",\"legal_basis\":", JsonString(e.legal_basis), ",\"official\":", JsonString(e.official),
        ",\"count\":", e.count, ",\"hits\":", e.hits, ",\"outcome\":", JsonString(e.outcome),
        ",\"exchange\":", JsonString(e.exchange_id), ",\"detail\":", JsonString(e.detail),
        ",\"tls_peer\":", JsonString(e.tls_peer), "}\n");
  }
  return out;
}

}  // namespace fedlink::cli
