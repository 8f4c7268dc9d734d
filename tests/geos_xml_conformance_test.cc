// ZoneIndex against the expected results of GEOS's own XML test suite
// (../shared/data/geos_xmltester, libgeos/geos tests/xmltester).
//
// Applicable: every test whose two geometries are a point set (POINT or MULTIPOINT, empty
// included) and an area (POLYGON or MULTIPOLYGON, empty included, holes included), with one of
// the predicates relate (full DE-9IM pattern), contains, covers, coveredBy, intersects,
// disjoint, within, touches, crosses, overlaps and equalsTopo. The area becomes a zone version,
// the index locates each point in it (interior, boundary or exterior), and the predicate is
// derived from those locations alone through the DE-9IM matrix, then compared with the XML's
// expected value. Each point's covers answer (Locate) is also checked against its location.
// Coordinates are scaled by a power of two to fit longitude and latitude ranges, which changes
// no orientation and so no answer. Everything else (other geometry types, other operations,
// areas that are not valid polygons, which cannot be zones) is counted as not applicable.
//
// The suite's failure/ directory holds cases GEOS itself is known to fail, because their
// expected values read decimal input as exact (0.95 + 0.05 = 1) while GEOS, like truce,
// computes exactly on the doubles the decimals round to. There the reference is what GEOS
// computes (through its C API), since agreeing with GEOS is the index's contract; those cases
// are counted and printed separately.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <geos_c.h>
#include <gtest/gtest.h>
#include <tinyxml2.h>

#include "shared_data.h"
#include "truce/zone_index.h"

