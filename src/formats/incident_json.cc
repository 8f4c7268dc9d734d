#include "formats/incident_json.h"

#include <cmath>

#include "formats/claims.h"

namespace truce::formats {
namespace {

using ojson = nlohmann::ordered_json;

double Round(double x, double scale) { return std::round(x * scale) / scale; }

ojson TrackJson(const TrackLink& t) {
  return {{"report", t.report},
          {"icao24", t.icao24},
          {"callsign", t.callsign},
          {"time", FormatUtcTime(t.time)},
          {"distance_m", Round(t.distance.value, 10)},
          {"centre_distance_m", Round(t.from_centre.value, 10)},
          {"altitude_m", t.altitude ? ojson(Round(t.altitude->value, 10)) : ojson(nullptr)},
          {"positions", t.positions}};
}

ojson CoverageJson(const StrikeCoverage& c) {
  return {{"report", c.report},
          {"area_radius_m", Round(c.area_radius.value, 10)},
          {"from", FormatUtcTime(c.interval.begin())},
          {"to", FormatUtcTime(c.interval.end())},
          {"positions_in_area", c.positions_in_area},
          {"aircraft_in_area", c.aircraft_in_area},
          {"positions_in_interval", c.positions_in_interval},
          {"statement", c.statement}};
}

ojson ViolationJson(const IncidentViolation& v) {
  return {{"zone", v.zone},
          {"version", v.version},
          {"rule", RuleKindName(v.rule)},
          {"verdict", VerdictName(v.verdict)},
          {"clause", v.clause},
          {"parties", v.parties},
          {"reports", v.reports}};
}

}  // namespace

ojson IncidentToJson(const Incident& i) {
  ojson reports = ojson::array(), claims = ojson::array(), tracks = ojson::array(),
        coverage = ojson::array(), violations = ojson::array(), decisions = ojson::array();
  for (const Report* r : i.reports) reports.push_back(r->event_id());
  for (const Claim* c : i.claims) claims.push_back(ClaimToJson(*c));
  for (const TrackLink& t : i.tracks) tracks.push_back(TrackJson(t));
  for (const StrikeCoverage& c : i.coverage) coverage.push_back(CoverageJson(c));
  for (const IncidentViolation& v : i.violations) violations.push_back(ViolationJson(v));
  for (const DecisionRef& d : i.decisions) {
    decisions.push_back({{"id", d.id},
                         {"action", DecisionKindName(d.kind)},
                         {"by", d.by},
                         {"at", FormatUtcTime(d.at)},
                         {"reason", d.reason}});
  }
  return {{"incident", i.id},
          {"reports", std::move(reports)},
          {"sources", i.sources},
          {"independent_groups", i.independent_groups()},
          {"groups", i.groups},
          {"grade", GradeName(i.grade)},
          {"reason", i.reason},
          {"computed_grade", GradeName(i.computed_grade)},
          {"claims", std::move(claims)},
          {"tracks", std::move(tracks)},
          {"coverage", std::move(coverage)},
          {"violations", std::move(violations)},
          {"accused", i.accused},
          {"monitors", i.monitors},
          {"event_types", i.event_types},
          {"time_begin", FormatUtcTime(i.when.begin())},
          {"time_end", FormatUtcTime(i.when.end())},
          {"latitude", i.where.lat()},
          {"longitude", i.where.lng()},
          {"radius_m", i.radius.value},
          {"merged", i.merged},
          {"split_from", i.split_from},
          {"decisions", std::move(decisions)}};
}

ojson IncidentToPublicJson(const Incident& i) {
  ojson full = IncidentToJson(i);
  full["reason"] = i.public_reason;
  ojson out;
  for (const char* key :
       {"incident", "reports", "independent_groups", "grade", "reason", "violations", "event_types",
        "time_begin", "time_end", "latitude", "longitude", "radius_m", "merged", "split_from"}) {
    out[key] = std::move(full[key]);
  }
  return out;
}

ojson SideBySideToJson(const SideBySide& s) {
  ojson by_grade = ojson::object();
  for (const auto& [grade, n] : s.by_grade) by_grade[std::string(GradeName(grade))] = n;
  ojson parties = ojson::array();
  for (const PartyAllegations& p : s.parties) {
    ojson against = ojson::object();
    for (const auto& [accused, n] : p.against) against[accused] = n;
    parties.push_back({{"party", p.party},
                       {"alleged", p.alleged},
                       {"matched", p.matched},
                       {"established", p.established},
                       {"against", std::move(against)}});
  }
  return {{"zone", s.zone},
          {"from", FormatUtcTime(s.period.begin())},
          {"to", FormatUtcTime(s.period.end())},
          {"incidents", s.incidents},
          {"established", s.established},
          {"by_grade", std::move(by_grade)},
          {"parties", std::move(parties)}};
}

}  // namespace truce::formats
