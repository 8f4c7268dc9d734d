#include "formats/notifications.h"

#include <filesystem>
#include <fstream>
#include <random>

#include <gtest/gtest.h>

#include "formats/alerts.h"
#include "formats/scenario_reader.h"

namespace truce::formats {
namespace {

using nlohmann::json;

UtcTime T(const char* text) { return *ParseUtcTime(text); }

// The problems of a failed read, joined one per line, for EXPECT_EQ on exact messages.
template <typename T>
std::vector<std::string> Problems(const Result<T>& r) {
  EXPECT_FALSE(r.ok());
  std::vector<std::string> out;
  if (!r.ok()) {
    for (const Problem& p : r.error().problems) out.push_back(p.ToString());
  }
  return out;
}

// Two sites at OCHA neighbourhood points of Aleppo, one a Point, one a small Polygon.
const json kSites = json::parse(R"({"type": "FeatureCollection", "features": [
  {"type": "Feature",
   "properties": {"id": "jabriyeh-hospital", "name": "Jabriyeh", "type": "hospital",
                  "organisation": "SAMS", "valid_from": "2017-06-01",
                  "notified_at": "2017-05-30T12:00:00Z"},
   "geometry": {"type": "Point", "coordinates": [37.16382144122, 36.21542276617]}},
  {"type": "Feature",
   "properties": {"id": "jalloum-school", "type": "school", "organisation": "UNICEF",
                  "valid_from": "2017-06-01", "valid_to": "2017-09-01T00:00:00Z",
                  "alert_distance_m": 500, "note": "shelters 200 families"},
   "geometry": {"type": "Polygon", "coordinates": [[[37.1540, 36.1960], [37.1550, 36.1960],
                [37.1550, 36.1970], [37.1540, 36.1970], [37.1540, 36.1960]]]}}]})");

const json kMovements = json::parse(R"({"type": "FeatureCollection", "features": [
  {"type": "Feature",
   "properties": {"id": "convoy-17", "organisation": "SARC", "window_start": "2017-08-10T06:00:00Z",
                  "window_end": "2017-08-10T18:00:00Z", "vehicles": 40, "cargo": "food",
                  "destination_zone": "eastern-ghouta", "notified_at": "2017-08-09T06:00:00Z"},
   "geometry": {"type": "LineString", "coordinates": [[36.29128, 33.5102], [36.4027, 33.57175]]}}]})");

TEST(SitesFormatTest, ReadsPointsAndPolygons) {
  auto sites = ReadSites(kSites, "sites.geojson");
  ASSERT_TRUE(sites.ok()) << sites.error().message;
  ASSERT_EQ(sites->size(), 2u);
  const ProtectedSite& h = (*sites)[0];
  EXPECT_EQ(h.id(), "jabriyeh-hospital");
  EXPECT_TRUE(h.is_point());
  EXPECT_EQ(h.point(), LatLng(36.21542276617, 37.16382144122));
  EXPECT_EQ(*h.notified_at(), T("2017-05-30T12:00:00Z"));
  EXPECT_EQ(h.spec().origin, "sites.geojson feature 0");
  const ProtectedSite& s = (*sites)[1];
  EXPECT_EQ(s.type(), SiteType::kSchool);
  EXPECT_FALSE(s.is_point());
  EXPECT_EQ(s.validity().end(), T("2017-09-01"));
  EXPECT_EQ(s.spec().alert_distance->value, 500);
}

TEST(SitesFormatTest, WritesWhatReadsBack) {
  auto sites = ReadSites(kSites, "sites.geojson");
  ASSERT_TRUE(sites.ok());
  const json out = SitesToGeoJson(*sites);
  auto again = ReadSites(out, "out.geojson");
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(SitesToGeoJson(*again), out);
  EXPECT_EQ(out["features"][1]["properties"]["valid_to"], "2017-09-01T00:00:00Z");
  EXPECT_EQ(out["features"][0]["geometry"]["coordinates"][0], 37.16382144122);
}

