// The storage port: everything the server keeps, behind one interface with three
// implementations: the embedded SQLite store (sqlite_store.h, the default), PostgreSQL
// (postgres_store.h, which several servers can share) and an in-memory store (mem_store.h, for
// tests). OpenStore (open_store.h) picks one from a --db value. No SQL leaves this module; one
// conformance suite (store_conformance_test.cc) holds every implementation to the same contract.
//
// What is kept:
//  - the transparency log: every accepted submission as one LogEntry (append-only), with its
//    leaf hash and the signed receipt given to the submitter, plus every signed tree head;
//  - query tables derived from the entries (reports, positions, claims, scenario versions,
//    publications), written in the same transaction as the entry they index, so that they can
//    always be checked against (and rebuilt from) the log;
//  - tokens (hashed) and a few metadata values (the log's public key);
//  - webhook registrations and the record of their delivery attempts (schema version 3).
// Submitted material is never updated or deleted: the SQL stores refuse it with triggers.
//
// Several writers (servers in other processes, sharing a PostgreSQL database) may append to one
// log: Append checks, atomically with respect to every other writer, that its entries follow the
// log as committed, so the log has one sequence with no gaps and no forks; LockAppends lets a
// writer read the log, decide what to append and append it with no other writer in between.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "truce/geo.h"
#include "truce/merkle_log.h"
#include "truce/result.h"
#include "truce/time.h"

