#include "positions.h"

#include "json_reader.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace truce::formats {
namespace {

UtcTime T(const char* s) { return *ParseUtcTime(s); }

bool HasProblem(const std::vector<std::string>& problems, const std::string& text) {
  for (const std::string& p : problems)
    if (p.find(text) != std::string::npos) return true;
  return false;
}

std::vector<std::string> AllReasons(const PositionBatch& b) {
  std::vector<std::string> out;
  for (const auto& r : b.rejected) out.insert(out.end(), r.reasons.begin(), r.reasons.end());
  return out;
}

TEST(PositionsTest, TrafficRecordsConvertFeetAndUseTheFixTime) {
  // As in the traffic samples: altitudes in feet, times in ms, last_position when the fix was.
  const std::string text = R"([
    {"timestamp":1647421386000,"icao24":"39B415","latitude":43.2138,"longitude":6.7765,
     "altitude":11600.0,"geoaltitude":12275.0,"callsign":"SAVAN17 ","onground":false,
     "last_position":1647421385372,"squawk":4720.0},
    {"timestamp":1647421387000,"icao24":"39b415","latitude":null,"longitude":null,
     "altitude":null,"geoaltitude":null,"callsign":"SAVAN17","onground":false,"last_position":null},
    {"timestamp":1533101250000,"altitude":34975.0,"callsign":"DLH8JW","icao24":"3003ae",
     "latitude":45.8189849854,"longitude":9.2295455933,"track":324.2}
  ])";
  auto batch = ParsePositions(text, "s.json");
  ASSERT_TRUE(batch.ok()) << batch.error().message;
  EXPECT_EQ(batch->records, 3u);
  EXPECT_EQ(batch->without_position, 1u);
  EXPECT_TRUE(batch->rejected.empty());
  ASSERT_EQ(batch->positions.size(), 2u);
  const Position& p = batch->positions[0];
  EXPECT_EQ(p.icao24, "39b415");
  EXPECT_EQ(p.callsign, "SAVAN17");
  EXPECT_EQ(p.time, UtcTime(std::chrono::milliseconds(1647421385372)));
  EXPECT_DOUBLE_EQ(p.baro_altitude->value, 11600 * 0.3048);
  EXPECT_DOUBLE_EQ(p.geo_altitude->value, 12275 * 0.3048);
  EXPECT_FALSE(p.on_ground);
  const Position& q = batch->positions[1];
  EXPECT_EQ(q.time, T("2018-08-01T05:27:30Z"));  // no last_position: the record's time
  EXPECT_FALSE(q.geo_altitude);
  EXPECT_EQ(q.where, LatLng(45.8189849854, 9.2295455933));
}

TEST(PositionsTest, TrafficBadRecordsAreNamedByIndexAndField) {
  const std::string text = R"([
    {"timestamp":1533101250000,"icao24":"3003ae","latitude":45.8,"longitude":9.2,"altitude":1000},
    {"timestamp":1533101250,"icao24":"3003ae","latitude":95,"longitude":9.2,"altitude":"high"},
    {"timestamp":1533101260000,"icao24":"xyz","latitude":45.8,"callsign":7},
    42
  ])";
  auto batch = ParsePositions(text, "bad.json");
  ASSERT_TRUE(batch.ok());
  EXPECT_EQ(batch->positions.size(), 1u);
  ASSERT_EQ(batch->rejected.size(), 3u);
  EXPECT_EQ(batch->rejected[0].origin, "bad.json record 1");
  const auto reasons = AllReasons(*batch);
  EXPECT_TRUE(HasProblem(reasons,
                         "bad.json record 1: timestamp: expected milliseconds since 1970-01-01 "
                         "between 1973 and 2100, got 1533101250 (seconds, not milliseconds?)"));
  EXPECT_TRUE(HasProblem(reasons, "bad.json record 1: latitude: expected a latitude in [-90, 90]"));
  EXPECT_TRUE(HasProblem(reasons, "bad.json record 1: altitude: expected feet, got \"high\""));
  EXPECT_TRUE(HasProblem(reasons, "bad.json record 2: icao24: expected 6 hex digits, got \"xyz\""));
  EXPECT_TRUE(
      HasProblem(reasons, "bad.json record 2: longitude: only one of latitude and longitude"));
  EXPECT_TRUE(HasProblem(reasons, "bad.json record 2: callsign: expected a string, got 7"));
  EXPECT_TRUE(HasProblem(reasons, "bad.json record 3: expected a JSON object, got 42"));
  EXPECT_NE(batch->rejected[1].raw.find("\"xyz\""), std::string::npos);
}

