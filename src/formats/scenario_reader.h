// Loading a scenario from disk: a scenario directory (scenario.json plus the zones GeoJSON
// files it lists), a scenario.json file, or a bare zones GeoJSON file. See docs/formats.md.
#pragma once

#include <string>

#include <nlohmann/json_fwd.hpp>

#include "truce/result.h"
#include "truce/scenario.h"

namespace truce::formats {

// Loads and validates the scenario at `path`. On failure the error lists every problem found
// in every file (JSON syntax with line and column; fields with file, feature index and zone).
[[nodiscard]] Result<Scenario> LoadScenario(const std::string& path);

// Reads the register part of a scenario.json document (everything but the zones) into
// `spec`, appending problems prefixed with `file`. Returns the zone file names listed.
std::vector<std::string> ReadScenarioRegister(const nlohmann::json& doc, const std::string& file,
                                              ScenarioSpec& spec,
                                              std::vector<std::string>& problems);

}  // namespace truce::formats
