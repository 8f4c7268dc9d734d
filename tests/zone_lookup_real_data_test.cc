// The exact zone lookup against brute-force GEOS on real Syrian sub-districts: 272 OCHA adm3
// polygons (129k vertices) as zones, over a million points that are real places, real aircraft
// tracks, polygon vertices, edge midpoints, points 1e-9 degrees off vertices, and uniform
// random points.
#include <random>

#include <geos_c.h>
#include <gtest/gtest.h>

#include "formats/csv.h"
#include "formats/geojson.h"
#include "formats/points_csv.h"
#include "shared_data.h"
#include "truce/zone_lookup.h"

namespace truce {
namespace {

using nlohmann::json;
constexpr const char* kAdm3 = "boundaries/ocha_cod_ab_syr_2016/syr_admin3.geojson";

UtcTime T(const char* s) { return *ParseUtcTime(s); }

// Each sub-district becomes a zone (id = PCODE). Alternate features get different validity so
// the lookup's time filter is exercised on real shapes too.
std::vector<ZoneVersion> LoadAdm3Zones() {
  const json doc = testing::LoadSharedJson(kAdm3);
  std::vector<ZoneVersion> out;
  const json& features = doc["features"];
  for (size_t i = 0; i < features.size(); ++i) {
    ZoneVersionSpec spec;
    spec.origin = "adm3 feature " + std::to_string(i);
    spec.zone = features[i]["properties"]["PCODE"].get<std::string>();
    spec.name = features[i]["properties"]["NAME_EN"].get<std::string>();
    spec.valid_from = T(i % 2 == 0 ? "2017-05-06" : "2017-09-15");
    if (i % 2 == 0) spec.valid_to = T("2018-01-01");
    std::vector<std::string> problems;
    EXPECT_TRUE(formats::ParseGeometry(features[i]["geometry"], spec.origin, spec.shape, problems));
    auto v = ZoneVersion::Create(std::move(spec));
    EXPECT_TRUE(v.ok()) << (v.ok() ? "" : v.error().problems.at(0).ToString());
    if (v.ok()) out.push_back(std::move(v).value());
  }
  return out;
}

struct Probe {
  LatLng p;
  UtcTime t;
};

// Real ADS-B tracks moved onto Syria: the shapes and spacing of real flights, over real zones.
void AddShiftedFlights(const char* relative, double dlat, double dlng, std::vector<LatLng>& out) {
  const json records = testing::LoadSharedJson(relative);
  for (const json& r : records) {
    if (!r["latitude"].is_number() || !r["longitude"].is_number()) continue;
    const double lat = r["latitude"].get<double>() + dlat,
                 lng = r["longitude"].get<double>() + dlng;
    if (LatLng::IsValid(lat, lng)) out.emplace_back(lat, lng);
  }
}

class RealDataLookupTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!std::filesystem::exists(testing::SharedDataPath(kAdm3))) return;
    zones_ = new std::vector<ZoneVersion>(LoadAdm3Zones());
  }
  static void TearDownTestSuite() {
    delete zones_;
    zones_ = nullptr;
  }
  static std::vector<ZoneVersion>* zones_;
};
std::vector<ZoneVersion>* RealDataLookupTest::zones_ = nullptr;

TEST_F(RealDataLookupTest, Adm3LoadsAsValidZones) {
  TRUCE_REQUIRE_SHARED_DATA(kAdm3);
  ASSERT_EQ(zones_->size(), 272u);
  size_t vertices = 0;
  for (const ZoneVersion& v : *zones_) vertices += v.shape().VertexCount();
  EXPECT_EQ(vertices, 129060u);
}

