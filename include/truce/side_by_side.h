// Side by side: for one zone and one period, each party's count of alleged violations against
// the count of incidents that independent sources establish (the Russian and Turkish offices
// of a joint commission publishing different counts for the same days). docs/corroboration.md.
//
// Pure functions over values; thread-safe.
#pragma once

#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "truce/incident.h"
#include "truce/time.h"
#include "truce/zone_lookup.h"

namespace truce {

// One party's allegations in the zone and period.
struct PartyAllegations {
  std::string party;
  // Violations the party alleges: each incident it asserts, or holds another party responsible
  // for, or accuses a party of, counts once; an accusation matching no incident counts its
  // `count`.
  int alleged = 0;
  int matched = 0;      // of those, the allegations that are about an incident
  int established = 0;  // of those, incidents that are independently established
  // Alleged violations per party accused ("" when the claim names none).
  std::map<std::string, int> against;
};

struct SideBySide {
  std::string zone;
  TimeInterval period = TimeInterval::Instant(UtcTime{});
  int incidents = 0;  // incidents with a violation in the zone overlapping the period
  // Of those, the independently established ones: not discounted, and confirmed or reported
  // by two or more independence groups.
  int established = 0;
  std::map<Grade, int> by_grade;
  std::vector<PartyAllegations> parties;  // parties with allegations, by party id
};

// Whether an incident counts as independently established (see SideBySide::established).
bool IndependentlyEstablished(const Incident& incident);

// Compares for `zone` and `period`. `incidents` carry their violations (AttachViolations) and
// linked claims; `unlinked` are the claims that link to no incident (accusations naming a zone,
// or a place that no report matches). An unlinked accusation is in the zone when it names it,
// or when its place lies in a version of the zone in force at the start of its interval
// (`locator`, may be null: then only named zones count); it needs an interval to be in the
// period.
SideBySide CompareClaims(std::string_view zone, const TimeInterval& period,
                         std::span<const Incident* const> incidents,
                         std::span<const Claim* const> unlinked, const ZoneLocator* locator);

}  // namespace truce
