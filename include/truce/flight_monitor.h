// No-fly monitoring: which aircraft entered which no_fly zone version, when, where and for how
// long, in batch over tracks and live over a stream of positions.
//
// For every zone version with a no_fly rule, a track is "in violation" at an instant when the
// aircraft is airborne, inside the zone (the boundary counts as inside), within the version's
// validity, within the version's altitude band and not covered by an exemption. Entries and
// exits are where that condition changes, interpolated along the straight lon/lat segment
// between consecutive fixes (time linear along the segment), never snapped to a fix.
//
// Hysteresis and minimum dwell keep a track that runs along a boundary, or along the seam
// between two adjacent zones, from producing a storm of entries and exits: after an exit the
// violation stays open, and a re-entry continues it, until the aircraft has been outside for
// at least `min_dwell` AND has been seen at a fix clearly outside (farther than
// `boundary_tolerance` from the zone, or out of the altitude band by more than
// `altitude_tolerance`, or on the ground). A track that ends while inside is reported as lost
// inside, with the last fix as its exit.
//
// Verdicts: kInside when at least one fix of the violation lies inside the zone farther than
// `boundary_tolerance` from its boundary and within the altitude band by more than
// `altitude_tolerance` (with a known altitude, when the band has limits); kPossible when the
// violation rests only on fixes within the position or altitude uncertainty of a limit, or
// only on the straight line interpolated between two fixes outside (a corner clipped between
// fixes, or a boundary straddled by a gap in reception). docs/flights.md gives the reasoning.
//
// Zone membership of fixes comes from the ZoneLocator port (exact, GEOS-equal); crossings come
// from each zone's boundary edges. Core: no I/O, time comes in with the positions.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "truce/flight.h"
#include "truce/geo.h"
#include "truce/scenario.h"
#include "truce/time.h"
#include "truce/verdict.h"
#include "truce/zone_lookup.h"

namespace truce {

// Why a violation started or ended where it did.
enum class CrossingKind {
  kBoundary,    // crossed the zone boundary (interpolated)
  kAltitude,    // crossed a limit of the altitude band (interpolated)
  kInForce,     // the zone version came into or went out of force (at that instant)
  kExemption,   // an exemption window began or ended (at that instant)
  kGround,      // took off or landed: at the first or last airborne fix
  kTrackStart,  // the track began inside: at its first fix
  kLost,        // the track ended inside: at its last fix
};

// "boundary", "altitude_band", "in_force", "exemption", "ground", "track_start", "lost".
std::string_view CrossingKindName(CrossingKind kind) noexcept;

struct Crossing {
  UtcTime time{};
  LatLng where;
  std::optional<Meters> altitude;  // interpolated like the position
  CrossingKind kind = CrossingKind::kBoundary;
  // Time between the two fixes the crossing was interpolated between (0 at a fix): how far
  // the true crossing time may be from `time` if the aircraft did not fly straight.
  std::chrono::milliseconds bracket{0};
};

// One aircraft's stay in one no_fly zone version (after hysteresis).
struct FlightViolation {
  std::string icao24;
  std::string callsign;               // the first non-empty callsign of the track up to the exit
  const ZoneVersion* zone = nullptr;  // borrowed from the monitor's versions
  const Rule* rule = nullptr;         // the no_fly rule of `zone`
  Crossing entry;
  Crossing exit;  // for a lost track, the last fix
  bool lost_inside = false;
  Verdict verdict = Verdict::kPossible;
  // Time actually inside: the duration minus the excursions merged by hysteresis.
  std::chrono::milliseconds inside_time{0};
  int incursions = 1;                                // raw entries merged into this violation
  size_t positions_inside = 0;                       // fixes in violation
  std::optional<Meters> min_altitude, max_altitude;  // over fixes inside, entry and exit
  // Entry, every fix in violation, exit: the evidence, for maps.
  std::vector<LatLng> path;

