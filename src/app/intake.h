// Validation of what clients submit, each problem (truce::Problem) located by the JSON Pointer
// (RFC 6901) of the bad field ("/3/latitude"; "" for the whole body), so that a client can
// point at it. Reports go through the formats module's
// ReportFromJson (the CSV column names as keys); positions and claims are checked here.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/paging.h"  // ParseCount, ParseEntryCursor
#include "truce/report.h"
#include "truce/result.h"

namespace truce::app {

// The error of a submission refused for `problems` (kInvalidInput): "N problems in the WHAT;
// nothing was stored", every problem listed with its path.
Error RejectedSubmission(std::string_view what, std::vector<Problem> problems);

// Appends "/name" to a JSON Pointer, escaping '~' and '/'.
std::string JsonPointer(const std::string& parent, const std::string& name);

// A report from a JSON object keyed by the CSV column names. On failure, appends one problem
// per bad field to `problems` (paths `path`/COLUMN) and returns nullopt.
std::optional<Report> ReportFromBody(const nlohmann::json& object, const std::string& path,
                                     std::vector<Problem>& problems);

// An aircraft position record in either schema formats::PositionFromJson reads (OpenSky:
// time in Unix seconds, icao24, lat, lon, altitudes in metres; traffic: timestamp in ms,
// icao24, latitude, longitude, altitudes in feet). Returns the stored form: the normalised
// fix {"icao24", "time" (YYYY-MM-DDTHH:MM:SS.sssZ), "lat", "lon", optional "baro_altitude_m",
// "geo_altitude_m", "callsign", "on_ground"} with the client's record verbatim under
// "record"; or nullopt with problems (a record without a fix is a problem here).
std::optional<nlohmann::json> NormalizePosition(const nlohmann::json& in, const std::string& path,
                                                std::vector<Problem>& problems);

// A party's claim: {"party": id, "stance": "assert"|"deny", "text": "...", optional
// "incident": event id, "about": party id, "made_at": time, "source": url}. Returns the
// normalised object or nullopt with problems.
std::optional<nlohmann::json> NormalizeClaim(const nlohmann::json& in, const std::string& path,
                                             std::vector<Problem>& problems);

}  // namespace truce::app
