#include "app/alerts.h"

#include <algorithm>
#include <array>

namespace truce::app {
namespace {

constexpr std::array<std::pair<AlertKind, std::string_view>, 7> kNames = {{
    {AlertKind::kFlightEntry, "flight_entry"},
    {AlertKind::kFlightExit, "flight_exit"},
    {AlertKind::kReportViolation, "report_violation"},
    {AlertKind::kSiteReport, "site_report"},
    {AlertKind::kMovementReport, "movement_report"},
    {AlertKind::kSiteOverflight, "site_overflight"},
    {AlertKind::kMovementOverflight, "movement_overflight"},
}};

}  // namespace

std::string_view AlertKindName(AlertKind kind) noexcept {
  for (const auto& [k, name] : kNames) {
    if (k == kind) return name;
  }
  return "unknown";
}

std::optional<AlertKind> AlertKindFromName(std::string_view name) noexcept {
  for (const auto& [k, n] : kNames) {
    if (n == name) return k;
  }
  return std::nullopt;
}

std::vector<AlertKind> AllAlertKinds() {
  std::vector<AlertKind> out;
  for (const auto& [k, name] : kNames) out.push_back(k);
  return out;
}

std::string AlertKindList() {
  std::string out;
  for (const auto& [k, name] : kNames) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

std::optional<nlohmann::json> AlertForReader(const Principal& who, const Alert& alert) {
  Provenance p = alert.provenance;
  if (alert.record_kind == RecordKind::kAlert && who.Is(Role::kParty)) {
    p.told = std::find(alert.told.begin(), alert.told.end(), who.party) != alert.told.end();
  }
  if (!Sees(who, alert.record_kind, p)) return std::nullopt;
  nlohmann::json record = alert.record;
  Redact(who, alert.record_kind, p, record);
  return nlohmann::json{{"id", alert.id},
                        {"kind", AlertKindName(alert.kind)},
                        {"time", FormatTimestamp(alert.time)},
                        {"log_index", alert.log_index},
                        {"record", std::move(record)}};
}

uint64_t FirstAlertId(uint64_t log_index) noexcept { return (log_index << kAlertOrdinalBits) + 1; }

void AlertLog::Publish(std::vector<Alert> alerts) {
  if (alerts.empty()) return;
  {
    std::lock_guard lock(mu_);
    // Numbered within the range of the entry that caused them, so that ids depend only on that
    // entry and on the order its alerts are produced in: alerts of a kind added later (produced
    // after the older kinds' of the same entry) do not renumber anyone else's. Past 2^20
    // alerts of one entry the ids run on into the next entry's range, still increasing.
    for (Alert& a : alerts) {
      a.id = std::max(FirstAlertId(a.log_index), alerts_.empty() ? 1 : alerts_.back().id + 1);
      alerts_.push_back(std::move(a));
    }
  }
  std::lock_guard lock(listeners_mu_);
  for (const auto& [id, listener] : listeners_) listener();
}

std::vector<Alert> AlertLog::After(uint64_t after, size_t limit,
                                   std::optional<AlertKind> kind) const {
  std::lock_guard lock(mu_);
  std::vector<Alert> out;
  auto it = std::upper_bound(alerts_.begin(), alerts_.end(), after,
                             [](uint64_t id, const Alert& a) { return id < a.id; });
  for (; it != alerts_.end() && out.size() < limit; ++it) {
    if (!kind || it->kind == *kind) out.push_back(*it);
  }
  return out;
}

uint64_t AlertLog::last_id() const {
  std::lock_guard lock(mu_);
  return alerts_.empty() ? 0 : alerts_.back().id;
}

uint64_t AlertLog::Listen(Listener listener) {
  std::lock_guard lock(listeners_mu_);
  const uint64_t id = next_listener_++;
  listeners_.emplace(id, std::move(listener));
  return id;
}

void AlertLog::Unlisten(uint64_t id) {
  std::lock_guard lock(listeners_mu_);
  listeners_.erase(id);
}

AlertSubscription::AlertSubscription(AlertLog& log, Principal who, uint64_t after,
                                     std::optional<AlertKind> kind)
    : log_(log), who_(std::move(who)), kind_(kind), after_(after) {
  listener_ = log_.Listen([this] {
    std::function<void()> wake;
    {
      std::lock_guard lock(mu_);
      wake = wake_;
    }
    if (wake) wake();
  });
}

AlertSubscription::~AlertSubscription() { log_.Unlisten(listener_); }

std::vector<nlohmann::json> AlertSubscription::Take(size_t limit) {
  std::lock_guard lock(mu_);
  std::vector<nlohmann::json> out;
  // Alerts the reader may not see are skipped, but count as read.
  for (;;) {
    const std::vector<Alert> batch = log_.After(after_, limit);
    if (batch.empty()) return out;
    for (const Alert& a : batch) {
      after_ = a.id;
      if (kind_ && a.kind != *kind_) continue;
      if (auto j = AlertForReader(who_, a)) out.push_back(std::move(*j));
      if (out.size() >= limit) return out;
    }
  }
}

void AlertSubscription::OnReady(std::function<void()> wake) {
  std::lock_guard lock(mu_);
  wake_ = std::move(wake);
}

}  // namespace truce::app
