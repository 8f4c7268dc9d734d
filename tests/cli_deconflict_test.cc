// End-to-end: `truce deconflict`, the real binary against the shipped scenario: the alert
// lines and their keys, flights, GeoJSON output, --at, the notice warnings, and every error
// exit.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli_harness.h"

namespace truce {
namespace {

using nlohmann::json;
using testing::CliRun;
constexpr auto Lines = testing::JsonLines;

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

const std::string kScenario = std::string(TRUCE_SOURCE_DIR) + "/scenarios/astana-2017";

// Douma's hospital (GeoNames' Douma) and a convoy from Damascus to Douma on 21 August 2017,
// notified a day ahead: late for a routine movement.
constexpr const char* kSites = R"({"type":"FeatureCollection","features":[
  {"type":"Feature","properties":{"id":"douma-hospital","type":"hospital","organisation":"SAMS",
   "valid_from":"2017-06-01","notified_at":"2017-05-30"},
   "geometry":{"type":"Point","coordinates":[36.4027,33.57175]}}]})";
constexpr const char* kMovements = R"({"type":"FeatureCollection","features":[
  {"type":"Feature","properties":{"id":"convoy-17","organisation":"SARC",
   "window_start":"2017-08-21T06:00:00Z","window_end":"2017-08-21T18:00:00Z",
   "destination_zone":"eastern-ghouta","notified_at":"2017-08-20T06:00:00Z"},
   "geometry":{"type":"LineString","coordinates":[[36.29128,33.5102],[36.4027,33.57175]]}}]})";

constexpr const char* kHeader =
    "event_id_cnty,event_date,time_precision,event_type,sub_event_type,actor1,actor2,latitude,"
    "longitude,geo_precision,source,notes,fatalities,uncertainty_m,time\n";

class CliDeconflictTest : public testing::CliHarness {
 protected:
  std::string Args(const std::string& reports, const std::string& header = kHeader) {
    return "deconflict " + kScenario + " --sites " + Write("sites.geojson", kSites) +
           " --movements " + Write("movements.geojson", kMovements) + " --reports " +
           Write("reports.csv", header + reports);
  }
};

TEST_F(CliDeconflictTest, HelpNamesTheOptions) {
  EXPECT_TRUE(Contains(Truce("--help").out, "deconflict"));
  const CliRun r = Truce("deconflict --help");
  EXPECT_EQ(r.exit_code, 0);
  for (const char* flag : {"--sites", "--movements", "--reports", "--positions", "--format", "--at",
                           "--alert-distance", "--route-distance", "--flight-distance",
                           "--flight-altitude", "--skip-invalid"}) {
    EXPECT_TRUE(Contains(r.out, flag)) << flag;
  }
}