namespace truce::store {

// One accepted submission. `data` holds the canonical bytes whose LeafHash is the log leaf.
struct LogEntry {
  uint64_t index = 0;
  std::string kind;  // "report", "positions", "claim", "scenario", "publication"
  UtcTime received_at{};
  std::string submitter;  // id of the token that submitted it
  std::string party;      // the party a party token is bound to, else ""
  std::string data;
  Hash leaf_hash{};
  std::string receipt;  // Ed25519 signature over the receipt message (docs/server.md)
  friend bool operator==(const LogEntry&, const LogEntry&) = default;
};

// One revision of one report, as indexed for queries.
struct ReportRow {
  uint64_t entry = 0;
  std::string event_id;
  int revision = 1;
  UtcTime received_at{};
  std::string party;  // the submitting party, "" unless submitted with a party token
  std::string event_type;
  std::string source;
  UtcTime time_begin{}, time_end{};  // when it happened, as an interval
  double latitude = 0, longitude = 0;
  friend bool operator==(const ReportRow&, const ReportRow&) = default;
};

// One aircraft position of a positions batch.
struct PositionRow {
  uint64_t entry = 0;
  int ordinal = 0;  // place in its batch
  std::string icao24;
  UtcTime time{};
  double latitude = 0, longitude = 0;
  std::string fields;  // the position as canonical JSON
  friend bool operator==(const PositionRow&, const PositionRow&) = default;
};

// A party's claim or denial.
struct ClaimRow {
  uint64_t entry = 0;
  std::string party;
  std::string incident;  // "" when the claim is about no one incident
  std::string stance;    // "assert" or "deny"
  UtcTime received_at{};
  friend bool operator==(const ClaimRow&, const ClaimRow&) = default;
};

// A version of the scenario in force, as loaded by the server.
struct ScenarioRow {
  uint64_t entry = 0;
  std::string scenario_id;
  int version = 1;
  std::string digest;  // hex SHA-256 of the canonical scenario document
  UtcTime received_at{};
  friend bool operator==(const ScenarioRow&, const ScenarioRow&) = default;
};

// The decision to publish an incident to the public role.
struct PublicationRow {
  uint64_t entry = 0;
  std::string incident;
  UtcTime received_at{};
  friend bool operator==(const PublicationRow&, const PublicationRow&) = default;
};

// The query rows one log entry adds.
struct EntryIndex {
  std::vector<ReportRow> reports;
  std::vector<PositionRow> positions;
  std::vector<ClaimRow> claims;
  std::vector<ScenarioRow> scenarios;
  std::vector<PublicationRow> publications;
  friend bool operator==(const EntryIndex&, const EntryIndex&) = default;
};

// A signed statement of the log's size and root at a moment.
struct TreeHead {
  uint64_t size = 0;
  Hash root{};
  UtcTime timestamp{};
  std::string signature;  // Ed25519, 64 bytes
  friend bool operator==(const TreeHead&, const TreeHead&) = default;
};

struct TokenRecord {
  std::string id;      // public identifier, shown in logs and entries
  Hash secret_hash{};  // SHA-256 of the bearer secret; the secret itself is never stored
  std::string role;
  std::string party;  // for role "party"
  UtcTime created_at{};
  std::optional<UtcTime> revoked_at;
  // The log key's Ed25519 signature of the fields above but revoked_at (app/tokens.h
  // TokenMessage), so that a row altered in the database (a role raised, a hash swapped) is
  // refused; "" in rows made before tokens were signed.
  std::string signature;
};

// A webhook registration (docs/server.md "Webhooks"), kept so that a restart resumes it. Not
// submitted material: its progress is updated as alerts are delivered, and it is deleted with
// its attempts when removed. Since schema version 3.
struct WebhookRow {
  std::string id;
  std::string url;
  std::string secret;  // the shared secret deliveries are signed with; never shown by the API
  std::string role;    // whose view of the alerts it receives
  std::string kinds;   // JSON array of alert kind names; "[]" for every kind
  UtcTime created_at{};
  uint64_t after = 0;  // the last alert handled (delivered or given up)
  uint64_t delivered = 0, given_up = 0;
  friend bool operator==(const WebhookRow&, const WebhookRow&) = default;
};

// One delivery attempt of an alert to a webhook.
struct WebhookAttemptRow {
  std::string webhook;
  uint64_t alert = 0;
  int attempt = 1;  // 1, 2, ... for the alert
  UtcTime at{};
  std::optional<int> status;  // the HTTP status of the reply; absent when none came
  std::string error;          // why no reply came ("" when one did)
  double duration_ms = 0;
  std::string outcome;                        // "delivered", "retry" or "given_up"
  std::optional<int64_t> next_attempt_in_ms;  // for "retry"
  friend bool operator==(const WebhookAttemptRow&, const WebhookAttemptRow&) = default;
};

// Filters shared by the list queries. Results come in log order (entry index ascending);
// `after` is the cursor: only rows of entries with a greater index.
struct ReportQuery {
  std::optional<UtcTime> as_of;  // only what had been received at that time
  bool all_revisions = false;    // else only the latest revision (as of `as_of`) of each event
  std::string event_id, party, event_type;
  std::optional<UtcTime> from, to;  // the event's interval overlaps [from, to)
  std::optional<LatLngRect> bbox;   // the reported centre lies in the box
  std::optional<uint64_t> after;
  size_t limit = 0;  // 0: no limit
};

struct PositionQuery {
  std::optional<UtcTime> as_of;
  std::string icao24;
  std::optional<UtcTime> from, to;  // position time in [from, to)
  std::optional<LatLngRect> bbox;
  // Cursor: positions after (entry, ordinal).
  std::optional<std::pair<uint64_t, int>> after;
  size_t limit = 0;
};

struct ClaimQuery {
  std::optional<UtcTime> as_of;
  std::string party, incident;
  std::optional<uint64_t> after;
  size_t limit = 0;
};

// A row with the data of the log entry it indexes.
template <typename Row>
struct Indexed {
  Row row;
  std::string data;
};

// --- Flight workers (schema migration 4; docs/deployment.md "Message bus and workers") -------

// A named, expiring right held by one owner at a time: the bus publisher ("publisher"), one
// partition of the position stream ("partition/7"), a worker's heartbeat ("worker/ID"). Its
// epoch grows whenever the owner changes, so that the writes of an owner that lost it (paused
// past its expiry, then resumed) are refused (CommitLeaseWork).
struct Lease {
  std::string name;
  std::string owner;
  int64_t epoch = 0;
  UtcTime expires{};
  uint64_t cursor = 0;               // how far the owners got (log entries, stream messages)
  std::optional<UtcTime> watermark;  // partitions: the latest position time judged
  friend bool operator==(const Lease&, const Lease&) = default;
};

// One flight violation as the workers store it: the current verdict on one aircraft's fixes,
// unique by (icao24, zone, version, entry_time).
struct FlightViolationRow {
  std::string icao24;
  std::string zone;
  int version = 0;
  UtcTime entry_time{};
  int ordinal = 0;      // place among the aircraft's violations (ties of entry time keep it)
  UtcTime exit_time{};  // the last fix inside when lost_inside
  bool lost_inside = false;
  std::string record;       // formats::FlightViolationToJson, compact
  std::string open_record;  // formats::OpenFlightViolationToJson when lost_inside, else ""
  std::string path;         // [[lat, lng], ...]: entry, fixes inside, exit
  friend bool operator==(const FlightViolationRow&, const FlightViolationRow&) = default;
};

// The exclusive right to append, from Store::LockAppends until this object is destroyed. A
// store may lose it early (a PostgreSQL session that ends); appends stay safe without it
// (Append's own checks) but may then fail with kConflict.
class AppendLock {
 public:
  virtual ~AppendLock() = default;
};

// The port. Implementations are thread-safe: every method may be called from any thread.
// Every write is durable when it returns OK. Errors: kConflict when a write contradicts what is
// stored (a unique key, a log that moved on), kIo when the store itself fails, kUnavailable when
// it is busy beyond its wait.
class Store {
 public:
  virtual ~Store() = default;

