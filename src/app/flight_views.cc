#include "app/flight_views.h"

#include <algorithm>
#include <iterator>
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
    latest_batch_.clear();
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
    latest_batch_.clear();
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
  latest_batch_.clear();
  for (Position& p : fixes) {
    if (!watermark_ || p.time > *watermark_) watermark_ = p.time;
    dirty_.insert(p.icao24);
    latest_batch_.insert(p.icao24);
    aircraft_[p.icao24].fixes.push_back(Fix{entry.index, std::move(p)});
  }
  applied_ = entry.index + 1;
  return Status::Ok();
}

std::vector<FlightViolation> FlightViews::JudgeAircraftLocked(const std::string& icao, Aircraft& a,
                                                              bool from_scratch) {
  auto restart = [&a] {
    a.taken = 0;
    a.times.clear();
    a.ended.clear();
    a.track.reset();
  };
  if (from_scratch) restart();
  // The fixes not taken yet in time order; equal times keep log order, so that the first one
  // logged is the one kept, as BuildTracks keeps the first in input order.
  auto by_time = [](const Fix* x, const Fix* y) { return x->position.time < y->position.time; };
  std::vector<const Fix*> fresh;
  fresh.reserve(a.fixes.size() - a.taken);
  for (size_t i = a.taken; i < a.fixes.size(); ++i) fresh.push_back(&a.fixes[i]);
  std::stable_sort(fresh.begin(), fresh.end(), by_time);
  // A fix at or before the last one taken: a duplicate of a fix taken changes nothing, any
  // other changes the tracks, which are then built again from every fix.
  for (const Fix* f : fresh) {
    if (a.times.empty() || f->position.time > a.times.back()) break;
    if (!std::binary_search(a.times.begin(), a.times.end(), f->position.time)) {
      restart();
      fresh.clear();
      for (const Fix& g : a.fixes) fresh.push_back(&g);
      std::stable_sort(fresh.begin(), fresh.end(), by_time);
      break;
    }
  }
  for (const Fix* f : fresh) {
    const UtcTime t = f->position.time;
    if (!a.times.empty() && t <= a.times.back()) continue;  // a duplicate
    if (!a.times.empty() && t - a.times.back() > monitor_->options().max_gap) {
      // The silence ends the track (BuildTracks splits here): its violations are final.
      std::vector<FlightViolation> done = a.track->Violations();
      std::move(done.begin(), done.end(), std::back_inserter(a.ended));
      a.track.reset();
    }
    if (!a.track) a.track = std::make_unique<GrowingTrack>(*monitor_, icao);
    a.track->Add(f->position);
    a.times.push_back(t);
  }
  a.taken = a.fixes.size();
  std::vector<FlightViolation> out = a.ended;
  if (a.track) {
    std::vector<FlightViolation> last = a.track->Violations();
    std::move(last.begin(), last.end(), std::back_inserter(out));
  }
  // JudgeFlights' order within one aircraft: its tracks' violations by entry time, stably.
  std::stable_sort(out.begin(), out.end(), [](const FlightViolation& x, const FlightViolation& y) {
    return x.entry.time < y.entry.time;
  });
  return out;
}

