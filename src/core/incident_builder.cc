#include "incident_builder.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include <fmt/format.h>

namespace truce::detail {
namespace {

bool IsVictimActor(std::string_view actor) {
  // ACLED names victims and demonstrators as actors too; they are nobody's accused.
  const std::string a = NormalizeName(actor);
  return a.starts_with("civilians") || a.starts_with("protesters") || a.starts_with("rioters");
}

std::string Plural(size_t n, std::string_view word) {
  return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s");
}

// "russia holds syrian-government responsible (claim C1)".
std::string ClaimPhrase(const Claim& c) {
  std::string what;
  const bool self = c.responsible.empty() || c.responsible == c.party;
  switch (c.kind) {
    case ClaimKind::kAssertIncident:
      what = "asserts it happened";
      break;
    case ClaimKind::kDenyIncident:
      what = "denies it happened";
      break;
    case ClaimKind::kAssignResponsibility:
      what = self ? "admits responsibility" : fmt::format("holds {} responsible", c.responsible);
      break;
    case ClaimKind::kDenyResponsibility:
      what = self ? "denies responsibility"
                  : fmt::format("denies that {} is responsible", c.responsible);
      break;
    case ClaimKind::kAccuse:
      what = fmt::format("accuses {}", c.responsible);
      break;
  }
  return fmt::format("{} {} (claim {})", c.party, what, c.id);
}

std::string Phrases(const std::vector<const Claim*>& claims) {
  std::vector<std::string> parts;
  for (const Claim* c : claims) parts.push_back(ClaimPhrase(*c));
  return fmt::format("{}", fmt::join(parts, "; "));
}

// "3 independence groups (A; B; C) across 5 reports".
std::string GroupsPhrase(const std::vector<std::string>& groups, size_t reports) {
  constexpr size_t kListed = 5;
  std::vector<std::string> shown(
      groups.begin(), groups.begin() + static_cast<long>(std::min(kListed, groups.size())));
  std::string list = fmt::format("{}", fmt::join(shown, "; "));
  if (groups.size() > kListed) list += fmt::format("; and {} more", groups.size() - kListed);
  const std::string count =
      groups.size() == 1 ? "one independence group" : Plural(groups.size(), "independence group");
  return fmt::format("{} ({}) across {}", count, list, Plural(reports, "report"));
}

std::string Trim(std::string_view s) {
  const size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return "";
  return std::string(s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1));
}

}  // namespace