TEST_F(CliDeconflictTest, OneAlertPerLineWithTheIssuesKeys) {
  // SYR1: a strike 39 m from the hospital, on the convoy's route, during its window.
  // SYR2: a protest there (no alert). SYR3: shelling 5 km south, a 2 km disc (none).
  // SYR4: an armed clash the day before, near the hospital only (the convoy was not moving).
  const CliRun r = Truce(Args(
      "SYR1,2017-08-21,1,Explosions/Remote violence,Air/drone strike,Military Forces of Syria "
      "(2000-),,33.5720,36.4030,1,x,,0,100,10:30\n"
      "SYR2,2017-08-21,1,Protests,Peaceful protest,Protesters (Syria),,33.5720,36.4030,1,x,,0,,\n"
      "SYR3,2017-08-21,1,Explosions/Remote violence,Shelling/artillery/missile attack,,,33.5270,"
      "36.4027,1,x,,0,2000,\n"
      "SYR4,2017-08-20,1,Battles,Armed clash,,,33.5760,36.4027,1,x,,0,700,\n"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<json> out = Lines(r.out);
  ASSERT_EQ(out.size(), 3u) << r.out;
  // The keys the issue names, in its order, first.
  const nlohmann::ordered_json first =
      nlohmann::ordered_json::parse(r.out.substr(0, r.out.find('\n')));
  std::vector<std::string> keys;
  for (const auto& [k, v] : first.items()) keys.push_back(k);
  ASSERT_GE(keys.size(), 6u);
  EXPECT_EQ(
      std::vector<std::string>(keys.begin(), keys.begin() + 6),
      (std::vector<std::string>{"kind", "target", "report", "distance_m", "verdict", "time"}));
  // In time order: the day-before clash first.
  EXPECT_EQ(out[0]["report"], "SYR4");
  EXPECT_EQ(out[0]["kind"], "site");
  // A 700 m disc 471 m north: it reaches 1,171 m away, beyond the 1 km alert distance.
  EXPECT_EQ(out[0]["verdict"], "possible");
  EXPECT_EQ(out[0]["time"], "2017-08-20T00:00:00Z");
  EXPECT_EQ(out[0]["until"], "2017-08-21T00:00:00Z");
  EXPECT_NEAR(out[0]["distance_m"].get<double>(), 471.4, 0.1);
  EXPECT_EQ(out[0]["radius_m"], 700.0);
  EXPECT_EQ(out[1]["kind"], "site");
  EXPECT_EQ(out[1]["target"], "douma-hospital");
  EXPECT_EQ(out[1]["report"], "SYR1");
  EXPECT_EQ(out[1]["verdict"], "inside");
  EXPECT_EQ(out[1]["time"], "2017-08-21T10:30:00Z");
  EXPECT_EQ(out[1]["until"], "2017-08-21T10:31:00Z");
  EXPECT_EQ(out[1]["after_notice"], true);
  EXPECT_EQ(out[1]["organisation"], "SAMS");
  EXPECT_EQ(out[2]["kind"], "movement");
  EXPECT_EQ(out[2]["target"], "convoy-17");
  EXPECT_EQ(out[2]["report"], "SYR1");
  EXPECT_EQ(out[2]["alert_distance_m"], 1000.0);
  EXPECT_TRUE(out[2]["id"].get<std::string>().starts_with("al_"));
  // The late notice is flagged, and the summary counts everything.
  EXPECT_TRUE(Contains(r.err, "warning: " + (dir_ / "movements.geojson").string() +
                                  " feature 0 (movement 'convoy-17'): late notice: notified 24.0 h "
                                  "before its window, 48 h required"))
      << r.err;
  EXPECT_TRUE(Contains(r.err,
                       "deconflict: 1 site, 1 movement (1 with late notice); 4 reports (4 rows, 0 "
                       "rejected, 3 describing hostilities), 0 positions (0 rejected) in 0 "
                       "tracks; 3 alerts (2 inside, 1 possible): 3 from reports, 0 from flights"))
      << r.err;
  // Running again gives the same alerts, ids included.
  EXPECT_EQ(
      Lines(Truce(Args("SYR1,2017-08-21,1,Explosions/Remote violence,Air/drone strike,"
                       "Military Forces of Syria (2000-),,33.5720,36.4030,1,x,,0,100,10:30\n"))
                .out),
      (std::vector<json>{out[1], out[2]}));
}

TEST_F(CliDeconflictTest, WiderAlertDistanceAndGeoJson) {
  const std::string strike =
      "SYR3,2017-08-21,1,Explosions/Remote violence,Shelling/artillery/missile attack,,,33.5270,"
      "36.4027,1,x,,0,2000,\n";
  EXPECT_EQ(Truce(Args(strike)).out, "");
  // 4.96 km south of the hospital with a 2 km disc: within 4 km in part, within 8 km wholly.
  CliRun r = Truce(Args(strike) + " --alert-distance 4000");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<json> out = Lines(r.out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0]["verdict"], "possible");
  EXPECT_NEAR(out[0]["nearest_m"].get<double>(), 2'963.4, 0.1);
  r = Truce(Args(strike) + " --alert-distance 8000 --format geojson");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json doc = json::parse(r.out);
  EXPECT_EQ(doc["type"], "FeatureCollection");
  ASSERT_EQ(doc["features"].size(), 1u);
  EXPECT_EQ(doc["features"][0]["properties"]["verdict"], "inside");
  EXPECT_EQ(doc["features"][0]["geometry"]["coordinates"], json::parse("[36.4027, 33.527]"));
}

TEST_F(CliDeconflictTest, FlightsOverTheRoute) {
  // A helicopter crossing the Damascus-Douma road from south to north at 600 m, fixes two
  // minutes and 10 km apart, none within 3.9 km of the road, during the convoy's window; an
  // airliner crossing at 10,000 m.
  json records = json::array();
  const int64_t t0 = 1503306000000;  // 2017-08-21T09:00:00Z
  for (int k = 0; k < 3; ++k) {
    records.push_back({{"timestamp", t0 + 120000 * k},
                       {"icao24", "7380c4"},
                       {"latitude", 33.50 + 0.09 * k},
                       {"longitude", 36.35},
                       {"altitude", 600 / 0.3048},
                       {"callsign", "SYR74"}});
    records.push_back({{"timestamp", t0 + 120000 * k},
                       {"icao24", "4b1805"},
                       {"latitude", 33.50 + 0.09 * k},
                       {"longitude", 36.36},
                       {"altitude", 33'000.0},
                       {"callsign", "SWR45"}});
  }
  const std::string positions = Write("flights.json", records.dump());
  CliRun r = Truce("deconflict " + kScenario + " --movements " +
                   Write("movements.geojson", kMovements) + " --positions " + positions);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<json> out = Lines(r.out);
  ASSERT_EQ(out.size(), 1u) << r.out;
  EXPECT_EQ(out[0]["kind"], "movement");
  EXPECT_EQ(out[0]["icao24"], "7380c4");
  EXPECT_EQ(out[0]["callsign"], "SYR74");
  EXPECT_EQ(out[0]["distance_m"], 0.0);
  EXPECT_NEAR(out[0]["altitude_m"].get<double>(), 600, 0.1);
  EXPECT_EQ(out[0]["verdict"], "possible");  // it rests on the line between the fixes
  EXPECT_FALSE(out[0].contains("report"));
  EXPECT_TRUE(Contains(r.err, "6 positions (0 rejected) in 2 tracks; 1 alert")) << r.err;
  // Lower the ceiling below the helicopter: nothing.
  EXPECT_EQ(
      Truce("deconflict " + kScenario + " --movements " + (dir_ / "movements.geojson").string() +
            " --positions " + positions + " --flight-altitude 500")
          .out,
      "");
}

TEST_F(CliDeconflictTest, AtLeavesOutWhatWasNotKnownYet) {
  const std::string strikes =
      "SYR1,2017-08-21,1,Explosions/Remote violence,Air/drone strike,,,33.5720,36.4030,1,x,,0,100,"
      "10:30\n"
      "SYR4,2017-08-20,1,Battles,Armed clash,,,33.5760,36.4027,1,x,,0,300,\n";
  // On the evening of the 20th the convoy had been notified, the clash was known, the strike
  // had not happened.
  CliRun r = Truce(Args(strikes) + " --at 2017-08-20T20:00:00Z");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<json> out = Lines(r.out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0]["report"], "SYR4");
  // A revision recorded on the 22nd moves SYR4 8.7 km north; as known before, the first
  // version holds.
  const std::string header =
      std::string(kHeader).insert(std::string(kHeader).size() - 1, ",recorded_at");
  const std::string revised =
      "SYR4,2017-08-20,1,Battles,Armed clash,,,33.5760,36.4027,1,x,,0,700,,"
      "2017-08-20T12:00:00Z\n"
      "SYR4,2017-08-20,1,Battles,Armed clash,,,33.6500,36.4027,1,x,,0,700,,"
      "2017-08-22T00:00:00Z\n";
  r = Truce(Args(revised, header) + " --at 2017-08-21T20:00:00Z");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  out = Lines(r.out);
  ASSERT_EQ(out.size(), 1u) << r.out;
  EXPECT_EQ(out[0]["report"], "SYR4");
  EXPECT_NEAR(out[0]["distance_m"].get<double>(), 471.4, 0.1);
  EXPECT_EQ(Truce(Args(revised, header)).out, "");  // the latest revision is out of reach
  // Before the hospital was notified (30 May), nothing was.
  r = Truce(Args(strikes) + " --at 2017-05-29");
  EXPECT_EQ(r.out, "");
  EXPECT_TRUE(Contains(r.err, "deconflict: 0 sites, 0 movements")) << r.err;
}

TEST_F(CliDeconflictTest, UsageErrorsExit2) {
  const std::string reports = Write("r.csv", kHeader);
  EXPECT_EQ(Truce("deconflict " + kScenario + " --reports " + reports).exit_code, 2);
  CliRun r = Truce("deconflict " + kScenario + " --sites " + Write("s.geojson", kSites));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(Contains(r.err, "--reports FILE and/or --positions FILE")) << r.err;
  EXPECT_EQ(Truce("deconflict " + kScenario + " --sites x --reports y --bogus").exit_code, 2);
  EXPECT_EQ(Truce(Args("") + " --format csv").exit_code, 2);
  EXPECT_EQ(Truce("deconflict --sites x --reports y").exit_code, 2);  // no PATH
}

TEST_F(CliDeconflictTest, BadInputExits1WithNothingOnStdout) {
  // A site file with a bad type, a missing organisation and a duplicate id.
  const std::string sites = Write("bad_sites.geojson", R"({"type":"FeatureCollection","features":[
    {"type":"Feature","properties":{"id":"h1","type":"bunker","organisation":"SAMS","valid_from":"2017-06-01"},
     "geometry":{"type":"Point","coordinates":[36.4,33.57]}},
    {"type":"Feature","properties":{"id":"h2","type":"school","valid_from":"2017-06-01"},
     "geometry":{"type":"Point","coordinates":[36.4,33.57]}},
    {"type":"Feature","properties":{"id":"h3","type":"school","organisation":"x","valid_from":"2017-06-01"},
     "geometry":{"type":"Point","coordinates":[36.4,33.57]}},
    {"type":"Feature","properties":{"id":"h3","type":"school","organisation":"x","valid_from":"2017-06-01"},
     "geometry":{"type":"Point","coordinates":[36.4,33.57]}}]})");
  const std::string reports = Write("r.csv", kHeader);
  CliRun r = Truce("deconflict " + kScenario + " --sites " + sites + " --reports " + reports);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_TRUE(Contains(r.err,
                       "bad_sites.geojson feature 0 (site 'h1'): type: expected one of "
                       "hospital"))
      << r.err;
  EXPECT_TRUE(Contains(r.err,
                       "bad_sites.geojson feature 1 (site 'h2'): "
                       "properties.organisation: required"))
      << r.err;
  EXPECT_TRUE(Contains(r.err,
                       "bad_sites.geojson feature 3 (site 'h3'): properties.id: 'h3' is "
                       "already the id of feature 2"))
      << r.err;
  // A movement bound for a zone the scenario does not have.
  json movements = json::parse(kMovements);
  movements["features"][0]["properties"]["destination_zone"] = "ghouta";
  r = Truce("deconflict " + kScenario + " --movements " + Write("m.geojson", movements.dump()) +
            " --reports " + reports);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(Contains(r.err,
                       "(movement 'convoy-17'): destination_zone: no zone 'ghouta' in "
                       "scenario 'astana-2017'"))
      << r.err;
  // JSON syntax, a missing file, a bad option value, a bad --at.
  r = Truce("deconflict " + kScenario + " --sites " + Write("syntax.geojson", "{\"type\":,}") +
            " --reports " + reports);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(Contains(r.err, "syntax.geojson:1:9: invalid JSON")) << r.err;
  r = Truce("deconflict " + kScenario + " --sites " + (dir_ / "none.geojson").string() +
            " --reports " + reports);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(Contains(r.err, "none.geojson: no such file")) << r.err;
  r = Truce(Args("") + " --alert-distance -5");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(Contains(r.err, "--alert-distance: expected metres > 0, got -5")) << r.err;
  r = Truce(Args("") + " --at 2017-02-30");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(Contains(r.err, "--at: bad time '2017-02-30'")) << r.err;
}

