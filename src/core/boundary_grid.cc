#include "boundary_grid.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace truce::detail {
namespace {

// Padding in degrees (about 0.1 mm) that keeps cell assignment conservative under rounding:
// an edge and a segment that meet always share a cell.
constexpr double kPad = 1e-9;
// Parameters this close to the ends of an edge or segment still count: a spurious parameter
// only adds a breakpoint whose sides the monitor classifies exactly, a missed one loses a
// crossing, so the tolerance errs on the generous side.
constexpr double kParamSlack = 1e-9;

double Cross(double ax, double ay, double bx, double by) { return ax * by - ay * bx; }

}  // namespace

BoundaryGrid::BoundaryGrid(const MultiPolygon& shape) : bounds_(shape.Bounds()) {
  for (const Polygon& polygon : shape.polygons) {
    for (const Ring& ring : polygon.rings) {
      for (size_t i = 0; i + 1 < ring.size(); ++i) {
        if (ring[i] == ring[i + 1]) continue;
        edges_.push_back(Edge{ring[i].lng(), ring[i].lat(), ring[i + 1].lng(), ring[i + 1].lat()});
      }
    }
  }
  if (bounds_.empty()) return;
  x0_ = bounds_.lng_lo;
  y0_ = bounds_.lat_lo;
  const double w = std::max(bounds_.lng_hi - bounds_.lng_lo, 1e-9);
  const double h = std::max(bounds_.lat_hi - bounds_.lat_lo, 1e-9);
  // At least 1024 cells even for a rectangle, so that segments well inside or well outside a
  // simple zone meet no edge and need no point lookup.
  const double cells = std::clamp(2.0 * static_cast<double>(edges_.size()), 1024.0, 262144.0);
  const double side = std::sqrt(w * h / cells);
  nx_ = std::clamp(static_cast<int>(std::ceil(w / side)), 1, 4096);
  ny_ = std::clamp(static_cast<int>(std::ceil(h / side)), 1, 4096);
  dx_ = w / nx_;
  dy_ = h / ny_;

  // Two passes (count, then fill) build the compressed cell lists.
  const size_t n = static_cast<size_t>(nx_) * static_cast<size_t>(ny_);
  cell_start_.assign(n + 1, 0);
  for (const Edge& e : edges_) {
    ForEachCell(e.x0, e.y0, e.x1, e.y1, kPad, [&](size_t c) { ++cell_start_[c + 1]; });
  }
  for (size_t c = 0; c < n; ++c) cell_start_[c + 1] += cell_start_[c];
  cell_edges_.resize(cell_start_[n]);
  std::vector<uint32_t> fill(cell_start_.begin(), cell_start_.end() - 1);
  for (uint32_t i = 0; i < edges_.size(); ++i) {
    const Edge& e = edges_[i];
    ForEachCell(e.x0, e.y0, e.x1, e.y1, kPad, [&](size_t c) { cell_edges_[fill[c]++] = i; });
  }
}

template <typename Visit>
void BoundaryGrid::ForEachCell(double x0, double y0, double x1, double y1, double pad,
                               Visit&& visit) const {
  if (cell_start_.empty()) return;
  const double ymin = std::min(y0, y1), ymax = std::max(y0, y1);
  const double xmin = std::min(x0, x1), xmax = std::max(x0, x1);
  const double gx1 = x0_ + nx_ * dx_, gy1 = y0_ + ny_ * dy_;
  if (ymax + pad < y0_ || ymin - pad > gy1 || xmax + pad < x0_ || xmin - pad > gx1) return;
  auto row = [&](double y) {
    return std::clamp(static_cast<int>(std::floor((y - y0_) / dy_)), 0, ny_ - 1);
  };
  auto col = [&](double x) {
    return std::clamp(static_cast<int>(std::floor((x - x0_) / dx_)), 0, nx_ - 1);
  };
  const int r0 = row(ymin - pad), r1 = row(ymax + pad);
  const bool flat = ymax - ymin <= 0;
  for (int r = r0; r <= r1; ++r) {
    // The part of the segment within this row's latitudes (padded), as a longitude range.
    double lo = xmin, hi = xmax;
    if (!flat && r0 != r1) {
      const double ya = std::clamp(y0_ + r * dy_ - pad, ymin, ymax);
      const double yb = std::clamp(y0_ + (r + 1) * dy_ + pad, ymin, ymax);
      const double xa = x0 + (ya - y0) * (x1 - x0) / (y1 - y0);
      const double xb = x0 + (yb - y0) * (x1 - x0) / (y1 - y0);
      lo = std::max(xmin, std::min(xa, xb));
      hi = std::min(xmax, std::max(xa, xb));
    }
    const int c0 = col(lo - pad), c1 = col(hi + pad);
    for (int c = c0; c <= c1; ++c) visit(static_cast<size_t>(r) * nx_ + c);
  }
}

void BoundaryGrid::EdgesAlong(double x0, double y0, double x1, double y1, double pad,
                              std::vector<uint32_t>& out) const {
  out.clear();
  int cells = 0;
  ForEachCell(x0, y0, x1, y1, pad, [&](size_t c) {
    ++cells;
    out.insert(out.end(), cell_edges_.begin() + cell_start_[c],
               cell_edges_.begin() + cell_start_[c + 1]);
  });
  // One cell lists each edge once; several may share edges.
  if (cells > 1) {
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
  }
}

