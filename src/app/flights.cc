#include "app/flights.h"

#include <algorithm>
#include <tuple>

namespace truce::app {

std::vector<FlightViolation> JudgeFlights(std::vector<Position> positions,
                                          const FlightMonitor& monitor, TrackStats* stats) {
  TrackOptions track_options;
  track_options.max_gap = monitor.options().max_gap;
  const std::vector<Track> tracks = BuildTracks(std::move(positions), track_options, stats);
  std::vector<FlightViolation> violations = monitor.Detect(tracks);
  std::stable_sort(violations.begin(), violations.end(),
                   [](const FlightViolation& x, const FlightViolation& y) {
                     return std::tie(x.entry.time, x.icao24) < std::tie(y.entry.time, y.icao24);
                   });
  return violations;
}

}  // namespace truce::app
