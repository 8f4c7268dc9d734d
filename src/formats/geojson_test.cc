#include "formats/geojson.h"

#include <gtest/gtest.h>

#include "formats/text_file.h"

namespace truce::formats {
namespace {

using nlohmann::json;

json Feature(json props, json geometry) {
  return {{"type", "Feature"}, {"properties", props}, {"geometry", geometry}};
}
json Square(double lng, double lat, double size, bool clockwise = false) {
  json ring = clockwise ? json::array({{lng, lat},
                                       {lng, lat + size},
                                       {lng + size, lat + size},
                                       {lng + size, lat},
                                       {lng, lat}})
                        : json::array({{lng, lat},
                                       {lng + size, lat},
                                       {lng + size, lat + size},
                                       {lng, lat + size},
                                       {lng, lat}});
  return {{"type", "Polygon"}, {"coordinates", {ring}}};
}
json Collection(std::vector<json> features) {
  return {{"type", "FeatureCollection"}, {"features", features}};
}
bool Has(const Error& e, const std::string& needle) {
  for (const auto& p : e.problems) {
    if (p.ToString().find(needle) != std::string::npos) return true;
  }
  return false;
}

TEST(ReadZoneVersions, ReadsAllPropertiesAndRoundTrips) {
  json doc = Collection({Feature(
      {{"zone", "ghouta"},
       {"name", "Eastern Ghouta"},
       {"version", 2},
       {"valid_from", "2017-07-22"},
       {"valid_to", "2018-04-14T12:00:00Z"},
       {"rules",
        {"ceasefire",
         {{"kind", "no_fly"}, {"agreement", "memo"}, {"clause", "2"}, {"bound", {"gov"}}}}},
       {"max_alt_m", 15000},
       {"source", "src"},
       {"note", "approximate"}},
      Square(36.3, 33.5, 0.2, /*clockwise=*/true))});
  auto versions = ReadZoneVersions(doc, "z.geojson");
  ASSERT_TRUE(versions.ok()) << versions.error().message;
  ASSERT_EQ(versions->size(), 1u);
  const ZoneVersion& v = (*versions)[0];
  EXPECT_EQ(v.zone(), "ghouta");
  EXPECT_EQ(v.version(), 2);
  EXPECT_EQ(FormatUtcTime(v.validity().end()), "2018-04-14T12:00:00Z");
  ASSERT_EQ(v.rules().size(), 2u);
  EXPECT_EQ(v.rules()[1].Citation(), "memo clause 2");
  EXPECT_EQ(v.altitude().max->value, 15000);
  EXPECT_FALSE(v.altitude().min.has_value());
  EXPECT_GT(SignedArea(v.shape().polygons[0].rings[0]), 0);  // normalised to CCW

  const json out = ZoneVersionsToGeoJson({&v});
  EXPECT_EQ(out["features"][0]["properties"]["valid_from"], "2017-07-22T00:00:00Z");
  EXPECT_EQ(out["features"][0]["properties"]["rules"][0], json({{"kind", "ceasefire"}}));
  auto again = ReadZoneVersions(out, "out.geojson");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)[0].shape(), v.shape());
  EXPECT_EQ((*again)[0].rules(), v.rules());
  EXPECT_EQ((*again)[0].validity(), v.validity());
}

