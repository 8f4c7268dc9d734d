// End-to-end: the real `truce` binary, its exact command forms, outputs and exit codes.
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli_harness.h"

namespace truce {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::CliRun;
using testing::Slurp;

class CliTest : public testing::CliHarness {
 protected:
  // Two versions of one zone (the second smaller) and a neighbour sharing an edge.
  std::string ZonesFile() {
    return Write("zones.geojson", R"({"type":"FeatureCollection","features":[
      {"type":"Feature","properties":{"zone":"ghouta","version":1,"valid_from":"2017-05-06","valid_to":"2017-07-22","rules":["ceasefire","no_fly"]},
       "geometry":{"type":"Polygon","coordinates":[[[36.3,33.5],[36.6,33.5],[36.6,33.7],[36.3,33.7],[36.3,33.5]]]}},
      {"type":"Feature","properties":{"zone":"ghouta","version":2,"valid_from":"2017-07-22","rules":[{"kind":"ceasefire"}]},
       "geometry":{"type":"Polygon","coordinates":[[[36.3,33.5],[36.45,33.5],[36.45,33.7],[36.3,33.7],[36.3,33.5]]]}},
      {"type":"Feature","properties":{"zone":"east","valid_from":"2017-05-06T06:00:00Z"},
       "geometry":{"type":"MultiPolygon","coordinates":[[[[36.6,33.5],[36.9,33.5],[36.9,33.7],[36.6,33.7],[36.6,33.5]]]]}}]})");
  }
};

TEST_F(CliTest, VersionAndHelp) {
  CliRun r = Truce("--version");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out.rfind("truce ", 0), 0u);
  r = Truce("--help");
  EXPECT_EQ(r.exit_code, 0);
  for (const char* cmd : {"scenario", "zones", "locate"})
    EXPECT_NE(r.out.find(cmd), std::string::npos) << cmd;
  r = Truce("locate --help");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("--points"), std::string::npos);
  EXPECT_EQ(Truce("scenario check --help").exit_code, 0);
}

TEST_F(CliTest, UsageErrorsExit2) {
  EXPECT_EQ(Truce("").exit_code, 2);
  EXPECT_EQ(Truce("frobnicate").exit_code, 2);
  EXPECT_EQ(Truce("zones").exit_code, 2);
  EXPECT_EQ(Truce("zones x --bogus").exit_code, 2);
  CliRun r = Truce("locate " + ZonesFile() + " --at 2017-06-01");  // no points at all
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, "");
}

TEST_F(CliTest, ScenarioCheckSummarisesAValidFile) {
  CliRun r = Truce("scenario check " + ZonesFile());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("zones: 2, zone versions: 3"), std::string::npos) << r.out;
}

