// ReadPositionsFile: positions read a window at a time as the file is read or inflated, the
// text never held whole, and with a sink the positions neither (docs/performance.md).
#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <simdjson.h>

#include "positions.h"
#include "positions_fast.h"
#include "text_file.h"

namespace truce::formats {

static_assert(PositionStreamOptions{}.max_text_bytes == kMaxInputFileBytes &&
              PositionStreamOptions{}.max_whole_bytes == kMaxInputFileBytes);

namespace {

// The most text a window holds while it waits for the end of a record or line: far more than
// one may hold (kMaxPositionRecordBytes, kMaxPositionLineBytes, the CSV reader's record
// limit), so only a defective file meets it. It is then read whole, within the limit for a file
// read whole, so that a streamed file without a record end cannot grow a window without bound.
constexpr size_t kMaxWindowBytes = size_t{16} << 20;

// About how many bytes of text `path` holds: its size, or for gzip the size its last member
// records (modulo 4 GiB, more than any input may hold). 0 when not known. Only a hint.
size_t ExpectedTextBytes(const std::string& path) {
  std::error_code ec;
  const uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec || size == 0) return 0;
  if (!path.ends_with(".gz") || size < 18) return static_cast<size_t>(size);
  std::ifstream in(path, std::ios::binary);
  unsigned char magic[2] = {0, 0}, isize[4] = {0, 0, 0, 0};
  in.read(reinterpret_cast<char*>(magic), 2);
  if (!in || magic[0] != 0x1F || magic[1] != 0x8B) return static_cast<size_t>(size);
  in.seekg(-4, std::ios::end);
  in.read(reinterpret_cast<char*>(isize), 4);
  if (!in) return 0;
  return std::min<size_t>(kMaxInputFileBytes, size_t{isize[0]} | size_t{isize[1]} << 8 |
                                                  size_t{isize[2]} << 16 | size_t{isize[3]} << 24);
}

// A traffic JSON array read a window at a time (ReadPositionsFile): the text is gathered in
// a buffer until it holds `window` bytes, then cut after the last complete record it holds, at
// a comma after a '}', and that part is parsed as an array of its own: the comma is overwritten
// with ']' and the rest moved to the front behind a '['. The cut is only a guess (the comma may
// lie in a string), but a guess that is wrong cannot parse: when "[" + part + "]" parses as an
// array, the part is a list of whole values and the comma the separator after the last one, so
// the windows parse if and only if the whole text does, as the same records (a window with no
// record after a cut is a trailing comma, refused). Any doubt (a parse error, a record the fast
// path cannot vouch for) and Feed or Finish says false: the caller reads the file again, whole.
class WindowedTrafficJson {
 public:
  // `expected`: about how many bytes the text holds (0: not known), to reserve room for the
  // positions once the first window tells how long a record is.
  WindowedTrafficJson(size_t window, size_t expected) : window_(window), expected_(expected) {}

  // More text; false when the file must be read again whole.
  bool Feed(std::string_view chunk, PositionBatch& batch) {
    if (!started_) {
      // The '[' after leading whitespace (DetectPositionFormat saw it; a BOM never comes here).
      const size_t at = chunk.find_first_not_of(" \t\r\n");
      if (at == std::string_view::npos) return true;
      chunk.remove_prefix(at);
      if (chunk.front() != '[') return false;
      started_ = true;
    }
    Append(chunk);
    if (used_ < window_) return true;
    // The last comma after a '}' in what came since the last look (a few bytes back, for a
    // '}' and its whitespace split from the comma): a long record is not searched again and
    // again.
    size_t cut = std::string::npos;
    const size_t from = searched_ > 64 ? searched_ - 64 : 1;
    for (size_t i = used_; i-- > from;) {
      if (buffer_[i] != ',') continue;
      size_t j = i;
      while (j > 1 && (buffer_[j - 1] == ' ' || buffer_[j - 1] == '\t' || buffer_[j - 1] == '\n' ||
                       buffer_[j - 1] == '\r')) {
        --j;
      }
      if (buffer_[j - 1] == '}') {
        cut = i;
        break;
      }
    }
    searched_ = used_;
    if (cut == std::string::npos) return used_ <= kMaxWindowBytes;
    buffer_[cut] = ']';
    if (!Parse(cut + 1, batch, false)) return false;
    consumed_ += cut;
    if (cuts_ == 0 && expected_ > consumed_ && batch.records > 0) {
      // Room for all at once: growing by doubling would hold up to three times the positions.
      const double per_record = static_cast<double>(consumed_) / batch.records;
      batch.positions.reserve(static_cast<size_t>(expected_ / per_record * 1.02) + 16);
    }
    // The rest behind a fresh '['.
    std::memmove(&buffer_[1], &buffer_[cut + 1], used_ - cut - 1);
    used_ -= cut;
    searched_ = 1;
    ++cuts_;
    return true;
  }

