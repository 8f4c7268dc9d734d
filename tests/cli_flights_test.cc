// End-to-end: `truce flights`, the real binary, its output formats, errors and exit codes, and
// --follow fed through stdin.
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include <sys/stat.h>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli_harness.h"
#include "flight_test_zones.h"
#include "formats/text_file.h"

namespace truce {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::CliRun;
using testing::Slurp;
constexpr auto Lines = testing::JsonLines;

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

class CliFlightsTest : public testing::CliHarness {
 protected:
  // A no-fly square over Eastern Ghouta (36.3-36.6 E, 33.5-33.7 N) and a ceasefire-only
  // neighbour.
  std::string Zones() {
    return Write("zones.geojson", R"({"type":"FeatureCollection","features":[
      {"type":"Feature","properties":{"zone":"ghouta","version":1,"valid_from":"2017-05-06","rules":[{"kind":"no_fly","agreement":"","clause":""}]},
       "geometry":{"type":"Polygon","coordinates":[[[36.3,33.5],[36.6,33.5],[36.6,33.7],[36.3,33.7],[36.3,33.5]]]}},
      {"type":"Feature","properties":{"zone":"east","valid_from":"2017-05-06","rules":["ceasefire"]},
       "geometry":{"type":"Polygon","coordinates":[[[36.6,33.5],[36.9,33.5],[36.9,33.7],[36.6,33.7],[36.6,33.5]]]}}]})");
  }
  // Traffic records of one aircraft flying east along 33.6 N, 0.01 degree per 10 s from
  // 36.205 E at 10:00:00 (41 fixes, 10000 ft): in at 36.3 E at 10:01:35, out at 36.6 E at
  // 10:06:35.
  static json Flight(const std::string& icao24 = "7380c3", const std::string& callsign = "SYR501",
                     int fixes = 41) {
    json records = json::array();
    const int64_t t0 = 1496311200000;  // 2017-06-01T10:00:00Z
    for (int k = 0; k < fixes; ++k) {
      records.push_back({{"timestamp", t0 + 10000 * k},
                         {"icao24", icao24},
                         {"latitude", 33.6},
                         {"longitude", 36.205 + 0.01 * k},
                         {"altitude", 10000.0},
                         {"callsign", callsign}});
    }
    return records;
  }
};

TEST_F(CliFlightsTest, HelpNamesTheOptions) {
  CliRun r = Truce("--help");
  EXPECT_TRUE(Contains(r.out, "flights")) << r.out;
  r = Truce("flights --help");
  EXPECT_EQ(r.exit_code, 0);
  for (const char* flag : {"--positions", "--format", "--exemptions", "--skip-invalid", "--follow",
                           "--max-gap", "--min-dwell", "--reorder-window"}) {
    EXPECT_TRUE(Contains(r.out, flag)) << flag;
  }
}

