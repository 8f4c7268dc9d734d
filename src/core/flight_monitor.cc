#include "truce/flight_monitor.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <utility>

#include "boundary_grid.h"

namespace truce {

std::string_view CrossingKindName(CrossingKind kind) noexcept {
  switch (kind) {
    case CrossingKind::kBoundary:
      return "boundary";
    case CrossingKind::kAltitude:
      return "altitude_band";
    case CrossingKind::kInForce:
      return "in_force";
    case CrossingKind::kExemption:
      return "exemption";
    case CrossingKind::kGround:
      return "ground";
    case CrossingKind::kTrackStart:
      return "track_start";
    case CrossingKind::kLost:
      return "lost";
  }
  return "boundary";
}

struct FlightMonitor::Zone {
  const ZoneVersion* version = nullptr;
  const Rule* rule = nullptr;
  detail::BoundaryGrid grid;
};

FlightMonitor::FlightMonitor(std::span<const ZoneVersion> versions, const ZoneLocator& locator,
                             std::vector<Exemption> exemptions, FlightMonitorOptions options)
    : versions_(versions),
      locator_(locator),
      exemptions_(std::move(exemptions)),
      options_(options),
      zone_of_version_(versions.size(), -1) {
  for (size_t i = 0; i < versions.size(); ++i) {
    const Rule* rule = versions[i].FindRule(RuleKind::kNoFly);
    if (rule == nullptr) continue;
    zone_of_version_[i] = static_cast<int>(zones_.size());
    zones_.push_back(Zone{&versions[i], rule, detail::BoundaryGrid(versions[i].shape())});
    grid_bounds_.Extend(versions[i].bounds());
  }
  // About four cells per zone along each axis (at most 128 x 128): a segment a few
  // kilometres long meets one or two cells, which list only the zones around it.
  grid_n_ = std::clamp(static_cast<int>(4 * std::sqrt(static_cast<double>(zones_.size()))), 1, 128);
  grid_cell_lat_ = std::max(grid_bounds_.lat_hi - grid_bounds_.lat_lo, 1e-9) / grid_n_;
  grid_cell_lng_ = std::max(grid_bounds_.lng_hi - grid_bounds_.lng_lo, 1e-9) / grid_n_;
  grid_zones_.assign(static_cast<size_t>(grid_n_) * grid_n_, {});
  for (uint32_t z = 0; z < zones_.size(); ++z) {
    ForEachGridCell(zones_[z].version->bounds(),
                    [&](size_t cell) { grid_zones_[cell].push_back(z); });
  }
}

template <typename Visit>
void FlightMonitor::ForEachGridCell(const LatLngRect& box, Visit&& visit) const {
  if (grid_bounds_.empty() || box.lat_hi < grid_bounds_.lat_lo ||
      box.lat_lo > grid_bounds_.lat_hi || box.lng_hi < grid_bounds_.lng_lo ||
      box.lng_lo > grid_bounds_.lng_hi) {
    return;
  }
  const double h = grid_cell_lat_, w = grid_cell_lng_;
  auto cell = [&](double v, double lo, double size) {
    return std::clamp(static_cast<int>(std::floor((v - lo) / size)), 0, grid_n_ - 1);
  };
  // The cell function is monotonic, so two boxes that overlap share the cell of any point
  // they share: a zone is never missed, even under rounding.
  const int r0 = cell(box.lat_lo, grid_bounds_.lat_lo, h);
  const int r1 = cell(box.lat_hi, grid_bounds_.lat_lo, h);
  const int c0 = cell(box.lng_lo, grid_bounds_.lng_lo, w);
  const int c1 = cell(box.lng_hi, grid_bounds_.lng_lo, w);
  for (int r = r0; r <= r1; ++r) {
    for (int c = c0; c <= c1; ++c) {
      visit(static_cast<size_t>(r) * grid_n_ + c);
    }
  }
}

void FlightMonitor::CandidateZones(const LatLngRect& box, std::vector<uint32_t>& out) const {
  out.clear();
  int cells = 0;
  ForEachGridCell(box, [&](size_t c) {
    ++cells;
    out.insert(out.end(), grid_zones_[c].begin(), grid_zones_[c].end());
  });
  if (cells > 1) {  // one cell lists each zone once, in order
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
  }
}

FlightMonitor::~FlightMonitor() = default;

size_t FlightMonitor::no_fly_versions() const noexcept { return zones_.size(); }

namespace detail {
// Follows one track fix by fix and reports its violations. Batch detection and live mode
// both run tracks through this class, so they cannot disagree.
class TrackScanner {
 public:
  TrackScanner(const FlightMonitor& monitor, std::string icao24)
      : m_(monitor), icao24_(std::move(icao24)), geo_(monitor.zones_.size(), kUnknown) {
    for (const Exemption& e : m_.exemptions_) {
      if (e.icao24.empty() || e.icao24 == icao24_) exemptions_.push_back(&e);
    }
  }

