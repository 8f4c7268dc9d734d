// Geodesic distances between points, lines and areas on the WGS84 ellipsoid, for
// deconfliction: how far a report's disc is from a protected site or a convoy route, how close
// an aircraft came to one, whether a notification lies near a zone.
//
// Lines and area edges are straight in lon/lat (RFC 7946), like zone edges and the segments
// the flight monitor interpolates between fixes. Distances are measured on the ellipsoid to
// that lon/lat line, densified into geodesic pieces of at most kPieceLength; the distance to
// each piece is found by Karney's interception in the ellipsoidal gnomonic projection
// (GeographicLib), to well under a millimetre. A 200 m piece and the lon/lat line between its
// ends are less than 1 mm apart at Syrian latitudes (docs/deconfliction.md gives the bounds).
//
// Values and pure functions; safe to share and call from any thread.
#pragma once

#include <cstddef>
#include <limits>
#include <optional>
#include <span>
#include <vector>

#include "truce/geo.h"
#include "truce/geometry.h"

namespace truce::detail {

inline constexpr double kInfinity = std::numeric_limits<double>::infinity();

// Longest geodesic piece a lon/lat edge is cut into for distance computations, metres.
inline constexpr double kPieceLength = 200;

// The geodesic distance between two positions, metres (GeographicLib Inverse).
double Distance(LatLng a, LatLng b);

// The position at parameter s along the straight lon/lat segment a-b (s = 0 at a, 1 at b).
LatLng Lerp(LatLng a, LatLng b, double s);

// A lower bound, in metres, on the geodesic distance from `p` to any point of `box` (0 when
// p is in the box). Rigorous for distances below about 1,000 km (.cc gives the argument);
// used only to skip work, never as a result.
double LowerBound(LatLng p, const LatLngRect& box);
double LowerBound(const LatLngRect& a, const LatLngRect& b);

// Where a closest approach is: the distance and the parameter along the segment or line it
// was measured on.
struct Approach {
  double distance = kInfinity;  // metres
  double s = 0;                 // 0..1 along the lon/lat segment
};

// The closest point of the straight lon/lat segment a-b to `p`. When every point of the
// segment is farther than `cap`, may return any distance > cap.
Approach PointToSegment(LatLng p, LatLng a, LatLng b, double cap = kInfinity);

// The position of `p` relative to a closed ring: 1 inside, 0 on the boundary, -1 outside.
// Exact (orientation predicates on the lon/lat coordinates).
int RingSide(LatLng p, const Ring& ring);

// A geometry for distance questions: points, polylines and filled polygons. Immutable.
class Shape {
 public:
  Shape() = default;
  static Shape Point(LatLng p);
  // REQUIRES: at least one position.
  static Shape Line(std::span<const LatLng> line);
  // The polygon's rings become lines too (its boundary), and its interior counts as distance 0.
  static Shape Area(const Polygon& polygon);
  static Shape Areas(const MultiPolygon& shape);

  const LatLngRect& bounds() const noexcept { return bounds_; }
  bool has_area() const noexcept { return !areas_.empty(); }

  // Whether `p` lies in one of the areas (boundary included).
  bool Contains(LatLng p) const;
  // Distance from `p`: 0 inside an area, else to the nearest line or point. Values above
  // `cap` are not exact (any value > cap).
  double DistanceFrom(LatLng p, double cap = kInfinity) const;
  // Distance from `p` to the lines and points only (area interiors ignored).
  double DistanceToEdges(LatLng p, double cap = kInfinity) const;
  // How deep `p` lies inside the areas: the distance to the boundary when inside, 0 otherwise.
  double Depth(LatLng p) const;
  // The closest approach of the lon/lat segment a-b to the shape, with the first parameter
  // at which it is reached (0 when a is inside an area, the first crossing of an edge when
  // the segment crosses one). Non-crossing segments are closest at an end of one of them.
  Approach SegmentApproach(LatLng a, LatLng b, double cap = kInfinity) const;
  // The distance between two shapes (0 when they touch or one contains part of the other).
  double DistanceTo(const Shape& other, double cap = kInfinity) const;

 private:
  void Add(std::span<const LatLng> line);
  // The first parameter along a-b at which it meets an edge (exact test), if it does.
  std::optional<double> FirstCrossing(LatLng a, LatLng b) const;
  std::vector<std::vector<LatLng>> lines_;  // polylines; area rings included, closed
  std::vector<LatLngRect> line_bounds_;
  std::vector<Polygon> areas_;
  LatLngRect bounds_;
};

}  // namespace truce::detail
