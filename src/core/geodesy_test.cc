#include "geodesy.h"

#include <cmath>
#include <random>

#include <gtest/gtest.h>
#include <GeographicLib/Geodesic.hpp>

#include "truce/text_format.h"

namespace truce::detail {
namespace {

const GeographicLib::Geodesic& Wgs84() { return GeographicLib::Geodesic::WGS84(); }

LatLng Direct(LatLng p, double azimuth, double metres) {
  double lat = 0, lng = 0;
  Wgs84().Direct(p.lat(), p.lng(), azimuth, metres, lat, lng);
  return LatLng(lat, lng);
}

double Azimuth(LatLng a, LatLng b) {
  double s12 = 0, azi1 = 0, azi2 = 0;
  Wgs84().Inverse(a.lat(), a.lng(), b.lat(), b.lng(), s12, azi1, azi2);
  return azi1;
}

// The oracle: GeographicLib's Inverse from p to points of the lon/lat segment, minimised by
// a golden-section search over the segment's parameter (the distance is unimodal along a
// segment at these scales), then refined over a fine grid around the minimum.
double OracleDistance(LatLng p, LatLng a, LatLng b) {
  auto f = [&](double s) { return Distance(p, Lerp(a, b, s)); };
  double lo = 0, hi = 1;
  const double g = (std::sqrt(5.0) - 1) / 2;
  for (int i = 0; i < 200; ++i) {
    const double m1 = hi - g * (hi - lo), m2 = lo + g * (hi - lo);
    if (f(m1) < f(m2)) {
      hi = m2;
    } else {
      lo = m1;
    }
  }
  return std::min({f(0.5 * (lo + hi)), f(0), f(1)});
}

TEST(GeodesyTest, DistanceIsGeographicLibInverse) {
  const LatLng damascus(33.5138, 36.2765), aleppo(36.2021, 37.1343);
  double s12 = 0;
  Wgs84().Inverse(damascus.lat(), damascus.lng(), aleppo.lat(), aleppo.lng(), s12);
  EXPECT_DOUBLE_EQ(Distance(damascus, aleppo), s12);
  EXPECT_NEAR(s12, 309'000, 3'000);
}

TEST(GeodesyTest, PointToSegmentMatchesTheOracle) {
  std::mt19937 rng(20170504);
  std::uniform_real_distribution<double> lat(32.5, 37.0), lng(35.7, 41.5), len(100, 120'000),
      az(0, 360), off(0, 30'000), u(0, 1);
  for (int i = 0; i < 300; ++i) {
    const LatLng a(lat(rng), lng(rng));
    const LatLng b = Direct(a, az(rng), len(rng));
    // Near the segment (offset from a point on it) or anywhere around it.
    const LatLng p = (i % 2 == 0) ? Direct(Lerp(a, b, u(rng) * 1.4 - 0.2), az(rng), off(rng))
                                  : LatLng(lat(rng), lng(rng));
    const Approach r = PointToSegment(p, a, b);
    const double oracle = OracleDistance(p, a, b);
    EXPECT_NEAR(r.distance, oracle, 0.001) << "case " << i;
    // The parameter names a point of the segment at that distance.
    EXPECT_NEAR(Distance(p, Lerp(a, b, r.s)), r.distance, 0.001) << "case " << i;
  }
}

TEST(GeodesyTest, PointAtAKnownPerpendicularDistance) {
  // Homs to Hama, then 750 m off the middle of the route at right angles: the distance is 750
  // m to within the curvature of the lon/lat line over the offset (millimetres).
  const LatLng homs(34.7324, 36.7137), hama(35.1318, 36.7578);
  const LatLng mid = Lerp(homs, hama, 0.5);
  const double azimuth = Azimuth(mid, Lerp(homs, hama, 0.5001));
  for (double d : {0.0, 1.0, 750.0, 2'500.0}) {
    const LatLng p = Direct(mid, azimuth + 90, d);
    EXPECT_NEAR(PointToSegment(p, homs, hama).distance, d, 0.05) << d;
    EXPECT_NEAR(PointToSegment(p, homs, hama).s, 0.5, 1e-4) << d;
  }
  // Past an end the end is closest.
  const LatLng beyond = Direct(hama, Azimuth(homs, hama) + 30, 5'000);
  const Approach r = PointToSegment(beyond, homs, hama);
  EXPECT_DOUBLE_EQ(r.s, 1);
  EXPECT_NEAR(r.distance, 5'000, 1e-6);
}

TEST(GeodesyTest, CapSkipsFarSegments) {
  const LatLng a(33.5, 36.3), b(33.6, 36.4);
  const LatLng far(35.0, 38.0);
  EXPECT_GT(PointToSegment(far, a, b, 1'000).distance, 1'000);
  EXPECT_NEAR(PointToSegment(far, a, b).distance, OracleDistance(far, a, b), 0.002);
}

TEST(GeodesyTest, LowerBoundNeverExceedsTheDistance) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> lat(-60, 60), lng(-170, 170), d(0, 900'000), az(0, 360),
      half(0, 0.5);
  for (int i = 0; i < 2'000; ++i) {
    const LatLng p(lat(rng), lng(rng));
    const LatLng q = Direct(p, az(rng), d(rng));
    LatLngRect box;
    box.Extend(LatLng(q.lat() - half(rng), std::max(-180.0, q.lng() - half(rng))));
    box.Extend(LatLng(q.lat() + half(rng), std::min(180.0, q.lng() + half(rng))));
    EXPECT_LE(LowerBound(p, box), Distance(p, q) + 1e-6) << i;
  }
}

TEST(GeodesyTest, RingSideIsExactOnTheBoundary) {
  auto square = ParseMultiPolygonText("33:36, 33:37, 34:37, 34:36, 33:36");
  ASSERT_TRUE(square.ok());
  const Ring& ring = square->polygons[0].rings[0];
  EXPECT_EQ(RingSide(LatLng(33.5, 36.5), ring), 1);
  EXPECT_EQ(RingSide(LatLng(33, 36.5), ring), 0);  // on an edge
  EXPECT_EQ(RingSide(LatLng(34, 37), ring), 0);    // a vertex
  EXPECT_EQ(RingSide(LatLng(34.0000001, 36.5), ring), -1);
  EXPECT_EQ(RingSide(LatLng(33.5, 35.9), ring), -1);
}

TEST(GeodesyTest, AreaContainsDepthAndHoles) {
  auto shape = ParseMultiPolygonText(
      "33:36, 33:37, 34:37, 34:36, 33:36; 33.4:36.4, 33.6:36.4, "
      "33.6:36.6, 33.4:36.6, 33.4:36.4");
  ASSERT_TRUE(shape.ok()) << shape.error().message;
  const Shape area = Shape::Area(shape->polygons[0]);
  EXPECT_TRUE(area.Contains(LatLng(33.2, 36.2)));
  EXPECT_FALSE(area.Contains(LatLng(33.5, 36.5)));  // in the hole
  EXPECT_TRUE(area.Contains(LatLng(33.4, 36.5)));   // on the hole's edge: the area's boundary
  EXPECT_DOUBLE_EQ(area.DistanceFrom(LatLng(33.2, 36.2)), 0);
  // In the hole: the distance to the hole's nearest edge, its western one (0.1 degree of
  // longitude is ~9.29 km at 33.5 N, 0.1 degree of latitude ~11.09 km).
  EXPECT_NEAR(area.DistanceFrom(LatLng(33.5, 36.5)),
              OracleDistance(LatLng(33.5, 36.5), LatLng(33.4, 36.4), LatLng(33.6, 36.4)), 0.001);
  // Depth: from a point 0.05 degree inside the southern edge.
  EXPECT_NEAR(area.Depth(LatLng(33.05, 36.2)),
              OracleDistance(LatLng(33.05, 36.2), LatLng(33, 36), LatLng(33, 37)), 0.001);
  EXPECT_DOUBLE_EQ(area.Depth(LatLng(32.9, 36.2)), 0);
}

TEST(GeodesyTest, SegmentApproachCrossesTouchesOrPasses) {
  const LatLng a(33.0, 36.0), b(33.0, 37.0);
  const Shape site = Shape::Point(LatLng(33.0, 36.25));
  Approach r = site.SegmentApproach(a, b);
  EXPECT_NEAR(r.distance, 0, 0.001);
  EXPECT_NEAR(r.s, 0.25, 1e-9);
  // A route crossing the segment at right angles: distance 0 at the crossing.
  const LatLng route[] = {LatLng(32.5, 36.5), LatLng(33.5, 36.5)};
  r = Shape::Line(route).SegmentApproach(a, b);
  EXPECT_EQ(r.distance, 0);
  EXPECT_NEAR(r.s, 0.5, 1e-12);
  // A parallel route 0.01 degree north: closest at an end of one of them.
  const LatLng parallel[] = {LatLng(33.01, 36.2), LatLng(33.01, 36.4)};
  r = Shape::Line(parallel).SegmentApproach(a, b);
  EXPECT_NEAR(r.distance, OracleDistance(parallel[0], a, b), 0.001);
  // A segment starting inside an area: 0 at its start.
  auto square = ParseMultiPolygonText("32.9:36.9, 32.9:37.1, 33.1:37.1, 33.1:36.9, 32.9:36.9");
  ASSERT_TRUE(square.ok());
  r = Shape::Area(square->polygons[0]).SegmentApproach(LatLng(33.0, 37.0), LatLng(34, 38));
  EXPECT_EQ(r.distance, 0);
  EXPECT_EQ(r.s, 0);
}

TEST(GeodesyTest, ShapeToShapeDistance) {
  auto zone = ParseMultiPolygonText("33:36, 33:37, 34:37, 34:36, 33:36");
  ASSERT_TRUE(zone.ok());
  const Shape area = Shape::Areas(*zone);
  EXPECT_EQ(area.DistanceTo(Shape::Point(LatLng(33.5, 36.5))), 0);
  // 5 km west of the western edge.
  const LatLng west = Direct(LatLng(33.5, 36.0), 270, 5'000);
  EXPECT_NEAR(area.DistanceTo(Shape::Point(west)), 5'000, 0.05);
  EXPECT_GT(area.DistanceTo(Shape::Point(west), 1'000), 1'000);
  // A route passing through without a vertex inside.
  const LatLng through[] = {LatLng(33.5, 35.5), LatLng(33.5, 37.5)};
  EXPECT_EQ(area.DistanceTo(Shape::Line(through)), 0);
}

}  // namespace
}  // namespace truce::detail