  // REQUIRES: p.icao24 is this track's aircraft. Fixes not after the previous one are ignored.
  void Add(const Position& p, std::vector<FlightAlert>& out) {
    out_ = &out;
    if (!last_) {
      Start(p);
    } else if (p.time > last_->time) {
      Step(*last_, p);
    } else {
      return;
    }
    last_ = p;
  }

  // The track has ended: stays still open are lost inside; exits awaiting confirmation stand.
  void Finish(std::vector<FlightAlert>& out) {
    out_ = &out;
    while (!active_.empty()) {
      Active& a = active_.front();
      if (a.inside) {
        a.v.lost_inside = true;
        a.v.inside_time += last_->time - a.since;
        a.v.exit = Crossing{last_->time, last_->where, last_->altitude(), CrossingKind::kLost,
                            std::chrono::milliseconds(0)};
      }
      Finalize(0);
    }
  }

  const std::optional<Position>& last() const noexcept { return last_; }

 private:
  static constexpr int8_t kUnknown = -1;

  // A violation in progress in one zone.
  struct Active {
    size_t zone = 0;
    FlightViolation v;
    bool inside = true;       // false: exited, awaiting confirmation (hysteresis, dwell)
    UtcTime since{};          // when the current stay (inside) or excursion (outside) began
    bool clear_seen = false;  // a fix clearly outside since the exit
    bool deep_seen = false;   // a fix clearly inside: the verdict is kInside
  };

  struct Break {
    double s = 0;
    CrossingKind kind = CrossingKind::kBoundary;
    std::optional<UtcTime> time;  // exact, for breaks defined by time
  };

  using Zone = FlightMonitor::Zone;

  // ---- zone membership through the ZoneLocator port ----

  int ZoneIndexOf(const ZoneVersion* v) const {
    const ZoneVersion* begin = m_.versions_.data();
    const ZoneVersion* end = begin + m_.versions_.size();
    if (std::less<const ZoneVersion*>()(v, begin) || !std::less<const ZoneVersion*>()(v, end))
      return -1;
    return m_.zone_of_version_[static_cast<size_t>(v - begin)];
  }

  // Membership of `p` in every no_fly version in force at `t`; others stay unknown.
  void LocateAll(LatLng p, UtcTime t, std::vector<int8_t>& geo) {
    std::fill(geo.begin(), geo.end(), kUnknown);
    for (size_t z = 0; z < m_.zones_.size(); ++z) {
      const ZoneVersion& v = *m_.zones_[z].version;
      if (!v.bounds().Contains(p)) {
        geo[z] = 0;
      } else if (v.validity().Contains(t)) {
        geo[z] = 0;  // set to 1 below if covered
      }
    }
    m_.locator_.Locate(p, t, hits_);
    for (const ZoneVersion* v : hits_) {
      const int z = ZoneIndexOf(v);
      if (z >= 0) geo[static_cast<size_t>(z)] = 1;
    }
  }