TEST_F(CliTest, ScenarioCheckListsEveryProblemAndExits1) {
  const std::string bad = Write("bad.geojson", R"({"type":"FeatureCollection","features":[
    {"type":"Feature","properties":{"zone":"a","valid_from":"2017-05-06","rules":["truce"]},
     "geometry":{"type":"Polygon","coordinates":[[[0,0],[10,10],[10,0],[0,10],[0,0]]]}},
    {"type":"Feature","properties":{"zone":"b","valid_from":"2017-05-06"},
     "geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]}}]})");
  CliRun r = Truce("scenario check " + bad);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(
      r.err.find(
          "bad.geojson feature 0 (zone 'a'): properties.rules[0]: unknown rule kind \"truce\""),
      std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("bad.geojson feature 0 (zone 'a'): polygon 0: Self-intersection"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("bad.geojson feature 1 (zone 'b' version 1): polygon 0 ring 0: not closed"),
            std::string::npos)
      << r.err;

  CliRun syntax =
      Truce("scenario check " + Write("syntax.geojson", "{\"type\":\n\"FeatureCollection\",,}"));
  EXPECT_EQ(syntax.exit_code, 1);
  EXPECT_NE(syntax.err.find("syntax.geojson:2:21: invalid JSON"), std::string::npos) << syntax.err;
  EXPECT_EQ(Truce("scenario check " + (dir_ / "missing").string()).exit_code, 1);
}

TEST_F(CliTest, ZonesAtTimeIsAFeatureCollectionOfVersionsInForce) {
  const std::string zones = ZonesFile();
  CliRun r = Truce("zones " + zones + " --at 2017-06-01T12:00:00Z");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json doc = json::parse(r.out);
  EXPECT_EQ(doc["type"], "FeatureCollection");
  ASSERT_EQ(doc["features"].size(), 2u);
  EXPECT_EQ(doc["features"][1]["properties"]["zone"], "ghouta");
  EXPECT_EQ(doc["features"][1]["properties"]["version"], 1);
  EXPECT_EQ(doc["features"][1]["properties"]["valid_to"], "2017-07-22T00:00:00Z");
  EXPECT_EQ(doc["features"][1]["properties"]["rules"][1]["kind"], "no_fly");
  // Before the neighbour's 06:00 start only ghouta is in force; the output reads back as zones.
  r = Truce("zones " + zones + " --at 2017-05-06T05:59:59Z");
  ASSERT_EQ(json::parse(r.out)["features"].size(), 1u);
  Write("again.geojson", r.out);
  EXPECT_EQ(Truce("scenario check " + (dir_ / "again.geojson").string()).exit_code, 0);
  EXPECT_EQ(json::parse(Truce("zones " + zones + " --at 2017-01-01").out)["features"].size(), 0u);
  EXPECT_EQ(json::parse(Truce("zones " + zones).out)["features"].size(), 3u);
  CliRun table = Truce("zones " + zones + " --summary --at 2017-08-01");
  EXPECT_EQ(table.exit_code, 0);
  EXPECT_NE(table.out.find("2 zone versions in force at 2017-08-01T00:00:00Z"), std::string::npos)
      << table.out;
}

TEST_F(CliTest, ZonesRejectsBadTime) {
  CliRun r = Truce("zones " + ZonesFile() + " --at 2017-06-31");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("--at: bad time '2017-06-31'"), std::string::npos) << r.err;
}

TEST_F(CliTest, LocatePointsFromArguments) {
  CliRun r = Truce("locate " + ZonesFile() + " --at 2017-06-01 33.6,36.4 33.6,36.6 10,10");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.out);
  std::string line;
  std::vector<json> out;
  while (std::getline(lines, line)) out.push_back(json::parse(line));
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(
      out[0],
      json::parse(
          R"({"id":"1","lat":33.6,"lon":36.4,"time":"2017-06-01T00:00:00Z","zones":[{"zone":"ghouta","version":1}]})"));
  // On the shared edge: both zones.
  EXPECT_EQ(out[1]["zones"],
            json::parse(R"([{"zone":"east","version":1},{"zone":"ghouta","version":1}])"));
  EXPECT_EQ(out[2]["zones"], json::array());
}

TEST_F(CliTest, LocatePointsFromCsv) {
  const std::string points =
      Write("points.csv",
            "id,lat,lon,time\nbefore,33.6,36.4,2017-05-01\nv1,33.6,36.5,2017-07-21T23:59:59Z\nv2,"
            "33.6,36.5,2017-07-22\ndefault,33.6,36.4,\n");
  CliRun r = Truce("locate " + ZonesFile() + " --points " + points + " --at 2017-08-01");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.out);
  std::string line;
  std::vector<json> out;
  while (std::getline(lines, line)) out.push_back(json::parse(line));
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0]["zones"], json::array());
  EXPECT_EQ(out[1]["zones"], json::parse(R"([{"zone":"ghouta","version":1}])"));
  EXPECT_EQ(out[2]["zones"], json::array());  // 36.5 is outside the smaller version 2
  EXPECT_EQ(out[3]["time"], "2017-08-01T00:00:00Z");
  EXPECT_EQ(out[3]["zones"], json::parse(R"([{"zone":"ghouta","version":2}])"));
}

