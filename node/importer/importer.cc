#include "node/importer/importer.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "node/common/parallel_for.h"
#include "node/common/status_macros.h"
#include "node/common/whole_file.h"
#include "node/importer/csv_reader.h"
#include "node/importer/utf8.h"

namespace fedlink::importer {
namespace {

using common::ParallelFor;
using common::ResolveThreads;

enum class Column {
  kExternalId,
  kRole,
  kGivenName,
  kFamilyName,
  kAliases,
  kDob,
  kSex,
  kNationality,
  kPhone,
  kEmail,
  kDocument,
  kHandle,
  kIban,
  kPlate,
  kAddress,
  kConsent,
  kLabels,
  kOfficer,
  kConsentExpires,
  kLanguage,
};

// Canonical column names, in the order of Column (CanonicalColumns()).
const absl::flat_hash_map<std::string, Column>& ColumnsByName() {
  static const auto* columns = [] {
    auto* by_name = new absl::flat_hash_map<std::string, Column>();
    const std::vector<std::string>& names = CanonicalColumns();
    for (size_t i = 0; i < names.size(); ++i) (*by_name)[names[i]] = static_cast<Column>(i);
    return by_name;
  }();
  return *columns;
}

// Appends the ';'-separated values of `value` to *out.
void AppendMulti(absl::string_view value, std::vector<std::string>* out) {
  for (absl::string_view part : absl::StrSplit(value, ';')) {
    part = absl::StripAsciiWhitespace(part);
    if (!part.empty()) out->emplace_back(part);
  }
}

// Resolves a source column name to a canonical column, or nullopt (ignored).
std::optional<Column> Resolve(const std::string& source, const ImportOptions& options) {
  auto mapped = options.column_map.find(source);
  const std::string& name = mapped != options.column_map.end() ? mapped->second : source;
  auto it = ColumnsByName().find(name);
  if (it == ColumnsByName().end()) return std::nullopt;
  return it->second;
}

// Doubles hold every integer below 2^53 exactly (2^53 + 1 reads as 2^53).
constexpr double kExactIntegersBelow = 9007199254740992.0;
// A record is an object of strings and lists: anything deeper is refused
// before parsing (the parser's time grows with the square of the depth).
constexpr int kMaxJsonDepth = 8;

// The deepest nesting of objects and arrays in `json`, outside strings.
int JsonNestingDepth(absl::string_view json) {
  int depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (char ch : json) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (ch == '\\') {
        escaped = true;
      } else if (ch == '"') {
        in_string = false;
      }
    } else if (ch == '"') {
      in_string = true;
    } else if (ch == '{' || ch == '[') {
      deepest = std::max(deepest, ++depth);
    } else if (ch == '}' || ch == ']') {
      --depth;
    }
  }
  return deepest;
}

// The multi-valued columns (values separated by ';') and the lists they fill.
constexpr std::pair<Column, std::vector<std::string> record::Person::*> kMultiValued[] = {
    {Column::kAliases, &record::Person::aliases}, {Column::kPhone, &record::Person::phones},
    {Column::kEmail, &record::Person::emails},    {Column::kDocument, &record::Person::documents},
    {Column::kHandle, &record::Person::handles},  {Column::kIban, &record::Person::ibans},
    {Column::kPlate, &record::Person::plates},    {Column::kAddress, &record::Person::addresses},
    {Column::kConsent, &record::Person::consent}, {Column::kLabels, &record::Person::labels},
};

std::vector<std::string> record::Person::*MultiValued(Column column) {
  for (const auto& [c, list] : kMultiValued) {
    if (c == column) return list;
  }
  return nullptr;
}

