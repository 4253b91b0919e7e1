#include "node/common/logger.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "node/common/safe_text.h"

namespace fedlink::common {
namespace {

struct LogState {
  absl::Mutex mu;
  LogFormat format ABSL_GUARDED_BY(mu) = LogFormat::kText;
  std::function<void(const std::string&)> sink ABSL_GUARDED_BY(mu);
};

LogState& State() {
  static auto* state = new LogState();
  return *state;
}

std::atomic<int> min_level{static_cast<int>(LogLevel::kInfo)};

// A text value: escaped for display, quoted if it would not read as one
// token.
std::string TextValue(absl::string_view raw) {
  std::string v = EscapeForDisplay(raw);
  if (!v.empty() && v.find_first_of(" =\"") == std::string::npos) return v;
  std::string quoted = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\') quoted.push_back('\\');
    quoted.push_back(c);
  }
  quoted.push_back('"');
  return quoted;
}

// A JSON string: RFC 8259 escapes for '"', '\\' and controls; other bytes
// pass through after the display escaping (so no bidi or separator trick).
std::string JsonString(absl::string_view raw) {
  const std::string v = EscapeForDisplay(raw);
  std::string out = "\"";
  for (unsigned char c : v) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c < 0x20) {
      absl::StrAppendFormat(&out, "\\u%04x", c);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  out.push_back('"');
  return out;
}

std::string Upper(absl::string_view s) { return absl::AsciiStrToUpper(s); }

}  // namespace

absl::StatusOr<LogLevel> ParseLogLevel(absl::string_view text) {
  const std::string t = absl::AsciiStrToLower(text);
  if (t == "debug") return LogLevel::kDebug;
  if (t == "info") return LogLevel::kInfo;
  if (t == "warning" || t == "warn") return LogLevel::kWarning;
  if (t == "error") return LogLevel::kError;
  return absl::InvalidArgumentError(absl::StrCat("--log-level: '", EscapeForDisplay(text),
                                                 "' is not one of debug, info, warning, error"));
}

absl::StatusOr<LogFormat> ParseLogFormat(absl::string_view text) {
  if (text == "text") return LogFormat::kText;
  if (text == "json") return LogFormat::kJson;
  return absl::InvalidArgumentError(
      absl::StrCat("--log-format: '", EscapeForDisplay(text), "' is not one of text, json"));
}

absl::string_view LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

void ConfigureLog(LogFormat format, LogLevel level) {
  absl::MutexLock lock(&State().mu);
  State().format = format;
  min_level.store(static_cast<int>(level));
}

LogLevel MinLogLevel() { return static_cast<LogLevel>(min_level.load()); }

bool LogEnabled(LogLevel level) { return static_cast<int>(level) >= min_level.load(); }

void SetLogSinkForTest(std::function<void(const std::string&)> sink) {
  absl::MutexLock lock(&State().mu);
  State().sink = std::move(sink);
}

std::string FormatLogLine(LogFormat format, absl::Time time, LogLevel level,
                          absl::string_view component, absl::string_view event,
                          std::initializer_list<LogField> fields) {
  const std::string when = absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", time, absl::UTCTimeZone());
  std::string line;
  if (format == LogFormat::kJson) {
    line =
        absl::StrCat("{\"time\":\"", when, "\",\"level\":\"", LogLevelName(level),
                     "\",\"component\":", JsonString(component), ",\"event\":", JsonString(event));
    for (const LogField& f : fields) {
      if (f.value.empty()) continue;
      absl::StrAppend(&line, ",", JsonString(f.key), ":", JsonString(f.value));
    }
    line.push_back('}');
    return line;
  }
  line = absl::StrCat(when, " ", Upper(LogLevelName(level)), " ", TextValue(component), " ",
                      TextValue(event));
  for (const LogField& f : fields) {
    if (f.value.empty()) continue;
    absl::StrAppend(&line, " ", TextValue(f.key), "=", TextValue(f.value));
  }
  return line;
}

void Log(LogLevel level, absl::string_view component, absl::string_view event,
         std::initializer_list<LogField> fields) {
  if (!LogEnabled(level)) return;
  LogState& state = State();
  absl::MutexLock lock(&state.mu);
  std::string line = FormatLogLine(state.format, absl::Now(), level, component, event, fields);
  if (state.sink) {
    state.sink(line);
    return;
  }
  line.push_back('\n');
  // One write per line: lines from several threads (or processes sharing
  // the descriptor) do not interleave.
  const char* p = line.data();
  size_t left = line.size();
  while (left > 0) {
    const ssize_t n = write(STDERR_FILENO, p, left);
    if (n <= 0) break;
    p += n;
    left -= static_cast<size_t>(n);
  }
}

}  // namespace fedlink::common