// More points than one LocateAll block (4,096), on a lattice that puts thousands of them on
// edges, corners and the edge the two zones share: every line as the rectangles say, in the
// file's order.
TEST_F(CliTest, LocateManyPointsAcrossBlocks) {
  const char* times[] = {"2017-05-01", "2017-06-01", "2017-07-22", "2017-08-01"};
  std::string csv = "id,lat,lon,time\n";
  struct Expect {
    double lat, lon;
    int time;
  };
  std::vector<Expect> points;
  for (int i = 0; i <= 80; ++i) {
    for (int j = 0; j <= 80; ++j) {
      const std::string lat = fmt::format("{:.3f}", 33.4 + 0.005 * i);
      const std::string lon = fmt::format("{:.2f}", 36.2 + 0.01 * j);
      const int t = static_cast<int>(points.size() % 4);
      csv += fmt::format("p{},{},{},{}\n", points.size(), lat, lon, times[t]);
      points.push_back({std::stod(lat), std::stod(lon), t});
    }
  }
  ASSERT_GT(points.size(), 4096u);
  CliRun r = Truce("locate " + ZonesFile() + " --points " + Write("lattice.csv", csv));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.out);
  std::string line;
  size_t n = 0, in_two = 0;
  for (; std::getline(lines, line); ++n) {
    ASSERT_LT(n, points.size());
    const Expect& e = points[n];
    const json got = json::parse(line);
    ASSERT_EQ(got["id"], fmt::format("p{}", n));
    // The zones file's rectangles, boundaries inside; east from 2017-05-06T06:00, ghouta
    // version 1 from 2017-05-06 to 2017-07-22, version 2 (the western half) after.
    const bool lat_in = e.lat >= 33.5 && e.lat <= 33.7;
    json want = json::array();
    if (e.time > 0 && lat_in && e.lon >= 36.6 && e.lon <= 36.9)
      want.push_back({{"zone", "east"}, {"version", 1}});
    if (e.time == 1 && lat_in && e.lon >= 36.3 && e.lon <= 36.6)
      want.push_back({{"zone", "ghouta"}, {"version", 1}});
    if (e.time >= 2 && lat_in && e.lon >= 36.3 && e.lon <= 36.45)
      want.push_back({{"zone", "ghouta"}, {"version", 2}});
    ASSERT_EQ(got["zones"], want) << line;
    in_two += want.size() == 2;
  }
  EXPECT_EQ(n, points.size());
  EXPECT_GT(in_two, 0u);  // the shared edge at 36.6 in force for both
}

TEST_F(CliTest, LocateBadInputExits1WithNothingOnStdout) {
  const std::string zones = ZonesFile();
  CliRun r = Truce("locate " + zones + " --at 2017-06-01 33.6,36.4 95,36 abc");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("point 2 '95,36': latitude 95 is outside [-90, 90]"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("point 3 'abc': expected LAT,LON"), std::string::npos) << r.err;
  r = Truce("locate " + zones + " 33.6,36.4");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--at: required"), std::string::npos);
  const std::string bad =
      Write("bad.csv", "id,lat,lon,time\nok,33.6,36.4,2017-06-01\nx,33.6,,2017-06-01\n");
  r = Truce("locate " + zones + " --points " + bad);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("bad.csv:3: column lon"), std::string::npos) << r.err;
  r = Truce("locate " + zones + " --points " + (dir_ / "none.csv").string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("none.csv: no such file"), std::string::npos) << r.err;
}

constexpr const char* kReportsHeader =
    "event_id_cnty,event_date,time_precision,event_type,sub_event_type,actor1,actor2,latitude,"
    "longitude,geo_precision,source,notes,fatalities\n";

