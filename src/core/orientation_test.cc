#include "orientation.h"

#include <cmath>
#include <random>

#include <gtest/gtest.h>

namespace truce::detail {
namespace {

__extension__ typedef __int128 Int128;

// The exact sign by 128-bit integers. `bits` is chosen per test so that every coordinate is an
// integer multiple of 2^-bits below 2^62 in magnitude once scaled: differences then stay below
// 2^63 and products below 2^126.
int ReferenceOrient(XY a, XY b, XY p, int bits) {
  auto scaled = [bits](double v) {
    const double s = std::ldexp(v, bits);
    EXPECT_EQ(s, std::trunc(s)) << v << " is not a multiple of 2^-" << bits;
    EXPECT_LT(std::fabs(s), std::ldexp(1.0, 62)) << v;
    return static_cast<Int128>(static_cast<int64_t>(s));
  };
  const Int128 det = (scaled(b.x) - scaled(a.x)) * (scaled(p.y) - scaled(a.y)) -
                     (scaled(b.y) - scaled(a.y)) * (scaled(p.x) - scaled(a.x));
  return det > 0 ? 1 : (det < 0 ? -1 : 0);
}

TEST(OrientTest, PlainCases) {
  EXPECT_EQ(Orient({0, 0}, {1, 0}, {0, 1}), 1);
  EXPECT_EQ(Orient({0, 0}, {1, 0}, {0, -1}), -1);
  EXPECT_EQ(Orient({0, 0}, {1, 0}, {5, 0}), 0);
  EXPECT_EQ(Orient({1, 1}, {1, 1}, {3, 7}), 0);  // degenerate edge
  EXPECT_TRUE(OnSegment({0, 0}, {2, 2}, {1, 1}));
  EXPECT_FALSE(OnSegment({0, 0}, {2, 2}, {3, 3}));  // on the line, past the end
  EXPECT_TRUE(OnSegment({0, 0}, {2, 2}, {2, 2}));
}

// The "classroom example" of Kettner et al. (2008) where naive floating point orientation
// gives inconsistent answers: a grid of points a few ulps around (0.5, 0.5), against the line
// through (12, 12) and (24, 24).
TEST(OrientTest, KettnerGridMatchesBigIntegers) {
  const XY q{12, 12}, r{24, 24};
  int collinear = 0, mismatches = 0;
  for (int i = 0; i < 256; ++i) {
    for (int j = 0; j < 256; ++j) {
      const XY p{0.5 + i * std::ldexp(1.0, -53), 0.5 + j * std::ldexp(1.0, -53)};
      const int got = Orient(p, q, r);
      mismatches += got != ReferenceOrient(p, q, r, 54);
      collinear += got == 0;
    }
  }
  EXPECT_EQ(mismatches, 0);
  EXPECT_GE(collinear, 100);  // the diagonal i == j, at least
}

TEST(OrientTest, NearlyCollinearLonLatMatchesBigIntegers) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> lon(35.0, 43.0), lat(32.0, 38.0), t(-0.5, 1.5);
  std::uniform_int_distribution<int> ulps(-3, 3);
  int mismatches = 0, zeros = 0;
  for (int n = 0; n < 200000; ++n) {
    const XY a{lon(rng), lat(rng)}, b{lon(rng), lat(rng)};
    // A point on the line a-b rounded to doubles, then nudged by a few ulps.
    const double s = t(rng);
    XY p{a.x + s * (b.x - a.x), a.y + s * (b.y - a.y)};
    for (int k = ulps(rng); k != 0; k += k > 0 ? -1 : 1)
      p.x = std::nextafter(p.x, k > 0 ? 90.0 : 0.0);
    if (n % 5 == 0) p = a;
    const int got = Orient(a, b, p);
    mismatches += got != ReferenceOrient(a, b, p, 48);
    zeros += got == 0;
    // Orientation is invariant under rotation of the arguments and flips with a swap.
    EXPECT_EQ(got, Orient(b, p, a));
    EXPECT_EQ(got, -Orient(b, a, p));
  }
  EXPECT_EQ(mismatches, 0);
  EXPECT_GE(zeros, 40000);
}

TEST(OrientTest, ExactPathAgreesWithFilterWhereFilterDecides) {
  // OrientExact on its own must be right everywhere, not only where the filter defers to it.
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> u(-180.0, 180.0);
  auto coord = [&] { return std::round(std::ldexp(u(rng), 40)) / std::ldexp(1.0, 40); };
  for (int n = 0; n < 20000; ++n) {
    const XY a{coord(), coord()}, b{coord(), coord()}, p{coord(), coord()};
    EXPECT_EQ(OrientExact(a, b, p), ReferenceOrient(a, b, p, 40));
  }
  // Coordinates straddling zero, where differences are not representable as one double.
  const XY a{-std::ldexp(3.0, -32), -std::ldexp(1.0, -32)},
      b{std::ldexp(3.0, -32), std::ldexp(1.0, -32)};
  int zeros = 0;
  for (int i = -20; i <= 20; ++i) {
    for (int j = -2; j <= 2; ++j) {
      const XY p{std::ldexp(3.0 * i, -40), std::ldexp(i + std::ldexp(j, -30), -40)};
      const int got = Orient(a, b, p);
      EXPECT_EQ(got, ReferenceOrient(a, b, p, 70)) << i << " " << j;
      zeros += got == 0;
    }
  }
  EXPECT_EQ(zeros, 41);
}

}  // namespace
}  // namespace truce::detail
