#include "store/postgres_store.h"

#include <libpq-fe.h>

#include <chrono>
#include <limits>
#include <map>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "store/postgres_connection.h"
#include "store/postgres_rows.h"
#include "store/postgres_schema.h"
#include "store/store_internal.h"

namespace truce::store {
namespace {

using detail::FromMillis;
using detail::kAppendOnlyTables;
using detail::Migration;
using detail::Millis;
using detail::Now;
using pg::Conn;
using pg::kClaimColumns;
using pg::kEntryColumns;
using pg::kHeadColumns;
using pg::kMigrations;
using pg::kPositionColumns;
using pg::kPublicationColumns;
using pg::kReportColumns;
using pg::kScenarioColumns;
using pg::kTokenColumns;
using pg::LimitClause;
using pg::Params;
using pg::Pool;
using pg::ReadClaim;
using pg::ReadEntry;
using pg::ReadHead;
using pg::ReadPosition;
using pg::ReadPublication;
using pg::ReadReportRow;
using pg::ReadScenario;
using pg::ReadToken;
using pg::Rows;
using pg::Where;

// Advisory lock keys, per database ("truce" in ASCII, then a number).
constexpr int64_t kMigrationLockKey = 0x7472756365'01;
constexpr int64_t kAppendLockKey = 0x7472756365'02;  // transaction-scoped, inside Append
constexpr int64_t kWriterLockKey = 0x7472756365'03;  // session-scoped, LockAppends

// How long LockAppends waits for another writer, and how long a writer may sit on the lock
// without a word before PostgreSQL ends its session (and so releases the lock).
constexpr const char* kLockWait = "30s";
constexpr const char* kLockIdleLimit = "60s";
// Rows per INSERT statement (well under PostgreSQL's 65535 parameters).
constexpr size_t kRowsPerInsert = 500;

// --- The store ------------------------------------------------------------------------------

// Rows of one table inserted with as few statements as possible: INSERT ... VALUES (...), ...
// of up to kRowsPerInsert rows each.
class BatchInsert {
 public:
  BatchInsert(Conn& conn, std::string what, std::string prefix, int columns)
      : conn_(conn), what_(std::move(what)), prefix_(std::move(prefix)), columns_(columns) {}
  // The parameters of a new row; give exactly `columns` of them.
  Params& Row() {
    ++rows_;
    return params_;
  }
  // Inserts the rows given so far.
  Status Flush() {
    if (rows_ == 0) return Status::Ok();
    std::string sql = prefix_ + " VALUES ";
    for (size_t r = 0; r < rows_; ++r) {
      sql += r == 0 ? "(" : ",(";
      for (int c = 0; c < columns_; ++c) {
        sql += fmt::format("{}${}", c == 0 ? "" : ",", r * columns_ + c + 1);
      }
      sql += ")";
    }
    auto done = conn_.Run(what_, sql, params_);
    params_ = Params();
    rows_ = 0;
    return done.ok() ? Status::Ok() : Status(done.error());
  }
  // Flushes when a statement is full.
  Status Next() { return rows_ >= kRowsPerInsert ? Flush() : Status::Ok(); }

 private:
  Conn& conn_;
  const std::string what_, prefix_;
  const int columns_;
  Params params_;
  size_t rows_ = 0;
};

// The session lock of LockAppends, on a connection of its own until released.
class PostgresAppendLock final : public AppendLock {
 public:
  explicit PostgresAppendLock(Conn conn) : conn_(std::move(conn)) {}
  ~PostgresAppendLock() override {
    // A session that ended has released the lock already; the pool then drops the connection.
    (void)conn_.Script(
        "releasing the append lock",
        fmt::format("SELECT pg_advisory_unlock({}); RESET idle_session_timeout", kWriterLockKey));
  }

 private:
  Conn conn_;
};

class PostgresStore final : public Store {
 public:
  PostgresStore(const std::string& url, int max_connections) : pool_(url, max_connections) {}

  Status Initialise() {
    auto conn = pool_.Get();
    if (!conn.ok()) return conn.error();
    // Instances starting together migrate one at a time.
    if (auto st = conn->Script("waiting for the migration lock",
                               fmt::format("SELECT pg_advisory_lock({})", kMigrationLockKey));
        !st.ok()) {
      return st;
    }
    Status st = Migrate(*conn);
    (void)conn->Script("releasing the migration lock",
                       fmt::format("SELECT pg_advisory_unlock({})", kMigrationLockKey));
    return st;
  }

  Result<int> SchemaVersion() override {
    auto rows =
        Query("reading schema version", "SELECT COALESCE(MAX(version), 0) FROM schema_version");
    if (!rows.ok()) return rows.error();
    return static_cast<int>(rows->Int(0, 0));
  }

  Result<std::optional<std::string>> GetMeta(std::string_view key) override {
    auto rows = Query("reading meta", "SELECT value FROM meta WHERE key = $1", Params().Text(key));
    if (!rows.ok()) return rows.error();
    if (rows->size() == 0) return std::optional<std::string>();
    return std::optional<std::string>(rows->Text(0, 0));
  }

  Status SetMetaOnce(std::string_view key, std::string_view value) override {
    // Two servers starting together may both try: the first value wins, the second compares.
    auto put = Query("writing meta",
                     "INSERT INTO meta(key, value) VALUES($1, $2) ON CONFLICT (key) DO NOTHING",
                     Params().Text(key).Text(value));
    if (!put.ok()) return put.error();
    auto get = Query("reading meta", "SELECT value FROM meta WHERE key = $1", Params().Text(key));
    if (!get.ok()) return get.error();
    if (get->size() == 1 && get->Text(0, 0) == value) return Status::Ok();
    return MakeError(ErrorCode::kConflict,
                     fmt::format("store: meta '{}' is already set to another value", key));
  }