TEST(SitesFormatTest, ErrorsNameFileFeatureIdAndField) {
  json doc = kSites;
  doc["features"][0]["properties"]["type"] = "bunker";
  doc["features"][0]["properties"]["valid_from"] = "yesterday";
  doc["features"][1]["properties"].erase("organisation");
  doc["features"][1]["geometry"] = {{"type", "LineString"}, {"coordinates", json::array()}};
  doc["features"].push_back(kSites["features"][0]);
  doc["features"].push_back(kSites["features"][0]);  // a duplicate id
  doc["features"].push_back(
      {{"type", "Feature"},
       {"properties",
        {{"id", "far"}, {"type", "camp"}, {"organisation", "UNHCR"}, {"valid_from", "2017-06-01"}}},
       {"geometry", {{"type", "Point"}, {"coordinates", {37.1, 95}}}}});
  const auto problems = Problems(ReadSites(doc, "sites.geojson"));
  ASSERT_EQ(problems.size(), 5u) << ::testing::PrintToString(problems);
  EXPECT_EQ(problems[0],
            "sites.geojson feature 0 (site 'jabriyeh-hospital'): properties.valid_from: bad "
            "time 'yesterday': expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC)");
  EXPECT_EQ(problems[1],
            "sites.geojson feature 1 (site 'jalloum-school'): properties.organisation: required, "
            "expected a non-empty string");
  EXPECT_EQ(problems[2],
            "sites.geojson feature 1 (site 'jalloum-school'): geometry.type: expected \"Point\" "
            "or \"Polygon\", got \"LineString\"");
  EXPECT_EQ(problems[3],
            "sites.geojson feature 3 (site 'jabriyeh-hospital'): properties.id: "
            "'jabriyeh-hospital' is already the id of feature 2");
  EXPECT_EQ(problems[4],
            "sites.geojson feature 4 (site 'far'): geometry.coordinates: latitude 95 is outside "
            "[-90, 90] (position [37.1,95])");
}

TEST(SitesFormatTest, TheSiteTypeIsCheckedAfterTheFields) {
  json doc = kSites;
  doc["features"][0]["properties"]["type"] = "bunker";
  const auto problems = Problems(ReadSites(doc, "sites.geojson"));
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0],
            "sites.geojson feature 0 (site 'jabriyeh-hospital'): type: expected one of hospital, "
            "clinic, school, warehouse, camp, shelter, office, distribution_point, "
            "water_facility, bakery, other, got 'bunker'");
}

TEST(SitesFormatTest, NotACollection) {
  const auto problems = Problems(ReadSites(json::array(), "sites.geojson"));
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0],
            "sites.geojson: expected a GeoJSON FeatureCollection with a \"features\" array (or one "
            "Feature)");
  // One Feature alone is a collection of one.
  auto one = ReadSites(kSites["features"][0], "body");
  ASSERT_TRUE(one.ok());
  EXPECT_EQ((*one)[0].spec().origin, "body feature 0");
}

TEST(MovementsFormatTest, ReadsWritesAndChecksNotice) {
  auto movements = ReadMovements(kMovements, "movements.geojson");
  ASSERT_TRUE(movements.ok()) << movements.error().message;
  const Movement& m = (*movements)[0];
  EXPECT_EQ(m.route().size(), 2u);
  EXPECT_EQ(m.route()[1], LatLng(33.57175, 36.4027));
  EXPECT_EQ(m.spec().vehicles, 40);
  EXPECT_EQ(m.destination_zone(), "eastern-ghouta");
  const json out = MovementsToGeoJson(*movements);
  EXPECT_EQ(MovementsToGeoJson(*ReadMovements(out, "out")), out);
  EXPECT_EQ(NoticeCheckToJson(m), json::parse(R"({"movement":"convoy-17","emergency":false,
            "required_h":48,"given_h":24.0,"late":true})"));
}