namespace truce {
namespace {

namespace fs = std::filesystem;

struct Xy {
  double x, y;
};

// A geometry as read from WKT, reduced to what the test needs.
struct Shape {
  enum Kind { kPuntal, kPolygonal, kOther } kind = kOther;
  std::vector<Xy> points;                              // puntal
  std::vector<std::vector<std::vector<Xy>>> polygons;  // polygonal: rings of each polygon
};

std::vector<Xy> Coordinates(GEOSContextHandle_t ctx, const GEOSGeometry* g) {
  std::vector<Xy> out;
  const GEOSCoordSequence* seq = GEOSGeom_getCoordSeq_r(ctx, g);
  unsigned n = 0;
  if (seq == nullptr || GEOSCoordSeq_getSize_r(ctx, seq, &n) == 0) return out;
  for (unsigned i = 0; i < n; ++i) {
    Xy p{};
    GEOSCoordSeq_getXY_r(ctx, seq, i, &p.x, &p.y);
    out.push_back(p);
  }
  return out;
}

Shape ToShape(GEOSContextHandle_t ctx, const GEOSGeometry* g) {
  Shape s;
  const int type = GEOSGeomTypeId_r(ctx, g);
  if (type == GEOS_POINT || type == GEOS_MULTIPOINT) {
    s.kind = Shape::kPuntal;
    for (int i = 0; i < GEOSGetNumGeometries_r(ctx, g); ++i) {
      const GEOSGeometry* part = GEOSGetGeometryN_r(ctx, g, i);
      if (GEOSisEmpty_r(ctx, part) == 1) continue;
      for (const Xy& p : Coordinates(ctx, part)) s.points.push_back(p);
    }
  } else if (type == GEOS_POLYGON || type == GEOS_MULTIPOLYGON) {
    s.kind = Shape::kPolygonal;
    for (int i = 0; i < GEOSGetNumGeometries_r(ctx, g); ++i) {
      const GEOSGeometry* poly = GEOSGetGeometryN_r(ctx, g, i);
      if (GEOSisEmpty_r(ctx, poly) == 1) continue;
      std::vector<std::vector<Xy>> rings;
      rings.push_back(Coordinates(ctx, GEOSGetExteriorRing_r(ctx, poly)));
      for (int h = 0; h < GEOSGetNumInteriorRings_r(ctx, poly); ++h) {
        rings.push_back(Coordinates(ctx, GEOSGetInteriorRingN_r(ctx, poly, h)));
      }
      s.polygons.push_back(std::move(rings));
    }
  }
  return s;
}

// The DE-9IM matrix of a point set P against an area A, from the locations of P's points in
// A (true: A is not empty). Row-major: I, B, E of P against I, B, E of A.
std::string PointsVersusArea(const std::vector<PointLocation>& locations, bool area_nonempty) {
  std::string m = "FFFFFFFFF";
  for (PointLocation l : locations) {
    if (l == PointLocation::kInterior) m[0] = '0';
    if (l == PointLocation::kBoundary) m[1] = '0';
    if (l == PointLocation::kExterior) m[2] = '0';
  }
  // A point set has an empty boundary; whatever of A the points do not fill is in their
  // exterior (all of it, for finitely many points).
  if (area_nonempty) m[6] = '2', m[7] = '1';
  m[8] = '2';
  return m;
}

std::string Transposed(const std::string& m) {
  return {m[0], m[3], m[6], m[1], m[4], m[7], m[2], m[5], m[8]};
}

bool Matches(const std::string& matrix, const std::string& pattern) {
  if (pattern.size() != 9) return false;
  for (size_t i = 0; i < 9; ++i) {
    const char p = static_cast<char>(std::toupper(pattern[i])), v = matrix[i];
    if (p == '*') continue;
    if (p == 'T' && v == 'F') return false;
    if (p == 'F' && v != 'F') return false;
    if (p >= '0' && p <= '2' && v != p) return false;
  }
  return true;
}

// The named predicate for geometries of dimensions dim1, dim2 (-1 empty) with matrix m, as
// JTS/GEOS define them on the matrix.
std::optional<bool> Predicate(const std::string& op, const std::string& m, int dim1, int dim2) {
  const bool any_empty = dim1 < 0 || dim2 < 0;
  auto t = [&](int i) { return m[i] != 'F'; };
  if (op == "intersects") return !any_empty && (t(0) || t(1) || t(3) || t(4));
  if (op == "disjoint") return any_empty || !(t(0) || t(1) || t(3) || t(4));
  if (op == "contains") return !any_empty && t(0) && !t(6) && !t(7);
  if (op == "within") return !any_empty && t(0) && !t(2) && !t(5);
  if (op == "covers") return !any_empty && (t(0) || t(1) || t(3) || t(4)) && !t(6) && !t(7);
  if (op == "coveredBy") return !any_empty && (t(0) || t(1) || t(3) || t(4)) && !t(2) && !t(5);
  if (op == "touches") {
    return !any_empty && !(dim1 == 0 && dim2 == 0) && !t(0) && (t(1) || t(3) || t(4));
  }
  if (op == "crosses") {
    if (any_empty) return false;
    if (dim1 < dim2) return t(0) && t(2);
    if (dim1 > dim2) return t(0) && t(6);
    return false;  // points and areas never have equal dimensions here
  }
  if (op == "overlaps") return false;  // only defined between equal dimensions
  if (op == "equalsTopo") {
    if (dim1 < 0 && dim2 < 0) return true;  // GEOS: two empties are topologically equal
    return !any_empty && t(0) && !t(2) && !t(5) && !t(6) && !t(7);
  }
  return std::nullopt;
}

struct Tally {
  size_t cases = 0, checks = 0, failures = 0, known_geos_failures = 0;
  std::map<std::string, size_t> skipped;  // reason -> tests
  std::map<std::string, size_t> by_op;
};

class GeosXmlConformanceTest : public ::testing::Test {
 protected:
  void SetUp() override { ctx_ = GEOS_init_r(); }
  void TearDown() override { GEOS_finish_r(ctx_); }