TEST_F(CliFlightsTest, JsonLinesViolation) {
  const std::string positions = Write("flight.json", Flight().dump());
  CliRun r = Truce("flights " + Zones() + " --positions " + positions);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<json> out = Lines(r.out);
  ASSERT_EQ(out.size(), 1u);
  const json& v = out[0];
  // The keys the issue requires, in its order, then the evidence.
  const std::vector<std::string> required = {
      "icao24",    "callsign",  "zone",     "version",  "rule",       "entry_time", "entry_lat",
      "entry_lon", "exit_time", "exit_lat", "exit_lon", "duration_s", "verdict",    "lost_inside"};
  std::vector<std::string> keys;
  const nlohmann::ordered_json ordered = nlohmann::ordered_json::parse(r.out);
  for (auto it = ordered.begin(); it != ordered.end(); ++it) keys.push_back(it.key());
  ASSERT_GE(keys.size(), required.size());
  EXPECT_EQ(std::vector<std::string>(keys.begin(), keys.begin() + required.size()), required);
  EXPECT_EQ(v["icao24"], "7380c3");
  EXPECT_EQ(v["callsign"], "SYR501");
  EXPECT_EQ(v["zone"], "ghouta");
  EXPECT_EQ(v["version"], 1);
  EXPECT_EQ(v["rule"], "no_fly");
  EXPECT_EQ(v["entry_time"], "2017-06-01T10:01:35Z");
  EXPECT_NEAR(v["entry_lat"].get<double>(), 33.6, 1e-7);
  EXPECT_NEAR(v["entry_lon"].get<double>(), 36.3, 1e-7);
  EXPECT_EQ(v["exit_time"], "2017-06-01T10:06:35Z");
  EXPECT_NEAR(v["exit_lon"].get<double>(), 36.6, 1e-7);
  EXPECT_NEAR(v["duration_s"].get<double>(), 300, 0.002);
  EXPECT_EQ(v["verdict"], "inside");
  EXPECT_EQ(v["lost_inside"], false);
  EXPECT_EQ(v["positions_inside"], 30);
  EXPECT_NEAR(v["min_alt_m"].get<double>(), 3048, 0.01);
  EXPECT_EQ(v["entry_kind"], "boundary");
  EXPECT_TRUE(Contains(r.err, "41 records (0 rejected"));
  EXPECT_TRUE(Contains(r.err, "1 violation (1 inside, 0 possible, 0 lost inside)")) << r.err;

  // Cut short inside the zone: lost inside, the exit is the last fix.
  Write("short.json", Flight("7380c3", "SYR501", 20).dump());
  r = Truce("flights " + Zones() + " --positions " + (dir_ / "short.json").string());
  const std::vector<json> lost = Lines(r.out);
  ASSERT_EQ(lost.size(), 1u);
  EXPECT_EQ(lost[0]["lost_inside"], true);
  EXPECT_EQ(lost[0]["exit_time"], "2017-06-01T10:03:10Z");
  EXPECT_EQ(lost[0]["exit_kind"], "lost");
}

TEST_F(CliFlightsTest, GeoJsonAndCsv) {
  const std::string positions = Write("flight.json", Flight().dump());
  CliRun r = Truce("flights " + Zones() + " --positions " + positions + " --format geojson");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json doc = json::parse(r.out);
  EXPECT_EQ(doc["type"], "FeatureCollection");
  ASSERT_EQ(doc["features"].size(), 1u);
  const json& f = doc["features"][0];
  EXPECT_EQ(f["geometry"]["type"], "LineString");
  EXPECT_EQ(f["geometry"]["coordinates"].size(), 32u);  // entry, 30 fixes, exit
  EXPECT_NEAR(f["geometry"]["coordinates"][0][0].get<double>(), 36.3, 1e-7);
  EXPECT_EQ(f["properties"]["verdict"], "inside");
  r = Truce("flights " + Zones() + " --positions " + positions + " --format csv");
  ASSERT_EQ(r.exit_code, 0);
  std::istringstream lines(r.out);
  std::string header, row, extra;
  std::getline(lines, header);
  std::getline(lines, row);
  EXPECT_EQ(header.rfind("icao24,callsign,zone,version,rule,entry_time,entry_lat,entry_lon,"
                         "exit_time,exit_lat,exit_lon,duration_s,verdict,lost_inside",
                         0),
            0u)
      << header;
  EXPECT_EQ(row.rfind("7380c3,SYR501,ghouta,1,no_fly,2017-06-01T10:01:35Z,33.6,36.3,"
                      "2017-06-01T10:06:35Z,33.6,36.6,300",
                      0),
            0u)
      << row;
  EXPECT_FALSE(std::getline(lines, extra));
}

TEST_F(CliFlightsTest, OpenSkyCsvAndSeveralFiles) {
  // The same flight's second half as OpenSky state vectors (seconds, metres), first half as
  // traffic JSON: one track across the two files.
  json first = Flight();
  first.erase(first.begin() + 20, first.end());
  const std::string a = Write("a.json", first.dump());
  std::string csv =
      "time,icao24,lat,lon,velocity,heading,vertrate,callsign,onground,alert,spi,"
      "squawk,baroaltitude,geoaltitude,lastposupdate,lastcontact\n";
  for (int k = 20; k < 41; ++k) {
    csv += std::to_string(1496311200 + 10 * k) + ",7380c3,33.6," +
           std::to_string(36.205 + 0.01 * k) + ",200,90,0,SYR501,False,False,False,,3048,,,\n";
  }
  const std::string b = Write("b.csv", csv);
  CliRun r = Truce("flights " + Zones() + " --positions " + a + " " + b);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<json> out = Lines(r.out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0]["entry_time"], "2017-06-01T10:01:35Z");
  EXPECT_EQ(out[0]["exit_time"], "2017-06-01T10:06:35Z");
  EXPECT_EQ(out[0]["positions_inside"], 30);
}