  // The schema version the store is at (after migrations).
  virtual Result<int> SchemaVersion() = 0;

  // Metadata: values are set once and never changed.
  virtual Result<std::optional<std::string>> GetMeta(std::string_view key) = 0;
  // kConflict if `key` already holds a different value; OK if it holds the same.
  virtual Status SetMetaOnce(std::string_view key, std::string_view value) = 0;

  // kConflict when the id or the secret hash is already stored.
  virtual Status AddToken(const TokenRecord& token) = 0;
  virtual Result<std::optional<TokenRecord>> FindToken(const Hash& secret_hash) = 0;
  virtual Result<std::vector<TokenRecord>> ListTokens() = 0;
  // Marks a token revoked at `when`; kNotFound for an unknown id.
  virtual Status RevokeToken(std::string_view id, UtcTime when) = 0;

  // Appends log entries, their query rows and the tree head that covers them, in one durable
  // transaction: all or nothing. The log as committed (by any writer) decides, atomically:
  //  - kConflict unless entries[i].index == EntryCount() + i (the log moved on: another writer
  //    appended since the caller read it), or when a query row repeats a unique key (a report
  //    revision, a scenario version, a position's (entry, ordinal), a row's entry);
  //  - kConflict when the first entry's received_at is before the last stored entry's, or the
  //    entries' own received_at go backwards ("as of T" must stay a prefix of the log);
  //  - kInvalidArgument unless index.size() == entries.size(), entries is not empty and
  //    head.size == entries.back().index + 1.
  virtual Status Append(std::span<const LogEntry> entries, std::span<const EntryIndex> index,
                        const TreeHead& head) = 0;
  // Waits for the exclusive right to append among every writer of this database (every
  // connection and process; SQLite: every user of this Store object, the serve lock file keeping
  // other processes out) and returns it; it is released when the lock is destroyed. A writer
  // that holds it reads the log, decides and appends knowing no one appends in between.
  // kUnavailable when another writer holds it beyond the store's wait (PostgreSQL: 30 s).
  [[nodiscard]] virtual Result<std::unique_ptr<AppendLock>> LockAppends() = 0;
  // Records the head of the empty log (the first start). kConflict if the log is not empty.
  virtual Status AddEmptyHead(const TreeHead& head) = 0;