// A value as the node keeps it, from valid UTF-8 `raw`: each run of line
// breaks and tabs (ASCII whitespace controls, U+2028, U+2029) becomes one
// space. Any other control character (C0, DEL, C1) or bidirectional
// formatting control is refused (false): the records list escapes them
// (common::CsvWriter), so such a record would not read back as it was.
bool FoldControls(absl::string_view raw, std::string* out) {
  out->clear();
  out->reserve(raw.size());
  bool folding = false;
  for (size_t i = 0; i < raw.size();) {
    const auto b = [&](size_t k) { return static_cast<uint8_t>(raw[i + k]); };
    const size_t left = raw.size() - i;
    bool fold = false, refuse = false;
    size_t n = 1;
    if (b(0) < 0x20 || b(0) == 0x7f) {
      fold = absl::ascii_isspace(b(0));
      refuse = !fold;
    } else if (b(0) == 0xc2 && left >= 2 && b(1) <= 0x9f) {  // C1: U+0080..U+009F
      refuse = true;
      n = 2;
    } else if (b(0) == 0xe2 && left >= 3 && (b(1) == 0x80 || b(1) == 0x81)) {
      const uint32_t cp = 0x2000 | ((b(1) & 0x3f) << 6) | (b(2) & 0x3f);
      fold = cp == 0x2028 || cp == 0x2029;
      refuse = cp == 0x200e || cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) ||
               (cp >= 0x2066 && cp <= 0x2069);
      n = 3;
    }
    if (refuse) return false;
    if (fold) {
      if (!folding) out->push_back(' ');
      folding = true;
    } else {
      out->append(raw.data() + i, n);
      folding = false;
    }
    i += n;
  }
  return true;
}

// Builds one Person from (column, value) cells. `where` is "FILE:LINE".
absl::StatusOr<record::Person> BuildPerson(const std::vector<std::pair<Column, std::string>>& cells,
                                           const std::string& where, int line,
                                           const ImportOptions& options) {
  record::Person p;
  bool has_role = false;
  auto fail = [&](absl::string_view field, absl::string_view problem) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": ", field, ": ", problem));
  };
  std::string folded;
  for (const auto& [column, raw] : cells) {
    if (!IsValidUtf8(raw))
      return fail(CanonicalColumns()[static_cast<int>(column)], "invalid UTF-8");
    if (!FoldControls(raw, &folded)) {
      return fail(CanonicalColumns()[static_cast<int>(column)], "control character");
    }
    const std::string value(absl::StripAsciiWhitespace(folded));
    if (std::vector<std::string> record::Person::*list = MultiValued(column); list != nullptr) {
      AppendMulti(value, &(p.*list));
      continue;
    }
    switch (column) {
      case Column::kExternalId:
        p.external_id = value;
        break;
      case Column::kRole:
        if (value.empty()) break;
        {
          auto role = record::ParseRole(value);
          if (!role.ok()) return fail("role", role.status().message());
          p.role = *role;
          has_role = true;
        }
        break;
      case Column::kGivenName:
        p.given_name = value;
        break;
      case Column::kFamilyName:
        p.family_name = value;
        break;
      case Column::kDob:
        if (value.empty()) break;
        {
          auto dob = record::ParsePartialDate(value);
          if (!dob.ok()) {
            if (!options.drop_bad_dates) return fail("dob", dob.status().message());
            if (options.stats != nullptr) options.stats->dropped_date_lines.push_back(line);
            break;
          }
          p.dob = *dob;
        }
        break;
      case Column::kSex: {
        auto sex = record::ParseSex(value);
        if (!sex.ok()) return fail("sex", sex.status().message());
        p.sex = *sex;
        break;
      }
      case Column::kNationality:
        p.nationality = absl::AsciiStrToUpper(value);
        break;
      case Column::kOfficer:
        p.officer = value;
        break;
      case Column::kConsentExpires:
        if (value.empty()) break;
        {
          auto date = record::ParsePartialDate(value);
          if (!date.ok() || date->day == 0) {
            return fail("consent_expires", "expected a full date (YYYY-MM-DD)");
          }
          p.consent_expires_at = record::DaysFromCivil(date->year, date->month, date->day) * 86400;
        }
        break;
      case Column::kLanguage: {
        auto language = record::ParseLanguageTag(value);
        if (!language.ok()) return fail("language", language.status().message());
        p.language = *std::move(language);
        break;
      }
      default:  // the multi-valued columns, filled above
        break;
    }
  }
  if (p.external_id.empty() && options.default_external_id.has_value()) {
    p.external_id = absl::StrCat(*options.default_external_id, ":", line);
  }
  if (p.external_id.empty()) return fail("external_id", "empty required field");
  if (!has_role) {
    if (!options.default_role.has_value()) {
      return fail("role", "empty required field (or pass --default-role)");
    }
    p.role = *options.default_role;
  }
  return p;
}

