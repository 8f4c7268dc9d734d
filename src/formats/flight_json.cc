#include "formats/flight_json.h"

#include <cmath>
#include <cstdint>

#include <fmt/format.h>

#include "formats/csv.h"
#include "formats/json_reader.h"
#include "truce/text_policy.h"

namespace truce::formats {
namespace {

using json = nlohmann::ordered_json;

double Round(double x, double scale) { return std::round(x * scale) / scale; }

int64_t UnixMs(UtcTime t) { return t.time_since_epoch().count(); }

json Altitude(const std::optional<Meters>& m) {
  return m ? json(Round(m->value, 10)) : json(nullptr);
}

double Seconds(std::chrono::milliseconds d) {
  return Round(std::chrono::duration<double>(d).count(), 1000);
}

std::string Pointer(const std::string& path, const char* key) { return path + "/" + key; }

}  // namespace

json FlightViolationToJson(const FlightViolation& v) {
  return {{"icao24", v.icao24},
          {"callsign", v.callsign},
          {"zone", v.zone->zone()},
          {"version", v.zone->version()},
          {"rule", RuleKindName(v.rule->kind)},
          {"entry_time", FormatUtcTime(v.entry.time)},
          {"entry_lat", Round(v.entry.where.lat(), 1e7)},
          {"entry_lon", Round(v.entry.where.lng(), 1e7)},
          {"exit_time", FormatUtcTime(v.exit.time)},
          {"exit_lat", Round(v.exit.where.lat(), 1e7)},
          {"exit_lon", Round(v.exit.where.lng(), 1e7)},
          {"duration_s", Seconds(v.duration())},
          {"verdict", VerdictName(v.verdict)},
          {"lost_inside", v.lost_inside},
          {"entry_ms", UnixMs(v.entry.time)},
          {"exit_ms", UnixMs(v.exit.time)},
          {"entry_kind", CrossingKindName(v.entry.kind)},
          {"exit_kind", CrossingKindName(v.exit.kind)},
          {"entry_gap_s", Seconds(v.entry.bracket)},
          {"exit_gap_s", Seconds(v.exit.bracket)},
          {"inside_s", Seconds(v.inside_time)},
          {"incursions", v.incursions},
          {"positions_inside", v.positions_inside},
          {"min_alt_m", Altitude(v.min_altitude)},
          {"max_alt_m", Altitude(v.max_altitude)},
          {"clause", v.rule->Citation()}};
}

json OpenFlightViolationToJson(const FlightViolation& v) {
  json j = FlightViolationToJson(v);
  for (const char* key :
       {"exit_time", "exit_lat", "exit_lon", "exit_ms", "exit_kind", "exit_gap_s"}) {
    j[key] = nullptr;
  }
  j["lost_inside"] = false;
  return j;
}

json FlightEntryAlertJson(const FlightViolation& v) {
  json j = FlightViolationToJson(v);
  for (const char* key : {"exit_time", "exit_lat", "exit_lon", "exit_ms", "exit_kind", "exit_gap_s",
                          "duration_s", "inside_s", "verdict", "min_alt_m", "max_alt_m"}) {
    j[key] = nullptr;
  }
  j.erase("incursions");
  j.erase("positions_inside");
  json out = {{"event", "entry"}};
  out.update(j);
  return out;
}

json FlightViolationGeometry(const FlightViolation& v) {
  if (v.path.size() < 2) {
    return {{"type", "Point"}, {"coordinates", {v.entry.where.lng(), v.entry.where.lat()}}};
  }
  json coordinates = json::array();
  for (const LatLng& p : v.path) coordinates.push_back({Round(p.lng(), 1e7), Round(p.lat(), 1e7)});
  return {{"type", "LineString"}, {"coordinates", std::move(coordinates)}};
}

json FlightTrackToFeature(const Track& track) {
  const std::vector<Position>& fixes = track.positions;
  std::string callsign;
  std::optional<Meters> lo, hi;
  json coordinates = json::array();
  for (const Position& p : fixes) {
    if (callsign.empty()) callsign = p.callsign;
    if (const auto alt = p.altitude()) {
      if (!lo || *alt < *lo) lo = alt;
      if (!hi || *alt > *hi) hi = alt;
    }
    coordinates.push_back({Round(p.where.lng(), 1e7), Round(p.where.lat(), 1e7)});
  }
  json geometry = fixes.size() == 1
                      ? json{{"type", "Point"}, {"coordinates", std::move(coordinates[0])}}
                      : json{{"type", "LineString"}, {"coordinates", std::move(coordinates)}};
  const UtcTime start = fixes.front().time, end = fixes.back().time;
  return {{"type", "Feature"},
          {"geometry", std::move(geometry)},
          {"properties",
           {{"icao24", track.icao24},
            {"callsign", callsign},
            {"start", FormatUtcTime(start)},
            {"end", FormatUtcTime(end)},
            {"duration_s", Seconds(end - start)},
            {"positions", fixes.size()},
            {"min_alt_m", Altitude(lo)},
            {"max_alt_m", Altitude(hi)}}}};
}

const char* const kFlightViolationCsvHeader =
    "icao24,callsign,zone,version,rule,entry_time,entry_lat,entry_lon,exit_time,exit_lat,"
    "exit_lon,duration_s,verdict,lost_inside,entry_kind,exit_kind,inside_s,incursions,"
    "positions_inside,min_alt_m,max_alt_m\n";

std::string FlightViolationCsvRow(const FlightViolation& v) {
  const json j = FlightViolationToJson(v);
  auto num = [&](const char* key) { return j[key].is_null() ? std::string() : j[key].dump(); };
  return fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", v.icao24,
                     CsvField(v.callsign), CsvField(v.zone->zone()), v.zone->version(), "no_fly",
                     FormatUtcTime(v.entry.time), num("entry_lat"), num("entry_lon"),
                     FormatUtcTime(v.exit.time), num("exit_lat"), num("exit_lon"),
                     num("duration_s"), VerdictName(v.verdict), v.lost_inside ? "true" : "false",
                     CrossingKindName(v.entry.kind), CrossingKindName(v.exit.kind), num("inside_s"),
                     v.incursions, v.positions_inside, num("min_alt_m"), num("max_alt_m"));
}

