// The cell trie behind ZoneIndex. docs/zone_index.md has the design and the exactness argument;
// the comments here say which step of the argument each piece implements.
//
// Coordinates: x is longitude, y latitude, both in degrees, edges straight between vertices
// (RFC 7946), so all geometry here is planar and every decision is an exact Orient() or an
// exact comparison of doubles.
#include "truce/zone_index.h"

#include <algorithm>
#include <bit>
#include <cassert>
#include <cmath>
#include <limits>
#include <map>

#include "orientation.h"

namespace truce {

using detail::Orient;
using detail::XY;

namespace {

// Cells are addressed by 30-bit integer coordinates over the bounding square. The top grid
// uses the upper 8 bits of each; every trie level below it two more.
constexpr int kCoordBits = 30;
constexpr int kTopBits = 8;
constexpr uint32_t kTopSide = 1u << kTopBits;
constexpr uint32_t kMaxCoord = (1u << kCoordBits) - 1;
constexpr int kMaxDepth = (kCoordBits - kTopBits) / 2;

// A cell ref: the kind in the upper 2 bits, an index in the lower 30.
constexpr uint32_t kKindShift = 30;
constexpr uint32_t kPayloadMask = (1u << kKindShift) - 1;
enum RefKind : uint32_t {
  kList = 0,    // settled: the versions in lists_[payload + 1 ..], lists_[payload] of them
  kSingle = 1,  // settled: inside exactly version `payload`, or none if payload == #versions
  kInner = 2,   // split: children_[payload * 16 ..]
  kLeaf = 3,    // boundary cell: leaves_[payload]
};
constexpr uint32_t MakeRef(RefKind kind, uint32_t payload) {
  return (static_cast<uint32_t>(kind) << kKindShift) | payload;
}

// A boundary leaf is one record of 64-bit words in leaves_, so that a lookup reads one or two
// adjacent cache lines for it instead of chasing indices:
//   [cx] [cy]   the reference point (double bits)
//   [count]     how many entries follow, one per version listed, in version order:
//     [version | edge_count << 32 | inside << 63]   inside: the reference point's location
//     ceil(edge_count / 2) words, two 32-bit edge refs each
// An entry without edges is a version that covers the whole cell. An edge ref is the index of
// the edge's first vertex in xy_ (the second follows it) and, in the top 2 bits, on which side
// of the edge's line the reference point lies: the same for every lookup, so computed once.
constexpr uint32_t kSideShift = 30;
constexpr uint32_t kVertexMask = (1u << kSideShift) - 1;
constexpr uint32_t EncodeSide(int side) { return side == 0 ? 0u : (side > 0 ? 1u : 2u); }
constexpr int DecodeSide(uint32_t code) { return code == 0 ? 0 : (code == 1 ? 1 : -1); }
inline uint32_t EntryVersion(uint64_t head) { return static_cast<uint32_t>(head); }
inline uint32_t EntryEdges(uint64_t head) { return static_cast<uint32_t>(head >> 32) & 0x7fffffff; }
inline bool EntryInside(uint64_t head) { return (head >> 63) != 0; }
inline const uint64_t* NextEntry(const uint64_t* head) {
  return head + 1 + (size_t{EntryEdges(*head)} + 1) / 2;
}
inline double Word(uint64_t w) { return std::bit_cast<double>(w); }

struct Rect {
  double x0, y0, x1, y1;
};

// Whether the closed segment a-b meets the closed rectangle r. Exact: the two are disjoint
// iff they are separated along x, along y, or by the segment's own line (all four corners
// strictly on one side of it); a segment and a convex polygon have no other separating axis.
bool SegmentTouchesRect(XY a, XY b, const Rect& r) {
  if (std::max(a.x, b.x) < r.x0 || std::min(a.x, b.x) > r.x1 || std::max(a.y, b.y) < r.y0 ||
      std::min(a.y, b.y) > r.y1) {
    return false;
  }
  if ((a.x >= r.x0 && a.x <= r.x1 && a.y >= r.y0 && a.y <= r.y1) ||
      (b.x >= r.x0 && b.x <= r.x1 && b.y >= r.y0 && b.y <= r.y1)) {
    return true;
  }
  const int s0 = Orient(a, b, {r.x0, r.y0});
  const int s1 = Orient(a, b, {r.x1, r.y0});
  const int s2 = Orient(a, b, {r.x1, r.y1});
  const int s3 = Orient(a, b, {r.x0, r.y1});
  if (s0 > 0 && s1 > 0 && s2 > 0 && s3 > 0) return false;
  if (s0 < 0 && s1 < 0 && s2 < 0 && s3 < 0) return false;
  return true;
}

// Whether edge a-b crosses the segment c-p, counted so that the parity of the crossings over
// all edges near c and p equals "c and p are on different sides of the boundary".
// REQUIRES: neither c nor p lies on any edge of the shape; side_c = Orient(a, b, c) and
// side_p = Orient(a, b, p).
//
// Why this counts right, degenerate cases included: translate c-p by an infinitesimal amount
// towards the right of c->p. The moved segment passes through no vertex (vertices on the line
// c-p are now strictly to its left, Orient >= 0 below) and its ends keep their locations, so
// it crosses edges only at interior points, each such crossing flips inside/outside (a valid
// shape's edges meet only at vertices), and it crosses a-b exactly when a and b lie on
// different sides of the moved line and c and p strictly on different sides of line a-b.
// When p (or c) is on line a-b but not on the edge, the edge lies strictly on one side of
// line c-p, so neither this test nor the moved segment sees a crossing.
inline bool Crosses(XY a, XY b, XY c, XY p, int side_c, int side_p) {
  if (side_c == 0 || side_p == 0 || side_c == side_p) return false;
  return (Orient(c, p, a) >= 0) != (Orient(c, p, b) >= 0);
}

// Whether the bounding boxes of segments a-b and c-p are disjoint (then the segments neither
// cross nor touch, and p is not on a-b).
inline bool BoxesApart(XY a, XY b, XY c, XY p) {
  return std::max(a.x, b.x) < std::min(c.x, p.x) || std::min(a.x, b.x) > std::max(c.x, p.x) ||
         std::max(a.y, b.y) < std::min(c.y, p.y) || std::min(a.y, b.y) > std::max(c.y, p.y);
}

}  // namespace

// Builds the trie top-down. Each cell carries, per version whose edges touch it, the edges
// that touch it (the cell grown by a margin that absorbs the rounding of a point's cell
// coordinates) and whether the cell's reference point is inside. A child's reference point
// gets its location from the parent's by counting crossings along the segment between them,
// which only the parent's edges can cross; the root's reference point lies outside every
// shape. A child that no edge of a version touches is wholly inside or wholly outside that
// version, as its reference point is.
class ZoneIndex::Builder {
 public:
  Builder(ZoneIndex& index, const ZoneIndexOptions& options) : ix_(index), options_(options) {
    options_.max_depth = std::clamp(options_.max_depth, 0, kMaxDepth);
    options_.min_boundary_depth = std::clamp(options_.min_boundary_depth, 0, options_.max_depth);
  }

