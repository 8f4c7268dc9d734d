// Whether a shape meets a box, for the bbox filters of the feature collections (zones, flight
// tracks and violations, notified sites and movements). Planar in lon/lat, boxes closed (a
// shape touching the box's edge meets it). Pure; defined in feature_ops.cc.
#pragma once

#include <span>

#include "truce/geo.h"
#include "truce/geometry.h"

namespace truce::app {

// The segment a-b meets the box (Liang-Barsky clipping, lon as x).
bool SegmentMeetsRect(LatLng a, LatLng b, const LatLngRect& r);
// A polyline (one point: that point) meets the box; an empty one never does.
bool PathMeetsRect(std::span<const LatLng> path, const LatLngRect& r);
// A polygon (its boundary included, its holes excluded) meets the box.
bool PolygonMeetsRect(const Polygon& polygon, const LatLngRect& r);

}  // namespace truce::app