  std::chrono::milliseconds duration() const noexcept { return exit.time - entry.time; }
};

struct FlightMonitorOptions {
  // Tracks are split at longer gaps (also the idle time after which live mode forgets an
  // aircraft).
  std::chrono::milliseconds max_gap = std::chrono::minutes(10);
  // ADS-B's horizontal position uncertainty at the usual NACp >= 8 (EPU < 93 m).
  Meters boundary_tolerance{100};
  // Barometric altitude is reported in 25 ft steps and differs from GNSS by tens of metres.
  Meters altitude_tolerance{30};
  std::chrono::milliseconds min_dwell = std::chrono::seconds(30);
  // Live mode only: positions are held this long (by the latest time seen) so that ones
  // arriving out of order can be put back in order; older arrivals are dropped.
  std::chrono::milliseconds reorder_window = std::chrono::seconds(30);
};

namespace detail {
class BoundaryGrid;
class TrackScanner;
}  // namespace detail

// An entry as it happens, or a violation once it is over (exit confirmed or track lost).
struct FlightAlert {
  enum class Kind { kEntry, kExit };
  Kind kind = Kind::kEntry;
  // For kEntry: the violation so far (entry set; exit is the entry and means nothing yet).
  FlightViolation violation;
};

// Detects no-fly violations. Construction indexes the boundaries of the versions that carry a
// no_fly rule. Detect() is const but calls the locator: thread-safe only if the locator is
// (GeosZoneLocator is not); use one monitor per thread otherwise.
class FlightMonitor {
 public:
  // REQUIRES: `versions` and `locator` outlive the monitor, and the locator was built over
  // `versions` (it returns pointers into that span). Exemptions are copied.
  FlightMonitor(std::span<const ZoneVersion> versions, const ZoneLocator& locator,
                std::vector<Exemption> exemptions = {}, FlightMonitorOptions options = {});
  ~FlightMonitor();
  FlightMonitor(const FlightMonitor&) = delete;
  FlightMonitor& operator=(const FlightMonitor&) = delete;

  // The violations of one track, ordered by entry time, then zone. A track is expected to
  // come from BuildTracks with the same max_gap; fixes not after the previous one are skipped.
  std::vector<FlightViolation> Detect(const Track& track) const;
  // All tracks: their violations concatenated in track order.
  std::vector<FlightViolation> Detect(std::span<const Track> tracks) const;

  const FlightMonitorOptions& options() const noexcept { return options_; }
  // The versions monitored: those with a no_fly rule.
  size_t no_fly_versions() const noexcept;

 private:
  friend class detail::TrackScanner;
  friend class LiveFlightMonitor;
  struct Zone;
  std::span<const ZoneVersion> versions_;
  const ZoneLocator& locator_;
  std::vector<Exemption> exemptions_;
  FlightMonitorOptions options_;
  std::vector<Zone> zones_;           // one per no_fly version, in version order
  std::vector<int> zone_of_version_;  // index into zones_ per version, -1 if not no_fly
  // A coarse grid over the zones' bounding boxes: which zones a segment may meet.
  LatLngRect grid_bounds_;
  int grid_n_ = 1;
  double grid_cell_lat_ = 1, grid_cell_lng_ = 1;  // cell size in degrees
  std::vector<std::vector<uint32_t>> grid_zones_;
  // Sets `out` to the zones whose bounding box may meet `box` (sorted, unique).
  void CandidateZones(const LatLngRect& box, std::vector<uint32_t>& out) const;
  template <typename Visit>
  void ForEachGridCell(const LatLngRect& box, Visit&& visit) const;
};

struct LiveStats {
  size_t accepted = 0;    // positions taken into the reorder buffer
  size_t late = 0;        // dropped: older than the reorder window allows
  size_t duplicates = 0;  // dropped: same aircraft, same time as an earlier one
  size_t processed = 0;   // released from the buffer into a track
  size_t tracks = 0;      // tracks started
  size_t evicted = 0;     // aircraft forgotten after max_gap without positions
  size_t active = 0;      // aircraft currently tracked
  size_t max_active = 0;
  size_t buffered = 0;  // positions currently in the reorder buffer
  size_t max_buffered = 0;
};

// The streaming form of FlightMonitor: positions one at a time, in roughly time order, from
// many aircraft. Each position waits in a reorder buffer until the latest time seen is
// `reorder_window` past it, so positions up to that much out of order are put back in order;
// older ones are dropped and counted. An aircraft silent for `max_gap` is finished (a stay
// still open is reported lost inside) and forgotten, so memory stays bounded by the aircraft
// active within max_gap and the positions within the window, over unbounded input.
// Given the same positions, it reports exactly what FlightMonitor::Detect reports for the
// tracks BuildTracks forms (when nothing was dropped as late). Not thread-safe.
class LiveFlightMonitor {
 public:
  // REQUIRES: `monitor` outlives this object.
  explicit LiveFlightMonitor(const FlightMonitor& monitor);
  ~LiveFlightMonitor();
  LiveFlightMonitor(const LiveFlightMonitor&) = delete;
  LiveFlightMonitor& operator=(const LiveFlightMonitor&) = delete;