TEST_F(CliFlightsTest, BadRecordsRejectTheWholeFileUnlessSkipped) {
  json records = Flight();
  records[3]["latitude"] = 123.0;
  records[7]["timestamp"] = 1496311270;  // seconds where milliseconds are expected
  records[9].erase("icao24");
  const std::string positions = Write("bad.json", records.dump());
  CliRun r = Truce("flights " + Zones() + " --positions " + positions);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_TRUE(Contains(r.err, "error: 3 bad position records")) << r.err;
  EXPECT_TRUE(Contains(r.err, "bad.json record 3: latitude: expected a latitude in [-90, 90]"));
  EXPECT_TRUE(Contains(r.err, "bad.json record 7: timestamp: expected milliseconds"));
  EXPECT_TRUE(Contains(r.err, "bad.json record 9: icao24: expected 6 hex digits, got nothing"));

  const std::string rejects = (dir_ / "rejects.jsonl").string();
  r = Truce("flights " + Zones() + " --positions " + positions + " --skip-invalid " + rejects);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Lines(r.out).size(), 1u);
  EXPECT_TRUE(Contains(r.err, "41 records (3 rejected")) << r.err;
  const std::vector<json> rejected = Lines(Slurp(rejects));
  ASSERT_EQ(rejected.size(), 3u);
  EXPECT_EQ(rejected[0]["origin"], positions + " record 3");
  EXPECT_EQ(rejected[0]["reasons"].size(), 1u);
  EXPECT_EQ(json::parse(rejected[0]["raw"].get<std::string>())["latitude"], 123.0);

  // Structure that cannot be read at all: an error whatever --skip-invalid says.
  r = Truce("flights " + Zones() + " --positions " + Write("syntax.json", "[{\"a\":}]") +
            " --skip-invalid " + rejects);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(Contains(r.err, "syntax.json:1:7: invalid JSON")) << r.err;
  r = Truce("flights " + Zones() + " --positions " + (dir_ / "missing.json").string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(Contains(r.err, "missing.json: no such file")) << r.err;

  // Many bad records: every one counted and written with --skip-invalid, the first hundred
  // named in the error (they are not all held while the file is read).
  std::string csv = "time,icao24,lat,lon\n";
  for (int i = 0; i < 600; ++i) {
    csv += fmt::format("{},3003ae,{},7.2\n", 1496311270 + i, i % 2 == 0 ? "95" : "46.5");
  }
  const std::string many = Write("many_bad.csv", csv);
  r = Truce("flights " + Zones() + " --positions " + many);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_TRUE(Contains(r.err, "error: 300 bad position records (nothing was evaluated")) << r.err;
  EXPECT_TRUE(Contains(r.err, "many_bad.csv:2: lat: expected a latitude in [-90, 90], got 95"));
  EXPECT_TRUE(Contains(r.err, "many_bad.csv:200: lat:")) << r.err;
  EXPECT_FALSE(Contains(r.err, "many_bad.csv:202: lat:")) << r.err;
  EXPECT_TRUE(Contains(r.err, "... and 200 more bad records")) << r.err;
  r = Truce("flights " + Zones() + " --positions " + many + " --skip-invalid " + rejects);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(Contains(r.err, "600 records (300 rejected")) << r.err;
  const std::vector<json> all = Lines(Slurp(rejects));
  ASSERT_EQ(all.size(), 300u);
  EXPECT_EQ(all.back()["origin"], many + ":600");
  // A run that fails leaves the rejects file as it was, and nothing beside it.
  std::ofstream(rejects) << "kept\n";
  r = Truce("flights " + Zones() + " --positions " + many + " " + (dir_ / "missing.csv").string() +
            " --skip-invalid " + rejects);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(Slurp(rejects), "kept\n");
  for (const auto& entry : fs::directory_iterator(dir_)) {
    EXPECT_EQ(entry.path().string().find(".partial-"), std::string::npos) << entry.path();
  }
  // A symbolic link (or a device: /dev/stdout) is written through, not replaced.
  const fs::path target = dir_ / "target.jsonl", link = dir_ / "link.jsonl";
  std::ofstream(target) << "old\n";
  fs::create_symlink(target, link);
  r = Truce("flights " + Zones() + " --positions " + many + " --skip-invalid " + link.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(fs::is_symlink(link));
  EXPECT_EQ(Lines(Slurp(target.string())).size(), 300u);
}

TEST_F(CliFlightsTest, Exemptions) {
  json records = Flight();
  json other = Flight("7380c4", "MEDEVAC1");
  records.insert(records.end(), other.begin(), other.end());
  const std::string positions = Write("two.json", records.dump());
  const std::string exemptions =
      Write("ex.csv",
            "icao24,callsign,from,to,zone,note\n"
            ",medevac1,2017-06-01T09:00:00Z,2017-06-01T11:00:00Z,ghouta,ICRC 2017/118\n"
            "7380C3,,2017-06-01T10:00:00Z,2017-06-01T10:04:00Z,,notified until 10:04\n");
  CliRun r =
      Truce("flights " + Zones() + " --positions " + positions + " --exemptions " + exemptions);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<json> out = Lines(r.out);
  ASSERT_EQ(out.size(), 1u);  // MEDEVAC1 exempt; 7380c3 only after its window
  EXPECT_EQ(out[0]["icao24"], "7380c3");
  EXPECT_EQ(out[0]["entry_time"], "2017-06-01T10:04:00Z");
  EXPECT_EQ(out[0]["entry_kind"], "exemption");

  r = Truce("flights " + Zones() + " --positions " + positions + " --exemptions " +
            Write("bad.csv", "icao24,callsign,from,to\nzz,,2017-06-01,2017-06-02\n"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_TRUE(Contains(r.err, "bad.csv:2: column icao24: expected 6 hex digits")) << r.err;
}

TEST_F(CliFlightsTest, FollowPrintsEntryThenExit) {
  std::string lines;
  for (const json& r : Flight()) lines += r.dump() + "\n";
  const std::string feed = Write("feed.jsonl", lines);
  CliRun r = Truce("flights " + Zones() + " --follow", feed);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<json> out = Lines(r.out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0]["event"], "entry");
  EXPECT_EQ(out[0]["entry_time"], "2017-06-01T10:01:35Z");
  EXPECT_TRUE(out[0]["exit_time"].is_null());
  EXPECT_EQ(out[1]["event"], "exit");
  EXPECT_EQ(out[1]["exit_time"], "2017-06-01T10:06:35Z");
  EXPECT_EQ(out[1]["verdict"], "inside");
  EXPECT_TRUE(Contains(r.err, "41 processed")) << r.err;

  // A bad line stops the stream unless --skip-invalid is given.
  const std::string bad = Write("bad.jsonl", lines.substr(0, lines.find('\n') + 1) +
                                                 "{\"timestamp\":1,\"icao24\":\"7380c3\","
                                                 "\"latitude\":33.6,\"longitude\":36.3}\n" +
                                                 lines.substr(lines.find('\n') + 1));
  r = Truce("flights " + Zones() + " --follow", bad);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(Contains(r.err, "stdin:2: bad position record")) << r.err;
  EXPECT_TRUE(Contains(r.err, "stdin:2: timestamp: expected milliseconds")) << r.err;
  const std::string rejects = (dir_ / "rejects.jsonl").string();
  r = Truce("flights " + Zones() + " --follow --skip-invalid " + rejects, bad);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Lines(r.out).size(), 2u);
  ASSERT_EQ(Lines(Slurp(rejects)).size(), 1u);
  EXPECT_EQ(Lines(Slurp(rejects))[0]["origin"], "stdin:2");
}

TEST_F(CliFlightsTest, UsageErrors) {
  const std::string positions = Write("flight.json", Flight().dump());
  EXPECT_EQ(Truce("flights " + Zones()).exit_code, 2);
  EXPECT_EQ(Truce("flights " + Zones() + " --positions " + positions + " --follow").exit_code, 2);
  EXPECT_EQ(Truce("flights " + Zones() + " --follow --format csv").exit_code, 2);
  EXPECT_EQ(Truce("flights " + Zones() + " --positions " + positions + " --format kml").exit_code,
            2);
  CliRun r = Truce("flights " + Zones() + " --positions " + positions + " --min-dwell -5");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(Contains(r.err, "--min-dwell: expected a number of seconds in [0, 1000000000]"))
      << r.err;
}

// A pipe cannot be read again: positions in no order from a pipe are judged at its end, not
// early (a spoiled judgement would need a second read), and give the answer a file gives.
TEST_F(CliFlightsTest, PositionsInNoOrderFromAPipe) {
  const fs::path sample =
      fs::path(TRUCE_SHARED_DATA) / "flights/traffic_collections_switzerland.json.gz";
  if (!fs::exists(sample)) GTEST_SKIP() << "real-data corpus not found: " << sample;
  const std::string zones = Write("test_zones.geojson", testing::kFlightTestZones);
  const std::string lines = Write("swiss.jsonl", "");
  // The sample's records, shuffled, as JSON lines.
  auto records = json::parse(formats::ReadTextFile(sample.string()).value());
  std::shuffle(records.begin(), records.end(), std::mt19937(5));
  std::string text;
  for (const json& r : records) text += r.dump() + "\n";
  std::ofstream(lines) << text;
  CliRun from_file = Truce("flights " + zones + " --positions " + lines + " --max-held 0");
  ASSERT_EQ(from_file.exit_code, 0) << from_file.err;
  // A named pipe, written once: a second read would wait for a writer that never comes.
  const std::string fifo = (dir_ / "feed.fifo").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0) << std::strerror(errno);
  std::thread writer([&] { std::ofstream(fifo) << text; });
  CliRun from_pipe = Truce("flights " + zones + " --positions " + fifo + " --max-held 0");
  writer.join();
  ASSERT_EQ(from_pipe.exit_code, 0) << from_pipe.err;
  EXPECT_EQ(from_pipe.out, from_file.out);
  EXPECT_EQ(Lines(from_pipe.out).size(), 2095u);
  EXPECT_TRUE(Contains(from_pipe.err, "2095 violations")) << from_pipe.err;
}

