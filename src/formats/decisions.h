// Analysts' decisions (truce corroborate --decisions): a JSON array of objects or JSON lines,
// each {"action": "merge"|"split"|"grade", "reports": [event ids], optional "rest": [event
// ids] (split), "grade": GRADE (grade), "reason", "by", "at", optional "id"}. docs/formats.md.
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "truce/incident.h"
#include "truce/result.h"

namespace truce::formats {

// One decision; problems "ORIGIN: FIELD: problem". `id` is the object's "id", else
// `default_id`.
[[nodiscard]] Result<Decision> DecisionFromJson(const nlohmann::json& object,
                                                const std::string& origin,
                                                const std::string& default_id);

// Every decision of a file, in file order; ids default to "NAME:LINE" or "NAME record N". A
// file with any bad decision is refused, every problem listed.
[[nodiscard]] Result<std::vector<Decision>> ParseDecisions(std::string_view text,
                                                           const std::string& file);

nlohmann::ordered_json DecisionToJson(const Decision& decision);

}  // namespace truce::formats
