#include "truce/zone_index.h"

#include <cmath>
#include <random>
#include <thread>

#include <geos_c.h>
#include <gtest/gtest.h>

#include "geos_bridge.h"
#include "truce/text_format.h"
#include "truce/zone_lookup.h"

namespace truce {
namespace {

UtcTime T(const char* s) { return *ParseUtcTime(s); }

ZoneVersion Make(std::string zone, int version, const MultiPolygon& shape, const char* from,
                 const char* to = nullptr) {
  ZoneVersionSpec s;
  s.origin = "test";
  s.zone = std::move(zone);
  s.version = version;
  s.valid_from = T(from);
  if (to) s.valid_to = T(to);
  s.shape = shape;
  auto v = ZoneVersion::Create(std::move(s));
  EXPECT_TRUE(v.ok()) << (v.ok() ? "" : v.error().message);
  return std::move(v).value();
}

ZoneVersion Make(std::string zone, int version, const char* shape, const char* from,
                 const char* to = nullptr) {
  return Make(std::move(zone), version, MakeMultiPolygonOrDie(shape), from, to);
}

std::vector<std::string> Names(const std::vector<const ZoneVersion*>& hits) {
  std::vector<std::string> out;
  for (const ZoneVersion* v : hits) out.push_back(v->zone() + "#" + std::to_string(v->version()));
  return out;
}

// GEOS's answer for one version, time ignored: the reference for LocateIn.
class GeosShapes {
 public:
  explicit GeosShapes(std::span<const ZoneVersion> versions) {
    for (const ZoneVersion& v : versions) {
      shapes_.push_back(detail::ToGeos(ctx_, v.shape()).value());
      prepared_.push_back(detail::Prepare(ctx_, *shapes_.back()));
    }
  }
  PointLocation Locate(LatLng p, size_t version) const {
    auto point = detail::MakePoint(ctx_, p);
    if (GEOSPreparedContainsProperly_r(ctx_.handle(), prepared_[version].get(), point.get()) == 1)
      return PointLocation::kInterior;
    if (GEOSPreparedIntersects_r(ctx_.handle(), prepared_[version].get(), point.get()) == 1)
      return PointLocation::kBoundary;
    return PointLocation::kExterior;
  }

