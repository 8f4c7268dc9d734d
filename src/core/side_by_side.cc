#include "truce/side_by_side.h"

#include <algorithm>
#include <set>

namespace truce {
namespace {

// Whether a claim alleges a violation by someone other than the claimant.
bool Alleges(const Claim& c) {
  switch (c.kind) {
    case ClaimKind::kAssertIncident:
      return true;
    case ClaimKind::kAssignResponsibility:
    case ClaimKind::kAccuse:
      return c.responsible != c.party;
    case ClaimKind::kDenyIncident:
    case ClaimKind::kDenyResponsibility:
      return false;
  }
  return false;
}

}  // namespace

bool IndependentlyEstablished(const Incident& incident) {
  if (incident.grade == Grade::kDiscounted) return false;
  return incident.grade == Grade::kConfirmed || incident.independent_groups() >= 2;
}

SideBySide CompareClaims(std::string_view zone, const TimeInterval& period,
                         std::span<const Incident* const> incidents,
                         std::span<const Claim* const> unlinked, const ZoneLocator* locator) {
  SideBySide out;
  out.zone = std::string(zone);
  out.period = period;
  std::map<std::string, PartyAllegations> parties;
  auto party = [&](const std::string& id) -> PartyAllegations& {
    PartyAllegations& p = parties[id];
    p.party = id;
    return p;
  };
  for (const Incident* incident : incidents) {
    if (!incident->when.Overlaps(period)) continue;
    if (std::none_of(incident->violations.begin(), incident->violations.end(),
                     [&](const IncidentViolation& v) { return v.zone == zone; })) {
      continue;
    }
    ++out.incidents;
    ++out.by_grade[incident->grade];
    const bool established = IndependentlyEstablished(*incident);
    out.established += established;
    // One allegation per party and incident, against the party it names.
    std::map<std::string, std::set<std::string>> against;
    for (const Claim* c : incident->claims) {
      if (!Alleges(*c)) continue;
      against[c->party].insert(c->kind == ClaimKind::kAssertIncident ? "" : c->responsible);
    }
    for (const auto& [claimant, accused] : against) {
      PartyAllegations& p = party(claimant);
      ++p.alleged;
      ++p.matched;
      p.established += established;
      // Against the first party named, if any: "" (an incident asserted, no one named) sorts
      // first, and counts only when no one is named.
      const auto named = accused.size() > 1 && accused.begin()->empty() ? std::next(accused.begin())
                                                                        : accused.begin();
      ++p.against[*named];
      // An accusation of several violations matching one incident accounts for one of them.
      for (const Claim* c : incident->claims) {
        if (c->party == claimant && c->kind == ClaimKind::kAccuse && c->alleged.count > 1) {
          p.alleged += c->alleged.count - 1;
          p.against[c->responsible] += c->alleged.count - 1;
        }
      }
    }
  }
  std::vector<const ZoneVersion*> found;
  for (const Claim* c : unlinked) {
    if (c->kind != ClaimKind::kAccuse || !Alleges(*c) || !c->alleged.when ||
        !c->alleged.when->Overlaps(period)) {
      continue;
    }
    bool in_zone = c->alleged.zone == zone;
    if (!in_zone && c->alleged.zone.empty() && c->alleged.where && locator != nullptr) {
      locator->Locate(*c->alleged.where, c->alleged.when->begin(), found);
      in_zone = std::any_of(found.begin(), found.end(),
                            [&](const ZoneVersion* v) { return v->zone() == zone; });
    }
    if (!in_zone) continue;
    PartyAllegations& p = party(c->party);
    p.alleged += c->alleged.count;
    p.against[c->responsible] += c->alleged.count;
  }
  for (auto& [id, p] : parties) out.parties.push_back(std::move(p));
  return out;
}

}  // namespace truce