TEST_F(RealDataLookupTest, KnownPlacesFallInTheirSubDistricts) {
  TRUCE_REQUIRE_SHARED_DATA(kAdm3);
  GeosZoneLocator locator(*zones_);
  const UtcTime t = T("2017-10-01");  // both halves in force
  auto only = [&](LatLng p) {
    auto hits = locator.Locate(p, t);
    return hits.size() == 1 ? hits[0]->name() : std::to_string(hits.size()) + " hits";
  };
  EXPECT_EQ(only(LatLng(33.5102, 36.29128)), "Damascus");
  EXPECT_EQ(only(LatLng(33.57175, 36.4027)), "Duma");
  EXPECT_EQ(only(LatLng(34.92667, 36.73241)), "Ar-Rastan");
  EXPECT_EQ(only(LatLng(33.8938, 35.5018)), "0 hits");  // Beirut
}

TEST_F(RealDataLookupTest, MillionPointsMatchBruteForceGeos) {
  TRUCE_REQUIRE_SHARED_DATA(kAdm3);
  TRUCE_REQUIRE_SHARED_DATA("flights/traffic_collections_switzerland.json.gz");
  std::vector<LatLng> points;
  // Real places.
  for (const json& g : testing::LoadSharedJson("gazetteer/geonames_cities_SY.json")) {
    points.emplace_back(std::stod(g["lat"].get<std::string>()),
                        std::stod(g["lng"].get<std::string>()));
  }
  {
    auto text = formats::ReadTextFile(
        testing::SharedDataPath("gazetteer/ocha_city_neighbourhoods_points.csv"));
    ASSERT_TRUE(text.ok());
    auto table = formats::ParseCsv(*text, "neighbourhoods");
    ASSERT_TRUE(table.ok());
    const size_t lat = *table->Column("LATITUDE"), lng = *table->Column("LONGITUDE");
    for (const auto& r : table->records)
      points.emplace_back(std::stod(r.fields[lat]), std::stod(r.fields[lng]));
  }
  const size_t places = points.size();
  // Real aircraft tracks, moved from over Switzerland and France onto Syria.
  AddShiftedFlights("flights/traffic_collections_switzerland.json.gz", 35.0 - 46.8, 38.0 - 8.2,
                    points);
  AddShiftedFlights("flights/traffic_collections_savan.json.gz", 35.0 - 44.0, 38.0 - 4.0, points);
  // Vertices, edge midpoints and points a hair off the vertices.
  std::mt19937_64 rng(20170504);
  std::uniform_int_distribution<int> sign(0, 1);
  for (const ZoneVersion& v : *zones_) {
    for (const Polygon& poly : v.shape().polygons) {
      for (const Ring& ring : poly.rings) {
        for (size_t i = 0; i + 1 < ring.size(); ++i) {
          const LatLng a = ring[i], b = ring[i + 1];
          points.push_back(a);
          points.emplace_back((a.lat() + b.lat()) / 2, (a.lng() + b.lng()) / 2);
          points.emplace_back(a.lat() + (sign(rng) ? 1e-9 : -1e-9),
                              a.lng() + (sign(rng) ? 1e-9 : -1e-9));
        }
      }
    }
  }
  // Uniform in Syria's bounding box.
  std::uniform_real_distribution<double> lat(32.3, 37.4), lng(35.6, 42.4);
  while (points.size() < 1'100'000) points.emplace_back(lat(rng), lng(rng));
  ASSERT_GE(points.size(), 1'000'000u);

  const UtcTime times[] = {T("2017-01-01"), T("2017-06-01"), T("2017-10-01"), T("2018-06-01")};
  GeosZoneLocator locator(*zones_);

  // The brute-force oracle: every version, own validity and bounding-box checks, then GEOS's
  // prepared covers predicate (the locator uses an STRtree and prepared intersects).
  GEOSContextHandle_t ctx = GEOS_init_r();
  std::vector<GEOSGeometry*> shapes;
  std::vector<const GEOSPreparedGeometry*> prepared;
  for (const ZoneVersion& v : *zones_) {
    const json geometry = formats::GeometryToJson(v.shape());
    GEOSGeoJSONReader* reader = GEOSGeoJSONReader_create_r(ctx);
    shapes.push_back(GEOSGeoJSONReader_readGeometry_r(ctx, reader, geometry.dump().c_str()));
    GEOSGeoJSONReader_destroy_r(ctx, reader);
    ASSERT_NE(shapes.back(), nullptr);
    prepared.push_back(GEOSPrepare_r(ctx, shapes.back()));
  }
  size_t mismatches = 0, inside = 0, on_two = 0;
  std::vector<const ZoneVersion*> hits;
  for (size_t i = 0; i < points.size(); ++i) {
    const LatLng p = points[i];
    const UtcTime t = times[i % 4];
    locator.Locate(p, t, hits);
    GEOSGeometry* point = GEOSGeom_createPointFromXY_r(ctx, p.lng(), p.lat());
    std::vector<const ZoneVersion*> expected;
    for (size_t z = 0; z < zones_->size(); ++z) {
      const ZoneVersion& v = (*zones_)[z];
      if (!v.validity().Contains(t) || !v.bounds().Contains(p)) continue;
      if (GEOSPreparedCovers_r(ctx, prepared[z], point) == 1) expected.push_back(&v);
    }
    GEOSGeom_destroy_r(ctx, point);
    inside += !expected.empty();
    on_two += expected.size() > 1;
    if (hits != expected && ++mismatches <= 10) {
      ADD_FAILURE() << "point " << i << " (" << p.lat() << "," << p.lng() << ") at "
                    << FormatUtcTime(t) << ": locator " << hits.size() << " hits, GEOS "
                    << expected.size();
    }
  }
  EXPECT_EQ(mismatches, 0u);
  // The corpus must actually exercise both sides and the shared boundaries.
  EXPECT_GT(inside, points.size() / 4);
  EXPECT_GT(on_two, 10'000u);
  EXPECT_GT(places, 700u);
  for (auto* p : prepared) GEOSPreparedGeom_destroy_r(ctx, p);
  for (auto* g : shapes) GEOSGeom_destroy_r(ctx, g);
  GEOS_finish_r(ctx);
  RecordProperty("points", static_cast<int>(points.size()));
  std::printf("checked %zu points: %zu inside a zone in force, %zu on a boundary shared by two\n",
              points.size(), inside, on_two);
}

TEST_F(RealDataLookupTest, SampleAgreesWithUnpreparedGeosCovers) {
  // A third, fully independent GEOS path (relate on the plain geometry) on a sample.
  TRUCE_REQUIRE_SHARED_DATA(kAdm3);
  GEOSContextHandle_t ctx = GEOS_init_r();
  GeosZoneLocator locator(*zones_);
  std::mt19937_64 rng(9);
  std::uniform_int_distribution<size_t> pick(0, zones_->size() - 1);
  size_t checked = 0;
  for (int i = 0; i < 1500; ++i) {
    const ZoneVersion& v = (*zones_)[pick(rng)];
    const Ring& ring = v.shape().polygons[0].rings[0];
    const LatLng a = ring[rng() % (ring.size() - 1)];
    const LatLng p = (i % 3 == 0) ? a : LatLng(a.lat() + ((rng() % 2) ? 1e-9 : -1e-9), a.lng());
    const UtcTime t = v.validity().begin();
    auto hits = locator.Locate(p, t);
    const bool found = std::find(hits.begin(), hits.end(), &v) != hits.end();
    const json geometry = formats::GeometryToJson(v.shape());
    GEOSGeoJSONReader* reader = GEOSGeoJSONReader_create_r(ctx);
    GEOSGeometry* shape = GEOSGeoJSONReader_readGeometry_r(ctx, reader, geometry.dump().c_str());
    GEOSGeoJSONReader_destroy_r(ctx, reader);
    GEOSGeometry* point = GEOSGeom_createPointFromXY_r(ctx, p.lng(), p.lat());
    EXPECT_EQ(found, GEOSCovers_r(ctx, shape, point) == 1)
        << v.zone() << " " << p.lat() << "," << p.lng();
    GEOSGeom_destroy_r(ctx, point);
    GEOSGeom_destroy_r(ctx, shape);
    ++checked;
  }
  EXPECT_EQ(checked, 1500u);
  GEOS_finish_r(ctx);
}

}  // namespace
}  // namespace truce