 private:
  detail::GeosContext ctx_;
  std::vector<detail::GeomPtr> shapes_;
  std::vector<detail::PreparedPtr> prepared_;
};

class ZoneIndexTest : public ::testing::Test {
 protected:
  // As in zone_lookup_test.cc: a square with a hole, the same zone shrunk in version 2, and a
  // neighbour sharing an edge.
  std::vector<ZoneVersion> versions_ = [] {
    std::vector<ZoneVersion> v;
    v.push_back(
        Make("a", 1, "0:0, 0:10, 10:10, 10:0; 4:4, 4:6, 6:6, 6:4", "2017-05-06", "2017-07-22"));
    v.push_back(Make("a", 2, "0:0, 0:5, 10:5, 10:0", "2017-07-22"));
    v.push_back(Make("b", 1, "0:10, 0:20, 10:20, 10:10", "2017-05-06"));
    return v;
  }();
  ZoneIndex index_{versions_};
};

TEST_F(ZoneIndexTest, InteriorHoleAndOutside) {
  EXPECT_EQ(Names(index_.Locate(LatLng(2, 2), T("2017-06-01"))), std::vector<std::string>{"a#1"});
  EXPECT_TRUE(index_.Locate(LatLng(5, 5), T("2017-06-01")).empty());  // in the hole
  EXPECT_TRUE(index_.Locate(LatLng(-1, 2), T("2017-06-01")).empty());
  EXPECT_TRUE(index_.Locate(LatLng(45, 120), T("2017-06-01")).empty());
}

TEST_F(ZoneIndexTest, BoundaryCountsAsInside) {
  EXPECT_EQ(Names(index_.Locate(LatLng(3, 10), T("2017-06-01"))),
            (std::vector<std::string>{"a#1", "b#1"}));
  EXPECT_EQ(Names(index_.Locate(LatLng(4, 5), T("2017-06-01"))), std::vector<std::string>{"a#1"});
  EXPECT_EQ(Names(index_.Locate(LatLng(0, 0), T("2017-06-01"))), std::vector<std::string>{"a#1"});
  EXPECT_EQ(index_.LocateIn(LatLng(4, 5), 0), PointLocation::kBoundary);
  EXPECT_EQ(index_.LocateIn(LatLng(5, 5), 0), PointLocation::kExterior);
  EXPECT_EQ(index_.LocateIn(LatLng(3, 3), 0), PointLocation::kInterior);
  EXPECT_EQ(index_.LocateIn(LatLng(10, 20), 2), PointLocation::kBoundary);  // a corner
}

TEST_F(ZoneIndexTest, TimeSelectsTheVersion) {
  EXPECT_TRUE(index_.Locate(LatLng(2, 2), T("2017-05-05")).empty());
  EXPECT_EQ(Names(index_.Locate(LatLng(2, 2), T("2017-07-22"))), std::vector<std::string>{"a#2"});
  EXPECT_EQ(Names(index_.Locate(LatLng(8, 2), T("2017-07-21T23:59:59Z"))),
            std::vector<std::string>{"a#1"});
  EXPECT_TRUE(index_.Locate(LatLng(2, 8), T("2017-07-22")).empty());
}

TEST_F(ZoneIndexTest, GridOfExactBoundaryPointsMatchesGeos) {
  // Every point of a 1/8-degree lattice hits edges, vertices and hole corners exactly; the
  // 1-ulp neighbours test the cells' margins.
  GeosZoneLocator geos(versions_);
  GeosShapes shapes(versions_);
  const UtcTime times[] = {T("2017-06-01"), T("2017-08-01"), T("2017-01-01")};
  std::vector<const ZoneVersion*> got, want;
  int checked = 0;
  for (int i = -8; i <= 168; ++i) {
    for (int j = -8; j <= 168; ++j) {
      const double lat = i / 8.0, lng = j / 8.0;
      for (double dlat : {0.0, 1.0, -1.0}) {
        const LatLng p(dlat == 0 ? lat : std::nextafter(lat, dlat * 100), lng);
        for (UtcTime t : times) {
          index_.Locate(p, t, got);
          geos.Locate(p, t, want);
          ASSERT_EQ(got, want) << p.lat() << "," << p.lng();
        }
        for (size_t v = 0; v < versions_.size(); ++v) {
          ASSERT_EQ(index_.LocateIn(p, v), shapes.Locate(p, v)) << p.lat() << "," << p.lng();
        }
        ++checked;
      }
    }
  }
  EXPECT_EQ(checked, 177 * 177 * 3);
}

TEST(ZoneIndexEmptyTest, NoVersionsLocatesNothing) {
  std::vector<ZoneVersion> none;
  ZoneIndex index(none);
  EXPECT_TRUE(index.Locate(LatLng(1, 1), T("2017-06-01")).empty());
  EXPECT_EQ(index.stats().boundary_leaves, 0u);
}

// Star-shaped polygons with many vertices, holes and multipolygon parts, and points on,
// next to and away from their edges: every answer against GEOS, under several tunings
// (a leaf at every top cell, very deep tries) so each code path decides some points.
class ZoneIndexRandomTest : public ::testing::TestWithParam<ZoneIndexOptions> {};

MultiPolygon Star(std::mt19937_64& rng, double clat, double clng, double r, int n) {
  std::uniform_real_distribution<double> radius(0.3 * r, r);
  Polygon poly;
  Ring outer;
  for (int k = 0; k < n; ++k) {
    const double a = 2 * M_PI * k / n, rr = radius(rng);
    outer.emplace_back(clat + rr * std::sin(a), clng + rr * std::cos(a));
  }
  outer.push_back(outer.front());
  poly.rings.push_back(outer);
  // A square hole well inside the inner radius.
  const double h = 0.1 * r;
  poly.rings.push_back(Ring{LatLng(clat - h, clng - h), LatLng(clat + h, clng - h),
                            LatLng(clat + h, clng + h), LatLng(clat - h, clng + h),
                            LatLng(clat - h, clng - h)});
  MultiPolygon mp;
  mp.polygons.push_back(poly);
  // A second part: a small triangle off to the east touching nothing.
  mp.polygons.push_back(
      Polygon{{Ring{LatLng(clat, clng + 1.2 * r), LatLng(clat + 0.1 * r, clng + 1.4 * r),
                    LatLng(clat - 0.1 * r, clng + 1.4 * r), LatLng(clat, clng + 1.2 * r)}}});
  return NormalizeOrientation(std::move(mp));
}

TEST_P(ZoneIndexRandomTest, PointsOnAndNearEdgesMatchGeos) {
  std::mt19937_64 rng(42);
  std::vector<ZoneVersion> versions;
  versions.push_back(Make("s1", 1, Star(rng, 35.0, 38.0, 0.5, 300), "2017-01-01"));
  versions.push_back(Make("s2", 1, Star(rng, 35.3, 38.4, 0.4, 200), "2017-01-01"));
  versions.push_back(Make("s3", 1, Star(rng, 34.6, 37.5, 0.3, 50), "2017-01-01", "2018-01-01"));
  ZoneIndex index(versions, GetParam());
  GeosZoneLocator geos(versions);
  GeosShapes shapes(versions);
  std::vector<LatLng> points;
  std::uniform_real_distribution<double> u(0, 1), lat(34.0, 36.0), lng(37.0, 39.5);
  for (const ZoneVersion& v : versions) {
    for (const Polygon& poly : v.shape().polygons) {
      for (const Ring& ring : poly.rings) {
        for (size_t i = 0; i + 1 < ring.size(); ++i) {
          const LatLng a = ring[i], b = ring[i + 1];
          points.push_back(a);
          const double s = u(rng);
          points.emplace_back(a.lat() + s * (b.lat() - a.lat()), a.lng() + s * (b.lng() - a.lng()));
          points.emplace_back(std::nextafter(a.lat(), 90.0), a.lng());
          points.emplace_back(a.lat() + 1e-9, a.lng() - 1e-9);
          points.emplace_back((a.lat() + b.lat()) / 2,
                              std::nextafter((a.lng() + b.lng()) / 2, -180.0));
        }
      }
    }
  }
  for (int n = 0; n < 20000; ++n) points.emplace_back(lat(rng), lng(rng));
  std::vector<const ZoneVersion*> got, want;
  int boundary = 0;
  for (const LatLng& p : points) {
    for (UtcTime t : {T("2017-06-01"), T("2019-01-01")}) {
      index.Locate(p, t, got);
      geos.Locate(p, t, want);
      ASSERT_EQ(got, want) << p.lat() << "," << p.lng();
    }
    for (size_t v = 0; v < versions.size(); ++v) {
      const PointLocation l = index.LocateIn(p, v);
      ASSERT_EQ(l, shapes.Locate(p, v)) << p.lat() << "," << p.lng() << " version " << v;
      boundary += l == PointLocation::kBoundary;
    }
  }
  EXPECT_GT(boundary, 500);  // vertices, at least

  // The batch form gives the same answers, with one time for all points or one per point.
  std::vector<UtcTime> times;
  for (size_t i = 0; i < points.size(); ++i) {
    times.push_back(i % 3 == 0 ? T("2019-01-01")
                               : (i % 3 == 1 ? T("2017-06-01") : T("2016-01-01")));
  }
  points.emplace_back(10.0, 10.0);  // outside the bounding box, clamped into the grid
  points.emplace_back(-89.0, 179.0);
  times.resize(points.size(), T("2017-06-01"));
  std::vector<uint32_t> offsets;
  std::vector<const ZoneVersion*> all;
  for (bool one_time : {true, false}) {
    index.LocateAll(points, one_time ? std::span<const UtcTime>(times).first(1) : times, offsets,
                    all);
    ASSERT_EQ(offsets.size(), points.size() + 1);
    for (size_t i = 0; i < points.size(); ++i) {
      index.Locate(points[i], one_time ? times[0] : times[i], got);
      ASSERT_EQ(
          std::vector<const ZoneVersion*>(all.begin() + offsets[i], all.begin() + offsets[i + 1]),
          got)
          << i;
    }
    EXPECT_EQ(offsets.back(), all.size());
    // The port's default LocateAll (GEOS's, one Locate per point) gives the same lists.
    const ZoneLocator& port = geos;
    std::vector<uint32_t> geos_offsets;
    std::vector<const ZoneVersion*> geos_all;
    port.LocateAll(points, one_time ? std::span<const UtcTime>(times).first(1) : times,
                   geos_offsets, geos_all);
    EXPECT_EQ(geos_offsets, offsets);
    EXPECT_EQ(geos_all, all);
  }
}

INSTANTIATE_TEST_SUITE_P(Tunings, ZoneIndexRandomTest,
                         ::testing::Values(ZoneIndexOptions{}, ZoneIndexOptions{1000, 0, 0},
                                           ZoneIndexOptions{3, 2, 6}, ZoneIndexOptions{3, 0, 3}),
                         [](const ::testing::TestParamInfo<ZoneIndexOptions>& info) {
                           return "Edges" + std::to_string(info.param.max_edges_per_leaf) +
                                  "MinDepth" + std::to_string(info.param.min_boundary_depth) +
                                  "MaxDepth" + std::to_string(info.param.max_depth);
                         });

// A zone a few centimetres across, far from 0,0: its deepest cells are far smaller than the
// rounding of its coordinates, which the cells' margin must absorb. And zones west of Greenwich
// and south of the equator, straddling both.
TEST(ZoneIndexExtremesTest, TinyAndStraddlingZonesMatchGeos) {
  std::vector<ZoneVersion> versions;
  const double lat = 35.123456789, lng = 36.987654321, d = 3e-7;
  versions.push_back(
      Make("tiny", 1,
           MultiPolygon{{Polygon{{Ring{LatLng(lat, lng), LatLng(lat, lng + d),
                                       LatLng(lat + 0.7 * d, lng + 0.3 * d), LatLng(lat, lng)}}}}},
           "2017-01-01"));
  versions.push_back(Make("straddle", 1, "-0.5:-0.7, -0.5:0.3, 0.25:0.3, 0.25:-0.7", "2017-01-01"));
  versions.push_back(Make("west", 1, "-33.9:-70.7, -33.2:-70.9, -33.5:-70.1", "2017-01-01"));
  GeosShapes shapes(versions);
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> u(-0.2, 1.2);
  std::uniform_int_distribution<int> ulps(-4, 4);
  for (size_t v = 0; v < versions.size(); ++v) {
    std::vector<ZoneVersion> one;
    one.push_back(versions[v]);
    ZoneIndex index(one, ZoneIndexOptions{2, 2, 11});
    const LatLngRect& b = versions[v].bounds();
    const Ring& ring = versions[v].shape().polygons[0].rings[0];
    for (int n = 0; n < 20000; ++n) {
      double plat, plng;
      if (n % 2 == 0) {
        // Near an edge: a point along it, nudged by a few ulps.
        const LatLng a = ring[n / 2 % (ring.size() - 1)], c = ring[n / 2 % (ring.size() - 1) + 1];
        const double t = u(rng);
        plat = a.lat() + t * (c.lat() - a.lat());
        plng = a.lng() + t * (c.lng() - a.lng());
        for (int k = ulps(rng); k != 0; k += k > 0 ? -1 : 1) plat = std::nextafter(plat, k * 100.0);
      } else {
        plat = b.lat_lo + u(rng) * (b.lat_hi - b.lat_lo);
        plng = b.lng_lo + u(rng) * (b.lng_hi - b.lng_lo);
      }
      const LatLng p(plat, plng);
      ASSERT_EQ(index.LocateIn(p, 0), shapes.Locate(p, v))
          << versions[v].zone() << " " << plat << "," << plng;
    }
  }
}

TEST(ZoneIndexConcurrencyTest, ConcurrentLookupsAgree) {
  std::mt19937_64 rng(5);
  std::vector<ZoneVersion> versions;
  versions.push_back(Make("s", 1, Star(rng, 35.0, 38.0, 0.5, 500), "2017-01-01"));
  ZoneIndex index(versions);
  std::vector<LatLng> points;
  std::uniform_real_distribution<double> lat(34.3, 35.7), lng(37.3, 38.8);
  for (int n = 0; n < 50000; ++n) points.emplace_back(lat(rng), lng(rng));
  std::vector<char> expected;
  for (const LatLng& p : points) expected.push_back(!index.Locate(p, T("2017-06-01")).empty());
  std::vector<int> mismatches(4, 0);
  std::vector<std::thread> threads;
  for (int k = 0; k < 4; ++k) {
    threads.emplace_back([&, k] {
      std::vector<const ZoneVersion*> hits;
      for (size_t i = 0; i < points.size(); ++i) {
        index.Locate(points[i], T("2017-06-01"), hits);
        mismatches[k] += (!hits.empty()) != (expected[i] != 0);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(mismatches, std::vector<int>(4, 0));
}

TEST(ZoneIndexFactoryTest, MakeZoneLocatorReturnsTheIndex) {
  std::vector<ZoneVersion> versions;
  versions.push_back(Make("a", 1, "0:0, 0:10, 10:10, 10:0", "2017-05-06"));
  std::unique_ptr<ZoneLocator> locator = MakeZoneLocator(versions);
  ASSERT_NE(dynamic_cast<ZoneIndex*>(locator.get()), nullptr);
  EXPECT_EQ(locator->Locate(LatLng(5, 5), T("2017-06-01")).size(), 1u);
  EXPECT_EQ(locator->Locate(LatLng(10, 10), T("2017-06-01")).size(), 1u);
  EXPECT_TRUE(locator->Locate(LatLng(5, 5), T("2017-05-05")).empty());
  const ZoneIndexStats& s = static_cast<ZoneIndex*>(locator.get())->stats();
  EXPECT_GT(s.bytes, 256u * 256u * 4u);
  EXPECT_GT(s.boundary_leaves, 0u);
}

}  // namespace
}  // namespace truce