  // Takes one position; appends to `alerts` the entries and exits it makes due, in time order.
  void Add(Position position, std::vector<FlightAlert>& alerts);
  // End of input: releases the buffer and finishes every track.
  void Finish(std::vector<FlightAlert>& alerts);

  const LiveStats& stats() const noexcept { return stats_; }
  // The latest position time seen (the watermark), if any.
  std::optional<UtcTime> latest() const noexcept { return latest_; }

 private:
  struct Aircraft;
  struct Pending {
    Position position;
    uint64_t arrival = 0;  // ties in time keep arrival order
  };
  struct Later {
    bool operator()(const Pending& a, const Pending& b) const noexcept {
      return a.position.time != b.position.time ? a.position.time > b.position.time
                                                : a.arrival > b.arrival;
    }
  };
  void Release(UtcTime up_to, std::vector<FlightAlert>& alerts);
  void Evict(UtcTime idle_before, std::vector<FlightAlert>& alerts);

  const FlightMonitor& monitor_;
  std::priority_queue<Pending, std::vector<Pending>, Later> buffer_;
  std::unordered_map<std::string, std::unique_ptr<Aircraft>> aircraft_;
  // (time of the last released fix, icao24) for eviction in time order. Ties go by icao24, so
  // that the alerts of aircraft idle since the same instant come out in an order the input
  // decides (an aircraft's address once decided it).
  std::set<std::pair<UtcTime, std::string>> idle_order_;
  std::optional<UtcTime> latest_;
  uint64_t arrivals_ = 0;
  LiveStats stats_;
};

// One track judged as it grows, for a server that must answer after every batch: fixes are
// appended in time order and Violations() gives, at any point, exactly what
// FlightMonitor::Detect gives for the track of the fixes appended so far (a stay still open is
// lost inside at the last fix), without scanning them again. Add costs one step of Detect;
// Violations() costs a copy of the violations and of the stays in progress. Not thread-safe.
class GrowingTrack {
 public:
  // REQUIRES: `monitor` outlives this object.
  GrowingTrack(const FlightMonitor& monitor, std::string icao24);
  ~GrowingTrack();
  GrowingTrack(GrowingTrack&&) noexcept;
  GrowingTrack& operator=(GrowingTrack&&) noexcept;
  GrowingTrack(const GrowingTrack&) = delete;
  GrowingTrack& operator=(const GrowingTrack&) = delete;

  // REQUIRES: p.icao24 is the track's aircraft. A fix not after the last one is ignored, as
  // Detect ignores it.
  void Add(const Position& p);
  // Detect(track of the fixes added so far), in its order (entry time, then zone).
  std::vector<FlightViolation> Violations() const;

 private:
  std::unique_ptr<detail::TrackScanner> scanner_;
  std::vector<FlightViolation> closed_;  // exits so far, in the order the scanner made them
  std::vector<FlightAlert> scratch_;
};

}  // namespace truce
