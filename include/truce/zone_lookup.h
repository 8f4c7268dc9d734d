// Exact zone lookup: for a point and a time, the zone versions in force whose shape covers
// the point (a point on the boundary is inside).
//
// ZoneLocator is the port every verdict uses; GeosZoneLocator is the reference implementation
// (GEOS prepared geometry behind an STRtree) against which faster indexes are checked.
#pragma once

#include <memory>
#include <span>
#include <vector>

#include "truce/geo.h"
#include "truce/scenario.h"
#include "truce/time.h"

namespace truce {

class ZoneLocator {
 public:
  virtual ~ZoneLocator() = default;
  // Appends to `out` (after clearing it) the versions in force at `t` that cover `p`, in the
  // order of the versions given at construction (zone id, then version, for a Scenario).
  virtual void Locate(LatLng p, UtcTime t, std::vector<const ZoneVersion*>& out) const = 0;

  std::vector<const ZoneVersion*> Locate(LatLng p, UtcTime t) const {
    std::vector<const ZoneVersion*> out;
    Locate(p, t, out);
    return out;
  }

  // Many lookups at once, the same answers as Locate() for each point: the versions covering
  // points[i] at times[i] (or at times[0] when one time is given) are
  // hits[offsets[i] .. offsets[i + 1]). Callers with many points use it: an index may answer
  // them faster together than one at a time (ZoneIndex overlaps their memory accesses); this
  // default calls Locate() for each.
  // REQUIRES: times.size() == 1 or times.size() == points.size().
  virtual void LocateAll(std::span<const LatLng> points, std::span<const UtcTime> times,
                         std::vector<uint32_t>& offsets,
                         std::vector<const ZoneVersion*>& hits) const;
};

// GEOS prepared polygons behind a GEOS STRtree. Not thread-safe (it owns a GEOS context):
// use one per thread. REQUIRES: the versions outlive the locator.
class GeosZoneLocator final : public ZoneLocator {
 public:
  explicit GeosZoneLocator(std::span<const ZoneVersion> versions);
  ~GeosZoneLocator() override;
  GeosZoneLocator(const GeosZoneLocator&) = delete;
  GeosZoneLocator& operator=(const GeosZoneLocator&) = delete;

  using ZoneLocator::Locate;
  void Locate(LatLng p, UtcTime t, std::vector<const ZoneVersion*>& out) const override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace truce