  Status AddToken(const TokenRecord& t) override {
    auto done = Query("adding token",
                      "INSERT INTO tokens(id, secret_hash, role, party, created_at, signature) "
                      "VALUES($1, $2, $3, $4, $5, $6)",
                      Params()
                          .Text(t.id)
                          .Bytes(t.secret_hash)
                          .Text(t.role)
                          .Text(t.party)
                          .Time(t.created_at)
                          .Bytes(std::string_view(t.signature)));
    return done.ok() ? Status::Ok() : Status(done.error());
  }

  Result<std::optional<TokenRecord>> FindToken(const Hash& secret_hash) override {
    auto rows = Query("finding token", std::string(kTokenColumns) + " WHERE secret_hash = $1",
                      Params().Bytes(secret_hash));
    if (!rows.ok()) return rows.error();
    if (rows->size() == 0) return std::optional<TokenRecord>();
    return std::optional<TokenRecord>(ReadToken(*rows, 0));
  }

  Result<std::vector<TokenRecord>> ListTokens() override {
    // COLLATE "C": ids in byte order, as SQLite sorts them, whatever the database's locale.
    auto rows = Query("listing tokens",
                      std::string(kTokenColumns) + " ORDER BY created_at, id COLLATE \"C\"");
    if (!rows.ok()) return rows.error();
    std::vector<TokenRecord> out;
    for (int i = 0; i < rows->size(); ++i) out.push_back(ReadToken(*rows, i));
    return out;
  }

  Status RevokeToken(std::string_view id, UtcTime when) override {
    auto done = Query("revoking token",
                      "UPDATE tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
                      Params().Time(when).Text(id));
    if (!done.ok()) return done.error();
    if (done->Affected() == 0) {
      return MakeError(ErrorCode::kNotFound, fmt::format("no active token with id '{}'", id));
    }
    return Status::Ok();
  }

  Status Append(std::span<const LogEntry> entries, std::span<const EntryIndex> index,
                const TreeHead& head) override {
    if (Status st = detail::CheckAppendArguments(entries, index, head); !st.ok()) return st;
    auto conn = Open("starting an append", "BEGIN");
    if (!conn.ok()) return conn.error();
    Status st = AppendIn(*conn, entries, index, head);
    if (st.ok()) st = conn->Script("committing an append", "COMMIT");
    if (!st.ok()) conn->Abandon();
    return st;
  }

  Status AddWebhook(const WebhookRow& h) override {
    auto done = Query("adding webhook",
                      "INSERT INTO webhooks(id, url, secret, role, kinds, created_at, after_alert, "
                      "delivered, given_up) VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                      Params()
                          .Text(h.id)
                          .Text(h.url)
                          .Text(h.secret)
                          .Text(h.role)
                          .Text(h.kinds)
                          .Time(h.created_at)
                          .Int(static_cast<int64_t>(h.after))
                          .Int(static_cast<int64_t>(h.delivered))
                          .Int(static_cast<int64_t>(h.given_up)));
    return done.ok() ? Status::Ok() : Status(done.error());
  }

  Result<std::vector<WebhookRow>> ListWebhooks() override {
    auto rows = Query("listing webhooks",
                      "SELECT id, url, secret, role, kinds, created_at, after_alert, delivered, "
                      "given_up FROM webhooks ORDER BY created_at, id COLLATE \"C\"");
    if (!rows.ok()) return rows.error();
    std::vector<WebhookRow> out;
    for (int i = 0; i < rows->size(); ++i) {
      const Rows& r = *rows;
      out.push_back(WebhookRow{r.Text(i, 0), r.Text(i, 1), r.Text(i, 2), r.Text(i, 3), r.Text(i, 4),
                               FromMillis(r.Int(i, 5)), static_cast<uint64_t>(r.Int(i, 6)),
                               static_cast<uint64_t>(r.Int(i, 7)),
                               static_cast<uint64_t>(r.Int(i, 8))});
    }
    return out;
  }

  Status RemoveWebhook(std::string_view id) override {
    // Its attempts go with it (ON DELETE CASCADE).
    auto done = Query("removing webhook", "DELETE FROM webhooks WHERE id = $1", Params().Text(id));
    if (!done.ok()) return done.error();
    if (done->Affected() == 0) {
      return MakeError(ErrorCode::kNotFound, fmt::format("no webhook '{}'", id));
    }
    return Status::Ok();
  }

