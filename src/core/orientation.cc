// The exact slow path of Orient(). This file is compiled with -ffp-contract=off: the error-free
// transformations below are only error-free if the compiler evaluates them as written.
#include "orientation.h"

#include <cmath>

namespace truce::detail {
namespace {

// s + e == a + b exactly, |e| <= ulp(s) / 2 (Knuth's TwoSum; no precondition on magnitudes).
inline void TwoSum(double a, double b, double& s, double& e) noexcept {
  s = a + b;
  const double bv = s - a;
  const double av = s - bv;
  e = (a - av) + (b - bv);
}

// p + e == a * b exactly (fma computes a * b - p without intermediate rounding).
inline void TwoProduct(double a, double b, double& p, double& e) noexcept {
  p = a * b;
  e = std::fma(a, b, -p);
}

// (hi, lo) with hi + lo == a - b exactly.
inline void TwoDiff(double a, double b, double& hi, double& lo) noexcept { TwoSum(a, -b, hi, lo); }

}  // namespace

int OrientExact(XY a, XY b, XY p) noexcept {
  // det = (a.x - p.x) * (b.y - p.y) - (a.y - p.y) * (b.x - p.x), each difference as an exact
  // two-term sum, each product of sums as four exact two-term products: 16 terms in all.
  double ax[2], by[2], ay[2], bx[2];
  TwoDiff(a.x, p.x, ax[0], ax[1]);
  TwoDiff(b.y, p.y, by[0], by[1]);
  TwoDiff(a.y, p.y, ay[0], ay[1]);
  TwoDiff(b.x, p.x, bx[0], bx[1]);
  double terms[16];
  int n = 0;
  for (int i = 0; i < 2; ++i) {
    for (int j = 0; j < 2; ++j) {
      TwoProduct(ax[i], by[j], terms[n], terms[n + 1]);
      n += 2;
      TwoProduct(-ay[i], bx[j], terms[n], terms[n + 1]);
      n += 2;
    }
  }
  // Grow a non-overlapping expansion, smallest component first, by one term at a time
  // (Shewchuk's GROW-EXPANSION with zero elimination). The sum of an expansion has the sign
  // of its largest component, which is the last one.
  double e[17];
  int m = 0;
  for (int i = 0; i < n; ++i) {
    double q = terms[i];
    int k = 0;
    for (int j = 0; j < m; ++j) {
      double s, err;
      TwoSum(q, e[j], s, err);
      if (err != 0) e[k++] = err;
      q = s;
    }
    if (q != 0) e[k++] = q;
    m = k;
  }
  if (m == 0) return 0;
  return e[m - 1] > 0 ? 1 : -1;
}

}  // namespace truce::detail
