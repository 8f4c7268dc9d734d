#include "truce/deconfliction.h"

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <tuple>

#include "geodesy.h"
#include "truce/merkle_log.h"

namespace truce {

std::string_view AlertCauseName(AlertCause cause) noexcept {
  return cause == AlertCause::kReport ? "report" : "flight";
}

bool IsHostility(const Report& report) {
  const std::vector<RuleKind> rules =
      RulesBrokenBy(report.spec().event_type, report.spec().sub_event_type);
  return std::find(rules.begin(), rules.end(), RuleKind::kCeasefire) != rules.end();
}

void SortAlerts(std::vector<Alert>& alerts) {
  std::stable_sort(alerts.begin(), alerts.end(), [](const Alert& x, const Alert& y) {
    return std::tie(x.time, x.kind, x.target, x.cause, x.report, x.icao24, x.id) <
           std::tie(y.time, y.kind, y.target, y.cause, y.report, y.icao24, y.id);
  });
}

namespace {

// "al_" and the first 64 bits of SHA-256 over the length-prefixed parts: the same parts give
// the same id in every run and on every machine.
std::string AlertId(std::initializer_list<std::string_view> parts) {
  std::string canonical;
  for (std::string_view p : parts) {
    canonical += std::to_string(p.size());
    canonical += ':';
    canonical += p;
  }
  return "al_" + HashToHex(Sha256(canonical)).substr(0, 16);
}

int64_t Ms(UtcTime t) { return t.time_since_epoch().count(); }

// Whether the target was notified before the interval [begin, end) in which the event lay.
std::optional<bool> AfterNotice(const std::optional<UtcTime>& notified_at, UtcTime begin,
                                UtcTime end) {
  if (!notified_at) return std::nullopt;
  if (*notified_at <= begin) return true;
  if (*notified_at >= end) return false;
  return std::nullopt;
}

// The closest approach of a segment between two fixes to a target.
struct Closest {
  double distance = detail::kInfinity;
  UtcTime time{};
  LatLng where;
  std::optional<Meters> altitude;
};

}  // namespace

struct DeconflictionMonitor::Target {
  NotificationKind kind = NotificationKind::kSite;
  const std::string* id = nullptr;
  const std::string* organisation = nullptr;
  TimeInterval when = TimeInterval::Instant(UtcTime{});
  std::optional<UtcTime> notified_at;
  double alert_distance = 0;
  detail::Shape shape;
};

DeconflictionMonitor::DeconflictionMonitor(std::span<const ProtectedSite> sites,
                                           std::span<const Movement> movements,
                                           AlertOptions options)
    : options_(options) {
  targets_.reserve(sites.size() + movements.size());
  for (const ProtectedSite& s : sites) {
    targets_.push_back(
        Target{NotificationKind::kSite, &s.id(), &s.organisation(), s.validity(), s.notified_at(),
               AlertDistance(s).value,
               s.is_point() ? detail::Shape::Point(s.point()) : detail::Shape::Area(s.area())});
  }
  for (const Movement& m : movements) {
    targets_.push_back(Target{NotificationKind::kMovement, &m.id(), &m.organisation(), m.window(),
                              m.notified_at(), AlertDistance(m).value,
                              detail::Shape::Line(m.route())});
  }
}

DeconflictionMonitor::~DeconflictionMonitor() = default;

Meters DeconflictionMonitor::AlertDistance(const ProtectedSite& site) const noexcept {
  return site.spec().alert_distance.value_or(options_.site_distance);
}

Meters DeconflictionMonitor::AlertDistance(const Movement& movement) const noexcept {
  return movement.spec().alert_distance.value_or(options_.route_distance);
}

std::vector<Alert> DeconflictionMonitor::ForReport(const Report& report) const {
  std::vector<Alert> out;
  if (!IsHostility(report)) return out;
  const LatLng centre = report.location();
  const double radius = report.radius().value;
  const TimeInterval& when = report.when();
  for (const Target& t : targets_) {
    if (!t.when.Overlaps(when)) continue;
    const double limit = t.alert_distance + radius;
    const double d = t.shape.DistanceFrom(centre, limit);
    if (!(d <= limit)) continue;
    // The farthest point of the disc from the target is at most d + radius away; when the
    // centre lies inside a Polygon site at depth e, every point of the disc is within
    // radius - e of the site (and inside it when that is <= 0).
    const double farthest =
        t.shape.Contains(centre) ? std::max(0.0, radius - t.shape.Depth(centre)) : d + radius;
    Alert a;
    a.kind = t.kind;
    a.target = *t.id;
    a.organisation = *t.organisation;
    a.cause = AlertCause::kReport;
    a.report = report.event_id();
    a.id = AlertId({"report", NotificationKindName(t.kind), a.target, a.report});
    a.distance = Meters{d};
    a.nearest = Meters{std::max(0.0, d - radius)};
    a.radius = report.radius();
    a.alert_distance = Meters{t.alert_distance};
    a.verdict = farthest <= t.alert_distance && t.when.Contains(when) ? Verdict::kInside
                                                                      : Verdict::kPossible;
    a.time = std::max(when.begin(), t.when.begin());
    a.until = std::min(when.end(), t.when.end());
    a.where = centre;
    a.after_notice = AfterNotice(t.notified_at, a.time, *a.until);
    out.push_back(std::move(a));
  }
  return out;
}

std::vector<Alert> DeconflictionMonitor::ForReports(std::span<const Report> reports) const {
  std::vector<Alert> out;
  for (const Report& r : reports) {
    std::vector<Alert> alerts = ForReport(r);
    std::move(alerts.begin(), alerts.end(), std::back_inserter(out));
  }
  return out;
}

namespace {

// Follows one track past one target, segment by segment, and reports its passes.
class PassFinder {
 public:
  PassFinder(const detail::Shape& shape, const TimeInterval& when, const AlertOptions& o)
      : shape_(shape), when_(when), o_(o) {}