  void Build() {
    CollectVertices();
    if (ix_.empty_) return;
    ChooseSquare();
    ix_.grid_.assign(size_t{kTopSide} * kTopSide, ix_.empty_ref_);

    Node root;
    root.cell = CellRect(0, 0, 0);
    // The root's reference point is the square's corner, strictly outside the bounding box of
    // every shape: outside all of them, on none of their edges.
    root.c = XY{ix_.origin_x_, ix_.origin_y_};
    for (uint32_t v = 0; v < ix_.versions_.size(); ++v) {
      Active a{v, false, {}};
      for (const auto& [begin, end] : rings_[v]) {
        for (uint32_t i = begin; i + 1 < end; ++i) a.edges.push_back(i);
      }
      root.active.push_back(std::move(a));
    }
    FillGrid(root, 0, 0, 0);
    RenumberBlocks();
    Finish();
  }

 private:
  struct Active {
    uint32_t version;
    bool inside;  // whether the cell's reference point is inside this version
    std::vector<uint32_t> edges;
  };
  struct Node {
    Rect cell;  // the grown cell: every point the lookup sends here lies in it
    XY c;       // reference point, inside `cell`, on no edge of the active versions
    std::vector<uint32_t> inside;  // versions covering the whole cell, ascending
    std::vector<Active> active;    // versions whose edges touch the cell, ascending
  };

  XY Vertex(uint32_t i) const { return XY{ix_.xy_[2 * size_t{i}], ix_.xy_[2 * size_t{i} + 1]}; }

