// The track evidence of the server's incidents: each air or drone strike report fused with the
// aircraft positions the log holds (the flight views), by the function `truce corroborate
// --positions` uses on files (truce/air_ground.h FuseStrike), so that for the same reports and
// positions the server's incidents carry what the CLI prints (docs/corroboration.md).
//
// Kept per report revision and maintained incrementally: a strike report is fused once when it
// first appears; a later positions entry re-fuses only the strike reports whose interval holds
// one of its fixes (a fix outside the interval changes nothing). An earlier log size (as_of) is
// fused afresh from the positions of that prefix. Thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <span>
#include <unordered_map>
#include <vector>

#include "app/flight_views.h"
#include "truce/incident.h"

namespace truce::app {

class AirEvidence {
 public:
  // REQUIRES: `flights` outlives this object and has applied at least the entries of every
  // log size Fill is called with.
  explicit AirEvidence(const FlightViews& flights) : flights_(flights) {}
  AirEvidence(const AirEvidence&) = delete;
  AirEvidence& operator=(const AirEvidence&) = delete;

  // Sets `tracks` and `coverage` of every incident from the positions of the log's first
  // `size` entries, linking aircraft within `distance` of a strike report's disc (the
  // scenario's track_distance). REQUIRES: the incidents' reports stay alive as long as this
  // object (they are the views' stored revisions: they do).
  void Fill(uint64_t size, Meters distance, std::span<Incident> incidents);

 private:
  struct Evidence {
    double distance = 0;
    std::vector<TrackLink> links;
    StrikeCoverage coverage;
  };
  // Fuses `reports` with the positions of entries before `size`, in one pass over the
  // positions of their intervals' hull.
  void Fuse(uint64_t size, Meters distance, std::span<const Report* const> reports,
            std::vector<Evidence>& out) const;

  const FlightViews& flights_;
  std::mutex mu_;
  uint64_t size_ = 0;  // the log size the cache holds evidence for
  std::unordered_map<const Report*, Evidence> cache_;
};

}  // namespace truce::app
