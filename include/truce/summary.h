// The monitoring mission's periodic report: violations per zone, per event type and per actor,
// for a period against the period of equal length just before it (the OSCE SMM daily report
// form, generalised to any period), and the flight ban: aircraft violations and the time they
// spent inside.
#pragma once

#include <chrono>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "truce/flight_monitor.h"
#include "truce/time.h"
#include "truce/verdict.h"

namespace truce {

struct CountChange {
  int current = 0;
  int previous = 0;
  int change() const noexcept { return current - previous; }
};

struct DurationChange {
  std::chrono::milliseconds current{0};
  std::chrono::milliseconds previous{0};
  std::chrono::milliseconds change() const noexcept { return current - previous; }
};

// The flight ban of one zone: the no-fly violations (one aircraft's stay in one zone version,
// after hysteresis, as `truce flights` prints them) whose entry falls in the period, and the
// time those aircraft spent inside (FlightViolation::inside_time, summed).
struct FlightBanSummary {
  CountChange flights;
  DurationChange inside;
};

struct ZoneSummary {
  std::string zone;
  CountChange reports;  // distinct reports violating any rule of the zone
  CountChange inside;   // of which with verdict inside (for at least one rule)
  std::map<std::string, CountChange> by_rule;        // "ceasefire", "no_fly"
  std::map<std::string, CountChange> by_event_type;  // ACLED event type
  std::map<std::string, CountChange> by_actor;       // resolved party id, else the actor text
  std::map<std::string, int> daily;                  // "YYYY-MM-DD" -> reports, current period
  FlightBanSummary flight_ban;
};

struct PeriodSummary {
  TimeInterval period;
  TimeInterval previous;
  CountChange reports;             // distinct violating reports over all zones
  std::vector<ZoneSummary> zones;  // every zone of the scenario, by id, even with no violations
};

// Buckets violations by their report's coded day (ACLED event_date). REQUIRES: `period` is a
// whole number of days; `zones` lists the zone ids to report on.
PeriodSummary SummarizeViolations(std::span<const Violation> violations,
                                  std::span<const std::string> zones, TimeInterval period);

// Adds the flight ban to `summary` (made by SummarizeViolations): each violation counts, with
// all of its inside time, in the period its entry falls in (a stay across midnight belongs to
// the day it began, so a day's figures never change once the day is over and no late fix
// arrives); zones not listed in `summary` are skipped. An open violation counts with the time
// inside up to its last fix.
void SummarizeFlights(std::span<const FlightViolation> violations, PeriodSummary& summary);

}  // namespace truce
