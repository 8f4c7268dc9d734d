#include "csv.h"

#include <fmt/format.h>

#include "text_file.h"
#include "truce/text_policy.h"

namespace truce::formats {
namespace {

// The first byte at or after `from` that is in `set`, or text.size(). string_view's
// find_first_of calls memchr on the set for every byte of the text, which was 13% of
// `truce evaluate`'s time (docs/performance.md); a table costs one load per byte.
class ByteSet {
 public:
  constexpr explicit ByteSet(std::string_view set) {
    for (const char c : set) member_[static_cast<unsigned char>(c)] = true;
  }
  size_t FindIn(std::string_view text, size_t from) const {
    const char* p = text.data();
    const size_t n = text.size();
    while (from < n && !member_[static_cast<unsigned char>(p[from])]) ++from;
    return from;
  }

 private:
  bool member_[256] = {};
};

constexpr ByteSet kQuotedStops("\"\n");
constexpr ByteSet kUnquotedStops(",\"\r\n");

}  // namespace

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

CsvReader::CsvReader(std::string_view text, std::string_view file, const CsvLimits& limits)
    : text_(text), file_(file), limits_(limits) {
  // A UTF-8 byte order mark is not part of the first column's name.
  if (text_.starts_with("\xEF\xBB\xBF")) text_.remove_prefix(3);
}

std::optional<size_t> CsvReader::Column(std::string_view name) const {
  for (size_t i = 0; i < header_.size(); ++i) {
    if (header_[i] == name) return i;
  }
  return std::nullopt;
}

Result<bool> CsvReader::ReadRow(CsvRecord& row) {
  row.line = line_;
  const std::string_view text = text_;
  size_t& i = pos_;
  if (i >= text.size()) {
    row.fields.clear();
    return false;
  }
  // The row's strings are reused from the row before, emptied: their capacity saves an
  // allocation per field (37 a row in the Syrian Archive's export). `count` fields are done.
  size_t count = 0;
  const auto slot = [&](size_t k) {
    if (k == row.fields.size()) row.fields.emplace_back();
    std::string* s = &row.fields[k];
    s->clear();
    return s;
  };
  std::string* field = slot(0);
  size_t record_bytes = 0;
  bool quoted = false, field_started = false, was_quoted = false;
  const size_t quote_line = line_;
  auto fail = [&](std::string what) -> Error {
    failed_ = MakeError(ErrorCode::kInvalidInput, std::move(what));
    return *failed_;
  };
  auto end_field = [&]() -> bool {
    if (count == limits_.max_columns) return false;
    record_bytes += field->size();
    field = slot(++count);
    field_started = was_quoted = false;
    return true;
  };
  auto too_many = [&] {
    return fail(fmt::format("{}:{}: more than {} columns, the limit for CSV input", file_, line_,
                            limits_.max_columns));
  };
  // Appends text[from, to) to the field, within the field and record limits.
  auto append = [&](size_t from, size_t to) -> bool {
    field->append(text.substr(from, to - from));
    return field->size() <= limits_.max_field_bytes &&
           record_bytes + field->size() <= limits_.max_record_bytes;
  };
  auto too_long = [&] {
    if (field->size() > limits_.max_field_bytes) {
      return fail(fmt::format("{}:{}: column {}: field longer than {}, the limit for one CSV field",
                              file_, row.line, count + 1, FormatBytes(limits_.max_field_bytes)));
    }
    return fail(fmt::format("{}:{}: record longer than {}, the limit for one CSV record", file_,
                            row.line, FormatBytes(limits_.max_record_bytes)));
  };
  while (i < text.size()) {
    const char c = text[i];
    if (quoted) {
      // Copy the run up to the next quote (or line end, to count lines) in one go.
      const size_t end = kQuotedStops.FindIn(text, i);
      if (end > i) {
        if (!append(i, end)) return too_long();
        i = end;
        continue;
      }
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          if (!append(i, i + 1)) return too_long();
          i += 2;
          continue;
        }
        quoted = false;
        ++i;
        continue;
      }
      ++line_;  // a line break inside quotes belongs to the field
      if (!append(i, i + 1)) return too_long();
      ++i;
      continue;
    }
    if (c == '"') {
      if (field_started) {
        return fail(
            fmt::format("{}:{}: column {}: a quote inside an unquoted field (quote "
                        "the whole field and double inner quotes)",
                        file_, line_, count + 1));
      }
      quoted = was_quoted = field_started = true;
      ++i;
      continue;
    }
    if (c == ',') {
      if (!end_field()) return too_many();
      ++i;
      continue;
    }
    if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      ++i;
      continue;
    }
    if (c == '\n') {
      ++line_;
      ++i;
      if (!end_field()) return too_many();
      row.fields.resize(count);
      return true;
    }
    if (was_quoted) {
      return fail(
          fmt::format("{}:{}: column {}: text after a closing quote", file_, line_, count + 1));
    }
    size_t end = kUnquotedStops.FindIn(text, i);
    if (end == i) end = i + 1;  // a lone '\r'
    if (!append(i, end)) return too_long();
    field_started = true;
    i = end;
  }
  if (quoted) {
    return fail(fmt::format("{}:{}: a quoted field is never closed", file_, quote_line));
  }
  if (!end_field()) return too_many();
  row.fields.resize(count);
  return true;
}