TEST(ReadZoneVersions, ListsEveryProblemWithFeatureZoneAndField) {
  json bow = {{"type", "Polygon"}, {"coordinates", {{{0, 0}, {10, 10}, {10, 0}, {0, 10}, {0, 0}}}}};
  json unclosed = {{"type", "Polygon"}, {"coordinates", {{{0, 0}, {1, 0}, {1, 1}, {0, 1}}}}};
  json out_of_range = {{"type", "Polygon"}, {"coordinates", {{{0, 0}, {181, 0}, {1, 1}, {0, 0}}}}};
  json doc = Collection({
      Feature({{"valid_from", "2017-05-06"}}, Square(0, 0, 1)),                 // 0
      Feature({{"zone", "a"}, {"valid_from", "6 May 2017"}}, Square(0, 0, 1)),  // 1
      Feature({{"zone", "b"}, {"valid_from", "2017-05-06"}, {"valid_to", "2017-05-01"}},
              Square(0, 0, 1)),  // 2
      Feature({{"zone", "c"}, {"valid_from", "2017-05-06"}, {"rules", {"safe_zone"}}},
              Square(0, 0, 1)),                                              // 3
      Feature({{"zone", "d"}, {"valid_from", "2017-05-06"}}, bow),           // 4
      Feature({{"zone", "e"}, {"valid_from", "2017-05-06"}}, unclosed),      // 5
      Feature({{"zone", "f"}, {"valid_from", "2017-05-06"}}, out_of_range),  // 6
      Feature({{"zone", "g"}, {"valid_from", "2017-05-06"}, {"version", 1.5}},
              {{"type", "Point"}, {"coordinates", {0, 0}}}),  // 7
      Feature({{"zone", "h"}}, Square(0, 0, 1)),              // 8
  });
  auto versions = ReadZoneVersions(doc, "z.geojson");
  ASSERT_FALSE(versions.ok());
  const Error& e = versions.error();
  EXPECT_TRUE(Has(e, "z.geojson feature 0: properties.zone: required"));
  EXPECT_TRUE(
      Has(e, "z.geojson feature 1 (zone 'a'): properties.valid_from: bad time '6 May 2017'"));
  EXPECT_TRUE(Has(e,
                  "z.geojson feature 2 (zone 'b' version 1): valid_to: 2017-05-01T00:00:00Z is not "
                  "after valid_from"));
  EXPECT_TRUE(Has(
      e, "z.geojson feature 3 (zone 'c'): properties.rules[0]: unknown rule kind \"safe_zone\""));
  EXPECT_TRUE(Has(e, "z.geojson feature 4 (zone 'd' version 1): polygon 0: Self-intersection"));
  EXPECT_TRUE(Has(e, "z.geojson feature 5 (zone 'e' version 1): polygon 0 ring 0: not closed"));
  EXPECT_TRUE(Has(
      e,
      "z.geojson feature 6 (zone 'f'): geometry.coordinates[0][1]: position [181,0] out of range"));
  EXPECT_TRUE(Has(
      e, "z.geojson feature 7 (zone 'g'): properties.version: expected an integer >= 1, got 1.5"));
  EXPECT_TRUE(Has(e,
                  "z.geojson feature 7 (zone 'g'): geometry.type: expected \"Polygon\" or "
                  "\"MultiPolygon\", got \"Point\""));
  EXPECT_TRUE(Has(e, "z.geojson feature 8 (zone 'h'): properties.valid_from: required"));
  EXPECT_EQ(e.problems.size(), 10u) << e.message;
}

TEST(ReadZoneVersions, TextPropertiesFollowThePolicy) {
  json doc = Collection({
      Feature({{"zone", "gh\u202Eouta"}, {"valid_from", "2017-05-06"}}, Square(0, 0, 1)),
      Feature({{"zone", "ok"},
               {"valid_from", "2017-05-06"},
               {"note", "\u0645\u064a\u200c\u062e\u0648\u0627\u0647\u0645 line\nbreak"},
               {"name", std::string("a\0b", 3)},
               {"rules", {{{"kind", "ceasefire"}, {"bound", {"p\u200Bq"}}}}}},
              Square(0, 0, 1)),
      Feature({{"zone", std::string(200, 'z')}, {"valid_from", "2017-05-06"}}, Square(0, 0, 1)),
  });
  auto versions = ReadZoneVersions(doc, "z.geojson");
  ASSERT_FALSE(versions.ok());
  const std::vector<std::string> expected = {
      "z.geojson feature 0: properties.zone: contains U+202E (a bidirectional override) at byte "
      "3 (not allowed in an identifier)",
      "z.geojson feature 1 (zone 'ok'): properties.name: contains U+0000 (a control character) "
      "at byte 2",
      "z.geojson feature 1 (zone 'ok'): properties.rules[0].bound: party id contains U+200B (an "
      "invisible character) at byte 2 (not allowed in an identifier)",
      "z.geojson feature 2: properties.zone: is 200 bytes long, at most 128 allowed"};
  EXPECT_EQ(ProblemLines(versions.error()), expected);
}

TEST(ReadZoneVersions, MultiPolygonsFitTheDepthLimit) {
  // A MultiPolygon inside a Feature inside a FeatureCollection inside a scenario bundle is 10
  // levels deep; the JSON limit is 64.
  const std::string bundle =
      R"({"format":"truce-scenario-bundle/1","zones":{"z.geojson":{"type":"FeatureCollection",
      "features":[{"type":"Feature","properties":{"zone":"m","valid_from":"2017-05-06"},
      "geometry":{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]]]}}]}}})";
  auto doc = ParseJson(bundle, "bundle");
  ASSERT_TRUE(doc.ok()) << doc.error().message;
  EXPECT_TRUE(ReadZoneVersions((*doc)["zones"]["z.geojson"], "z").ok());
}

TEST(ReadZoneVersions, RejectsNonCollections) {
  EXPECT_FALSE(ReadZoneVersions(json::array(), "z").ok());
  EXPECT_FALSE(ReadZoneVersions(json{{"type", "Feature"}}, "z").ok());
}

TEST(ParseJson, SyntaxErrorsCarryLineAndColumn) {
  auto j = ParseJson("{\n  \"type\": \"FeatureCollection\",\n  \"features\": [,]\n}", "z.geojson");
  ASSERT_FALSE(j.ok());
  EXPECT_EQ(j.error().message.rfind("z.geojson:3:16: invalid JSON", 0), 0u) << j.error().message;
}

}  // namespace
}  // namespace truce::formats
