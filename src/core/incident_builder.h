// Grading: from an incident's reports, claims and grade decisions to its sources, independence
// groups, accused parties, grade and the reason in words (docs/corroboration.md).
//
// Private to truce_core. Not thread-safe (it caches name resolutions).
#pragma once

#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "truce/incident.h"
#include "truce/verdict.h"

namespace truce::detail {

struct Member {
  const Report* report = nullptr;
  uint64_t arrival = 0;
  const std::string* party = nullptr;  // the submitting party, or "" (never null)
  bool monitor = false;                // submitted by a monitor
};

class IncidentBuilder {
 public:
  // Copies what it needs of `scenario` (party names, the monitors setting).
  explicit IncidentBuilder(const Scenario& scenario);

  // Fills everything of `out` but id, arrival, merged, split_from and decisions (which the
  // engine knows): reports, sources, groups, monitors, accused, claims, grade and reason,
  // computed_grade, when, where, radius, event types. `members` are in arrival order;
  // `claims` are the linked claims in any order; `grade_decision` is the latest grade
  // decision naming a member, or null.
  void Build(std::span<const Member> members, std::vector<const Claim*> claims,
             const Decision* grade_decision, Incident& out);

  // The independence group of a report, as a normalised key and a label to show: the
  // submitting party's ("party P"), or the party its source names, else its source_group,
  // else its source, else the report alone.
  std::pair<std::string, std::string> Group(const Member& m);

 private:
  const std::string& PartyOfName(const std::string& name);
  bool IsMonitor(const Member& m);

  ActorResolver resolver_;
  std::unordered_map<std::string, std::string> party_of_name_;
  std::vector<std::string> monitors_;  // normalised
};

// Lower-cased, trimmed, inner runs of white space collapsed: how names are compared.
std::string NormalizeName(std::string_view name);

}  // namespace truce::detail
