// The link criterion of corroboration and the space-time grid that finds a report's possible
// partners without looking at every pair (docs/corroboration.md).
//
// Private to truce_core. Values and const queries; SpaceTimeGrid is not thread-safe to modify.
#pragma once

#include <cstdint>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "truce/report.h"
#include "truce/scenario.h"

namespace truce::detail {

// What linking looks at: the interval in Unix milliseconds, the disc, the event type.
struct Footprint {
  int64_t begin = 0, end = 0;
  double lat = 0, lng = 0;
  double radius = 0;  // metres
  uint8_t type = 0;   // index into AcledEventTypes(), or kAnyType
};

inline constexpr uint8_t kAnyType = 6;

Footprint FootprintOf(const Report& report);
// The index of an ACLED event type in AcledEventTypes() (case ignored); kAnyType for "" or an
// unknown name.
uint8_t EventTypeIndex(std::string_view event_type);

// Geodesic distance on WGS84 (GeographicLib), metres.
double GeodesicDistance(double lat1, double lng1, double lat2, double lng2);

// The link criterion of CorroborationSettings. Thread-safe.
class LinkCriterion {
 public:
  explicit LinkCriterion(const CorroborationSettings& settings);
  // Whether the report is precise enough to link: radius <= max_radius, length <= max_interval.
  bool Linkable(const Footprint& f) const noexcept {
    return f.radius <= max_radius_ && f.end - f.begin <= max_interval_;
  }
  // Whether two linkable footprints describe one event: compatible types, intervals less than
  // the tolerance apart (overlapping when it is 0), and each centre within the other's disc
  // plus the distance tolerance: distance <= max(r_a, r_b) + distance. Geodesic distances,
  // computed exactly only near the threshold (a spherical estimate decides the rest).
  bool Linked(const Footprint& a, const Footprint& b) const;
  bool TimeCompatible(const Footprint& a, const Footprint& b) const noexcept {
    return a.begin < b.end + tolerance_ && b.begin < a.end + tolerance_;
  }
  bool TypesCompatible(uint8_t a, uint8_t b) const noexcept { return compatible_[a][b]; }
  // The largest distance at which two linkable reports can link, metres; and the longest time
  // between their interval starts, milliseconds.
  double reach_m() const noexcept { return max_radius_ + distance_; }
  int64_t reach_ms() const noexcept { return max_interval_ + tolerance_; }

 private:
  int64_t tolerance_;
  double distance_;
  double max_radius_;
  int64_t max_interval_;
  bool compatible_[kAnyType + 1][kAnyType + 1] = {};
};

// Footprints by cell of (latitude row, longitude column, time slot), with cells at least as
// large as the criterion's reach, so that a footprint's partners lie in the 3 x 3 x 3 cells
// around it (more columns near the poles).
class SpaceTimeGrid {
 public:
  explicit SpaceTimeGrid(const LinkCriterion& criterion);

  void Insert(uint32_t id, const Footprint& f);
  // REQUIRES: (id, f) was inserted.
  void Erase(uint32_t id, const Footprint& f);
  // Calls visit(id) for every footprint in the cells around `f` (a superset of its partners).
  template <typename Visit>
  void ForEachCandidate(const Footprint& f, Visit&& visit) const {
    const int64_t slot = Slot(f.begin);
    const int32_t row = Row(f.lat);
    for (int32_t r = row - 1; r <= row + 1; ++r) {
      if (r < 0 || r >= rows_) continue;
      int32_t lo = 0, hi = 0;
      Columns(r, f, lo, hi);
      const int32_t n = ColumnsInRow(r);
      for (int32_t c = lo; c <= hi; ++c) {
        const int32_t col = ((c % n) + n) % n;
        for (int64_t s = slot - 1; s <= slot + 1; ++s) {
          const auto it = cells_.find(Key{r, col, s});
          if (it == cells_.end()) continue;
          for (uint32_t id : it->second) visit(id);
        }
      }
    }
  }
  size_t cells() const noexcept { return cells_.size(); }

 private:
  struct Key {
    int32_t row, col;
    int64_t slot;
    friend bool operator==(const Key&, const Key&) = default;
  };
  struct KeyHash {
    size_t operator()(const Key& k) const noexcept {
      uint64_t h = static_cast<uint64_t>(k.slot) * 0x9E3779B97F4A7C15ull;
      h ^= (static_cast<uint64_t>(static_cast<uint32_t>(k.row)) << 32 |
            static_cast<uint32_t>(k.col)) +
           0x632BE59BD9B4E019ull + (h << 6) + (h >> 2);
      return static_cast<size_t>(h ^ (h >> 29));
    }
  };
  int64_t Slot(int64_t ms) const noexcept;
  int32_t Row(double lat) const noexcept;
  int32_t ColumnsInRow(int32_t row) const noexcept;
  int32_t Column(int32_t row, double lng) const noexcept;
  // The columns of `row` that may hold partners of `f` (may run past the row's ends; the
  // caller wraps them around the antimeridian).
  void Columns(int32_t row, const Footprint& f, int32_t& lo, int32_t& hi) const noexcept;
  Key KeyOf(const Footprint& f) const noexcept;

  double reach_m_;
  int64_t slot_ms_;
  double row_deg_;
  int32_t rows_;
  std::vector<int32_t> columns_;  // per row
  std::unordered_map<Key, std::vector<uint32_t>, KeyHash> cells_;
};

}  // namespace truce::detail
