#include "disc_share.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>

#include "geodesy.h"

namespace truce::detail {
namespace {

constexpr double kDeg = std::numbers::pi / 180;
// WGS84.
constexpr double kA = 6378137.0;
constexpr double kF = 1 / 298.257223563;
constexpr double kE2 = kF * (2 - kF);
// The smallest radius of curvature anywhere on the ellipsoid (meridional, at the equator),
// with a margin: every curvature bound below divides by it.
constexpr double kMinRadius = 6335000.0;

double E() { return std::sqrt(kE2); }

// Snyder's q(phi), of which the authalic latitude beta is asin(q / q_p).
double Q(double sin_phi) {
  const double e = E();
  return (1 - kE2) * (sin_phi / (1 - kE2 * sin_phi * sin_phi) + std::atanh(e * sin_phi) / e);
}

double QPole() {
  static const double q_p = Q(1.0);
  return q_p;
}

double Cross(PlanePoint a, PlanePoint b) { return a.x * b.y - a.y * b.x; }
double Dot(PlanePoint a, PlanePoint b) { return a.x * b.x + a.y * b.y; }
// Coordinates are below 1e7 m: no overflow for hypot to guard against, and it is slower.
double Norm(PlanePoint a) { return std::sqrt(a.x * a.x + a.y * a.y); }
PlanePoint Minus(PlanePoint a, PlanePoint b) { return {a.x - b.x, a.y - b.y}; }

// The distance from the origin to the segment a-b.
double DistanceToSegment(PlanePoint a, PlanePoint b) {
  const PlanePoint d = Minus(b, a);
  const double len2 = Dot(d, d);
  double t = len2 > 0 ? -Dot(a, d) / len2 : 0;
  t = std::clamp(t, 0.0, 1.0);
  return Norm({a.x + t * d.x, a.y + t * d.y});
}

// Twice the signed area swept from the origin along the straight chord a-b that lies inside
// the circle of radius rho: the triangle where the chord is inside, the sector where not.
double ChordInCircle(PlanePoint a, PlanePoint b, double rho) {
  const PlanePoint d = Minus(b, a);
  const double rho2 = rho * rho;
  // |a + t d|^2 = rho^2: A t^2 + 2 B t + C = 0.
  const double qa = Dot(d, d), qb = Dot(a, d), qc = Dot(a, a) - rho2;
  double cuts[4] = {0, 0, 0, 1};
  int n = 1;
  const double disc = qb * qb - qa * qc;
  if (qa > 0 && disc > 0) {
    const double root = std::sqrt(disc);
    // The two roots without cancellation.
    const double k = qb >= 0 ? -(qb + root) : -(qb - root);
    double t1 = k / qa, t2 = k != 0 ? qc / k : t1;
    if (t1 > t2) std::swap(t1, t2);
    if (t1 > 0 && t1 < 1) cuts[n++] = t1;
    if (t2 > 0 && t2 < 1) cuts[n++] = t2;
  }
  cuts[n++] = 1;
  double twice = 0;
  for (int i = 0; i + 1 < n; ++i) {
    const PlanePoint p{a.x + cuts[i] * d.x, a.y + cuts[i] * d.y};
    const PlanePoint q{a.x + cuts[i + 1] * d.x, a.y + cuts[i + 1] * d.y};
    const double tm = (cuts[i] + cuts[i + 1]) / 2;
    const PlanePoint m{a.x + tm * d.x, a.y + tm * d.y};
    if (Dot(m, m) <= rho2) {
      twice += Cross(p, q);
    } else {
      twice += rho2 * std::atan2(Cross(p, q), Dot(p, q));
    }
  }
  return twice;
}

// The box of ring[first..last], by plain comparisons (LatLngRect::Extend's fmin and fmax are
// calls, and were 8% of the time on rings of thousands of vertices).
LatLngRect BoxOf(const Ring& ring, size_t first, size_t last) {
  LatLngRect box{ring[first].lat(), ring[first].lat(), ring[first].lng(), ring[first].lng()};
  for (size_t i = first + 1; i <= last; ++i) {
    const double lat = ring[i].lat(), lng = ring[i].lng();
    box.lat_lo = lat < box.lat_lo ? lat : box.lat_lo;
    box.lat_hi = lat > box.lat_hi ? lat : box.lat_hi;
    box.lng_lo = lng < box.lng_lo ? lng : box.lng_lo;
    box.lng_hi = lng > box.lng_hi ? lng : box.lng_hi;
  }
  return box;
}

// Sums, for one ring, twice the signed area of (disc and ring's interior): the ring's edges
// are straight in lon/lat, so curves in the plane; each is followed by chords (see the header).
class RingSweep {
 public:
  // `reach`: the radius of a geodesic disc about `centre` that holds the circle's.
  RingSweep(const LocalEqualArea& plane, LocalEqualArea::Circle circle, LatLng centre, double reach)
      : plane_(plane),
        centre_(circle.centre),
        rho_(circle.radius),
        geo_centre_(centre),
        reach_(reach) {
    const double rho = rho_;
    // A piece of chord whose lens (area between chord and curve, at most kappa l^3 / 12) is
    // below this is taken as straight.
    lens_tolerance_ = 1e-9 * std::numbers::pi * rho * rho;
    // An edge wholly inside the disc is taken as its chord when its lens is under this: 10,000
    // such edges inside one disc (a detailed boundary) add at most 1e-7 of it. Longer ones get
    // the parabola through their midpoint.
    chord_tolerance_ = 1e-11 * std::numbers::pi * rho * rho;
  }