TEST(MovementsFormatTest, ErrorsNameFileFeatureIdAndField) {
  json doc = kMovements;
  json& p = doc["features"][0]["properties"];
  p["vehicles"] = -3;
  p["emergency"] = "yes";
  p.erase("window_end");
  doc["features"][0]["geometry"]["coordinates"][1] = {"x", 33.5};
  const auto problems = Problems(ReadMovements(doc, "movements.geojson"));
  ASSERT_EQ(problems.size(), 4u) << ::testing::PrintToString(problems);
  const std::string at = "movements.geojson feature 0 (movement 'convoy-17'): ";
  EXPECT_EQ(problems[0], at + "properties.window_end: required (YYYY-MM-DD or "
                              "YYYY-MM-DDTHH:MM:SSZ)");
  EXPECT_EQ(problems[1], at + "properties.vehicles: expected a whole number >= 0, got -3");
  EXPECT_EQ(problems[2], at + "properties.emergency: expected true or false, got \"yes\"");
  EXPECT_EQ(problems[3],
            at + "geometry.coordinates[1]: expected a position [lon, lat], got [\"x\",33.5]");
  doc = kMovements;
  doc["features"][0]["geometry"] = {{"type", "Point"}, {"coordinates", {36.3, 33.5}}};
  EXPECT_EQ(Problems(ReadMovements(doc, "movements.geojson"))[0],
            at + "geometry.type: expected \"LineString\", got \"Point\"");
}

TEST(AcknowledgementFormatTest, ReadsAndWrites) {
  const json j = json::parse(R"({"kind": "movement", "notification": "convoy-17",
      "party": "armed-opposition", "response": "rejected", "reason": "active front line",
      "at": "2017-08-08T10:00:00Z"})");
  auto a = AcknowledgementFromJson(j, "acks.json item 0");
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a->response(), AckResponse::kRejected);
  EXPECT_EQ(AcknowledgementToJson(*a), j);
  // `at` may come from the server's clock.
  json no_time = j;
  no_time.erase("at");
  EXPECT_EQ(AcknowledgementFromJson(no_time, "body", T("2017-08-08"))->at(), T("2017-08-08"));
  EXPECT_EQ(Problems(AcknowledgementFromJson(no_time, "body"))[0],
            "body: at: required (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ)");
  json bad = j;
  bad["kind"] = "zone";
  bad.erase("reason");
  const auto problems = Problems(ReadJsonItems<Acknowledgement>(
      json::array({j, bad}), "acks.json",
      [](const json& o, const std::string& where) { return AcknowledgementFromJson(o, where); }));
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0], "acks.json item 1: kind: expected \"site\" or \"movement\", got 'zone'");
}

TEST(AcknowledgementFormatTest, StatusShape) {
  AcknowledgementStatus s;
  s.kind = NotificationKind::kSite;
  s.notification = "jabriyeh-hospital";
  s.party = "russia";
  s.state = AckState::kOverdue;
  s.notified_at = T("2017-05-30T12:00:00Z");
  s.due = T("2017-05-31T12:00:00Z");
  EXPECT_EQ(AcknowledgementStatusToJson(s), json::parse(R"({"kind":"site",
      "notification":"jabriyeh-hospital","party":"russia","state":"overdue",
      "notified_at":"2017-05-30T12:00:00Z","due":"2017-05-31T12:00:00Z","answered_at":null,
      "reason":"","late":false})"));
}

TEST(OutcomeFormatTest, ReadsWritesAndValidates) {
  const json j = json::parse(R"({"movement": "convoy-17", "status": "partial",
      "reason": "surgical kits removed at the checkpoint", "reported_by": "sarc",
      "reported_at": "2017-08-10T19:00:00Z"})");
  auto o = DeliveryOutcomeFromJson(j, "outcomes.json item 0");
  ASSERT_TRUE(o.ok()) << o.error().message;
  EXPECT_EQ(o->status(), DeliveryStatus::kPartial);
  EXPECT_EQ(DeliveryOutcomeToJson(*o), j);
  json bad = j;
  bad["status"] = "blocked";
  bad["reason"] = "";
  EXPECT_EQ(Problems(DeliveryOutcomeFromJson(bad, "outcomes.json item 3"))[0],
            "outcomes.json item 3 (movement 'convoy-17'): reason: required when the status is "
            "'blocked'");
}

