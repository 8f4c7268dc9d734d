#include "truce/geometry.h"

#include <gtest/gtest.h>

#include "truce/text_format.h"

namespace truce {
namespace {

bool AnyProblemContains(const Status& s, const std::string& needle) {
  if (s.ok()) return false;
  for (const Problem& p : s.error().problems) {
    if (p.ToString().find(needle) != std::string::npos) return true;
  }
  return false;
}

TEST(LatLng, CreateRejectsOutOfRangeAndNaN) {
  EXPECT_TRUE(LatLng::Create(33.5, 36.3).ok());
  EXPECT_TRUE(LatLng::Create(-90, 180).ok());
  EXPECT_FALSE(LatLng::Create(90.0001, 0).ok());
  EXPECT_FALSE(LatLng::Create(0, -180.5).ok());
  EXPECT_FALSE(LatLng::Create(std::nan(""), 0).ok());
  EXPECT_NE(LatLng::Create(0, 200).error().message.find("longitude 200"), std::string::npos);
}

TEST(Geometry, ValidSquareWithHolePasses) {
  const MultiPolygon m = MakeMultiPolygonOrDie("0:0, 0:10, 10:10, 10:0; 2:2, 2:4, 4:4, 4:2");
  EXPECT_TRUE(ValidateMultiPolygon(m, "fixture").ok());
  EXPECT_EQ(m.VertexCount(), 10u);
  EXPECT_EQ(m.Bounds().lat_hi, 10);
}

TEST(Geometry, OrientationIsNormalisedNotRejected) {
  // lat:lng with lng as x: 0:0 -> 0:10 -> 10:10 runs counter-clockwise.
  const MultiPolygon ccw = MakeMultiPolygonOrDie("0:0, 0:10, 10:10, 10:0");
  EXPECT_GT(SignedArea(ccw.polygons[0].rings[0]), 0);
  const MultiPolygon cw = MakeMultiPolygonOrDie("0:0, 10:0, 10:10, 0:10; 2:2, 4:2, 4:4, 2:4");
  EXPECT_TRUE(ValidateMultiPolygon(cw, "fixture").ok());
  const MultiPolygon fixed = NormalizeOrientation(cw);
  EXPECT_GT(SignedArea(fixed.polygons[0].rings[0]), 0);
  EXPECT_LT(SignedArea(fixed.polygons[0].rings[1]), 0);
  EXPECT_EQ(SignedArea(fixed.polygons[0].rings[0]), 100);
}

TEST(Geometry, UnclosedRingIsNamed) {
  MultiPolygon m = MakeMultiPolygonOrDie("0:0, 0:10, 10:10, 10:0");
  m.polygons[0].rings[0].pop_back();
  const Status s = ValidateMultiPolygon(m, "z.geojson feature 2");
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(AnyProblemContains(s, "z.geojson feature 2: polygon 0 ring 0: not closed"));
}

TEST(Geometry, TooShortAndDegenerateRings) {
  MultiPolygon m;
  m.polygons.push_back(Polygon{{Ring{LatLng(0, 0), LatLng(1, 1), LatLng(0, 0)}}});
  EXPECT_TRUE(AnyProblemContains(ValidateMultiPolygon(m, "f"), "too short (3 positions"));
  m.polygons[0].rings[0] = Ring{LatLng(0, 0), LatLng(1, 1), LatLng(1, 1), LatLng(0, 0)};
  EXPECT_TRUE(AnyProblemContains(ValidateMultiPolygon(m, "f"), "degenerate"));
  EXPECT_TRUE(AnyProblemContains(ValidateMultiPolygon(MultiPolygon{}, "f"), "no polygons"));
}

TEST(Geometry, SelfIntersectionIsLocatedInLatLon) {
  // A bow tie: the edges cross at lat 5, lng 5.
  const MultiPolygon bow = MakeMultiPolygonOrDie("0:0, 10:10, 10:0, 0:10");
  const Status s = ValidateMultiPolygon(bow, "f");
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(AnyProblemContains(s, "Self-intersection near 5.000000,5.000000"))
      << s.error().problems[0].ToString();
}

TEST(Geometry, HoleOutsideShellAndOverlappingPolygons) {
  const MultiPolygon hole_out =
      MakeMultiPolygonOrDie("0:0, 0:10, 10:10, 10:0; 20:20, 20:22, 22:22, 22:20");
  EXPECT_TRUE(AnyProblemContains(ValidateMultiPolygon(hole_out, "f"),
                                 "polygon 0: Hole lies outside shell"));
  const MultiPolygon overlap =
      MakeMultiPolygonOrDie("0:0, 0:10, 10:10, 10:0 | 5:5, 5:15, 15:15, 15:5");
  EXPECT_TRUE(AnyProblemContains(ValidateMultiPolygon(overlap, "f"), "polygons overlap"));
}

TEST(Geometry, GeodesicAreaOfOneDegreeCellAtTheEquator) {
  // A 1x1 degree cell on the equator is about 12,308 km2 on WGS84; a 0.5 degree hole removes
  // about a quarter of it.
  const MultiPolygon cell = MakeMultiPolygonOrDie("0:0, 0:1, 1:1, 1:0");
  EXPECT_NEAR(GeodesicArea(cell).value / 1e6, 12308.8, 1.0);
  const MultiPolygon holed =
      MakeMultiPolygonOrDie("0:0, 0:1, 1:1, 1:0; 0.25:0.25, 0.75:0.25, 0.75:0.75, 0.25:0.75");
  EXPECT_NEAR(GeodesicArea(holed).value / GeodesicArea(cell).value, 0.75, 0.001);
}

TEST(TextFormat, RejectsBadVertices) {
  EXPECT_FALSE(ParseMultiPolygonText("0:0, 0:x, 1:1").ok());
  EXPECT_FALSE(ParseMultiPolygonText("0:0, 95:0, 1:1").ok());
}

}  // namespace
}  // namespace truce