  // A position in the plane, relative to the circle's centre.
  PlanePoint Project(LatLng p) const { return Minus(plane_.Project(p), centre_); }

  // Twice the signed area of disc and ring; nullopt when a vertex the sweep needs lies more
  // than 2,000 km away (the curvature bounds are not kept beyond) or at the antipode, or when
  // the pieces' budget runs out.
  std::optional<double> Ring(const truce::Ring& ring, const std::vector<AuthalicPosition>& terms,
                             const LatLngRect& box) {
    ring_ = &ring;
    terms_ = &terms;
    const double max_lat = std::max(std::abs(box.lat_lo), std::abs(box.lat_hi));
    per_piece_latitude_ = max_lat > 85;
    tan_lat_ = std::tan(std::min(max_lat, 85.0) * kDeg);
    memo_index_ = SIZE_MAX;
    far_ = false;
    const double twice = Range(0, ring.size() - 1, &box);
    if (far_) return std::nullopt;
    return twice;
  }

  // A lower bound on the distance from the circle's centre to every edge swept so far.
  double clearance() const { return clearance_; }

 private:
  // A bound on the curvature, in the plane, of the image of a straight lon/lat line between
  // ga and gb: a lon/lat line's geodesic curvature is at most about 1.1 tan(phi) / R
  // (disc_share_test.cc measures it), and the projection, an isometry at its centre, bends
  // lines by about d / R^2 at distance d. Both with a factor of safety.
  // The latitude term is taken once per ring, at the ring's largest |latitude| (one tangent
  // per ring rather than per piece), unless the ring reaches past 85 degrees: there the term
  // grows without bound towards the pole, and each piece takes its own.
  double CurvatureBound(LatLng ga, LatLng gb, PlanePoint a, PlanePoint b) const {
    const double tan_lat =
        per_piece_latitude_
            ? std::tan(std::min(std::max(std::abs(ga.lat()), std::abs(gb.lat())), 90.0) * kDeg)
            : tan_lat_;
    const double d = std::max(Norm(a), Norm(b)) + Norm(Minus(b, a));
    return (1.5 * tan_lat + 3 * d / kMinRadius + 1e-3) / kMinRadius;
  }

  double Piece(LatLng ga, PlanePoint a, LatLng gb, PlanePoint b, int depth) {
    const double len = Norm(Minus(b, a));
    // A hostile ring (or one at the pole) could ask for ever more pieces: past the budget the
    // ring is declined, and the polygon predicates decide.
    if (--budget_ < 0) {
      far_ = true;
      return 0;
    }
    const double kappa = CurvatureBound(ga, gb, a, b);
    // The curve lies within `sag` of the chord (plus rounding).
    const double sag = kappa * len * len / 8 + 1e-9 * (Norm(a) + Norm(b)) + 1e-9;
    const double distance = DistanceToSegment(a, b);
    if (distance > rho_ + sag) {
      clearance_ = std::min(clearance_, distance - sag);
      // Curve and chord both stay out of the disc and cannot enclose the centre between them:
      // the curve sweeps the chord's angle.
      return rho_ * rho_ * std::atan2(Cross(a, b), Dot(a, b));
    }
    const bool inside = std::max(Norm(a), Norm(b)) + sag < rho_;
    const double lens = kappa * len * len * len / 12;  // bounds the area between chord and curve
    if (inside && lens <= chord_tolerance_) {
      // Wholly inside and short (a detailed boundary's edges): the chord alone.
      clearance_ = std::min(clearance_, distance - sag);
      return Cross(a, b);
    }
    const LatLng gm((ga.lat() + gb.lat()) / 2, (ga.lng() + gb.lng()) / 2);
    const PlanePoint m = Project(gm);
    // Wholly inside: the triangle plus the parabola through the curve's midpoint (Simpson's
    // rule), whose error for an arc of curvature kappa is kappa^3 len^5 / 960 (a tenth of the
    // tolerance is asked for): long bent pieces, as near 80 degrees in a large disc, are split.
    const double kl = kappa * len;
    if (inside && (kl * kl * kl * len * len <= 96 * lens_tolerance_ || depth >= 48)) {
      clearance_ = std::min(clearance_, distance - sag);
      return Cross(a, b) + 4.0 / 3.0 * Cross(Minus(m, a), Minus(b, a));
    }
    if (lens <= lens_tolerance_ || depth >= 48) {
      clearance_ = std::min(clearance_, distance - sag);
      return ChordInCircle(a, b, rho_);
    }
    return Piece(ga, a, gm, m, depth + 1) + Piece(gm, m, gb, b, depth + 1);
  }