  // GEOS's own answer for a predicate, for the cases GEOS is known to fail.
  std::optional<bool> GeosAnswer(const std::string& op, const GEOSGeometry* g1,
                                 const GEOSGeometry* g2, const char* pattern) {
    char r = 2;
    if (op == "relate" && pattern) r = GEOSRelatePattern_r(ctx_, g1, g2, pattern);
    if (op == "contains") r = GEOSContains_r(ctx_, g1, g2);
    if (op == "covers") r = GEOSCovers_r(ctx_, g1, g2);
    if (op == "coveredBy") r = GEOSCoveredBy_r(ctx_, g1, g2);
    if (op == "intersects") r = GEOSIntersects_r(ctx_, g1, g2);
    if (op == "disjoint") r = GEOSDisjoint_r(ctx_, g1, g2);
    if (op == "within") r = GEOSWithin_r(ctx_, g1, g2);
    if (op == "touches") r = GEOSTouches_r(ctx_, g1, g2);
    if (op == "crosses") r = GEOSCrosses_r(ctx_, g1, g2);
    if (op == "overlaps") r = GEOSOverlaps_r(ctx_, g1, g2);
    if (op == "equalsTopo") r = GEOSEquals_r(ctx_, g1, g2);
    if (r == 0 || r == 1) return r == 1;
    return std::nullopt;
  }

