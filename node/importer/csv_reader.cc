#include "node/importer/csv_reader.h"

#include <vector>

#include "absl/strings/str_cat.h"

namespace fedlink::importer {

CsvReader::CsvReader(absl::string_view text) : text_(text) {
  if (text_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;
}

CsvReader::CsvReader(absl::string_view piece, int first_line)
    : text_(piece), current_line_(first_line) {}

bool CsvReader::Next(std::vector<std::string>* fields) {
  fields->clear();
  if (!status_.ok()) return false;
  // Skip blank lines between rows.
  while (pos_ < text_.size() && (text_[pos_] == '\n' || text_[pos_] == '\r')) {
    if (text_[pos_] == '\n') ++current_line_;
    ++pos_;
  }
  if (pos_ >= text_.size()) return false;
  row_line_ = current_line_;
  std::string field;
  bool quoted_field = false;
  while (true) {
    if (pos_ >= text_.size()) {
      fields->push_back(std::move(field));
      return true;
    }
    const char c = text_[pos_];
    if (c == '"' && field.empty() && !quoted_field) {
      // Quoted field: read to the closing quote.
      quoted_field = true;
      ++pos_;
      while (true) {
        if (pos_ >= text_.size()) {
          status_ = absl::InvalidArgumentError(
              absl::StrCat("unterminated quoted field starting on line ", row_line_));
          return false;
        }
        const char q = text_[pos_];
        if (q == '"') {
          if (pos_ + 1 < text_.size() && text_[pos_ + 1] == '"') {
            field.push_back('"');
            pos_ += 2;
            continue;
          }
          ++pos_;
          break;
        }
        if (q == '\n') ++current_line_;
        field.push_back(q);
        ++pos_;
      }
      if (pos_ < text_.size() && text_[pos_] != ',' && text_[pos_] != '\n' && text_[pos_] != '\r') {
        status_ = absl::InvalidArgumentError("text after closing quote");
        row_line_ = current_line_;
        return false;
      }
      continue;
    }
    if (c == ',') {
      fields->push_back(std::move(field));
      field.clear();
      quoted_field = false;
      ++pos_;
      continue;
    }
    if (c == '\r' || c == '\n') {
      fields->push_back(std::move(field));
      if (c == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n') ++pos_;
      ++pos_;
      ++current_line_;
      return true;
    }
    if (c == '"') {
      status_ = absl::InvalidArgumentError("quote inside an unquoted field");
      return false;
    }
    field.push_back(c);
    ++pos_;
  }
}

std::vector<CsvPiece> SplitCsvRows(absl::string_view text, size_t begin, int begin_line,
                                   size_t piece_bytes) {
  std::vector<CsvPiece> pieces;
  pieces.push_back({begin, text.size(), begin_line});
  if (piece_bytes == 0 || begin >= text.size()) return pieces;
  bool quoted = false;
  int line = begin_line;
  size_t next_cut = begin + piece_bytes;
  const char* data = text.data();
  for (size_t i = begin; i < text.size(); ++i) {
    const char c = data[i];
    if (c == '"') {
      quoted = !quoted;
    } else if (c == '\n') {
      ++line;
      if (!quoted && i + 1 >= next_cut && i + 1 < text.size()) {
        pieces.back().end = i + 1;
        pieces.push_back({i + 1, text.size(), line});
        next_cut = i + 1 + piece_bytes;
      }
    } else if (c == '\r' && (i + 1 >= text.size() || data[i + 1] != '\n')) {
      return {{begin, text.size(), begin_line}};
    }
  }
  return pieces;
}

}  // namespace fedlink::importer
