#include "truce/air_ground.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <set>

#include <fmt/format.h>

#include "space_time_grid.h"

namespace truce {
namespace {

// A degree of latitude is at least 110,574 m; rounded down, for a cheap first rejection.
constexpr double kMinMetresPerDegreeLat = 110'000;

std::string Km(double metres) { return fmt::format("{:.1f} km", metres / 1000); }

std::string CoverageStatement(const StrikeCoverage& c) {
  if (c.positions_in_area > 0) {
    return fmt::format(
        "{} position{} of {} aircraft within {} of the report's centre during its interval",
        c.positions_in_area, c.positions_in_area == 1 ? "" : "s", c.aircraft_in_area,
        Km(c.area_radius.value));
  }
  if (c.positions_in_interval > 0) {
    return fmt::format(
        "no aircraft position within {} of the report's centre during its interval, though the "
        "position data holds {} position{} elsewhere in that interval: the area may lie outside "
        "receiver coverage, and military aircraft often fly without transponders, so this is "
        "not evidence that no aircraft flew",
        Km(c.area_radius.value), c.positions_in_interval, c.positions_in_interval == 1 ? "" : "s");
  }
  return "no position data at all for the report's interval: nothing can be said about flights";
}

}  // namespace

bool IsAirStrike(const Report& report) {
  const std::string& s = report.spec().sub_event_type;
  constexpr std::string_view kStrike = "air/drone strike";
  return s.size() == kStrike.size() &&
         std::equal(s.begin(), s.end(), kStrike.begin(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) == b;
         });
}

AirPicture::AirPicture(std::span<const Track> tracks) : tracks_(tracks) {
  for (uint32_t t = 0; t < tracks.size(); ++t) {
    for (uint32_t i = 0; i < tracks[t].positions.size(); ++i) {
      by_time_.push_back(Fix{tracks[t].positions[i].time.time_since_epoch().count(), t, i});
    }
  }
  std::sort(by_time_.begin(), by_time_.end(), [](const Fix& a, const Fix& b) {
    return std::tie(a.time, a.track, a.index) < std::tie(b.time, b.track, b.index);
  });
}

void AirPicture::Fuse(const Report& report, Meters distance, std::vector<TrackLink>& links,
                      StrikeCoverage& coverage) const {
  const int64_t begin = report.when().begin().time_since_epoch().count();
  const int64_t end = report.when().end().time_since_epoch().count();
  const LatLng centre = report.location();
  const double reach = report.radius().value + distance.value;
  coverage = StrikeCoverage{};
  coverage.report = report.event_id();
  coverage.area_radius = Meters{reach};
  coverage.interval = report.when();
  std::map<uint32_t, TrackLink> best;  // by track
  std::set<std::string_view> aircraft;
  auto it = std::lower_bound(by_time_.begin(), by_time_.end(), begin,
                             [](const Fix& f, int64_t t) { return f.time < t; });
  for (; it != by_time_.end() && it->time < end; ++it) {
    ++coverage.positions_in_interval;
    const Position& p = tracks_[it->track].positions[it->index];
    if (std::fabs(p.where.lat() - centre.lat()) * kMinMetresPerDegreeLat > reach) continue;
    const double d =
        detail::GeodesicDistance(centre.lat(), centre.lng(), p.where.lat(), p.where.lng());
    if (d > reach) continue;
    ++coverage.positions_in_area;
    aircraft.insert(tracks_[it->track].icao24);
    auto [link, added] = best.try_emplace(it->track);
    TrackLink& l = link->second;
    ++l.positions;
    if (added || d < l.from_centre.value) {
      l.report = report.event_id();
      l.icao24 = tracks_[it->track].icao24;
      l.time = p.time;
      l.from_centre = Meters{d};
      l.distance = Meters{std::max(0.0, d - report.radius().value)};
      l.altitude = p.altitude();
    }
    if (l.callsign.empty()) l.callsign = p.callsign;
  }
  coverage.aircraft_in_area = aircraft.size();
  coverage.statement = CoverageStatement(coverage);
  const size_t first = links.size();
  for (auto& [track, link] : best) links.push_back(std::move(link));
  std::sort(links.begin() + static_cast<long>(first), links.end(),
            [](const TrackLink& a, const TrackLink& b) {
              return std::tie(a.from_centre.value, a.icao24, a.time) <
                     std::tie(b.from_centre.value, b.icao24, b.time);
            });
}

void AirPicture::Fuse(std::span<Incident> incidents, Meters distance) const {
  for (Incident& incident : incidents) {
    incident.tracks.clear();
    incident.coverage.clear();
    for (const Report* r : incident.reports) {
      if (!IsAirStrike(*r)) continue;
      StrikeCoverage coverage;
      Fuse(*r, distance, incident.tracks, coverage);
      incident.coverage.push_back(std::move(coverage));
    }
  }
}

void FuseStrike(const Report& report, std::span<const Position> positions, Meters distance,
                const TrackOptions& options, std::vector<TrackLink>& links,
                StrikeCoverage& coverage) {
  const UtcTime begin = report.when().begin();
  const UtcTime end = report.when().end();
  std::vector<Position> during;
  for (const Position& p : positions) {
    if (p.time >= begin && p.time < end) during.push_back(p);
  }
  const std::vector<Track> tracks = BuildTracks(std::move(during), options);
  AirPicture(tracks).Fuse(report, distance, links, coverage);
}

void FuseIncidents(std::span<Incident> incidents, std::span<const Position> positions,
                   Meters distance, const TrackOptions& options) {
  // In time order (stable: the order given stays among fixes of one time), so that each
  // report reads only its interval's slice.
  std::vector<Position> by_time(positions.begin(), positions.end());
  std::stable_sort(by_time.begin(), by_time.end(),
                   [](const Position& a, const Position& b) { return a.time < b.time; });
  for (Incident& incident : incidents) {
    incident.tracks.clear();
    incident.coverage.clear();
    for (const Report* r : incident.reports) {
      if (!IsAirStrike(*r)) continue;
      const auto first = std::lower_bound(by_time.begin(), by_time.end(), r->when().begin(),
                                          [](const Position& p, UtcTime t) { return p.time < t; });
      const auto last = std::lower_bound(first, by_time.end(), r->when().end(),
                                         [](const Position& p, UtcTime t) { return p.time < t; });
      StrikeCoverage coverage;
      FuseStrike(*r, std::span<const Position>(first, last), distance, options, incident.tracks,
                 coverage);
      incident.coverage.push_back(std::move(coverage));
    }
  }
}

}  // namespace truce
