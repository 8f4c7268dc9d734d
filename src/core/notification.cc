#include "truce/notification.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <set>
#include <utility>

#include <fmt/format.h>

#include "geodesy.h"

namespace truce {

std::string_view NotificationKindName(NotificationKind kind) noexcept {
  return kind == NotificationKind::kSite ? "site" : "movement";
}

std::optional<NotificationKind> ParseNotificationKind(std::string_view name) noexcept {
  if (name == "site") return NotificationKind::kSite;
  if (name == "movement") return NotificationKind::kMovement;
  return std::nullopt;
}

namespace {

constexpr std::array<std::pair<SiteType, std::string_view>, 11> kSiteTypes = {{
    {SiteType::kHospital, "hospital"},
    {SiteType::kClinic, "clinic"},
    {SiteType::kSchool, "school"},
    {SiteType::kWarehouse, "warehouse"},
    {SiteType::kCamp, "camp"},
    {SiteType::kShelter, "shelter"},
    {SiteType::kOffice, "office"},
    {SiteType::kDistributionPoint, "distribution_point"},
    {SiteType::kWaterFacility, "water_facility"},
    {SiteType::kBakery, "bakery"},
    {SiteType::kOther, "other"},
}};

std::string SiteTypeList() {
  std::string out;
  for (const auto& [type, name] : kSiteTypes) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

void CheckAlertDistance(const std::optional<Meters>& m, const std::string& where,
                        std::vector<std::string>& problems) {
  if (m && !(std::isfinite(m->value) && m->value > 0)) {
    problems.push_back(
        fmt::format("{}: alert_distance_m: expected metres > 0, got {}", where, m->value));
  }
}

}  // namespace

std::string_view SiteTypeName(SiteType type) noexcept {
  for (const auto& [t, name] : kSiteTypes) {
    if (t == type) return name;
  }
  return "other";
}

std::optional<SiteType> ParseSiteType(std::string_view name) noexcept {
  for (const auto& [t, n] : kSiteTypes) {
    if (n == name) return t;
  }
  return std::nullopt;
}

Result<ProtectedSite> ProtectedSite::Create(ProtectedSiteSpec spec) {
  const std::string where = fmt::format("{} (site '{}')", spec.origin, spec.id);
  std::vector<std::string> problems;
  if (spec.id.empty()) problems.push_back(where + ": id: expected a non-empty string");
  const std::optional<SiteType> type = ParseSiteType(spec.type);
  if (!type) {
    problems.push_back(
        fmt::format("{}: type: expected one of {}, got '{}'", where, SiteTypeList(), spec.type));
  }
  if (spec.organisation.empty()) {
    problems.push_back(where + ": organisation: expected a non-empty string");
  }
  LatLngRect bounds;
  if (spec.point.has_value() == spec.area.has_value()) {
    problems.push_back(where + ": geometry: expected exactly one Point or Polygon");
  } else if (spec.point) {
    bounds.Extend(*spec.point);
  } else {
    MultiPolygon shape{{*spec.area}};
    const Status valid = ValidateMultiPolygon(shape, where);
    if (!valid.ok()) {
      for (const Problem& p : valid.error().problems) problems.push_back(p.ToString());
    } else {
      spec.area = NormalizeOrientation(std::move(shape)).polygons[0];
      bounds = MultiPolygon{{*spec.area}}.Bounds();
    }
  }
  const UtcTime end = spec.valid_to.value_or(kEndOfTime);
  auto validity = TimeInterval::Create(spec.valid_from, end);
  if (!validity.ok()) {
    problems.push_back(fmt::format("{}: valid_to: {} is not after valid_from {}", where,
                                   FormatUtcTime(end), FormatUtcTime(spec.valid_from)));
  }
  CheckAlertDistance(spec.alert_distance, where, problems);
  if (!problems.empty()) return MakeProblemsError(where, std::move(problems));
  return ProtectedSite(std::move(spec), *type, *validity, bounds);
}

Result<Movement> Movement::Create(MovementSpec spec) {
  const std::string where = fmt::format("{} (movement '{}')", spec.origin, spec.id);
  std::vector<std::string> problems;
  if (spec.id.empty()) problems.push_back(where + ": id: expected a non-empty string");
  if (spec.organisation.empty()) {
    problems.push_back(where + ": organisation: expected a non-empty string");
  }
  std::set<std::pair<double, double>> distinct;
  LatLngRect bounds;
  for (const LatLng& p : spec.route) {
    distinct.emplace(p.lat(), p.lng());
    bounds.Extend(p);
  }
  if (distinct.size() < 2) {
    problems.push_back(
        fmt::format("{}: geometry: a route needs at least 2 distinct positions, got {}", where,
                    distinct.size()));
  }
  auto window = TimeInterval::Create(spec.window_start, spec.window_end);
  if (!window.ok()) {
    problems.push_back(fmt::format("{}: window_end: {} is not after window_start {}", where,
                                   FormatUtcTime(spec.window_end),
                                   FormatUtcTime(spec.window_start)));
  }
  if (spec.vehicles && *spec.vehicles < 0) {
    problems.push_back(fmt::format("{}: vehicles: expected >= 0, got {}", where, *spec.vehicles));
  }
  CheckAlertDistance(spec.alert_distance, where, problems);
  if (!problems.empty()) return MakeProblemsError(where, std::move(problems));
  return Movement(std::move(spec), *window, bounds);
}

Status CheckDestinations(const Scenario& scenario, std::span<const Movement> movements) {
  std::set<std::string, std::less<>> zones;
  for (const ZoneVersion& v : scenario.zone_versions()) zones.insert(v.zone());
  std::vector<std::string> problems;
  for (const Movement& m : movements) {
    if (!m.destination_zone().empty() && !zones.contains(m.destination_zone())) {
      problems.push_back(
          fmt::format("{} (movement '{}'): destination_zone: no zone '{}' in scenario '{}'",
                      m.spec().origin, m.id(), m.destination_zone(), scenario.id()));
    }
  }
  if (problems.empty()) return Status::Ok();
  return MakeProblemsError("movements name unknown destination zones", std::move(problems));
}

NoticeCheck CheckNotice(const Movement& movement) noexcept {
  NoticeCheck check;
  check.required = movement.emergency() ? kEmergencyNotice : kMovementNotice;
  if (movement.notified_at()) {
    check.given = movement.window().begin() - *movement.notified_at();
    check.late = *check.given < check.required;
  }
  return check;
}

Result<Acknowledgement> Acknowledgement::Create(AcknowledgementSpec spec) {
  const std::string where =
      fmt::format("{} ({} '{}', party '{}')", spec.origin, NotificationKindName(spec.kind),
                  spec.notification, spec.party);
  std::vector<std::string> problems;
  if (spec.notification.empty()) {
    problems.push_back(where + ": notification: expected a site or movement id");
  }
  if (spec.party.empty()) problems.push_back(where + ": party: expected a party id");
  std::optional<AckResponse> response;
  if (spec.response == "acknowledged") {
    response = AckResponse::kAcknowledged;
  } else if (spec.response == "rejected") {
    response = AckResponse::kRejected;
    if (spec.reason.empty()) {
      problems.push_back(where + ": reason: a rejection must give its reason");
    }
  } else {
    problems.push_back(fmt::format(
        "{}: response: expected \"acknowledged\" or \"rejected\", got '{}'", where, spec.response));
  }
  if (!problems.empty()) return MakeProblemsError(where, std::move(problems));
  return Acknowledgement(std::move(spec), *response);
}

std::string_view AckStateName(AckState state) noexcept {
  switch (state) {
    case AckState::kPending:
      return "pending";
    case AckState::kAcknowledged:
      return "acknowledged";
    case AckState::kRejected:
      return "rejected";
    case AckState::kOverdue:
      return "overdue";
  }
  return "pending";
}

UtcTime NotifiedAt(const ProtectedSite& site) noexcept {
  return site.notified_at().value_or(site.validity().begin());
}

UtcTime NotifiedAt(const Movement& movement) noexcept {
  return movement.notified_at().value_or(movement.window().begin());
}

UtcTime AcknowledgementDue(const ProtectedSite& site, const DeconflictionPolicy& policy) noexcept {
  return NotifiedAt(site) + policy.acknowledgement_due;
}

UtcTime AcknowledgementDue(const Movement& movement, const DeconflictionPolicy& policy) noexcept {
  // An answer after the convoy has set off is no use to it.
  return std::min(NotifiedAt(movement) + policy.acknowledgement_due, movement.window().begin());
}

AcknowledgementStatus AcknowledgementAt(NotificationKind kind, std::string_view notification,
                                        std::string_view party, UtcTime notified_at, UtcTime due,
                                        std::span<const Acknowledgement> answers, UtcTime now) {
  AcknowledgementStatus status;
  status.kind = kind;
  status.notification = std::string(notification);
  status.party = std::string(party);
  status.notified_at = notified_at;
  status.due = due;
  const Acknowledgement* holding = nullptr;
  for (const Acknowledgement& a : answers) {
    if (a.kind() != kind || a.notification() != notification || a.party() != party) continue;
    if (a.at() < notified_at || a.at() > now) continue;
    if (holding == nullptr || a.at() >= holding->at()) holding = &a;
  }
  if (holding == nullptr) {
    status.state = now < due ? AckState::kPending : AckState::kOverdue;
    return status;
  }
  status.state = holding->response() == AckResponse::kAcknowledged ? AckState::kAcknowledged
                                                                   : AckState::kRejected;
  status.answered_at = holding->at();
  status.reason = holding->reason();
  status.late = holding->at() >= due;
  return status;
}

// ---- visibility ----

struct NotificationAudience::Impl {
  const Scenario& scenario;
  std::vector<detail::Shape> zones;  // one per zone version, in scenario order