TEST_F(CliTest, EvaluateShippedScenarioJsonLines) {
  const std::string reports =
      Write("r.csv",
            std::string(kReportsHeader) +
                "A1,2017-08-21,1,Explosions/Remote violence,Air/drone strike,Military Forces of "
                "Syria (2000-),,35.93,36.63,1,x,Idlib city,0\n"
                "A2,2017-08-21,1,Battles,Armed clash,HTS: Hayat Tahrir al "
                "Sham,,35.93,36.63,1,x,not bound,0\n"
                "A3,2017-08-21,1,Protests,Peaceful protest,Protesters (Syria),,35.93,36.63,1,x,,0\n"
                "A4,2017-08-21,1,Battles,Armed clash,Military Forces of Syria "
                "(2000-),,33.51,36.29,1,x,Damascus,0\n"
                "A5,2017-05-05,1,Battles,Armed clash,Military Forces of Syria "
                "(2000-),,35.93,36.63,1,x,before,0\n");
  const std::string scenario = std::string(TRUCE_SOURCE_DIR) + "/scenarios/astana-2017";
  CliRun r = Truce("evaluate " + scenario + " --reports " + reports);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.out);
  std::string line;
  std::vector<json> out;
  while (std::getline(lines, line)) out.push_back(json::parse(line));
  ASSERT_EQ(out.size(), 2u) << r.out;
  EXPECT_EQ(out[0]["report"], "A1");
  EXPECT_EQ(out[0]["zone"], "idlib");
  EXPECT_EQ(out[0]["version"], 1);
  EXPECT_EQ(out[0]["rule"], "ceasefire");
  EXPECT_EQ(out[0]["verdict"], "inside");
  EXPECT_EQ(out[0]["fraction"], 1.0);
  EXPECT_EQ(out[0]["clause"], "astana-memorandum-2017 clause 2.1");
  EXPECT_EQ(out[0]["party"], "syrian-government");
  EXPECT_EQ(out[1]["rule"], "no_fly");
  EXPECT_NE(r.err.find("evaluated 5 reports"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("2 violations (2 inside, 0 possible)"), std::string::npos) << r.err;

  CliRun csv = Truce("evaluate " + scenario + " --reports " + reports + " --format csv");
  EXPECT_EQ(csv.out.rfind("report,zone,version,rule,verdict,fraction,clause", 0), 0u);
  EXPECT_NE(csv.out.find("A1,idlib,1,no_fly,inside,1,astana-memorandum-2017 clause 2.1"),
            std::string::npos)
      << csv.out;
  const json geo = json::parse(
      Truce("evaluate " + scenario + " --reports " + reports + " --format geojson").out);
  ASSERT_EQ(geo["features"].size(), 2u);
  EXPECT_EQ(geo["features"][0]["geometry"]["coordinates"], json::parse("[36.63,35.93]"));
  EXPECT_EQ(Truce("evaluate " + scenario + " --reports " + reports + " --format xml").exit_code, 2);
}

TEST_F(CliTest, EvaluateRejectsABadFileWholeUnlessSkipInvalid) {
  const std::string reports =
      Write("bad.csv", std::string(kReportsHeader) +
                           "B1,2017-08-21,1,Battles,Armed clash,Military Forces of Syria "
                           "(2000-),,35.93,36.63,1,x,,0\n"
                           "B2,2017-08-21,4,Battles,Armed clash,x,,35.93,36.63,1,x,,0\n"
                           "B3,21/08/2017,1,Battles,Armed clash,x,,35.93,200,1,x,,0\n");
  const std::string zones = ZonesFile();
  CliRun r = Truce("evaluate " + zones + " --reports " + reports);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("2 bad records (nothing was evaluated"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("bad.csv:3: time_precision: expected 1, 2 or 3, got 4"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("bad.csv:4: event_date: bad date '21/08/2017'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("bad.csv:4: longitude: expected a number in [-180, 180], got 200"),
            std::string::npos)
      << r.err;

  const std::string rejects = (dir_ / "rejects.jsonl").string();
  r = Truce("evaluate " + zones + " --reports " + reports + " --skip-invalid " + rejects);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(Slurp(rejects));
  std::string line;
  std::vector<json> rejected;
  while (std::getline(lines, line)) rejected.push_back(json::parse(line));
  ASSERT_EQ(rejected.size(), 2u);
  EXPECT_EQ(rejected[0]["origin"].get<std::string>().substr(
                rejected[0]["origin"].get<std::string>().size() - 9),
            "bad.csv:3");
  EXPECT_NE(rejected[1]["raw"].get<std::string>().find("B3,21/08/2017"), std::string::npos);
  EXPECT_NE(r.err.find("evaluated 1 report (2 rejected"), std::string::npos) << r.err;
  EXPECT_EQ(Truce("evaluate " + zones + " --reports " + (dir_ / "none.csv").string()).exit_code, 1);
}

// Whether some process maps `path` (/proc/PID/maps names mapped files).
bool SomeProcessMaps(const std::string& path) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string pid = entry.path().filename().string();
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream maps(entry.path() / "maps");
    for (std::string line; std::getline(maps, line);) {
      if (line.ends_with(path)) return true;
    }
  }
  return false;
}

