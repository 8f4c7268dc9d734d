#include "truce/geometry.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <utility>

#include <fmt/format.h>
#include <GeographicLib/Geodesic.hpp>
#include <GeographicLib/PolygonArea.hpp>

#include "geos_bridge.h"

namespace truce {

Result<LatLng> LatLng::Create(double lat, double lng) {
  if (!std::isfinite(lat) || lat < -90.0 || lat > 90.0) {
    return MakeError(ErrorCode::kInvalidArgument,
                     fmt::format("latitude {} is outside [-90, 90]", lat));
  }
  if (!std::isfinite(lng) || lng < -180.0 || lng > 180.0) {
    return MakeError(ErrorCode::kInvalidArgument,
                     fmt::format("longitude {} is outside [-180, 180]", lng));
  }
  return LatLng(lat, lng);
}

LatLngRect MultiPolygon::Bounds() const {
  LatLngRect r;
  for (const Polygon& p : polygons) {
    if (!p.rings.empty()) {
      for (const LatLng& v : p.rings[0]) r.Extend(v);
    }
  }
  return r;
}

size_t MultiPolygon::VertexCount() const {
  size_t n = 0;
  for (const Polygon& p : polygons) {
    for (const Ring& r : p.rings) n += r.size();
  }
  return n;
}

SquareMeters GeodesicArea(const MultiPolygon& shape) {
  double total = 0;
  for (const Polygon& polygon : shape.polygons) {
    for (size_t r = 0; r < polygon.rings.size(); ++r) {
      GeographicLib::PolygonArea area(GeographicLib::Geodesic::WGS84());
      const Ring& ring = polygon.rings[r];
      for (size_t i = 0; i + 1 < ring.size(); ++i) area.AddPoint(ring[i].lat(), ring[i].lng());
      double perimeter = 0, a = 0;
      // sign=true gives a negative area for a clockwise ring rather than the area of the rest
      // of the earth; the magnitude is what we want whatever the winding.
      area.Compute(false, true, perimeter, a);
      total += (r == 0) ? std::fabs(a) : -std::fabs(a);
    }
  }
  return SquareMeters{total};
}

double SignedArea(const Ring& ring) {
  double twice = 0;
  for (size_t i = 0; i + 1 < ring.size(); ++i) {
    // Relative to the first vertex to keep the products small and the sum accurate.
    const double x0 = ring[i].lng() - ring[0].lng(), y0 = ring[i].lat() - ring[0].lat();
    const double x1 = ring[i + 1].lng() - ring[0].lng(), y1 = ring[i + 1].lat() - ring[0].lat();
    twice += x0 * y1 - x1 * y0;
  }
  return twice / 2;
}

MultiPolygon NormalizeOrientation(MultiPolygon shape) {
  for (Polygon& polygon : shape.polygons) {
    for (size_t i = 0; i < polygon.rings.size(); ++i) {
      const bool want_ccw = (i == 0);
      if ((SignedArea(polygon.rings[i]) > 0) != want_ccw) {
        std::reverse(polygon.rings[i].begin(), polygon.rings[i].end());
      }
    }
  }
  return shape;
}

namespace {

// Structural checks GEOS cannot be handed input without. Appends to `problems`.
void CheckRings(const MultiPolygon& shape, const std::string& where,
                std::vector<std::string>& problems) {
  if (shape.polygons.empty()) problems.push_back(where + ": geometry has no polygons");
  for (size_t p = 0; p < shape.polygons.size(); ++p) {
    const Polygon& polygon = shape.polygons[p];
    if (polygon.rings.empty()) {
      problems.push_back(fmt::format("{}: polygon {} has no rings", where, p));
    }
    for (size_t r = 0; r < polygon.rings.size(); ++r) {
      const Ring& ring = polygon.rings[r];
      const std::string at = fmt::format("{}: polygon {} ring {}", where, p, r);
      if (ring.size() < 4) {
        problems.push_back(
            fmt::format("{}: too short ({} positions, a closed ring needs >= 4)", at, ring.size()));
        continue;
      }
      if (!(ring.front() == ring.back())) {
        problems.push_back(fmt::format(
            "{}: not closed (first position {},{} differs from last {},{}; lat,lon)", at,
            ring.front().lat(), ring.front().lng(), ring.back().lat(), ring.back().lng()));
        continue;
      }
      std::set<std::pair<double, double>> distinct;
      for (const LatLng& v : ring) distinct.emplace(v.lat(), v.lng());
      if (distinct.size() < 3) {
        problems.push_back(
            fmt::format("{}: degenerate ({} distinct positions, need >= 3)", at, distinct.size()));
      }
    }
  }
}

// Asks GEOS whether `g` is valid; returns "" or the reason with its location as lat,lon.
std::string GeosInvalidity(const detail::GeosContext& ctx, const GEOSGeometry& g) {
  char* reason = nullptr;
  GEOSGeometry* location = nullptr;
  const char valid = GEOSisValidDetail_r(ctx.handle(), &g, 0, &reason, &location);
  std::string out;
  if (valid == 0) {
    out = reason ? reason : "invalid geometry";
    double x = 0, y = 0;
    if (location && GEOSGeomGetX_r(ctx.handle(), location, &x) == 1 &&
        GEOSGeomGetY_r(ctx.handle(), location, &y) == 1) {
      out += fmt::format(" near {:.6f},{:.6f} (lat,lon)", y, x);
    }
  } else if (valid != 1) {
    out = "GEOS could not check validity: " + ctx.last_error();
  }
  if (reason) GEOSFree_r(ctx.handle(), reason);
  if (location) GEOSGeom_destroy_r(ctx.handle(), location);
  return out;
}

}  // namespace

Status ValidateMultiPolygon(const MultiPolygon& shape, const std::string& where) {
  std::vector<std::string> problems;
  CheckRings(shape, where, problems);
  if (problems.empty()) {
    detail::GeosContext ctx;
    // Each polygon alone first, so the message can say which one is at fault.
    bool polygons_valid = true;
    for (size_t p = 0; p < shape.polygons.size(); ++p) {
      auto g = detail::ToGeos(ctx, MultiPolygon{{shape.polygons[p]}});
      if (!g.ok()) {
        problems.push_back(fmt::format("{}: polygon {}: {}", where, p, g.error().message));
        polygons_valid = false;
        continue;
      }
      const std::string why = GeosInvalidity(ctx, **g);
      if (!why.empty()) {
        problems.push_back(fmt::format("{}: polygon {}: {}", where, p, why));
        polygons_valid = false;
      }
    }
    if (polygons_valid && shape.polygons.size() > 1) {
      auto g = detail::ToGeos(ctx, shape);
      const std::string why = g.ok() ? GeosInvalidity(ctx, **g) : g.error().message;
      if (!why.empty()) {
        problems.push_back(
            fmt::format("{}: polygons overlap or touch along an edge: {}", where, why));
      }
    }
  }
  if (problems.empty()) return Status::Ok();
  Error e = MakeError(ErrorCode::kInvalidInput, fmt::format("{}: invalid geometry", where));
  e.problems = ProblemsFromLines(std::move(problems));
  return e;
}

}  // namespace truce
