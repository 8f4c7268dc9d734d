// An independent reference for no-fly crossings, for tests and the benchmark baseline.
//
// It shares no code with truce's flight monitor: traffic JSON is read with its own callback,
// tracks are built with plain loops, and all geometry is GEOS: the crossings of each segment
// between fixes are the points where GEOS intersects the segment with the zone's boundary,
// and the side of each piece is GEOS prepared covers at its midpoint. It applies the same
// definitions (docs/flights.md: fix time, gap split, altitude choice, validity and band, on the
// ground) but no hysteresis: every raw stay inside is one interval. Not thread-safe.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <geos_c.h>
#include <nlohmann/json.hpp>

#include "truce/scenario.h"
#include "truce/time.h"

namespace truce::testing {

struct OracleFix {
  UtcTime t{};
  double lat = 0, lng = 0;
  std::optional<double> alt;  // metres: barometric, else geometric
  bool on_ground = false;
};

struct OracleTrack {
  std::string icao24;
  std::vector<OracleFix> fixes;
};

// A traffic JSON array: the fix time is last_position when given, else timestamp (ms);
// altitude and geoaltitude in feet; records without latitude and longitude skipped. Sorted per
// aircraft, the same (icao24, time) kept once (the first), split at gaps longer than max_gap.
inline std::vector<OracleTrack> OracleTracksFromTraffic(std::string_view text,
                                                        std::chrono::milliseconds max_gap) {
  using nlohmann::json;
  struct Row {
    std::string icao;
    OracleFix fix;
    size_t order;
  };
  std::vector<Row> rows;
  json::parser_callback_t take = [&](int depth, json::parse_event_t event, json& r) {
    if (depth != 1 || event != json::parse_event_t::object_end) return true;
    if (r["latitude"].is_null() || r["longitude"].is_null()) return false;
    Row row;
    std::string icao = r["icao24"].get<std::string>();
    for (char& c : icao) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    row.icao = icao;
    const json& lp = r.contains("last_position") ? r["last_position"] : json();
    const int64_t ms = lp.is_number() ? std::llround(lp.get<double>())
                                      : std::llround(r["timestamp"].get<double>());
    row.fix.t = UtcTime(std::chrono::milliseconds(ms));
    row.fix.lat = r["latitude"].get<double>();
    row.fix.lng = r["longitude"].get<double>();
    if (r.contains("altitude") && r["altitude"].is_number()) {
      row.fix.alt = r["altitude"].get<double>() * 0.3048;
    } else if (r.contains("geoaltitude") && r["geoaltitude"].is_number()) {
      row.fix.alt = r["geoaltitude"].get<double>() * 0.3048;
    }
    row.fix.on_ground =
        r.contains("onground") && r["onground"].is_boolean() && r["onground"].get<bool>();
    row.order = rows.size();
    rows.push_back(std::move(row));
    return false;
  };
  const json rest = json::parse(text.begin(), text.end(), take);  // records taken out
  (void)rest;
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    if (a.icao != b.icao) return a.icao < b.icao;
    if (a.fix.t != b.fix.t) return a.fix.t < b.fix.t;
    return a.order < b.order;
  });
  std::vector<OracleTrack> tracks;
  for (size_t i = 0; i < rows.size(); ++i) {
    const bool same = i > 0 && rows[i].icao == rows[i - 1].icao;
    if (same && rows[i].fix.t == rows[i - 1].fix.t) continue;
    if (!same || rows[i].fix.t - tracks.back().fixes.back().t > max_gap) {
      tracks.push_back(OracleTrack{rows[i].icao, {}});
    }
    tracks.back().fixes.push_back(rows[i].fix);
  }
  return tracks;
}

// One raw stay of one track inside one no_fly zone version.
struct OracleInterval {
  std::string icao24;
  size_t zone = 0;  // index into the versions given to the oracle
  UtcTime entry{}, exit{};
  double entry_lat = 0, entry_lng = 0, exit_lat = 0, exit_lng = 0;
  bool from_track_start = false;
  bool lost = false;        // the track ended inside
  bool rule_ended = false;  // left because the version went out of force
  size_t fixes_inside = 0;
};

class GeosOracle {
 public:
  explicit GeosOracle(std::span<const ZoneVersion> versions) : versions_(versions) {
    h_ = GEOS_init_r();
    for (size_t i = 0; i < versions.size(); ++i) {
      if (versions[i].FindRule(RuleKind::kNoFly) == nullptr) continue;
      Zone z;
      z.index = i;
      z.shape = MakeShape(versions[i].shape());
      z.boundary = GEOSBoundary_r(h_, z.shape);
      z.covers = GEOSPrepare_r(h_, z.shape);
      z.meets_boundary = GEOSPrepare_r(h_, z.boundary);
      zones_.push_back(z);
    }
  }
  ~GeosOracle() {
    for (Zone& z : zones_) {
      GEOSPreparedGeom_destroy_r(h_, z.covers);
      GEOSPreparedGeom_destroy_r(h_, z.meets_boundary);
      GEOSGeom_destroy_r(h_, z.boundary);
      GEOSGeom_destroy_r(h_, z.shape);
    }
    GEOS_finish_r(h_);
  }
  GeosOracle(const GeosOracle&) = delete;
  GeosOracle& operator=(const GeosOracle&) = delete;

