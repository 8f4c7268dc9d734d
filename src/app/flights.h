// The one judgement of aircraft positions against the no-fly rules, shared by `truce flights`
// (src/cli/flights_command.cc) and the server's flight views (flight_views.h), so that for the
// same positions both report the same violations.
#pragma once

#include <vector>

#include "truce/flight.h"
#include "truce/flight_monitor.h"

namespace truce::app {

// Builds the tracks of `positions` (BuildTracks with the monitor's max_gap: duplicates dropped,
// the first in input order kept; split at longer silences), detects the violations of each
// (FlightMonitor::Detect) and orders them by entry time, then icao24 (stable: ties keep the
// tracks' order). `stats` may be null.
std::vector<FlightViolation> JudgeFlights(std::vector<Position> positions,
                                          const FlightMonitor& monitor,
                                          TrackStats* stats = nullptr);

}  // namespace truce::app
