#include "geodesy.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <optional>

#include <GeographicLib/Geodesic.hpp>
#include <GeographicLib/Gnomonic.hpp>

#include "orientation.h"

namespace truce::detail {
namespace {

// Metres per degree used by the lower bounds: the meridional radius of curvature is smallest
// at the equator (6,335,439 m, 110,574 m per degree of latitude), the prime vertical radius
// is at least the equatorial radius (6,378,137 m, 111,319 m per degree of longitude).
constexpr double kMinMetresPerDegreeLat = 110'574;
constexpr double kMinMetresPerDegreeLngAtEquator = 111'319;
// A geodesic shorter than ~1,000 km strays far less than this beyond the latitudes of its
// ends (its vertex); the bound on cos(latitude) along it allows for that.
constexpr double kLatitudeMargin = 0.5;

const GeographicLib::Gnomonic& Gnomonic() {
  static const GeographicLib::Gnomonic gnomonic(GeographicLib::Geodesic::WGS84());
  return gnomonic;
}

// Lower bound from the gaps (degrees) between two latitude and longitude ranges, with
// `max_abs_lat` the largest |latitude| at either end. The metric of the ellipsoid in geodetic
// coordinates is M(phi)^2 dphi^2 + N(phi)^2 cos^2(phi) dlambda^2; along any path the latitude
// part costs at least M_min |dphi| and the longitude part at least a cos(phi_max) |dlambda|,
// and by Minkowski's inequality the length is at least the hypotenuse of the two.
double GapBound(double dlat, double dlng, double max_abs_lat) {
  if (dlat <= 0 && dlng <= 0) return 0;
  const double phi = std::min(89.9, max_abs_lat + kLatitudeMargin) * std::numbers::pi / 180;
  return std::hypot(dlat * kMinMetresPerDegreeLat,
                    dlng * kMinMetresPerDegreeLngAtEquator * std::cos(phi));
}

XY ToXY(LatLng p) { return XY{p.lng(), p.lat()}; }

LatLngRect BoxOf(LatLng a, LatLng b) {
  LatLngRect r;
  r.Extend(a);
  r.Extend(b);
  return r;
}

bool BoxesMeet(const LatLngRect& a, const LatLngRect& b) {
  return !(a.lat_hi < b.lat_lo || b.lat_hi < a.lat_lo || a.lng_hi < b.lng_lo ||
           b.lng_hi < a.lng_lo);
}

// The parameter of the projection of p onto the line a-b, in lon/lat.
double ParamOf(XY a, XY b, XY p) {
  const double dx = b.x - a.x, dy = b.y - a.y;
  const double dd = dx * dx + dy * dy;
  if (dd == 0) return 0;
  return std::clamp(((p.x - a.x) * dx + (p.y - a.y) * dy) / dd, 0.0, 1.0);
}

// The first parameter along a-b at which it meets the segment c-d, if they meet (exact test;
// the parameter itself is rounded).
std::optional<double> FirstMeeting(LatLng a_ll, LatLng b_ll, LatLng c_ll, LatLng d_ll) {
  const XY a = ToXY(a_ll), b = ToXY(b_ll), c = ToXY(c_ll), d = ToXY(d_ll);
  const int o1 = Orient(a, b, c), o2 = Orient(a, b, d);
  const int o3 = Orient(c, d, a), o4 = Orient(c, d, b);
  if (o1 * o2 < 0 && o3 * o4 < 0) {
    const double ex = b.x - a.x, ey = b.y - a.y, fx = d.x - c.x, fy = d.y - c.y;
    const double denominator = ex * fy - ey * fx;
    const double s = ((c.x - a.x) * fy - (c.y - a.y) * fx) / denominator;
    return std::clamp(s, 0.0, 1.0);
  }
  std::optional<double> first;
  auto consider = [&](double s) {
    if (!first || s < *first) first = s;
  };
  if (OnSegment(c, d, a)) consider(0);
  if (OnSegment(c, d, b)) consider(1);
  if (OnSegment(a, b, c)) consider(ParamOf(a, b, c));
  if (OnSegment(a, b, d)) consider(ParamOf(a, b, d));
  return first;
}

// The closest point of the geodesic u-v to p: Karney's interception (Algorithms for
// geodesics, 2013, section 8). In the gnomonic projection centred on a point of the geodesic,
// the geodesic is a straight line and azimuths at the centre are true, so the centre is the
// closest point exactly when p projects perpendicularly onto it; iterating "centre := foot of
// the perpendicular" converges to it in a few steps. `t` is the foot's parameter between u
// (0) and v (1), clamped: past an end, the end is the closest point.
Approach PointToGeodesic(LatLng p, LatLng u, LatLng v) {
  const GeographicLib::Gnomonic& gn = Gnomonic();
  double clat = 0.5 * (u.lat() + v.lat()), clng = 0.5 * (u.lng() + v.lng());
  double t = 0.5;
  for (int i = 0; i < 12; ++i) {
    double xu = 0, yu = 0, xv = 0, yv = 0, xp = 0, yp = 0;
    gn.Forward(clat, clng, u.lat(), u.lng(), xu, yu);
    gn.Forward(clat, clng, v.lat(), v.lng(), xv, yv);
    gn.Forward(clat, clng, p.lat(), p.lng(), xp, yp);
    const double dx = xv - xu, dy = yv - yu;
    const double dd = dx * dx + dy * dy;
    if (!std::isfinite(xp + yp + xu + yu + xv + yv) || dd == 0) {
      // p is more than a quarter meridian away (outside the projection): an end will do.
      const double du = Distance(p, u), dv = Distance(p, v);
      return du <= dv ? Approach{du, 0} : Approach{dv, 1};
    }
    t = ((xp - xu) * dx + (yp - yu) * dy) / dd;
    // Clearly beyond an end: the end is the closest point; no need to converge.
    if (t < -0.01) return Approach{Distance(p, u), 0};
    if (t > 1.01) return Approach{Distance(p, v), 1};
    const double fx = xu + t * dx, fy = yu + t * dy;
    if (std::hypot(fx, fy) < 1e-7) break;  // the centre is the foot (0.1 micrometre)
    gn.Reverse(clat, clng, fx, fy, clat, clng);
  }
  if (t <= 0) return Approach{Distance(p, u), 0};
  if (t >= 1) return Approach{Distance(p, v), 1};
  const LatLng foot(std::clamp(clat, -90.0, 90.0), std::clamp(clng, -180.0, 180.0));
  return Approach{Distance(p, foot), t};
}

}  // namespace

double Distance(LatLng a, LatLng b) {
  double s12 = 0;
  GeographicLib::Geodesic::WGS84().Inverse(a.lat(), a.lng(), b.lat(), b.lng(), s12);
  return s12;
}

LatLng Lerp(LatLng a, LatLng b, double s) {
  return LatLng(std::clamp(a.lat() + s * (b.lat() - a.lat()), -90.0, 90.0),
                std::clamp(a.lng() + s * (b.lng() - a.lng()), -180.0, 180.0));
}

double LowerBound(LatLng p, const LatLngRect& box) {
  if (box.empty()) return kInfinity;
  const double dlat = std::max({0.0, box.lat_lo - p.lat(), p.lat() - box.lat_hi});
  const double dlng = std::max({0.0, box.lng_lo - p.lng(), p.lng() - box.lng_hi});
  return GapBound(dlat, dlng,
                  std::max({std::fabs(p.lat()), std::fabs(box.lat_lo), std::fabs(box.lat_hi)}));
}

double LowerBound(const LatLngRect& a, const LatLngRect& b) {
  if (a.empty() || b.empty()) return kInfinity;
  const double dlat = std::max({0.0, b.lat_lo - a.lat_hi, a.lat_lo - b.lat_hi});
  const double dlng = std::max({0.0, b.lng_lo - a.lng_hi, a.lng_lo - b.lng_hi});
  return GapBound(dlat, dlng,
                  std::max({std::fabs(a.lat_lo), std::fabs(a.lat_hi), std::fabs(b.lat_lo),
                            std::fabs(b.lat_hi)}));
}

Approach PointToSegment(LatLng p, LatLng a, LatLng b, double cap) {
  if (a == b) return Approach{Distance(p, a), 0};
  if (LowerBound(p, BoxOf(a, b)) > cap) return Approach{};
  // Enough pieces that none is longer than kPieceLength (the estimate errs long: the
  // equatorial degree is the longest).
  const double mean_lat = 0.5 * (a.lat() + b.lat()) * std::numbers::pi / 180;
  const double approx_length =
      111'700 * std::hypot(b.lat() - a.lat(), (b.lng() - a.lng()) * std::cos(mean_lat));
  const int pieces = std::max(1, static_cast<int>(std::ceil(approx_length / kPieceLength)));
  Approach best;
  LatLng u = a;
  for (int i = 0; i < pieces; ++i) {
    const double s0 = static_cast<double>(i) / pieces;
    const double s1 = static_cast<double>(i + 1) / pieces;
    const LatLng v = i + 1 == pieces ? b : Lerp(a, b, s1);
    if (LowerBound(p, BoxOf(u, v)) <= std::min(cap, best.distance)) {
      const Approach r = PointToGeodesic(p, u, v);
      if (r.distance < best.distance) best = Approach{r.distance, s0 + r.s * (s1 - s0)};
    }
    u = v;
  }
  return best;
}

int RingSide(LatLng p_ll, const Ring& ring) {
  const XY p = ToXY(p_ll);
  bool inside = false;
  for (size_t i = 0; i + 1 < ring.size(); ++i) {
    const XY a = ToXY(ring[i]), b = ToXY(ring[i + 1]);
    if (OnSegment(a, b, p)) return 0;
    // Crossing number with the half-open rule on y; the side of the edge decided exactly.
    if ((a.y <= p.y) != (b.y <= p.y)) {
      const int o = Orient(a, b, p);
      if ((b.y > a.y) ? o > 0 : o < 0) inside = !inside;
    }
  }
  return inside ? 1 : -1;
}

Shape Shape::Point(LatLng p) {
  Shape s;
  const LatLng one[] = {p};
  s.Add(one);
  return s;
}

Shape Shape::Line(std::span<const LatLng> line) {
  Shape s;
  s.Add(line);
  return s;
}

Shape Shape::Area(const Polygon& polygon) {
  Shape s;
  for (const Ring& ring : polygon.rings) s.Add(ring);
  s.areas_.push_back(polygon);
  return s;
}

Shape Shape::Areas(const MultiPolygon& shape) {
  Shape s;
  for (const Polygon& polygon : shape.polygons) {
    for (const Ring& ring : polygon.rings) s.Add(ring);
    s.areas_.push_back(polygon);
  }
  return s;
}

void Shape::Add(std::span<const LatLng> line) {
  LatLngRect box;
  for (const LatLng& p : line) box.Extend(p);
  lines_.emplace_back(line.begin(), line.end());
  line_bounds_.push_back(box);
  bounds_.Extend(box);
}

bool Shape::Contains(LatLng p) const {
  if (areas_.empty() || !bounds_.Contains(p)) return false;
  for (const Polygon& polygon : areas_) {
    if (polygon.rings.empty()) continue;
    const int side = RingSide(p, polygon.rings[0]);
    if (side < 0) continue;
    if (side == 0) return true;
    bool in_hole = false;
    for (size_t h = 1; h < polygon.rings.size() && !in_hole; ++h) {
      in_hole = RingSide(p, polygon.rings[h]) > 0;  // a hole's boundary belongs to the area
    }
    if (!in_hole) return true;
  }
  return false;
}

double Shape::DistanceToEdges(LatLng p, double cap) const {
  double best = kInfinity;
  for (size_t i = 0; i < lines_.size(); ++i) {
    if (LowerBound(p, line_bounds_[i]) > std::min(cap, best)) continue;
    const std::vector<LatLng>& line = lines_[i];
    if (line.size() == 1) {
      best = std::min(best, Distance(p, line[0]));
      continue;
    }
    for (size_t j = 0; j + 1 < line.size(); ++j) {
      if (LowerBound(p, BoxOf(line[j], line[j + 1])) > std::min(cap, best)) continue;
      best = std::min(best, PointToSegment(p, line[j], line[j + 1], std::min(cap, best)).distance);
    }
  }
  return best;
}

double Shape::DistanceFrom(LatLng p, double cap) const {
  return Contains(p) ? 0 : DistanceToEdges(p, cap);
}

double Shape::Depth(LatLng p) const { return Contains(p) ? DistanceToEdges(p) : 0; }

std::optional<double> Shape::FirstCrossing(LatLng a, LatLng b) const {
  const LatLngRect box = BoxOf(a, b);
  std::optional<double> first;
  for (size_t i = 0; i < lines_.size(); ++i) {
    const std::vector<LatLng>& line = lines_[i];
    if (line.size() < 2 || !BoxesMeet(box, line_bounds_[i])) continue;
    for (size_t j = 0; j + 1 < line.size(); ++j) {
      if (!BoxesMeet(box, BoxOf(line[j], line[j + 1]))) continue;
      if (const auto s = FirstMeeting(a, b, line[j], line[j + 1]); s && (!first || *s < *first)) {
        first = s;
      }
    }
  }
  return first;
}

Approach Shape::SegmentApproach(LatLng a, LatLng b, double cap) const {
  if (a == b) return Approach{DistanceFrom(a, cap), 0};
  if (Contains(a)) return Approach{0, 0};
  const LatLngRect box = BoxOf(a, b);
  if (LowerBound(box, bounds_) > cap) return Approach{};
  if (const auto s = FirstCrossing(a, b)) return Approach{0, *s};
  // Neither touching nor crossing: the closest pair has a vertex of one of them (exactly so
  // in the plane; on the ellipsoid to within the curvature of the pieces, under 1 cm).
  Approach best;
  for (size_t i = 0; i < lines_.size(); ++i) {
    if (LowerBound(box, line_bounds_[i]) > std::min(cap, best.distance)) continue;
    for (const LatLng& v : lines_[i]) {
      if (LowerBound(v, box) > std::min(cap, best.distance)) continue;
      const Approach r = PointToSegment(v, a, b, std::min(cap, best.distance));
      if (r.distance < best.distance) best = r;
    }
  }
  if (const double d = DistanceToEdges(a, std::min(cap, best.distance)); d < best.distance) {
    best = Approach{d, 0};
  }
  if (const double d = DistanceToEdges(b, std::min(cap, best.distance)); d < best.distance) {
    best = Approach{d, 1};
  }
  return best;
}

double Shape::DistanceTo(const Shape& other, double cap) const {
  if (LowerBound(bounds_, other.bounds_) > cap) return kInfinity;
  for (const auto& line : lines_) {
    for (const LatLng& v : line) {
      if (other.Contains(v)) return 0;
    }
  }
  for (const auto& line : other.lines_) {
    for (const LatLng& v : line) {
      if (Contains(v)) return 0;
    }
  }
  for (const auto& line : lines_) {
    for (size_t j = 0; j + 1 < line.size(); ++j) {
      if (other.FirstCrossing(line[j], line[j + 1])) return 0;
    }
  }
  double best = kInfinity;
  for (const auto& line : lines_) {
    for (const LatLng& v : line)
      best = std::min(best, other.DistanceToEdges(v, std::min(cap, best)));
  }
  for (const auto& line : other.lines_) {
    for (const LatLng& v : line) best = std::min(best, DistanceToEdges(v, std::min(cap, best)));
  }
  return best;
}

}  // namespace truce::detail