TEST(PositionsTest, TrafficSyntaxErrorHasLineAndColumn) {
  auto batch = ParsePositions("[\n{\"timestamp\": 1,,}\n]", "broken.json");
  ASSERT_FALSE(batch.ok());
  EXPECT_NE(batch.error().message.find("broken.json:2:17: invalid JSON"), std::string::npos)
      << batch.error().message;
}

TEST(PositionsTest, OpenSkyCsv) {
  const std::string text =
      "time,icao24,lat,lon,velocity,heading,vertrate,callsign,onground,alert,spi,squawk,"
      "baroaltitude,geoaltitude,lastposupdate,lastcontact\n"
      "1533101250,4b1805,46.9,7.4,220.1,90,0,SWR123  ,False,False,False,1000,10972.8,11049.0,"
      "1533101249.5,1533101250.1\n"
      "1533101260,4b1805,,,220.1,90,0,SWR123,False,False,False,1000,,,,1533101260.1\n"
      "1533101270,4B1805,46.91,7.45,0,0,0,,True,False,False,,,,,\n";
  auto batch = ParsePositions(text, "states.csv");
  ASSERT_TRUE(batch.ok()) << batch.error().message;
  EXPECT_EQ(batch->records, 3u);
  EXPECT_EQ(batch->without_position, 1u);
  ASSERT_EQ(batch->positions.size(), 2u);
  const Position& p = batch->positions[0];
  EXPECT_EQ(p.time, UtcTime(std::chrono::milliseconds(1533101249500)));  // lastposupdate
  EXPECT_DOUBLE_EQ(p.baro_altitude->value, 10972.8);                     // metres as given
  EXPECT_DOUBLE_EQ(p.geo_altitude->value, 11049.0);
  EXPECT_EQ(p.callsign, "SWR123");
  EXPECT_TRUE(batch->positions[1].on_ground);
  EXPECT_EQ(batch->positions[1].icao24, "4b1805");
  EXPECT_EQ(batch->positions[1].time, T("2018-08-01T05:27:50Z"));
  EXPECT_FALSE(batch->positions[1].baro_altitude);
}

TEST(PositionsTest, OpenSkyCsvErrors) {
  auto missing = ParsePositions("time,icao24,latitude,lon\n1,2,3,4\n", "m.csv");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("m.csv:1: header: missing column lat"), std::string::npos)
      << missing.error().message;
  auto bad = ParsePositions(
      "time,icao24,lat,lon,onground,baroaltitude\n"
      "1533101250000,4b1805,46.9,7.4,False,100\n"
      "1533101250,4b1805,46.9,abc,maybe,1e400\n",
      "b.csv");
  ASSERT_TRUE(bad.ok());
  EXPECT_TRUE(bad->positions.empty());
  ASSERT_EQ(bad->rejected.size(), 2u);
  EXPECT_EQ(bad->rejected[1].origin, "b.csv:3");
  EXPECT_EQ(bad->rejected[1].raw, "1533101250,4b1805,46.9,abc,maybe,1e400");
  const auto reasons = AllReasons(*bad);
  EXPECT_TRUE(HasProblem(reasons,
                         "b.csv:2: time: expected seconds since 1970-01-01 between 1973 "
                         "and 2100, got 1533101250000.0 (milliseconds, not seconds?)"))
      << reasons[0];
  EXPECT_TRUE(HasProblem(reasons, "b.csv:3: lon: expected a longitude in degrees, got \"abc\""));
  EXPECT_TRUE(HasProblem(reasons, "b.csv:3: onground: expected true or false, got \"maybe\""));
  EXPECT_TRUE(HasProblem(reasons, "b.csv:3: baroaltitude: expected metres, got \"1e400\""));
}

TEST(PositionsTest, JsonLinesTakeEitherSchema) {
  const std::string text =
      "{\"time\":1533101250,\"icao24\":\"4b1805\",\"lat\":46.9,\"lon\":7.4,"
      "\"baroaltitude\":1000}\n"
      "\n"
      "{\"timestamp\":1533101260000,\"icao24\":\"4b1805\",\"latitude\":46.91,\"longitude\":7.41,"
      "\"altitude\":1000}\r\n"
      "not json\n"
      "{\"timestamp\":\"2018-08-01T05:28:00Z\",\"icao24\":\"4b1805\",\"latitude\":46.92,"
      "\"longitude\":7.42}\n"
      "{\"icao24\":\"4b1805\",\"x\":1}\n";
  auto batch = ParsePositions(text, "stdin");
  ASSERT_TRUE(batch.ok());
  EXPECT_EQ(batch->records, 5u);
  ASSERT_EQ(batch->positions.size(), 3u);
  EXPECT_DOUBLE_EQ(batch->positions[0].baro_altitude->value, 1000);           // metres (OpenSky)
  EXPECT_DOUBLE_EQ(batch->positions[1].baro_altitude->value, 1000 * 0.3048);  // feet (traffic)
  EXPECT_EQ(batch->positions[2].time, T("2018-08-01T05:28:00Z"));
  ASSERT_EQ(batch->rejected.size(), 2u);
  EXPECT_EQ(batch->rejected[0].origin, "stdin:4");
  EXPECT_EQ(batch->rejected[0].reasons[0],
            "stdin:4:2: invalid JSON: syntax error while parsing value - invalid literal; last "
            "read: 'no' (expected one JSON object per line)");
  EXPECT_TRUE(HasProblem(batch->rejected[1].reasons, "stdin:6: expected the traffic keys"));
}