TEST_F(CliDeconflictTest, BadReportsAndPositionsRefuseTheRunUnlessSkipped) {
  const std::string good =
      "SYR1,2017-08-21,1,Explosions/Remote violence,Air/drone strike,,,33.5720,36.4030,1,x,,0,100,"
      "10:30\n";
  const std::string bad = "SYR9,2017-08-21,1,Explosions/Remote violence,,,,95,36.4,1,x,,0,,\n";
  CliRun r = Truce(Args(good + bad));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_TRUE(Contains(r.err, "reports.csv:3: latitude: expected a number in [-90, 90], got 95"))
      << r.err;
  const std::string positions = Write(
      "p.json",
      R"([{"timestamp": 1503306000000, "icao24": "zzz", "latitude": 33.5, "longitude": 36.3}])");
  const std::string rejects = (dir_ / "rejects.jsonl").string();
  r = Truce(Args(good + bad) + " --positions " + positions + " --skip-invalid " + rejects);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Lines(r.out).size(), 2u);
  const std::vector<json> rejected = Lines(testing::Slurp(rejects));
  ASSERT_EQ(rejected.size(), 2u);
  EXPECT_TRUE(Contains(rejected[0]["origin"].get<std::string>(), "reports.csv:3"));
  EXPECT_TRUE(Contains(rejected[1]["origin"].get<std::string>(), "p.json record 0"));
  // Without --skip-invalid, the bad position alone refuses the run.
  r = Truce(Args(good) + " --positions " + positions);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(Contains(r.err, "1 bad position record (nothing was evaluated")) << r.err;
}

}  // namespace
}  // namespace truce