  // The closest approach of the segment a-b to the target, over the part of it that is
  // airborne, within the target's interval and at or below the altitude limit; nullopt when
  // no such part comes within flight_distance.
  std::optional<Closest> Near(const Position& a, const Position& b) const {
    if (a.on_ground || b.on_ground) return std::nullopt;
    const double ta = static_cast<double>(Ms(a.time));
    const double span = static_cast<double>(Ms(b.time) - Ms(a.time));
    double lo = 0, hi = 1;
    if (span > 0) {
      // The interval is half-open: its last instant is one millisecond before its end.
      lo = std::max(lo, (static_cast<double>(Ms(when_.begin())) - ta) / span);
      hi = std::min(hi, (static_cast<double>(Ms(when_.end()) - 1) - ta) / span);
    } else if (!when_.Contains(a.time)) {
      return std::nullopt;
    }
    const auto alt_a = a.altitude(), alt_b = b.altitude();
    const double ceiling = o_.flight_altitude.value;
    if (alt_a && alt_b && alt_a->value != alt_b->value) {
      const double s = (ceiling - alt_a->value) / (alt_b->value - alt_a->value);
      if (alt_b->value > alt_a->value) {
        hi = std::min(hi, s);  // climbing: below the ceiling until s
      } else {
        lo = std::max(lo, s);  // descending: below it from s on
      }
    } else if (const auto alt = alt_a ? alt_a : alt_b; alt && alt->value > ceiling) {
      return std::nullopt;
    }
    if (!(lo <= hi)) return std::nullopt;
    const LatLng p0 = detail::Lerp(a.where, b.where, lo);
    const LatLng p1 = detail::Lerp(a.where, b.where, hi);
    const double limit = o_.flight_distance.value;
    const detail::Approach r = shape_.SegmentApproach(p0, p1, limit);
    if (!(r.distance <= limit)) return std::nullopt;
    const double s = lo + r.s * (hi - lo);
    Closest c;
    c.distance = r.distance;
    c.time = UtcTime(std::chrono::milliseconds(std::llround(ta + s * span)));
    c.where = detail::Lerp(a.where, b.where, s);
    if (alt_a && alt_b) {
      c.altitude = Meters{alt_a->value + s * (alt_b->value - alt_a->value)};
    } else {
      c.altitude = alt_a ? alt_a : alt_b;
    }
    return c;
  }

