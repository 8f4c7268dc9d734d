// The monitoring mission's periodic report: violations per zone, per event type and per actor,
// for a period against the period of equal length just before it (the OSCE SMM daily report
// form, generalised to any period).
#pragma once

#include <map>
#include <span>
#include <string>
#include <vector>

#include "truce/time.h"
#include "truce/verdict.h"

namespace truce {

struct CountChange {
  int current = 0;
  int previous = 0;
  int change() const noexcept { return current - previous; }
};

struct ZoneSummary {
  std::string zone;
  CountChange reports;  // distinct reports violating any rule of the zone
  CountChange inside;   // of which with verdict inside (for at least one rule)
  std::map<std::string, CountChange> by_rule;        // "ceasefire", "no_fly"
  std::map<std::string, CountChange> by_event_type;  // ACLED event type
  std::map<std::string, CountChange> by_actor;       // resolved party id, else the actor text
  std::map<std::string, int> daily;                  // "YYYY-MM-DD" -> reports, current period
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

}  // namespace truce