  // The end of the text; false when the file must be read again whole.
  bool Finish(PositionBatch& batch) { return started_ && Parse(used_, batch, cuts_ > 0); }

 private:
  void Append(std::string_view chunk) {
    if (buffer_.size() < used_ + chunk.size() + simdjson::SIMDJSON_PADDING) {
      buffer_.resize(std::max(2 * buffer_.size(),
                              used_ + chunk.size() + window_ + simdjson::SIMDJSON_PADDING));
    }
    std::memcpy(&buffer_[used_], chunk.data(), chunk.size());
    used_ += chunk.size();
  }

  // buffer_[0, size) as an array of records; `after_cut`: it must hold at least one.
  bool Parse(size_t size, PositionBatch& batch, bool after_cut) {
    return reader_.Read(buffer_.data(), size, after_cut, batch);
  }

  const size_t window_;
  const size_t expected_;
  size_t consumed_ = 0;  // bytes of text parsed
  std::string buffer_;   // [0, used_) the text, then room and simdjson's padding
  size_t used_ = 0;
  size_t searched_ = 1;  // buffer_[1, searched_) holds no cut
  size_t cuts_ = 0;
  bool started_ = false;
  FastArrayReader reader_;
};

// JSON lines read a piece at a time, exactly as PositionLines reads them whole.
class StreamedLines {
 public:
  explicit StreamedLines(const std::string& file) : file_(file) {}

  // More text; false when the file must be read again whole (a line longer than a window).
  bool Feed(std::string_view chunk, PositionBatch& batch) {
    for (;;) {
      const size_t end = chunk.find('\n');
      if (end == std::string_view::npos) break;
      if (partial_.empty()) {
        Line(chunk.substr(0, end), batch);
      } else {
        partial_.append(chunk.substr(0, end));
        Line(partial_, batch);
        partial_.clear();
      }
      chunk.remove_prefix(end + 1);
    }
    partial_.append(chunk);
    return partial_.size() <= kMaxWindowBytes;
  }

  void Finish(PositionBatch& batch) {
    if (!partial_.empty()) Line(partial_, batch);
    partial_.clear();
  }

 private:
  void Line(std::string_view l, PositionBatch& batch) {
    ++line_;
    if (!reader_.Take(l, batch)) TakeLine(l, file_, line_, batch);
  }

  const std::string& file_;
  std::string partial_;  // a line not yet ended
  size_t line_ = 0;
  FastLineReader reader_;
};

// OpenSky CSV read a window at a time: the text is gathered in a buffer behind the header line
// until it holds `window` bytes, then cut after its last line end, and the header and the whole
// lines before the cut are read as a file of their own, their rows numbered as in the whole file.
// A line end is a row's end only outside quotes, so a window that holds a quote (or a header
// that does) is a doubt, as is any error: Feed or Finish says false, and the caller reads the
// file again, whole.
class WindowedCsv {
 public:
  WindowedCsv(size_t window, const std::string& file) : window_(window), file_(file) {}

