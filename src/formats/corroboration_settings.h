// The optional "corroboration" object of scenario.json: how reports are grouped into incidents
// and linked to aircraft tracks (docs/formats.md, docs/corroboration.md).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "truce/scenario.h"

namespace truce::formats {

// Reads doc["corroboration"] (when present) into `out`; absent keys keep their defaults.
// Appends a problem, prefixed "FILE: corroboration.KEY:", for each mistyped or unknown key.
// The values' ranges and event type names are checked by Scenario::Create.
void ReadCorroborationSettings(const nlohmann::json& doc, const std::string& file,
                               CorroborationSettings& out, std::vector<std::string>& problems);

}  // namespace truce::formats