  // Every raw stay of `track` in every no_fly version, appended to `out`.
  void Intervals(const OracleTrack& track, std::vector<OracleInterval>& out) {
    for (const Zone& z : zones_) ZoneIntervals(track, z, out);
  }

  // The baseline a GEOS user would write: each fix located with prepared covers (after a
  // bounding-box test); where the
  // status changes between two fixes, the crossing is the first point GEOS finds on the
  // segment. Returns the number of crossings (and keeps their times in `times`).
  size_t NaiveCrossings(const OracleTrack& track, std::vector<UtcTime>& times) {
    size_t n = 0;
    for (const Zone& z : zones_) {
      const ZoneVersion& v = versions_[z.index];
      bool prev = false;
      for (size_t i = 0; i < track.fixes.size(); ++i) {
        const OracleFix& f = track.fixes[i];
        const bool now = v.validity().Contains(f.t) && v.bounds().Contains(LatLng(f.lat, f.lng)) &&
                         Covers(z, f.lat, f.lng);
        if (i > 0 && now != prev) {
          const OracleFix& a = track.fixes[i - 1];
          std::vector<double> s;
          BoundaryParams(z, a, f, s);
          const double p = s.empty() ? 1.0 : s.front();
          times.push_back(a.t + std::chrono::milliseconds(
                                    std::llround(p * static_cast<double>((f.t - a.t).count()))));
          ++n;
        }
        prev = now;
      }
    }
    return n;
  }

 private:
  struct Zone {
    size_t index = 0;
    GEOSGeometry* shape = nullptr;
    GEOSGeometry* boundary = nullptr;
    const GEOSPreparedGeometry* covers = nullptr;
    const GEOSPreparedGeometry* meets_boundary = nullptr;
  };

  GEOSGeometry* MakeRing(const Ring& ring) {
    GEOSCoordSequence* seq = GEOSCoordSeq_create_r(h_, static_cast<unsigned>(ring.size()), 2);
    for (unsigned i = 0; i < ring.size(); ++i) {
      GEOSCoordSeq_setXY_r(h_, seq, i, ring[i].lng(), ring[i].lat());
    }
    return GEOSGeom_createLinearRing_r(h_, seq);
  }
  GEOSGeometry* MakeShape(const MultiPolygon& shape) {
    std::vector<GEOSGeometry*> polygons;
    for (const Polygon& p : shape.polygons) {
      std::vector<GEOSGeometry*> holes;
      for (size_t r = 1; r < p.rings.size(); ++r) holes.push_back(MakeRing(p.rings[r]));
      polygons.push_back(GEOSGeom_createPolygon_r(h_, MakeRing(p.rings[0]), holes.data(),
                                                  static_cast<unsigned>(holes.size())));
    }
    return GEOSGeom_createCollection_r(h_, GEOS_MULTIPOLYGON, polygons.data(),
                                       static_cast<unsigned>(polygons.size()));
  }

  bool Covers(const Zone& z, double lat, double lng) {
    GEOSGeometry* p = GEOSGeom_createPointFromXY_r(h_, lng, lat);
    const bool in = GEOSPreparedCovers_r(h_, z.covers, p) == 1;
    GEOSGeom_destroy_r(h_, p);
    return in;
  }

  // Parameters along a->b where the segment meets the zone boundary (GEOS intersection).
  void BoundaryParams(const Zone& z, const OracleFix& a, const OracleFix& b,
                      std::vector<double>& out) {
    out.clear();
    const double dx = b.lng - a.lng, dy = b.lat - a.lat;
    const double dd = dx * dx + dy * dy;
    if (dd == 0) return;
    GEOSCoordSequence* seq = GEOSCoordSeq_create_r(h_, 2, 2);
    GEOSCoordSeq_setXY_r(h_, seq, 0, a.lng, a.lat);
    GEOSCoordSeq_setXY_r(h_, seq, 1, b.lng, b.lat);
    GEOSGeometry* line = GEOSGeom_createLineString_r(h_, seq);
    if (GEOSPreparedIntersects_r(h_, z.meets_boundary, line) == 1) {
      GEOSGeometry* meet = GEOSIntersection_r(h_, line, z.boundary);
      // Points, or for a collinear overlap lines: every vertex of the result.
      GEOSGeometry* pts = GEOSGeom_extractUniquePoints_r(h_, meet);
      const int n = GEOSGetNumGeometries_r(h_, pts);
      for (int k = 0; k < n; ++k) {
        double x = 0, y = 0;
        const GEOSGeometry* g = GEOSGetGeometryN_r(h_, pts, k);
        GEOSGeomGetX_r(h_, g, &x);
        GEOSGeomGetY_r(h_, g, &y);
        out.push_back(std::clamp(((x - a.lng) * dx + (y - a.lat) * dy) / dd, 0.0, 1.0));
      }
      GEOSGeom_destroy_r(h_, pts);
      GEOSGeom_destroy_r(h_, meet);
    }
    GEOSGeom_destroy_r(h_, line);
    std::sort(out.begin(), out.end());
  }