  void CollectVertices() {
    rings_.resize(ix_.versions_.size());
    double min_x = std::numeric_limits<double>::infinity(), min_y = min_x;
    double max_x = -min_x, max_y = -min_x;
    for (size_t v = 0; v < ix_.versions_.size(); ++v) {
      const ZoneVersion& version = ix_.versions_[v];
      ix_.validity_.push_back(Validity{version.validity().begin().time_since_epoch().count(),
                                       version.validity().end().time_since_epoch().count()});
      for (const Polygon& polygon : version.shape().polygons) {
        for (const Ring& ring : polygon.rings) {
          const uint32_t begin = static_cast<uint32_t>(ix_.xy_.size() / 2);
          for (const LatLng& p : ring) {
            ix_.xy_.push_back(p.lng());
            ix_.xy_.push_back(p.lat());
            min_x = std::min(min_x, p.lng()), max_x = std::max(max_x, p.lng());
            min_y = std::min(min_y, p.lat()), max_y = std::max(max_y, p.lat());
          }
          rings_[v].emplace_back(begin, static_cast<uint32_t>(ix_.xy_.size() / 2));
        }
      }
    }
    // "No version": a cell in no shape refers to an extra version that is never in force, so
    // that settled cells of zero and of one version take the same (branch-free) path.
    ix_.validity_.push_back(
        Validity{std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::min()});
    ix_.empty_ref_ = MakeRef(kSingle, static_cast<uint32_t>(ix_.versions_.size()));
    assert(ix_.versions_.size() < kPayloadMask && ix_.xy_.size() / 2 <= kVertexMask);
    ix_.empty_ = !(min_x <= max_x);
    ix_.min_x_ = min_x, ix_.min_y_ = min_y, ix_.max_x_ = max_x, ix_.max_y_ = max_y;
  }

  // The bounding square: a power-of-two side S and an origin on the top grid's spacing (so
  // that cell corners are exact doubles but for zones far smaller than their distance from
  // 0,0, which the cells' margin covers), the origin strictly below and left of the bounding
  // box (the root's reference point must lie outside every shape).
  void ChooseSquare() {
    const double extent = std::max(ix_.max_x_ - ix_.min_x_, ix_.max_y_ - ix_.min_y_);
    int exponent;
    std::frexp(std::max(extent, 1e-6), &exponent);  // extent < 2^exponent
    double side = std::ldexp(1.0, exponent);
    for (;;) {
      const double g = side / kTopSide;
      double ox = std::floor(ix_.min_x_ / g) * g, oy = std::floor(ix_.min_y_ / g) * g;
      if (ox >= ix_.min_x_) ox -= g;
      if (oy >= ix_.min_y_) oy -= g;
      if (ox + side >= ix_.max_x_ && oy + side >= ix_.max_y_) {
        ix_.origin_x_ = ox, ix_.origin_y_ = oy;
        break;
      }
      side *= 2;
    }
    side_ = side;
    ix_.scale_ = std::ldexp(1.0, kCoordBits) / side;
    // Two roundings separate a point from the cell it is sent to: fl(x - origin) is off by at
    // most 2^-53 S (so the point may lie that far outside its cell), and a cell's corner
    // origin + i * S / 2^bits, computed in doubles, by at most 2^-53 (|origin| + S). Growing
    // every cell by 2^-50 (max(|origin_x|, |origin_y|) + 2 S) covers both with room to spare.
    margin_ =
        std::ldexp(std::max(std::fabs(ix_.origin_x_), std::fabs(ix_.origin_y_)) + 2 * side, -50);
  }

  // The grown rectangle of cell (i, j) at binary level `bits` (side S / 2^bits).
  Rect CellRect(int bits, uint32_t i, uint32_t j) const {
    const double s = std::ldexp(side_, -bits);
    const double x0 = ix_.origin_x_ + i * s, y0 = ix_.origin_y_ + j * s;
    constexpr double kInf = std::numeric_limits<double>::infinity();
    return Rect{std::nextafter(x0 - margin_, -kInf), std::nextafter(y0 - margin_, -kInf),
                std::nextafter(x0 + s + margin_, kInf), std::nextafter(y0 + s + margin_, kInf)};
  }