  Status RecordWebhookAttempt(const WebhookAttemptRow& a, uint64_t after, uint64_t delivered,
                              uint64_t given_up, size_t keep) override {
    auto conn = Open("recording a webhook attempt", "BEGIN");
    if (!conn.ok()) return conn.error();
    Status st = Status::Ok();
    auto progress = conn->Run(
        "recording webhook progress",
        "UPDATE webhooks SET after_alert = $1, delivered = $2, given_up = $3 WHERE id = $4",
        Params()
            .Int(static_cast<int64_t>(after))
            .Int(static_cast<int64_t>(delivered))
            .Int(static_cast<int64_t>(given_up))
            .Text(a.webhook));
    if (!progress.ok()) {
      st = progress.error();
    } else if (progress->Affected() == 0) {
      st = MakeError(ErrorCode::kNotFound, fmt::format("no webhook '{}'", a.webhook));
    }
    if (st.ok()) {
      auto added = conn->Run(
          "recording webhook attempt",
          "INSERT INTO webhook_attempts(webhook, alert, attempt, at, status, error, duration_ms, "
          "outcome, next_attempt_in_ms) VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9)",
          Params()
              .Text(a.webhook)
              .Int(static_cast<int64_t>(a.alert))
              .Int(a.attempt)
              .Time(a.at)
              .OptionalInt(a.status ? std::optional<int64_t>(*a.status) : std::nullopt)
              .Text(a.error)
              .Real(a.duration_ms)
              .Text(a.outcome)
              .OptionalInt(a.next_attempt_in_ms));
      if (!added.ok()) st = added.error();
    }
    if (st.ok()) {
      auto trimmed = conn->Run(
          "trimming webhook attempts",
          "DELETE FROM webhook_attempts WHERE webhook = $1 AND seq NOT IN (SELECT seq FROM "
          "webhook_attempts WHERE webhook = $1 ORDER BY seq DESC LIMIT $2)",
          Params().Text(a.webhook).Int(static_cast<int64_t>(keep)));
      if (!trimmed.ok()) st = trimmed.error();
    }
    if (st.ok()) st = conn->Script("committing a webhook attempt", "COMMIT");
    if (!st.ok()) conn->Abandon();
    return st;
  }

  Result<std::vector<WebhookAttemptRow>> WebhookAttempts(std::string_view id) override {
    auto rows = Query("reading webhook attempts",
                      "SELECT webhook, alert, attempt, at, status, error, duration_ms, outcome, "
                      "next_attempt_in_ms FROM webhook_attempts WHERE webhook = $1 ORDER BY seq",
                      Params().Text(id));
    if (!rows.ok()) return rows.error();
    std::vector<WebhookAttemptRow> out;
    for (int i = 0; i < rows->size(); ++i) {
      const Rows& r = *rows;
      WebhookAttemptRow a;
      a.webhook = r.Text(i, 0);
      a.alert = static_cast<uint64_t>(r.Int(i, 1));
      a.attempt = static_cast<int>(r.Int(i, 2));
      a.at = FromMillis(r.Int(i, 3));
      if (!r.IsNull(i, 4)) a.status = static_cast<int>(r.Int(i, 4));
      a.error = r.Text(i, 5);
      a.duration_ms = r.Real(i, 6);
      a.outcome = r.Text(i, 7);
      if (!r.IsNull(i, 8)) a.next_attempt_in_ms = r.Int(i, 8);
      out.push_back(std::move(a));
    }
    return out;
  }

  Result<std::unique_ptr<AppendLock>> LockAppends() override {
    // SET LOCAL lock_timeout lasts for this (implicit) transaction only: the wait. The idle
    // limit lasts for the session: a writer that holds the lock and then goes silent (stopped,
    // cut off) loses its session, so the lock does not outlive it.
    auto conn = Open("waiting for the append lock",
                     fmt::format("SET LOCAL lock_timeout = '{}'; SELECT pg_advisory_lock({}); "
                                 "SET idle_session_timeout = '{}'",
                                 kLockWait, kWriterLockKey, kLockIdleLimit));
    if (!conn.ok()) {
      if (conn.error().code == ErrorCode::kUnavailable) {
        return MakeError(ErrorCode::kUnavailable,
                         fmt::format("store: another server has held the log's append lock for "
                                     "{}; try again",
                                     kLockWait));
      }
      return conn.error();
    }
    return std::unique_ptr<AppendLock>(new PostgresAppendLock(std::move(conn).value()));
  }

  Status AddEmptyHead(const TreeHead& head) override {
    auto conn = Open("starting an append",
                     fmt::format("BEGIN; SELECT pg_advisory_xact_lock({})", kAppendLockKey));
    if (!conn.ok()) return conn.error();
    Status st = Status::Ok();
    {
      auto count = Count(*conn);
      if (!count.ok()) {
        st = count.error();
      } else if (*count != 0 || head.size != 0) {
        st = MakeError(ErrorCode::kConflict, "store: the empty head is only for an empty log");
      } else {
        st = InsertHead(*conn, head);
      }
    }
    if (st.ok()) st = conn->Script("committing the empty head", "COMMIT");
    if (!st.ok()) conn->Abandon();
    return st;
  }

  Result<uint64_t> EntryCount() override {
    // Indices are contiguous from 0, so the count is one past the largest.
    auto rows = Query("counting log entries", kCount);
    if (!rows.ok()) return rows.error();
    return static_cast<uint64_t>(rows->Int(0, 0));
  }

  Status ScanEntries(uint64_t from,
                     const std::function<bool(const LogEntry&, const EntryIndex&)>& each) override {
    // In chunks, each read with its rows (one query per table), then handed over with no
    // connection held.
    constexpr int kChunk = 512;
    for (uint64_t next = from;;) {
      std::vector<std::pair<LogEntry, EntryIndex>> chunk;
      {
        Result<Rows> rows = MakeError(ErrorCode::kInternal, "not run");
        auto conn = Open("reading log entries",
                         std::string(kEntryColumns) + " WHERE idx >= $1 ORDER BY idx LIMIT " +
                             std::to_string(kChunk),
                         Params().Int(static_cast<int64_t>(next)), &rows);
        if (!conn.ok()) return conn.error();
        if (!rows.ok()) return rows.error();
        for (int i = 0; i < rows->size(); ++i)
          chunk.emplace_back(ReadEntry(*rows, i), EntryIndex{});
        if (!chunk.empty()) {
          if (Status st = RowsOf(*conn, chunk); !st.ok()) return st;
        }
      }
      for (const auto& [entry, rows] : chunk) {
        if (!each(entry, rows)) return Status::Ok();
      }
      if (chunk.size() < kChunk) return Status::Ok();
      next = chunk.back().first.index + 1;
    }
  }