std::string DisplayColumn(Column c) { return CanonicalColumns()[static_cast<int>(c)]; }

// The rows of one piece of a CSV body, in order, with the lines of dropped
// dates (ImportOptions::drop_bad_dates) kept apart for merging.
struct ParsedPiece {
  std::vector<record::Person> persons;
  std::vector<int> dropped_date_lines;
};

// Below this a piece is not worth a thread's hand-over.
constexpr size_t kMinPieceBytes = size_t{1} << 20;

// The options one piece is parsed with: its own stats, merged afterwards.
ImportOptions PieceOptions(const ImportOptions& options, ImportOptions::Stats* stats) {
  ImportOptions piece_options;
  piece_options.default_role = options.default_role;
  piece_options.default_external_id = options.default_external_id;
  piece_options.drop_bad_dates = options.drop_bad_dates;
  piece_options.stats = stats;
  return piece_options;
}

// The size of the pieces `bytes` of rows are parsed in over `threads`.
size_t PieceBytes(const ImportOptions& options, size_t bytes, int threads) {
  if (options.piece_bytes != 0 || threads <= 1) return options.piece_bytes;
  return std::max(kMinPieceBytes, bytes / (threads * 8) + 1);
}

// The persons of parsed pieces in file order. A later row with the same
// external_id replaces the earlier one in its place, as a re-import would.
std::vector<record::Person> MergePieces(std::vector<ParsedPiece>& parsed,
                                        const ImportOptions& options) {
  size_t rows = 0;
  for (const ParsedPiece& p : parsed) rows += p.persons.size();
  std::vector<record::Person> persons;
  // Keys view the kept persons' ids: `persons` never reallocates (reserved),
  // and a replaced person keeps its id string.
  absl::flat_hash_map<absl::string_view, size_t> index_by_id;
  persons.reserve(rows);
  index_by_id.reserve(rows);
  for (ParsedPiece& piece : parsed) {
    for (record::Person& p : piece.persons) {
      auto it = index_by_id.find(p.external_id);
      if (it == index_by_id.end()) {
        persons.push_back(std::move(p));
        index_by_id.emplace(persons.back().external_id, persons.size() - 1);
      } else {
        record::Person& kept = persons[it->second];
        std::string id = std::move(kept.external_id);
        kept = std::move(p);
        kept.external_id = std::move(id);
      }
    }
    piece.persons = {};
    if (options.stats != nullptr) {
      options.stats->dropped_date_lines.insert(options.stats->dropped_date_lines.end(),
                                               piece.dropped_date_lines.begin(),
                                               piece.dropped_date_lines.end());
    }
  }
  return persons;
}

absl::Status ParseRows(CsvReader& reader, const std::vector<std::optional<Column>>& columns,
                       absl::string_view name, const ImportOptions& options, ParsedPiece* out) {
  ImportOptions::Stats stats;
  ImportOptions piece_options = PieceOptions(options, &stats);
  std::vector<std::string> row;
  std::vector<std::pair<Column, std::string>> cells;
  while (reader.Next(&row)) {
    const std::string where = absl::StrCat(name, ":", reader.line());
    if (row.size() != columns.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": expected ", columns.size(), " columns, found ", row.size()));
    }
    cells.clear();
    for (size_t i = 0; i < row.size(); ++i) {
      if (columns[i].has_value()) cells.emplace_back(*columns[i], std::move(row[i]));
    }
    ASSIGN_OR_RETURN(record::Person p, BuildPerson(cells, where, reader.line(), piece_options));
    out->persons.push_back(std::move(p));
  }
  if (!reader.status().ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ":", reader.line(), ": ", reader.status().message()));
  }
  out->dropped_date_lines = std::move(stats.dropped_date_lines);
  return absl::OkStatus();
}