  // Runs one <case>: every applicable <op> in it. With `geos_is_reference`, the expected value
  // is GEOS's own answer rather than the XML's.
  void RunCase(const std::string& where, tinyxml2::XMLElement* c, bool geos_is_reference,
               Tally& tally) {
    const tinyxml2::XMLElement* a = c->FirstChildElement("a");
    const tinyxml2::XMLElement* b = c->FirstChildElement("b");
    std::vector<tinyxml2::XMLElement*> ops;
    for (auto* test = c->FirstChildElement("test"); test; test = test->NextSiblingElement("test")) {
      for (auto* op = test->FirstChildElement("op"); op; op = op->NextSiblingElement("op")) {
        ops.push_back(op);
      }
    }
    auto skip = [&](const std::string& reason) { tally.skipped[reason] += ops.size(); };
    if (a == nullptr || b == nullptr || a->GetText() == nullptr || b->GetText() == nullptr) {
      return skip("not two geometries");
    }
    Shape shapes[2];
    struct Destroy {
      GEOSContextHandle_t ctx;
      void operator()(GEOSGeometry* g) const { GEOSGeom_destroy_r(ctx, g); }
    };
    std::unique_ptr<GEOSGeometry, Destroy> geoms[2] = {{nullptr, {ctx_}}, {nullptr, {ctx_}}};
    for (int i = 0; i < 2; ++i) {
      GEOSWKTReader* reader = GEOSWKTReader_create_r(ctx_);
      geoms[i].reset(GEOSWKTReader_read_r(ctx_, reader, (i == 0 ? a : b)->GetText()));
      GEOSWKTReader_destroy_r(ctx_, reader);
      if (geoms[i] == nullptr) return skip("WKT GEOS does not read");
      shapes[i] = ToShape(ctx_, geoms[i].get());
    }
    int area = -1;
    if (shapes[0].kind == Shape::kPuntal && shapes[1].kind == Shape::kPolygonal) area = 1;
    if (shapes[0].kind == Shape::kPolygonal && shapes[1].kind == Shape::kPuntal) area = 0;
    if (area < 0) return skip("not a point set and an area");
    const Shape& poly = shapes[area];
    const Shape& pts = shapes[1 - area];

    // Scale by 2^-k so every coordinate fits latitude and longitude: exact, and it keeps every
    // orientation, so every answer.
    double extent = 1;
    for (const auto& p : pts.points) extent = std::max({extent, std::fabs(p.x), std::fabs(p.y)});
    for (const auto& rings : poly.polygons) {
      for (const auto& ring : rings) {
        for (const auto& p : ring) extent = std::max({extent, std::fabs(p.x), std::fabs(p.y)});
      }
    }
    int k = 0;
    while (std::ldexp(extent, -k) > 90) ++k;
    auto latlng = [k](Xy p) { return LatLng(std::ldexp(p.y, -k), std::ldexp(p.x, -k)); };

    std::vector<ZoneVersion> versions;
    if (!poly.polygons.empty()) {
      ZoneVersionSpec spec;
      spec.origin = where;
      spec.zone = "xml";
      spec.valid_from = *ParseUtcTime("2017-01-01");
      for (const auto& rings : poly.polygons) {
        Polygon polygon;
        for (const auto& ring : rings) {
          Ring r;
          for (const Xy& p : ring) r.push_back(latlng(p));
          polygon.rings.push_back(std::move(r));
        }
        spec.shape.polygons.push_back(std::move(polygon));
      }
      auto v = ZoneVersion::Create(std::move(spec));
      if (!v.ok()) return skip("area is not a valid polygon (cannot be a zone)");
      versions.push_back(std::move(v).value());
    }
    const ZoneIndex index(versions);
    const UtcTime t = *ParseUtcTime("2017-06-01");
    std::vector<PointLocation> locations;
    for (const Xy& xy : pts.points) {
      const LatLng p = latlng(xy);
      const PointLocation l = versions.empty() ? PointLocation::kExterior : index.LocateIn(p, 0);
      locations.push_back(l);
      // The port's covers answer must agree with the location.
      EXPECT_EQ(index.Locate(p, t).size(), l == PointLocation::kExterior ? 0u : 1u)
          << where << " point " << xy.x << " " << xy.y;
    }
    const std::string points_first = PointsVersusArea(locations, !poly.polygons.empty());
    const int point_dim = pts.points.empty() ? -1 : 0;
    const int area_dim = poly.polygons.empty() ? -1 : 2;

    bool counted = false;
    for (tinyxml2::XMLElement* op : ops) {
      const std::string name = op->Attribute("name") ? op->Attribute("name") : "";
      const std::string arg1 = op->Attribute("arg1") ? op->Attribute("arg1") : "A";
      const char* text = op->GetText();
      std::string expected = text ? text : "";
      expected.erase(0, expected.find_first_not_of(" \t\r\n"));
      expected.erase(expected.find_last_not_of(" \t\r\n") + 1);
      if (expected != "true" && expected != "false") {
        ++tally.skipped["operation result is not a boolean"];
        continue;
      }
      if (geos_is_reference) {
        const bool arg1_is_a = arg1 == "A" || arg1 == "a";
        const auto geos = GeosAnswer(name, geoms[arg1_is_a ? 0 : 1].get(),
                                     geoms[arg1_is_a ? 1 : 0].get(), op->Attribute("arg3"));
        if (!geos) {
          ++tally.skipped["operation " + name];
          continue;
        }
        std::printf("known GEOS failure %s: %s, the suite expects %s, GEOS computes %s\n",
                    where.c_str(), name.c_str(), expected.c_str(), *geos ? "true" : "false");
        expected = *geos ? "true" : "false";
        ++tally.known_geos_failures;
      }
      // The first argument is the point set unless it names the area's geometry.
      const bool area_first = (arg1 == "A" || arg1 == "a") == (area == 0);
      const std::string m = area_first ? Transposed(points_first) : points_first;
      const int dim1 = area_first ? area_dim : point_dim, dim2 = area_first ? point_dim : area_dim;
      std::optional<bool> got;
      if (name == "relate") {
        const char* pattern = op->Attribute("arg3");
        if (pattern) got = Matches(m, pattern);
      } else {
        got = Predicate(name, m, dim1, dim2);
      }
      if (!got) {
        ++tally.skipped["operation " + name];
        continue;
      }
      ++tally.checks;
      ++tally.by_op[name];
      counted = true;
      if (*got != (expected == "true")) {
        ++tally.failures;
        ADD_FAILURE() << where << ": " << name << " expected " << expected << ", matrix " << m
                      << (name == "relate" ? std::string(" vs pattern ") + op->Attribute("arg3")
                                           : "");
      }
    }
    tally.cases += counted;
  }

