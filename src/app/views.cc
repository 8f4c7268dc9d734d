#include "app/views.h"

#include <algorithm>

#include <fmt/format.h>

#include "app/intake.h"
#include "app/scenario_bundle.h"
#include "app/submission.h"
#include "formats/text_file.h"
#include "truce/merkle_log.h"

namespace truce::app {
namespace {

using nlohmann::json;

Error Unreadable(const store::LogEntry& entry, std::string_view why) {
  return MakeError(ErrorCode::kInvalidInput,
                   fmt::format("log entry {} ({}): {}", entry.index, entry.kind, why));
}

}  // namespace

const StoredReport& Snapshot::RevisionOf(const Violation& v) const {
  return *by_report_.at(v.report);
}

Status Views::Apply(const store::LogEntry& entry) {
  const KindSpec* kind = FindKind(entry.kind);
  if (!kind) return Unreadable(entry, "unknown kind");
  if (kind->kind == SubmissionKind::kPositions) {
    // Positions are served from the store; the views only need to know the entry happened.
    std::unique_lock lock(mu_);
    received_at_.push_back(entry.received_at);
    return Status::Ok();
  }
  auto parsed = formats::ParseJson(entry.data, fmt::format("log entry {}", entry.index));
  if (!parsed.ok()) return parsed.error();
  const json& data = *parsed;
  const json& body = data.value("body", json());
  switch (kind->kind) {
    case SubmissionKind::kReport: {
      std::vector<Problem> problems;
      auto report = ReportFromBody(body, "", problems);
      if (!report) return Unreadable(entry, "not a valid report");
      auto stored = std::make_unique<StoredReport>(
          StoredReport{entry.index, entry.received_at, detail::IntField(data, "revision"),
                       entry.party, std::move(*report), kNeverSuperseded});
      std::unique_lock lock(mu_);
      const std::string& id = stored->report.event_id();
      if (auto it = latest_.find(id); it != latest_.end()) {
        revisions_[it->second]->superseded_at = entry.index;
        it->second = revisions_.size();
      } else {
        latest_.emplace(id, revisions_.size());
      }
      revisions_.push_back(std::move(stored));
      break;
    }
    case SubmissionKind::kScenario: {
      auto scenario =
          ScenarioFromBundle(body, fmt::format("scenario of log entry {}", entry.index));
      if (!scenario.ok()) return Unreadable(entry, scenario.error().message);
      auto stored = std::make_shared<StoredScenario>();
      stored->entry = entry.index;
      stored->received_at = entry.received_at;
      stored->version = detail::IntField(data, "version");
      stored->scenario_id = detail::StringField(body.value("scenario", json()), "id");
      stored->digest = HashToHex(Sha256(body.dump(-1, ' ', false, json::error_handler_t::replace)));
      stored->bundle = body;
      stored->scenario = std::make_shared<const Scenario>(std::move(scenario).value());
      std::unique_lock lock(mu_);
      scenarios_.push_back(std::move(stored));
      break;
    }
    case SubmissionKind::kClaim: {
      std::unique_lock lock(mu_);
      claims_.push_back(
          StoredClaim{entry.index, entry.received_at, detail::StringField(body, "party"),
                      detail::StringField(body, "incident"), detail::StringField(body, "stance")});
      break;
    }
    case SubmissionKind::kPublication: {
      std::unique_lock lock(mu_);
      publications_.push_back(
          StoredPublication{entry.index, detail::StringField(body, "incident")});
      break;
    }
    case SubmissionKind::kPositions:
      break;
  }
  std::unique_lock lock(mu_);
  received_at_.push_back(entry.received_at);
  return Status::Ok();
}

uint64_t Views::size() const {
  std::shared_lock lock(mu_);
  return received_at_.size();
}

uint64_t Views::SizeAsOf(std::optional<UtcTime> as_of) const {
  std::shared_lock lock(mu_);
  if (!as_of) return received_at_.size();
  return static_cast<uint64_t>(std::upper_bound(received_at_.begin(), received_at_.end(), *as_of) -
                               received_at_.begin());
}

std::shared_ptr<const StoredScenario> Views::ScenarioAt(uint64_t size) const {
  std::shared_lock lock(mu_);
  for (auto it = scenarios_.rbegin(); it != scenarios_.rend(); ++it) {
    if ((*it)->entry < size) return *it;
  }
  return nullptr;
}

std::vector<std::shared_ptr<const StoredScenario>> Views::Scenarios() const {
  std::shared_lock lock(mu_);
  return scenarios_;
}

std::optional<StoredReport> Views::LatestRevision(const std::string& event_id) const {
  std::shared_lock lock(mu_);
  const auto it = latest_.find(event_id);
  if (it == latest_.end()) return std::nullopt;
  return *revisions_[it->second];
}

bool Views::IsPublished(const std::string& incident, uint64_t* entry) const {
  std::shared_lock lock(mu_);
  for (const StoredPublication& p : publications_) {
    if (p.incident == incident) {
      if (entry) *entry = p.entry;
      return true;
    }
  }
  return false;
}

Views::Evaluation& Views::EvaluationFor(const StoredScenario& scenario) {
  std::lock_guard lock(evaluations_mu_);
  auto& slot = evaluations_[scenario.entry];
  if (!slot) {
    slot = std::make_unique<Evaluation>();
    slot->evaluator = std::make_unique<ReportEvaluator>(*scenario.scenario);
  }
  return *slot;
}

Result<std::shared_ptr<const Snapshot>> Views::SnapshotAt(uint64_t size) {
  {
    std::lock_guard lock(cache_mu_);
    if (latest_snapshot_ && latest_snapshot_->log_size == size) return latest_snapshot_;
  }
  auto snap = std::make_shared<Snapshot>();
  snap->log_size = size;
  std::vector<size_t> current;  // indices into revisions_
  {
    std::shared_lock lock(mu_);
    if (size > received_at_.size()) {
      return MakeError(
          ErrorCode::kInternal,
          fmt::format("snapshot at {} beyond the {} entries applied", size, received_at_.size()));
    }
    for (auto it = scenarios_.rbegin(); it != scenarios_.rend(); ++it) {
      if ((*it)->entry < size) {
        snap->scenario = *it;
        break;
      }
    }
    for (size_t i = 0; i < revisions_.size() && revisions_[i]->entry < size; ++i) {
      if (revisions_[i]->superseded_at >= size) {
        current.push_back(i);
        snap->reports.push_back(revisions_[i].get());
      }
    }
    for (const StoredPublication& p : publications_) {
      if (p.entry < size) snap->published.insert(p.incident);
    }
    for (const StoredClaim& c : claims_) {
      if (c.entry >= size || c.incident.empty()) continue;
      auto& [asserts, denials] = snap->claims[c.incident];
      ++(c.stance == "deny" ? denials : asserts);
    }
  }
  for (const StoredReport* r : snap->reports) snap->by_report_.emplace(&r->report, r);
  if (snap->scenario) {
    Evaluation& eval = EvaluationFor(*snap->scenario);
    std::lock_guard lock(eval.mu);  // one evaluation at a time per scenario version
    for (size_t k = 0; k < current.size(); ++k) {
      const size_t i = current[k];
      if (eval.by_revision.size() <= i) eval.by_revision.resize(i + 1);
      if (!eval.by_revision[i]) {
        eval.by_revision[i] = eval.evaluator->Evaluate(snap->reports[k]->report);
      }
      const auto& v = *eval.by_revision[i];
      snap->violations.insert(snap->violations.end(), v.begin(), v.end());
    }
  }
  std::shared_ptr<const Snapshot> out = std::move(snap);
  std::lock_guard lock(cache_mu_);
  if (!latest_snapshot_ || latest_snapshot_->log_size <= out->log_size) latest_snapshot_ = out;
  return out;
}

}  // namespace truce::app