// A CSV file's columns (from its header) and where its rows begin.
struct CsvLayout {
  std::vector<std::optional<Column>> columns;
  size_t body = 0;    // the byte after the header row
  int body_line = 1;  // the physical line there
};

absl::StatusOr<CsvLayout> ReadCsvHeader(absl::string_view content, absl::string_view name,
                                        const ImportOptions& options) {
  CsvReader reader(content);
  std::vector<std::string> header;
  if (!reader.Next(&header)) {
    if (!reader.status().ok()) {
      return absl::InvalidArgumentError(absl::StrCat(name, ":1: ", reader.status().message()));
    }
    return absl::InvalidArgumentError(absl::StrCat(name, ":1: empty file (no header row)"));
  }
  std::vector<std::optional<Column>> columns;
  absl::flat_hash_map<int, std::string> seen;
  for (std::string& h : header) {
    h = std::string(absl::StripAsciiWhitespace(h));
    std::optional<Column> c = Resolve(h, options);
    if (c.has_value()) {
      auto [it, inserted] = seen.emplace(static_cast<int>(*c), h);
      if (!inserted && MultiValued(*c) == nullptr) {
        return absl::InvalidArgumentError(absl::StrCat(name, ":1: columns '", it->second, "' and '",
                                                       h, "' both map to ", DisplayColumn(*c)));
      }
    }
    columns.push_back(c);
  }
  if (!seen.contains(static_cast<int>(Column::kExternalId)) &&
      !options.default_external_id.has_value()) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ":1: no external_id column (use --map SRC=external_id)"));
  }
  return CsvLayout{std::move(columns), reader.position(), reader.next_line()};
}

absl::StatusOr<std::vector<record::Person>> ParseCsv(absl::string_view content,
                                                     absl::string_view name,
                                                     const ImportOptions& options) {
  ASSIGN_OR_RETURN(const CsvLayout layout, ReadCsvHeader(content, name, options));
  const std::vector<std::optional<Column>>& columns = layout.columns;
  // The rows after the header, in pieces parsed over the cores. Each piece
  // keeps its rows in file order and stops at its first bad row; the
  // lowest piece's error is the one a serial read would have met first.
  const int threads = ResolveThreads(options.threads);
  const size_t body = layout.body;
  const size_t piece_bytes = PieceBytes(options, content.size() - body, threads);
  const std::vector<CsvPiece> pieces =
      threads > 1 ? SplitCsvRows(content, body, layout.body_line, piece_bytes)
                  : std::vector<CsvPiece>{{body, content.size(), layout.body_line}};
  std::vector<ParsedPiece> parsed(pieces.size());
  RETURN_IF_ERROR(ParallelFor(pieces.size(), threads, 1, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      const CsvPiece& piece = pieces[i];
      CsvReader rows(content.substr(piece.begin, piece.end - piece.begin), piece.first_line);
      RETURN_IF_ERROR(ParseRows(rows, columns, name, options, &parsed[i]));
    }
    return absl::OkStatus();
  }));
  return MergePieces(parsed, options);
}