TEST(AlertFormatTest, KeysInTheIssuesOrder) {
  Alert a;
  a.id = "al_0123456789abcdef";
  a.kind = NotificationKind::kSite;
  a.target = "jabriyeh-hospital";
  a.organisation = "SAMS";
  a.cause = AlertCause::kReport;
  a.report = "SYR1234";
  a.distance = Meters{812.3456};
  a.nearest = Meters{0};
  a.radius = Meters{2000};
  a.alert_distance = Meters{1000};
  a.verdict = Verdict::kPossible;
  a.time = T("2017-07-01");
  a.until = T("2017-07-02");
  a.where = LatLng(36.2, 37.15);
  a.after_notice = true;
  EXPECT_EQ(AlertToJson(a).dump(),
            R"({"kind":"site","target":"jabriyeh-hospital","report":"SYR1234","distance_m":812.35,)"
            R"("verdict":"possible","time":"2017-07-01T00:00:00Z","id":"al_0123456789abcdef",)"
            R"("cause":"report","until":"2017-07-02T00:00:00Z","nearest_m":0.0,"radius_m":2000.0,)"
            R"("alert_distance_m":1000.0,"organisation":"SAMS","lat":36.2,"lon":37.15,)"
            R"("after_notice":true})");
  a.cause = AlertCause::kFlight;
  a.icao24 = "7380c3";
  a.callsign = "SYR501";
  a.altitude = Meters{1500};
  a.until.reset();
  a.after_notice.reset();
  const nlohmann::ordered_json f = AlertToJson(a);
  std::vector<std::string> keys;
  for (const auto& [k, v] : f.items()) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"kind", "target", "icao24", "distance_m", "verdict",
                                            "time", "id", "cause", "nearest_m", "alert_distance_m",
                                            "organisation", "callsign", "altitude_m", "time_ms",
                                            "lat", "lon", "after_notice"}));
  EXPECT_EQ(AlertToFeature(a)["geometry"]["coordinates"], json::parse("[37.15, 36.2]"));
}

TEST(ScenarioPolicyFormatTest, ReadsTheDeconflictionBlock) {
  const json doc = json::parse(R"({"format": "truce-scenario/1", "id": "t", "zones": ["z.geojson"],
      "parties": [{"id": "gov"}, {"id": "un"}],
      "deconfliction": {"buffer_m": 5000, "acknowledgement_hours": 12,
                        "parties": [{"party": "un", "all": true},
                                    {"party": "gov", "zones": ["idlib"], "buffer_m": 2000}]}})");
  ScenarioSpec spec;
  std::vector<std::string> problems;
  ReadScenarioRegister(doc, "scenario.json", spec, problems);
  EXPECT_TRUE(problems.empty()) << ::testing::PrintToString(problems);
  const DeconflictionPolicy& p = spec.deconfliction;
  EXPECT_EQ(p.buffer.value, 5000);
  EXPECT_EQ(p.acknowledgement_due, std::chrono::hours(12));
  ASSERT_EQ(p.grants.size(), 2u);
  EXPECT_TRUE(p.grants[0].all);
  EXPECT_EQ(*p.grants[1].zones, std::vector<std::string>{"idlib"});
  EXPECT_EQ(p.grants[1].buffer->value, 2000);

  const json bad = json::parse(R"({"format": "truce-scenario/1", "id": "t", "zones": ["z.geojson"],
      "deconfliction": {"buffer_m": "far", "acknowledgement_hours": 1.5,
                        "parties": [{"all": 1}, 7]}})");
  ScenarioSpec spec2;
  problems.clear();
  ReadScenarioRegister(bad, "scenario.json", spec2, problems);
  EXPECT_EQ(problems, (std::vector<std::string>{
                          "scenario.json: deconfliction.buffer_m: expected a number of metres, "
                          "got \"far\"",
                          "scenario.json: deconfliction.acknowledgement_hours: expected a whole "
                          "number of hours, got 1.5",
                          "scenario.json: deconfliction: parties[0].party: required string",
                          "scenario.json: deconfliction: parties[0].all: expected true or false, "
                          "got 1",
                          "scenario.json: deconfliction: parties[1]: expected an object"}));
}

}  // namespace
}  // namespace truce::formats
