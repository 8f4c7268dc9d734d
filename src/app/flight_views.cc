#include "app/flight_views.h"

#include <algorithm>
#include <tuple>

#include <fmt/format.h>

#include "app/flights.h"
#include "app/submission.h"
#include "formats/flight_json.h"
#include "formats/positions.h"
#include "formats/text_file.h"

namespace truce::app {
namespace {

using nlohmann::json;

Error Unreadable(const store::LogEntry& entry, std::string_view why) {
  return MakeError(ErrorCode::kInvalidInput,
                   fmt::format("log entry {} ({}): {}", entry.index, entry.kind, why));
}

bool IsOpen(const FlightViolation& v, std::optional<UtcTime> watermark,
            std::chrono::milliseconds max_gap) {
  return v.lost_inside && watermark && *watermark - v.exit.time <= max_gap;
}

// What identifies one violation across re-judgements (and scenario versions that keep it).
using Key = std::tuple<std::string, int, UtcTime>;
Key KeyOf(const FlightViolation& v) { return {v.zone->zone(), v.zone->version(), v.entry.time}; }

std::unique_ptr<FlightMonitor> MakeMonitor(const StoredScenario& scenario,
                                           std::vector<Exemption> exemptions,
                                           const FlightMonitorOptions& options) {
  return std::make_unique<FlightMonitor>(scenario.scenario->zone_versions(), *scenario.locator,
                                         std::move(exemptions), options);
}

void SortByEntry(std::vector<std::pair<FlightViolation, bool>>& all) {
  std::stable_sort(all.begin(), all.end(), [](const auto& x, const auto& y) {
    return std::tie(x.first.entry.time, x.first.icao24) <
           std::tie(y.first.entry.time, y.first.icao24);
  });
}

}  // namespace

FlightViews::FlightViews(FlightMonitorOptions options) : options_(options) {}
FlightViews::~FlightViews() = default;

Status FlightViews::Apply(const store::LogEntry& entry) {
  const KindSpec* kind = FindKind(entry.kind);
  const bool positions = kind && kind->kind == SubmissionKind::kPositions;
  const bool exemption = kind && kind->kind == SubmissionKind::kExemption;
  if (!positions && !exemption) {
    std::lock_guard lock(mu_);
    applied_ = entry.index + 1;
    return Status::Ok();
  }
  auto parsed = formats::ParseJson(entry.data, fmt::format("log entry {}", entry.index));
  if (!parsed.ok()) return parsed.error();
  const json& body = parsed->value("body", json());
  if (exemption) {
    std::vector<Problem> problems;
    auto e = formats::ExemptionFromJson(body, "", problems);
    if (!e) return Unreadable(entry, "not a valid exemption");
    std::lock_guard lock(mu_);
    exemptions_.push_back(StoredExemption{entry.index, entry.received_at,
                                          detail::StringField(*parsed, "role"), std::move(*e)});
    applied_ = entry.index + 1;
    return Status::Ok();
  }
  if (!body.is_array()) return Unreadable(entry, "a positions batch is an array");
  std::vector<Position> fixes;
  fixes.reserve(body.size());
  for (size_t i = 0; i < body.size(); ++i) {
    // The client's record, read as `truce flights` reads a JSON line.
    std::vector<std::string> reasons;
    const json& record = body[i].is_object() ? body[i].value("record", json()) : json();
    auto p = formats::PositionFromJson(record, fmt::format("entry {} position {}", entry.index, i),
                                       reasons);
    if (!p) return Unreadable(entry, fmt::format("position {} has no valid fix", i));
    fixes.push_back(std::move(*p));
  }
  std::lock_guard lock(mu_);
  for (Position& p : fixes) {
    if (!watermark_ || p.time > *watermark_) watermark_ = p.time;
    dirty_.insert(p.icao24);
    aircraft_[p.icao24].fixes.push_back(Fix{entry.index, std::move(p)});
  }
  applied_ = entry.index + 1;
  return Status::Ok();
}

void FlightViews::UpdateLocked(const std::shared_ptr<const StoredScenario>& scenario) {
  // Changes are recorded once someone takes them (Advance), so that a server that never asks
  // keeps no list.
  std::vector<FlightChange>* changes = tracking_changes_ ? &pending_ : nullptr;
  const uint64_t log_index = applied_ == 0 ? 0 : applied_ - 1;
  if (!scenario) {
    current_ =
        std::make_shared<FlightVerdicts>(FlightVerdicts{applied_, nullptr, {}, {}, watermark_});
    judged_scenario_ = nullptr;
    for (auto& [icao, a] : aircraft_) {
      a.violations.clear();
      a.open.clear();
    }
    dirty_.clear();
    return;
  }
  const bool everything =
      judged_scenario_ != scenario || judged_exemptions_ != exemptions_.size() || !monitor_;
  if (everything) {
    std::vector<Exemption> exemptions;
    for (const StoredExemption& e : exemptions_) exemptions.push_back(e.exemption);
    monitor_ = MakeMonitor(*scenario, std::move(exemptions), options_);
    judged_scenario_ = scenario;
    judged_exemptions_ = exemptions_.size();
  }
  const bool watermark_moved = judged_watermark_ != watermark_;
  if (!everything && dirty_.empty() && !watermark_moved && current_ &&
      current_->log_size == applied_) {
    return;
  }
  const size_t first_change = changes ? changes->size() : 0;
  auto diff = [&](Aircraft& a, std::vector<FlightViolation> fresh) {
    std::vector<bool> open(fresh.size());
    for (size_t i = 0; i < fresh.size(); ++i)
      open[i] = IsOpen(fresh[i], watermark_, options_.max_gap);
    if (changes) {
      std::map<Key, bool> before;
      for (size_t i = 0; i < a.violations.size(); ++i) before[KeyOf(a.violations[i])] = a.open[i];
      for (size_t i = 0; i < fresh.size(); ++i) {
        const auto it = before.find(KeyOf(fresh[i]));
        if (it == before.end()) {
          changes->push_back({FlightChange::Kind::kEntry, log_index, fresh[i], open[i], scenario});
          if (!open[i]) {
            changes->push_back({FlightChange::Kind::kExit, log_index, fresh[i], false, scenario});
          }
        } else if (it->second && !open[i]) {
          changes->push_back({FlightChange::Kind::kExit, log_index, fresh[i], false, scenario});
        }
      }
    }
    a.violations = std::move(fresh);
    a.open = std::move(open);
  };
  for (auto& [icao, a] : aircraft_) {
    if (everything || dirty_.contains(icao)) {
      std::vector<Position> positions;
      positions.reserve(a.fixes.size());
      for (const Fix& f : a.fixes) positions.push_back(f.position);
      diff(a, JudgeFlights(std::move(positions), *monitor_));
    } else if (watermark_moved && std::find(a.open.begin(), a.open.end(), true) != a.open.end()) {
      diff(a, std::move(a.violations));
    }
  }
  dirty_.clear();
  judged_watermark_ = watermark_;
  std::vector<std::pair<FlightViolation, bool>> all;
  for (const auto& [icao, a] : aircraft_) {
    for (size_t i = 0; i < a.violations.size(); ++i) all.emplace_back(a.violations[i], a.open[i]);
  }
  SortByEntry(all);
  auto verdicts = std::make_shared<FlightVerdicts>();
  verdicts->log_size = applied_;
  verdicts->scenario = scenario;
  verdicts->watermark = watermark_;
  for (auto& [v, open] : all) {
    verdicts->violations.push_back(std::move(v));
    verdicts->open.push_back(open);
  }
  current_ = std::move(verdicts);
  if (changes) {
    std::stable_sort(changes->begin() + static_cast<std::ptrdiff_t>(first_change), changes->end(),
                     [](const FlightChange& x, const FlightChange& y) {
                       const UtcTime tx = x.kind == FlightChange::Kind::kEntry
                                              ? x.violation.entry.time
                                              : x.violation.exit.time;
                       const UtcTime ty = y.kind == FlightChange::Kind::kEntry
                                              ? y.violation.entry.time
                                              : y.violation.exit.time;
                       return tx < ty;
                     });
  }
}

std::shared_ptr<const FlightVerdicts> FlightViews::JudgeAsOf(
    uint64_t size, std::shared_ptr<const StoredScenario> scenario) {
  auto verdicts = std::make_shared<FlightVerdicts>();
  verdicts->log_size = size;
  verdicts->scenario = scenario;
  std::vector<Position> positions;
  std::vector<Exemption> exemptions;
  {
    std::lock_guard lock(mu_);
    if (as_of_cache_ && as_of_cache_->log_size == size && as_of_cache_->scenario == scenario) {
      return as_of_cache_;
    }
    for (const auto& [icao, a] : aircraft_) {
      for (const Fix& f : a.fixes) {
        if (f.entry >= size) continue;
        if (!verdicts->watermark || f.position.time > *verdicts->watermark) {
          verdicts->watermark = f.position.time;
        }
        positions.push_back(f.position);
      }
    }
    for (const StoredExemption& e : exemptions_) {
      if (e.entry < size) exemptions.push_back(e.exemption);
    }
  }
  if (scenario) {
    const auto monitor = MakeMonitor(*scenario, std::move(exemptions), options_);
    verdicts->violations = JudgeFlights(std::move(positions), *monitor);
    for (const FlightViolation& v : verdicts->violations) {
      verdicts->open.push_back(IsOpen(v, verdicts->watermark, options_.max_gap));
    }
  }
  std::lock_guard lock(mu_);
  as_of_cache_ = verdicts;
  return verdicts;
}

std::shared_ptr<const FlightVerdicts> FlightViews::At(
    uint64_t size, std::shared_ptr<const StoredScenario> scenario) {
  {
    std::lock_guard lock(mu_);
    if (size >= applied_) {
      UpdateLocked(scenario);
      return current_;
    }
  }
  return JudgeAsOf(size, std::move(scenario));
}

std::vector<FlightChange> FlightViews::Advance(uint64_t log_index,
                                               std::shared_ptr<const StoredScenario> scenario) {
  std::lock_guard lock(mu_);
  tracking_changes_ = true;
  UpdateLocked(scenario);
  std::vector<FlightChange> changes = std::move(pending_);
  pending_.clear();
  for (FlightChange& c : changes) c.log_index = std::min(c.log_index, log_index);
  return changes;
}

std::vector<Track> FlightViews::Tracks(uint64_t size, std::string_view icao24) const {
  std::vector<Position> positions;
  {
    std::lock_guard lock(mu_);
    for (const auto& [icao, a] : aircraft_) {
      if (!icao24.empty() && icao != icao24) continue;
      for (const Fix& f : a.fixes) {
        if (f.entry < size) positions.push_back(f.position);
      }
    }
  }
  return BuildTracks(std::move(positions), TrackOptions{options_.max_gap});
}

std::vector<StoredExemption> FlightViews::Exemptions(uint64_t size) const {
  std::lock_guard lock(mu_);
  std::vector<StoredExemption> out;
  for (const StoredExemption& e : exemptions_) {
    if (e.entry < size) out.push_back(e);
  }
  return out;
}

}  // namespace truce::app
