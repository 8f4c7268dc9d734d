#include "formats/scenario_reader.h"

#include <filesystem>
#include <fstream>
#include <random>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "formats/json_reader.h"

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

TEST_F(ScenarioReaderTest, ZoneFilesStayInsideTheScenarioDirectory) {
  fs::create_directories(dir_ / "sc");
  std::ofstream(dir_ / "outside.geojson") << R"({"type":"FeatureCollection","features":[]})";
  Write("sc/zones.geojson",
        R"({"type":"FeatureCollection","features":[)" +
            Zone("z", 1, "2017-05-06", "", R"([{"kind":"ceasefire","agreement":"memo"}])") + "]}");
  fs::create_symlink(dir_ / "outside.geojson", dir_ / "sc" / "link.geojson");
  fs::create_symlink("/dev/zero", dir_ / "sc" / "zero.geojson");
  fs::create_symlink("zones.geojson", dir_ / "sc" / "inner.geojson");  // stays inside: fine
  fs::create_directories(dir_ / "sc" / "sub.geojson");
  std::string scenario = kRegister;
  scenario.replace(scenario.find(R"(["zones.geojson"])"), 17,
                   R"(["inner.geojson", "../../etc/passwd", "/dev/zero", "../outside.geojson",
                       "link.geojson", "zero.geojson", "sub.geojson", "nothing.geojson"])");
  Write("sc/scenario.json", scenario);
  auto s = LoadScenario((dir_ / "sc").string());
  ASSERT_FALSE(s.ok());
  const std::string sc = (dir_ / "sc" / "scenario.json").string();
  const std::string where = fs::canonical(dir_ / "sc").string();
  const auto outside = [&](int i, const std::string& name) {
    return sc + ": zones[" + std::to_string(i) + "]: '" + name +
           "' is outside the scenario directory " + where +
           " (zone files must be inside it, symbolic links resolved)";
  };
  const std::vector<std::string> expected = {
      outside(1, "../../etc/passwd"),
      outside(2, "/dev/zero"),
      outside(3, "../outside.geojson"),
      outside(4, "link.geojson"),
      outside(5, "zero.geojson"),
      sc + ": zones[6]: 'sub.geojson' is not a regular file",
      (dir_ / "sc" / "nothing.geojson").string() + ": no such file"};
  EXPECT_EQ(ProblemLines(s.error()), expected);
  // Nothing of /etc/passwd is quoted.
  for (const auto& p : s.error().problems) EXPECT_EQ(p.ToString().find("root:"), std::string::npos);
}

TEST_F(ScenarioReaderTest, ZoneFilesHaveASizeLimit) {
  Write("scenario.json", kRegister);
  {
    std::ofstream big(dir_ / "zones.geojson");
    big << "[";
    const std::string chunk(1 << 20, ' ');
    for (size_t i = 0; i <= kMaxScenarioFileBytes >> 20; ++i) big << chunk;
    big << "]";
  }
  auto s = LoadScenario(dir_.string());
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(Has(s.error(), "more than 64 MiB, the limit for an input file"))
      << s.error().problems[0].ToString();
}

TEST_F(ScenarioReaderTest, RegisterTextFollowsThePolicy) {
  std::string scenario = kRegister;
  scenario.replace(scenario.find(R"("id": "gov")"), 11, R"("id": "g\u200Bov")");
  scenario.replace(scenario.find(R"("text": "cessation of hostilities")"), 34,
                   R"("text": "cessation\u0000")");
  scenario.replace(scenario.find(R"("name": "Test")"), 14, R"("name": "T\u202Eest")");
  Write("scenario.json", scenario);
  Write("zones.geojson", R"({"type":"FeatureCollection","features":[]})");
  ScenarioSpec spec;
  std::vector<std::string> problems;
  auto doc = ParseJson(scenario, "scenario.json");
  ASSERT_TRUE(doc.ok()) << doc.error().message;
  ReadScenarioRegister(*doc, "scenario.json", spec, problems);
  const std::vector<std::string> expected = {
      "scenario.json.name: contains U+202E (a bidirectional override) at byte 2",
      "scenario.json: parties[0].id: contains U+200B (an invisible character) at byte 2 (not "
      "allowed in an identifier)",
      "scenario.json: agreements[0]: clauses[0].text: contains U+0000 (a control character) at "
      "byte 10"};
  EXPECT_EQ(problems, expected);
  // Duplicate keys are refused by the JSON reader.
  Write("scenario.json", R"({"format": "truce-scenario/1", "id": "a", "id": "b"})");
  auto dup = LoadScenario(dir_.string());
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.error().message.find("duplicate key 'id'"), std::string::npos);
}

}  // namespace
}  // namespace truce::formats