  void ZoneIntervals(const OracleTrack& track, const Zone& z, std::vector<OracleInterval>& out) {
    const ZoneVersion& v = versions_[z.index];
    const AltitudeBand& band = v.altitude();
    const LatLngRect& box = v.bounds();
    auto in_band = [&](std::optional<double> alt) { return !alt || band.Contains(Meters{*alt}); };
    auto fix_in = [&](const OracleFix& f) {
      return !f.on_ground && v.validity().Contains(f.t) && in_band(f.alt) &&
             box.Contains(LatLng(f.lat, f.lng)) && Covers(z, f.lat, f.lng);
    };
    const std::vector<OracleFix>& fx = track.fixes;
    bool open = false;
    OracleInterval cur;
    auto start = [&](UtcTime t, double lat, double lng) {
      cur = OracleInterval{};
      cur.icao24 = track.icao24;
      cur.zone = z.index;
      cur.entry = t;
      cur.entry_lat = lat;
      cur.entry_lng = lng;
      open = true;
    };
    auto stop = [&](UtcTime t, double lat, double lng) {
      cur.exit = t;
      cur.exit_lat = lat;
      cur.exit_lng = lng;
      out.push_back(cur);
      open = false;
    };
    if (fx.empty()) return;
    if (fix_in(fx[0])) {
      start(fx[0].t, fx[0].lat, fx[0].lng);
      cur.from_track_start = true;
      cur.fixes_inside = 1;
    }
    std::vector<double> params;
    for (size_t i = 0; i + 1 < fx.size(); ++i) {
      const OracleFix& a = fx[i];
      const OracleFix& b = fx[i + 1];
      const double span = static_cast<double>((b.t - a.t).count());
      struct Cut {
        double s;
        std::optional<UtcTime> t;
        bool validity;
      };
      std::vector<Cut> cuts;
      const bool seg_meets_box =
          !(std::max(a.lat, b.lat) < box.lat_lo || std::min(a.lat, b.lat) > box.lat_hi ||
            std::max(a.lng, b.lng) < box.lng_lo || std::min(a.lng, b.lng) > box.lng_hi);
      if (seg_meets_box) {
        BoundaryParams(z, a, b, params);
        for (double s : params) cuts.push_back(Cut{s, std::nullopt, false});
      }
      for (UtcTime t : {v.validity().begin(), v.validity().end()}) {
        if (a.t < t && t < b.t)
          cuts.push_back(Cut{static_cast<double>((t - a.t).count()) / span, t, true});
      }
      if (a.alt && b.alt && *a.alt != *b.alt) {
        for (const auto& lim : {band.min, band.max}) {
          if (!lim) continue;
          const double s = (lim->value - *a.alt) / (*b.alt - *a.alt);
          if (s > 0 && s < 1) cuts.push_back(Cut{s, std::nullopt, false});
        }
      }
      cuts.push_back(Cut{1.0, std::nullopt, false});
      std::stable_sort(cuts.begin(), cuts.end(), [](const Cut& x, const Cut& y) {
        if (x.s != y.s) return x.s < y.s;
        return x.validity > y.validity;
      });
      auto at = [&](double s, std::optional<UtcTime> t) {
        struct P {
          UtcTime t;
          double lat, lng;
        };
        return P{t ? *t : a.t + std::chrono::milliseconds(std::llround(s * span)),
                 a.lat + s * (b.lat - a.lat), a.lng + s * (b.lng - a.lng)};
      };
      double s0 = 0;
      const Cut* from = nullptr;
      for (const Cut& c : cuts) {
        if (c.s <= s0) continue;
        const double mid = 0.5 * (s0 + c.s);
        const auto m = at(mid, std::nullopt);
        std::optional<double> alt;
        if (a.alt && b.alt) {
          alt = *a.alt + mid * (*b.alt - *a.alt);
        } else {
          alt = a.alt ? a.alt : b.alt;
        }
        const bool in = !a.on_ground && !b.on_ground && v.validity().Contains(m.t) &&
                        in_band(alt) && box.Contains(LatLng(m.lat, m.lng)) &&
                        Covers(z, m.lat, m.lng);
        if (in != open) {
          const auto p = from ? at(from->s, from->t) : at(0, a.t);
          if (in) {
            start(p.t, p.lat, p.lng);
          } else {
            cur.rule_ended = from && from->validity;
            stop(p.t, p.lat, p.lng);
          }
        }
        s0 = c.s;
        from = &c;
      }
      const bool in_b = fix_in(b);
      if (in_b != open) {
        if (in_b) {
          start(b.t, b.lat, b.lng);
        } else {
          cur.rule_ended = !v.validity().Contains(b.t);
          stop(b.t, b.lat, b.lng);
        }
      }
      if (in_b) ++cur.fixes_inside;
    }
    if (open) {
      cur.lost = true;
      stop(fx.back().t, fx.back().lat, fx.back().lng);
    }
  }

  std::span<const ZoneVersion> versions_;
  GEOSContextHandle_t h_;
  std::vector<Zone> zones_;
};

}  // namespace truce::testing
