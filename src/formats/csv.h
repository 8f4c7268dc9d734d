// RFC 4180 CSV: comma-separated, fields optionally in double quotes ("" escapes a quote,
// quoted fields may span lines), LF or CRLF line ends, a header row naming the columns.
//
// Reading is bounded (CsvLimits): a file with too many columns, or a field or record too long,
// is refused as soon as the reader gets there, so that a huge one-line file costs no more
// memory than the text itself. CsvReader streams records one at a time; ParseCsv keeps them.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "truce/result.h"

namespace truce::formats {

// The limits of the CSV reader (docs/formats.md, "Text and limits").
inline constexpr size_t kMaxCsvColumns = 1024;
inline constexpr size_t kMaxCsvFieldBytes = size_t{1} << 20;
inline constexpr size_t kMaxCsvRecordBytes = size_t{4} << 20;
inline constexpr size_t kMaxCsvColumnNameBytes = 256;

struct CsvLimits {
  size_t max_columns = kMaxCsvColumns;
  size_t max_field_bytes = kMaxCsvFieldBytes;
  size_t max_record_bytes = kMaxCsvRecordBytes;
};

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

// Reads the rows of `text` one at a time. Not thread-safe; `text` must outlive the reader.
class CsvReader {
 public:
  CsvReader(std::string_view text, std::string_view file, const CsvLimits& limits = {});

  // Reads the header row; call once, first. Errors (kInvalidInput, "FILE:1: ..."): an empty
  // file, a limit exceeded, a column named twice, a column name that is not a valid
  // identifier (truce/text_policy.h) or longer than kMaxCsvColumnNameBytes.
  [[nodiscard]] Status ReadHeader();
  const std::vector<std::string>& header() const noexcept { return header_; }
  std::optional<size_t> Column(std::string_view name) const;

  // Reads the next data row into `record`, skipping blank lines; false at the end of the
  // text. Errors (kInvalidInput) name the file and line: an unterminated quote, a stray
  // quote inside an unquoted field, text after a closing quote, a row whose field count
  // differs from the header's, a limit exceeded. After an error the reader stays failed.
  [[nodiscard]] Result<bool> Next(CsvRecord& record);

  // For a caller that splits plain rows itself and hands the others to Next: the text read
  // (without a byte order mark), where the next row begins in it and on which line, and
  // SkipTo to go on at the start of a later row (an offset into text(), its line). offset()
  // is also the bytes of the text consumed so far.
  std::string_view text() const noexcept { return text_; }
  size_t offset() const noexcept { return pos_; }
  size_t line() const noexcept { return line_; }
  void SkipTo(size_t offset, size_t line) noexcept {
    pos_ = offset;
    line_ = line;
  }

 private:
  // Reads one row, header or data; false at the end.
  Result<bool> ReadRow(CsvRecord& row);

  std::string_view text_;
  std::string file_;
  CsvLimits limits_;
  size_t pos_ = 0;
  size_t line_ = 1;
  std::vector<std::string> header_;
  std::optional<Error> failed_;
};

// `field` as one RFC 4180 field: quoted, with quotes doubled, when it holds a comma, a quote
// or a line break; as it is otherwise.
std::string CsvField(std::string_view field);

// The fields as one CSV row (no line end).
std::string CsvJoin(const std::vector<std::string>& fields);

// Parses all of `text` with a CsvReader. Errors as CsvReader's.
[[nodiscard]] Result<CsvTable> ParseCsv(std::string_view text, std::string_view file,
                                        const CsvLimits& limits = {});

}  // namespace truce::formats
