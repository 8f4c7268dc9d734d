// A scenario as one JSON document, so that each version the server runs can be stored in the
// log verbatim and rebuilt later without the files it came from:
//   {"format": "truce-scenario-bundle/1",
//    "scenario": <scenario.json as written, or absent for a bare zones file>,
//    "zones": {"<zones file name>": <its FeatureCollection>, ...}}
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "truce/result.h"
#include "truce/scenario.h"

namespace truce::app {

// Reads the scenario at `path` (a scenario directory, a scenario.json, or a bare zones GeoJSON
// file, as formats::LoadScenario accepts) into a bundle, and checks that the bundle builds a
// valid scenario; the error lists every problem as LoadScenario would.
[[nodiscard]] Result<nlohmann::json> ReadScenarioBundle(const std::string& path);

// Builds the scenario a bundle describes. `origin` labels messages.
[[nodiscard]] Result<Scenario> ScenarioFromBundle(const nlohmann::json& bundle,
                                                  const std::string& origin);

}  // namespace truce::app
