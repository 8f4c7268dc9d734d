// The fast readers of positions.cc that the streamed reading (positions_stream.cc) shares:
// each takes what it can vouch for and says false for anything else, which then goes to the
// reference reader (docs/performance.md). Internal to truce_formats.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "positions.h"
#include "truce/result.h"

namespace truce::formats {

// JSON lines, one at a time, with one parser and one padded buffer for all lines.
class FastLineReader {
 public:
  FastLineReader();
  ~FastLineReader();
  FastLineReader(const FastLineReader&) = delete;
  FastLineReader& operator=(const FastLineReader&) = delete;

  // One line as TakeLine takes it; false when it must go to TakeLine.
  bool Take(std::string_view line, PositionBatch& batch);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// A traffic JSON array held in a buffer followed by simdjson's padding.
class FastArrayReader {
 public:
  FastArrayReader();
  ~FastArrayReader();
  FastArrayReader(const FastArrayReader&) = delete;
  FastArrayReader& operator=(const FastArrayReader&) = delete;

  // text[0, size) as an array of records into `batch`; `non_empty`: it must hold at least one.
  // False (and `batch` to be discarded) at the first doubt.
  bool Read(const char* text, size_t size, bool non_empty, PositionBatch& batch);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// OpenSky CSV: `text` is the header line and rows. `first_row_line`: the file's line number
// of the row after the header (0: the next line), so that a window of a file names its lines as
// the whole file would; `next_line`, when not null, is set to the line after the last row read.
// `fast`: through the fast path where it can vouch for a row (false: the reference reader).
[[nodiscard]] Result<PositionBatch> OpenSkyCsv(std::string_view text, const std::string& file,
                                               bool fast, size_t first_row_line = 0,
                                               size_t* next_line = nullptr);

}  // namespace truce::formats