  Result<std::optional<LogEntry>> GetEntry(uint64_t index) override {
    auto rows = Query("reading log entry", std::string(kEntryColumns) + " WHERE idx = $1",
                      Params().Int(static_cast<int64_t>(index)));
    if (!rows.ok()) return rows.error();
    if (rows->size() == 0) return std::optional<LogEntry>();
    return std::optional<LogEntry>(ReadEntry(*rows, 0));
  }

  Result<std::optional<uint64_t>> FirstOrphanRow() override {
    auto rows = Query("looking for orphan rows", R"sql(
SELECT MIN(entry) FROM (
  SELECT entry FROM reports UNION ALL SELECT entry FROM positions
  UNION ALL SELECT entry FROM claims UNION ALL SELECT entry FROM scenario_versions
  UNION ALL SELECT entry FROM publications) AS rows
WHERE NOT EXISTS (SELECT 1 FROM log_entries e WHERE e.idx = rows.entry))sql");
    if (!rows.ok()) return rows.error();
    if (rows->size() == 0 || rows->IsNull(0, 0)) return std::optional<uint64_t>();
    return std::optional<uint64_t>(static_cast<uint64_t>(rows->Int(0, 0)));
  }

  Result<std::vector<TreeHead>> TreeHeads() override {
    auto rows = Query("reading tree heads", std::string(kHeadColumns) + " ORDER BY size");
    if (!rows.ok()) return rows.error();
    std::vector<TreeHead> out;
    for (int i = 0; i < rows->size(); ++i) out.push_back(ReadHead(*rows, i));
    return out;
  }

  Result<std::optional<TreeHead>> LatestTreeHead() override {
    auto rows =
        Query("reading tree head", std::string(kHeadColumns) + " ORDER BY size DESC LIMIT 1");
    if (!rows.ok()) return rows.error();
    if (rows->size() == 0) return std::optional<TreeHead>();
    return std::optional<TreeHead>(ReadHead(*rows, 0));
  }

  Result<std::optional<Indexed<ReportRow>>> LatestReport(std::string_view event_id) override {
    auto rows = Query(
        "reading report",
        std::string(kReportColumns) + " WHERE r.event_id = $1 ORDER BY r.revision DESC LIMIT 1",
        Params().Text(event_id));
    if (!rows.ok()) return rows.error();
    if (rows->size() == 0) return std::optional<Indexed<ReportRow>>();
    return std::optional<Indexed<ReportRow>>(
        Indexed<ReportRow>{ReadReportRow(*rows, 0), rows->Text(0, 11)});
  }

  Result<std::vector<Indexed<ReportRow>>> QueryReports(const ReportQuery& q) override {
    Where w;
    const int64_t as_of = q.as_of ? Millis(*q.as_of) : std::numeric_limits<int64_t>::max();
    w.Add("r.received_at <= ?");
    w.params().Int(as_of);
    if (!q.all_revisions) {
      w.Add(
          "r.revision = (SELECT MAX(r2.revision) FROM reports r2 WHERE r2.event_id = r.event_id "
          "AND r2.received_at <= ?)");
      w.params().Int(as_of);
    }
    AddText(w, "r.event_id = ?", q.event_id);
    AddText(w, "r.party = ?", q.party);
    AddText(w, "r.event_type = ?", q.event_type);
    AddTime(w, "r.time_end > ?", q.from);
    AddTime(w, "r.time_begin < ?", q.to);
    AddBox(w, "r.", q.bbox);
    if (q.after) {
      w.Add("r.entry > ?");
      w.params().Int(static_cast<int64_t>(*q.after));
    }
    auto rows =
        Query("querying reports",
              std::string(kReportColumns) + w.sql() + " ORDER BY r.entry" + LimitClause(q.limit),
              w.params());
    if (!rows.ok()) return rows.error();
    std::vector<Indexed<ReportRow>> out;
    for (int i = 0; i < rows->size(); ++i) {
      out.push_back({ReadReportRow(*rows, i), rows->Text(i, 11)});
    }
    return out;
  }

  Result<std::vector<PositionRow>> QueryPositions(const PositionQuery& q) override {
    Where w;
    if (q.as_of) {
      w.Add("entry IN (SELECT idx FROM log_entries WHERE received_at <= ?)");
      w.params().Time(*q.as_of);
    }
    AddText(w, "icao24 = ?", q.icao24);
    AddTime(w, "time >= ?", q.from);
    AddTime(w, "time < ?", q.to);
    AddBox(w, "", q.bbox);
    if (q.after) {
      const auto entry = static_cast<int64_t>(q.after->first);
      w.Add("(entry > ? OR (entry = ? AND ordinal > ?))");
      w.params().Int(entry).Int(entry).Int(q.after->second);
    }
    auto rows = Query(
        "querying positions",
        std::string(kPositionColumns) + w.sql() + " ORDER BY entry, ordinal" + LimitClause(q.limit),
        w.params());
    if (!rows.ok()) return rows.error();
    std::vector<PositionRow> out;
    for (int i = 0; i < rows->size(); ++i) out.push_back(ReadPosition(*rows, i));
    return out;
  }