  // Membership of `p` in zone z alone. The locator filters by time, geometry does not depend
  // on it: ask at a time within the version's validity.
  bool LocateOne(size_t z, LatLng p, UtcTime t) {
    const ZoneVersion& v = *m_.zones_[z].version;
    if (!v.bounds().Contains(p)) return false;
    const TimeInterval& valid = v.validity();
    if (t < valid.begin()) t = valid.begin();
    if (t >= valid.end()) t = valid.end() - std::chrono::milliseconds(1);
    m_.locator_.Locate(p, t, hits_);
    return std::find(hits_.begin(), hits_.end(), &v) != hits_.end();
  }

  // ---- the other conditions of a violation ----

  bool Exempt(const Zone& zone, UtcTime t, std::string_view callsign) const {
    for (const Exemption* e : exemptions_) {
      if (e->window.Contains(t) && e->Covers(icao24_, callsign, zone.version->zone())) return true;
    }
    return false;
  }

  static bool BandLimited(const AltitudeBand& band) { return band.min || band.max; }

  // Whether the fix itself is in violation, given its membership.
  bool FixViolates(const Zone& zone, const Position& p, bool inside,
                   std::string_view callsign) const {
    if (!inside || p.on_ground || !zone.version->validity().Contains(p.time)) return false;
    const AltitudeBand& band = zone.version->altitude();
    if (const auto alt = p.altitude(); alt && !band.Contains(*alt)) return false;
    return !Exempt(zone, p.time, callsign);
  }

  // ---- the per-violation state machine (hysteresis, dwell, verdict) ----

  Active* Find(size_t z) {
    for (Active& a : active_)
      if (a.zone == z) return &a;
    return nullptr;
  }

  static void ExtendAltitude(FlightViolation& v, const std::optional<Meters>& alt) {
    if (!alt) return;
    if (!v.min_altitude || *alt < *v.min_altitude) v.min_altitude = alt;
    if (!v.max_altitude || *alt > *v.max_altitude) v.max_altitude = alt;
  }
  static void ExtendPath(FlightViolation& v, LatLng p) {
    if (v.path.empty() || !(v.path.back() == p)) v.path.push_back(p);
  }

  void Open(size_t z, const Crossing& c) {
    if (Active* a = Find(z); a != nullptr) {
      // Re-entry before the exit was confirmed: the same violation continues.
      a->inside = true;
      a->since = c.time;
      ++a->v.incursions;
      ExtendPath(a->v, c.where);
      ExtendAltitude(a->v, c.altitude);
      return;
    }
    Active a;
    a.zone = z;
    a.since = c.time;
    FlightViolation& v = a.v;
    v.icao24 = icao24_;
    v.callsign = callsign_;
    v.zone = m_.zones_[z].version;
    v.rule = m_.zones_[z].rule;
    v.entry = c;
    v.exit = c;
    ExtendPath(v, c.where);
    ExtendAltitude(v, c.altitude);
    out_->push_back(FlightAlert{FlightAlert::Kind::kEntry, v});
    active_.push_back(std::move(a));
  }

  void Close(size_t z, const Crossing& c) {
    Active* a = Find(z);
    if (a == nullptr || !a->inside) return;
    a->v.inside_time += c.time - a->since;
    a->v.exit = c;
    ExtendPath(a->v, c.where);
    ExtendAltitude(a->v, c.altitude);
    a->inside = false;
    a->since = c.time;
    a->clear_seen = false;
    // The rule stopped applying: nothing to re-enter, so no hysteresis.
    if (c.kind == CrossingKind::kInForce || c.kind == CrossingKind::kExemption) {
      Finalize(static_cast<size_t>(a - active_.data()));
    }
  }