TEST(ExemptionsTest, ParsesRowsAndListsEveryProblem) {
  auto ok = ParseExemptionsCsv(
      "icao24,callsign,from,to,zone,note\n"
      "4B1805,,2018-08-01,2018-08-02,,ICRC notification 17\n"
      ",unhcr01 ,2018-08-01T06:00:00Z,2018-08-01T09:00:00Z,alps,\n",
      "ex.csv");
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  ASSERT_EQ(ok->size(), 2u);
  EXPECT_EQ((*ok)[0].icao24, "4b1805");
  EXPECT_EQ((*ok)[0].note, "ICRC notification 17");
  EXPECT_EQ((*ok)[0].window.begin(), T("2018-08-01"));
  EXPECT_EQ((*ok)[1].callsign, "UNHCR01");
  EXPECT_EQ((*ok)[1].zone, "alps");
  EXPECT_TRUE((*ok)[1].Covers("000001", "UNHCR01", "alps"));
  EXPECT_FALSE((*ok)[1].Covers("000001", "UNHCR01", "jura"));

  auto bad = ParseExemptionsCsv(
      "icao24,callsign,from,to\n"
      "4b18,,2018-08-01,2018-08-02\n"
      ",,2018-08-01,2018-08-02\n"
      "4b1805,,2018-08-02,2018-08-01\n"
      "4b1805,,yesterday,2018-08-01\n",
      "ex.csv");
  ASSERT_FALSE(bad.ok());
  std::vector<std::string> p;
  for (const Problem& problem : bad.error().problems) p.push_back(problem.ToString());
  EXPECT_EQ(p.size(), 4u);
  EXPECT_TRUE(HasProblem(p, "ex.csv:2: column icao24: expected 6 hex digits, got '4b18'"));
  EXPECT_TRUE(HasProblem(p, "ex.csv:3: columns icao24, callsign: expected at least one"));
  EXPECT_TRUE(HasProblem(p, "ex.csv:4: columns from, to: empty interval"));
  EXPECT_TRUE(HasProblem(p, "ex.csv:5: column from: bad time 'yesterday'"));
  EXPECT_FALSE(ParseExemptionsCsv("icao24,from,to\n", "h.csv").ok());
}

TEST(PositionsTest, RecordsFollowTheTextPolicyAndSizeLimit) {
  std::vector<std::string> reasons;
  const auto record = [](nlohmann::json extra) {
    nlohmann::json r = {{"time", 1503309600}, {"icao24", "abcdef"}, {"lat", 33.5}, {"lon", 36.4}};
    r.update(extra);
    return r;
  };
  EXPECT_TRUE(PositionFromJson(record({{"callsign", "UNO123"}}), "r", reasons));
  EXPECT_FALSE(PositionFromJson(record({{"callsign", "UN\u202EO"}}), "r", reasons));
  EXPECT_EQ(reasons, std::vector<std::string>{
                         "r: callsign: contains U+202E (a bidirectional override) at byte 3"});
  reasons.clear();
  EXPECT_FALSE(PositionFromJson(record({{"callsign", "UN\u200BO"}}), "r", reasons));
  EXPECT_EQ(reasons, std::vector<std::string>{"r: callsign: contains U+200B (an invisible "
                                              "character) at byte 3 (not allowed in an "
                                              "identifier)"});
  reasons.clear();
  EXPECT_FALSE(PositionFromJson(record({{"callsign", std::string(40, 'A')}}), "r", reasons));
  EXPECT_EQ(reasons, std::vector<std::string>{"r: callsign: is 40 bytes long, at most 16 allowed"});
  // Fields truce does not read are stored by the server: they are checked too.
  reasons.clear();
  EXPECT_FALSE(PositionFromJson(record({{"meta", {{"tags", {"ok", std::string("n\0", 2)}}}}}), "r",
                                reasons));
  EXPECT_EQ(reasons, std::vector<std::string>{
                         "r: meta.tags[1]: contains U+0000 (a control character) at byte 2"});
  reasons.clear();
  EXPECT_FALSE(PositionFromJson(record({{"k\x01", 1}}), "r", reasons));
  EXPECT_EQ(reasons, std::vector<std::string>{"r: k\\x01: key contains U+0001 (a control "
                                              "character) at byte 2 (not allowed in an "
                                              "identifier)"});
  reasons.clear();
  EXPECT_FALSE(PositionFromJson(record({{"a", std::string(30000, 'x')},
                                        {"b", std::string(30000, 'x')},
                                        {"c", std::string(30000, 'x')}}),
                                "r", reasons));
  EXPECT_EQ(reasons, std::vector<std::string>{"r: the record holds more than 65536 bytes, the "
                                              "limit for one position record"});
  // Messages quote bounded: a megabyte icao24.
  reasons.clear();
  EXPECT_FALSE(PositionFromJson(record({{"icao24", std::string(1 << 20, 'z')}}), "r", reasons));
  ASSERT_FALSE(reasons.empty());
  EXPECT_LT(reasons[0].size(), 200u);
}