  Result<std::vector<Indexed<ClaimRow>>> QueryClaims(const ClaimQuery& q) override {
    Where w;
    AddTime(w, "c.received_at <= ?", q.as_of);
    AddText(w, "c.party = ?", q.party);
    AddText(w, "c.incident = ?", q.incident);
    if (q.after) {
      w.Add("c.entry > ?");
      w.params().Int(static_cast<int64_t>(*q.after));
    }
    auto rows = Query("querying claims",
                      "SELECT c.entry, c.party, c.incident, c.stance, c.received_at, e.data "
                      "FROM claims c JOIN log_entries e ON e.idx = c.entry" +
                          w.sql() + " ORDER BY c.entry" + LimitClause(q.limit),
                      w.params());
    if (!rows.ok()) return rows.error();
    std::vector<Indexed<ClaimRow>> out;
    for (int i = 0; i < rows->size(); ++i) out.push_back({ReadClaim(*rows, i), rows->Text(i, 5)});
    return out;
  }

  Result<std::optional<Indexed<ScenarioRow>>> LatestScenario(
      std::optional<UtcTime> as_of) override {
    auto rows = Query("reading scenario",
                      "SELECT v.entry, v.scenario_id, v.version, v.digest, v.received_at, e.data "
                      "FROM scenario_versions v JOIN log_entries e ON e.idx = v.entry "
                      "WHERE v.received_at <= $1 ORDER BY v.entry DESC LIMIT 1",
                      Params().Int(as_of ? Millis(*as_of) : std::numeric_limits<int64_t>::max()));
    if (!rows.ok()) return rows.error();
    if (rows->size() == 0) return std::optional<Indexed<ScenarioRow>>();
    return std::optional<Indexed<ScenarioRow>>(
        Indexed<ScenarioRow>{ReadScenario(*rows, 0), rows->Text(0, 5)});
  }

  Result<std::vector<ScenarioRow>> ScenarioVersions() override {
    auto rows =
        Query("listing scenario versions", std::string(kScenarioColumns) + " ORDER BY entry");
    if (!rows.ok()) return rows.error();
    std::vector<ScenarioRow> out;
    for (int i = 0; i < rows->size(); ++i) out.push_back(ReadScenario(*rows, i));
    return out;
  }

  Result<std::vector<PublicationRow>> Publications(std::optional<UtcTime> as_of) override {
    auto rows = Query("listing publications",
                      std::string(kPublicationColumns) + " WHERE received_at <= $1 ORDER BY entry",
                      Params().Int(as_of ? Millis(*as_of) : std::numeric_limits<int64_t>::max()));
    if (!rows.ok()) return rows.error();
    std::vector<PublicationRow> out;
    for (int i = 0; i < rows->size(); ++i) out.push_back(ReadPublication(*rows, i));
    return out;
  }

  // --- Flight workers -----------------------------------------------------------------------

  static constexpr const char* kLeaseColumns =
      "SELECT name, owner, epoch, expires_at, cursor, watermark FROM leases";
  static Lease ReadLease(const Rows& r, int i) {
    Lease l{r.Text(i, 0),
            r.Text(i, 1),
            r.Int(i, 2),
            FromMillis(r.Int(i, 3)),
            static_cast<uint64_t>(r.Int(i, 4)),
            std::nullopt};
    if (!r.IsNull(i, 5)) l.watermark = FromMillis(r.Int(i, 5));
    return l;
  }

  Result<std::optional<Lease>> TakeLease(std::string_view name, std::string_view owner, UtcTime now,
                                         std::chrono::milliseconds ttl) override {
    // One statement: the row lock of the upsert decides between owners racing for it.
    auto rows =
        Query("taking a lease",
              "INSERT INTO leases AS l(name, owner, epoch, expires_at) VALUES($1, $2, 1, $4) "
              "ON CONFLICT(name) DO UPDATE SET epoch = l.epoch + (l.owner <> excluded.owner)::int, "
              "owner = excluded.owner, expires_at = excluded.expires_at "
              "WHERE l.owner = excluded.owner OR l.expires_at <= $3 "
              "RETURNING name, owner, epoch, expires_at, cursor, watermark",
              Params().Text(name).Text(owner).Time(now).Time(now + ttl));
    if (!rows.ok()) return rows.error();
    if (rows->size() == 0) return std::optional<Lease>();
    return std::optional<Lease>(ReadLease(*rows, 0));
  }

  Status ReleaseLease(std::string_view name, std::string_view owner) override {
    auto done = Query("releasing a lease",
                      "UPDATE leases SET expires_at = 0 WHERE name = $1 AND owner = $2",
                      Params().Text(name).Text(owner));
    return done.ok() ? Status::Ok() : Status(done.error());
  }

  Result<std::vector<Lease>> Leases(std::string_view prefix) override {
    auto rows =
        Query("listing leases",
              std::string(kLeaseColumns) + " WHERE left(name, $1) = $2 ORDER BY name COLLATE \"C\"",
              Params().Int(static_cast<int64_t>(prefix.size())).Text(prefix));
    if (!rows.ok()) return rows.error();
    std::vector<Lease> out;
    for (int i = 0; i < rows->size(); ++i) out.push_back(ReadLease(*rows, i));
    return out;
  }

  Status CommitLeaseWork(const Lease& held, std::span<const std::string> aircraft,
                         std::span<const FlightViolationRow> rows) override {
    Params lease;
    lease.Int(static_cast<int64_t>(held.cursor)).OptionalTime(held.watermark);
    lease.Text(held.name).Text(held.owner).Int(held.epoch);
    // The UPDATE keeps the lease row locked to the end of the transaction: an owner taking it
    // over waits, so what an owner that lost it computed never lands after the new owner's.
    return CommitLeaseWorkIn(held, aircraft, rows, lease);
  }

