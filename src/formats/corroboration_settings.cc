#include "formats/corroboration_settings.h"

#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace truce::formats {

void ReadCorroborationSettings(const nlohmann::json& doc, const std::string& file,
                               CorroborationSettings& out, std::vector<std::string>& problems) {
  const auto it = doc.find("corroboration");
  if (it == doc.end() || it->is_null()) return;
  const std::string at = file + ": corroboration";
  if (!it->is_object()) {
    problems.push_back(fmt::format("{}: expected an object, got {}", at, it->dump()));
    return;
  }
  auto number = [&](const std::string& key, const nlohmann::json& v) -> std::optional<double> {
    if (!v.is_number()) {
      problems.push_back(fmt::format("{}.{}: expected a number, got {}", at, key, v.dump()));
      return std::nullopt;
    }
    return v.get<double>();
  };
  auto hours = [](double h) { return std::chrono::milliseconds(std::llround(h * 3'600'000.0)); };
  for (const auto& [key, v] : it->items()) {
    if (key == "time_tolerance_h") {
      if (auto h = number(key, v)) out.time_tolerance = hours(*h);
    } else if (key == "max_interval_h") {
      if (auto h = number(key, v)) out.max_interval = hours(*h);
    } else if (key == "distance_m") {
      if (auto m = number(key, v)) out.distance = Meters{*m};
    } else if (key == "max_radius_m") {
      if (auto m = number(key, v)) out.max_radius = Meters{*m};
    } else if (key == "track_distance_m") {
      if (auto m = number(key, v)) out.track_distance = Meters{*m};
    } else if (key == "monitors") {
      out.monitors.clear();
      if (!v.is_array()) {
        problems.push_back(
            fmt::format("{}.monitors: expected an array of strings, got {}", at, v.dump()));
        continue;
      }
      for (size_t i = 0; i < v.size(); ++i) {
        if (!v[i].is_string() || v[i].get<std::string>().empty()) {
          problems.push_back(fmt::format("{}.monitors[{}]: expected a non-empty string, got {}", at,
                                         i, v[i].dump()));
        } else {
          out.monitors.push_back(v[i].get<std::string>());
        }
      }
    } else if (key == "compatible_event_types") {
      out.compatible_types.clear();
      if (!v.is_array()) {
        problems.push_back(fmt::format(
            "{}.compatible_event_types: expected an array of [type, type] pairs, got {}", at,
            v.dump()));
        continue;
      }
      for (size_t i = 0; i < v.size(); ++i) {
        const nlohmann::json& pair = v[i];
        if (!pair.is_array() || pair.size() != 2 || !pair[0].is_string() || !pair[1].is_string()) {
          problems.push_back(
              fmt::format("{}.compatible_event_types[{}]: expected [\"TYPE\", \"TYPE\"], got {}",
                          at, i, pair.dump()));
        } else {
          out.compatible_types.emplace_back(pair[0].get<std::string>(), pair[1].get<std::string>());
        }
      }
    } else {
      problems.push_back(
          fmt::format("{}.{}: unknown key (expected time_tolerance_h, distance_m, max_radius_m, "
                      "max_interval_h, compatible_event_types, monitors, track_distance_m)",
                      at, key));
    }
  }
}

}  // namespace truce::formats