// The records of lines [first_line, ...) of a JSONL file (a piece cut
// after a line feed: SplitLines), in order; stops at the first bad line.
absl::Status ParseJsonLines(absl::string_view piece, int first_line, absl::string_view name,
                            const ImportOptions& options, ParsedPiece* out) {
  ImportOptions::Stats stats;
  ImportOptions piece_options = PieceOptions(options, &stats);
  int line_number = first_line - 1;
  std::vector<std::pair<Column, std::string>> cells;
  for (absl::string_view line : absl::StrSplit(piece, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty()) continue;
    const std::string where = absl::StrCat(name, ":", line_number);
    if (!IsValidUtf8(line)) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": invalid UTF-8"));
    }
    if (JsonNestingDepth(line) > kMaxJsonDepth) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": nested deeper than ", kMaxJsonDepth, " levels"));
    }
    google::protobuf::Struct object;
    if (!google::protobuf::util::JsonStringToMessage(std::string(line), &object).ok()) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": not a JSON object"));
    }
    cells.clear();
    for (const auto& [key, value] : object.fields()) {
      std::optional<Column> c = Resolve(key, options);
      if (!c.has_value()) continue;
      std::string text;
      switch (value.kind_case()) {
        case google::protobuf::Value::kStringValue:
          text = value.string_value();
          break;
        case google::protobuf::Value::kNumberValue: {
          // A JSON number is a double: beyond 2^53 two ids would merge, and
          // a fraction or an out-of-range value would be cut. Only exact
          // integers pass; ids must be strings.
          const double n = value.number_value();
          if (*c == Column::kExternalId) {
            return absl::InvalidArgumentError(
                absl::StrCat(where, ": ", key, ": write ids as JSON strings, not numbers"));
          }
          if (!(std::fabs(n) < kExactIntegersBelow) || n != std::trunc(n)) {
            return absl::InvalidArgumentError(
                absl::StrCat(where, ": ", key, ": a number that is not an exact integer"));
          }
          text = absl::StrCat(static_cast<int64_t>(n));
          break;
        }
        case google::protobuf::Value::kNullValue:
          break;
        case google::protobuf::Value::kListValue: {
          std::vector<std::string> items;
          for (const auto& item : value.list_value().values()) {
            if (item.kind_case() != google::protobuf::Value::kStringValue) {
              return absl::InvalidArgumentError(
                  absl::StrCat(where, ": ", key, ": list items must be strings"));
            }
            items.push_back(item.string_value());
          }
          text = absl::StrJoin(items, ";");
          break;
        }
        default:
          return absl::InvalidArgumentError(
              absl::StrCat(where, ": ", key, ": expected a string or a list of strings"));
      }
      cells.emplace_back(*c, std::move(text));
    }
    ASSIGN_OR_RETURN(record::Person p, BuildPerson(cells, where, line_number, piece_options));
    out->persons.push_back(std::move(p));
  }
  out->dropped_date_lines = std::move(stats.dropped_date_lines);
  return absl::OkStatus();
}

// Cuts text into pieces of about `piece_bytes` (0: one piece), each ending
// just after a line feed, with the line each starts on. A JSON text holds
// no raw line feed (RFC 8259: control characters in strings are escaped),
// so a JSONL record never spans a cut.
std::vector<CsvPiece> SplitLines(absl::string_view text, size_t piece_bytes) {
  std::vector<CsvPiece> pieces;
  pieces.push_back({0, text.size(), 1});
  if (piece_bytes == 0) return pieces;
  int line = 1;
  size_t next_cut = piece_bytes;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\n') continue;
    ++line;
    if (i + 1 >= next_cut && i + 1 < text.size()) {
      pieces.back().end = i + 1;
      pieces.push_back({i + 1, text.size(), line});
      next_cut = i + 1 + piece_bytes;
    }
  }
  return pieces;
}

absl::StatusOr<std::vector<record::Person>> ParseJsonl(absl::string_view content,
                                                       absl::string_view name,
                                                       const ImportOptions& options) {
  const int threads = ResolveThreads(options.threads);
  const std::vector<CsvPiece> pieces =
      threads > 1 ? SplitLines(content, PieceBytes(options, content.size(), threads))
                  : std::vector<CsvPiece>{{0, content.size(), 1}};
  std::vector<ParsedPiece> parsed(pieces.size());
  RETURN_IF_ERROR(ParallelFor(pieces.size(), threads, 1, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      const CsvPiece& piece = pieces[i];
      RETURN_IF_ERROR(ParseJsonLines(content.substr(piece.begin, piece.end - piece.begin),
                                     piece.first_line, name, options, &parsed[i]));
    }
    return absl::OkStatus();
  }));
  return MergePieces(parsed, options);
}