  // A fix that shows the pass on its own, clear of every tolerance.
  bool Conclusive(const Position& p) const {
    if (p.on_ground || !when_.Contains(p.time)) return false;
    const auto alt = p.altitude();
    if (!alt || alt->value > o_.flight_altitude.value - o_.altitude_tolerance.value) return false;
    const double limit = o_.flight_distance.value - o_.position_tolerance.value;
    return limit >= 0 && shape_.DistanceFrom(p.where, limit) <= limit;
  }

 private:
  const detail::Shape& shape_;
  const TimeInterval& when_;
  const AlertOptions& o_;
};

}  // namespace

std::vector<Alert> DeconflictionMonitor::ForTrack(const Track& track) const {
  std::vector<Alert> out;
  const std::vector<Position>& ps = track.positions;
  if (ps.empty()) return out;
  LatLngRect box;
  for (const Position& p : ps) box.Extend(p.where);
  const TimeInterval span =
      *TimeInterval::Create(ps.front().time, ps.back().time + std::chrono::milliseconds(1));
  for (const Target& t : targets_) {
    if (!t.when.Overlaps(span)) continue;
    if (detail::LowerBound(box, t.shape.bounds()) > options_.flight_distance.value) continue;
    const PassFinder finder(t.shape, t.when, options_);
    std::optional<Closest> best;  // of the pass in progress
    UtcTime pass_begin{}, pass_end{};
    bool conclusive = false;
    std::string callsign;
    auto finish = [&] {
      if (!best) return;
      Alert a;
      a.kind = t.kind;
      a.target = *t.id;
      a.organisation = *t.organisation;
      a.cause = AlertCause::kFlight;
      a.icao24 = track.icao24;
      a.callsign = callsign;
      a.id = AlertId({"flight", NotificationKindName(t.kind), a.target, a.icao24,
                      std::to_string(Ms(best->time))});
      a.distance = a.nearest = Meters{best->distance};
      a.alert_distance = options_.flight_distance;
      a.verdict = conclusive ? Verdict::kInside : Verdict::kPossible;
      a.time = best->time;
      a.where = best->where;
      a.altitude = best->altitude;
      if (t.notified_at) a.after_notice = *t.notified_at <= a.time;
      a.pass_begin = pass_begin;
      a.pass_end = pass_end;
      out.push_back(std::move(a));
      best.reset();
      conclusive = false;
      callsign.clear();
    };
    const size_t segments = ps.size() == 1 ? 1 : ps.size() - 1;
    for (size_t i = 0; i < segments; ++i) {
      const Position& a = ps[i];
      const Position& b = ps.size() == 1 ? ps[0] : ps[i + 1];
      if (ps.size() > 1 && b.time <= a.time) continue;  // BuildTracks never gives these
      const std::optional<Closest> near = finder.Near(a, b);
      if (!near) {
        finish();
        continue;
      }
      if (!best) pass_begin = a.time;
      pass_end = b.time;
      if (!best || near->distance < best->distance) best = near;
      conclusive = conclusive || finder.Conclusive(a) || finder.Conclusive(b);
      if (callsign.empty()) callsign = !a.callsign.empty() ? a.callsign : b.callsign;
    }
    finish();
  }
  return out;
}

std::vector<Alert> DeconflictionMonitor::ForPositions(std::vector<Position> positions,
                                                      const TrackOptions& track_options,
                                                      TrackStats* stats) const {
  return ForTracks(BuildTracks(std::move(positions), track_options, stats));
}

std::vector<Alert> DeconflictionMonitor::ForTracks(std::span<const Track> tracks) const {
  std::vector<Alert> out;
  for (const Track& t : tracks) {
    std::vector<Alert> alerts = ForTrack(t);
    std::move(alerts.begin(), alerts.end(), std::back_inserter(out));
  }
  return out;
}

}  // namespace truce