  Status CommitLeaseWorkIn(const Lease& held, std::span<const std::string> aircraft,
                           std::span<const FlightViolationRow> rows, const Params& lease) {
    auto conn = Open("starting to store flight violations", "BEGIN");
    if (!conn.ok()) return conn.error();
    Status st = [&]() -> Status {
      auto moved = conn->Run("advancing a lease",
                             "UPDATE leases SET cursor = $1, watermark = $2 WHERE name = $3 AND "
                             "owner = $4 AND epoch = $5",
                             lease);
      if (!moved.ok()) return moved.error();
      if (moved->Affected() != 1) {
        return MakeError(
            ErrorCode::kConflict,
            fmt::format("store: lease '{}' is no longer held by '{}'", held.name, held.owner));
      }
      if (!aircraft.empty()) {
        std::string list = "{";
        for (const std::string& a : aircraft) {
          if (list.size() > 1) list += ',';
          list += '"' + a + '"';  // icao24: six hex digits, nothing to escape
        }
        list += '}';
        auto del = conn->Run("replacing flight violations",
                             "DELETE FROM flight_violations WHERE icao24 = ANY($1::text[])",
                             Params().Text(list));
        if (!del.ok()) return del.error();
      }
      for (size_t at = 0; at < rows.size(); at += kRowsPerInsert) {
        const size_t n = std::min(kRowsPerInsert, rows.size() - at);
        std::string sql =
            "INSERT INTO flight_violations(icao24, zone, version, entry_time, ordinal, "
            "exit_time, lost_inside, record, open_record, path) VALUES";
        Params p;
        for (size_t i = 0; i < n; ++i) {
          const FlightViolationRow& r = rows[at + i];
          sql += fmt::format("{}(${},${},${},${},${},${},${},${},${},${})", i ? "," : "",
                             10 * i + 1, 10 * i + 2, 10 * i + 3, 10 * i + 4, 10 * i + 5, 10 * i + 6,
                             10 * i + 7, 10 * i + 8, 10 * i + 9, 10 * i + 10);
          p.Text(r.icao24).Text(r.zone).Int(r.version).Time(r.entry_time).Int(r.ordinal);
          p.Time(r.exit_time).Text(r.lost_inside ? "true" : "false");
          p.Text(r.record).Text(r.open_record).Text(r.path);
        }
        auto put = conn->Run("storing flight violations", sql, p);
        if (!put.ok()) return put.error();
      }
      return conn->Script("committing flight violations", "COMMIT");
    }();
    if (!st.ok()) conn->Abandon();
    return st;
  }

  Result<std::vector<FlightViolationRow>> FlightViolationRows() override {
    auto rows = Query("reading flight violations",
                      "SELECT icao24, zone, version, entry_time, ordinal, exit_time, lost_inside, "
                      "record, open_record, path FROM flight_violations "
                      "ORDER BY entry_time, icao24 COLLATE \"C\", ordinal");
    if (!rows.ok()) return rows.error();
    std::vector<FlightViolationRow> out;
    for (int i = 0; i < rows->size(); ++i) {
      const Rows& r = *rows;
      out.push_back(FlightViolationRow{r.Text(i, 0), r.Text(i, 1), static_cast<int>(r.Int(i, 2)),
                                       FromMillis(r.Int(i, 3)), static_cast<int>(r.Int(i, 4)),
                                       FromMillis(r.Int(i, 5)), r.Text(i, 6) == "t", r.Text(i, 7),
                                       r.Text(i, 8), r.Text(i, 9)});
    }
    return out;
  }

 private:
  static void AddText(Where& w, std::string_view cond, const std::string& v) {
    if (v.empty()) return;
    w.Add(cond);
    w.params().Text(v);
  }
  static void AddTime(Where& w, std::string_view cond, const std::optional<UtcTime>& t) {
    if (!t) return;
    w.Add(cond);
    w.params().Time(*t);
  }
  static void AddBox(Where& w, std::string_view prefix, const std::optional<LatLngRect>& box) {
    if (!box) return;
    w.Add(fmt::format("{0}latitude BETWEEN ? AND ? AND {0}longitude BETWEEN ? AND ?", prefix));
    w.params().Real(box->lat_lo).Real(box->lat_hi).Real(box->lng_lo).Real(box->lng_hi);
  }

  // One statement on a connection of its own. A statement that fails because its connection
  // broke (the server restarted, or ended the session) is tried once more on a fresh one: only
  // for statements that may run twice (reads, the start of a transaction, idempotent writes).
  Result<Rows> Query(std::string_view what, const std::string& sql, const Params& params = {}) {
    Result<Rows> rows = MakeError(ErrorCode::kInternal, "not run");
    (void)Open(what, sql, params, &rows);
    return rows;
  }

  // A connection on which `sql` has run (its result in `rows` when given), tried again on a
  // fresh connection when the first one turns out broken. For the first statement of a
  // transaction or a lock, which did nothing on a broken connection.
  Result<Conn> Open(std::string_view what, const std::string& sql, const Params& params = {},
                    Result<Rows>* rows = nullptr) {
    for (int attempt = 0;; ++attempt) {
      auto conn = pool_.Get();
      if (!conn.ok()) return conn.error();
      auto result = conn->Run(what, sql, params);
      const bool broken = !result.ok() && PQstatus(conn->get()) != CONNECTION_OK;
      if (result.ok() || !broken || attempt > 0) {
        if (rows) {
          *rows = std::move(result);
        } else if (!result.ok()) {
          return std::move(result).error();
        }
        return conn;
      }
    }
  }