  // Above the top grid: split every cell with edges; settled cells fill their grid block.
  void FillGrid(Node& node, int bits, uint32_t i, uint32_t j) {
    if (bits == kTopBits) {
      ix_.grid_[size_t{j} * kTopSide + i] = BuildCell(node, bits, i, j);
      return;
    }
    if (node.active.empty()) {
      const uint32_t ref = SettledRef(node.inside);
      const uint32_t span = 1u << (kTopBits - bits);
      for (uint32_t y = j * span; y < (j + 1) * span; ++y) {
        for (uint32_t x = i * span; x < (i + 1) * span; ++x)
          ix_.grid_[size_t{y} * kTopSide + x] = ref;
      }
      return;
    }
    std::vector<Node> children = Split(node, bits, i, j);
    node = Node{};  // free the parent's edge lists before descending
    for (uint32_t k = 0; k < 16; ++k) FillGrid(children[k], bits + 2, i * 4 + k % 4, j * 4 + k / 4);
  }

  // At or below the top grid: a settled cell, a boundary leaf, or a block of 16 children.
  // Depth first, which keeps only one path of edge lists alive; RenumberBlocks() then lays
  // the blocks out level by level.
  uint32_t BuildCell(Node& node, int bits, uint32_t i, uint32_t j) {
    if (node.active.empty()) return SettledRef(node.inside);
    const int depth = (bits - kTopBits) / 2;
    stats_deepest_ = std::max(stats_deepest_, depth);
    size_t edges = 0;
    for (const Active& a : node.active) edges += a.edges.size();
    if (depth >= options_.max_depth ||
        (depth >= options_.min_boundary_depth &&
         edges <= static_cast<size_t>(options_.max_edges_per_leaf))) {
      return MakeLeaf(node);
    }
    std::vector<Node> children = Split(node, bits, i, j);
    node = Node{};
    const uint32_t block = static_cast<uint32_t>(ix_.children_.size() / 16);
    ix_.children_.resize(ix_.children_.size() + 16);
    for (uint32_t k = 0; k < 16; ++k) {
      const uint32_t ref = BuildCell(children[k], bits + 2, i * 4 + k % 4, j * 4 + k / 4);
      ix_.children_[size_t{block} * 16 + k] = ref;
    }
    return MakeRef(kInner, block);
  }

  // Renumbers the blocks breadth first (all blocks one level below the grid, then all two
  // levels below, ...), so that the shallow blocks, which most lookups that leave the grid
  // touch, lie together in few cache lines and stay cached.
  void RenumberBlocks() {
    std::vector<uint32_t> order;  // old block numbers in breadth-first order
    order.reserve(ix_.children_.size() / 16);
    auto visit = [&](uint32_t& ref) {
      if ((ref >> kKindShift) != kInner) return;
      const uint32_t old = ref & kPayloadMask;
      ref = MakeRef(kInner, static_cast<uint32_t>(order.size()));
      order.push_back(old);
    };
    for (uint32_t& ref : ix_.grid_) visit(ref);
    std::vector<uint32_t> blocks(ix_.children_.size());
    for (size_t n = 0; n < order.size(); ++n) {  // `order` grows while it is walked
      for (uint32_t k = 0; k < 16; ++k) {
        uint32_t ref = ix_.children_[size_t{order[n]} * 16 + k];
        visit(ref);
        blocks[n * 16 + k] = ref;
      }
    }
    ix_.children_ = std::move(blocks);
  }

  std::vector<Node> Split(const Node& parent, int bits, uint32_t i, uint32_t j) {
    std::vector<Node> children(16);
    for (uint32_t k = 0; k < 16; ++k) {
      Node& child = children[k];
      child.cell = CellRect(bits + 2, i * 4 + k % 4, j * 4 + k / 4);
      child.inside = parent.inside;
      child.active.reserve(parent.active.size());
      for (const Active& a : parent.active) {
        Active sub{a.version, false, {}};
        for (uint32_t e : a.edges) {
          if (SegmentTouchesRect(Vertex(e), Vertex(e + 1), child.cell)) sub.edges.push_back(e);
        }
        child.active.push_back(std::move(sub));
      }
      child.c = ReferencePoint(child);
      // Locate the child's reference point from the parent's: both lie in the parent's cell,
      // so only the parent's edges can cross the segment between them.
      std::vector<Active> touching;
      for (size_t n = 0; n < parent.active.size(); ++n) {
        const Active& a = parent.active[n];
        bool inside = a.inside;
        for (uint32_t e : a.edges) {
          const XY p0 = Vertex(e), p1 = Vertex(e + 1);
          if (BoxesApart(p0, p1, parent.c, child.c)) continue;
          if (Crosses(p0, p1, parent.c, child.c, Orient(p0, p1, parent.c),
                      Orient(p0, p1, child.c))) {
            inside = !inside;
          }
        }
        Active& sub = child.active[n];
        if (!sub.edges.empty()) {
          sub.inside = inside;
          touching.push_back(std::move(sub));
        } else if (inside) {
          child.inside.push_back(a.version);
        }
      }
      child.active = std::move(touching);
      std::sort(child.inside.begin(), child.inside.end());
    }
    return children;
  }

