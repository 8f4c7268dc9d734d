#include "formats/export.h"

#include <gtest/gtest.h>

#include "formats/daily_report.h"

namespace truce::formats {
namespace {

using nlohmann::json;

json Incident(const std::string& id) {
  return {{"id", id},
          {"event_date", "2018-02-20"},
          {"event_type", "Explosions/Remote violence"},
          {"sub_event_type", "Shelling/artillery/missile attack"},
          {"latitude", 33.51},
          {"longitude", 36.29},
          {"grade", "corroborated"},
          {"reason", "two groups, \"independent\", agree"},
          {"zones", json::array({{{"zone", "eastern-ghouta"},
                                  {"version", 2},
                                  {"rule", "ceasefire"},
                                  {"verdict", "inside"}}})},
          {"reports", {"A", "B"}},
          {"log_entry", 7},
          {"fatalities", nullptr}};
}

TEST(ExportTest, CsvQuotesCellsAndJoinsLists) {
  const std::vector<json> records = {Incident("INC-A")};
  const std::string csv = RecordsToCsv(ExportRecord::kIncident, records, false);
  const std::string header = csv.substr(0, csv.find("\r\n"));
  EXPECT_EQ(header.find("event_id_cnty,event_date,event_type,sub_event_type,latitude,longitude"),
            0u);
  // Raw columns appear only when some record carries them.
  EXPECT_EQ(header.find("notes"), std::string::npos);
  EXPECT_EQ(header.find("actor1"), std::string::npos);
  EXPECT_NE(csv.find("\"two groups, \"\"independent\"\", agree\""), std::string::npos) << csv;
  EXPECT_NE(csv.find(",eastern-ghouta v2 ceasefire inside,"), std::string::npos) << csv;
  EXPECT_NE(csv.find(",A; B,"), std::string::npos) << csv;
  // A null is an empty cell.
  EXPECT_NE(csv.find("Shelling/artillery/missile attack,33.51,36.29,,"), std::string::npos) << csv;
}

TEST(ExportTest, TrackEvidenceInWordsWithTheIdentityTheRecordCarries) {
  json insider = Incident("INC-A");
  insider["tracks"] = json::array({{{"report", "A"},
                                    {"icao24", "abc123"},
                                    {"callsign", "SYR01"},
                                    {"time", "2017-09-19T06:00:00Z"},
                                    {"distance_m", 1994.2},
                                    {"centre_distance_m", 3994.2},
                                    {"altitude_m", 4000.0},
                                    {"positions", 2}}});
  insider["coverage"] =
      json::array({{{"report", "A"}, {"statement", "2 positions of 1 aircraft within 12.0 km"}},
                   {{"report", "B"}, {"statement", "no position data at all"}}});
  json anonymous = insider;
  anonymous["id"] = "INC-B";
  anonymous["tracks"][0].erase("icao24");
  anonymous["tracks"][0].erase("callsign");
  const std::vector<json> records = {insider, anonymous};
  const std::string csv = RecordsToCsv(ExportRecord::kIncident, records, true);
  EXPECT_NE(csv.find(",aircraft_tracks,track_coverage\r\n"), std::string::npos) << csv;
  EXPECT_NE(csv.find(",#meta+aircraft,#meta+coverage\r\n"), std::string::npos) << csv;
  EXPECT_NE(csv.find(",\"A: abc123 SYR01 at 2017-09-19T06:00:00Z, 1994.2 m from the disc\",A: "
                     "2 positions of 1 aircraft within 12.0 km; B: no position data at all\r\n"),
            std::string::npos)
      << csv;
  EXPECT_NE(csv.find(",\"A: aircraft at 2017-09-19T06:00:00Z, 1994.2 m from the disc\","),
            std::string::npos)
      << csv;
}

TEST(ExportTest, RawColumnsWhenPresentAndHxlTags) {
  json raw = Incident("INC-B");
  raw["notes"] = "line one\nline two";
  raw["actors"] = {"Military Forces of Syria (2000-)", "Civilians (Syria)"};
  raw["sources"] = {"SOHR", "UN OCHA"};
  const std::vector<json> records = {Incident("INC-A"), raw};
  const std::string csv = RecordsToCsv(ExportRecord::kIncident, records, true);
  const size_t first = csv.find("\r\n");
  const std::string tags = csv.substr(first + 2, csv.find("\r\n", first + 2) - first - 2);
  EXPECT_EQ(tags.find("#event+code,#date+occurred,#event+type,#event+type+sub,#group+name+first,"
                      "#group+name+second,#geo+lat,#geo+lon,#meta+source,#description"),
            0u)
      << tags;
  EXPECT_NE(csv.find("\"line one\nline two\""), std::string::npos);
  EXPECT_NE(csv.find(",Civilians (Syria),"), std::string::npos);
  EXPECT_NE(csv.find(",SOHR; UN OCHA,"), std::string::npos);
}

TEST(ExportTest, GeoJsonPointsWithTheRecordsAsProperties) {
  const std::vector<json> records = {Incident("INC-A")};
  const json fc = json::parse(RecordsToGeoJson(ExportRecord::kIncident, records));
  ASSERT_EQ(fc["features"].size(), 1u);
  EXPECT_EQ(fc["features"][0]["id"], "INC-A");
  EXPECT_EQ(fc["features"][0]["geometry"]["coordinates"], json({36.29, 33.51}));
  EXPECT_EQ(fc["features"][0]["properties"], records[0]);
  const std::vector<json> violations = {{{"report", "R1"},
                                         {"zone", "idlib"},
                                         {"rule", "no_fly"},
                                         {"latitude", 35.9},
                                         {"longitude", 36.6}}};
  EXPECT_EQ(
      json::parse(RecordsToGeoJson(ExportRecord::kViolation, violations))["features"][0]["id"],
      "R1.idlib.no_fly");
}

TEST(ExportTest, FormatNames) {
  EXPECT_EQ(ParseExportFormat("hxl"), ExportFormat::kHxl);
  EXPECT_EQ(ParseExportFormat("xlsx"), std::nullopt);
  EXPECT_EQ(ExportMediaType(ExportFormat::kGeoJson), "application/geo+json");
}

TEST(DailyReportTest, DeterministicEscapedAndSaysWhatIsMissing) {
  DailyReportData r;
  r.scenario = "Astana";
  r.zone = "eastern-ghouta";
  r.day = *ParseUtcTime("2018-02-20");
  r.as_of = *ParseUtcTime("2024-01-01T00:00:00Z");
  r.role = "public";
  json i = Incident("INC-<script>");
  i["reason"] = "<b>bold</b>";
  r.incidents = {i};
  r.day_summary.zone = r.week_summary.zone = r.zone;
  r.day_summary.by_event_type["Battles"] = {2, 1};
  r.week_summary.daily["2018-02-19"] = 3;
  r.head = {{"tree_size", 12}, {"root_hash", "ab12"}, {"timestamp", "2024-01-01T00:00:00Z"}};
  const std::string html = DailyReportToHtml(r);
  EXPECT_EQ(html, DailyReportToHtml(r));
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_NE(html.find("INC-&lt;script&gt;"), std::string::npos);
  EXPECT_NE(html.find("&lt;b&gt;bold&lt;/b&gt;"), std::string::npos);
  EXPECT_NE(html.find("The zone was not in force that day."), std::string::npos);
  EXPECT_NE(html.find("<td>Battles</td><td class=\"n\">2</td><td class=\"n\">1</td>"),
            std::string::npos);
  // The week's chart has every day, those without reports too.
  EXPECT_NE(html.find(">02-14<"), std::string::npos);
  EXPECT_NE(html.find(">02-20<"), std::string::npos);
  EXPECT_NE(html.find("root ab12"), std::string::npos);
}

}  // namespace
}  // namespace truce::formats