  void Finalize(size_t i) {
    Active& a = active_[i];
    if (a.v.callsign.empty()) a.v.callsign = callsign_;
    a.v.verdict = a.deep_seen ? Verdict::kInside : Verdict::kPossible;
    out_->push_back(FlightAlert{FlightAlert::Kind::kExit, std::move(a.v)});
    active_.erase(active_.begin() + static_cast<std::ptrdiff_t>(i));
  }

  // A fix in violation of zone z.
  void InsideFix(size_t z, const Position& p) {
    Active* a = Find(z);
    if (a == nullptr) return;
    ++a->v.positions_inside;
    ExtendPath(a->v, p.where);
    ExtendAltitude(a->v, p.altitude());
    if (a->v.callsign.empty()) a->v.callsign = callsign_;
    if (a->deep_seen) return;
    const Zone& zone = m_.zones_[z];
    const AltitudeBand& band = zone.version->altitude();
    const auto alt = p.altitude();
    const double margin = m_.options_.altitude_tolerance.value;
    if (BandLimited(band)) {
      if (!alt) return;
      if (band.min && alt->value - band.min->value <= margin) return;
      if (band.max && band.max->value - alt->value <= margin) return;
    }
    if (zone.grid.Near(p.where, m_.options_.boundary_tolerance)) return;
    a->deep_seen = true;
  }

  // A fix not in violation of zone z; `inside` is its membership (-1 unknown).
  void OutsideFix(size_t z, const Position& p, int8_t inside) {
    Active* a = Find(z);
    if (a == nullptr || a->inside) return;
    if (!a->clear_seen) a->clear_seen = ClearlyOutside(m_.zones_[z], p, inside);
    if (a->clear_seen && p.time - a->since >= m_.options_.min_dwell) {
      Finalize(static_cast<size_t>(a - active_.data()));
    }
  }

  bool ClearlyOutside(const Zone& zone, const Position& p, int8_t inside) const {
    const ZoneVersion& v = *zone.version;
    if (p.on_ground || !v.validity().Contains(p.time) || Exempt(zone, p.time, callsign_))
      return true;
    const AltitudeBand& band = v.altitude();
    if (const auto alt = p.altitude(); alt && BandLimited(band)) {
      const double margin = m_.options_.altitude_tolerance.value;
      if (band.min && alt->value < band.min->value - margin) return true;
      if (band.max && alt->value > band.max->value + margin) return true;
    }
    return inside == 0 && !zone.grid.Near(p.where, m_.options_.boundary_tolerance);
  }

  // ---- the track ----

  void Start(const Position& p) {
    if (!p.callsign.empty()) callsign_ = p.callsign;
    LocateAll(p.where, p.time, geo_);
    for (size_t z = 0; z < m_.zones_.size(); ++z) {
      if (!FixViolates(m_.zones_[z], p, geo_[z] == 1, callsign_)) continue;
      Open(z, Crossing{p.time, p.where, p.altitude(), CrossingKind::kTrackStart,
                       std::chrono::milliseconds(0)});
      InsideFix(z, p);
    }
  }

