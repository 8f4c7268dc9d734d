// Deconfliction alerts out: the one JSON shape `truce deconflict` prints and the server
// returns and streams (docs/deconfliction.md, "Output"), so both say the same keys.
//
// The keys come first, in its order: kind, target, report or icao24, distance_m,
// verdict, time; then the evidence. Pure functions; safe to call from any thread.
#pragma once

#include <nlohmann/json.hpp>

#include "truce/deconfliction.h"

namespace truce::formats {

// {"kind": "site"|"movement", "target", "report"|"icao24", "distance_m", "verdict", "time",
//  "id", "cause", "until" (reports), "nearest_m", "radius_m", "alert_distance_m",
//  "organisation", "callsign", "altitude_m" and "time_ms" (flights), "lat", "lon",
//  "after_notice"}.
nlohmann::ordered_json AlertToJson(const Alert& alert);

// A GeoJSON Feature: AlertToJson as properties, the report's centre or the aircraft at its
// closest approach as a Point.
nlohmann::ordered_json AlertToFeature(const Alert& alert);

}  // namespace truce::formats
