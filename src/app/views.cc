#include "app/views.h"

#include <algorithm>

#include <fmt/format.h>

#include "app/intake.h"
#include "app/ledger.h"
#include "app/scenario_bundle.h"
#include "app/submission.h"
#include "formats/claims.h"
#include "formats/decisions.h"
#include "formats/text_file.h"
#include "truce/merkle_log.h"
#include "truce/zone_index.h"

namespace truce::app {
namespace {

using nlohmann::json;

Error Unreadable(const store::LogEntry& entry, std::string_view why) {
  return MakeError(ErrorCode::kInvalidInput,
                   fmt::format("log entry {} ({}): {}", entry.index, entry.kind, why));
}

}  // namespace

const StoredReport& Snapshot::RevisionOf(const Report* report) const {
  return *by_report_.at(report);
}

std::optional<uint64_t> Snapshot::PublicationEntry(const Incident& incident) const {
  std::optional<uint64_t> first;
  const auto consider = [&](std::string_view id) {
    const auto it = published.find(id);
    if (it != published.end() && (!first || it->second < *first)) first = it->second;
  };
  consider(incident.id);
  for (const std::string& id : incident.merged) consider(id);
  for (const Report* r : incident.reports) consider(r->event_id());
  return first;
}

Status Views::Apply(const store::LogEntry& entry) {
  const KindSpec* kind = FindKind(entry.kind);
  if (!kind) return Unreadable(entry, "unknown kind");
  if (kind->kind == SubmissionKind::kPositions) return Apply(entry, ParsedEntry{});
  auto parsed = formats::ParseJson(entry.data, fmt::format("log entry {}", entry.index));
  if (!parsed.ok()) return parsed.error();
  return Apply(entry, ParsedEntryOf(entry.kind, std::move(parsed).value()));
}

Status Views::Apply(const store::LogEntry& entry, const ParsedEntry& parsed) {
  const KindSpec* kind = FindKind(entry.kind);
  if (!kind) return Unreadable(entry, "unknown kind");
  if (kind->kind == SubmissionKind::kPositions) {
    // Positions are served from the store; the views only need to know the entry happened.
    std::unique_lock lock(mu_);
    received_at_.push_back(entry.received_at);
    return Status::Ok();
  }
  const json& data = parsed.data;
  if (!data.is_object()) return Unreadable(entry, "its data is not a JSON object");
  static const json kNull;
  const auto body_member = data.find("body");
  const json& body = body_member == data.end() ? kNull : *body_member;
  switch (kind->kind) {
    case SubmissionKind::kReport: {
      if (!parsed.report) return Unreadable(entry, "not a valid report");
      auto stored = std::make_unique<StoredReport>(
          StoredReport{entry.index, entry.received_at, detail::IntField(data, "revision"),
                       entry.party, parsed.report, kNeverSuperseded, entry.index,
                       detail::StringField(data, "role") == "monitor"});
      std::unique_lock lock(mu_);
      const std::string& id = stored->report->event_id();
      if (auto it = latest_.find(id); it != latest_.end()) {
        revisions_[it->second]->superseded_at = entry.index;
        stored->first_entry = revisions_[it->second]->first_entry;
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
      stored->locator = MakeZoneLocator(stored->scenario->zone_versions());
      std::unique_lock lock(mu_);
      scenarios_.push_back(std::move(stored));
      break;
    }
    case SubmissionKind::kClaim: {
      auto claim =
          formats::ClaimFromJson(body, fmt::format("claim of log entry {}", entry.index),
                                 std::to_string(entry.index), formats::ClaimReading::kLogged);
      if (!claim.ok()) return Unreadable(entry, claim.error().message);
      std::unique_lock lock(mu_);
      claims_.push_back(StoredClaim{entry.index, std::move(claim).value()});
      break;
    }
    case SubmissionKind::kDecision: {
      auto decision = formats::DecisionFromJson(
          body, fmt::format("decision of log entry {}", entry.index), std::to_string(entry.index));
      if (!decision.ok()) return Unreadable(entry, decision.error().message);
      std::unique_lock lock(mu_);
      decisions_.push_back(StoredDecision{entry.index, std::move(decision).value()});
      break;
    }
    case SubmissionKind::kPublication: {
      std::unique_lock lock(mu_);
      publications_.push_back(
          StoredPublication{entry.index, detail::StringField(body, "incident")});
      break;
    }
    case SubmissionKind::kSite:
    case SubmissionKind::kMovement:
    case SubmissionKind::kAcknowledgement:
    case SubmissionKind::kDeliveryOutcome:
    case SubmissionKind::kDisclosure:
      if (Status st = notifications_.Apply(entry, kind->kind, data); !st.ok()) return st;
      break;
    case SubmissionKind::kPositions:
    case SubmissionKind::kExemption:  // flight_views.h
      break;
    case SubmissionKind::kTokenRevocation: {
      std::unique_lock lock(mu_);
      revoked_tokens_.try_emplace(detail::StringField(body, "token"), entry.index);
      break;
    }
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
  const auto end = received_at_.begin() +
                   static_cast<ptrdiff_t>(std::min<uint64_t>(received_at_.size(), durable_size_));
  if (!as_of) return static_cast<uint64_t>(end - received_at_.begin());
  return static_cast<uint64_t>(std::upper_bound(received_at_.begin(), end, *as_of) -
                               received_at_.begin());
}

UtcTime Views::LatestReceived() const {
  std::shared_lock lock(mu_);
  const uint64_t n = std::min<uint64_t>(received_at_.size(), durable_size_);
  return n == 0 ? UtcTime{} : received_at_[n - 1];
}

void Views::SetDurableSize(uint64_t size) {
  std::unique_lock lock(mu_);
  durable_size_ = size;
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

std::optional<StoredClaim> Views::ClaimWithId(const std::string& id) const {
  std::shared_lock lock(mu_);
  for (const StoredClaim& c : claims_) {
    if (c.claim.id == id) return c;
  }
  return std::nullopt;
}

std::optional<StoredDecision> Views::DecisionWithId(const std::string& id) const {
  std::shared_lock lock(mu_);
  for (const StoredDecision& d : decisions_) {
    if (d.decision.id == id) return d;
  }
  return std::nullopt;
}

std::optional<uint64_t> Views::TokenRevocation(const std::string& token_id) const {
  std::shared_lock lock(mu_);
  const auto it = revoked_tokens_.find(token_id);
  if (it == revoked_tokens_.end()) return std::nullopt;
  return it->second;
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
      if (p.entry < size) snap->published.emplace(p.incident, p.entry);
    }
  }
  for (const StoredReport* r : snap->reports) snap->by_report_.emplace(r->report.get(), r);
  if (snap->scenario) {
    Evaluation& eval = EvaluationFor(*snap->scenario);
    std::lock_guard lock(eval.mu);  // one evaluation at a time per scenario version
    for (size_t k = 0; k < current.size(); ++k) {
      const size_t i = current[k];
      if (eval.by_revision.size() <= i) eval.by_revision.resize(i + 1);
      if (!eval.by_revision[i]) {
        eval.by_revision[i] = eval.evaluator->Evaluate(*snap->reports[k]->report);
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

namespace {

// Copies the engine's incidents into a set that owns the claims they point to, attaching the
// snapshot's violations.
std::shared_ptr<IncidentSet> CopyOut(Corroborator& engine, const Snapshot& snap) {
  auto set = std::make_shared<IncidentSet>();
  const std::vector<const Incident*> incidents = engine.Incidents();
  const std::vector<const Claim*> unlinked = engine.UnlinkedClaims();
  // Every claim an incident links, and the unlinked ones, copied once.
  std::unordered_map<const Claim*, size_t> index;
  auto keep = [&](const Claim* c) {
    if (index.emplace(c, set->claims.size()).second) set->claims.push_back(*c);
  };
  for (const Incident* i : incidents) {
    for (const Claim* c : i->claims) keep(c);
  }
  for (const Claim* c : unlinked) keep(c);
  set->incidents.reserve(incidents.size());
  for (const Incident* i : incidents) {
    Incident copy = *i;
    for (const Claim*& c : copy.claims) c = &set->claims[index.at(c)];
    set->incidents.push_back(std::move(copy));
  }
  for (const Claim* c : unlinked) set->unlinked.push_back(&set->claims[index.at(c)]);
  AttachViolations(set->incidents, snap.violations);
  for (size_t k = 0; k < set->incidents.size(); ++k) {
    const Incident& i = set->incidents[k];
    set->by_id.emplace(i.id, k);
    for (const std::string& old : i.merged) set->by_id.emplace(old, k);
    // "INC-" + any member report's event id names the incident holding that report.
    for (const Report* r : i.reports) set->by_id.emplace("INC-" + r->event_id(), k);
  }
  return set;
}

ReportEntry EntryOf(const StoredReport& r) {
  return ReportEntry{r.report.get(), r.first_entry, r.party, r.monitor};
}

}  // namespace

Status Views::FeedLive(const StoredScenario& scenario) {
  if (live_.scenario_entry != scenario.entry || !live_.engine) {
    live_.engine = std::make_unique<Corroborator>(*scenario.scenario);
    live_.scenario_entry = scenario.entry;
    live_.revisions_fed = live_.claims_fed = live_.decisions_fed = 0;
  }
  std::vector<ReportEntry> reports;
  std::vector<Claim> claims;
  std::vector<Decision> decisions;
  {
    std::shared_lock lock(mu_);
    for (size_t i = live_.revisions_fed; i < revisions_.size(); ++i) {
      reports.push_back(EntryOf(*revisions_[i]));
    }
    live_.revisions_fed = revisions_.size();
    for (size_t i = live_.claims_fed; i < claims_.size(); ++i) claims.push_back(claims_[i].claim);
    live_.claims_fed = claims_.size();
    for (size_t i = live_.decisions_fed; i < decisions_.size(); ++i) {
      decisions.push_back(decisions_[i].decision);
    }
    live_.decisions_fed = decisions_.size();
    live_.fed_size = received_at_.size();
  }
  // Revisions in log order: a later revision of an event replaces the earlier one.
  live_.engine->AddReports(reports);
  live_.engine->AddClaims(claims);
  for (Decision& d : decisions) {
    // A logged decision was checked against the incidents when it was made; one that no
    // longer applies (its reports were revised away) changes nothing.
    (void)live_.engine->AddDecision(std::move(d));
  }
  return Status::Ok();
}

Result<std::shared_ptr<const IncidentSet>> Views::IncidentsAt(const Snapshot& snap) {
  {
    std::lock_guard lock(cache_mu_);
    if (latest_incidents_ && latest_incidents_size_ == snap.log_size) return latest_incidents_;
  }
  if (!snap.scenario) return std::make_shared<const IncidentSet>();
  std::shared_ptr<IncidentSet> set;
  if (snap.log_size == size() && snap.scenario == ScenarioAt(size())) {
    std::lock_guard lock(live_.mu);
    if (Status st = FeedLive(*snap.scenario); !st.ok()) return st.error();
    // Entries applied since the snapshot was taken would show in the engine: then the
    // snapshot gets an engine of its own below.
    if (live_.fed_size == snap.log_size) set = CopyOut(*live_.engine, snap);
  }
  if (!set) {
    // An earlier log size (as_of): an engine of its own, fed what was known then.
    Corroborator engine(*snap.scenario->scenario);
    std::vector<ReportEntry> reports;
    for (const StoredReport* r : snap.reports) reports.push_back(EntryOf(*r));
    std::vector<Claim> claims;
    std::vector<Decision> decisions;
    {
      std::shared_lock lock(mu_);
      for (const StoredClaim& c : claims_) {
        if (c.entry < snap.log_size) claims.push_back(c.claim);
      }
      for (const StoredDecision& d : decisions_) {
        if (d.entry < snap.log_size) decisions.push_back(d.decision);
      }
    }
    engine.AddReports(reports);
    engine.AddClaims(claims);
    for (Decision& d : decisions) (void)engine.AddDecision(std::move(d));
    set = CopyOut(engine, snap);
  }
  if (evidence_) evidence_(snap, set->incidents);
  std::shared_ptr<const IncidentSet> out = std::move(set);
  std::lock_guard lock(cache_mu_);
  if (!latest_incidents_ || latest_incidents_size_ <= snap.log_size) {
    latest_incidents_ = out;
    latest_incidents_size_ = snap.log_size;
  }
  return out;
}

Result<Decision> Views::CompleteDecision(Decision decision) {
  const auto scenario = ScenarioAt(size());
  if (!scenario) return MakeError(ErrorCode::kNotFound, "no scenario has been loaded");
  std::lock_guard lock(live_.mu);
  if (Status st = FeedLive(*scenario); !st.ok()) return st.error();
  return live_.engine->CompleteDecision(std::move(decision));
}

}  // namespace truce::app