  bool Sees(std::string_view party, const detail::Shape& target, const TimeInterval& when) const {
    const DeconflictionPolicy& policy = scenario.deconfliction();
    const NotificationGrant* grant = policy.FindGrant(party);
    if (grant != nullptr && grant->all) return true;
    if (grant == nullptr && scenario.has_register() && scenario.FindParty(party) == nullptr) {
      return false;
    }
    const double buffer =
        (grant != nullptr && grant->buffer ? *grant->buffer : policy.buffer).value;
    const auto& versions = scenario.zone_versions();
    for (size_t i = 0; i < versions.size(); ++i) {
      const ZoneVersion& v = versions[i];
      if (!v.validity().Overlaps(when)) continue;
      bool told = false;
      if (grant != nullptr && grant->zones) {
        told =
            std::find(grant->zones->begin(), grant->zones->end(), v.zone()) != grant->zones->end();
      } else {
        told = std::any_of(v.rules().begin(), v.rules().end(),
                           [&](const Rule& r) { return scenario.Binds(r, party); });
      }
      if (told && zones[i].DistanceTo(target, buffer) <= buffer) return true;
    }
    return false;
  }
};

namespace {

detail::Shape ShapeOf(const ProtectedSite& site) {
  return site.is_point() ? detail::Shape::Point(site.point()) : detail::Shape::Area(site.area());
}

}  // namespace

NotificationAudience::NotificationAudience(const Scenario& scenario)
    : impl_(std::make_unique<Impl>(Impl{scenario, {}})) {
  for (const ZoneVersion& v : scenario.zone_versions()) {
    impl_->zones.push_back(detail::Shape::Areas(v.shape()));
  }
}

NotificationAudience::~NotificationAudience() = default;

bool NotificationAudience::Sees(std::string_view party, const ProtectedSite& site) const {
  return impl_->Sees(party, ShapeOf(site), site.validity());
}

bool NotificationAudience::Sees(std::string_view party, const Movement& movement) const {
  return impl_->Sees(party, detail::Shape::Line(movement.route()), movement.window());
}

std::vector<std::string> NotificationAudience::Audience(const ProtectedSite& site) const {
  const detail::Shape shape = ShapeOf(site);
  std::vector<std::string> out;
  for (const Party& p : impl_->scenario.parties()) {
    if (impl_->Sees(p.id, shape, site.validity())) out.push_back(p.id);
  }
  return out;
}

std::vector<std::string> NotificationAudience::Audience(const Movement& movement) const {
  const detail::Shape shape = detail::Shape::Line(movement.route());
  std::vector<std::string> out;
  for (const Party& p : impl_->scenario.parties()) {
    if (impl_->Sees(p.id, shape, movement.window())) out.push_back(p.id);
  }
  return out;
}

}  // namespace truce