  GEOSContextHandle_t ctx_ = nullptr;
};

TEST_F(GeosXmlConformanceTest, EveryPointInAreaCasePasses) {
  TRUCE_REQUIRE_SHARED_DATA("geos_xmltester");
  std::vector<fs::path> files;
  for (const auto& e :
       fs::recursive_directory_iterator(testing::SharedDataPath("geos_xmltester"))) {
    if (e.path().extension() == ".xml") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  ASSERT_GE(files.size(), 21u);
  Tally tally;
  for (const fs::path& file : files) {
    tinyxml2::XMLDocument doc;
    ASSERT_EQ(doc.LoadFile(file.c_str()), tinyxml2::XML_SUCCESS) << file;
    const tinyxml2::XMLElement* run = doc.FirstChildElement("run");
    ASSERT_NE(run, nullptr) << file;
    const tinyxml2::XMLElement* pm = run->FirstChildElement("precisionModel");
    const bool floating = pm == nullptr || pm->Attribute("type") == nullptr ||
                          std::string(pm->Attribute("type")) == "FLOATING";
    int n = 0;
    for (auto* c = doc.FirstChildElement("run")->FirstChildElement("case"); c;
         c = c->NextSiblingElement("case")) {
      ++n;
      const std::string where = file.filename().string() + " case " + std::to_string(n);
      if (!floating) {
        // Fixed precision models round the input first; none of the suite's files uses one.
        for (auto* test = c->FirstChildElement("test"); test;
             test = test->NextSiblingElement("test")) {
          ++tally.skipped["fixed precision model"];
        }
        continue;
      }
      RunCase(where, c, file.parent_path().filename() == "failure", tally);
    }
  }
  std::printf(
      "GEOS XML suite: %zu files; %zu cases with %zu applicable point/area checks (%zu of "
      "them known GEOS failures, checked against GEOS), %zu failed\n",
      files.size(), tally.cases, tally.checks, tally.known_geos_failures, tally.failures);
  for (const auto& [op, n] : tally.by_op) std::printf("  %-11s %zu\n", op.c_str(), n);
  for (const auto& [reason, n] : tally.skipped) {
    std::printf("  not applicable: %zu (%s)\n", n, reason.c_str());
  }
  RecordProperty("applicable_checks", static_cast<int>(tally.checks));
  EXPECT_GT(tally.cases, 20u);
  EXPECT_GT(tally.checks, 100u);
  EXPECT_EQ(tally.failures, 0u);
}

// The runner's own logic, on cases whose answers are known without GEOS.
TEST(GeosXmlConformanceLogicTest, MatrixAndPredicates) {
  using L = PointLocation;
  EXPECT_EQ(PointsVersusArea({L::kExterior}, true), "FF0FFF212");
  EXPECT_EQ(PointsVersusArea({L::kExterior, L::kInterior}, true), "0F0FFF212");
  EXPECT_EQ(PointsVersusArea({}, false), "FFFFFFFF2");
  EXPECT_EQ(Transposed("0F0FFF212"), "0F2FF10F2");
  EXPECT_TRUE(Matches("0FFFFF212", "T*F**F***"));
  EXPECT_FALSE(Matches("F0FFFF212", "0********"));
  EXPECT_EQ(Predicate("within", "0FFFFF212", 0, 2), true);
  EXPECT_EQ(Predicate("within", "F0FFFF212", 0, 2), false);
  EXPECT_EQ(Predicate("touches", "F0FFFF212", 0, 2), true);
  EXPECT_EQ(Predicate("crosses", "0F0FFF212", 0, 2), true);
  EXPECT_EQ(Predicate("covers", Transposed("F0FFFF212"), 2, 0), true);
  EXPECT_EQ(Predicate("contains", Transposed("F0FFFF212"), 2, 0), false);
  EXPECT_EQ(Predicate("isValid", "FFFFFFFF2", 0, 2), std::nullopt);
}

}  // namespace
}  // namespace truce