  // A point of the cell on none of the edges touching it: the centre, or if an edge passes
  // exactly through it, the first point of a Halton sequence over the cell that none does.
  XY ReferencePoint(const Node& node) const {
    auto on_an_edge = [&](XY c) {
      for (const Active& a : node.active) {
        for (uint32_t e : a.edges) {
          if (detail::OnSegment(Vertex(e), Vertex(e + 1), c)) return true;
        }
      }
      return false;
    };
    const Rect& r = node.cell;
    XY c{(r.x0 + r.x1) / 2, (r.y0 + r.y1) / 2};
    for (int k = 1; on_an_edge(c); ++k) {
      assert(k < 100000);
      auto halton = [](int n, int base) {
        double f = 1, x = 0;
        for (; n > 0; n /= base) f /= base, x += f * (n % base);
        return x;
      };
      c = XY{std::clamp(r.x0 + (r.x1 - r.x0) * halton(k, 2), r.x0, r.x1),
             std::clamp(r.y0 + (r.y1 - r.y0) * halton(k, 3), r.y0, r.y1)};
    }
    return c;
  }

  uint32_t SettledRef(const std::vector<uint32_t>& inside) {
    if (inside.empty()) return ix_.empty_ref_;
    if (inside.size() == 1) return MakeRef(kSingle, inside[0]);
    auto [it, added] = lists_.try_emplace(inside, static_cast<uint32_t>(ix_.lists_.size()));
    if (added) {
      ix_.lists_.push_back(static_cast<uint32_t>(inside.size()));
      ix_.lists_.insert(ix_.lists_.end(), inside.begin(), inside.end());
    }
    return MakeRef(kList, it->second);
  }

  uint32_t MakeLeaf(const Node& node) {
    std::vector<uint64_t>& out = ix_.leaves_;
    const size_t start = out.size();
    assert(start <= kPayloadMask);
    out.push_back(std::bit_cast<uint64_t>(node.c.x));
    out.push_back(std::bit_cast<uint64_t>(node.c.y));
    out.push_back(node.inside.size() + node.active.size());
    auto add_settled = [&](uint32_t v) { out.push_back(v | (uint64_t{1} << 63)); };
    size_t s = 0;
    for (const Active& a : node.active) {
      for (; s < node.inside.size() && node.inside[s] < a.version; ++s) add_settled(node.inside[s]);
      const uint64_t n = a.edges.size();
      out.push_back(a.version | (n << 32) | (uint64_t{a.inside} << 63));
      const size_t first = out.size();
      out.resize(first + (n + 1) / 2, 0);
      for (size_t k = 0; k < n; ++k) {
        const uint32_t e = a.edges[k];
        const uint64_t ref =
            e | (EncodeSide(Orient(Vertex(e), Vertex(e + 1), node.c)) << kSideShift);
        out[first + k / 2] |= ref << (32 * (k % 2));
      }
      stats_edges_ += n;
      ++stats_entries_;
    }
    for (; s < node.inside.size(); ++s) add_settled(node.inside[s]);
    stats_entries_ += node.inside.size();
    ++stats_leaves_;
    return MakeRef(kLeaf, static_cast<uint32_t>(start));
  }

