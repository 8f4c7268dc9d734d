// Aircraft positions in, from the three forms monitors have them in (docs/flights.md):
//   - OpenSky historical state-vector CSV: time (unix seconds), icao24, lat, lon, velocity,
//     heading, vertrate, callsign, onground, alert, spi, squawk, baroaltitude, geoaltitude
//     (metres), lastposupdate, lastcontact; only time, icao24, lat and lon are required;
//   - the JSON record arrays of the `traffic` library (.json or .json.gz): timestamp (ms),
//     icao24, latitude, longitude, altitude and geoaltitude (feet), callsign, onground,
//     last_position (ms);
//   - JSON lines, one object per line in either schema (told apart by its keys), for stdin.
// And the exemptions file of `truce flights --exemptions`.
//
// A record with neither latitude nor longitude is a state vector without a position fix: it
// is skipped and counted, not rejected. Every other defect rejects the record with reasons
// naming the file, the line (CSV, JSON lines) or the record index (JSON arrays), the field and
// what was expected; the caller decides whether a rejected record rejects the whole file.
// Functions here are pure over their arguments; safe to call from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "truce/flight.h"
#include "truce/result.h"

namespace truce::formats {

// The most text one position record may hold (all its keys and values, roughly as JSON), and
// the longest line of a JSON lines input.
inline constexpr size_t kMaxPositionRecordBytes = 64 * 1024;
inline constexpr size_t kMaxPositionLineBytes = 1024 * 1024;

// A record that was refused, with every reason.
struct RejectedPosition {
  std::string origin;  // "states.csv:12", "flights.json record 3", "stdin:7"
  std::vector<std::string> reasons;
  std::string raw;  // the record as given (a CSV row re-joined, a JSON object dumped)
};

struct PositionBatch {
  std::vector<Position> positions;
  std::vector<RejectedPosition> rejected;
  size_t records = 0;           // records read, good or bad
  size_t without_position = 0;  // records with no position fix, skipped
};

enum class PositionFormat { kOpenSkyCsv, kTrafficJson, kJsonLines };

// From the content: '[' first means a traffic JSON array, '{' JSON lines, else CSV.
PositionFormat DetectPositionFormat(std::string_view text);

// Parses a whole file in the detected format. Errors (kInvalidInput) only for a structure
// that cannot be read: bad CSV quoting or missing required columns, a JSON array with a syntax
// error (with line and column), a JSON array of something other than objects.
[[nodiscard]] Result<PositionBatch> ParsePositions(std::string_view text, const std::string& file);

// The reference reader: the same formats read record by record through nlohmann::json. The
// readers here take a fast path (simdjson's DOM parser for JSON, the CSV fields in place) for the
// records it can vouch for and hand everything else to this one, so that both accept the same
// records with the same values and the same messages (docs/performance.md); it is kept for the
// differential tests and the benchmarks.
[[nodiscard]] Result<PositionBatch> ParsePositionsReference(std::string_view text,
                                                            const std::string& file);

struct PositionStreamOptions {
  // How much text is parsed at a time (tests make it small).
  size_t window_bytes = size_t{256} << 10;
  // At most this much text at a time to the parser (tests make it small; 0 means 1).
  size_t chunk_bytes = size_t{64} << 10;
  // Read and inflate on a second thread (ReadTextFileChunksAhead), so that inflating overlaps
  // with parsing; false reads on the calling thread only.
  bool read_ahead = true;
  // The most text a file may hold when it is read a window at a time, and when it is read
  // whole (a doubt, a byte order mark); both default to the limit for an input file
  // (text_file.h kMaxInputFileBytes). With a sink nothing but a window is held, so a caller
  // may allow more text streamed; a file read whole keeps to max_whole_bytes.
  size_t max_text_bytes = size_t{256} << 20;
  size_t max_whole_bytes = size_t{256} << 20;
};

// The end of the message of a file over its limit (text_file.h ReadTextFile's wording), so
// that a caller can tell that error from the others.
inline constexpr std::string_view kTooLargeToReadWhole = "the limit for an input file";

// Takes positions from ReadPositionsFile as they are read, so that a caller can judge them
// without holding the file's positions at once (app::JudgeFlightFiles).
class PositionSink {
 public:
  virtual ~PositionSink() = default;
  // The next positions in input order; the sink may move from them (they are cleared after).
  // False stops the reading: ReadPositionsFile then returns what it has counted so far.
  virtual bool Take(std::vector<Position>& positions) = 0;
  // The next records refused, in input order, likewise.
  virtual bool TakeRejected(std::vector<RejectedPosition>& rejected) = 0;
  // The reader starts again from the file's first record (it could not vouch for a window, and
  // reads the file again, whole): the positions and refused records this file gave so far are
  // given again. False stops the reading.
  virtual bool Restart() = 0;
};

// ReadTextFile(path) and ParsePositions(text, path) in one: the same batch, the same rejected
// records and the same errors, but the text is read and parsed a window at a time as the file
// is read or inflated, so that it is never held whole (nor a gzip file's compressed bytes).
// A traffic JSON array is cut after a record, JSON lines and OpenSky CSV at a line end (CSV
// only while the text holds no quote). When a window has any doubt (a syntax error, a record
// the fast path cannot vouch for, a quote in CSV), the file is read again, whole, by
// ParsePositions, so the messages stay the reference reader's.
//
// A file that is not a regular file (a pipe, /dev/stdin, a device) cannot be read again
// (CanReadAgain): it is read whole, once, within max_whole_bytes.
//
// With a `sink`, the positions and the refused records go to it as each window is parsed, and
// the batch returned holds neither (its counts are as without one); memory then holds a
// window's text and records, not the file's. Without one, the batch holds them all.
// Whether `path` can be read again from its start: a regular file, or one that does not exist
// (reading it says so); not a pipe or a device.
bool CanReadAgain(const std::string& path);

[[nodiscard]] Result<PositionBatch> ReadPositionsFile(const std::string& path,
                                                      const PositionStreamOptions& options = {},
                                                      PositionSink* sink = nullptr);

[[nodiscard]] Result<PositionBatch> ParseOpenSkyCsv(std::string_view text, const std::string& file);
[[nodiscard]] Result<PositionBatch> ParseTrafficJson(std::string_view text,
                                                     const std::string& file);
// JSON lines never fail as a whole: a line that is not a JSON object is a rejected record.
PositionBatch ParsePositionLines(std::string_view text, const std::string& file);

// Adds one line of a JSON lines input (`file`, 1-based `line_number`) to `batch`: a blank
// line is skipped; a line longer than kMaxPositionLineBytes or not valid JSON (with the
// line and column) is a rejected record; else as PositionFromJson. For `truce flights
// --follow`, which reads stdin a line at a time.
void TakeLine(std::string_view line, const std::string& file, size_t line_number,
              PositionBatch& batch);

// One record as a JSON object, in either schema. Returns the position, or nullopt with no
// reasons for a record without a position fix, or nullopt with `reasons` filled (each
// prefixed with `origin`). The record as a whole is checked too: at most
// kMaxPositionRecordBytes, keys identifiers and strings free text (truce/text_policy.h), the
// callsign an identifier of at most kMaxCallsignBytes.
std::optional<Position> PositionFromJson(const nlohmann::json& record, const std::string& origin,
                                         std::vector<std::string>& reasons);

// The exemptions file: CSV with header icao24,callsign,from,to and optional zone,note columns.
// Each row names the aircraft by icao24 (6 hex digits), callsign, or both (both must then
// match); from and to are YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ, to exclusive; an empty zone
// means every zone. Every bad row is listed (file:line, column, what was expected).
[[nodiscard]] Result<std::vector<Exemption>> ParseExemptionsCsv(std::string_view text,
                                                                const std::string& file);

}  // namespace truce::formats