  void Step(const Position& a, const Position& b) {
    // The segment flies under the callsign known at its start; b's may change it.
    std::string previous;
    std::string_view segment_callsign = callsign_;
    if (!b.callsign.empty() && b.callsign != callsign_) {
      previous = std::move(callsign_);
      callsign_ = b.callsign;
      segment_callsign = previous;
    }
    LatLngRect box;
    box.Extend(a.where);
    box.Extend(b.where);
    // Zones whose box the segment does not meet do not hold b.
    next_geo_.assign(m_.zones_.size(), 0);
    located_b_ = false;
    const size_t alerts_before = out_->size();
    scanned_.clear();
    m_.CandidateZones(box, candidates_);
    for (uint32_t z : candidates_) {
      const ZoneVersion& v = *m_.zones_[z].version;
      const LatLngRect& zb = v.bounds();
      if (box.lat_hi < zb.lat_lo || box.lat_lo > zb.lat_hi || box.lng_hi < zb.lng_lo ||
          box.lng_lo > zb.lng_hi) {
        continue;
      }
      const TimeInterval& valid = v.validity();
      if (!(valid.begin() <= b.time && a.time < valid.end())) {
        // Not in force at any instant of the segment: nothing can be open (a fix in violation
        // needs the version in force); b's membership is left unknown.
        next_geo_[z] = kUnknown;
        continue;
      }
      next_geo_[z] = kUnknown;  // ScanSegment finds out
      ScanSegment(z, a, b, segment_callsign);
      scanned_.push_back(z);
    }
    // Exits awaiting confirmation in zones not scanned: b is a fix outside them.
    for (size_t i = 0; i < active_.size();) {
      const size_t z = active_[i].zone;
      const size_t before = active_.size();
      if (std::find(scanned_.begin(), scanned_.end(), z) == scanned_.end()) {
        OutsideFix(z, b, next_geo_[z]);
      }
      if (active_.size() == before) ++i;
    }
    geo_.swap(next_geo_);
    // One step may touch several zones; report its events in time order.
    auto time_of = [](const FlightAlert& x) {
      return x.kind == FlightAlert::Kind::kEntry ? x.violation.entry.time : x.violation.exit.time;
    };
    std::stable_sort(
        out_->begin() + static_cast<std::ptrdiff_t>(alerts_before), out_->end(),
        [&](const FlightAlert& x, const FlightAlert& y) { return time_of(x) < time_of(y); });
  }

  // Membership of b in zone z. One locator call at b serves every zone in force at b's time.
  int8_t GeoAtB(size_t z, const Position& b) {
    if (next_geo_[z] != kUnknown) return next_geo_[z];
    if (m_.zones_[z].version->validity().Contains(b.time)) {
      if (!located_b_) {
        m_.locator_.Locate(b.where, b.time, hits_);
        zones_at_b_.clear();
        for (const ZoneVersion* v : hits_) {
          if (const int i = ZoneIndexOf(v); i >= 0) zones_at_b_.push_back(static_cast<uint32_t>(i));
        }
        located_b_ = true;
      }
      return std::find(zones_at_b_.begin(), zones_at_b_.end(), z) != zones_at_b_.end() ? 1 : 0;
    }
    return LocateOne(z, b.where, b.time) ? 1 : 0;
  }