// Whether the file is JSONL (else CSV): ImportOptions::format, or by the
// file's extension.
absl::StatusOr<bool> IsJsonl(const ImportOptions& options, absl::string_view display_name) {
  if (options.format.empty()) {
    return absl::EndsWith(display_name, ".jsonl") || absl::EndsWith(display_name, ".json");
  }
  if (options.format == "csv") return false;
  if (options.format == "jsonl") return true;
  return absl::InvalidArgumentError(
      absl::StrCat("--format: unknown format '", options.format, "' (expected csv or jsonl)"));
}

}  // namespace

const std::vector<std::string>& CanonicalColumns() {
  static const auto* columns = new std::vector<std::string>{
      "external_id", "role",    "given_name", "family_name", "aliases",         "dob",     "sex",
      "nationality", "phone",   "email",      "document",    "handle",          "iban",    "plate",
      "address",     "consent", "labels",     "officer",     "consent_expires", "language"};
  return *columns;
}

absl::StatusOr<std::map<std::string, std::string>> ParseColumnMap(absl::string_view spec) {
  std::map<std::string, std::string> out;
  if (absl::StripAsciiWhitespace(spec).empty()) return out;
  for (absl::string_view pair : absl::StrSplit(spec, ',')) {
    std::vector<std::string> kv = absl::StrSplit(pair, absl::MaxSplits('=', 1));
    if (kv.size() != 2 || absl::StripAsciiWhitespace(kv[0]).empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--map: expected SRC=DST pairs separated by commas, got '", pair, "'"));
    }
    std::string src(absl::StripAsciiWhitespace(kv[0]));
    std::string dst(absl::StripAsciiWhitespace(kv[1]));
    if (!ColumnsByName().contains(dst)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--map: '", dst,
          "' is not a canonical column (one of: ", absl::StrJoin(CanonicalColumns(), ", "), ")"));
    }
    out[src] = dst;
  }
  return out;
}

absl::StatusOr<std::vector<record::Person>> ParsePersons(absl::string_view content,
                                                         absl::string_view display_name,
                                                         const ImportOptions& options) {
  ASSIGN_OR_RETURN(const bool jsonl, IsJsonl(options, display_name));
  return jsonl ? ParseJsonl(content, display_name, options)
               : ParseCsv(content, display_name, options);
}

struct PersonsReader::State {
  std::string content;
  std::string name;
  ImportOptions options;
  bool jsonl = false;
  std::vector<std::optional<Column>> columns;  // CSV
  std::vector<CsvPiece> pieces;
  size_t next = 0;  // the next piece to parse
  int threads = 1;
  // Pieces parsed ahead (`threads` at a time) and not handed out yet.
  std::vector<ParsedPiece> ready;
  size_t ready_next = 0;
};

PersonsReader::PersonsReader(std::unique_ptr<State> state) : state_(std::move(state)) {}
PersonsReader::~PersonsReader() = default;

absl::StatusOr<std::unique_ptr<PersonsReader>> PersonsReader::FromText(
    std::string content, std::string display_name, const ImportOptions& options) {
  auto state = std::make_unique<State>();
  ASSIGN_OR_RETURN(state->jsonl, IsJsonl(options, display_name));
  state->content = std::move(content);
  state->name = std::move(display_name);
  state->options = options;
  state->threads = ResolveThreads(options.threads);
  const absl::string_view text = state->content;
  const size_t piece_bytes = options.piece_bytes != 0 ? options.piece_bytes : kMinPieceBytes;
  if (state->jsonl) {
    state->pieces = SplitLines(text, piece_bytes);
  } else {
    ASSIGN_OR_RETURN(CsvLayout layout, ReadCsvHeader(text, state->name, options));
    state->columns = std::move(layout.columns);
    state->pieces = SplitCsvRows(text, layout.body, layout.body_line, piece_bytes);
  }
  return std::unique_ptr<PersonsReader>(new PersonsReader(std::move(state)));
}