  Result<int> CurrentVersion(Conn& conn) {
    auto rows =
        conn.Run("reading schema version", "SELECT COALESCE(MAX(version), 0) FROM schema_version");
    if (!rows.ok()) return rows.error();
    return static_cast<int>(rows->Int(0, 0));
  }

  Status Migrate(Conn& conn) {
    if (Status st = conn.Script("creating the schema_version table",
                                "CREATE TABLE IF NOT EXISTS schema_version(version INTEGER "
                                "PRIMARY KEY, description TEXT NOT NULL, applied_at BIGINT NOT "
                                "NULL)");
        !st.ok()) {
      return st;
    }
    auto current = CurrentVersion(conn);
    if (!current.ok()) return current.error();
    if (*current > LatestPostgresSchemaVersion()) {
      return MakeError(ErrorCode::kConflict,
                       fmt::format("store: the database is at schema version {}, newer than this "
                                   "truce knows ({}); upgrade truce",
                                   *current, LatestPostgresSchemaVersion()));
    }
    for (const Migration& m : kMigrations) {
      if (m.version <= *current) continue;
      std::string sql = std::string("BEGIN;\n") + m.sql;
      if (m.version == 1) {
        for (const char* table : kAppendOnlyTables) {
          // Per statement: an UPDATE or DELETE is refused even when it matches no row.
          sql += fmt::format(
              "CREATE TRIGGER {0}_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON {0} "
              "FOR EACH STATEMENT EXECUTE FUNCTION truce_append_only();\n",
              table);
        }
      }
      Status st = conn.Script("migrating", sql);
      if (st.ok()) {
        auto recorded = conn.Run(
            "recording migration",
            "INSERT INTO schema_version(version, description, applied_at) VALUES($1, $2, $3)",
            Params().Int(m.version).Text(m.description).Time(Now()));
        if (!recorded.ok()) st = recorded.error();
      }
      if (st.ok()) st = conn.Script("committing migration", "COMMIT");
      if (!st.ok()) {
        conn.Abandon();
        return Error{
            st.error().code,
            fmt::format("migration to schema version {} failed: {}", m.version, st.error().message),
            {}};
      }
    }
    return Status::Ok();
  }

  static constexpr const char* kCount = "SELECT COALESCE(MAX(idx) + 1, 0) FROM log_entries";
  Result<uint64_t> Count(Conn& conn) {
    auto rows = conn.Run("counting log entries", kCount);
    if (!rows.ok()) return rows.error();
    return static_cast<uint64_t>(rows->Int(0, 0));
  }

  Status InsertHead(Conn& conn, const TreeHead& head) {
    auto done =
        conn.Run("storing tree head",
                 "INSERT INTO tree_heads(size, root, timestamp, signature) VALUES($1, $2, $3, $4)",
                 Params()
                     .Int(static_cast<int64_t>(head.size))
                     .Bytes(head.root)
                     .Time(head.timestamp)
                     .Bytes(head.signature));
    return done.ok() ? Status::Ok() : Status(done.error());
  }

  // The body of Append's transaction. REQUIRES: a transaction open on `conn`.
  Status AppendIn(Conn& conn, std::span<const LogEntry> entries, std::span<const EntryIndex> index,
                  const TreeHead& head) {
    // Appends from every connection and process wait here for one another, so the check below
    // and the inserts are one step of the log (the primary key on idx would refuse a fork
    // anyway; the lock makes it a clear kConflict instead of a lost race).
    if (Status st = conn.Script("waiting for the log",
                                fmt::format("SELECT pg_advisory_xact_lock({})", kAppendLockKey));
        !st.ok()) {
      return st;
    }
    auto last = conn.Run("reading the last log entry",
                         "SELECT idx, received_at FROM log_entries ORDER BY idx DESC LIMIT 1");
    if (!last.ok()) return last.error();
    const uint64_t count = last->size() == 0 ? 0 : static_cast<uint64_t>(last->Int(0, 0)) + 1;
    const std::optional<UtcTime> last_received =
        last->size() == 0 ? std::nullopt : std::optional(FromMillis(last->Int(0, 1)));
    if (Status st = detail::CheckFollows(entries, count, last_received); !st.ok()) return st;

    BatchInsert entry(conn, "appending log entries",
                      "INSERT INTO log_entries(idx, kind, received_at, submitter, party, data, "
                      "leaf_hash, receipt)",
                      8);
    BatchInsert report(conn, "indexing reports",
                       "INSERT INTO reports(entry, event_id, revision, received_at, party, "
                       "event_type, source, time_begin, time_end, latitude, longitude)",
                       11);
    BatchInsert position(conn, "indexing positions",
                         "INSERT INTO positions(entry, ordinal, icao24, time, latitude, "
                         "longitude, fields)",
                         7);
    BatchInsert claim(conn, "indexing claims",
                      "INSERT INTO claims(entry, party, incident, stance, received_at)", 5);
    BatchInsert scenario(conn, "indexing scenario versions",
                         "INSERT INTO scenario_versions(entry, scenario_id, version, digest, "
                         "received_at)",
                         5);
    BatchInsert publication(conn, "indexing publications",
                            "INSERT INTO publications(entry, incident, received_at)", 3);
    for (size_t i = 0; i < entries.size(); ++i) {
      const LogEntry& e = entries[i];
      entry.Row()
          .Int(static_cast<int64_t>(e.index))
          .Text(e.kind)
          .Time(e.received_at)
          .Text(e.submitter)
          .Text(e.party)
          .Text(e.data)
          .Bytes(e.leaf_hash)
          .Bytes(e.receipt);
      if (Status st = entry.Next(); !st.ok()) return st;
    }
    // The entries go in first: the rows of a batch that fills several statements refer to them.
    if (Status st = entry.Flush(); !st.ok()) return st;
    for (const EntryIndex& rows : index) {
      for (const ReportRow& r : rows.reports) {
        report.Row()
            .Int(static_cast<int64_t>(r.entry))
            .Text(r.event_id)
            .Int(r.revision)
            .Time(r.received_at)
            .Text(r.party)
            .Text(r.event_type)
            .Text(r.source)
            .Time(r.time_begin)
            .Time(r.time_end)
            .Real(r.latitude)
            .Real(r.longitude);
        if (Status st = report.Next(); !st.ok()) return st;
      }
      for (const PositionRow& p : rows.positions) {
        position.Row()
            .Int(static_cast<int64_t>(p.entry))
            .Int(p.ordinal)
            .Text(p.icao24)
            .Time(p.time)
            .Real(p.latitude)
            .Real(p.longitude)
            .Text(p.fields);
        if (Status st = position.Next(); !st.ok()) return st;
      }
      for (const ClaimRow& c : rows.claims) {
        claim.Row()
            .Int(static_cast<int64_t>(c.entry))
            .Text(c.party)
            .Text(c.incident)
            .Text(c.stance)
            .Time(c.received_at);
        if (Status st = claim.Next(); !st.ok()) return st;
      }
      for (const ScenarioRow& v : rows.scenarios) {
        scenario.Row()
            .Int(static_cast<int64_t>(v.entry))
            .Text(v.scenario_id)
            .Int(v.version)
            .Text(v.digest)
            .Time(v.received_at);
        if (Status st = scenario.Next(); !st.ok()) return st;
      }
      for (const PublicationRow& p : rows.publications) {
        publication.Row().Int(static_cast<int64_t>(p.entry)).Text(p.incident).Time(p.received_at);
        if (Status st = publication.Next(); !st.ok()) return st;
      }
    }
    for (BatchInsert* table : {&report, &position, &claim, &scenario, &publication}) {
      if (Status st = table->Flush(); !st.ok()) return st;
    }
    return InsertHead(conn, head);
  }

