// The server's flight-ban verdicts: the positions and exemptions the log holds, kept in memory
// per aircraft, and the no-fly violations they make under the scenario version in force,
// judged by the same operation as `truce flights` (flights.h JudgeFlights).
//
// Derived from the log like the report views (views.h): rebuilt when the application opens,
// advanced by Apply() with each appended entry. The verdicts of the current log are kept and
// updated incrementally: a positions batch advances only the aircraft it names, each by its new
// fixes alone (GrowingTrack; a fix older than the aircraft's latest re-judges that aircraft), a
// new exemption or scenario version re-judges every aircraft. An earlier log size (as_of) is judged
// afresh from the positions and exemptions of that prefix.
//
// A violation is "open" while the aircraft was inside at its last fix and the feed has not gone
// on for longer than the silence timeout (max_gap, 10 minutes, the gap that ends a track) past
// that fix: "now" is the feed's own clock, the latest position time received (the watermark),
// so replayed feeds and as_of answer the same way every time. Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/views.h"
#include "store/store.h"
#include "truce/flight.h"
#include "truce/flight_monitor.h"
#include "truce/result.h"

namespace truce::app {

struct StoredExemption {
  uint64_t entry = 0;
  UtcTime received_at{};
  std::string role;  // of the submitter
  Exemption exemption;
};

// The violations at one log size. Immutable; shared between queries.
struct FlightVerdicts {
  uint64_t log_size = 0;
  std::shared_ptr<const StoredScenario> scenario;  // keeps the zones alive; null when none
  std::vector<FlightViolation> violations;         // by entry time, then icao24
  std::vector<bool> open;                          // per violation
  std::optional<UtcTime> watermark;                // the latest position time received
};

// A change of the current verdicts made by one entry: a violation seen for the first time
// (entry), or one that closed (exit: the aircraft left, landed or went silent).
struct FlightChange {
  enum class Kind { kEntry, kExit };
  Kind kind = Kind::kEntry;
  uint64_t log_index = 0;  // the entry that caused it
  FlightViolation violation;
  bool open = false;
  std::shared_ptr<const StoredScenario> scenario;  // keeps violation.zone alive
};

// The record of one violation as the server gives it: formats::FlightViolationToJson (or the
// open form) plus "id" (ICAO24.ZONE.vVERSION.ENTRY_MS), "open" and "last_contact" (the time of
// the last fix of an open violation, else null). Not yet redacted.
nlohmann::json FlightViolationRecord(const FlightViolation& v, bool open);
// A stable id of one violation: aircraft, zone version, entry instant (ms).
std::string FlightViolationId(const FlightViolation& v);

class FlightViews {
 public:
  explicit FlightViews(FlightMonitorOptions options = {});
  ~FlightViews();
  FlightViews(const FlightViews&) = delete;
  FlightViews& operator=(const FlightViews&) = delete;

  // Applies the next log entry (positions and exemption entries; other kinds only advance the
  // size). REQUIRES: entries come in index order, each once.
  [[nodiscard]] Status Apply(const store::LogEntry& entry);

  // The verdicts at log size `size` (<= the entries applied) under `scenario`, the scenario
  // version in force at that size (null: no verdicts).
  std::shared_ptr<const FlightVerdicts> At(uint64_t size,
                                           std::shared_ptr<const StoredScenario> scenario);

  // Brings the current verdicts up to the log under `scenario` and returns what changed since
  // the last call (entries and exits, in time order), each attributed to `log_index`.
  std::vector<FlightChange> Advance(uint64_t log_index,
                                    std::shared_ptr<const StoredScenario> scenario);

  // The tracks of the positions logged before log size `size` (of aircraft `icao24` when not
  // empty), formed as `truce flights` forms them (BuildTracks with max_gap), by icao24 then time.
  std::vector<Track> Tracks(uint64_t size, std::string_view icao24 = "") const;

  // The exemptions logged before log size `size`, in log order.
  std::vector<StoredExemption> Exemptions(uint64_t size) const;

  // The positions logged in entries [from, to) whose time lies in `during` (any time when
  // nullopt); each aircraft's in log order (app/air_evidence.h fuses them with strike reports).
  std::vector<Position> Positions(uint64_t from, uint64_t to,
                                  std::optional<TimeInterval> during = std::nullopt) const;
  // Every fix (log order) of each aircraft the latest applied positions entry named, by icao24;
  // empty when the latest entry applied was not a positions batch.
  std::map<std::string, std::vector<Position>> LatestBatchAircraft() const;

  const FlightMonitorOptions& options() const noexcept { return options_; }

 private:
  struct Fix {
    uint64_t entry = 0;
    Position position;
  };
  struct Aircraft {
    std::vector<Fix> fixes;                   // log order
    std::vector<FlightViolation> violations;  // under the current monitor
    std::vector<bool> open;
    // The incremental judgement under monitor_: the fixes taken so far (a prefix of `fixes`),
    // their distinct times in order, the violations of the tracks that ended (a later fix came
    // after a gap longer than max_gap) and the last track, growing.
    size_t taken = 0;
    std::vector<UtcTime> times;
    std::vector<FlightViolation> ended;
    std::unique_ptr<GrowingTrack> track;
  };
  // REQUIRES: mu_ held. Re-judges the dirty aircraft (all of them when the scenario or the
  // exemptions changed) and appends what changed to `changes` (may be null). The list of
  // every violation (current_) is rebuilt only when asked for (At).
  void UpdateLocked(const std::shared_ptr<const StoredScenario>& scenario);
  // REQUIRES: mu_ held, monitor_ set. Takes the aircraft's fixes not taken yet into its
  // growing track, in time order; a fix earlier than the last one taken (not a duplicate of
  // one) makes it judge every fix again, as BuildTracks would order them. Returns the
  // violations of all its fixes: exactly JudgeFlights over them.
  std::vector<FlightViolation> JudgeAircraftLocked(const std::string& icao, Aircraft& a,
                                                   bool from_scratch);
  void RebuildCurrentLocked();
  std::shared_ptr<const FlightVerdicts> JudgeAsOf(uint64_t size,
                                                  std::shared_ptr<const StoredScenario> scenario);

  const FlightMonitorOptions options_;
  mutable std::mutex mu_;
  uint64_t applied_ = 0;
  std::map<std::string, Aircraft> aircraft_;  // by icao24
  std::vector<StoredExemption> exemptions_;
  std::optional<UtcTime> watermark_;
  std::set<std::string> latest_batch_;  // the aircraft of the latest entry applied

  // The current verdicts: under which scenario entry and how many exemptions.
  std::shared_ptr<const StoredScenario> judged_scenario_;
  size_t judged_exemptions_ = 0;
  std::optional<UtcTime> judged_watermark_;
  std::unique_ptr<FlightMonitor> monitor_;
  std::set<std::string> dirty_;
  std::set<std::string> with_open_;  // aircraft with an open violation
  bool current_stale_ = true;
  std::shared_ptr<const FlightVerdicts> current_;
  std::shared_ptr<const FlightVerdicts> as_of_cache_;
  bool tracking_changes_ = false;
  std::vector<FlightChange> pending_;
};

}  // namespace truce::app
