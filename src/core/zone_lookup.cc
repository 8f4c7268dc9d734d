#include "truce/zone_lookup.h"

#include <algorithm>
#include <cassert>

#include "geos_bridge.h"

namespace truce {

struct GeosZoneLocator::Impl {
  detail::GeosContext ctx;
  std::span<const ZoneVersion> versions;
  std::vector<detail::GeomPtr> shapes;
  std::vector<detail::PreparedPtr> prepared;
  std::vector<size_t> ids;  // STRtree items point into this, one per version
  GEOSSTRtree* tree = nullptr;

  ~Impl() {
    if (tree) GEOSSTRtree_destroy_r(ctx.handle(), tree);
  }
};

GeosZoneLocator::GeosZoneLocator(std::span<const ZoneVersion> versions)
    : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  m.versions = versions;
  m.tree = GEOSSTRtree_create_r(m.ctx.handle(), 10);
  m.ids.resize(versions.size());
  m.shapes.reserve(versions.size());
  m.prepared.reserve(versions.size());
  for (size_t i = 0; i < versions.size(); ++i) {
    // A ZoneVersion is valid by construction, so GEOS accepts its shape.
    auto shape = detail::ToGeos(m.ctx, versions[i].shape());
    m.shapes.push_back(std::move(shape).value());
    m.prepared.push_back(detail::Prepare(m.ctx, *m.shapes.back()));
    m.ids[i] = i;
    GEOSSTRtree_insert_r(m.ctx.handle(), m.tree, m.shapes.back().get(), &m.ids[i]);
  }
}

void ZoneLocator::LocateAll(std::span<const LatLng> points, std::span<const UtcTime> times,
                            std::vector<uint32_t>& offsets,
                            std::vector<const ZoneVersion*>& hits) const {
  assert(times.size() == 1 || times.size() == points.size());
  offsets.assign(1, 0);
  offsets.reserve(points.size() + 1);
  hits.clear();
  std::vector<const ZoneVersion*> one;
  for (size_t i = 0; i < points.size(); ++i) {
    Locate(points[i], times[times.size() == 1 ? 0 : i], one);
    hits.insert(hits.end(), one.begin(), one.end());
    offsets.push_back(static_cast<uint32_t>(hits.size()));
  }
}

GeosZoneLocator::~GeosZoneLocator() = default;

void GeosZoneLocator::Locate(LatLng p, UtcTime t, std::vector<const ZoneVersion*>& out) const {
  out.clear();
  Impl& m = *impl_;
  auto point = detail::MakePoint(m.ctx, p);
  std::vector<size_t> candidates;
  GEOSSTRtree_query_r(
      m.ctx.handle(), m.tree, point.get(),
      [](void* item, void* user) {
        static_cast<std::vector<size_t>*>(user)->push_back(*static_cast<size_t*>(item));
      },
      &candidates);
  std::sort(candidates.begin(), candidates.end());
  for (size_t i : candidates) {
    const ZoneVersion& v = m.versions[i];
    if (!v.validity().Contains(t)) continue;
    // For a point, intersects == covers: the boundary counts as inside.
    if (GEOSPreparedIntersects_r(m.ctx.handle(), m.prepared[i].get(), point.get()) == 1) {
      out.push_back(&v);
    }
  }
}

}  // namespace truce