  bool Feed(std::string_view chunk, PositionBatch& batch) {
    buffer_.append(chunk);
    if (header_ == 0) {
      const size_t end = buffer_.find('\n');
      if (end == std::string::npos) return buffer_.size() <= window_;
      // A header the reader might read otherwise (quoted, blank) goes to the whole read.
      const std::string_view header(buffer_.data(), end);
      if (header.find('"') != std::string_view::npos ||
          header.find_first_not_of(" \t\r") == std::string_view::npos) {
        return false;
      }
      header_ = end + 1;
    }
    if (buffer_.size() - header_ < window_) return true;
    const size_t cut = buffer_.rfind('\n');
    if (cut < header_) return buffer_.size() <= header_ + kMaxWindowBytes;  // no whole row yet
    if (!Parse(cut + 1, batch)) return false;
    buffer_.erase(header_, cut + 1 - header_);
    return true;
  }

  // The end of the text; false when the file must be read again whole.
  bool Finish(PositionBatch& batch) {
    if (header_ == 0) return false;  // no line end at all: the whole read says what it is
    return (parsed_ && buffer_.size() == header_) || Parse(buffer_.size(), batch);
  }

 private:
  bool Parse(size_t size, PositionBatch& batch) {
    const std::string_view text(buffer_.data(), size);
    if (text.find('"', header_) != std::string_view::npos) return false;
    auto rows = OpenSkyCsv(text, file_, true, next_line_, &next_line_);
    if (!rows.ok()) return false;
    parsed_ = true;
    batch.records += rows->records;
    batch.without_position += rows->without_position;
    std::move(rows->rejected.begin(), rows->rejected.end(), std::back_inserter(batch.rejected));
    if (batch.positions.empty()) {
      batch.positions = std::move(rows->positions);
    } else {
      std::move(rows->positions.begin(), rows->positions.end(),
                std::back_inserter(batch.positions));
    }
    return true;
  }

  const size_t window_;
  const std::string& file_;
  std::string buffer_;    // the header line, then the rows not yet read
  size_t header_ = 0;     // bytes of the header line, with its line end; 0: not yet whole
  size_t next_line_ = 0;  // the line of the next row (0: the one after the header)
  bool parsed_ = false;
};

}  // namespace

bool CanReadAgain(const std::string& path) {
  std::error_code ec;
  return !std::filesystem::exists(path, ec) || std::filesystem::is_regular_file(path, ec);
}

