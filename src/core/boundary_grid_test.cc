// BoundaryGrid against GEOS: the crossings of random segments with a star-shaped zone with a
// hole equal the points GEOS finds intersecting the segment with the zone's boundary.
#include "boundary_grid.h"

#include <cmath>
#include <numbers>
#include <random>

#include <gtest/gtest.h>

#include "geos_bridge.h"
#include "truce/text_format.h"

namespace truce::detail {
namespace {

TEST(RoundHalfAwayTest, SameAsLlround) {
  // Halves, their neighbours, and values from milliseconds near 2018 to beyond 2^53.
  std::vector<double> values = {0.0,
                                -0.0,
                                0.5,
                                -0.5,
                                1.5,
                                -1.5,
                                2.5,
                                -2.5,
                                0.49999999999999994,
                                -0.49999999999999994,
                                1533081600000.5,
                                -1533081600000.5,
                                0x1p52 + 0.5,
                                0x1p52 + 1.0,
                                0x1p53,
                                0x1p53 + 2.0,
                                -0x1p53,
                                0x1p61,
                                -0x1p61};
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> ms(1.4e12, 1.8e12), small(-4.0, 4.0);
  for (int i = 0; i < 100000; ++i) {
    values.push_back(ms(rng));
    values.push_back(small(rng));
    values.push_back(std::nextafter(std::floor(ms(rng)) + 0.5, 0.0));
    values.push_back(std::floor(ms(rng)) + 0.5);
  }
  for (double x : values) EXPECT_EQ(RoundHalfAway(x), std::llround(x)) << x;
}

TEST(BoundaryGridTest, CrossingsOfASquare) {
  const MultiPolygon square = MakeMultiPolygonOrDie("0:0, 0:1, 1:1, 1:0");
  BoundaryGrid grid(square);
  EXPECT_EQ(grid.edge_count(), 4u);
  std::vector<double> params;
  // West to east along lat 0.5, from lng -1 to 3: in at s = 0.25, out at s = 0.5.
  EXPECT_TRUE(grid.Crossings(LatLng(0.5, -1), LatLng(0.5, 3), params));
  ASSERT_EQ(params.size(), 2u);
  EXPECT_DOUBLE_EQ(params[0], 0.25);
  EXPECT_DOUBLE_EQ(params[1], 0.5);
  // Well inside and well outside: no edge in any cell the segment passes.
  EXPECT_FALSE(grid.Crossings(LatLng(0.4, 0.4), LatLng(0.6, 0.6), params));
  EXPECT_TRUE(params.empty());
  EXPECT_FALSE(grid.Crossings(LatLng(2, 2), LatLng(3, 3), params));
  // Through a vertex: one crossing, not two.
  EXPECT_TRUE(grid.Crossings(LatLng(-1, -1), LatLng(0.5, 0.5), params));
  ASSERT_EQ(params.size(), 1u);
  EXPECT_NEAR(params[0], 2.0 / 3.0, 1e-12);
  // Along an edge: the overlap's ends.
  EXPECT_TRUE(grid.Crossings(LatLng(-0.5, 0), LatLng(0.5, 0), params));
  ASSERT_EQ(params.size(), 2u);
  EXPECT_DOUBLE_EQ(params[0], 0.5);
  EXPECT_DOUBLE_EQ(params[1], 1.0);
  // A point on the boundary: near, no crossing.
  EXPECT_TRUE(grid.Crossings(LatLng(0, 0.5), LatLng(0, 0.5), params));
  EXPECT_TRUE(params.empty());
}

TEST(BoundaryGridTest, NearMeasuresMetresOnTheEllipsoid) {
  // An east-west edge along lat 46; one thousandth of a degree north is 111.2 m there.
  const MultiPolygon shape = MakeMultiPolygonOrDie("46:7, 46:8, 46.5:8, 46.5:7");
  BoundaryGrid grid(shape);
  EXPECT_TRUE(grid.Near(LatLng(46.001, 7.5), Meters{115}));
  EXPECT_FALSE(grid.Near(LatLng(46.001, 7.5), Meters{108}));
  EXPECT_TRUE(grid.Near(LatLng(45.999, 7.5), Meters{115}));  // outside, same distance
  // One thousandth of a degree of longitude at lat 46.25 is 77.2 m.
  EXPECT_TRUE(grid.Near(LatLng(46.25, 8.001), Meters{80}));
  EXPECT_FALSE(grid.Near(LatLng(46.25, 8.001), Meters{74}));
  EXPECT_FALSE(grid.Near(LatLng(46.25, 7.5), Meters{1000}));  // the middle: 28 km from edges
  EXPECT_FALSE(grid.Near(LatLng(10, 10), Meters{1000}));
}

// A star with `points` spikes around (lat0, lng0) and a square hole in the middle.
MultiPolygon Star(double lat0, double lng0, int points) {
  Polygon p;
  Ring outer;
  for (int i = 0; i < 2 * points; ++i) {
    const double a = std::numbers::pi * i / points;
    const double r = i % 2 == 0 ? 1.0 : 0.45;
    outer.emplace_back(lat0 + r * std::sin(a), lng0 + r * std::cos(a));
  }
  outer.push_back(outer.front());
  const double h = 0.1;
  Ring hole = {LatLng(lat0 - h, lng0 - h), LatLng(lat0 + h, lng0 - h), LatLng(lat0 + h, lng0 + h),
               LatLng(lat0 - h, lng0 + h), LatLng(lat0 - h, lng0 - h)};
  p.rings = {outer, hole};
  return NormalizeOrientation(MultiPolygon{{p}});
}

TEST(BoundaryGridTest, RandomSegmentsMatchGeosIntersections) {
  const MultiPolygon star = Star(35, 38, 40);
  ASSERT_TRUE(ValidateMultiPolygon(star, "star").ok());
  BoundaryGrid grid(star);
  GeosContext ctx;
  GEOSContextHandle_t h = ctx.handle();
  auto shape = ToGeos(ctx, star);
  ASSERT_TRUE(shape.ok());
  GeomPtr boundary(GEOSBoundary_r(h, shape->get()), GeomDeleter{h});
  std::mt19937_64 rng(20170504);
  std::uniform_real_distribution<double> lat(33.8, 36.2), lng(36.8, 39.2), step(-0.3, 0.3);
  std::vector<double> params;
  size_t crossings = 0;
  for (int i = 0; i < 4000; ++i) {
    const LatLng a(lat(rng), lng(rng));
    const LatLng b(a.lat() + step(rng), a.lng() + step(rng));
    grid.Crossings(a, b, params);
    double xy[4] = {a.lng(), a.lat(), b.lng(), b.lat()};
    GeomPtr line(GEOSGeom_createLineString_r(h, GEOSCoordSeq_copyFromBuffer_r(h, xy, 2, 0, 0)),
                 GeomDeleter{h});
    GeomPtr meet(GEOSIntersection_r(h, line.get(), boundary.get()), GeomDeleter{h});
    std::vector<double> expected;
    const int n = GEOSGetNumGeometries_r(h, meet.get());
    for (int k = 0; k < n; ++k) {
      const GEOSGeometry* g = GEOSGetGeometryN_r(h, meet.get(), k);
      if (GEOSisEmpty_r(h, g)) continue;
      ASSERT_EQ(GEOSGeomTypeId_r(h, g), GEOS_POINT) << "random segments are not collinear";
      double x = 0, y = 0;
      GEOSGeomGetX_r(h, g, &x);
      GEOSGeomGetY_r(h, g, &y);
      const double dx = b.lng() - a.lng(), dy = b.lat() - a.lat();
      expected.push_back(((x - a.lng()) * dx + (y - a.lat()) * dy) / (dx * dx + dy * dy));
    }
    std::sort(expected.begin(), expected.end());
    ASSERT_EQ(params.size(), expected.size()) << "segment " << i;
    for (size_t k = 0; k < params.size(); ++k) EXPECT_NEAR(params[k], expected[k], 1e-9);
    crossings += params.size();
  }
  EXPECT_GT(crossings, 1000u);  // the test exercised crossings, not only misses
}

}  // namespace
}  // namespace truce::detail