TEST_F(CliFlightsTest, SwitzerlandSample) {
  const fs::path sample =
      fs::path(TRUCE_SHARED_DATA) / "flights/traffic_collections_switzerland.json.gz";
  if (!fs::exists(sample)) GTEST_SKIP() << "real-data corpus not found: " << sample;
  const std::string zones = Write("test_zones.geojson", testing::kFlightTestZones);
  CliRun r = Truce("flights " + zones + " --positions " + sample.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // The counts the library test checks against GEOS (flights_real_data_test.cc).
  EXPECT_EQ(Lines(r.out).size(), 2095u);
  EXPECT_TRUE(Contains(r.err,
                       "139098 records (0 rejected, 0 without a position, 0 duplicates "
                       "dropped), 842 aircraft, 1244 tracks; 2095 violations (2011 inside, "
                       "84 possible, 124 lost inside) of 9 no-fly zone versions"))
      << r.err;
  // Judged as read under a small --max-held: the same bytes out, a fraction of the positions
  // held (the file's order is by flight).
  EXPECT_TRUE(Contains(r.err, "at most 139098 positions held at once")) << r.err;
  CliRun held = Truce("flights " + zones + " --positions " + sample.string() + " --max-held 2000");
  ASSERT_EQ(held.exit_code, 0) << held.err;
  EXPECT_EQ(held.out, r.out);
  const size_t at = held.err.find("at most ");
  ASSERT_NE(at, std::string::npos) << held.err;
  EXPECT_LT(std::stoul(held.err.substr(at + 8)), 20'000u) << held.err;
  for (const char* bad : {"-1", "1e400", "nan", "lots"}) {
    EXPECT_EQ(Truce("flights " + zones + " --positions " + sample.string() + " --max-held " + bad)
                  .exit_code,
              2)
        << bad;
  }
}

}  // namespace
}  // namespace truce
