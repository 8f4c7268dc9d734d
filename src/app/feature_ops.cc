// Operations the feature collections (the OGC API) need beyond the lists: the extent of each
// collection as a caller sees it, and zone versions filtered by time and by a box that their
// shape, not only their bounds, must meet. Both read the in-memory views; nothing is stored.
// The shape-meets-box tests of feature_geometry.h are here too.
#include <algorithm>

#include "app/app.h"
#include "app/feature_geometry.h"

namespace truce::app {
namespace {

using nlohmann::json;

// Even-odd rule over every ring of the polygon, so a point in a hole is outside.
bool PolygonContains(const Polygon& polygon, LatLng p) {
  bool inside = false;
  for (const Ring& ring : polygon.rings) {
    for (size_t i = 0, j = ring.size() - 1; i < ring.size(); j = i++) {
      const LatLng& a = ring[i];
      const LatLng& b = ring[j];
      if ((a.lat() > p.lat()) != (b.lat() > p.lat()) &&
          p.lng() < (b.lng() - a.lng()) * (p.lat() - a.lat()) / (b.lat() - a.lat()) + a.lng()) {
        inside = !inside;
      }
    }
  }
  return inside;
}

// Whether `shape` (closed: its boundary included) meets the closed box `r`.
bool ShapeMeetsRect(const MultiPolygon& shape, const LatLngRect& bounds, const LatLngRect& r) {
  if (bounds.lat_hi < r.lat_lo || bounds.lat_lo > r.lat_hi || bounds.lng_hi < r.lng_lo ||
      bounds.lng_lo > r.lng_hi) {
    return false;
  }
  return std::any_of(shape.polygons.begin(), shape.polygons.end(),
                     [&](const Polygon& p) { return PolygonMeetsRect(p, r); });
}

void Include(CollectionExtent& e, LatLng where, UtcTime begin, UtcTime end, bool& any) {
  e.bbox.Extend(where);
  if (!any || begin < *e.begin) e.begin = begin;
  if (!any || end > *e.end) e.end = end;
  any = true;
}

void Include(CollectionExtent& e, const FeatureRecord& r, bool& any) {
  if (r.bounds.empty()) return;
  e.bbox.Extend(r.bounds);
  if (!any || r.begin < *e.begin) e.begin = r.begin;
  if (!any || r.end > *e.end) e.end = r.end;
  any = true;
}

}  // namespace

bool SegmentMeetsRect(LatLng a, LatLng b, const LatLngRect& r) {
  const double x0 = a.lng(), y0 = a.lat();
  const double dx = b.lng() - x0, dy = b.lat() - y0;
  const double p[4] = {-dx, dx, -dy, dy};
  const double q[4] = {x0 - r.lng_lo, r.lng_hi - x0, y0 - r.lat_lo, r.lat_hi - y0};
  double t0 = 0, t1 = 1;
  for (int i = 0; i < 4; ++i) {
    if (p[i] == 0) {
      if (q[i] < 0) return false;  // parallel to this edge and outside it
      continue;
    }
    const double t = q[i] / p[i];
    if (p[i] < 0) {
      t0 = std::max(t0, t);
    } else {
      t1 = std::min(t1, t);
    }
    if (t0 > t1) return false;
  }
  return true;
}

bool PathMeetsRect(std::span<const LatLng> path, const LatLngRect& r) {
  if (path.size() == 1) return r.Contains(path[0]);
  for (size_t i = 1; i < path.size(); ++i) {
    if (SegmentMeetsRect(path[i - 1], path[i], r)) return true;
  }
  return false;
}

bool PolygonMeetsRect(const Polygon& polygon, const LatLngRect& r) {
  for (const Ring& ring : polygon.rings) {
    if (PathMeetsRect(ring, r)) return true;
  }
  // No edge meets the box: it meets the polygon only when it lies wholly inside it.
  return PolygonContains(polygon, LatLng(r.lat_lo, r.lng_lo));
}

Result<CollectionExtent> App::Extent(const Principal& who, FeatureKind kind,
                                     std::optional<UtcTime> as_of) {
  CollectionExtent out;
  bool any = false;
  switch (kind) {
    case FeatureKind::kZones: {
      auto zones = ZonesMatching(who, ZoneFilter{as_of, std::nullopt, std::nullopt, std::nullopt});
      if (!zones.ok()) return zones.error();
      for (const ZoneVersion* v : zones->versions) {
        out.bbox.Extend(v->bounds());
        if (!any || v->validity().begin() < *out.begin) out.begin = v->validity().begin();
        if (!any || v->validity().end() > *out.end) out.end = v->validity().end();
        any = true;
      }
      break;
    }
    case FeatureKind::kReports: {
      if (Status st = Check(who, Action::kReadReports); !st.ok()) return st.error();
      auto snap = SnapshotAsOf(as_of);
      if (!snap.ok()) return snap.error();
      for (const StoredReport* stored : (*snap)->reports) {
        if (!Sees(who, RecordKind::kReport, Provenance{stored->party, false})) continue;
        const Report& r = *stored->report;
        Include(out, r.location(), r.when().begin(), r.when().end(), any);
      }
      break;
    }
    case FeatureKind::kViolations: {
      if (Status st = Check(who, Action::kReadViolations); !st.ok()) return st.error();
      auto snap = SnapshotAsOf(as_of);
      if (!snap.ok()) return snap.error();
      const Snapshot& s = **snap;
      for (const Violation& v : s.violations) {
        const StoredReport& stored = s.RevisionOf(v);
        const Provenance provenance{stored.party, s.published.contains(stored.report->event_id())};
        if (!Sees(who, RecordKind::kViolation, provenance)) continue;
        Include(out, v.report->location(), v.report->when().begin(), v.report->when().end(), any);
      }
      break;
    }
    case FeatureKind::kIncidents: {
      // Through the incidents operation itself, so that the extent follows whatever an
      // incident is (one report, or several corroborating ones) and whoever may see it.
      IncidentFilter filter;
      filter.as_of = as_of;
      auto incidents = Incidents(who, filter);
      if (!incidents.ok()) return incidents.error();
      for (const json& item : *incidents) {
        const auto lat = item.find("latitude"), lng = item.find("longitude");
        const auto begin = item.find("time_begin"), end = item.find("time_end");
        if (lat == item.end() || lng == item.end() || !lat->is_number() || !lng->is_number() ||
            begin == item.end() || end == item.end() || !begin->is_string() || !end->is_string()) {
          continue;
        }
        auto b = ParseTimestamp(begin->get<std::string>());
        auto e = ParseTimestamp(end->get<std::string>());
        if (!b.ok() || !e.ok()) continue;
        Include(out, LatLng(lat->get<double>(), lng->get<double>()), *b, *e, any);
      }
      break;
    }
    case FeatureKind::kFlightTracks: {
      FlightTrackFilter filter;
      filter.as_of = as_of;
      auto tracks = FlightTracks(who, filter);
      if (!tracks.ok()) return tracks.error();
      for (const FlightTrackRecord& t : *tracks) Include(out, t.track, any);
      break;
    }
    case FeatureKind::kFlightViolations: {
      FlightViolationFilter filter;
      filter.as_of = as_of;
      auto features = FlightViolationFeatures(who, filter);
      if (!features.ok()) return features.error();
      for (const FeatureRecord& r : *features) Include(out, r, any);
      break;
    }
    case FeatureKind::kSites:
      return NotificationExtent(who, NotificationKind::kSite, as_of);
    case FeatureKind::kMovements:
      return NotificationExtent(who, NotificationKind::kMovement, as_of);
  }
  if (out.end && *out.end == kEndOfTime) out.end.reset();
  return out;
}

Result<ZoneSelection> App::ZonesMatching(const Principal& who, const ZoneFilter& f) {
  if (Status st = Check(who, Action::kReadZones); !st.ok()) return st.error();
  ZoneSelection out;
  out.scenario = views_.ScenarioAt(views_.SizeAsOf(f.as_of));
  if (!out.scenario) return out;
  for (const ZoneVersion& v : out.scenario->scenario->zone_versions()) {
    if (f.from && v.validity().end() <= *f.from) continue;
    if (f.to && v.validity().begin() >= *f.to) continue;
    if (f.bbox && !ShapeMeetsRect(v.shape(), v.bounds(), *f.bbox)) continue;
    out.versions.push_back(&v);
  }
  return out;
}

}  // namespace truce::app
