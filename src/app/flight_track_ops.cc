// The flight ban as geographic data: the tracks of the positions the log holds, each with its
// violating segments, and the violations as features with their paths (docs/server.md "Flight
// tracks"). Derived from the flight views (flight_views.h) at the log size of `as_of`, like the
// violations list; nothing is stored.
#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include <fmt/format.h>

#include "app/app.h"
#include "app/feature_geometry.h"
#include "formats/flight_json.h"
#include "formats/records.h"

namespace truce::app {
namespace {

using nlohmann::json;

std::vector<LatLng> PathOf(const Track& track) {
  std::vector<LatLng> path;
  path.reserve(track.positions.size());
  for (const Position& p : track.positions) path.push_back(p.where);
  return path;
}

LatLngRect BoundsOf(const std::vector<LatLng>& path) {
  LatLngRect r;
  for (const LatLng& p : path) r.Extend(p);
  return r;
}

// The violation's record and `extra` through the policy, its path as the feature's geometry
// (where the policy lets `who` read the path). The feature's id is the violation's when `who`
// may read it; else (the public: the id names the aircraft) ZONE.vVERSION.ENTRY_MS, which says
// nothing the public record does not.
json ViolationFeature(const Principal& who, const FlightViolation& v, bool open, json extra) {
  const Provenance provenance{"", true};  // as the violations list reads it (flight_ops.cc)
  json record = FlightViolationRecord(v, open);
  record["path"] = formats::Unordered(formats::FlightViolationGeometry(v));
  record.update(extra);
  Redact(who, RecordKind::kFlightViolation, provenance, record);
  json geometry = nullptr;
  if (const auto it = record.find("path"); it != record.end()) {
    geometry = std::move(*it);
    record.erase(it);
  }
  json id = record.contains("id") ? record["id"]
                                  : json(fmt::format("{}.v{}.{}", v.zone->zone(), v.zone->version(),
                                                     v.entry.time.time_since_epoch().count()));
  return {{"type", "Feature"},
          {"id", std::move(id)},
          {"geometry", std::move(geometry)},
          {"properties", std::move(record)}};
}

Result<std::string> Icao24Filter(const std::string& text) {
  if (text.empty()) return std::string();
  auto norm = NormalizeIcao24(text);
  if (!norm) {
    Error e = MakeError(ErrorCode::kInvalidArgument, "icao24: expected 6 hexadecimal digits");
    e.problems.push_back({"?icao24", "expected 6 hexadecimal digits"});
    return e;
  }
  return *norm;
}

}  // namespace

Result<std::vector<FlightTrackRecord>> App::FlightTracks(const Principal& who,
                                                         const FlightTrackFilter& f) {
  if (Status st = Check(who, Action::kReadFlightTracks); !st.ok()) return st.error();
  auto icao24 = Icao24Filter(f.icao24);
  if (!icao24.ok()) return icao24.error();
  const Provenance provenance{"", true};
  if (!Sees(who, RecordKind::kFlightTrack, provenance)) return std::vector<FlightTrackRecord>{};
  const uint64_t size = views_.SizeAsOf(f.as_of);
  const auto verdicts = flights_.At(size, views_.ScenarioAt(size));
  // The violations of each aircraft, to be placed on the track they began on.
  std::map<std::string, std::vector<size_t>> by_aircraft;
  for (size_t i = 0; i < verdicts->violations.size(); ++i) {
    by_aircraft[verdicts->violations[i].icao24].push_back(i);
  }
  std::vector<FlightTrackRecord> out;
  for (const Track& track : flights_.Tracks(size, *icao24)) {
    if (track.positions.empty()) continue;
    const UtcTime first = track.positions.front().time, last = track.positions.back().time;
    if (f.to && first >= *f.to) continue;
    if (f.from && last < *f.from) continue;
    const std::vector<LatLng> path = PathOf(track);
    if (f.bbox && !PathMeetsRect(path, *f.bbox)) continue;
    FlightTrackRecord record;
    record.track.feature = formats::Unordered(formats::FlightTrackToFeature(track));
    record.track.bounds = BoundsOf(path);
    record.track.begin = first;
    record.track.end = last;
    const std::string id = track.icao24 + "." + std::to_string(first.time_since_epoch().count());
    json ids = json::array();
    for (size_t i : by_aircraft[track.icao24]) {
      const FlightViolation& v = verdicts->violations[i];
      if (v.entry.time < first || v.entry.time > last) continue;
      json segment =
          ViolationFeature(who, v, verdicts->open[i], {{"violating", true}, {"track", id}});
      ids.push_back(segment["id"]);
      record.violations.push_back(std::move(segment));
    }
    json& props = record.track.feature["properties"];
    // `violating` marks the features that are violating segments (a style rule in QGIS colours
    // exactly those); a track names its violations instead.
    props["violating"] = false;
    props["violations"] = std::move(ids);
    record.track.feature["id"] = id;
    Redact(who, RecordKind::kFlightTrack, provenance, props);
    out.push_back(std::move(record));
  }
  // By first fix, then aircraft: a feed's order, stable across queries (for the cursors).
  std::stable_sort(out.begin(), out.end(), [](const auto& x, const auto& y) {
    return std::tie(x.track.begin, x.track.feature["id"].template get_ref<const std::string&>()) <
           std::tie(y.track.begin, y.track.feature["id"].template get_ref<const std::string&>());
  });
  return out;
}

Result<std::vector<FeatureRecord>> App::FlightViolationFeatures(const Principal& who,
                                                                const FlightViolationFilter& f) {
  // The list operation's permission, filter and redaction (flight_ops.cc), as features.
  if (Status st = Check(who, Action::kReadFlightViolations); !st.ok()) return st.error();
  FlightViolationFilter filter = f;
  auto icao24 = Icao24Filter(f.icao24);
  if (!icao24.ok()) return icao24.error();
  filter.icao24 = *icao24;
  const uint64_t size = views_.SizeAsOf(f.as_of);
  const auto verdicts = flights_.At(size, views_.ScenarioAt(size));
  const Provenance provenance{"", true};
  std::vector<FeatureRecord> out;
  std::set<std::string> used;
  for (size_t i = 0; i < verdicts->violations.size(); ++i) {
    const FlightViolation& v = verdicts->violations[i];
    if (!FlightViolationMatches(filter, v, verdicts->open[i])) continue;
    if (!Sees(who, RecordKind::kFlightViolation, provenance)) continue;
    FeatureRecord r;
    r.feature = ViolationFeature(who, v, verdicts->open[i], {{"violating", true}});
    // Two aircraft entering one zone version in the same millisecond: public ids stay unique.
    const std::string base = r.feature["id"];
    for (int k = 2; !used.insert(r.feature["id"].get<std::string>()).second; ++k) {
      r.feature["id"] = fmt::format("{}-{}", base, k);
    }
    r.bounds = BoundsOf(v.path);
    r.bounds.Extend(v.entry.where);
    r.bounds.Extend(v.exit.where);
    r.begin = v.entry.time;
    r.end = v.exit.time;
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace truce::app