  void ScanSegment(size_t z, const Position& a, const Position& b, std::string_view callsign) {
    const Zone& zone = m_.zones_[z];
    const ZoneVersion& v = *zone.version;
    int8_t geo_a = geo_[z];
    if (geo_a == kUnknown) geo_a = LocateOne(z, a.where, a.time) ? 1 : 0;
    const bool near = zone.grid.Crossings(a.where, b.where, params_);

    const double ta = static_cast<double>(a.time.time_since_epoch().count());
    const double span = static_cast<double>((b.time - a.time).count());
    const auto alt_a = a.altitude(), alt_b = b.altitude();
    auto altitude_at = [&](double s) -> std::optional<Meters> {
      if (alt_a && alt_b) return Meters{alt_a->value + s * (alt_b->value - alt_a->value)};
      return alt_a ? alt_a : alt_b;
    };
    auto time_at = [&](double s) {
      return UtcTime(std::chrono::milliseconds(RoundHalfAway(ta + s * span)));
    };
    auto s_of = [&](UtcTime t) { return static_cast<double>((t - a.time).count()) / span; };

    breaks_.clear();
    for (double s : params_) breaks_.push_back(Break{s, CrossingKind::kBoundary, std::nullopt});
    for (UtcTime t : {v.validity().begin(), v.validity().end()}) {
      if (a.time < t && t < b.time) breaks_.push_back(Break{s_of(t), CrossingKind::kInForce, t});
    }
    for (const Exemption* e : exemptions_) {
      if (!e->Covers(icao24_, callsign, v.zone())) continue;
      for (UtcTime t : {e->window.begin(), e->window.end()}) {
        if (a.time < t && t < b.time)
          breaks_.push_back(Break{s_of(t), CrossingKind::kExemption, t});
      }
    }
    const AltitudeBand& band = v.altitude();
    if (alt_a && alt_b && alt_a->value != alt_b->value) {
      for (const auto& limit : {band.min, band.max}) {
        if (!limit) continue;
        const double s = (limit->value - alt_a->value) / (alt_b->value - alt_a->value);
        if (s > 0 && s < 1) breaks_.push_back(Break{s, CrossingKind::kAltitude, std::nullopt});
      }
    }
    breaks_.push_back(Break{1.0, CrossingKind::kBoundary, std::nullopt});
    // By position, and at equal positions the rule-defined kinds first: they explain the
    // change better than a coincident boundary crossing.
    std::sort(breaks_.begin(), breaks_.end(), [](const Break& x, const Break& y) {
      if (x.s != y.s) return x.s < y.s;
      return static_cast<int>(x.kind) > static_cast<int>(y.kind);
    });

    const bool airborne = !a.on_ground && !b.on_ground;
    auto crossing_at = [&](const Break& br) {
      const double s = br.s;
      const LatLng where(a.where.lat() + s * (b.where.lat() - a.where.lat()),
                         a.where.lng() + s * (b.where.lng() - a.where.lng()));
      return Crossing{br.time ? *br.time : time_at(s), where, altitude_at(s), br.kind,
                      b.time - a.time};
    };
    // A change of status exactly at a fix: say which condition changed there.
    auto fix_crossing = [&](const Position& p) {
      const auto alt = p.altitude();
      CrossingKind kind = CrossingKind::kBoundary;
      auto at_p = [&](UtcTime t) { return t == p.time; };
      if (!airborne) {
        kind = CrossingKind::kGround;
      } else if (at_p(v.validity().begin()) || at_p(v.validity().end())) {
        kind = CrossingKind::kInForce;
      } else if (std::any_of(exemptions_.begin(), exemptions_.end(), [&](const Exemption* e) {
                   return at_p(e->window.begin()) || at_p(e->window.end());
                 })) {
        kind = CrossingKind::kExemption;
      } else if (alt && ((band.min && alt->value == band.min->value) ||
                         (band.max && alt->value == band.max->value))) {
        kind = CrossingKind::kAltitude;
      }
      return Crossing{p.time, p.where, alt, kind, std::chrono::milliseconds(0)};
    };

    // Walk the pieces between breaks; each piece has one status, read at its midpoint, and a
    // change of status is a crossing at the break that starts the piece (the first break at
    // a position wins: the sort put the rule-defined kinds first).
    const Active* current = Find(z);
    bool open = current != nullptr && current->inside;
    double s0 = 0;
    const Break* start = nullptr;  // the break at s0; null while s0 is fix a
    for (const Break& br : breaks_) {
      if (br.s <= s0) continue;  // at fix a, or coincident with `start`
      const double mid = 0.5 * (s0 + br.s);
      const UtcTime t_mid = time_at(mid);
      bool status = airborne && v.validity().Contains(t_mid);
      if (status) {
        const auto alt = altitude_at(mid);
        status = (!alt || band.Contains(*alt)) && !Exempt(zone, t_mid, callsign);
      }
      if (status) {
        if (near) {
          const LatLng p(a.where.lat() + mid * (b.where.lat() - a.where.lat()),
                         a.where.lng() + mid * (b.where.lng() - a.where.lng()));
          status = LocateOne(z, p, t_mid);
        } else {
          status = geo_a == 1;
        }
      }
      if (status != open) {
        const Crossing c = start == nullptr ? fix_crossing(a) : crossing_at(*start);
        if (status) {
          Open(z, c);
        } else {
          Close(z, c);
        }
        open = status;
      }
      s0 = br.s;
      start = &br;
    }

    const int8_t geo_b = near ? GeoAtB(z, b) : geo_a;
    next_geo_[z] = geo_b;
    const bool fix_b = FixViolates(zone, b, geo_b == 1, callsign_);
    if (fix_b != open) {
      const Crossing c = fix_crossing(b);
      if (fix_b) {
        Open(z, c);
      } else {
        Close(z, c);
      }
    }
    if (fix_b) {
      InsideFix(z, b);
    } else {
      OutsideFix(z, b, geo_b);
    }
  }