  // The edges [first, last) of the ring. A run of edges far from the disc (farther than twice
  // its own extent, and beyond the disc) sweeps the angle between its ends, its inner
  // vertices never projected: a zone with thousands of vertices costs the edges near the
  // disc, not all of them. Shorter runs, and runs near the disc, are cut in kFanOut.
  // `known`: the run's box, when the caller has it.
  double Range(size_t first, size_t last, const LatLngRect* known = nullptr) {
    const truce::Ring& ring = *ring_;
    if (last - first > kRunEdges) {
      const LatLngRect box = known ? *known : BoxOf(ring, first, last);
      // LowerBound is a lower bound on the geodesic distance; the extent an upper bound on the
      // run's size (a degree is at most 111.7 km either way).
      const double gap = LowerBound(geo_centre_, box);
      const double extent = 111'700 * ((box.lat_hi - box.lat_lo) + (box.lng_hi - box.lng_lo));
      if (gap > 2 * extent && gap > reach_) {
        // The run lies in a box that subtends well under a half-turn from the centre and
        // does not reach the disc: it sweeps the angle between its ends. The plane shrinks
        // distances by under 1% within 2,000 km; LowerBound is a lower bound only up to about
        // 1,000 km (near the poles a geodesic bends poleward of its ends), and discs are at
        // most 200 km, so the clearance credits no more than that.
        clearance_ = std::min(clearance_, 0.99 * std::min(gap, 1e6));
        const PlanePoint a = Vertex(first), b = Vertex(last);
        return rho_ * rho_ * std::atan2(Cross(a, b), Dot(a, b));
      }
      const size_t step = (last - first + kFanOut - 1) / kFanOut;
      double twice = 0;
      for (size_t i = first; i < last && !far_; i += step) {
        twice += Range(i, std::min(last, i + step));
      }
      return twice;
    }
    double twice = 0;
    for (size_t i = first; i < last; ++i) {
      const PlanePoint a = Vertex(i), b = Vertex(i + 1);
      // A far vertex declines the ring: its edges, near the antipode, would split at length.
      if (far_) return 0;
      twice += Piece(ring[i], a, ring[i + 1], b, 0);
    }
    return twice;
  }

  // Vertex i projected, relative to the circle's centre; the last one is kept, since runs and
  // edges are swept in order and share their ends.
  PlanePoint Vertex(size_t i) {
    if (i != memo_index_) {
      memo_index_ = i;
      memo_ = Minus(plane_.Project((*terms_)[i]), centre_);
      // Negated, so that the antipode, which projects to (inf, NaN), counts as far.
      far_ = far_ || !(Norm(memo_) <= 2e6);
    }
    return memo_;
  }

  static constexpr size_t kRunEdges = 16, kFanOut = 8;
  // Pieces one share may sweep: a disc across thousands of edges takes a few thousand.
  static constexpr long kPieceBudget = 1'000'000;

