// RFC 4180 CSV: comma-separated, fields optionally in double quotes ("" escapes a quote,
// quoted fields may span lines), LF or CRLF line ends, a header row naming the columns.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "truce/result.h"

namespace truce::formats {

struct CsvRecord {
  size_t line = 0;  // 1-based line on which the record starts
  std::vector<std::string> fields;
};

struct CsvTable {
  std::vector<std::string> header;
  std::vector<CsvRecord> records;  // data rows only; blank lines are skipped

  // Index of the column named `name` (exact match after trimming), if any.
  std::optional<size_t> Column(std::string_view name) const;
};

// `field` as one RFC 4180 field: quoted, with quotes doubled, when it holds a comma, a quote
// or a line break; as it is otherwise.
std::string CsvField(std::string_view field);

// The fields as one CSV row (no line end).
std::string CsvJoin(const std::vector<std::string>& fields);

// Parses `text`. Errors (kInvalidInput) name `file` and the line: an unterminated quote, a
// stray quote inside an unquoted field, a row whose field count differs from the header.
[[nodiscard]] Result<CsvTable> ParseCsv(std::string_view text, std::string_view file);

}  // namespace truce::formats
