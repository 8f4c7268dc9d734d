// The vocabulary of corroboration (grades, claims, decisions), the quadratic reference
// clustering, and violations per incident.
#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include <fmt/format.h>

#include "space_time_grid.h"
#include "truce/incident.h"

namespace truce {
namespace {

template <typename Enum, size_t N>
std::optional<Enum> ParseName(std::string_view name,
                              const std::pair<Enum, std::string_view> (&table)[N]) {
  for (const auto& [value, text] : table) {
    if (text == name) return value;
  }
  return std::nullopt;
}

template <typename Enum, size_t N>
std::string_view NameOf(Enum value, const std::pair<Enum, std::string_view> (&table)[N]) {
  for (const auto& [v, text] : table) {
    if (v == value) return text;
  }
  return table[0].second;
}

constexpr std::pair<Grade, std::string_view> kGrades[] = {{Grade::kSingleSource, "single-source"},
                                                          {Grade::kCorroborated, "corroborated"},
                                                          {Grade::kConfirmed, "confirmed"},
                                                          {Grade::kContested, "contested"},
                                                          {Grade::kDenied, "denied"},
                                                          {Grade::kDiscounted, "discounted"}};

constexpr std::pair<ClaimKind, std::string_view> kClaimKinds[] = {
    {ClaimKind::kAssertIncident, "assert_incident"},
    {ClaimKind::kDenyIncident, "deny_incident"},
    {ClaimKind::kAssignResponsibility, "assign_responsibility"},
    {ClaimKind::kDenyResponsibility, "deny_responsibility"},
    {ClaimKind::kAccuse, "accuse"}};

constexpr std::pair<DecisionKind, std::string_view> kDecisionKinds[] = {
    {DecisionKind::kMerge, "merge"},
    {DecisionKind::kSplit, "split"},
    {DecisionKind::kGrade, "grade"}};

}  // namespace

std::string_view GradeName(Grade grade) noexcept { return NameOf(grade, kGrades); }
std::optional<Grade> ParseGrade(std::string_view name) noexcept { return ParseName(name, kGrades); }

std::string_view ClaimKindName(ClaimKind kind) noexcept { return NameOf(kind, kClaimKinds); }
std::optional<ClaimKind> ParseClaimKind(std::string_view name) noexcept {
  return ParseName(name, kClaimKinds);
}
bool ClaimAsserts(ClaimKind kind) noexcept {
  return kind == ClaimKind::kAssertIncident || kind == ClaimKind::kAssignResponsibility ||
         kind == ClaimKind::kAccuse;
}

std::string_view DecisionKindName(DecisionKind kind) noexcept {
  return NameOf(kind, kDecisionKinds);
}
std::optional<DecisionKind> ParseDecisionKind(std::string_view name) noexcept {
  return ParseName(name, kDecisionKinds);
}

std::vector<std::string> ClaimProblems(const Claim& c, std::string_view origin) {
  std::vector<std::string> problems;
  auto problem = [&](std::string_view field, std::string_view what) {
    problems.push_back(fmt::format("{}: {}: {}", origin, field, what));
  };
  if (c.party.empty()) problem("party", "required, the party making the claim");
  if (c.text.empty()) problem("text", "required, what the party said");
  const std::string_view kind = ClaimKindName(c.kind);
  switch (c.kind) {
    case ClaimKind::kAssertIncident:
    case ClaimKind::kDenyIncident:
      if (c.incident.empty()) {
        problem("incident",
                fmt::format("required for {}: the report or incident it is about", kind));
      }
      break;
    case ClaimKind::kAssignResponsibility:
    case ClaimKind::kAccuse:
      if (c.responsible.empty()) {
        problem("about", fmt::format("required for {}: the party held responsible", kind));
      }
      break;
    case ClaimKind::kDenyResponsibility:
      // Without "about" the party denies its own responsibility, for an incident.
      if (c.responsible.empty() && c.incident.empty()) {
        problems.push_back(fmt::format(
            "{}: a claim is about an incident (\"incident\") or a party (\"about\")", origin));
      }
      break;
  }
  if (c.kind != ClaimKind::kAccuse) {
    const AllegedEvent& a = c.alleged;
    if (a.when || a.where || !a.event_type.empty() || !a.zone.empty() || a.count != 1) {
      problem("kind",
              "only an accusation (\"accuse\") carries when, where, event type, zone or "
              "count");
    }
  }
  if (c.alleged.count < 1) {
    problem("count", fmt::format("expected an integer >= 1, got {}", c.alleged.count));
  }
  if (!(c.alleged.radius.value >= 0)) {
    problem("radius_m", fmt::format("expected metres >= 0, got {}", c.alleged.radius.value));
  }
  return problems;
}

bool ReportsLinked(const Report& a, const Report& b, const CorroborationSettings& settings) {
  const detail::LinkCriterion criterion(settings);
  const detail::Footprint fa = detail::FootprintOf(a), fb = detail::FootprintOf(b);
  return criterion.Linkable(fa) && criterion.Linkable(fb) && criterion.Linked(fa, fb);
}

std::vector<std::vector<size_t>> ClusterAllPairs(std::span<const Report* const> reports,
                                                 const CorroborationSettings& settings) {
  const detail::LinkCriterion criterion(settings);
  std::vector<detail::Footprint> fp;
  std::vector<bool> linkable;
  for (const Report* r : reports) {
    fp.push_back(detail::FootprintOf(*r));
    linkable.push_back(criterion.Linkable(fp.back()));
  }
  std::vector<size_t> parent(reports.size());
  for (size_t i = 0; i < parent.size(); ++i) parent[i] = i;
  auto find = [&](size_t a) {
    while (parent[a] != a) a = parent[a] = parent[parent[a]];
    return a;
  };
  for (size_t i = 0; i < reports.size(); ++i) {
    if (!linkable[i]) continue;
    for (size_t j = i + 1; j < reports.size(); ++j) {
      if (linkable[j] && criterion.Linked(fp[i], fp[j])) {
        const size_t a = find(i), b = find(j);
        parent[std::max(a, b)] = std::min(a, b);
      }
    }
  }
  std::map<size_t, std::vector<size_t>> groups;
  for (size_t i = 0; i < reports.size(); ++i) groups[find(i)].push_back(i);
  std::vector<std::vector<size_t>> out;
  for (auto& [root, members] : groups) out.push_back(std::move(members));
  return out;
}

void AttachViolations(std::span<Incident> incidents, std::span<const Violation> violations) {
  std::unordered_map<const Report*, std::pair<size_t, size_t>> where;  // -> (incident, rank)
  for (size_t i = 0; i < incidents.size(); ++i) {
    incidents[i].violations.clear();
    for (size_t k = 0; k < incidents[i].reports.size(); ++k) {
      where.emplace(incidents[i].reports[k], std::pair(i, k));
    }
  }
  using Key = std::tuple<std::string, int, RuleKind>;
  std::vector<std::map<Key, std::pair<IncidentViolation, std::set<std::pair<size_t, std::string>>>>>
      per(incidents.size());
  for (const Violation& v : violations) {
    const auto it = where.find(v.report);
    if (it == where.end()) continue;
    const auto [i, rank] = it->second;
    auto& [iv, reports] = per[i][Key{v.version->zone(), v.version->version(), v.rule}];
    if (iv.zone.empty()) {
      iv.zone = v.version->zone();
      iv.version = v.version->version();
      iv.rule = v.rule;
      iv.clause = v.clause;
    }
    if (v.verdict == Verdict::kInside) iv.verdict = Verdict::kInside;
    if (!v.party.empty() &&
        std::find(iv.parties.begin(), iv.parties.end(), v.party) == iv.parties.end()) {
      iv.parties.push_back(v.party);
    }
    reports.emplace(rank, v.report->event_id());
  }
  for (size_t i = 0; i < incidents.size(); ++i) {
    for (auto& [key, entry] : per[i]) {
      auto& [iv, reports] = entry;
      std::sort(iv.parties.begin(), iv.parties.end());
      for (const auto& [rank, id] : reports) iv.reports.push_back(id);
      incidents[i].violations.push_back(std::move(iv));
    }
  }
}

}  // namespace truce
