// The application's derived state: what the log holds, parsed once and kept in memory, and the
// verdicts derived from it, computed once per (report revision, scenario version) and reused by
// every later query (docs/architecture.md "Derived views").
//
// Views are rebuilt from the log when the application opens and advanced by Apply() with each
// appended entry, so a write never makes the next query re-read or re-evaluate what it had
// already seen. "As of T" is a prefix of the log (received_at never goes backwards), so every
// as-of view is the same state cut at a log size. Thread-safe: Apply() may run while queries
// read.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/notification_views.h"
#include "app/submission.h"
#include "store/store.h"
#include "truce/incident.h"
#include "truce/report.h"
#include "truce/scenario.h"
#include "truce/time.h"
#include "truce/verdict.h"
#include "truce/zone_lookup.h"

namespace truce::app {

inline constexpr uint64_t kNeverSuperseded = UINT64_MAX;

// One revision of one report as the log holds it.
struct StoredReport {
  uint64_t entry = 0;
  UtcTime received_at{};
  int revision = 1;
  std::string party;  // the submitting party ("" unless a party token submitted it)
  // Shared with the ledger's parsed entry and the alerts: one report per revision, not a copy
  // each (docs/performance.md "Entries written from the report").
  std::shared_ptr<const Report> report;
  uint64_t superseded_at = kNeverSuperseded;  // entry of the next revision of the event
  uint64_t first_entry = 0;                   // entry of the event's first revision: its arrival
  bool monitor = false;  // submitted by the monitor role (the monitor verified it)
};

// One scenario version as the log holds it.
struct StoredScenario {
  uint64_t entry = 0;
  UtcTime received_at{};
  int version = 1;
  std::string scenario_id;
  std::string digest;
  nlohmann::json bundle;
  std::shared_ptr<const Scenario> scenario;
  std::shared_ptr<const ZoneLocator> locator;  // over scenario's versions; thread-safe
};

struct StoredClaim {
  uint64_t entry = 0;
  Claim claim;  // id: the entry index
};

struct StoredDecision {
  uint64_t entry = 0;
  Decision decision;
};

// The incidents at one log size, self-contained: the claims they link are owned copies.
struct IncidentSet {
  std::vector<Claim> claims;
  std::vector<Incident> incidents;  // by anchor arrival; claims point into `claims`
  std::vector<const Claim*> unlinked;
  // Every id an incident has had, and "INC-" + each of its reports' event ids.
  std::map<std::string, size_t, std::less<>> by_id;
};

struct StoredPublication {
  uint64_t entry = 0;
  std::string incident;
};

// Everything known at one log size: the current revision of each report, the scenario in force
// and the verdicts of those reports under it. Immutable; shared between queries.
struct Snapshot {
  uint64_t log_size = 0;
  std::shared_ptr<const StoredScenario> scenario;  // null when none had been loaded
  std::vector<const StoredReport*> reports;        // the current revision of each event
  std::vector<Violation> violations;               // ordered by report, as in `reports`
  // Incident ids and report event ids published, each with the entry that first published it.
  std::map<std::string, uint64_t, std::less<>> published;

  // The stored revision a violation or incident report of this snapshot is about.
  const StoredReport& RevisionOf(const Report* report) const;
  const StoredReport& RevisionOf(const Violation& v) const { return RevisionOf(v.report); }
  // Whether the incident is published: its id, an id it had, or one of its reports' ids.
  bool IsPublished(const Incident& incident) const {
    return PublicationEntry(incident).has_value();
  }
  // The log entry that first published the incident (under any id it has had), if any.
  std::optional<uint64_t> PublicationEntry(const Incident& incident) const;

 private:
  friend class Views;
  std::unordered_map<const Report*, const StoredReport*> by_report_;
};

class Views {
 public:
  Views() = default;
  Views(const Views&) = delete;
  Views& operator=(const Views&) = delete;

  // Applies the next log entry. REQUIRES: entries come in index order, each once.
  // kInvalidInput when the entry's data is not a well-formed submission of its kind.
  [[nodiscard]] Status Apply(const store::LogEntry& entry);
  // The same with the entry's data already read (ParseEntry), as the append path has it.
  [[nodiscard]] Status Apply(const store::LogEntry& entry, const ParsedEntry& parsed);

  // Entries applied so far.
  uint64_t size() const;
  // The log size as of `as_of`: the entries received at or before it (all when nullopt).
  uint64_t SizeAsOf(std::optional<UtcTime> as_of) const;
  // When the latest entry was received (the epoch for an empty log). Commits get distinct
  // times (at least 1 ms apart), so under a slow or fixed clock this can be ahead of it.
  UtcTime LatestReceived() const;
  // Group commit (App::AppendLocked): entries applied before they are durable. SizeAsOf and
  // LatestReceived stop at `size` (what readers may see) until it is raised; UINT64_MAX (the
  // start) hides nothing. size() and the lookups submitters decide on see every entry.
  void SetDurableSize(uint64_t size);