  const LocalEqualArea& plane_;
  const PlanePoint centre_;
  const double rho_;
  const LatLng geo_centre_;
  const double reach_;
  const truce::Ring* ring_ = nullptr;
  const std::vector<AuthalicPosition>* terms_ = nullptr;
  double tan_lat_ = 0;
  bool per_piece_latitude_ = false;
  long budget_ = kPieceBudget;
  size_t memo_index_ = SIZE_MAX;
  PlanePoint memo_;
  bool far_ = false;
  double lens_tolerance_ = 0, chord_tolerance_ = 0;
  double clearance_ = std::numeric_limits<double>::infinity();
};

}  // namespace

AuthalicPosition AuthalicPosition::Of(LatLng p) {
  AuthalicPosition out;
  out.sin_beta = Q(std::sin(p.lat() * kDeg)) / QPole();
  out.cos_beta = std::sqrt(std::max(0.0, 1 - out.sin_beta * out.sin_beta));
  out.sin_lng = std::sin(p.lng() * kDeg);
  out.cos_lng = std::cos(p.lng() * kDeg);
  return out;
}

LocalEqualArea::LocalEqualArea(LatLng centre)
    : lat0_(centre.lat()),
      lng0_(centre.lng()),
      sin_lng0_(std::sin(centre.lng() * kDeg)),
      cos_lng0_(std::cos(centre.lng() * kDeg)) {
  const double sin_phi = std::sin(centre.lat() * kDeg), cos_phi = std::cos(centre.lat() * kDeg);
  sin_beta1_ = Q(sin_phi) / QPole();
  cos_beta1_ = std::sqrt(std::max(0.0, 1 - sin_beta1_ * sin_beta1_));
  const double rq = kA * std::sqrt(QPole() / 2);
  const double w = std::sqrt(1 - kE2 * sin_phi * sin_phi);
  d_ = cos_beta1_ > 0 ? kA * (cos_phi / w) / (rq * cos_beta1_) : 1;
  // The Gaussian radius of curvature sqrt(M N) at the centre.
  curvature_radius_ = kA * std::sqrt(1 - kE2) / (w * w);
}

PlanePoint LocalEqualArea::Project(LatLng p) const {
  static const double rq = kA * std::sqrt(QPole() / 2);
  const double sin_beta = Q(std::sin(p.lat() * kDeg)) / QPole();
  const double cos_beta = std::sqrt(std::max(0.0, 1 - sin_beta * sin_beta));
  double dlng = p.lng() - lng0_;
  if (dlng > 180) dlng -= 360;
  if (dlng < -180) dlng += 360;
  const double sin_dl = std::sin(dlng * kDeg), cos_dl = std::cos(dlng * kDeg);
  const double b = rq * std::sqrt(2 / (1 + sin_beta1_ * sin_beta + cos_beta1_ * cos_beta * cos_dl));
  return {b * d_ * cos_beta * sin_dl,
          b / d_ * (cos_beta1_ * sin_beta - sin_beta1_ * cos_beta * cos_dl)};
}

PlanePoint LocalEqualArea::Project(const AuthalicPosition& p) const {
  static const double rq = kA * std::sqrt(QPole() / 2);
  const double sin_dl = p.sin_lng * cos_lng0_ - p.cos_lng * sin_lng0_;
  const double cos_dl = p.cos_lng * cos_lng0_ + p.sin_lng * sin_lng0_;
  const double b =
      rq * std::sqrt(2 / (1 + sin_beta1_ * p.sin_beta + cos_beta1_ * p.cos_beta * cos_dl));
  return {b * d_ * p.cos_beta * sin_dl,
          b / d_ * (cos_beta1_ * p.sin_beta - sin_beta1_ * p.cos_beta * cos_dl)};
}

LocalEqualArea::Circle LocalEqualArea::Disc(Meters radius) const {
  // The geodesic disc's area is that of a disc on the sphere of the centre's Gaussian
  // curvature, 2 pi R^2 (1 - cos(r / R)) = pi (2 R sin(r / 2R))^2, to a few parts in 10^10 up
  // to 200 km. Its image's centre moves towards the equator by k e^2 r^2 sin(2 phi) / 12a,
  // where k = 1 + e^2 (0.15 + sin^2(phi) / 2) fits the measured shift to 10^-4 of itself.
  // Both are measured, with the circle's remaining deviation, in disc_share_test.cc.
  const double big_r = curvature_radius_;
  const double r = radius.value;
  const double sin_phi = std::sin(lat0_ * kDeg);
  const double k = 1 + kE2 * (0.15 + sin_phi * sin_phi / 2);
  const double shift = k * kE2 * r * r * std::sin(2 * lat0_ * kDeg) / (12 * kA);
  return Circle{PlanePoint{0, -shift}, 2 * big_r * std::sin(r / (2 * big_r))};
}

std::optional<LatLngRect> DiscBounds(LatLng centre, Meters radius) {
  // Along any path, ds >= M dphi with M >= a(1 - e^2) (the meridional radius at the equator),
  // and ds >= N cos(phi) dlambda with N >= a. A margin covers rounding.
  constexpr double kMeridionalMin = 6335439.0;
  const double r = radius.value * kDiscBoundsMargin;
  const double dlat = r / kMeridionalMin / kDeg + 1e-9;
  const double max_lat = std::abs(centre.lat()) + dlat;
  if (!(max_lat < 89.0)) return std::nullopt;
  const double dlng = r / (kA * std::cos(max_lat * kDeg)) / kDeg + 1e-9;
  const double lng_lo = centre.lng() - dlng, lng_hi = centre.lng() + dlng;
  if (!(lng_lo > -180.0 && lng_hi < 180.0)) return std::nullopt;
  return LatLngRect{centre.lat() - dlat, centre.lat() + dlat, lng_lo, lng_hi};
}

double CircumscribedPolygonDip(LatLng centre, Meters radius) {
  constexpr double kEarthRadius = 6'371'000;
  const double tan_lat = std::tan(std::min(std::abs(centre.lat()), 89.0) * kDeg);
  return (4e-4 * tan_lat + 1.5e-5) * radius.value / kEarthRadius + 1e-8;
}

DiscShareZone::DiscShareZone(const MultiPolygon& shape) : shape_(shape) {
  for (const Polygon& polygon : shape.polygons) {
    std::vector<std::vector<AuthalicPosition>>& rings = terms_.emplace_back();
    std::vector<LatLngRect>& boxes = boxes_.emplace_back();
    for (const Ring& ring : polygon.rings) {
      std::vector<AuthalicPosition>& terms = rings.emplace_back();
      terms.reserve(ring.size());
      for (const LatLng& p : ring) terms.push_back(AuthalicPosition::Of(p));
      boxes.push_back(ring.empty() ? LatLngRect{} : BoxOf(ring, 0, ring.size() - 1));
    }
  }
}

std::optional<DiscShareResult> DiscShare(const MultiPolygon& shape, LatLng centre, Meters radius) {
  return DiscShare(DiscShareZone(shape), centre, radius);
}

std::optional<DiscShareResult> DiscShare(const DiscShareZone& zone, LatLng centre, Meters radius) {
  const MultiPolygon& shape = zone.shape();
  if (!(radius.value > 0 && radius.value <= kDiscShareMaxRadius) ||
      std::abs(centre.lat()) > kDiscShareMaxLatitude) {
    return std::nullopt;
  }
  const std::optional<LatLngRect> bounds = DiscBounds(centre, radius);
  if (!bounds) return std::nullopt;
  const LatLngRect& box = *bounds;
  const auto misses = [&](const LatLngRect& b) {
    return b.lat_hi < box.lat_lo || b.lat_lo > box.lat_hi || b.lng_hi < box.lng_lo ||
           b.lng_lo > box.lng_hi;
  };

  const LocalEqualArea plane(centre);
  const LocalEqualArea::Circle circle = plane.Disc(radius);
  const double rho = circle.radius;
  RingSweep sweep(plane, circle, centre, radius.value * kDiscBoundsMargin);
  double twice_inside = 0;
  // A ring skipped lies beyond the box, which holds the disc of 1.001 r (kDiscBoundsMargin): its
  // distance in the plane is at least that, less the plane's scale error (under 1e-4 within
  // 2,000 km).
  double skipped_clearance = std::numeric_limits<double>::infinity();
  for (size_t p = 0; p < shape.polygons.size(); ++p) {
    const Polygon& polygon = shape.polygons[p];
    for (size_t k = 0; k < polygon.rings.size(); ++k) {
      const Ring& ring = polygon.rings[k];
      // A ring whose box misses the disc's neither meets the disc nor holds it.
      if (ring.size() < 4) continue;
      const LatLngRect& ring_box = zone.box(p, k);
      if (misses(ring_box)) {
        skipped_clearance = radius.value * kDiscBoundsMargin * (1 - 1e-4);
        continue;
      }
      const std::optional<double> swept = sweep.Ring(ring, zone.terms(p, k), ring_box);
      if (!swept) return std::nullopt;
      const double twice = *swept;
      // The sweep is signed by the ring's orientation; the hole's share is taken away.
      const double area = std::abs(twice);
      twice_inside += k == 0 ? area : -area;
    }
  }
  if (!std::isfinite(twice_inside)) return std::nullopt;
  return DiscShareResult{std::clamp(twice_inside / (2 * std::numbers::pi * rho * rho), 0.0, 1.0),
                         std::min(sweep.clearance(), skipped_clearance)};
}

}  // namespace truce::detail
