#include "formats/scenario_reader.h"

#include <filesystem>
#include <fstream>
#include <random>

#include <gtest/gtest.h>

namespace truce::formats {
namespace {

namespace fs = std::filesystem;

class ScenarioReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("truce_scenario_test_" + std::to_string(std::random_device{}()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
    return (dir_ / name).string();
  }
  bool Has(const Error& e, const std::string& needle) {
    for (const auto& p : e.problems) {
      if (p.ToString().find(needle) != std::string::npos) return true;
    }
    return false;
  }
  fs::path dir_;
};

constexpr const char* kRegister = R"({
  "format": "truce-scenario/1", "id": "t", "name": "Test",
  "zones": ["zones.geojson"],
  "parties": [{"id": "gov", "name": "Government", "kind": "state"},
              {"id": "opp", "name": "Opposition", "kind": "armed_group"},
              {"id": "ru", "name": "Russia", "kind": "state"}],
  "agreements": [{"id": "memo", "signed": "2017-05-04", "effective": "2017-05-06",
                  "parties": ["gov", "opp"], "guarantors": ["ru"],
                  "clauses": [{"id": "2", "text": "cessation of hostilities"}]}]
})";

std::string Zone(const std::string& zone, int version, const std::string& from,
                 const std::string& to, const std::string& rules) {
  return R"({"type":"Feature","properties":{"zone":")" + zone + R"(","version":)" +
         std::to_string(version) + R"(,"valid_from":")" + from + "\"" +
         (to.empty() ? "" : R"(,"valid_to":")" + to + "\"") + R"(,"rules":)" + rules +
         R"(},"geometry":{"type":"Polygon","coordinates":[[[36,33],[37,33],[37,34],[36,34],[36,33]]]}})";
}

TEST_F(ScenarioReaderTest, LoadsDirectoryWithRegister) {
  Write("scenario.json", kRegister);
  Write("zones.geojson", R"({"type":"FeatureCollection","features":[)" +
                             Zone("z", 1, "2017-05-06", "2017-07-22",
                                  R"([{"kind":"ceasefire","agreement":"memo","clause":"2"}])") +
                             "," + Zone("z", 2, "2017-07-22", "", R"(["humanitarian_access"])") +
                             "]}");
  auto s = LoadScenario(dir_.string());
  ASSERT_TRUE(s.ok()) << s.error().message << (s.ok() ? "" : s.error().problems[0].ToString());
  EXPECT_EQ(s->id(), "t");
  EXPECT_EQ(s->parties().size(), 3u);
  EXPECT_EQ(s->zone_versions().size(), 2u);
  EXPECT_EQ(s->agreements()[0].guarantors[0], "ru");
  EXPECT_EQ(FormatUtcDate(*s->agreements()[0].effective), "2017-05-06");
  // The same scenario through its scenario.json path.
  EXPECT_TRUE(LoadScenario((dir_ / "scenario.json").string()).ok());
  // The zones file alone is a scenario without a register.
  auto bare = LoadScenario((dir_ / "zones.geojson").string());
  ASSERT_TRUE(bare.ok());
  EXPECT_FALSE(bare->has_register());
}

TEST_F(ScenarioReaderTest, ReportsProblemsAcrossFiles) {
  Write("scenario.json", kRegister);
  Write("zones.geojson",
        R"({"type":"FeatureCollection","features":[)" +
            Zone("z", 1, "2017-05-06", "2017-08-01",
                 R"([{"kind":"ceasefire","agreement":"memo","clause":"7","bound":["hts"]}])") +
            "," + Zone("z", 2, "2017-07-22", "", "[]") + "]}");
  auto s = LoadScenario(dir_.string());
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(Has(s.error(), "agreement 'memo' has no clause '7'"));
  EXPECT_TRUE(Has(s.error(), "bound: unknown party 'hts'"));
  EXPECT_TRUE(Has(s.error(),
                  "zones.geojson feature 1 (zone 'z' version 2): validity [2017-07-22T00:00:00Z, ) "
                  "overlaps version 1"));
}

TEST_F(ScenarioReaderTest, JsonSyntaxErrorNamesFileLineAndColumn) {
  Write("scenario.json", kRegister);
  Write("zones.geojson", "{\"type\":\"FeatureCollection\",\n\"features\":[\n  {\"type\": }\n]}");
  auto s = LoadScenario(dir_.string());
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(Has(s.error(), "zones.geojson:3:12: invalid JSON"))
      << s.error().problems[0].ToString();
}

TEST_F(ScenarioReaderTest, MissingPiecesAreNamed) {
  EXPECT_EQ(LoadScenario((dir_ / "nope").string()).error().code, ErrorCode::kNotFound);
  EXPECT_NE(LoadScenario(dir_.string()).error().message.find("needs a scenario.json"),
            std::string::npos);
  Write("scenario.json", R"({"format": "truce-scenario/2", "zones": ["missing.geojson"]})");
  auto s = LoadScenario(dir_.string());
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(Has(s.error(), "format: expected \"truce-scenario/1\""));
  EXPECT_TRUE(Has(s.error(), "id: required string"));
  EXPECT_TRUE(Has(s.error(), "missing.geojson: no such file"));
}

}  // namespace
}  // namespace truce::formats
