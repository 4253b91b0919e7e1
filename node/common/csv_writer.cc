#include "node/common/csv_writer.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "node/common/safe_text.h"

namespace fedlink::common {

std::string CsvField(absl::string_view value, bool untrusted, CsvQuoting quoting) {
  std::string field = EscapeForDisplay(value);  // no control character from here on
  if (untrusted && !field.empty() &&
      (field[0] == '=' || field[0] == '+' || field[0] == '-' || field[0] == '@')) {
    field.insert(field.begin(), '\'');
  }
  const bool needs_quotes = field.find_first_of(",\"\r\n") != std::string::npos;
  if (!needs_quotes && quoting == CsvQuoting::kAsNeeded) return field;
  std::string out = "\"";
  for (char c : field) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

CsvWriter::CsvWriter(std::initializer_list<absl::string_view> columns) {
  for (absl::string_view c : columns) OwnField(c);
  EndRow();
}

CsvWriter::CsvWriter(const std::vector<std::string>& columns) {
  for (const std::string& c : columns) OwnField(c);
  EndRow();
}

void CsvWriter::Append(std::string field) {
  if (row_started_) text_.push_back(',');
  row_started_ = true;
  text_ += field;
}

CsvWriter& CsvWriter::Field(absl::string_view value, CsvQuoting quoting) {
  Append(CsvField(value, /*untrusted=*/true, quoting));
  return *this;
}

CsvWriter& CsvWriter::OwnField(absl::string_view value) {
  Append(CsvField(value, /*untrusted=*/false));
  return *this;
}

CsvWriter& CsvWriter::Number(double value, int decimals) {
  Append(absl::StrFormat("%.*f", decimals, value));
  return *this;
}

CsvWriter& CsvWriter::Integer(int64_t value) {
  Append(absl::StrCat(value));
  return *this;
}

CsvWriter& CsvWriter::EndRow() {
  text_.push_back('\n');
  row_started_ = false;
  return *this;
}

std::string CsvWriter::TakeText() { return std::exchange(text_, std::string()); }

}  // namespace fedlink::common