  const FlightMonitor& m_;
  std::string icao24_;
  std::string callsign_;                      // the latest non-empty callsign
  std::vector<const Exemption*> exemptions_;  // those that may apply to this aircraft
  std::optional<Position> last_;
  std::vector<int8_t> geo_;  // membership of the last fix per zone: 1, 0, or unknown
  std::vector<Active> active_;
  std::vector<FlightAlert>* out_ = nullptr;
  // Scratch, kept to avoid allocations per fix.
  std::vector<int8_t> next_geo_;
  std::vector<uint32_t> candidates_, scanned_, zones_at_b_;
  bool located_b_ = false;
  std::vector<const ZoneVersion*> hits_;
  std::vector<double> params_;
  std::vector<Break> breaks_;
};

}  // namespace detail

std::vector<FlightViolation> FlightMonitor::Detect(const Track& track) const {
  detail::TrackScanner scanner(*this, track.icao24);
  std::vector<FlightAlert> alerts;
  for (const Position& p : track.positions) scanner.Add(p, alerts);
  if (scanner.last()) scanner.Finish(alerts);
  std::vector<FlightViolation> out;
  for (FlightAlert& a : alerts) {
    if (a.kind == FlightAlert::Kind::kExit) out.push_back(std::move(a.violation));
  }
  std::stable_sort(out.begin(), out.end(), [](const FlightViolation& x, const FlightViolation& y) {
    return x.entry.time < y.entry.time;
  });
  return out;
}

std::vector<FlightViolation> FlightMonitor::Detect(std::span<const Track> tracks) const {
  std::vector<FlightViolation> out;
  for (const Track& t : tracks) {
    std::vector<FlightViolation> v = Detect(t);
    std::move(v.begin(), v.end(), std::back_inserter(out));
  }
  return out;
}

// ---- live mode ----

struct LiveFlightMonitor::Aircraft {
  std::string icao24;
  std::unique_ptr<detail::TrackScanner> scanner;
  UtcTime last{};  // time of the last fix released to the scanner
};

LiveFlightMonitor::LiveFlightMonitor(const FlightMonitor& monitor) : monitor_(monitor) {}
LiveFlightMonitor::~LiveFlightMonitor() = default;

void LiveFlightMonitor::Add(Position position, std::vector<FlightAlert>& alerts) {
  // Already past this time for this aircraft: it can only be dropped, so do it now.
  if (auto it = aircraft_.find(position.icao24); it != aircraft_.end()) {
    if (position.time <= it->second->last) {
      ++(position.time == it->second->last ? stats_.duplicates : stats_.late);
      return;
    }
  }
  ++stats_.accepted;
  if (!latest_ || position.time > *latest_) latest_ = position.time;
  buffer_.push(Pending{std::move(position), arrivals_++});
  stats_.max_buffered = std::max(stats_.max_buffered, buffer_.size());
  const UtcTime release_to = *latest_ - monitor_.options().reorder_window;
  Release(release_to, alerts);
  Evict(release_to - monitor_.options().max_gap, alerts);
  stats_.buffered = buffer_.size();
  stats_.active = aircraft_.size();
}

void LiveFlightMonitor::Release(UtcTime up_to, std::vector<FlightAlert>& alerts) {
  while (!buffer_.empty() && buffer_.top().position.time <= up_to) {
    // priority_queue::top is const; the element is popped right after, so moving is safe.
    Position p = std::move(const_cast<Pending&>(buffer_.top()).position);
    buffer_.pop();
    auto it = aircraft_.find(p.icao24);
    if (it != aircraft_.end()) {
      Aircraft& a = *it->second;
      if (p.time <= a.last) {
        ++(p.time == a.last ? stats_.duplicates : stats_.late);
        continue;
      }
      idle_order_.erase({a.last, a.icao24});
      if (p.time - a.last > monitor_.options().max_gap) {
        a.scanner->Finish(alerts);
        a.scanner = std::make_unique<detail::TrackScanner>(monitor_, a.icao24);
        ++stats_.tracks;
      }
    } else {
      auto fresh = std::make_unique<Aircraft>();
      fresh->icao24 = p.icao24;
      fresh->scanner = std::make_unique<detail::TrackScanner>(monitor_, p.icao24);
      ++stats_.tracks;
      it = aircraft_.emplace(p.icao24, std::move(fresh)).first;
      stats_.max_active = std::max(stats_.max_active, aircraft_.size());
    }
    Aircraft& a = *it->second;
    a.last = p.time;
    idle_order_.insert({a.last, a.icao24});
    a.scanner->Add(p, alerts);
    ++stats_.processed;
  }
}

void LiveFlightMonitor::Evict(UtcTime idle_before, std::vector<FlightAlert>& alerts) {
  while (!idle_order_.empty() && idle_order_.begin()->first < idle_before) {
    const auto it = aircraft_.find(idle_order_.begin()->second);
    idle_order_.erase(idle_order_.begin());
    it->second->scanner->Finish(alerts);
    aircraft_.erase(it);
    ++stats_.evicted;
  }
}

void LiveFlightMonitor::Finish(std::vector<FlightAlert>& alerts) {
  Release(kEndOfTime, alerts);
  while (!idle_order_.empty()) {
    const auto it = aircraft_.find(idle_order_.begin()->second);
    idle_order_.erase(idle_order_.begin());
    it->second->scanner->Finish(alerts);
    aircraft_.erase(it);
  }
  stats_.buffered = 0;
  stats_.active = 0;
}

// ---- growing tracks ----

GrowingTrack::GrowingTrack(const FlightMonitor& monitor, std::string icao24)
    : scanner_(std::make_unique<detail::TrackScanner>(monitor, std::move(icao24))) {}
GrowingTrack::~GrowingTrack() = default;
GrowingTrack::GrowingTrack(GrowingTrack&&) noexcept = default;
GrowingTrack& GrowingTrack::operator=(GrowingTrack&&) noexcept = default;

void GrowingTrack::Add(const Position& p) {
  scratch_.clear();
  scanner_->Add(p, scratch_);
  for (FlightAlert& a : scratch_) {
    if (a.kind == FlightAlert::Kind::kExit) closed_.push_back(std::move(a.violation));
  }
  scratch_.clear();
}

std::vector<FlightViolation> GrowingTrack::Violations() const {
  std::vector<FlightViolation> out = closed_;
  if (scanner_->last()) {
    // The end of the track as if it ended now, on a copy: the stays in progress are lost
    // inside at the last fix, as Detect reports them for the fixes so far.
    detail::TrackScanner ending(*scanner_);
    std::vector<FlightAlert> alerts;
    ending.Finish(alerts);
    for (FlightAlert& a : alerts) {
      if (a.kind == FlightAlert::Kind::kExit) out.push_back(std::move(a.violation));
    }
  }
  // Detect's order: its exits, stably sorted by entry time.
  std::stable_sort(out.begin(), out.end(), [](const FlightViolation& x, const FlightViolation& y) {
    return x.entry.time < y.entry.time;
  });
  return out;
}

}  // namespace truce