bool BoundaryGrid::Crossings(LatLng a, LatLng b, std::vector<double>& params) const {
  params.clear();
  thread_local std::vector<uint32_t> candidates;
  EdgesAlong(a.lng(), a.lat(), b.lng(), b.lat(), kPad, candidates);
  if (candidates.empty()) return false;
  const double rx = b.lng() - a.lng(), ry = b.lat() - a.lat();
  const double rr = rx * rx + ry * ry;
  if (rr == 0) return true;  // a point: no crossing, but an edge is near
  auto add = [&](double s) {
    if (s >= -kParamSlack && s <= 1 + kParamSlack) params.push_back(std::clamp(s, 0.0, 1.0));
  };
  for (uint32_t i : candidates) {
    const Edge& e = edges_[i];
    const double qx = e.x1 - e.x0, qy = e.y1 - e.y0;
    const double wx = e.x0 - a.lng(), wy = e.y0 - a.lat();
    const double denom = Cross(rx, ry, qx, qy);
    const double qq = qx * qx + qy * qy;
    if (std::abs(denom) > 1e-14 * std::sqrt(rr * qq)) {
      const double s = Cross(wx, wy, qx, qy) / denom;
      const double u = Cross(wx, wy, rx, ry) / denom;
      if (u >= -kParamSlack && u <= 1 + kParamSlack) add(s);
    } else if (std::abs(Cross(wx, wy, rx, ry)) <= 1e-12 * std::sqrt(rr)) {
      // Collinear: the overlap's two ends.
      const double sc = (wx * rx + wy * ry) / rr;
      const double sd = ((e.x1 - a.lng()) * rx + (e.y1 - a.lat()) * ry) / rr;
      const double lo = std::max(0.0, std::min(sc, sd)), hi = std::min(1.0, std::max(sc, sd));
      if (lo <= hi) {
        add(lo);
        add(hi);
      }
    }
  }
  std::sort(params.begin(), params.end());
  params.erase(
      std::unique(params.begin(), params.end(), [](double x, double y) { return y - x <= 1e-12; }),
      params.end());
  return true;
}

bool BoundaryGrid::Near(LatLng p, Meters distance) const {
  // Metres per degree on the WGS84 ellipsoid at p's latitude (meridian and prime vertical
  // radii of curvature): the local tangent plane.
  constexpr double kA = 6378137.0, kE2 = 6.69437999014e-3;
  const double phi = p.lat() * std::numbers::pi / 180;
  const double s = std::sin(phi);
  const double w = 1 - kE2 * s * s;
  const double m_lat = kA * (1 - kE2) / (w * std::sqrt(w)) * std::numbers::pi / 180;
  const double m_lng = std::max(kA / std::sqrt(w) * std::cos(phi) * std::numbers::pi / 180, 1e-6);
  const double d = distance.value;
  thread_local std::vector<uint32_t> candidates;
  // Pad by the radius in each direction (1% extra for the curvature across the box).
  const double pad_y = d / m_lat * 1.01 + kPad, pad_x = d / m_lng * 1.01 + kPad;
  candidates.clear();
  if (cell_start_.empty()) return false;
  const double gx1 = x0_ + nx_ * dx_, gy1 = y0_ + ny_ * dy_;
  if (p.lat() + pad_y < y0_ || p.lat() - pad_y > gy1 || p.lng() + pad_x < x0_ ||
      p.lng() - pad_x > gx1) {
    return false;
  }
  auto row = [&](double y) {
    return std::clamp(static_cast<int>(std::floor((y - y0_) / dy_)), 0, ny_ - 1);
  };
  auto col = [&](double x) {
    return std::clamp(static_cast<int>(std::floor((x - x0_) / dx_)), 0, nx_ - 1);
  };
  for (int r = row(p.lat() - pad_y); r <= row(p.lat() + pad_y); ++r) {
    for (int c = col(p.lng() - pad_x); c <= col(p.lng() + pad_x); ++c) {
      const size_t cell = static_cast<size_t>(r) * nx_ + c;
      candidates.insert(candidates.end(), cell_edges_.begin() + cell_start_[cell],
                        cell_edges_.begin() + cell_start_[cell + 1]);
    }
  }
  for (uint32_t i : candidates) {
    const Edge& e = edges_[i];
    const double ax = (e.x0 - p.lng()) * m_lng, ay = (e.y0 - p.lat()) * m_lat;
    const double bx = (e.x1 - p.lng()) * m_lng, by = (e.y1 - p.lat()) * m_lat;
    const double vx = bx - ax, vy = by - ay;
    const double vv = vx * vx + vy * vy;
    const double t = vv > 0 ? std::clamp(-(ax * vx + ay * vy) / vv, 0.0, 1.0) : 0.0;
    const double cx = ax + t * vx, cy = ay + t * vy;
    if (cx * cx + cy * cy <= d * d) return true;
  }
  return false;
}

}  // namespace truce::detail
