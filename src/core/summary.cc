#include "truce/summary.h"

#include <algorithm>
#include <set>

namespace truce {
namespace {

std::string ActorKey(const Violation& v) {
  if (!v.party.empty()) return v.party;
  const std::string& a1 = v.report->spec().actor1;
  return a1.empty() ? "(unknown)" : a1;
}

}  // namespace

PeriodSummary SummarizeViolations(std::span<const Violation> violations,
                                  std::span<const std::string> zones, TimeInterval period) {
  const auto length = period.end() - period.begin();
  PeriodSummary out{period, *TimeInterval::Create(period.begin() - length, period.begin()), {}, {}};
  std::map<std::string, ZoneSummary> by_zone;
  for (const std::string& z : zones) by_zone[z].zone = z;

  // A report breaking two rules of one zone (an air strike: ceasefire and no_fly) counts once
  // per zone in the totals and once per rule in by_rule.
  std::set<std::pair<const Report*, std::string>> counted;
  std::set<std::pair<const Report*, std::string>> counted_inside;
  std::set<const Report*> counted_any;
  for (const Violation& v : violations) {
    const UtcTime day = v.report->spec().event_date;
    const bool current = period.Contains(day);
    if (!current && !out.previous.Contains(day)) continue;
    auto bump = [current](CountChange& c) { ++(current ? c.current : c.previous); };
    ZoneSummary& z = by_zone[v.version->zone()];
    z.zone = v.version->zone();
    bump(z.by_rule[std::string(RuleKindName(v.rule))]);
    if (v.verdict == Verdict::kInside && counted_inside.emplace(v.report, z.zone).second) {
      bump(z.inside);
    }
    if (!counted.emplace(v.report, z.zone).second) continue;
    bump(z.reports);
    bump(z.by_event_type[v.report->spec().event_type]);
    bump(z.by_actor[ActorKey(v)]);
    if (current) ++z.daily[FormatUtcDate(day)];
    if (counted_any.insert(v.report).second) bump(out.reports);
  }
  for (auto& [id, z] : by_zone) out.zones.push_back(std::move(z));
  return out;
}

void SummarizeFlights(std::span<const FlightViolation> violations, PeriodSummary& summary) {
  std::map<std::string_view, ZoneSummary*> by_zone;
  for (ZoneSummary& z : summary.zones) by_zone[z.zone] = &z;
  for (const FlightViolation& v : violations) {
    const bool current = summary.period.Contains(v.entry.time);
    if (!current && !summary.previous.Contains(v.entry.time)) continue;
    const auto it = by_zone.find(v.zone->zone());
    if (it == by_zone.end()) continue;
    FlightBanSummary& f = it->second->flight_ban;
    ++(current ? f.flights.current : f.flights.previous);
    (current ? f.inside.current : f.inside.previous) += v.inside_time;
  }
}

}  // namespace truce
