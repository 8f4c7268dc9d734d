#include "summary_json.h"

namespace truce::formats {
namespace {

using nlohmann::json;

json CountJson(const CountChange& c) {
  return {{"count", c.current}, {"previous", c.previous}, {"change", c.change()}};
}

json BreakdownJson(const std::map<std::string, CountChange>& m) {
  json out = json::object();
  for (const auto& [key, c] : m) out[key] = CountJson(c);
  return out;
}

// A whole-day interval as its first and last day.
json DaysJson(const TimeInterval& i) {
  return {{"from", FormatUtcDate(i.begin())},
          {"to", FormatUtcDate(i.end() - std::chrono::days(1))}};
}

}  // namespace

json SummaryToJson(const PeriodSummary& s) {
  json zones = json::array();
  for (const ZoneSummary& z : s.zones) {
    zones.push_back({{"zone", z.zone},
                     {"reports", CountJson(z.reports)},
                     {"inside", CountJson(z.inside)},
                     {"by_rule", BreakdownJson(z.by_rule)},
                     {"by_event_type", BreakdownJson(z.by_event_type)},
                     {"by_actor", BreakdownJson(z.by_actor)},
                     {"daily", z.daily}});
  }
  return {{"period", DaysJson(s.period)},
          {"previous", DaysJson(s.previous)},
          {"reports", CountJson(s.reports)},
          {"zones", std::move(zones)}};
}

}  // namespace truce::formats
