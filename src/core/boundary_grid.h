// The boundary edges of one zone shape in a uniform lon/lat grid, for the two questions the
// flight monitor asks that a point locator cannot answer: where does the straight segment
// between two fixes cross the boundary, and is a fix within some metres of the boundary.
//
// Edges are straight in lon/lat (RFC 7946), like the segments between fixes. Immutable after
// construction; safe to share between threads.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

#include "truce/geo.h"
#include "truce/geometry.h"

namespace truce::detail {

// std::llround (halves away from zero) without the library call, for the millisecond times
// the monitor interpolates: the truncation, and the fraction it dropped, are exact below 2^53
// (beyond, every double is an integer).
inline int64_t RoundHalfAway(double x) {
  if (!(std::abs(x) < 0x1p62)) return std::llround(x);
  int64_t t = static_cast<int64_t>(x);
  const double fraction = x - static_cast<double>(t);
  if (fraction >= 0.5) ++t;
  if (fraction <= -0.5) --t;
  return t;
}

class BoundaryGrid {
 public:
  // Indexes every ring edge of `shape`. The grid has about one cell per two edges (at most
  // 2^18 cells), so a short segment meets a handful of edges.
  explicit BoundaryGrid(const MultiPolygon& shape);

  // Appends to `params` (after clearing it) the parameters s in [0, 1] at which the segment
  // a + s (b - a) meets a boundary edge, sorted and without repeats (collinear overlaps give
  // their two ends). Returns whether any edge lies in a grid cell the segment passes through:
  // false means the segment provably stays on one side of the boundary.
  bool Crossings(LatLng a, LatLng b, std::vector<double>& params) const;

  // Whether some boundary edge is within `distance` of `p` (metres, in the plane tangent at p;
  // within 0.1% of the geodesic distance for distances of a few kilometres).
  bool Near(LatLng p, Meters distance) const;

  const LatLngRect& bounds() const noexcept { return bounds_; }
  size_t edge_count() const noexcept { return edges_.size(); }

 private:
  struct Edge {
    double x0, y0, x1, y1;  // lng, lat
  };
  // Calls visit(cell) for every cell that the segment (x0,y0)-(x1,y1), padded by `pad`
  // degrees, may pass through.
  template <typename Visit>
  void ForEachCell(double x0, double y0, double x1, double y1, double pad, Visit&& visit) const;
  // Collects into `out` (sorted, unique) the edges in cells the segment passes through.
  void EdgesAlong(double x0, double y0, double x1, double y1, double pad,
                  std::vector<uint32_t>& out) const;

  LatLngRect bounds_;
  std::vector<Edge> edges_;
  double x0_ = 0, y0_ = 0;  // grid origin (lng_lo, lat_lo)
  double dx_ = 1, dy_ = 1;  // cell size in degrees
  int nx_ = 1, ny_ = 1;
  std::vector<uint32_t> cell_start_;  // CSR: edges of cell c are cell_edges_[start[c], start[c+1])
  std::vector<uint32_t> cell_edges_;
};

}  // namespace truce::detail
