#include "truce/access.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>

namespace truce {

std::string_view DeliveryStatusName(DeliveryStatus status) noexcept {
  switch (status) {
    case DeliveryStatus::kDelivered:
      return "delivered";
    case DeliveryStatus::kPartial:
      return "partial";
    case DeliveryStatus::kBlocked:
      return "blocked";
    case DeliveryStatus::kDelayed:
      return "delayed";
  }
  return "delivered";
}

std::optional<DeliveryStatus> ParseDeliveryStatus(std::string_view name) noexcept {
  for (DeliveryStatus s : {DeliveryStatus::kDelivered, DeliveryStatus::kPartial,
                           DeliveryStatus::kBlocked, DeliveryStatus::kDelayed}) {
    if (DeliveryStatusName(s) == name) return s;
  }
  return std::nullopt;
}

Result<DeliveryOutcome> DeliveryOutcome::Create(DeliveryOutcomeSpec spec) {
  const std::string where = fmt::format("{} (movement '{}')", spec.origin, spec.movement);
  std::vector<std::string> problems;
  if (spec.movement.empty()) problems.push_back(where + ": movement: expected a movement id");
  const std::optional<DeliveryStatus> status = ParseDeliveryStatus(spec.status);
  if (!status) {
    problems.push_back(fmt::format(
        "{}: status: expected \"delivered\", \"partial\", \"blocked\" or \"delayed\", got '{}'",
        where, spec.status));
  } else if (*status != DeliveryStatus::kDelivered && spec.reason.empty()) {
    problems.push_back(
        fmt::format("{}: reason: required when the status is '{}'", where, spec.status));
  }
  if (spec.reported_by.empty()) {
    problems.push_back(where + ": reported_by: expected the reporting party or organisation");
  }
  if (!problems.empty()) return MakeProblemsError(where, std::move(problems));
  return DeliveryOutcome(std::move(spec), *status);
}

const DeliveryOutcome* LatestOutcome(std::string_view movement,
                                     std::span<const DeliveryOutcome> outcomes, UtcTime as_of) {
  const DeliveryOutcome* latest = nullptr;
  for (const DeliveryOutcome& o : outcomes) {
    if (o.movement() != movement || o.reported_at() > as_of) continue;
    if (latest == nullptr || o.reported_at() >= latest->reported_at()) latest = &o;
  }
  return latest;
}

std::string_view AccessRatingName(AccessRating rating) noexcept {
  switch (rating) {
    case AccessRating::kNoMovements:
      return "no_movements";
    case AccessRating::kUnreported:
      return "unreported";
    case AccessRating::kRespected:
      return "respected";
    case AccessRating::kImpeded:
      return "impeded";
    case AccessRating::kDenied:
      return "denied";
  }
  return "no_movements";
}

std::vector<AccessVerdict> EvaluateAccess(const Scenario& scenario,
                                          std::span<const Movement> movements,
                                          std::span<const DeliveryOutcome> outcomes,
                                          const TimeInterval& period, UtcTime as_of) {
  std::map<std::string, AccessVerdict> by_zone;
  auto verdict = [&](const std::string& zone) -> AccessVerdict& {
    AccessVerdict& v = by_zone[zone];
    v.zone = zone;
    v.period = period;
    return v;
  };
  for (const ZoneVersion& version : scenario.zone_versions()) {
    if (!version.validity().Overlaps(period)) continue;
    for (const Rule& rule : version.rules()) {
      if (rule.kind != RuleKind::kHumanitarianAccess) continue;
      AccessVerdict& v = verdict(version.zone());
      v.rule_in_force = true;
      const std::string citation = rule.Citation();
      if (!citation.empty() &&
          std::find(v.clauses.begin(), v.clauses.end(), citation) == v.clauses.end()) {
        v.clauses.push_back(citation);
      }
    }
  }
  for (const Movement& m : movements) {
    if (m.destination_zone().empty() || !period.Contains(m.window().begin())) continue;
    AccessVerdict& v = verdict(m.destination_zone());
    MovementAccess entry{&m, LatestOutcome(m.id(), outcomes, as_of), CheckNotice(m).late};
    ++v.notified;
    v.late_notice += entry.late_notice;
    if (entry.outcome == nullptr) {
      ++v.unreported;
    } else {
      switch (entry.outcome->status()) {
        case DeliveryStatus::kDelivered:
          ++v.delivered;
          break;
        case DeliveryStatus::kPartial:
          ++v.partial;
          break;
        case DeliveryStatus::kBlocked:
          ++v.blocked;
          break;
        case DeliveryStatus::kDelayed:
          ++v.delayed;
          break;
      }
    }
    v.movements.push_back(entry);
  }
  std::vector<AccessVerdict> out;
  for (auto& [zone, v] : by_zone) {
    std::stable_sort(v.movements.begin(), v.movements.end(),
                     [](const MovementAccess& x, const MovementAccess& y) {
                       const UtcTime xs = x.movement->window().begin();
                       const UtcTime ys = y.movement->window().begin();
                       return xs != ys ? xs < ys : x.movement->id() < y.movement->id();
                     });
    const size_t reported = v.notified - v.unreported;
    if (v.notified == 0) {
      v.rating = AccessRating::kNoMovements;
    } else if (reported == 0) {
      v.rating = AccessRating::kUnreported;
    } else if (v.delivered == reported) {
      v.rating = AccessRating::kRespected;
    } else if (v.blocked == reported) {
      v.rating = AccessRating::kDenied;
    } else {
      v.rating = AccessRating::kImpeded;
    }
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace truce
