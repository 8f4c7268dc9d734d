// The incident record and the side-by-side comparison as JSON, the one encoding that
// `truce corroborate` prints and the server serves (docs/corroboration.md lists the keys).
// Pure functions; thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include "truce/incident.h"
#include "truce/side_by_side.h"

namespace truce::formats {

// {"incident", "reports", "sources", "independent_groups", "groups", "grade", "reason",
//  "computed_grade", "claims", "tracks", "coverage", "violations", "accused", "monitors",
//  "event_types", "time_begin", "time_end", "latitude", "longitude", "radius_m", "merged",
//  "split_from", "decisions"}, in that order.
nlohmann::ordered_json IncidentToJson(const Incident& incident);

// What the public role may see (docs/server.md): {"incident", "reports", "independent_groups",
// "grade", "reason" (the public reason, naming no source, claimant or analyst),
// "violations", "event_types", "time_begin", "time_end", "latitude", "longitude",
// "radius_m", "merged", "split_from"}. No sources, groups, claims, accused parties named by
// claims, monitors, tracks or decisions.
nlohmann::ordered_json IncidentToPublicJson(const Incident& incident);

// {"zone", "from", "to", "incidents", "established", "by_grade", "parties": [{"party",
//  "alleged", "matched", "established", "against"}]}.
nlohmann::ordered_json SideBySideToJson(const SideBySide& comparison);

}  // namespace truce::formats