absl::StatusOr<std::unique_ptr<PersonsReader>> PersonsReader::Open(const std::string& path,
                                                                   const ImportOptions& options) {
  auto text = common::ReadWholeFile(path);
  if (absl::IsNotFound(text.status()))
    return absl::NotFoundError(absl::StrCat(path, ": cannot open file"));
  RETURN_IF_ERROR(text.status());
  return FromText(*std::move(text), path, options);
}

absl::StatusOr<bool> PersonsReader::Next(std::vector<record::Person>* persons) {
  State& s = *state_;
  persons->clear();
  if (s.ready_next >= s.ready.size()) {
    // The next `threads` pieces, parsed at once over the cores (a JSONL
    // line costs several times a CSV row); the lowest piece's error is
    // the first bad row in the file.
    const size_t n = std::min<size_t>(s.threads, s.pieces.size() - s.next);
    if (n == 0) return false;
    s.ready.assign(n, ParsedPiece{});
    s.ready_next = 0;
    const size_t first = s.next;
    s.next += n;
    RETURN_IF_ERROR(ParallelFor(n, s.threads, 1, [&](size_t begin, size_t end) {
      for (size_t i = begin; i < end; ++i) {
        const CsvPiece& piece = s.pieces[first + i];
        const absl::string_view text =
            absl::string_view(s.content).substr(piece.begin, piece.end - piece.begin);
        if (s.jsonl) {
          RETURN_IF_ERROR(ParseJsonLines(text, piece.first_line, s.name, s.options, &s.ready[i]));
        } else {
          CsvReader rows(text, piece.first_line);
          RETURN_IF_ERROR(ParseRows(rows, s.columns, s.name, s.options, &s.ready[i]));
        }
      }
      return absl::OkStatus();
    }));
  }
  ParsedPiece& parsed = s.ready[s.ready_next++];
  if (s.options.stats != nullptr) {
    s.options.stats->dropped_date_lines.insert(s.options.stats->dropped_date_lines.end(),
                                               parsed.dropped_date_lines.begin(),
                                               parsed.dropped_date_lines.end());
  }
  *persons = std::move(parsed.persons);
  return true;
}

absl::StatusOr<std::vector<record::Person>> ReadPersonsFile(const std::string& path,
                                                            const ImportOptions& options) {
  auto text = common::ReadWholeFile(path);
  if (absl::IsNotFound(text.status()))
    return absl::NotFoundError(absl::StrCat(path, ": cannot open file"));
  RETURN_IF_ERROR(text.status());
  return ParsePersons(*text, path, options);
}

common::CsvWriter PersonsCsvWriter() { return common::CsvWriter(CanonicalColumns()); }

void AppendPersonRow(const record::Person& p, common::CsvWriter& csv) {
  auto multi = [&](const std::vector<std::string>& v) { csv.OwnField(absl::StrJoin(v, ";")); };
  std::string expires;
  if (p.consent_expires_at != 0) {
    expires = record::CivilFromDays(p.consent_expires_at / 86400).ToString();
  }
  csv.OwnField(p.external_id).OwnField(record::RoleName(p.role));
  csv.OwnField(p.given_name).OwnField(p.family_name);
  multi(p.aliases);
  csv.OwnField(p.dob.ToString()).OwnField(record::SexName(p.sex)).OwnField(p.nationality);
  multi(p.phones);
  multi(p.emails);
  multi(p.documents);
  multi(p.handles);
  multi(p.ibans);
  multi(p.plates);
  multi(p.addresses);
  multi(p.consent);
  multi(p.labels);
  csv.OwnField(p.officer).OwnField(expires).OwnField(p.language).EndRow();
}

std::string PersonsToCsv(const std::vector<record::Person>& persons) {
  common::CsvWriter csv = PersonsCsvWriter();
  for (const record::Person& p : persons) AppendPersonRow(p, csv);
  return csv.TakeText();
}

}  // namespace fedlink::importer
