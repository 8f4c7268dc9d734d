// The share of a report's disc inside a zone, computed in the plane of the Lambert azimuthal
// equal-area projection centred on the disc (docs/reports.md, "fraction").
//
// The projection keeps areas exactly (WGS84, through the authalic latitude; Snyder 1987,
// "Map projections: a working manual", pp. 187-190, oblique aspect with the factor D that makes
// the scale the same in every direction at the centre). There the geodesic circle is a circle
// to within a few parts in 10^9 of its radius for radii up to 100 km (disc_share_test.cc
// measures it), and the zone's edges, straight in lon/lat (RFC 7946), are slightly curved: they
// are followed by chords, split until the area between chord and curve is below 10^-9 of the
// disc, or closed by a parabola where the whole piece lies inside the disc. The area of
// circle and zone is then summed edge by edge in closed form (Green's theorem: for each piece,
// the part of the triangle centre-a-b inside the circle).
//
// Pure functions; safe to call from any thread.
#pragma once

#include <optional>
#include <vector>

#include "truce/geo.h"
#include "truce/geometry.h"

namespace truce::detail {

// A point of the projection plane, metres east and north of the centre.
struct PlanePoint {
  double x = 0;
  double y = 0;
};

// A position's terms of the projection that do not depend on the projection's centre: its
// authalic latitude's sine and cosine, its longitude's. Computed once per zone vertex
// (DiscShareZone), they spare every report near the zone the vertex's transcendental functions.
struct AuthalicPosition {
  double sin_beta = 0, cos_beta = 1, sin_lng = 0, cos_lng = 1;
  static AuthalicPosition Of(LatLng p);
};

// The oblique ellipsoidal Lambert azimuthal equal-area projection centred on one position.
class LocalEqualArea {
 public:
  explicit LocalEqualArea(LatLng centre);
  PlanePoint Project(LatLng p) const;
  // The same, from the position's terms (the longitude difference by the angle-difference
  // identities: within 1e-8 m of Project(LatLng) over the 2,000 km DiscShare uses).
  PlanePoint Project(const AuthalicPosition& p) const;

  // The circle that is the image of the geodesic disc of `radius` around the centre: of the
  // disc's area, and centred a little towards the equator (by e^2 r^2 sin(2 phi) / 12a, about
  // 8 mm for 10 km at 33 N), as measured in disc_share_test.cc.
  struct Circle {
    PlanePoint centre;
    double radius = 0;
  };
  Circle Disc(Meters radius) const;

 private:
  double lat0_ = 0, lng0_ = 0, sin_lng0_ = 0, cos_lng0_ = 1, sin_beta1_ = 0, cos_beta1_ = 0, d_ = 1,
         curvature_radius_ = 0;
};

// The largest radius and the largest |latitude| of a centre DiscShare answers for.
inline constexpr double kDiscShareMaxRadius = 200'000;  // metres
inline constexpr double kDiscShareMaxLatitude = 80;     // degrees

// The share (0..1) of the geodesic disc of `radius` around `centre` that lies inside `shape`
// (holes excluded, edges straight in lon/lat), to within 10^-7 (disc_share_test.cc); and
// `clearance`, a lower bound, in metres in the plane, on the distance from the disc's circle's
// centre to the shape's boundary (infinite for a shape with no ring near). nullopt
// outside the method's domain: a radius above kDiscShareMaxRadius or not positive, a centre
// beyond kDiscShareMaxLatitude, or a ring near the disc with a vertex more than 2,000 km from
// it, or a disc that reaches the antimeridian.
// A rectangle in degrees holding every point within geodesic distance radius * kDiscBoundsMargin
// of `centre`, from bounds on the ellipsoid's curvature alone (no geodesic computed). nullopt
// when it would reach 89 degrees of latitude or the antimeridian, where the bound is not kept
// simple. The evaluator's prefilter and the plane share both use it.
inline constexpr double kDiscBoundsMargin = 1.001;
std::optional<LatLngRect> DiscBounds(LatLng centre, Meters radius);

// How far, as a share of r, the evaluator's circumscribed 128-gon (vertices at geodesic
// distance r / cos(pi/128), edges straight in lon/lat) dips inside the geodesic circle of r:
// its chords bow towards the equator. A bound fitted with margin to the measurement in
// disc_share_test.cc (6.9e-5 at 80 degrees and 200 km, 3.8e-7 at the equator).
double CircumscribedPolygonDip(LatLng centre, Meters radius);

struct DiscShareResult {
  double share = 0;
  double clearance = 0;
};

// A zone prepared for DiscShare: its shape and each vertex's AuthalicPosition (32 bytes a
// vertex). REQUIRES: `shape` outlives it.
class DiscShareZone {
 public:
  explicit DiscShareZone(const MultiPolygon& shape);
  const MultiPolygon& shape() const { return shape_; }
  // The terms of polygon p's ring k, vertex by vertex.
  const std::vector<AuthalicPosition>& terms(size_t p, size_t k) const { return terms_[p][k]; }
  // The box of polygon p's ring k.
  const LatLngRect& box(size_t p, size_t k) const { return boxes_[p][k]; }

 private:
  const MultiPolygon& shape_;
  std::vector<std::vector<std::vector<AuthalicPosition>>> terms_;
  std::vector<std::vector<LatLngRect>> boxes_;
};

std::optional<DiscShareResult> DiscShare(const DiscShareZone& zone, LatLng centre, Meters radius);
// The same for a shape used once (tests, CoverDisc): prepares it first.
std::optional<DiscShareResult> DiscShare(const MultiPolygon& shape, LatLng centre, Meters radius);

}  // namespace truce::detail