Status CsvReader::ReadHeader() {
  CsvRecord row;
  for (;;) {
    auto more = ReadRow(row);
    if (!more.ok()) return std::move(more).error();
    if (!*more) {
      failed_ = MakeError(ErrorCode::kInvalidInput,
                          fmt::format("{}: empty file, expected a header row", file_));
      return *failed_;
    }
    if (!(row.fields.size() == 1 && row.fields[0].empty())) break;
  }
  header_ = std::move(row.fields);
  std::vector<std::string> problems;
  for (size_t c = 0; c < header_.size(); ++c) {
    std::string& name = header_[c];
    while (!name.empty() && name.back() == ' ') name.pop_back();
    while (!name.empty() && name.front() == ' ') name.erase(name.begin());
    if (auto p = TextProblem(name, {TextKind::kIdentifier, kMaxCsvColumnNameBytes})) {
      problems.push_back(
          fmt::format("{}:{}: header: column {} name {}", file_, row.line, c + 1, *p));
      continue;
    }
    for (size_t d = 0; d < c; ++d) {
      if (header_[d] == name) {
        problems.push_back(
            fmt::format("{}:{}: header: column {} is named {} like column {} (each column once)",
                        file_, row.line, c + 1, Quote(name), d + 1));
        break;
      }
    }
  }
  if (!problems.empty()) {
    Error e = problems.size() == 1 ? MakeError(ErrorCode::kInvalidInput, problems[0])
                                   : MakeProblemsError(file_, problems);
    e.problems = ProblemsFromLines(std::move(problems));
    failed_ = e;
    return e;
  }
  return Status::Ok();
}

Result<bool> CsvReader::Next(CsvRecord& record) {
  if (failed_) return *failed_;
  for (;;) {
    auto more = ReadRow(record);
    if (!more.ok() || !*more) return more;
    if (record.fields.size() == 1 && record.fields[0].empty()) continue;  // a blank line
    if (record.fields.size() != header_.size()) {
      failed_ = MakeError(ErrorCode::kInvalidInput,
                          fmt::format("{}:{}: {} fields, but the header has {}", file_, record.line,
                                      record.fields.size(), header_.size()));
      return *failed_;
    }
    return true;
  }
}

Result<CsvTable> ParseCsv(std::string_view text, std::string_view file, const CsvLimits& limits) {
  CsvReader reader(text, file, limits);
  if (Status s = reader.ReadHeader(); !s.ok()) return s.error();
  CsvTable table;
  table.header = reader.header();
  CsvRecord record;
  for (;;) {
    auto more = reader.Next(record);
    if (!more.ok()) return std::move(more).error();
    if (!*more) break;
    table.records.push_back(std::move(record));
  }
  return table;
}

}  // namespace truce::formats
