#include "truce/scenario.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <tuple>

#include <fmt/format.h>

#include "truce/report.h"

namespace truce {

std::string_view RuleKindName(RuleKind kind) noexcept {
  switch (kind) {
    case RuleKind::kCeasefire:
      return "ceasefire";
    case RuleKind::kNoFly:
      return "no_fly";
    case RuleKind::kHumanitarianAccess:
      return "humanitarian_access";
  }
  return "ceasefire";
}

std::optional<RuleKind> ParseRuleKind(std::string_view name) noexcept {
  for (RuleKind k : {RuleKind::kCeasefire, RuleKind::kNoFly, RuleKind::kHumanitarianAccess}) {
    if (RuleKindName(k) == name) return k;
  }
  return std::nullopt;
}

std::string Rule::Citation() const {
  if (agreement.empty()) return "";
  if (clause.empty()) return agreement;
  return fmt::format("{} clause {}", agreement, clause);
}

const Clause* Agreement::FindClause(std::string_view clause_id) const {
  for (const Clause& c : clauses) {
    if (c.id == clause_id) return &c;
  }
  return nullptr;
}

const Rule* ZoneVersion::FindRule(RuleKind kind) const {
  for (const Rule& r : spec_.rules) {
    if (r.kind == kind) return &r;
  }
  return nullptr;
}

std::string ZoneVersion::Label() const {
  return fmt::format("zone '{}' version {}", spec_.zone, spec_.version);
}

Result<ZoneVersion> ZoneVersion::Create(ZoneVersionSpec spec) {
  const std::string where =
      fmt::format("{} (zone '{}' version {})", spec.origin, spec.zone, spec.version);
  std::vector<std::string> problems;
  if (spec.zone.empty()) problems.push_back(where + ": zone: expected a non-empty id");
  if (spec.version < 1) {
    problems.push_back(
        fmt::format("{}: version: expected an integer >= 1, got {}", where, spec.version));
  }
  const UtcTime end = spec.valid_to.value_or(kEndOfTime);
  auto validity = TimeInterval::Create(spec.valid_from, end);
  if (!validity.ok()) {
    problems.push_back(fmt::format("{}: valid_to: {} is not after valid_from {}", where,
                                   FormatUtcTime(end), FormatUtcTime(spec.valid_from)));
  }
  const AltitudeBand& band = spec.altitude;
  if (band.min && band.max && !(band.min->value < band.max->value)) {
    problems.push_back(fmt::format("{}: min_alt_m {} must be below max_alt_m {}", where,
                                   band.min->value, band.max->value));
  }
  // Two agreements may impose the same kind of rule (the Sochi memorandum restated Idlib's
  // ceasefire for other parties); the same rule cited twice is a mistake.
  std::set<std::tuple<RuleKind, std::string, std::string>> cited;
  std::set<RuleKind> kinds;
  for (const Rule& r : spec.rules) {
    kinds.insert(r.kind);
    if (!cited.emplace(r.kind, r.agreement, r.clause).second) {
      problems.push_back(fmt::format("{}: rules: '{}'{} appears more than once", where,
                                     RuleKindName(r.kind),
                                     r.agreement.empty() ? "" : " citing " + r.Citation()));
    }
  }
  if ((band.min || band.max) && !kinds.contains(RuleKind::kNoFly)) {
    problems.push_back(where + ": min_alt_m/max_alt_m apply to no_fly, but the version has no " +
                       "no_fly rule");
  }
  if (Status geometry = ValidateMultiPolygon(spec.shape, where); !geometry.ok()) {
    for (const Problem& p : geometry.error().problems) problems.push_back(p.ToString());
  }
  if (!problems.empty()) {
    Error e = MakeError(ErrorCode::kInvalidInput, where + ": invalid zone version");
    e.problems = ProblemsFromLines(std::move(problems));
    return e;
  }
  spec.shape = NormalizeOrientation(std::move(spec.shape));
  const LatLngRect bounds = spec.shape.Bounds();
  return ZoneVersion(std::move(spec), *validity, bounds);
}

std::vector<Zone> Scenario::Zones() const {
  std::vector<Zone> zones;
  for (const ZoneVersion& v : spec_.zone_versions) {
    if (zones.empty() || zones.back().id != v.zone()) zones.push_back(Zone{v.zone(), {}});
    zones.back().versions.push_back(&v);
  }
  return zones;
}

const Party* Scenario::FindParty(std::string_view id) const {
  for (const Party& p : spec_.parties) {
    if (p.id == id) return &p;
  }
  return nullptr;
}

const Agreement* Scenario::FindAgreement(std::string_view id) const {
  for (const Agreement& a : spec_.agreements) {
    if (a.id == id) return &a;
  }
  return nullptr;
}

std::vector<const ZoneVersion*> Scenario::InForceAt(UtcTime t) const {
  std::vector<const ZoneVersion*> out;
  for (const ZoneVersion& v : spec_.zone_versions) {
    if (v.validity().Contains(t)) out.push_back(&v);
  }
  return out;
}

bool Scenario::Binds(const Rule& rule, std::string_view party) const {
  if (!rule.bound.empty()) {
    return std::find(rule.bound.begin(), rule.bound.end(), party) != rule.bound.end();
  }
  const Agreement* a = rule.agreement.empty() ? nullptr : FindAgreement(rule.agreement);
  if (a == nullptr || a->parties.empty()) return true;
  return std::find(a->parties.begin(), a->parties.end(), party) != a->parties.end();
}

namespace {

void CheckDeconflictionPolicy(const ScenarioSpec& spec,
                              const std::set<std::string, std::less<>>& party_ids,
                              std::vector<std::string>& problems) {
  const DeconflictionPolicy& policy = spec.deconfliction;
  const std::string at = spec.origin + ": deconfliction";
  auto check_buffer = [&](const Meters& m, const std::string& field) {
    if (!std::isfinite(m.value) || m.value < 0) {
      problems.push_back(fmt::format("{}: expected metres >= 0, got {}", field, m.value));
    }
  };
  check_buffer(policy.buffer, at + ".buffer_m");
  if (policy.acknowledgement_due.count() <= 0) {
    problems.push_back(fmt::format("{}.acknowledgement_hours: expected hours > 0, got {}", at,
                                   policy.acknowledgement_due.count()));
  }
  std::set<std::string, std::less<>> zone_ids;
  for (const ZoneVersion& v : spec.zone_versions) zone_ids.insert(v.zone());
  std::set<std::string, std::less<>> granted;
  for (size_t i = 0; i < policy.grants.size(); ++i) {
    const NotificationGrant& g = policy.grants[i];
    const std::string grant_at = fmt::format("{}.parties[{}]", at, i);
    if (g.party.empty()) {
      problems.push_back(grant_at + ".party: expected a party id");
    } else if (spec.has_register && !party_ids.contains(g.party)) {
      problems.push_back(fmt::format("{}.party: unknown party '{}'", grant_at, g.party));
    } else if (!granted.insert(g.party).second) {
      problems.push_back(fmt::format("{}.party: '{}' has more than one entry", grant_at, g.party));
    }
    if (g.zones) {
      for (const std::string& zone : *g.zones) {
        if (!zone_ids.contains(zone)) {
          problems.push_back(fmt::format("{}.zones: unknown zone '{}'", grant_at, zone));
        }
      }
    }
    if (g.buffer) check_buffer(*g.buffer, grant_at + ".buffer_m");
  }
}

}  // namespace

namespace {

// Checks the corroboration settings and puts event types in codebook spelling.
void CheckCorroboration(CorroborationSettings& c, const std::string& where,
                        std::vector<std::string>& problems) {
  const std::string at = where + ": corroboration.";
  auto non_negative = [&](double v, const char* field) {
    if (!(v >= 0 && std::isfinite(v))) {
      problems.push_back(fmt::format("{}{}: expected a number >= 0, got {}", at, field, v));
    }
  };
  non_negative(static_cast<double>(c.time_tolerance.count()), "time_tolerance_h");
  non_negative(c.distance.value, "distance_m");
  non_negative(c.max_radius.value, "max_radius_m");
  non_negative(static_cast<double>(c.max_interval.count()), "max_interval_h");
  non_negative(c.track_distance.value, "track_distance_m");
  for (size_t i = 0; i < c.compatible_types.size(); ++i) {
    for (std::string* name : {&c.compatible_types[i].first, &c.compatible_types[i].second}) {
      if (const auto type = FindAcledEventType(*name)) {
        *name = std::string(*type);
      } else {
        problems.push_back(
            fmt::format("{}compatible_event_types[{}]: unknown event type '{}'", at, i, *name));
      }
    }
  }
}

}  // namespace

Result<Scenario> Scenario::Create(ScenarioSpec spec) {
  std::vector<std::string> problems;
  const std::string& where = spec.origin;
  CheckCorroboration(spec.corroboration, where, problems);

  std::set<std::string, std::less<>> party_ids;
  for (size_t i = 0; i < spec.parties.size(); ++i) {
    const Party& p = spec.parties[i];
    if (p.id.empty()) problems.push_back(fmt::format("{}: parties[{}].id: empty", where, i));
    if (!party_ids.insert(p.id).second) {
      problems.push_back(fmt::format("{}: parties[{}].id: '{}' declared twice", where, i, p.id));
    }
  }
  auto check_party = [&](const std::string& ref, const std::string& field) {
    if (spec.has_register && !party_ids.contains(ref)) {
      problems.push_back(fmt::format("{}: {}: unknown party '{}'", where, field, ref));
    }
  };

  std::set<std::string, std::less<>> agreement_ids;
  for (size_t i = 0; i < spec.agreements.size(); ++i) {
    const Agreement& a = spec.agreements[i];
    const std::string at = fmt::format("agreements[{}] ('{}')", i, a.id);
    if (a.id.empty()) problems.push_back(fmt::format("{}: {}.id: empty", where, at));
    if (!agreement_ids.insert(a.id).second) {
      problems.push_back(fmt::format("{}: {}.id: declared twice", where, at));
    }
    using Roster = std::pair<const std::vector<std::string>*, const char*>;
    for (const auto& [list, name] :
         {Roster{&a.parties, "parties"}, Roster{&a.guarantors, "guarantors"},
          Roster{&a.observers, "observers"}}) {
      for (const std::string& ref : *list) check_party(ref, fmt::format("{}.{}", at, name));
    }
    if (a.effective && a.expires && !(*a.effective < *a.expires)) {
      problems.push_back(fmt::format("{}: {}.expires: not after effective", where, at));
    }
    std::set<std::string> clause_ids;
    for (const Clause& c : a.clauses) {
      if (!clause_ids.insert(c.id).second) {
        problems.push_back(
            fmt::format("{}: {}.clauses: clause '{}' declared twice", where, at, c.id));
      }
    }
  }

  std::sort(spec.zone_versions.begin(), spec.zone_versions.end(),
            [](const ZoneVersion& a, const ZoneVersion& b) {
              return std::pair(a.zone(), a.version()) < std::pair(b.zone(), b.version());
            });
  for (size_t i = 0; i < spec.zone_versions.size(); ++i) {
    const ZoneVersion& v = spec.zone_versions[i];
    const std::string at = fmt::format("{} ({})", v.origin(), v.Label());
    if (!v.agreement().empty() && spec.has_register && !agreement_ids.contains(v.agreement())) {
      problems.push_back(fmt::format("{}: agreement: unknown agreement '{}'", at, v.agreement()));
    }
    for (const Rule& r : v.rules()) {
      const std::string rule_at = fmt::format("{}: rule '{}'", at, RuleKindName(r.kind));
      if (!r.agreement.empty() && spec.has_register) {
        const auto it = std::find_if(spec.agreements.begin(), spec.agreements.end(),
                                     [&](const Agreement& a) { return a.id == r.agreement; });
        if (it == spec.agreements.end()) {
          problems.push_back(
              fmt::format("{}: agreement: unknown agreement '{}'", rule_at, r.agreement));
        } else if (!r.clause.empty() && it->FindClause(r.clause) == nullptr) {
          problems.push_back(fmt::format("{}: clause: agreement '{}' has no clause '{}'", rule_at,
                                         r.agreement, r.clause));
        }
      } else if (r.agreement.empty() && !r.clause.empty()) {
        problems.push_back(
            fmt::format("{}: clause '{}' cited without an agreement", rule_at, r.clause));
      }
      for (const std::string& party : r.bound) {
        if (spec.has_register && !party_ids.contains(party)) {
          problems.push_back(fmt::format("{}: bound: unknown party '{}'", rule_at, party));
        }
      }
    }
    // Versions are sorted by zone then version; every earlier version of the same zone is
    // checked, since a long-lived version can overlap several later ones.
    for (size_t j = i; j-- > 0 && spec.zone_versions[j].zone() == v.zone();) {
      const ZoneVersion& w = spec.zone_versions[j];
      if (w.version() == v.version()) {
        problems.push_back(
            fmt::format("{}: version {} is declared twice (also {})", at, v.version(), w.origin()));
      } else if (w.validity().Overlaps(v.validity())) {
        problems.push_back(fmt::format(
            "{}: validity [{}, {}) overlaps version {} [{}, {}) ({}); versions of one zone must "
            "not overlap in time",
            at, FormatUtcTime(v.validity().begin()), FormatUtcTime(v.validity().end()), w.version(),
            FormatUtcTime(w.validity().begin()), FormatUtcTime(w.validity().end()), w.origin()));
      }
    }
  }
  CheckDeconflictionPolicy(spec, party_ids, problems);
  if (!problems.empty()) {
    return MakeProblemsError(where, std::move(problems));
  }
  return Scenario(std::move(spec));
}

}  // namespace truce