Result<PositionBatch> ReadPositionsFile(const std::string& path,
                                        const PositionStreamOptions& options, PositionSink* sink) {
  // What the text is, from its first bytes; a text that begins with a byte order mark is
  // read whole. So is a pipe or a device, which could not be read again after a doubt: once,
  // within the limit for a file read whole.
  const bool once = !CanReadAgain(path);
  enum class Mode { kUndecided, kArray, kLines, kCsv, kWhole };
  Mode mode = once ? Mode::kWhole : Mode::kUndecided;
  PositionBatch batch;
  std::string whole;  // kUndecided, kWhole: the text so far
  // With a sink, room is never reserved for the file's positions: they do not stay.
  const size_t expected = ExpectedTextBytes(path);
  WindowedTrafficJson array(options.window_bytes, sink ? 0 : expected);
  StreamedLines lines(path);
  WindowedCsv csv(options.window_bytes, path);
  bool again = false;    // the file must be read again, whole
  bool given = false;    // the sink has had positions of this file
  bool stopped = false;  // the sink said to stop
  // The positions read so far to the sink, if there is one.
  auto give = [&] {
    if (!sink) return;
    if (!batch.positions.empty()) {
      given = true;
      stopped = !sink->Take(batch.positions);
      batch.positions.clear();
    }
    if (!batch.rejected.empty() && !stopped) {
      given = true;
      stopped = !sink->TakeRejected(batch.rejected);
      batch.rejected.clear();
    }
  };
  // Past what may be read whole (or about to be, by the file's size): the whole read says
  // so, as ReadTextFile would.
  auto held_whole = [&] {
    if (whole.size() > options.max_whole_bytes ||
        (mode == Mode::kWhole && expected > options.max_whole_bytes)) {
      again = true;
    }
    return !again;
  };
  auto take = [&](std::string_view chunk) {
    if (mode == Mode::kUndecided) {
      whole.append(chunk);
      if (whole.find_first_not_of(" \t\r\n") == std::string::npos) return held_whole();
      chunk = whole;
      if (whole.starts_with("\xEF\xBB\xBF")) {
        mode = Mode::kWhole;
        return held_whole();
      }
      switch (DetectPositionFormat(whole)) {
        case PositionFormat::kTrafficJson:
          mode = Mode::kArray;
          break;
        case PositionFormat::kJsonLines:
          mode = Mode::kLines;
          break;
        case PositionFormat::kOpenSkyCsv:
          mode = Mode::kCsv;
          break;
      }
    }
    switch (mode) {
      case Mode::kArray:
        again = !array.Feed(chunk, batch);
        break;
      case Mode::kLines:
        again = !lines.Feed(chunk, batch);
        break;
      case Mode::kCsv:
        again = !csv.Feed(chunk, batch);
        break;
      case Mode::kUndecided:
      case Mode::kWhole:
        whole.append(chunk);
        return held_whole();
    }
    // A window that must be read again is not given: the whole read gives its records.
    if (!again) give();
    return !again && !stopped;  // no need to read further
  };
  const size_t piece = std::max<size_t>(options.chunk_bytes, 1);
  auto pieces = [&](std::string_view chunk) {
    for (size_t at = 0; at < chunk.size(); at += piece) {
      const bool more = take(chunk.substr(at, piece));
      if (mode != Mode::kUndecided && mode != Mode::kWhole) whole = std::string();
      if (!more) return false;
    }
    return true;
  };
  const ReadLimits streamed{once ? options.max_whole_bytes : options.max_text_bytes};
  Status read = options.read_ahead ? ReadTextFileChunksAhead(path, streamed, pieces)
                                   : ReadTextFileChunks(path, streamed, pieces);
  if (!read.ok()) return read.error();
  if (stopped) return batch;
  if (!again) {
    switch (mode) {
      case Mode::kArray:
        again = !array.Finish(batch);
        break;
      case Mode::kLines:
        lines.Finish(batch);
        break;
      case Mode::kCsv:
        again = !csv.Finish(batch);
        break;
      case Mode::kUndecided:
      case Mode::kWhole:
        break;
    }
    if (!again && mode != Mode::kUndecided && mode != Mode::kWhole) {
      give();
      return batch;
    }
  }
  // Read whole: the reference reader says what is wrong, or reads what the windows could not
  // vouch for.
  if (again || (mode != Mode::kUndecided && mode != Mode::kWhole)) {
    auto text = ReadTextFile(path, ReadLimits{options.max_whole_bytes});
    if (!text.ok()) {
      Error e = std::move(text).error();
      // Streamed, it could have held more: say why it had to be read whole.
      if (options.max_text_bytes > options.max_whole_bytes &&
          e.message.find(kTooLargeToReadWhole) != std::string::npos) {
        e.message += mode == Mode::kWhole
                         ? " (read whole: it begins with a byte order mark)"
                         : " (read whole: a record the fast reader could not vouch for, a quote "
                           "in CSV or a record without an end made it so)";
      }
      return e;
    }
    whole = std::move(text).value();
  }
  auto parsed = ParsePositions(whole, path);
  whole = std::string();
  if (!parsed.ok() || !sink) return parsed;
  batch = std::move(parsed).value();
  if (given && !sink->Restart()) {
    batch.positions.clear();
    batch.rejected.clear();
    return batch;
  }
  give();
  return batch;
}

}  // namespace truce::formats