void FlightViews::UpdateLocked(const std::shared_ptr<const StoredScenario>& scenario) {
  // Changes are recorded once someone takes them (Advance), so that a server that never asks
  // keeps no list.
  std::vector<FlightChange>* changes = tracking_changes_ ? &pending_ : nullptr;
  const uint64_t log_index = applied_ == 0 ? 0 : applied_ - 1;
  if (!scenario) {
    current_ =
        std::make_shared<FlightVerdicts>(FlightVerdicts{applied_, nullptr, {}, {}, watermark_});
    current_stale_ = false;
    judged_scenario_ = nullptr;
    monitor_.reset();
    for (auto& [icao, a] : aircraft_) {
      a.violations.clear();
      a.open.clear();
      a.taken = 0;
      a.times.clear();
      a.ended.clear();
      a.track.reset();
    }
    with_open_.clear();
    dirty_.clear();
    return;
  }
  const bool everything =
      judged_scenario_ != scenario || judged_exemptions_ != exemptions_.size() || !monitor_;
  if (everything) {
    std::vector<Exemption> exemptions;
    for (const StoredExemption& e : exemptions_) exemptions.push_back(e.exemption);
    // The growing tracks point into the old monitor: they go before it does.
    for (auto& [icao, a] : aircraft_) a.track.reset();
    monitor_ = MakeMonitor(*scenario, std::move(exemptions), options_);
    judged_scenario_ = scenario;
    judged_exemptions_ = exemptions_.size();
  }
  const bool watermark_moved = judged_watermark_ != watermark_;
  if (!everything && dirty_.empty() && !watermark_moved) return;
  current_stale_ = true;
  const size_t first_change = changes ? changes->size() : 0;
  auto diff = [&](const std::string& icao, Aircraft& a, std::vector<FlightViolation> fresh) {
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
    if (std::find(a.open.begin(), a.open.end(), true) != a.open.end()) {
      with_open_.insert(icao);
    } else {
      with_open_.erase(icao);
    }
  };
  if (everything) {
    for (auto& [icao, a] : aircraft_) diff(icao, a, JudgeAircraftLocked(icao, a, true));
  } else {
    for (const std::string& icao : dirty_) {
      Aircraft& a = aircraft_.at(icao);
      diff(icao, a, JudgeAircraftLocked(icao, a, false));
    }
    if (watermark_moved) {
      // The feed's clock moved on: open violations of silent aircraft may now be closed.
      const std::vector<std::string> open(with_open_.begin(), with_open_.end());
      for (const std::string& icao : open) {
        if (dirty_.contains(icao)) continue;
        Aircraft& a = aircraft_.at(icao);
        diff(icao, a, a.violations);
      }
    }
  }
  dirty_.clear();
  judged_watermark_ = watermark_;
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

void FlightViews::RebuildCurrentLocked() {
  std::vector<std::pair<FlightViolation, bool>> all;
  for (const auto& [icao, a] : aircraft_) {
    for (size_t i = 0; i < a.violations.size(); ++i) all.emplace_back(a.violations[i], a.open[i]);
  }
  SortByEntry(all);
  auto verdicts = std::make_shared<FlightVerdicts>();
  verdicts->log_size = applied_;
  verdicts->scenario = judged_scenario_;
  verdicts->watermark = watermark_;
  for (auto& [v, open] : all) {
    verdicts->violations.push_back(std::move(v));
    verdicts->open.push_back(open);
  }
  current_ = std::move(verdicts);
  current_stale_ = false;
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
      if (current_stale_ || !current_ || current_->log_size != applied_ ||
          current_->scenario != scenario) {
        if (scenario) {
          RebuildCurrentLocked();
        } else {
          current_ = std::make_shared<FlightVerdicts>(
              FlightVerdicts{applied_, nullptr, {}, {}, watermark_});
        }
      }
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

std::vector<Position> FlightViews::Positions(uint64_t from, uint64_t to,
                                             std::optional<TimeInterval> during) const {
  std::lock_guard lock(mu_);
  std::vector<Position> out;
  for (const auto& [icao, a] : aircraft_) {
    // Fixes are in log order: the entries [from, to) are one run.
    auto it = std::lower_bound(a.fixes.begin(), a.fixes.end(), from,
                               [](const Fix& f, uint64_t e) { return f.entry < e; });
    for (; it != a.fixes.end() && it->entry < to; ++it) {
      if (during && !(it->position.time >= during->begin() && it->position.time < during->end())) {
        continue;
      }
      out.push_back(it->position);
    }
  }
  return out;
}

std::map<std::string, std::vector<Position>> FlightViews::LatestBatchAircraft() const {
  std::lock_guard lock(mu_);
  std::map<std::string, std::vector<Position>> out;
  for (const std::string& icao : latest_batch_) {
    const auto it = aircraft_.find(icao);
    if (it == aircraft_.end()) continue;
    std::vector<Position>& fixes = out[icao];
    fixes.reserve(it->second.fixes.size());
    for (const Fix& f : it->second.fixes) fixes.push_back(f.position);
  }
  return out;
}

}  // namespace truce::app
