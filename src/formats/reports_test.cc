#include "formats/reports.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace truce::formats {
namespace {

constexpr const char* kHeader =
    "event_id_cnty,event_date,time_precision,event_type,sub_event_type,actor1,actor2,latitude,"
    "longitude,geo_precision,source,notes,fatalities,admin1\n";

TEST(ParseEventDate, AcceptedForms) {
  for (const char* s : {"2017-05-04", "04 May 2017", "4 May 2017", "04-May-2017", "4-may-2017",
                        "04 Sep 2017", "04 September 2017"}) {
    auto t = ParseEventDate(s);
    ASSERT_TRUE(t.ok()) << s;
  }
  EXPECT_EQ(FormatUtcDate(*ParseEventDate("04 Sep 2017")), "2017-09-04");
  for (const char* s : {"05/04/2017", "May 4 2017", "31 February 2017", "04 Mayo 2017",
                        "2017-05-04T10:00:00Z", ""}) {
    EXPECT_FALSE(ParseEventDate(s).ok()) << s;
  }
}

TEST(ParseReports, AcledCsvKeepsExtraColumns) {
  auto b =
      ParseReports(std::string(kHeader) +
                       "SYR1,21 August 2017,1,Battles,Armed clash,Military Forces of Syria "
                       "(2000-),\"Opposition Rebels (Syria)\",33.53,36.36,1,SOHR,\"shelling, then "
                       "clashes\",4,Rural Damascus\n",
                   "r.csv");
  ASSERT_TRUE(b.ok()) << b.error().message;
  ASSERT_EQ(b->reports.size(), 1u);
  const ReportSpec& s = b->reports[0].spec();
  EXPECT_EQ(s.event_id, "SYR1");
  EXPECT_EQ(s.notes, "shelling, then clashes");
  EXPECT_EQ(s.fatalities, 4);
  EXPECT_EQ(s.extra.at("admin1"), "Rural Damascus");
  EXPECT_EQ(s.origin, "r.csv:2");
  // Round trip through the JSON form the API uses.
  auto again = ReportFromJson(ReportToJson(b->reports[0]), "api");
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_TRUE(again->SameContent(b->reports[0]));
}

TEST(ParseReports, EveryBadRowNamedWithLineAndColumn) {
  auto b = ParseReports(std::string(kHeader) +
                            "SYR1,2017-08-21,1,Battles,,a,b,33.5,36.3,1,s,n,,x\n"
                            "SYR2,2017-08-32,1,Battles,,a,b,33.5,36.3,1,s,n,,x\n"
                            "SYR3,2017-08-21,5,Battle,,a,b,north,36.3,1,s,n,many,x\n",
                        "r.csv");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->reports.size(), 1u);
  ASSERT_EQ(b->rejected.size(), 2u);
  EXPECT_EQ(b->rejected[0].origin, "r.csv:3");
  EXPECT_NE(b->rejected[0].reasons[0].find("r.csv:3: event_date: bad date '2017-08-32'"),
            std::string::npos);
  const auto& reasons = b->rejected[1].reasons;
  ASSERT_EQ(reasons.size(), 4u);
  EXPECT_EQ(reasons[0], "r.csv:4: latitude: expected a latitude in decimal degrees, got 'north'");
  EXPECT_EQ(reasons[1], "r.csv:4: fatalities: expected a whole number, got 'many'");
  EXPECT_EQ(reasons[2], "r.csv:4: time_precision: expected 1, 2 or 3, got 5");
  EXPECT_NE(reasons[3].find("r.csv:4: event_type: unknown 'Battle'"), std::string::npos);
  EXPECT_NE(b->rejected[1].raw.find("SYR3"), std::string::npos);
}

TEST(ParseReports, MissingColumnsRejectTheFile) {
  auto b = ParseReports("event_id_cnty,event_date,latitude\nA,2017-01-01,3\n", "r.csv");
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.error().message.find("r.csv:1: header: missing required columns time_precision, "
                                   "event_type, longitude, geo_precision"),
            std::string::npos)
      << b.error().message;
}

TEST(ParseReports, GeoJsonFeatures) {
  auto b = ParseReports(R"({"type":"FeatureCollection","features":[
    {"type":"Feature","geometry":{"type":"Point","coordinates":[36.36,33.53]},
     "properties":{"event_id_cnty":"G1","event_date":"2017-08-21","time_precision":1,"event_type":"Battles","geo_precision":2,"time":"04:30"}},
    {"type":"Feature","geometry":null,"properties":{"event_id_cnty":"G2"}}]})",
                        "r.geojson");
  ASSERT_TRUE(b.ok()) << b.error().message;
  ASSERT_EQ(b->reports.size(), 1u);
  EXPECT_EQ(b->reports[0].location(), LatLng(33.53, 36.36));
  EXPECT_EQ(FormatUtcTime(b->reports[0].when().begin()), "2017-08-21T04:30:00Z");
  ASSERT_EQ(b->rejected.size(), 1u);
  EXPECT_EQ(b->rejected[0].reasons[0],
            "r.geojson feature 1: geometry: expected a Point [lon, lat]");
  EXPECT_FALSE(ParseReports("{\"type\": [}", "r.geojson").ok());
}

TEST(ReportFromJson, NamesBadFields) {
  auto r = ReportFromJson(nlohmann::json{{"event_id_cnty", "A"},
                                         {"event_date", "2017-08-21"},
                                         {"time_precision", 1},
                                         {"event_type", "Battles"},
                                         {"latitude", {1, 2}},
                                         {"longitude", 36},
                                         {"geo_precision", 1}},
                          "body[3]");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().problems[0].ToString(),
            "body[3]: latitude: expected a string or number, got array");
  EXPECT_FALSE(ReportFromJson(nlohmann::json::array(), "body").ok());
}

TEST(LatestRevisions, IdenticalIsNoOpDifferentIsNewRevision) {
  const std::string row1 = "SYR1,2017-08-21,1,Battles,,a,b,33.5,36.3,1,s,n,,x\n";
  const std::string row1_fixed = "SYR1,2017-08-21,1,Battles,,a,b,33.5,36.3,1,s,n,3,x\n";
  const std::string row2 = "SYR2,2017-08-21,1,Battles,,a,b,33.5,36.3,1,s,n,,x\n";
  auto b =
      ParseReports(std::string(kHeader) + row1 + row2 + row1 + row1_fixed + row1_fixed, "r.csv");
  ASSERT_TRUE(b.ok());
  const auto latest = LatestRevisions(b->reports);
  ASSERT_EQ(latest.size(), 2u);
  EXPECT_EQ(latest[0].report->event_id(), "SYR1");
  EXPECT_EQ(latest[0].revision, 2);
  EXPECT_EQ(latest[0].report->spec().fatalities, 3);
  EXPECT_EQ(latest[1].revision, 1);
}

}  // namespace
}  // namespace truce::formats
