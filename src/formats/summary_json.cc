#include "summary_json.h"

#include <cmath>

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

// Minutes to one decimal (6 s): the precision of a monitor's count, free of the float noise a
// difference of rounded figures would carry.
double Minutes(std::chrono::milliseconds ms) {
  return std::round(static_cast<double>(ms.count()) / 6000.0) / 10.0;
}

json FlightBanJson(const FlightBanSummary& f) {
  return {{"flights", CountJson(f.flights)},
          {"minutes_inside",
           {{"count", Minutes(f.inside.current)},
            {"previous", Minutes(f.inside.previous)},
            {"change", Minutes(f.inside.change())}}}};
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
                     {"daily", z.daily},
                     {"flight_ban", FlightBanJson(z.flight_ban)}});
  }
  return {{"period", DaysJson(s.period)},
          {"previous", DaysJson(s.previous)},
          {"reports", CountJson(s.reports)},
          {"zones", std::move(zones)}};
}

}  // namespace truce::formats
