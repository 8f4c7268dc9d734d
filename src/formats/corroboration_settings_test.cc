// The scenario's optional "corroboration" object: defaults when absent, every key read, every
// mistake named.
#include "formats/corroboration_settings.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "formats/scenario_reader.h"

namespace truce::formats {
namespace {

using nlohmann::json;

// Reads a register with this corroboration object and builds the scenario.
Result<Scenario> WithCorroboration(const json& corroboration) {
  json doc = {{"format", "truce-scenario/1"}, {"id", "t"}, {"zones", {"zones.geojson"}}};
  if (!corroboration.is_null()) doc["corroboration"] = corroboration;
  ScenarioSpec spec;
  spec.origin = "scenario.json";
  std::vector<std::string> problems;
  ReadScenarioRegister(doc, "scenario.json", spec, problems);
  if (!problems.empty()) return MakeProblemsError("scenario.json", problems);
  return Scenario::Create(std::move(spec));
}

TEST(CorroborationSettings, DefaultsWhenAbsent) {
  auto s = WithCorroboration(json());
  ASSERT_TRUE(s.ok());
  const CorroborationSettings& c = s->corroboration();
  EXPECT_EQ(c.time_tolerance, std::chrono::hours(3));
  EXPECT_EQ(c.distance.value, 1000);
  EXPECT_EQ(c.max_radius.value, 10000);
  EXPECT_EQ(c.max_interval, std::chrono::hours(24));
  EXPECT_EQ(c.compatible_types.size(), 4u);
  EXPECT_TRUE(c.monitors.empty());
  EXPECT_EQ(c.track_distance.value, 10000);
}

TEST(CorroborationSettings, EveryKeyIsRead) {
  auto s = WithCorroboration(
      {{"time_tolerance_h", 1.5},
       {"distance_m", 500},
       {"max_radius_m", 2000},
       {"max_interval_h", 168},
       {"compatible_event_types", json::array({json::array({"battles", "Riots"})})},
       {"monitors", {"un", "UN observers"}},
       {"track_distance_m", 25000}});
  ASSERT_TRUE(s.ok()) << s.error().problems.at(0).ToString();
  const CorroborationSettings& c = s->corroboration();
  EXPECT_EQ(c.time_tolerance, std::chrono::minutes(90));
  EXPECT_EQ(c.distance.value, 500);
  EXPECT_EQ(c.max_radius.value, 2000);
  EXPECT_EQ(c.max_interval, std::chrono::hours(168));
  ASSERT_EQ(c.compatible_types.size(), 1u);
  EXPECT_EQ(c.compatible_types[0].first, "Battles");
  EXPECT_EQ(c.compatible_types[0].second, "Riots");
  EXPECT_EQ(c.monitors, (std::vector<std::string>{"un", "UN observers"}));
  EXPECT_EQ(c.track_distance.value, 25000);
}

TEST(CorroborationSettings, MistakesAreNamed) {
  auto s = WithCorroboration({{"time_tolerance_h", "3"},
                              {"distance_km", 1},
                              {"compatible_event_types", json::array({json::array({"Battles"})})},
                              {"monitors", {""}}});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(ProblemLines(s.error()),
            (std::vector<std::string>{
                "scenario.json: corroboration.compatible_event_types[0]: expected [\"TYPE\", "
                "\"TYPE\"], got [\"Battles\"]",
                "scenario.json: corroboration.distance_km: unknown key (expected "
                "time_tolerance_h, distance_m, max_radius_m, max_interval_h, "
                "compatible_event_types, monitors, track_distance_m)",
                "scenario.json: corroboration.monitors[0]: expected a non-empty string, got \"\"",
                "scenario.json: corroboration.time_tolerance_h: expected a number, got \"3\""}));
  s = WithCorroboration(
      {{"distance_m", -1},
       {"compatible_event_types", json::array({json::array({"Battles", "Picnic"})})}});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(ProblemLines(s.error()),
            (std::vector<std::string>{
                "scenario.json: corroboration.distance_m: expected a number >= 0, got -1",
                "scenario.json: corroboration.compatible_event_types[0]: unknown event type "
                "'Picnic'"}));
  EXPECT_FALSE(WithCorroboration(json::array()).ok());
}

}  // namespace
}  // namespace truce::formats