  virtual Result<uint64_t> EntryCount() = 0;
  // Entries in index order, starting at `from`, stopping when `each` returns false. The
  // indexed rows stored for each entry are passed along (for verification).
  virtual Status ScanEntries(
      uint64_t from, const std::function<bool(const LogEntry&, const EntryIndex&)>& each) = 0;
  virtual Result<std::optional<LogEntry>> GetEntry(uint64_t index) = 0;
  // The first query row (of any table) whose entry does not exist, if any.
  virtual Result<std::optional<uint64_t>> FirstOrphanRow() = 0;

  virtual Result<std::vector<TreeHead>> TreeHeads() = 0;
  virtual Result<std::optional<TreeHead>> LatestTreeHead() = 0;

  // The latest revision of `event_id` (as of now), if any.
  virtual Result<std::optional<Indexed<ReportRow>>> LatestReport(std::string_view event_id) = 0;
  virtual Result<std::vector<Indexed<ReportRow>>> QueryReports(const ReportQuery& q) = 0;
  virtual Result<std::vector<PositionRow>> QueryPositions(const PositionQuery& q) = 0;
  virtual Result<std::vector<Indexed<ClaimRow>>> QueryClaims(const ClaimQuery& q) = 0;
  // The latest scenario version received at or before `as_of` (now when absent).
  virtual Result<std::optional<Indexed<ScenarioRow>>> LatestScenario(
      std::optional<UtcTime> as_of) = 0;
  virtual Result<std::vector<ScenarioRow>> ScenarioVersions() = 0;
  virtual Result<std::vector<PublicationRow>> Publications(std::optional<UtcTime> as_of) = 0;

  // Webhooks (schema version 3). kConflict when the id is already registered.
  virtual Status AddWebhook(const WebhookRow& hook) = 0;
  // Every registration, by created_at, then id.
  virtual Result<std::vector<WebhookRow>> ListWebhooks() = 0;
  // Deletes a registration and every attempt recorded for it; kNotFound for an unknown id.
  virtual Status RemoveWebhook(std::string_view id) = 0;
  // Records one attempt and, in the same transaction, the webhook's progress (`after`,
  // `delivered`, `given_up`), then drops all but the newest `keep` attempts of the webhook.
  // kNotFound when the webhook is not registered (removed meanwhile): nothing is written.
  virtual Status RecordWebhookAttempt(const WebhookAttemptRow& attempt, uint64_t after,
                                      uint64_t delivered, uint64_t given_up, size_t keep) = 0;
  // The attempts recorded for webhook `id`, oldest first (none for an unknown id).
  virtual Result<std::vector<WebhookAttemptRow>> WebhookAttempts(std::string_view id) = 0;
  // --- Flight workers' leases and violations ---------------------------------------------------
  // Takes lease `name` for `owner` until now + ttl when it is free, expired or `owner`'s already
  // (then extended; its epoch grows only when the owner changes). nullopt while another owner
  // holds it. Atomic among every user of the database.
  virtual Result<std::optional<Lease>> TakeLease(std::string_view name, std::string_view owner,
                                                 UtcTime now, std::chrono::milliseconds ttl) = 0;
  // Gives lease `name` up (expires it now) if `owner` holds it; OK otherwise too.
  virtual Status ReleaseLease(std::string_view name, std::string_view owner) = 0;
  // The leases whose name starts with `prefix`, by name.
  virtual Result<std::vector<Lease>> Leases(std::string_view prefix) = 0;
  // In one transaction, if `held` (name, owner, epoch) is still held: sets its cursor and
  // watermark, and replaces the stored violations of each aircraft in `aircraft` by those of
  // `rows` (every row's icao24 is in `aircraft`). kConflict, writing nothing, when the lease
  // changed owner; kConflict when two rows share a key.
  virtual Status CommitLeaseWork(const Lease& held, std::span<const std::string> aircraft,
                                 std::span<const FlightViolationRow> rows) = 0;
  // Every stored violation, by (entry_time, icao24, ordinal).
  virtual Result<std::vector<FlightViolationRow>> FlightViolationRows() = 0;
};

}  // namespace truce::store
