#include "csv.h"

#include <fmt/format.h>

namespace truce::formats {

std::optional<size_t> CsvTable::Column(std::string_view name) const {
  for (size_t i = 0; i < header.size(); ++i) {
    if (header[i] == name) return i;
  }
  return std::nullopt;
}

std::string CsvField(std::string_view field) {
  if (field.find_first_of(",\"\n\r") == std::string_view::npos) return std::string(field);
  std::string out = "\"";
  for (char c : field) out += (c == '"') ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string CsvJoin(const std::vector<std::string>& fields) {
  std::string out;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i) out += ',';
    out += CsvField(fields[i]);
  }
  return out;
}

Result<CsvTable> ParseCsv(std::string_view text, std::string_view file) {
  // A UTF-8 byte order mark is not part of the first column's name.
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  std::vector<CsvRecord> rows;
  CsvRecord row;
  std::string field;
  size_t line = 1;
  size_t i = 0;
  bool quoted = false, field_started = false, was_quoted = false;
  size_t quote_line = 0;
  row.line = 1;
  auto end_field = [&] {
    row.fields.push_back(std::move(field));
    field.clear();
    field_started = false;
    was_quoted = false;
  };
  auto end_row = [&] {
    end_field();
    const bool blank = row.fields.size() == 1 && row.fields[0].empty();
    if (!blank) rows.push_back(std::move(row));
    row = CsvRecord{};
    row.line = line;
  };
  while (i < text.size()) {
    const char c = text[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field.push_back('"');
          i += 2;
          continue;
        }
        quoted = false;
        ++i;
        continue;
      }
      if (c == '\n') ++line;
      field.push_back(c);
      ++i;
      continue;
    }
    if (c == '"') {
      if (field_started) {
        return MakeError(ErrorCode::kInvalidInput,
                         fmt::format("{}:{}: column {}: a quote inside an unquoted field (quote "
                                     "the whole field and double inner quotes)",
                                     file, line, row.fields.size() + 1));
      }
      quoted = was_quoted = field_started = true;
      quote_line = line;
      ++i;
      continue;
    }
    if (c == ',') {
      end_field();
      ++i;
      continue;
    }
    if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      ++i;
      continue;
    }
    if (c == '\n') {
      ++line;
      end_row();
      ++i;
      continue;
    }
    if (was_quoted) {
      return MakeError(ErrorCode::kInvalidInput,
                       fmt::format("{}:{}: column {}: text after a closing quote", file, line,
                                   row.fields.size() + 1));
    }
    field.push_back(c);
    field_started = true;
    ++i;
  }
  if (quoted) {
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("{}:{}: a quoted field is never closed", file, quote_line));
  }
  if (field_started || !row.fields.empty()) end_row();

  CsvTable table;
  if (rows.empty()) {
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("{}: empty file, expected a header row", file));
  }
  table.header = std::move(rows[0].fields);
  for (std::string& name : table.header) {
    while (!name.empty() && name.back() == ' ') name.pop_back();
    while (!name.empty() && name.front() == ' ') name.erase(name.begin());
  }
  for (size_t r = 1; r < rows.size(); ++r) {
    if (rows[r].fields.size() != table.header.size()) {
      return MakeError(ErrorCode::kInvalidInput,
                       fmt::format("{}:{}: {} fields, but the header has {}", file, rows[r].line,
                                   rows[r].fields.size(), table.header.size()));
    }
    table.records.push_back(std::move(rows[r]));
  }
  return table;
}

}  // namespace truce::formats
