// truce's own zone index: the fast, exact implementation of the ZoneLocator port.
//
// The zones' bounding square is cut into a 256 x 256 grid whose cells are split 4 x 4 again
// (a cell trie) wherever zone boundaries pass. A cell that no edge of a zone version touches
// lies wholly inside or wholly outside that version, so most points are answered by the cells
// alone; cells that edges do touch keep only those edges and a reference point whose location
// is known, and a point there is decided by exact orientation tests against those few edges.
// Answers equal GEOS's (prepared covers: a point on the boundary is inside) on every input
// for which GEOS's own orientation predicate is exact; docs/zone_index.md gives the argument.
//
// MakeZoneLocator() is what the rest of truce calls to get a locator; GeosZoneLocator stays
// as the reference the index is tested against.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "truce/geo.h"
#include "truce/scenario.h"
#include "truce/time.h"
#include "truce/zone_lookup.h"

namespace truce {

// Where a point lies relative to one zone version's shape.
enum class PointLocation { kExterior, kBoundary, kInterior };

// Tuning knobs; the defaults are what the benchmarks in docs/zone_index.md measured.
struct ZoneIndexOptions {
  // A cell touched by more edges than this (all versions together) is split further...
  int max_edges_per_leaf = 6;
  // ...and cells touched by any edge are split at least to this depth below the top grid
  // (each level quarters the cell side), so that few points need an edge test at all.
  int min_boundary_depth = 2;
  // The deepest level below the top grid (cell side = bounding square / 2^(8 + 2 * depth)).
  int max_depth = 11;
};

// Figures about a built index, for benchmarks and docs.
struct ZoneIndexStats {
  size_t bytes = 0;            // heap memory held by the index
  size_t grid_cells = 0;       // top grid cells
  size_t trie_blocks = 0;      // blocks of 16 child cells below the top grid
  size_t boundary_leaves = 0;  // cells decided by edge tests
  size_t leaf_entries = 0;     // (boundary cell, zone version) pairs
  size_t leaf_edges = 0;       // edge references held by boundary cells
  int deepest_level = 0;       // deepest trie level used below the top grid
};

// An immutable cell trie over zone versions. Thread-safe: after construction every method is
// const and touches only immutable memory, so any number of threads may look up concurrently.
// REQUIRES: the versions outlive the index (it returns pointers into them) and hold fewer than
// 2^30 vertices in all.
class ZoneIndex final : public ZoneLocator {
 public:
  explicit ZoneIndex(std::span<const ZoneVersion> versions, ZoneIndexOptions options = {});
  ~ZoneIndex() override;
  ZoneIndex(const ZoneIndex&) = delete;
  ZoneIndex& operator=(const ZoneIndex&) = delete;

  using ZoneLocator::Locate;
  // The versions in force at `t` that cover `p` (boundary inside), in the order given.
  void Locate(LatLng p, UtcTime t, std::vector<const ZoneVersion*>& out) const override;

  // Faster per point than Locate(): the memory accesses of neighbouring points overlap
  // instead of waiting on each other (ZoneLocator::LocateAll).
  void LocateAll(std::span<const LatLng> points, std::span<const UtcTime> times,
                 std::vector<uint32_t>& offsets,
                 std::vector<const ZoneVersion*>& hits) const override;

  // Where `p` lies relative to the shape of versions[version], whatever the time.
  // REQUIRES: version < the number of versions given.
  PointLocation LocateIn(LatLng p, size_t version) const;

  const ZoneIndexStats& stats() const noexcept { return stats_; }

  // Where a lookup of `p` ends, for benchmarks that explain where the time goes.
  struct CellInfo {
    int depth = -1;         // trie level below the top grid; -1 outside the bounding box
    bool boundary = false;  // a boundary leaf: edge tests decide
    size_t entries = 0;     // versions listed in the cell
    size_t edges = 0;       // edges listed in the cell, all versions together
  };
  CellInfo DescribeCell(LatLng p) const;

 private:
  struct Validity {
    int64_t begin;  // ms since the epoch, inclusive
    int64_t end;    // exclusive
  };
  class Builder;

  // The ref of the cell holding `p`. REQUIRES: p inside the bounding box.
  uint32_t CellOf(double x, double y) const noexcept;
  // Appends the versions in force at `ms` that cover (x, y), whose cell is `ref`.
  void Emit(uint32_t ref, double x, double y, int64_t ms,
            std::vector<const ZoneVersion*>& out) const;
  void EmitSlow(uint32_t ref, double x, double y, int64_t ms,
                std::vector<const ZoneVersion*>& out) const;  // lists and boundary leaves
  // The location of (x, y) in the version of one entry of a boundary leaf record whose
  // reference point is (cx, cy).
  PointLocation LocateInEntry(const uint64_t* entry, double cx, double cy, double x,
                              double y) const noexcept;

  std::span<const ZoneVersion> versions_;
  bool empty_ = true;
  uint32_t empty_ref_ = 0;  // the ref of cells in no version
  // The bounding box of all versions; points outside it are in none.
  double min_x_ = 0, min_y_ = 0, max_x_ = 0, max_y_ = 0;
  // The bounding square: origin, and the scale from degrees to 30-bit cell coordinates.
  double origin_x_ = 0, origin_y_ = 0, scale_ = 0;

  std::vector<uint32_t> grid_;      // 256 x 256 cell refs, row-major from the origin
  std::vector<uint32_t> children_;  // blocks of 16 cell refs, row-major within the block
  std::vector<uint32_t> lists_;     // settled cells' version lists: count, then indices
  std::vector<uint64_t> leaves_;    // boundary leaf records (layout in zone_index.cc)
  std::vector<double> xy_;          // every ring's vertices, x (lng) then y (lat)
  std::vector<Validity> validity_;
  ZoneIndexStats stats_;
};

// The ZoneLocator the rest of truce uses: a ZoneIndex over `versions`.
// REQUIRES: the versions outlive the locator.
std::unique_ptr<ZoneLocator> MakeZoneLocator(std::span<const ZoneVersion> versions);

}  // namespace truce
