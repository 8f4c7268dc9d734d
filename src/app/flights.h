// The one judgement of aircraft positions against the no-fly rules, shared by `truce flights`
// (src/cli/flights_command.cc) and the server's flight views (flight_views.h), so that for the
// same positions both report the same violations.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "formats/positions.h"
#include "formats/text_file.h"
#include "truce/flight.h"
#include "truce/flight_monitor.h"
#include "truce/result.h"

namespace truce::app {

// Builds the tracks of `positions` (BuildTracks with the monitor's max_gap: duplicates dropped,
// the first in input order kept; split at longer silences), detects the violations of each
// (FlightMonitor::Detect) and orders them by entry time, then icao24 (stable: ties keep the
// tracks' order). `stats` may be null.
std::vector<FlightViolation> JudgeFlights(std::vector<Position> positions,
                                          const FlightMonitor& monitor,
                                          TrackStats* stats = nullptr);

struct FlightJudgeOptions {
  // Positions held before aircraft are judged while the input is still being read. Below it,
  // nothing is judged before the end (so any order of the input is read in one pass); above
  // it, the aircraft whose tracks are over are judged and their positions let go.
  size_t held_budget = size_t{1} << 18;
  // How many positions are taken between two looks at the budget.
  size_t sweep_every = size_t{1} << 13;
  // JudgeFlightFiles: the most text a file may hold while it is judged as it is read (memory
  // does not grow with it: no limit), and when it must be read whole after all (the limit for
  // an input file).
  size_t max_streamed_bytes = SIZE_MAX;
  size_t max_whole_bytes = formats::kMaxInputFileBytes;
};

// JudgeFlights over positions given a part at a time, in input order (as ReadPositionsFile
// gives them to its sink), holding only the positions of tracks not yet judged rather than all
// of them. Exactly JudgeFlights(all the positions) when it finishes, or it says it cannot
// (spoiled()).
//
// Whether a track is over cannot be known before the end of the input: a later record may
// still join it. So a track is judged early only under the budget's pressure, and only when the
// input's order makes it over: its aircraft has been silent for a sweep and either the latest
// time read is more than max_gap past the track's end (an input ordered by time) or most of the
// sweep's positions were that far behind the latest time (an input grouped by aircraft or
// flight, where the times say nothing), or the aircraft has a later fix more than max_gap
// after it (an aircraft's records in time order). Each track judged early leaves its span behind; a
// later position of its aircraft within max_gap of a judged span (which BuildTracks would have put
// in that track) spoils the judgement, and the caller must judge the positions whole
// (JudgeFlightFiles does). On an input ordered by time or grouped by aircraft, memory is then
// bounded by the aircraft in flight and their tracks, not by the file. Not thread-safe.
class FlightJudge {
 public:
  // REQUIRES: `monitor` outlives the judge.
  explicit FlightJudge(const FlightMonitor& monitor, FlightJudgeOptions options = {});
  ~FlightJudge();
  FlightJudge(const FlightJudge&) = delete;
  FlightJudge& operator=(const FlightJudge&) = delete;

  // The next positions in input order (moved from). False once spoiled.
  bool Take(std::vector<Position>& positions);
  // A reader starting a file again cannot be followed (positions already judged cannot be
  // taken back): spoils the judgement.
  void Spoil() { spoiled_ = true; }

  // The end of the input: judges what is held. REQUIRES: not spoiled. The violations in
  // JudgeFlights' order; `stats` (may be null) as BuildTracks gives them for all the positions.
  std::vector<FlightViolation> Finish(TrackStats* stats = nullptr);

  bool spoiled() const noexcept { return spoiled_; }
  // The most positions held at once, and how many tracks were judged before the end.
  size_t max_held() const noexcept { return max_held_; }
  size_t judged_early() const noexcept { return judged_early_; }

 private:
  struct Aircraft;
  bool Add(Position& p);
  void Sweep();
  // Judges the tracks of `a`'s held positions that end before `horizon` (all: kEndOfTime).
  void Judge(Aircraft& a, UtcTime horizon);

  const FlightMonitor& monitor_;
  const FlightJudgeOptions options_;
  std::unordered_map<std::string, std::unique_ptr<Aircraft>> aircraft_;
  std::vector<Aircraft*> holding_;  // those holding positions (and some no longer), once each
  std::vector<FlightViolation> violations_;  // each track's together, in Detect's order
  TrackStats stats_;
  std::optional<UtcTime> latest_;  // the latest time read
  size_t held_ = 0, max_held_ = 0, judged_early_ = 0;
  size_t taken_ = 0, sweeps_ = 0;
  size_t behind_ = 0;  // positions of this sweep more than max_gap behind the latest time
  bool spoiled_ = false;
  bool finishing_ = false;
};

// Where JudgeFlightFiles sends every record it refuses, as the files are read.
class RejectedSink {
 public:
  virtual ~RejectedSink() = default;
  virtual void Take(const formats::RejectedPosition& rejected) = 0;
  // The files are read again, whole: the records taken so far come again.
  virtual void StartOver() = 0;
};

// `truce flights`' reading and judgement of position files, in order, as one input.
struct JudgedFlights {
  // How many refused records JudgedFlights keeps (for a message); a RejectedSink has them all.
  static constexpr size_t kKeptRejected = 100;

  std::vector<FlightViolation> violations;  // JudgeFlights' violations and order
  TrackStats stats;
  size_t records = 0, without_position = 0;
  size_t rejected = 0;                                    // records refused
  std::vector<formats::RejectedPosition> first_rejected;  // the first kKeptRejected of them
  size_t max_held = 0;                                    // the most positions held at once
  bool read_whole = false;  // the streamed judgement was spoiled: the files were read again whole
};

// Reads `files` through a FlightJudge (the positions judged as they are read); when it is
// spoiled, reads them again whole and judges them with JudgeFlights. The result is the same
// either way; but a file too large to read whole (options.max_whole_bytes) is then refused,
// saying why it had to be. Refused records go to `rejected` (may be null) as they are read, so that
// a file of bad records is not held either. Errors: the files' (ReadPositionsFile).
[[nodiscard]] Result<JudgedFlights> JudgeFlightFiles(const std::vector<std::string>& files,
                                                     const FlightMonitor& monitor,
                                                     const FlightJudgeOptions& options = {},
                                                     RejectedSink* rejected = nullptr);

// "3 bad position records (<consequence>)" (kInvalidInput), with the reasons of the first
// JudgedFlights::kKeptRejected of them as problems and, past them, how many more there were.
Error RefusedPositionsError(const JudgedFlights& judged, std::string_view consequence);

}  // namespace truce::app
