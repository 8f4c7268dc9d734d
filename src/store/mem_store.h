// The in-memory store: the port's whole contract (append-only log, the same query semantics,
// the same refusals, one append lock) with nothing on disk, for tests and benchmarks (leveldb's
// helpers/memenv). Durable only for the life of the process.
#pragma once

#include <memory>

#include "store/store.h"

namespace truce::store {

// What a MemStore reads and writes; shared by the MemStores opened over it, which then behave as
// several connections to one database (as several servers on one PostgreSQL database do).
class MemDatabase;

// An in-memory store. Thread-safe; several MemStores may share one MemDatabase, from any threads.
class MemStore final : public Store {
 public:
  // A store over a new, empty database.
  MemStore();
  // Another connection to `db` (REQUIRES: not null).
  explicit MemStore(std::shared_ptr<MemDatabase> db);
  ~MemStore() override;
  MemStore(const MemStore&) = delete;
  MemStore& operator=(const MemStore&) = delete;

  // The database, to open another MemStore over it.
  const std::shared_ptr<MemDatabase>& database() const noexcept { return db_; }

  Result<int> SchemaVersion() override;
  Result<std::optional<std::string>> GetMeta(std::string_view key) override;
  Status SetMetaOnce(std::string_view key, std::string_view value) override;
  Status AddToken(const TokenRecord& token) override;
  Result<std::optional<TokenRecord>> FindToken(const Hash& secret_hash) override;
  Result<std::vector<TokenRecord>> ListTokens() override;
  Status RevokeToken(std::string_view id, UtcTime when) override;
  Status Append(std::span<const LogEntry> entries, std::span<const EntryIndex> index,
                const TreeHead& head) override;
  Result<std::unique_ptr<AppendLock>> LockAppends() override;
  Status AddEmptyHead(const TreeHead& head) override;
  Result<uint64_t> EntryCount() override;
  Status ScanEntries(uint64_t from,
                     const std::function<bool(const LogEntry&, const EntryIndex&)>& each) override;
  Result<std::optional<LogEntry>> GetEntry(uint64_t index) override;
  Result<std::optional<uint64_t>> FirstOrphanRow() override;
  Result<std::vector<TreeHead>> TreeHeads() override;
  Result<std::optional<TreeHead>> LatestTreeHead() override;
  Result<std::optional<Indexed<ReportRow>>> LatestReport(std::string_view event_id) override;
  Result<std::vector<Indexed<ReportRow>>> QueryReports(const ReportQuery& q) override;
  Result<std::vector<PositionRow>> QueryPositions(const PositionQuery& q) override;
  Result<std::vector<Indexed<ClaimRow>>> QueryClaims(const ClaimQuery& q) override;
  Result<std::optional<Indexed<ScenarioRow>>> LatestScenario(std::optional<UtcTime> as_of) override;
  Result<std::vector<ScenarioRow>> ScenarioVersions() override;
  Result<std::vector<PublicationRow>> Publications(std::optional<UtcTime> as_of) override;
  Status AddWebhook(const WebhookRow& hook) override;
  Result<std::vector<WebhookRow>> ListWebhooks() override;
  Status RemoveWebhook(std::string_view id) override;
  Status RecordWebhookAttempt(const WebhookAttemptRow& attempt, uint64_t after, uint64_t delivered,
                              uint64_t given_up, size_t keep) override;
  Result<std::vector<WebhookAttemptRow>> WebhookAttempts(std::string_view id) override;
  Result<std::optional<Lease>> TakeLease(std::string_view name, std::string_view owner, UtcTime now,
                                         std::chrono::milliseconds ttl) override;
  Status ReleaseLease(std::string_view name, std::string_view owner) override;
  Result<std::vector<Lease>> Leases(std::string_view prefix) override;
  Status CommitLeaseWork(const Lease& held, std::span<const std::string> aircraft,
                         std::span<const FlightViolationRow> rows) override;
  Result<std::vector<FlightViolationRow>> FlightViolationRows() override;

 private:
  std::shared_ptr<MemDatabase> db_;
};

}  // namespace truce::store