// The streamed file is read twice; written in place meanwhile, it no longer is one input. The
// file is changed as soon as truce has mapped it (the first pass under way), keeping its size:
// truce must say so and fail, not write violations of rows it never checked.
TEST_F(CliTest, EvaluateRefusesAFileWrittenWhileItIsRead) {
  const std::string syria = "Military Forces of Syria (2000-)";
  std::string text = kReportsHeader;
  for (int i = 0; i < 20000; ++i) {
    text += fmt::format("W{},2017-08-21,1,Battles,Armed clash,{},,{:.4f},{:.4f},1,x,,0\n", i, syria,
                        35.0 + (i % 150) * 0.01, 36.0 + (i % 97) * 0.01);
  }
  const std::string reports = Write("written.csv", text);
  const std::string scenario = std::string(TRUCE_SOURCE_DIR) + "/scenarios/astana-2017";
  CliRun run;
  std::thread truce([&] { run = Truce("evaluate " + scenario + " --reports " + reports); });
  bool mapped = false;
  for (int tries = 0; tries < 20000 && !mapped; ++tries) {
    mapped = SomeProcessMaps(reports);
    if (!mapped) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (mapped) {
    // One digit of the last row's fatalities, in place: the same size, other content.
    std::fstream f(reports, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(text.size() - 2));
    f.put('7');
  }
  truce.join();
  ASSERT_TRUE(mapped) << "truce never mapped the file: " << run.err;
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_NE(run.err.find("written.csv: the file was written while it was read"), std::string::npos)
      << run.err;
}

// A CSV file is streamed (two passes over a mapping, violations written as they come); the
// output must be what reading it whole gives, byte for byte, revisions and re-imports included.
TEST_F(CliTest, EvaluateStreamingEqualsReadingWhole) {
  const std::string syria = "Military Forces of Syria (2000-)";
  const std::string reports =
      Write("rev.csv",
            std::string(kReportsHeader) +
                // R1 first outside any zone (Damascus), then revised into Idlib, then re-imported
                // in its first form: one event, revision 2, the Idlib form.
                "R1,2017-08-21,1,Battles,Armed clash," + syria + ",,33.51,36.29,1,x,first,0\n" +
                "R2,2017-08-21,1,Battles,Armed clash," + syria + ",,35.93,36.63,1,x,,0\n" +
                "R1,2017-08-21,1,Battles,Armed clash," + syria + ",,35.93,36.63,1,x,revised,0\n" +
                "R3,2017-08-22,2,Explosions/Remote violence,Air/drone strike," + syria +
                ",,35.90,36.70,2,x,\"a note, with a comma\nand a line\",0\n" +
                "R2,2017-08-21,1,Battles,Armed clash," + syria + ",,35.93,36.63,1,x,,0\n" +
                "R1,2017-08-21,1,Battles,Armed clash," + syria + ",,33.51,36.29,1,x,first,0\n");
  const std::string scenario = std::string(TRUCE_SOURCE_DIR) + "/scenarios/astana-2017";
  for (const std::string format : {"jsonl", "csv", "geojson"}) {
    const std::string args =
        "evaluate " + scenario + " --reports " + reports + " --format " + format;
    const CliRun streamed = Truce(args);
    const CliRun whole = Truce(args + " --no-stream");
    ASSERT_EQ(streamed.exit_code, 0) << streamed.err;
    ASSERT_EQ(whole.exit_code, 0) << whole.err;
    EXPECT_EQ(streamed.out, whole.out) << format;
    EXPECT_EQ(streamed.err, whole.err) << format;
    EXPECT_NE(streamed.err.find("evaluated 3 reports (0 rejected, 2 identical re-imports "
                                "dropped, 1 revised)"),
              std::string::npos)
        << streamed.err;
  }
  const std::vector<json> out =
      testing::JsonLines(Truce("evaluate " + scenario + " --reports " + reports).out);
  ASSERT_GE(out.size(), 3u);
  EXPECT_EQ(out[0]["report"], "R1");  // where R1 first appears, in its latest form
  EXPECT_EQ(out[0]["revision"], 2);
  EXPECT_EQ(out.back()["report"], "R3");
  EXPECT_EQ(
      json::parse(Truce("evaluate " + scenario + " --reports " + reports + " --format geojson")
                      .out)["features"]
          .size(),
      out.size());

  // A structure error anywhere refuses the file before anything is written.
  const std::string broken = Write(
      "broken.csv", std::string(kReportsHeader) + "B1,2017-08-21,1,Battles,Armed clash," + syria +
                        ",,35.93,36.63,1,x,,0\nB2,2017-08-21,1,Battles,\"never closed\n");
  const CliRun r = Truce("evaluate " + scenario + " --reports " + broken);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("broken.csv:3"), std::string::npos) << r.err;
  // With --skip-invalid a structure error leaves an earlier rejects file as it was.
  const std::string kept = Write("kept.jsonl", "earlier\n");
  EXPECT_EQ(
      Truce("evaluate " + scenario + " --reports " + broken + " --skip-invalid " + kept).exit_code,
      1);
  EXPECT_EQ(Slurp(kept), "earlier\n");
  // Bad rows skipped: the same rejects and the same output as reading whole.
  const std::string mixed = Write(
      "mixed.csv", std::string(kReportsHeader) + "M1,2017-08-21,1,Battles,Armed clash," + syria +
                       ",,35.93,36.63,1,x,,0\nM2,2017-08-21,4,Battles,x,,,1,2,1,x,,0\n");
  const std::string rejects_streamed = (dir_ / "rs.jsonl").string();
  const std::string rejects_whole = (dir_ / "rw.jsonl").string();
  const CliRun s1 =
      Truce("evaluate " + scenario + " --reports " + mixed + " --skip-invalid " + rejects_streamed);
  const CliRun s2 = Truce("evaluate " + scenario + " --reports " + mixed + " --skip-invalid " +
                          rejects_whole + " --no-stream");
  ASSERT_EQ(s1.exit_code, 0) << s1.err;
  EXPECT_EQ(s1.out, s2.out);
  EXPECT_EQ(s1.err, s2.err);
  EXPECT_EQ(Slurp(rejects_streamed), Slurp(rejects_whole));
  EXPECT_NE(Slurp(rejects_streamed).find("mixed.csv:3"), std::string::npos);
  // An empty file is refused as before, not streamed.
  EXPECT_EQ(Truce("evaluate " + scenario + " --reports " + Write("empty.csv", "")).exit_code, 1);
}

