// Loading a scenario from disk: a scenario directory (scenario.json plus the zones GeoJSON
// files it lists), a scenario.json file, or a bare zones GeoJSON file. See docs/formats.md.
#pragma once

#include <string>

#include <nlohmann/json_fwd.hpp>

#include "truce/result.h"
#include "truce/scenario.h"

namespace truce::formats {

// The largest scenario.json or zones file read, and the most parties, agreements, or clauses
// of one agreement, a scenario may declare.
inline constexpr size_t kMaxScenarioFileBytes = size_t{64} << 20;
inline constexpr size_t kMaxRegisterEntries = 1000;

// Loads and validates the scenario at `path`. On failure the error lists every problem found
// in every file (JSON syntax with line and column; fields with file, feature index and zone).
// Each file is at most kMaxScenarioFileBytes; the zones files a scenario.json lists must
// resolve (symbolic links included) to regular files inside its directory; at most
// kMaxZoneVersions zone versions in all.
[[nodiscard]] Result<Scenario> LoadScenario(const std::string& path);

// Reads the register part of a scenario.json document (everything but the zones) into
// `spec`, appending problems prefixed with `file`. Returns the zone file names listed. Text
// follows the text policy (truce/text_policy.h): ids are identifiers, names names,
// descriptions, notes, sources and clause text free text; at most kMaxRegisterEntries
// parties, agreements and clauses per agreement.
std::vector<std::string> ReadScenarioRegister(const nlohmann::json& doc, const std::string& file,
                                              ScenarioSpec& spec,
                                              std::vector<std::string>& problems);

}  // namespace truce::formats
