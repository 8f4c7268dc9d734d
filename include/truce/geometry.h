// Zone geometry: polygons with holes and multipolygons, edges straight in lon/lat (RFC 7946).
//
// A MultiPolygon that passed ValidateMultiPolygon() is simple and closed, as GEOS's isValid
// defines it; truce's exact algorithms rely on that. Values, safe to share between threads.
#pragma once

#include <string>
#include <vector>

#include "truce/geo.h"
#include "truce/result.h"

namespace truce {

// A closed ring: front() == back(), at least 4 positions when valid.
using Ring = std::vector<LatLng>;

// rings[0] is the outer boundary, the rest are holes.
struct Polygon {
  std::vector<Ring> rings;
  friend bool operator==(const Polygon&, const Polygon&) = default;
};

struct MultiPolygon {
  std::vector<Polygon> polygons;
  friend bool operator==(const MultiPolygon&, const MultiPolygon&) = default;

  LatLngRect Bounds() const;
  size_t VertexCount() const;
};

// An area in square metres.
struct SquareMeters {
  double value = 0;
};

// Area on the WGS84 ellipsoid (GeographicLib), holes subtracted. Edges are taken as geodesics
// between the vertices, which differs from straight lon/lat edges by well under 0.1% for
// zones with vertices a few kilometres apart; for display and summaries, not for verdicts.
SquareMeters GeodesicArea(const MultiPolygon& shape);

// Signed area in square degrees (shoelace, lon as x): > 0 for counter-clockwise rings.
double SignedArea(const Ring& ring);

// Checks that `shape` is a valid multipolygon. Every defect is listed in the error's
// `problems`, each prefixed with `where` and naming polygon and ring, e.g.
//   "zones.geojson feature 3 (zone 'idlib'): polygon 0 ring 1: not closed (first != last)".
// Checked: at least one polygon; each ring closed, with >= 4 positions and >= 3 distinct ones;
// self-intersections, holes outside shells, overlapping polygons (via GEOS isValid, with the
// location reported as lat,lon).
[[nodiscard]] Status ValidateMultiPolygon(const MultiPolygon& shape, const std::string& where);

// Returns `shape` with outer rings counter-clockwise and holes clockwise (RFC 7946), so that
// input with the opposite winding is normalised rather than rejected.
MultiPolygon NormalizeOrientation(MultiPolygon shape);

}  // namespace truce