TEST_F(CliTest, SummaryAgainstThePreviousPeriod) {
  const std::string reports = Write(
      "r.csv",
      std::string(kReportsHeader) +
          "S1,2017-08-21,1,Battles,Armed clash,Military Forces of Syria (2000-),,33.6,36.4,1,x,,0\n"
          "S2,2017-08-22,1,Battles,Armed clash,Military Forces of Syria (2000-),,33.6,36.4,1,x,,0\n"
          "S3,2017-08-20,1,Battles,Armed clash,Opposition,,33.6,36.4,1,x,,0\n");
  CliRun r = Truce("summary " + ZonesFile() + " --reports " + reports +
                   " --from 2017-08-21 --to 2017-08-22 --format json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json s = json::parse(r.out);
  EXPECT_EQ(s["period"], json::parse(R"({"from":"2017-08-21","to":"2017-08-22"})"));
  EXPECT_EQ(s["previous"], json::parse(R"({"from":"2017-08-19","to":"2017-08-20"})"));
  EXPECT_EQ(s["reports"], json::parse(R"({"count":2,"previous":1,"change":1})"));
  ASSERT_EQ(s["zones"].size(), 2u);
  EXPECT_EQ(s["zones"][1]["zone"], "ghouta");
  EXPECT_EQ(s["zones"][1]["by_actor"]["Military Forces of Syria (2000-)"]["count"], 2);
  EXPECT_EQ(s["zones"][1]["by_actor"]["Opposition"]["previous"], 1);
  EXPECT_EQ(s["zones"][1]["daily"]["2017-08-22"], 1);
  CliRun table = Truce("summary " + ZonesFile() + " --reports " + reports);
  EXPECT_EQ(table.exit_code, 0);
  EXPECT_NE(table.out.find(
                "Violations 2017-08-20 .. 2017-08-22 (previous period 2017-08-17 .. 2017-08-19)"),
            std::string::npos)
      << table.out;
  CliRun bad =
      Truce("summary " + ZonesFile() + " --reports " + reports + " --from 2017-08-21T10:00:00Z");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("--from: expected a day YYYY-MM-DD"), std::string::npos) << bad.err;
  EXPECT_EQ(Truce("summary " + ZonesFile() + " --reports " + reports +
                  " --from 2017-08-23 --to 2017-08-21")
                .exit_code,
            1);
}

}  // namespace
}  // namespace truce