std::optional<Exemption> ExemptionFromJson(const nlohmann::json& in, const std::string& path,
                                           std::vector<Problem>& problems) {
  if (!in.is_object()) {
    problems.push_back({path, fmt::format("expected an exemption object, got {}", QuoteJson(in))});
    return std::nullopt;
  }
  const size_t before = problems.size();
  for (auto it = in.begin(); it != in.end(); ++it) {
    const std::string& k = it.key();
    if (k != "icao24" && k != "callsign" && k != "from" && k != "to" && k != "zone" &&
        k != "note") {
      problems.push_back({path + "/" + k.substr(0, 64),
                          "unknown key (expected icao24, callsign, from, to, zone, note)"});
    }
  }
  // A string member, "" when absent or null; a problem when present but not a string.
  auto text = [&](const char* key) -> std::string {
    const auto it = in.find(key);
    if (it == in.end() || it->is_null()) return "";
    if (!it->is_string()) {
      problems.push_back(
          {Pointer(path, key), fmt::format("expected a string, got {}", QuoteJson(*it))});
      return "";
    }
    return it->get<std::string>();
  };
  Exemption e;
  const std::string icao_text = text("icao24");
  if (!icao_text.empty()) {
    if (auto n = NormalizeIcao24(icao_text)) {
      e.icao24 = *n;
    } else {
      problems.push_back(
          {Pointer(path, "icao24"),
           fmt::format("expected 6 hexadecimal digits, got {}", QuoteJson(icao_text))});
    }
  }
  const std::string callsign_text = text("callsign");
  e.callsign = NormalizeCallsign(callsign_text);
  if (auto p = TextProblem(e.callsign, kCallsignField)) {
    problems.push_back({Pointer(path, "callsign"), *p});
  }
  if (icao_text.empty() && e.callsign.empty()) {
    problems.push_back({Pointer(path, "icao24"), "expected icao24 or callsign (or both)"});
  }
  std::optional<UtcTime> t0, t1;
  for (auto [key, out] : {std::pair{"from", &t0}, std::pair{"to", &t1}}) {
    if (!in.contains(key) || in[key].is_null()) {
      problems.push_back({Pointer(path, key), "required: a date or UTC time"});
      continue;
    }
    const std::string s = text(key);
    if (!in[key].is_string()) continue;
    auto t = ParseTimestamp(s);
    if (t.ok()) {
      *out = *t;
    } else {
      problems.push_back({Pointer(path, key), t.error().message});
    }
  }
  if (t0 && t1) {
    auto window = TimeInterval::Create(*t0, *t1);
    if (window.ok()) {
      e.window = *window;
    } else {
      problems.push_back({Pointer(path, "to"), "expected a time after from"});
    }
  }
  e.zone = text("zone");
  if (auto p = TextProblem(e.zone, kIdField)) problems.push_back({Pointer(path, "zone"), *p});
  e.note = text("note");
  if (auto p = TextProblem(e.note, kTextField)) problems.push_back({Pointer(path, "note"), *p});
  if (problems.size() != before) return std::nullopt;
  return e;
}

json ExemptionToJson(const Exemption& e) {
  return {{"icao24", e.icao24},
          {"callsign", e.callsign},
          {"from", FormatTimestamp(e.window.begin())},
          {"to", FormatTimestamp(e.window.end())},
          {"zone", e.zone},
          {"note", e.note}};
}

}  // namespace truce::formats