  // The query rows of the entries of `chunk` (contiguous in index order, not empty), one query
  // per table over the chunk's range.
  Status RowsOf(Conn& conn, std::vector<std::pair<LogEntry, EntryIndex>>& chunk) {
    std::map<uint64_t, EntryIndex*> by_entry;
    for (auto& [entry, rows] : chunk) by_entry[entry.index] = &rows;
    const auto lo = static_cast<int64_t>(chunk.front().first.index);
    const auto hi = static_cast<int64_t>(chunk.back().first.index);
    auto read = [&](std::string_view what, const std::string& sql, auto&& take) -> Status {
      auto rows = conn.Run(what, sql, Params().Int(lo).Int(hi));
      if (!rows.ok()) return rows.error();
      for (int i = 0; i < rows->size(); ++i) {
        const auto it = by_entry.find(static_cast<uint64_t>(rows->Int(i, 0)));
        if (it != by_entry.end()) take(*it->second, *rows, i);
      }
      return Status::Ok();
    };
    Status st = read(
        "reading report rows", std::string(kReportColumns) + " WHERE r.entry BETWEEN $1 AND $2",
        [](EntryIndex& e, const Rows& r, int i) { e.reports.push_back(ReadReportRow(r, i)); });
    if (st.ok()) {
      st = read(
          "reading position rows",
          std::string(kPositionColumns) + " WHERE entry BETWEEN $1 AND $2 ORDER BY entry, ordinal",
          [](EntryIndex& e, const Rows& r, int i) { e.positions.push_back(ReadPosition(r, i)); });
    }
    if (st.ok()) {
      st = read("reading claim rows", std::string(kClaimColumns) + " WHERE entry BETWEEN $1 AND $2",
                [](EntryIndex& e, const Rows& r, int i) { e.claims.push_back(ReadClaim(r, i)); });
    }
    if (st.ok()) {
      st = read(
          "reading scenario rows", std::string(kScenarioColumns) + " WHERE entry BETWEEN $1 AND $2",
          [](EntryIndex& e, const Rows& r, int i) { e.scenarios.push_back(ReadScenario(r, i)); });
    }
    if (st.ok()) {
      st = read("reading publication rows",
                std::string(kPublicationColumns) + " WHERE entry BETWEEN $1 AND $2",
                [](EntryIndex& e, const Rows& r, int i) {
                  e.publications.push_back(ReadPublication(r, i));
                });
    }
    return st;
  }

  Pool pool_;
};

}  // namespace

bool IsPostgresUrl(std::string_view db) noexcept {
  return db.starts_with("postgresql://") || db.starts_with("postgres://");
}

int LatestPostgresSchemaVersion() noexcept {
  return kMigrations[std::size(kMigrations) - 1].version;
}

Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string& url, int max_connections) {
  if (!IsPostgresUrl(url)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     fmt::format("'{}' is not a postgresql:// URL", RedactUrl(url)));
  }
  auto store = std::make_unique<PostgresStore>(url, std::max(2, max_connections));
  if (Status st = store->Initialise(); !st.ok()) {
    // Messages from libpq already name the URL; others get it in front.
    const std::string redacted = RedactUrl(url);
    const std::string& message = st.error().message;
    return Error{
        st.error().code,
        message.rfind(redacted, 0) == 0 ? message : fmt::format("{}: {}", redacted, message),
        {}};
  }
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace truce::store