  void Finish() {
    for (auto* v : {&ix_.grid_, &ix_.children_, &ix_.lists_}) v->shrink_to_fit();
    ix_.leaves_.shrink_to_fit();
    ix_.xy_.shrink_to_fit();
    ZoneIndexStats& s = ix_.stats_;
    s.grid_cells = ix_.grid_.size();
    s.trie_blocks = ix_.children_.size() / 16;
    s.boundary_leaves = stats_leaves_;
    s.leaf_entries = stats_entries_;
    s.leaf_edges = stats_edges_;
    s.deepest_level = stats_deepest_;
    s.bytes = sizeof(ZoneIndex) + ix_.grid_.capacity() * 4 + ix_.children_.capacity() * 4 +
              ix_.lists_.capacity() * 4 + ix_.leaves_.capacity() * 8 +
              ix_.xy_.capacity() * sizeof(double) + ix_.validity_.capacity() * sizeof(Validity);
  }

  ZoneIndex& ix_;
  ZoneIndexOptions options_;
  double side_ = 0, margin_ = 0;
  // Per version, its rings as [begin, end) vertex ranges (the closing vertex included).
  std::vector<std::vector<std::pair<uint32_t, uint32_t>>> rings_;
  std::map<std::vector<uint32_t>, uint32_t> lists_;
  size_t stats_edges_ = 0, stats_entries_ = 0, stats_leaves_ = 0;
  int stats_deepest_ = 0;
};

ZoneIndex::ZoneIndex(std::span<const ZoneVersion> versions, ZoneIndexOptions options)
    : versions_(versions) {
  Builder(*this, options).Build();
}

ZoneIndex::~ZoneIndex() = default;

inline uint32_t ZoneIndex::CellOf(double x, double y) const noexcept {
  // x >= min_x_ > origin_x_, so the difference is positive; rounding may carry a point within
  // ulp(S) of a cell border into the neighbour, which the cells' margin allows for.
  const uint32_t ix = std::min(static_cast<uint32_t>((x - origin_x_) * scale_), kMaxCoord);
  const uint32_t iy = std::min(static_cast<uint32_t>((y - origin_y_) * scale_), kMaxCoord);
  constexpr int kTopShift = kCoordBits - kTopBits;
  uint32_t ref = grid_[size_t{iy >> kTopShift} * kTopSide + (ix >> kTopShift)];
  int shift = kTopShift;
  while ((ref >> kKindShift) == kInner) {
    shift -= 2;
    const uint32_t k = (((iy >> shift) & 3) << 2) | ((ix >> shift) & 3);
    ref = children_[size_t{ref & kPayloadMask} * 16 + k];
  }
  return ref;
}

// Exterior, boundary or interior of one version, for a point in a boundary leaf: on an edge
// means boundary; otherwise the reference point's location, flipped by each crossing of the
// segment from the reference point to p (see Crosses()). Edges not listed here do not touch
// the cell, which contains both points, so they cannot cross that segment.
PointLocation ZoneIndex::LocateInEntry(const uint64_t* entry, double cx, double cy, double x,
                                       double y) const noexcept {
  const XY p{x, y}, c{cx, cy};
  bool inside = EntryInside(*entry);
  const uint32_t count = EntryEdges(*entry);
  for (uint32_t n = 0; n < count; ++n) {
    const uint32_t ref = static_cast<uint32_t>(entry[1 + n / 2] >> (32 * (n % 2)));
    const size_t v = ref & kVertexMask;
    const XY a{xy_[2 * v], xy_[2 * v + 1]}, b{xy_[2 * v + 2], xy_[2 * v + 3]};
    if (BoxesApart(a, b, c, p)) continue;
    const int side_p = Orient(a, b, p);
    if (side_p == 0) {
      if (p.x >= std::min(a.x, b.x) && p.x <= std::max(a.x, b.x) && p.y >= std::min(a.y, b.y) &&
          p.y <= std::max(a.y, b.y)) {
        return PointLocation::kBoundary;
      }
      continue;
    }
    if (Crosses(a, b, c, p, DecodeSide(ref >> kSideShift), side_p)) inside = !inside;
  }
  return inside ? PointLocation::kInterior : PointLocation::kExterior;
}

inline void ZoneIndex::Emit(uint32_t ref, double x, double y, int64_t ms,
                            std::vector<const ZoneVersion*>& out) const {
  // Most lookups end in a cell settled for one version (or for none, which is the version
  // past the end, never in force): keep that path short enough to inline.
  if ((ref >> kKindShift) == kSingle) [[likely]] {
    const uint32_t v = ref & kPayloadMask;
    if ((validity_[v].begin <= ms) & (ms < validity_[v].end)) out.push_back(versions_.data() + v);
    return;
  }
  EmitSlow(ref, x, y, ms, out);
}

void ZoneIndex::EmitSlow(uint32_t ref, double x, double y, int64_t ms,
                         std::vector<const ZoneVersion*>& out) const {
  auto in_force = [&](uint32_t v) { return validity_[v].begin <= ms && ms < validity_[v].end; };
  const uint32_t payload = ref & kPayloadMask;
  switch (ref >> kKindShift) {
    case kList: {
      const uint32_t* list = lists_.data() + payload;
      for (uint32_t n = 1; n <= list[0]; ++n) {
        if (in_force(list[n])) out.push_back(&versions_[list[n]]);
      }
      return;
    }
    case kLeaf: {
      const uint64_t* leaf = leaves_.data() + payload;
      const double cx = Word(leaf[0]), cy = Word(leaf[1]);
      const uint64_t* entry = leaf + 3;
      for (uint64_t n = 0; n < leaf[2]; ++n, entry = NextEntry(entry)) {
        const uint32_t v = EntryVersion(*entry);
        if (!in_force(v)) continue;
        if (EntryEdges(*entry) == 0 ||
            LocateInEntry(entry, cx, cy, x, y) != PointLocation::kExterior) {
          out.push_back(&versions_[v]);
        }
      }
      return;
    }
  }
}

void ZoneIndex::Locate(LatLng p, UtcTime t, std::vector<const ZoneVersion*>& out) const {
  out.clear();
  const double x = p.lng(), y = p.lat();
  if (!(x >= min_x_ && x <= max_x_ && y >= min_y_ && y <= max_y_) || empty_) return;
  Emit(CellOf(x, y), x, y, t.time_since_epoch().count(), out);
}

void ZoneIndex::LocateAll(std::span<const LatLng> points, std::span<const UtcTime> times,
                          std::vector<uint32_t>& offsets,
                          std::vector<const ZoneVersion*>& hits) const {
  assert(times.size() == 1 || times.size() == points.size());
  offsets.assign(1, 0);
  offsets.reserve(points.size() + 1);
  hits.clear();
  if (empty_) {
    offsets.resize(points.size() + 1, 0);
    return;
  }
  // Points go through in blocks: first every point's top grid cell, then each trie level for
  // all points of the block, then the answers. The loads of one stage do not depend on each
  // other, so the processor overlaps their cache misses; points outside the bounding box read
  // a clamped cell and are then masked, so no stage branches on the point.
  constexpr size_t kBlock = 32;
  constexpr int kTopShift = kCoordBits - kTopBits;
  uint32_t ref[kBlock], ix[kBlock], iy[kBlock];
  uint8_t active[kBlock];  // the points of the block whose cell is still a split one
  for (size_t base = 0; base < points.size(); base += kBlock) {
    const size_t n = std::min(kBlock, points.size() - base);
    size_t m = 0;
    for (size_t k = 0; k < n; ++k) {
      const double x = points[base + k].lng(), y = points[base + k].lat();
      const bool inside = (x >= min_x_) & (x <= max_x_) & (y >= min_y_) & (y <= max_y_);
      // Outside the box the scaled difference may be negative or past the square: clamp it
      // (by value, which compiles to min/max instructions rather than branches).
      auto clamp = [](double v) {
        v = v > 0.0 ? v : 0.0;
        return v < double{kMaxCoord} ? v : double{kMaxCoord};
      };
      const double fx = clamp((x - origin_x_) * scale_), fy = clamp((y - origin_y_) * scale_);
      ix[k] = static_cast<uint32_t>(fx), iy[k] = static_cast<uint32_t>(fy);
      const uint32_t cell = grid_[size_t{iy[k] >> kTopShift} * kTopSide + (ix[k] >> kTopShift)];
      ref[k] = inside ? cell : empty_ref_;
      active[m] = static_cast<uint8_t>(k);
      m += (ref[k] >> kKindShift) == kInner;
    }
    for (int shift = kTopShift - 2; m > 0; shift -= 2) {
      size_t still = 0;
      for (size_t a = 0; a < m; ++a) {
        const size_t k = active[a];
        const uint32_t r = children_[size_t{ref[k] & kPayloadMask} * 16 +
                                     ((((iy[k] >> shift) & 3) << 2) | ((ix[k] >> shift) & 3))];
        ref[k] = r;
        active[still] = static_cast<uint8_t>(k);
        still += (r >> kKindShift) == kInner;
      }
      m = still;
    }
    // Answers: room for one hit per point is made up front, so that the usual cell, settled
    // for one version or none, writes its candidate and advances only if it is in force, with
    // no branch on the answer. Lists and boundary leaves append through EmitSlow().
    size_t used = hits.size();
    hits.resize(used + n);
    for (size_t k = 0; k < n; ++k) {
      const int64_t ms =
          (times.size() == 1 ? times[0] : times[base + k]).time_since_epoch().count();
      if ((ref[k] >> kKindShift) == kSingle) [[likely]] {
        const uint32_t v = ref[k] & kPayloadMask;
        hits[used] = versions_.data() + v;
        used += (validity_[v].begin <= ms) & (ms < validity_[v].end);
      } else {
        hits.resize(used);
        EmitSlow(ref[k], points[base + k].lng(), points[base + k].lat(), ms, hits);
        used = hits.size();
        hits.resize(used + n - k);
      }
      offsets.push_back(static_cast<uint32_t>(used));
    }
    hits.resize(used);
  }
}

PointLocation ZoneIndex::LocateIn(LatLng p, size_t version) const {
  assert(version < versions_.size());
  const double x = p.lng(), y = p.lat();
  if (!(x >= min_x_ && x <= max_x_ && y >= min_y_ && y <= max_y_) || empty_) {
    return PointLocation::kExterior;
  }
  const uint32_t ref = CellOf(x, y);
  const uint32_t payload = ref & kPayloadMask;
  switch (ref >> kKindShift) {
    case kSingle:
      return payload == version ? PointLocation::kInterior : PointLocation::kExterior;
    case kList: {
      const uint32_t* list = lists_.data() + payload;
      return std::find(list + 1, list + 1 + list[0], version) != list + 1 + list[0]
                 ? PointLocation::kInterior
                 : PointLocation::kExterior;
    }
    case kLeaf: {
      const uint64_t* leaf = leaves_.data() + payload;
      const uint64_t* entry = leaf + 3;
      for (uint64_t n = 0; n < leaf[2]; ++n, entry = NextEntry(entry)) {
        if (EntryVersion(*entry) != version) continue;
        return EntryEdges(*entry) == 0 ? PointLocation::kInterior
                                       : LocateInEntry(entry, Word(leaf[0]), Word(leaf[1]), x, y);
      }
      return PointLocation::kExterior;
    }
  }
  return PointLocation::kExterior;
}

ZoneIndex::CellInfo ZoneIndex::DescribeCell(LatLng p) const {
  CellInfo info;
  const double x = p.lng(), y = p.lat();
  if (!(x >= min_x_ && x <= max_x_ && y >= min_y_ && y <= max_y_) || empty_) return info;
  const uint32_t ix = std::min(static_cast<uint32_t>((x - origin_x_) * scale_), kMaxCoord);
  const uint32_t iy = std::min(static_cast<uint32_t>((y - origin_y_) * scale_), kMaxCoord);
  constexpr int kTopShift = kCoordBits - kTopBits;
  uint32_t ref = grid_[size_t{iy >> kTopShift} * kTopSide + (ix >> kTopShift)];
  int shift = kTopShift;
  info.depth = 0;
  while ((ref >> kKindShift) == kInner) {
    shift -= 2;
    ++info.depth;
    ref = children_[size_t{ref & kPayloadMask} * 16 +
                    ((((iy >> shift) & 3) << 2) | ((ix >> shift) & 3))];
  }
  const uint32_t payload = ref & kPayloadMask;
  switch (ref >> kKindShift) {
    case kSingle:
      info.entries = payload < versions_.size() ? 1 : 0;
      break;
    case kList:
      info.entries = lists_[payload];
      break;
    case kLeaf: {
      const uint64_t* leaf = leaves_.data() + payload;
      info.boundary = true;
      info.entries = leaf[2];
      const uint64_t* entry = leaf + 3;
      for (uint64_t n = 0; n < leaf[2]; ++n, entry = NextEntry(entry))
        info.edges += EntryEdges(*entry);
      break;
    }
  }
  return info;
}

std::unique_ptr<ZoneLocator> MakeZoneLocator(std::span<const ZoneVersion> versions) {
  return std::make_unique<ZoneIndex>(versions);
}

}  // namespace truce