TEST(PositionsTest, HugeNumbersAndDeepLinesAreRejectedRecords) {
  // 1e300 seconds: out of the plausible range, never converted to an integer.
  auto batch =
      ParsePositions("time,icao24,lat,lon\n1e300,abcdef,33,36\n1e400,abcdef,33,36\n", "s.csv");
  ASSERT_TRUE(batch.ok());
  ASSERT_EQ(batch->rejected.size(), 2u);
  EXPECT_TRUE(HasProblem(batch->rejected[0].reasons, "s.csv:2: time: expected seconds since"));
  EXPECT_TRUE(HasProblem(batch->rejected[1].reasons, "s.csv:3: time: bad time '1e400'"))
      << batch->rejected[1].reasons[0];
  const std::string deep = std::string(70000, '[') + std::string(70000, ']');
  const PositionBatch lines =
      ParsePositionLines("{\"icao24\":\"abcdef\"}\n" + deep + "\n{\"x\":" + deep + "}\n", "stdin");
  ASSERT_EQ(lines.rejected.size(), 3u);
  EXPECT_EQ(lines.rejected[1].reasons[0],
            "stdin:2:65: invalid JSON: nested deeper than 64 levels of arrays and objects (the "
            "limit for any JSON input) (expected one JSON object per line)");
  EXPECT_TRUE(HasProblem(lines.rejected[2].reasons, "stdin:3:69: invalid JSON: nested deeper"))
      << lines.rejected[2].reasons[0];
  auto traffic = ParsePositions("[{\"icao24\":" + deep + "}]", "t.json");
  ASSERT_FALSE(traffic.ok());
  EXPECT_EQ(traffic.error().message.rfind("t.json:1:74: invalid JSON: nested deeper", 0), 0u)
      << traffic.error().message;
  // One line longer than the limit is one rejected record, cut short.
  const PositionBatch long_line =
      ParsePositionLines(std::string(kMaxPositionLineBytes + 10, 'x') + "\n", "stdin");
  ASSERT_EQ(long_line.rejected.size(), 1u);
  EXPECT_EQ(long_line.rejected[0].reasons[0],
            "stdin:1: line longer than 1048576 bytes, the limit for one JSON line");
}

TEST(PositionsTest, InvalidUtf8InCsvNeverBreaksTheRejectsFile) {
  auto batch = ParsePositions(
      "time,icao24,lat,lon,callsign\n1503309600,ab\xff"
      "def,33,36,X\xfe\n",
      "s.csv");
  ASSERT_TRUE(batch.ok());
  ASSERT_EQ(batch->rejected.size(), 1u);
  for (const auto& r : batch->rejected[0].reasons) {
    EXPECT_EQ(r.find('\xff'), std::string::npos) << r;
  }
  EXPECT_NO_THROW(SafeDump(nlohmann::json{{"raw", batch->rejected[0].raw}}));
}

TEST(ExemptionsTest, TextPolicy) {
  auto bad = ParseExemptionsCsv(
      "icao24,callsign,from,to,zone,note\n"
      "abcdef,UN\u200BO,2018-08-01,2018-08-02,gh\x01outa,fine \u200C note\n"
      "abcdef,,2018-08-01,2018-08-02,,\x1b[2J\n",
      "ex.csv");
  ASSERT_FALSE(bad.ok());
  const std::vector<std::string> expected = {
      "ex.csv:2: column callsign: contains U+200B (an invisible character) at byte 3 (not "
      "allowed in an identifier)",
      "ex.csv:2: column zone: contains U+0001 (a control character) at byte 3 (not allowed in "
      "an identifier)",
      "ex.csv:3: column note: contains U+001B (a control character) at byte 1"};
  EXPECT_EQ(ProblemLines(bad.error()), expected);
  EXPECT_FALSE(ParseExemptionsCsv("icao24,callsign,from,to,to\n", "ex.csv").ok());
}

}  // namespace
}  // namespace truce::formats
