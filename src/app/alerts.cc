#include "app/alerts.h"

#include <array>

namespace truce::app {
namespace {

constexpr std::array<std::pair<AlertKind, std::string_view>, 3> kNames = {{
    {AlertKind::kFlightEntry, "flight_entry"},
    {AlertKind::kFlightExit, "flight_exit"},
    {AlertKind::kReportViolation, "report_violation"},
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

std::optional<nlohmann::json> AlertForReader(const Principal& who, const Alert& alert) {
  if (!Sees(who, alert.record_kind, alert.provenance)) return std::nullopt;
  nlohmann::json record = alert.record;
  Redact(who, alert.record_kind, alert.provenance, record);
  return nlohmann::json{{"id", alert.id},
                        {"kind", AlertKindName(alert.kind)},
                        {"time", FormatTimestamp(alert.time)},
                        {"log_index", alert.log_index},
                        {"record", std::move(record)}};
}

void AlertLog::Publish(std::vector<Alert> alerts) {
  if (alerts.empty()) return;
  {
    std::lock_guard lock(mu_);
    for (Alert& a : alerts) {
      a.id = alerts_.size() + 1;
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
  for (size_t i = after; i < alerts_.size() && out.size() < limit; ++i) {
    if (!kind || alerts_[i].kind == *kind) out.push_back(alerts_[i]);
  }
  return out;
}

uint64_t AlertLog::last_id() const {
  std::lock_guard lock(mu_);
  return alerts_.size();
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
