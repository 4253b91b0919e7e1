// The node's one logger: each line has the time (UTC, milliseconds), the
// level, the component, the event and key=value fields, written whole to
// stderr (which journald keeps), as text or as one JSON object per line.
//
//   2026-12-03T07:40:01.123Z INFO serve node.ready node=police admin=unix:/v/admin.sock
//   {"time":"2026-12-03T07:40:01.123Z","level":"info","component":"serve",
//    "event":"node.ready","node":"police","admin":"unix:/v/admin.sock"}
//
// Events and field values are written by fedlink's code, never personal
// data: node ids, counts, purposes, addresses, file names and error messages
// (a field with an empty value is left out)
// (which name where and what, never the value: STYLE.md 8). A value is
// quoted when it holds a space, '=' or '"'; control characters and other
// terminal-steering text are escaped (common::EscapeForDisplay), so no line
// can be forged. Thread-safe: lines from several threads never interleave.
//
//   common::Log(common::LogLevel::kWarning, "serve", "peer.unreachable",
//               {{"peer", id}, {"error", status.message()}});
#ifndef FEDLINK_NODE_COMMON_LOGGER_H_
#define FEDLINK_NODE_COMMON_LOGGER_H_

#include <functional>
#include <initializer_list>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace fedlink::common {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };
enum class LogFormat { kText, kJson };

// "debug", "info", "warning", "error" (and "warn"); InvalidArgument naming
// the accepted words otherwise.
absl::StatusOr<LogLevel> ParseLogLevel(absl::string_view text);
// "text" or "json".
absl::StatusOr<LogFormat> ParseLogFormat(absl::string_view text);
absl::string_view LogLevelName(LogLevel level);  // "info", ...

struct LogField {
  LogField(absl::string_view k, absl::string_view v) : key(k), value(v) {}
  LogField(absl::string_view k, const std::string& v) : key(k), value(v) {}
  LogField(absl::string_view k, const char* v) : key(k), value(v) {}
  template <typename Int, typename = std::enable_if_t<std::is_integral_v<Int>>>
  LogField(absl::string_view k, Int v) : key(k), value(std::to_string(v)) {}
  std::string key;
  std::string value;
};

// The process's logger settings (default: text, info, stderr).
void ConfigureLog(LogFormat format, LogLevel min_level);
LogLevel MinLogLevel();
bool LogEnabled(LogLevel level);
// Sends every formatted line (without its newline) to `sink` instead of
// stderr; null restores stderr. For tests.
void SetLogSinkForTest(std::function<void(const std::string&)> sink);

// Writes one line if `level` is enabled.
void Log(LogLevel level, absl::string_view component, absl::string_view event,
         std::initializer_list<LogField> fields = {});

// The line Log writes, at `time` (pure; for tests).
std::string FormatLogLine(LogFormat format, absl::Time time, LogLevel level,
                          absl::string_view component, absl::string_view event,
                          std::initializer_list<LogField> fields);

}  // namespace fedlink::common

#endif  // FEDLINK_NODE_COMMON_LOGGER_H_