std::string NormalizeName(std::string_view name) {
  std::string out;
  bool space = false;
  for (char ch : name) {
    if (std::isspace(static_cast<unsigned char>(ch))) {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  }
  return out;
}

IncidentBuilder::IncidentBuilder(const Scenario& scenario) : resolver_(scenario) {
  for (const std::string& m : scenario.corroboration().monitors) {
    monitors_.push_back(NormalizeName(m));
  }
}

const std::string& IncidentBuilder::PartyOfName(const std::string& name) {
  auto it = party_of_name_.find(name);
  if (it == party_of_name_.end()) it = party_of_name_.emplace(name, resolver_.Resolve(name)).first;
  return it->second;
}

std::pair<std::string, std::string> IncidentBuilder::Group(const Member& m) {
  const ReportSpec& s = m.report->spec();
  std::string party = *m.party;
  if (party.empty() && !s.source.empty()) party = PartyOfName(s.source);
  if (!party.empty()) return {"party:" + party, "party " + party};
  for (const std::string* name : {&s.source_group, &s.source}) {
    std::string key = NormalizeName(*name);
    if (!key.empty()) {
      return {std::move(key), Trim(*name)};  // the label keeps the spelling
    }
  }
  return {"report:" + m.report->event_id(), "unnamed source of " + m.report->event_id()};
}

bool IncidentBuilder::IsMonitor(const Member& m) {
  if (m.monitor) return true;
  if (monitors_.empty()) return false;
  const ReportSpec& s = m.report->spec();
  for (const std::string* name : {&s.source, &s.source_group, m.party}) {
    if (name->empty()) continue;
    if (std::find(monitors_.begin(), monitors_.end(), NormalizeName(*name)) != monitors_.end()) {
      return true;
    }
  }
  return false;
}

void IncidentBuilder::Build(std::span<const Member> members, std::vector<const Claim*> claims,
                            const Decision* grade_decision, Incident& out) {
  out.reports.clear();
  out.sources.clear();
  out.groups.clear();
  out.monitors.clear();
  out.accused.clear();
  out.event_types.clear();

  // Time, place and kind.
  UtcTime begin = kEndOfTime, end = UtcTime::min();
  const Report* precise = nullptr;
  std::set<std::string> types, accused;
  std::map<std::string, std::string> sources;  // normalised -> first spelling
  std::map<std::string, std::string> groups;   // key -> label of the earliest report
  std::string monitor_phrase;
  for (const Member& m : members) {
    const Report& r = *m.report;
    out.reports.push_back(&r);
    begin = std::min(begin, r.when().begin());
    end = std::max(end, r.when().end());
    if (precise == nullptr || r.radius() < precise->radius()) precise = &r;
    types.insert(r.spec().event_type);
    if (std::string key = NormalizeName(r.spec().source); !key.empty()) {
      sources.emplace(std::move(key), Trim(r.spec().source));
    }
    auto [key, label] = Group(m);
    groups.emplace(std::move(key), std::move(label));
    if (IsMonitor(m)) {
      out.monitors.push_back(r.event_id());
      if (monitor_phrase.empty()) {
        monitor_phrase =
            fmt::format("report {} from {}", r.event_id(),
                        r.spec().source.empty() ? std::string("a monitor") : r.spec().source);
      }
    }
    for (const std::string* actor : {&r.spec().actor1, &r.spec().actor2}) {
      if (actor->empty() || IsVictimActor(*actor)) continue;
      if (const std::string& p = PartyOfName(*actor); !p.empty()) accused.insert(p);
    }
  }
  out.when = *TimeInterval::Create(begin, end);
  out.where = precise->location();
  out.radius = precise->radius();
  out.event_types.assign(types.begin(), types.end());
  for (const auto& [key, spelling] : sources) out.sources.push_back(spelling);
  std::sort(out.sources.begin(), out.sources.end());
  for (const auto& [key, label] : groups) out.groups.push_back(label);
  std::sort(out.groups.begin(), out.groups.end());

  // Claims: who holds whom responsible, who denies what. Stable: two claims may share a time
  // and an id (an id is the claimant's word), and then the log's order decides.
  std::stable_sort(claims.begin(), claims.end(), [](const Claim* a, const Claim* b) {
    return std::pair(a->made_at.value_or(kEndOfTime), a->id) <
           std::pair(b->made_at.value_or(kEndOfTime), b->id);
  });
  out.claims = claims;
  std::map<std::string, std::vector<const Claim*>> held;  // party -> claims holding it responsible
  for (const Claim* c : claims) {
    if ((c->kind == ClaimKind::kAssignResponsibility || c->kind == ClaimKind::kAccuse) &&
        !c->responsible.empty()) {
      held[c->responsible].push_back(c);
      accused.insert(c->responsible);
    }
  }
  out.accused.assign(accused.begin(), accused.end());
  std::vector<const Claim*> admissions, denials, third_party_denials;
  for (const Claim* c : claims) {
    const bool self = c->responsible.empty() || c->responsible == c->party;
    if ((c->kind == ClaimKind::kAssignResponsibility && c->responsible == c->party) ||
        (c->kind == ClaimKind::kAssertIncident && accused.contains(c->party))) {
      admissions.push_back(c);
    } else if ((c->kind == ClaimKind::kDenyIncident && accused.contains(c->party)) ||
               (c->kind == ClaimKind::kDenyResponsibility && self)) {
      denials.push_back(c);
    } else if (c->kind == ClaimKind::kDenyResponsibility && held.contains(c->responsible)) {
      third_party_denials.push_back(c);
    }
  }

  // The grade, from the strongest evidence down; the reason twice: in full, and without the
  // names of sources and claimants for those who may not see them.
  const std::string sources_phrase = GroupsPhrase(out.groups, members.size());
  const std::string counts =
      fmt::format("{} across {}",
                  out.groups.size() == 1 ? std::string("one independence group")
                                         : Plural(out.groups.size(), "independence group"),
                  Plural(members.size(), "report"));
  const size_t independent = out.groups.size();
  std::vector<const Claim*> cited;
  Grade grade;
  std::string reason, public_reason;
  if (!out.monitors.empty()) {
    grade = Grade::kConfirmed;
    reason =
        fmt::format("confirmed: a monitor verified it ({}); {}", monitor_phrase, sources_phrase);
    public_reason = fmt::format("confirmed: a monitor verified it; {}", counts);
  } else if (!admissions.empty()) {
    grade = Grade::kConfirmed;
    reason = fmt::format("confirmed: the accused admitted it: {}; {}", Phrases(admissions),
                         sources_phrase);
    public_reason = fmt::format("confirmed: the accused admitted it; {}", counts);
    cited = admissions;
  } else if (held.size() >= 2) {
    grade = Grade::kContested;
    std::vector<const Claim*> assigning;
    for (const auto& [party, by] : held) assigning.insert(assigning.end(), by.begin(), by.end());
    reason = fmt::format("contested: responsibility is assigned differently: {}; {}",
                         Phrases(assigning), sources_phrase);
    public_reason = fmt::format("contested: claims hold {} different parties responsible; {}",
                                held.size(), counts);
    cited = assigning;
  } else if (!third_party_denials.empty()) {
    grade = Grade::kContested;
    const std::vector<const Claim*>& assigning = held.at(third_party_denials.front()->responsible);
    reason = fmt::format("contested: {}, but {}; {}", Phrases(assigning),
                         Phrases(third_party_denials), sources_phrase);
    public_reason = fmt::format(
        "contested: a party denies the responsibility that another assigns; {}", counts);
    cited = assigning;
    cited.insert(cited.end(), third_party_denials.begin(), third_party_denials.end());
  } else if (!denials.empty() && independent >= 2) {
    grade = Grade::kContested;
    reason = fmt::format("contested: denied by the accused ({}), but reported by {}",
                         Phrases(denials), sources_phrase);
    public_reason = fmt::format("contested: denied by the accused, but reported by {}", counts);
    cited = denials;
  } else if (!denials.empty()) {
    grade = Grade::kDenied;
    reason = fmt::format(
        "denied: denied by the accused ({}), and nothing independent corroborates it: {}",
        Phrases(denials), sources_phrase);
    public_reason = fmt::format(
        "denied: denied by the accused, and nothing independent corroborates it: {}", counts);
    cited = denials;
  } else {
    grade = independent >= 2 ? Grade::kCorroborated : Grade::kSingleSource;
    reason = fmt::format("{}: {}", GradeName(grade), sources_phrase);
    public_reason = fmt::format("{}: {}", GradeName(grade), counts);
  }
  std::vector<const Claim*> others;
  for (const Claim* c : claims) {
    if (std::find(cited.begin(), cited.end(), c) == cited.end()) others.push_back(c);
  }
  if (!others.empty()) {
    reason += fmt::format("; {}: {}", others.size() == 1 ? "other claim" : "other claims",
                          Phrases(others));
  }
  out.computed_grade = grade;
  if (grade_decision != nullptr) {
    out.grade = grade_decision->grade;
    out.reason = fmt::format("{} by {} at {} (decision {}): {} (computed: {})",
                             GradeName(grade_decision->grade), grade_decision->by,
                             FormatUtcTime(grade_decision->at), grade_decision->id,
                             grade_decision->reason, reason);
    out.public_reason = fmt::format("{} by an analyst's decision (computed: {})",
                                    GradeName(grade_decision->grade), public_reason);
  } else {
    out.grade = grade;
    out.reason = std::move(reason);
    out.public_reason = std::move(public_reason);
  }
}

}  // namespace truce::detail