  // The scenario version in force at log size `size`, null when none.
  std::shared_ptr<const StoredScenario> ScenarioAt(uint64_t size) const;
  std::vector<std::shared_ptr<const StoredScenario>> Scenarios() const;
  // The latest revision of `event_id` (at the current size), if any.
  std::optional<StoredReport> LatestRevision(const std::string& event_id) const;
  bool IsPublished(const std::string& incident, uint64_t* entry = nullptr) const;
  // The entry of the claim / decision stored under `id` (a client's "id", else the entry
  // index), if any.
  std::optional<StoredClaim> ClaimWithId(const std::string& id) const;
  std::optional<StoredDecision> DecisionWithId(const std::string& id) const;
  // The entry that revoked API token `token_id` (kind token-revocation), if any.
  std::optional<uint64_t> TokenRevocation(const std::string& token_id) const;

  // The snapshot at log size `size` (<= size()). Verdicts not yet computed for the scenario in
  // force are computed now, once; concurrent callers wait for the same computation rather than
  // repeat it.
  [[nodiscard]] Result<std::shared_ptr<const Snapshot>> SnapshotAt(uint64_t size);

  // The incidents of a snapshot (corroboration.h), with their violations attached. For the
  // current log size they come from one engine fed incrementally as entries arrive; for an
  // earlier size (as_of) from an engine built for it. Cached per size.
  [[nodiscard]] Result<std::shared_ptr<const IncidentSet>> IncidentsAt(const Snapshot& snapshot);

  // Sets the incidents' track evidence (`tracks`, `coverage`) at a snapshot, before IncidentsAt
  // caches them: the App fuses strike reports with the flight views' positions
  // (app/air_evidence.h). REQUIRES: called before any IncidentsAt.
  using EvidenceFiller = std::function<void(const Snapshot&, std::span<Incident>)>;
  void SetEvidenceFiller(EvidenceFiller filler) { evidence_ = std::move(filler); }

  // Checks and completes an analyst's decision against the current incidents
  // (Corroborator::CompleteDecision).
  [[nodiscard]] Result<Decision> CompleteDecision(Decision decision);

  // The humanitarian notifications (sites, movements, answers, outcomes).
  const NotificationViews& notifications() const noexcept { return notifications_; }

 private:
  // The verdicts of report revisions under one scenario version, filled in lazily.
  struct Evaluation {
    std::mutex mu;
    std::unique_ptr<ReportEvaluator> evaluator;
    std::vector<std::optional<std::vector<Violation>>> by_revision;  // indexed like revisions_
  };
  Evaluation& EvaluationFor(const StoredScenario& scenario);

  mutable std::shared_mutex mu_;  // guards everything below but evaluations_' contents
  std::vector<std::unique_ptr<StoredReport>> revisions_;  // log order; addresses are stable
  std::unordered_map<std::string, size_t> latest_;        // event id -> index in revisions_
  std::vector<std::shared_ptr<const StoredScenario>> scenarios_;
  std::vector<StoredClaim> claims_;
  std::vector<StoredDecision> decisions_;
  std::vector<StoredPublication> publications_;
  std::vector<UtcTime> received_at_;                          // per entry
  std::unordered_map<std::string, uint64_t> revoked_tokens_;  // token id -> revoking entry
  uint64_t durable_size_ = UINT64_MAX;                        // SetDurableSize

  std::mutex evaluations_mu_;
  std::map<uint64_t, std::unique_ptr<Evaluation>> evaluations_;  // by scenario entry

  std::mutex cache_mu_;
  std::shared_ptr<const Snapshot> latest_snapshot_;
  std::shared_ptr<const IncidentSet> latest_incidents_;
  uint64_t latest_incidents_size_ = 0;

  // The incremental engine for the current log, fed in log order.
  struct Live {
    std::mutex mu;
    uint64_t scenario_entry = UINT64_MAX;
    std::unique_ptr<Corroborator> engine;
    size_t revisions_fed = 0, claims_fed = 0, decisions_fed = 0;
    uint64_t fed_size = 0;  // the log size the engine has seen
  };
  // Brings the live engine up to the current log. REQUIRES: live_.mu held.
  Status FeedLive(const StoredScenario& scenario);
  Live live_;
  EvidenceFiller evidence_;

  NotificationViews notifications_;
};

}  // namespace truce::app
