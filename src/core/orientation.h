// Exact planar orientation, the one predicate truce's zone index decides everything with.
//
// Orient(a, b, p) is the sign of the cross product (b - a) x (p - a): +1 when p lies to the
// left of the directed line a->b (a, b, p counter-clockwise), -1 to the right, 0 when the
// three points are collinear. It is exact for every finite double input whose intermediate
// products neither overflow nor underflow, which covers all longitudes and latitudes except
// coordinates within about 1e-140 degrees of zero (GEOS's double-double predicate shares that
// limit). A floating-point filter (Shewchuk's error bound A) decides almost every call; only
// near-degenerate triples reach the exact expansion arithmetic in orientation.cc.
//
// Pure functions, safe to call from any thread.
#pragma once

namespace truce::detail {

struct XY {
  double x = 0;
  double y = 0;
  friend constexpr bool operator==(const XY&, const XY&) = default;
};

// The exact sign by expansion arithmetic (Shewchuk 1997): the determinant is written as a sum
// of 16 doubles with no rounding error, and the sign of that sum is read from its largest
// non-overlapping component. Slow (about 100 ns); called by Orient() when the filter cannot
// decide.
int OrientExact(XY a, XY b, XY p) noexcept;

// Exact orientation (see the file comment). Inline so that the filtered fast path costs a few
// floating-point operations in the lookup loop.
inline int Orient(XY a, XY b, XY p) noexcept {
  // Shewchuk's orient2d with pc = p: det = (a - p) x (b - p), which equals (b - a) x (p - a).
  const double detleft = (a.x - p.x) * (b.y - p.y);
  const double detright = (a.y - p.y) * (b.x - p.x);
  const double det = detleft - detright;
  double detsum;
  if (detleft > 0) {
    if (detright <= 0) return det > 0 ? 1 : (det < 0 ? -1 : 0);
    detsum = detleft + detright;
  } else if (detleft < 0) {
    if (detright >= 0) return det > 0 ? 1 : (det < 0 ? -1 : 0);
    detsum = -detleft - detright;
  } else {
    // detleft == 0 only when a.x == p.x or b.y == p.y exactly (a difference of doubles is zero
    // only for equal operands), so the determinant is exactly -detright, whose sign rounding
    // cannot change.
    return det > 0 ? 1 : (det < 0 ? -1 : 0);
  }
  // ccwerrboundA = (3 + 16 eps) eps with eps = 2^-53 (Shewchuk, "Adaptive Precision
  // Floating-Point Arithmetic and Fast Robust Geometric Predicates", 1997).
  constexpr double kEps = 1.1102230246251565e-16;
  constexpr double kErrBoundA = (3.0 + 16.0 * kEps) * kEps;
  const double bound = kErrBoundA * detsum;
  if (det > bound) return 1;
  if (-det > bound) return -1;
  return OrientExact(a, b, p);
}

// Whether p lies on the closed segment a-b (exact).
inline bool OnSegment(XY a, XY b, XY p) noexcept {
  if (p.x < (a.x < b.x ? a.x : b.x) || p.x > (a.x < b.x ? b.x : a.x)) return false;
  if (p.y < (a.y < b.y ? a.y : b.y) || p.y > (a.y < b.y ? b.y : a.y)) return false;
  return Orient(a, b, p) == 0;
}

}  // namespace truce::detail
