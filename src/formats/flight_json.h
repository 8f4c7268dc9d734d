// Flight violations and exemptions as JSON: the one encoder of a flight violation record, used
// by `truce flights` (jsonl, geojson, csv, --follow) and by the server (/api/v1/flight-violations,
// alerts), so both say the same keys; and the JSON form of an exemption the API takes and the
// log stores (docs/flights.md "Output", docs/server.md "Flight violations").
//
// Pure functions; safe to call from any thread.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "truce/flight.h"
#include "truce/flight_monitor.h"
#include "truce/result.h"

namespace truce::formats {

// {"icao24", "callsign", "zone", "version", "rule", "entry_time", "entry_lat", "entry_lon",
//  "exit_time", "exit_lat", "exit_lon", "duration_s", "verdict", "lost_inside", "entry_ms",
//  "exit_ms", "entry_kind", "exit_kind", "entry_gap_s", "exit_gap_s", "inside_s", "incursions",
//  "positions_inside", "min_alt_m", "max_alt_m", "clause"}: the keys of docs/flights.md, in
// that order. REQUIRES: v.zone and v.rule set.
nlohmann::ordered_json FlightViolationToJson(const FlightViolation& v);

// A violation still open (the aircraft inside when last seen, and not silent long enough to be
// lost): FlightViolationToJson with every exit key null, lost_inside false, and duration_s and
// inside_s up to the last contact. The server adds "open" and "last_contact".
nlohmann::ordered_json OpenFlightViolationToJson(const FlightViolation& v);

// The entry alert of `truce flights --follow`: {"event": "entry"} then the open form without
// verdict, incursions and positions_inside (not known yet).
nlohmann::ordered_json FlightEntryAlertJson(const FlightViolation& v);

// The path of a violation as GeoJSON geometry: a LineString (entry, fixes inside, exit), or a
// Point at the entry when the path has fewer than two points.
nlohmann::ordered_json FlightViolationGeometry(const FlightViolation& v);

// One aircraft's track (flight.h Track) as a GeoJSON Feature without id: its fixes as a
// LineString [lon, lat] (a Point for a single fix), and {"icao24", "callsign" (the first
// non-empty, "" when none), "start", "end" (UTC times of the first and last fix), "duration_s",
// "positions", "min_alt_m", "max_alt_m" (over the fixes with an altitude, null when none)}.
// REQUIRES: the track has at least one position.
nlohmann::ordered_json FlightTrackToFeature(const Track& track);

// The CSV form: kFlightViolationCsvHeader, then one FlightViolationCsvRow per violation.
extern const char* const kFlightViolationCsvHeader;
std::string FlightViolationCsvRow(const FlightViolation& v);

// An exemption submitted as JSON: {"icao24", "callsign", "from", "to", "zone", "note"}, the
// columns of the exemptions CSV (ParseExemptionsCsv) with the same rules: icao24 (6 hex digits)
// or callsign or both, from < to (dates or UTC times, to exclusive), zone an identifier ("" or
// absent: every zone), note free text. Unknown keys are refused. Each problem is appended with
// its JSON pointer under `path` ("/2/from"); nullopt when there was any.
std::optional<Exemption> ExemptionFromJson(const nlohmann::json& in, const std::string& path,
                                           std::vector<Problem>& problems);
// The stored and listed form: icao24 and callsign normalised ("" when absent), from and to as
// UTC times, zone, note.
nlohmann::ordered_json ExemptionToJson(const Exemption& e);

}  // namespace truce::formats
