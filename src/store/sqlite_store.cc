#include "store/sqlite_store.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>
#include <mutex>
#include <utility>

#include <fmt/format.h>

#include "store/sqlite_schema.h"
#include "store/sqlite_statement.h"
#include "store/store_internal.h"

namespace truce::store {
namespace {

using detail::FromMillis;
using detail::kAppendOnlyTables;
using detail::Migration;
using detail::Millis;
using detail::Now;
using sqlite::AddBoxFilter;
using sqlite::AddTextFilter;
using sqlite::AddTimeFilter;
using sqlite::kMigrations;
using sqlite::LimitClause;
using sqlite::SqlError;
using sqlite::Stmt;
using sqlite::Where;

// The append gate of a database file, shared by every store of this process that opens it (other
// processes are kept out by the lock file of `truce serve`).
std::shared_ptr<detail::AppendGate> GateFor(const std::string& path) {
  static std::mutex mu;
  static std::map<std::string, std::weak_ptr<detail::AppendGate>> gates;
  std::error_code ec;
  std::string key = std::filesystem::weakly_canonical(path, ec).string();
  if (ec) key = path;
  std::lock_guard lock(mu);
  std::shared_ptr<detail::AppendGate> gate = gates[key].lock();
  if (!gate) {
    gate = std::make_shared<detail::AppendGate>();
    gates[key] = gate;
  }
  return gate;
}

class SqliteStore final : public Store {
 public:
  SqliteStore(sqlite3* db, std::shared_ptr<detail::AppendGate> gate)
      : db_(db), gate_(std::move(gate)) {}
  ~SqliteStore() override {
    for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
    sqlite3_close_v2(db_);
  }
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  Status Initialise() {
    std::lock_guard lock(mu_);
    // synchronous=FULL in WAL mode syncs the WAL at every commit: durable before we answer.
    for (const char* pragma :
         {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON"}) {
      Stmt s(db_, pragma);
      if (!s.prepared()) return SqlError(db_, pragma);
      int rc;
      while ((rc = s.Step()) == SQLITE_ROW) {
        if (std::string_view(pragma) == "PRAGMA journal_mode=WAL" && s.Text(0) != "wal") {
          return MakeError(ErrorCode::kIo, "store: the database refused WAL journal mode");
        }
      }
      if (rc != SQLITE_DONE) return SqlError(db_, pragma);
    }
    return Migrate();
  }

  Result<int> SchemaVersion() override {
    std::lock_guard lock(mu_);
    return CurrentVersion();
  }

  Result<std::optional<std::string>> GetMeta(std::string_view key) override {
    std::lock_guard lock(mu_);
    Stmt s(db_, "SELECT value FROM meta WHERE key = ?");
    s.Bind(1, key);
    const int rc = s.Step();
    if (rc == SQLITE_ROW) return std::optional<std::string>(s.Text(0));
    if (rc == SQLITE_DONE) return std::optional<std::string>();
    return SqlError(db_, "reading meta");
  }

  Status SetMetaOnce(std::string_view key, std::string_view value) override {
    std::lock_guard lock(mu_);
    Stmt get(db_, "SELECT value FROM meta WHERE key = ?");
    get.Bind(1, key);
    const int rc = get.Step();
    if (rc == SQLITE_ROW) {
      if (get.Text(0) == value) return Status::Ok();
      return MakeError(ErrorCode::kConflict,
                       fmt::format("store: meta '{}' is already set to another value", key));
    }
    if (rc != SQLITE_DONE) return SqlError(db_, "reading meta");
    Stmt put(db_, "INSERT INTO meta(key, value) VALUES(?, ?)");
    put.Bind(1, key).Bind(2, value);
    if (put.Step() != SQLITE_DONE) return SqlError(db_, "writing meta");
    return Status::Ok();
  }

  Status AddToken(const TokenRecord& t) override {
    std::lock_guard lock(mu_);
    Stmt s(db_,
           "INSERT INTO tokens(id, secret_hash, role, party, created_at, signature) "
           "VALUES(?, ?, ?, ?, ?, ?)");
    s.Bind(1, t.id).BindBlob(2, t.secret_hash).Bind(3, t.role).Bind(4, t.party);
    s.Bind(5, Millis(t.created_at)).BindBlob(6, t.signature);
    if (s.Step() != SQLITE_DONE) return SqlError(db_, "adding token");
    return Status::Ok();
  }

  Result<std::optional<TokenRecord>> FindToken(const Hash& secret_hash) override {
    std::lock_guard lock(mu_);
    Stmt s = Cached(kFindToken);
    s.BindBlob(1, secret_hash);
    const int rc = s.Step();
    if (rc == SQLITE_ROW) return std::optional<TokenRecord>(ReadToken(s));
    if (rc == SQLITE_DONE) return std::optional<TokenRecord>();
    return SqlError(db_, "finding token");
  }

  Result<std::vector<TokenRecord>> ListTokens() override {
    std::lock_guard lock(mu_);
    Stmt s(db_, std::string(kTokenColumns) + " ORDER BY created_at, id");
    std::vector<TokenRecord> out;
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) out.push_back(ReadToken(s));
    if (rc != SQLITE_DONE) return SqlError(db_, "listing tokens");
    return out;
  }

  Status RevokeToken(std::string_view id, UtcTime when) override {
    std::lock_guard lock(mu_);
    Stmt s(db_, "UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL");
    s.Bind(1, Millis(when)).Bind(2, id);
    if (s.Step() != SQLITE_DONE) return SqlError(db_, "revoking token");
    if (sqlite3_changes(db_) == 0) {
      return MakeError(ErrorCode::kNotFound, fmt::format("no active token with id '{}'", id));
    }
    return Status::Ok();
  }

  Status AddWebhook(const WebhookRow& h) override {
    std::lock_guard lock(mu_);
    Stmt s(db_,
           "INSERT INTO webhooks(id, url, secret, role, kinds, created_at, after_alert, "
           "delivered, given_up) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)");
    s.Bind(1, h.id).Bind(2, h.url).Bind(3, h.secret).Bind(4, h.role).Bind(5, h.kinds);
    s.Bind(6, Millis(h.created_at)).Bind(7, static_cast<int64_t>(h.after));
    s.Bind(8, static_cast<int64_t>(h.delivered)).Bind(9, static_cast<int64_t>(h.given_up));
    if (s.Step() != SQLITE_DONE) return SqlError(db_, "adding webhook");
    return Status::Ok();
  }

  Result<std::vector<WebhookRow>> ListWebhooks() override {
    std::lock_guard lock(mu_);
    Stmt s(db_,
           "SELECT id, url, secret, role, kinds, created_at, after_alert, delivered, given_up "
           "FROM webhooks ORDER BY created_at, id");
    std::vector<WebhookRow> out;
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) {
      out.push_back(WebhookRow{s.Text(0), s.Text(1), s.Text(2), s.Text(3), s.Text(4),
                               FromMillis(s.Int(5)), static_cast<uint64_t>(s.Int(6)),
                               static_cast<uint64_t>(s.Int(7)), static_cast<uint64_t>(s.Int(8))});
    }
    if (rc != SQLITE_DONE) return SqlError(db_, "listing webhooks");
    return out;
  }

  Status RemoveWebhook(std::string_view id) override {
    std::lock_guard lock(mu_);
    Stmt s(db_, "DELETE FROM webhooks WHERE id = ?");  // its attempts by ON DELETE CASCADE
    s.Bind(1, id);
    if (s.Step() != SQLITE_DONE) return SqlError(db_, "removing webhook");
    if (sqlite3_changes(db_) == 0) {
      return MakeError(ErrorCode::kNotFound, fmt::format("no webhook '{}'", id));
    }
    return Status::Ok();
  }

  Status RecordWebhookAttempt(const WebhookAttemptRow& a, uint64_t after, uint64_t delivered,
                              uint64_t given_up, size_t keep) override {
    std::lock_guard lock(mu_);
    if (Status st = Exec("BEGIN IMMEDIATE"); !st.ok()) return st;
    Status st = RecordAttemptLocked(a, after, delivered, given_up, keep);
    if (!st.ok()) {
      (void)Exec("ROLLBACK");
      return st;
    }
    return Exec("COMMIT");
  }

  Result<std::vector<WebhookAttemptRow>> WebhookAttempts(std::string_view id) override {
    std::lock_guard lock(mu_);
    Stmt s(db_,
           "SELECT webhook, alert, attempt, at, status, error, duration_ms, outcome, "
           "next_attempt_in_ms FROM webhook_attempts WHERE webhook = ? ORDER BY seq");
    s.Bind(1, id);
    std::vector<WebhookAttemptRow> out;
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) {
      WebhookAttemptRow a;
      a.webhook = s.Text(0);
      a.alert = static_cast<uint64_t>(s.Int(1));
      a.attempt = static_cast<int>(s.Int(2));
      a.at = FromMillis(s.Int(3));
      if (!s.IsNull(4)) a.status = static_cast<int>(s.Int(4));
      a.error = s.Text(5);
      a.duration_ms = s.Real(6);
      a.outcome = s.Text(7);
      if (!s.IsNull(8)) a.next_attempt_in_ms = s.Int(8);
      out.push_back(std::move(a));
    }
    if (rc != SQLITE_DONE) return SqlError(db_, "reading webhook attempts");
    return out;
  }

  Status Append(std::span<const LogEntry> entries, std::span<const EntryIndex> index,
                const TreeHead& head) override {
    if (Status st = detail::CheckAppendArguments(entries, index, head); !st.ok()) return st;
    std::lock_guard lock(mu_);
    if (Status st = Exec("BEGIN IMMEDIATE"); !st.ok()) return st;
    Status st = AppendLocked(entries, index, head);
    if (!st.ok()) {
      (void)Exec("ROLLBACK");
      return st;
    }
    return Exec("COMMIT");
  }

  // One process owns the file (`truce serve` holds PATH.lock), so the right to append is
  // handed out within this process, shared by the stores open on the same file.
  Result<std::unique_ptr<AppendLock>> LockAppends() override { return gate_->Acquire(); }

  Status AddEmptyHead(const TreeHead& head) override {
    std::lock_guard lock(mu_);
    auto count = CountLocked();
    if (!count.ok()) return count.error();
    if (*count != 0 || head.size != 0) {
      return MakeError(ErrorCode::kConflict, "store: the empty head is only for an empty log");
    }
    return InsertHead(head);
  }

  Result<uint64_t> EntryCount() override {
    std::lock_guard lock(mu_);
    return CountLocked();
  }

  Status ScanEntries(uint64_t from,
                     const std::function<bool(const LogEntry&, const EntryIndex&)>& each) override {
    // Read in chunks so that the lock is not held while the caller works.
    constexpr int kChunk = 512;
    for (uint64_t next = from;;) {
      std::vector<std::pair<LogEntry, EntryIndex>> chunk;
      {
        std::lock_guard lock(mu_);
        Stmt s(db_, std::string(kEntryColumns) + " WHERE idx >= ? ORDER BY idx LIMIT ?");
        s.Bind(1, static_cast<int64_t>(next)).Bind(2, static_cast<int64_t>(kChunk));
        int rc;
        while ((rc = s.Step()) == SQLITE_ROW) chunk.emplace_back(ReadEntry(s), EntryIndex{});
        if (rc != SQLITE_DONE) return SqlError(db_, "reading log entries");
        for (auto& [entry, rows] : chunk) {
          auto r = RowsOf(entry.index);
          if (!r.ok()) return r.error();
          rows = std::move(r).value();
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
    std::lock_guard lock(mu_);
    Stmt s(db_, std::string(kEntryColumns) + " WHERE idx = ?");
    s.Bind(1, static_cast<int64_t>(index));
    const int rc = s.Step();
    if (rc == SQLITE_ROW) return std::optional<LogEntry>(ReadEntry(s));
    if (rc == SQLITE_DONE) return std::optional<LogEntry>();
    return SqlError(db_, "reading log entry");
  }

  Result<std::optional<uint64_t>> FirstOrphanRow() override {
    std::lock_guard lock(mu_);
    Stmt s(db_, R"sql(
SELECT MIN(entry) FROM (
  SELECT entry FROM reports UNION ALL SELECT entry FROM positions
  UNION ALL SELECT entry FROM claims UNION ALL SELECT entry FROM scenario_versions
  UNION ALL SELECT entry FROM publications)
WHERE entry NOT IN (SELECT idx FROM log_entries))sql");
    if (s.Step() != SQLITE_ROW) return SqlError(db_, "looking for orphan rows");
    if (s.IsNull(0)) return std::optional<uint64_t>();
    return std::optional<uint64_t>(static_cast<uint64_t>(s.Int(0)));
  }

  Result<std::vector<TreeHead>> TreeHeads() override {
    std::lock_guard lock(mu_);
    Stmt s(db_, "SELECT size, root, timestamp, signature FROM tree_heads ORDER BY size");
    std::vector<TreeHead> out;
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) out.push_back(ReadHead(s));
    if (rc != SQLITE_DONE) return SqlError(db_, "reading tree heads");
    return out;
  }

  Result<std::optional<TreeHead>> LatestTreeHead() override {
    std::lock_guard lock(mu_);
    Stmt s(db_,
           "SELECT size, root, timestamp, signature FROM tree_heads ORDER BY size DESC LIMIT 1");
    const int rc = s.Step();
    if (rc == SQLITE_ROW) return std::optional<TreeHead>(ReadHead(s));
    if (rc == SQLITE_DONE) return std::optional<TreeHead>();
    return SqlError(db_, "reading tree head");
  }

  Result<std::optional<Indexed<ReportRow>>> LatestReport(std::string_view event_id) override {
    std::lock_guard lock(mu_);
    Stmt s = Cached(kLatestReport);
    s.Bind(1, event_id);
    const int rc = s.Step();
    if (rc == SQLITE_ROW) return std::optional<Indexed<ReportRow>>(ReadReport(s));
    if (rc == SQLITE_DONE) return std::optional<Indexed<ReportRow>>();
    return SqlError(db_, "reading report");
  }

  Result<std::vector<Indexed<ReportRow>>> QueryReports(const ReportQuery& q) override {
    std::lock_guard lock(mu_);
    Where w;
    const int64_t as_of = q.as_of ? Millis(*q.as_of) : std::numeric_limits<int64_t>::max();
    w.Add("r.received_at <= ?", {as_of});
    if (!q.all_revisions) {
      w.Add(
          "r.revision = (SELECT MAX(r2.revision) FROM reports r2 WHERE r2.event_id = r.event_id "
          "AND r2.received_at <= ?)",
          {as_of});
    }
    AddTextFilter(w, "r.event_id = ?", q.event_id);
    AddTextFilter(w, "r.party = ?", q.party);
    AddTextFilter(w, "r.event_type = ?", q.event_type);
    AddTimeFilter(w, "r.time_end > ?", q.from);
    AddTimeFilter(w, "r.time_begin < ?", q.to);
    AddBoxFilter(w, q.bbox);
    if (q.after) w.Add("r.entry > ?", {static_cast<int64_t>(*q.after)});
    Stmt s(db_, std::string(kReportColumns) + w.sql() + " ORDER BY r.entry" + LimitClause(q.limit));
    if (!s.prepared()) return SqlError(db_, "preparing report query");
    w.BindAll(s);
    std::vector<Indexed<ReportRow>> out;
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) out.push_back(ReadReport(s));
    if (rc != SQLITE_DONE) return SqlError(db_, "querying reports");
    return out;
  }

  Result<std::vector<PositionRow>> QueryPositions(const PositionQuery& q) override {
    std::lock_guard lock(mu_);
    Where w;
    if (q.as_of) {
      w.Add("entry IN (SELECT idx FROM log_entries WHERE received_at <= ?)", {Millis(*q.as_of)});
    }
    AddTextFilter(w, "icao24 = ?", q.icao24);
    AddTimeFilter(w, "time >= ?", q.from);
    AddTimeFilter(w, "time < ?", q.to);
    AddBoxFilter(w, q.bbox);
    if (q.after) {
      const auto entry = static_cast<int64_t>(q.after->first);
      w.Add("(entry > ? OR (entry = ? AND ordinal > ?))",
            {entry, entry, static_cast<int64_t>(q.after->second)});
    }
    const std::string& where = w.sql();
    Stmt s(db_, "SELECT entry, ordinal, icao24, time, latitude, longitude, fields FROM positions" +
                    where + " ORDER BY entry, ordinal" + LimitClause(q.limit));
    if (!s.prepared()) return SqlError(db_, "preparing position query");
    w.BindAll(s);
    std::vector<PositionRow> out;
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) out.push_back(ReadPosition(s));
    if (rc != SQLITE_DONE) return SqlError(db_, "querying positions");
    return out;
  }

  Result<std::vector<Indexed<ClaimRow>>> QueryClaims(const ClaimQuery& q) override {
    std::lock_guard lock(mu_);
    Where w;
    AddTimeFilter(w, "c.received_at <= ?", q.as_of);
    AddTextFilter(w, "c.party = ?", q.party);
    AddTextFilter(w, "c.incident = ?", q.incident);
    if (q.after) w.Add("c.entry > ?", {static_cast<int64_t>(*q.after)});
    Stmt s(db_,
           "SELECT c.entry, c.party, c.incident, c.stance, c.received_at, e.data FROM claims c "
           "JOIN log_entries e ON e.idx = c.entry" +
               w.sql() + " ORDER BY c.entry" + LimitClause(q.limit));
    if (!s.prepared()) return SqlError(db_, "preparing claim query");
    w.BindAll(s);
    std::vector<Indexed<ClaimRow>> out;
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) {
      out.push_back({ReadClaim(s), s.Text(5)});
    }
    if (rc != SQLITE_DONE) return SqlError(db_, "querying claims");
    return out;
  }

  Result<std::optional<Indexed<ScenarioRow>>> LatestScenario(
      std::optional<UtcTime> as_of) override {
    std::lock_guard lock(mu_);
    Stmt s(db_,
           "SELECT v.entry, v.scenario_id, v.version, v.digest, v.received_at, e.data "
           "FROM scenario_versions v JOIN log_entries e ON e.idx = v.entry "
           "WHERE v.received_at <= ? ORDER BY v.entry DESC LIMIT 1");
    s.Bind(1, as_of ? Millis(*as_of) : std::numeric_limits<int64_t>::max());
    const int rc = s.Step();
    if (rc == SQLITE_ROW) {
      return std::optional<Indexed<ScenarioRow>>(Indexed<ScenarioRow>{ReadScenario(s), s.Text(5)});
    }
    if (rc == SQLITE_DONE) return std::optional<Indexed<ScenarioRow>>();
    return SqlError(db_, "reading scenario");
  }

  Result<std::vector<ScenarioRow>> ScenarioVersions() override {
    std::lock_guard lock(mu_);
    Stmt s(db_,
           "SELECT entry, scenario_id, version, digest, received_at FROM scenario_versions "
           "ORDER BY entry");
    std::vector<ScenarioRow> out;
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) out.push_back(ReadScenario(s));
    if (rc != SQLITE_DONE) return SqlError(db_, "listing scenario versions");
    return out;
  }

  Result<std::vector<PublicationRow>> Publications(std::optional<UtcTime> as_of) override {
    std::lock_guard lock(mu_);
    Stmt s(db_,
           "SELECT entry, incident, received_at FROM publications WHERE received_at <= ? "
           "ORDER BY entry");
    s.Bind(1, as_of ? Millis(*as_of) : std::numeric_limits<int64_t>::max());
    std::vector<PublicationRow> out;
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) {
      out.push_back(
          PublicationRow{static_cast<uint64_t>(s.Int(0)), s.Text(1), FromMillis(s.Int(2))});
    }
    if (rc != SQLITE_DONE) return SqlError(db_, "listing publications");
    return out;
  }

  // --- Flight workers -----------------------------------------------------------------------

  static Lease ReadLease(const Stmt& s) {
    Lease l{s.Text(0),   s.Text(1), s.Int(2), FromMillis(s.Int(3)), static_cast<uint64_t>(s.Int(4)),
            std::nullopt};
    if (!s.IsNull(5)) l.watermark = FromMillis(s.Int(5));
    return l;
  }
  static constexpr const char* kLeaseColumns =
      "SELECT name, owner, epoch, expires_at, cursor, watermark FROM leases";

  Result<std::optional<Lease>> TakeLease(std::string_view name, std::string_view owner, UtcTime now,
                                         std::chrono::milliseconds ttl) override {
    std::lock_guard lock(mu_);
    if (Status st = Exec("BEGIN IMMEDIATE"); !st.ok()) return st.error();
    Stmt take(db_,
              "INSERT INTO leases(name, owner, epoch, expires_at) VALUES(?1, ?2, 1, ?4) "
              "ON CONFLICT(name) DO UPDATE SET "
              "epoch = epoch + (owner <> excluded.owner), owner = excluded.owner, "
              "expires_at = excluded.expires_at WHERE owner = excluded.owner OR expires_at <= ?3");
    take.Bind(1, name).Bind(2, owner).Bind(3, Millis(now)).Bind(4, Millis(now + ttl));
    if (take.Step() != SQLITE_DONE) {
      Error e = SqlError(db_, "taking a lease");
      (void)Exec("ROLLBACK");
      return e;
    }
    Stmt get(db_, std::string(kLeaseColumns) + " WHERE name = ?");
    get.Bind(1, name);
    std::optional<Lease> out;
    if (get.Step() == SQLITE_ROW) out = ReadLease(get);
    if (Status st = Exec("COMMIT"); !st.ok()) return st.error();
    if (out && out->owner != owner) out.reset();
    return out;
  }

  Status ReleaseLease(std::string_view name, std::string_view owner) override {
    std::lock_guard lock(mu_);
    Stmt s(db_, "UPDATE leases SET expires_at = 0 WHERE name = ? AND owner = ?");
    s.Bind(1, name).Bind(2, owner);
    return s.Step() == SQLITE_DONE ? Status::Ok() : Status(SqlError(db_, "releasing a lease"));
  }

  Result<std::vector<Lease>> Leases(std::string_view prefix) override {
    std::lock_guard lock(mu_);
    Stmt s(db_, std::string(kLeaseColumns) + " WHERE substr(name, 1, ?) = ? ORDER BY name");
    s.Bind(1, static_cast<int64_t>(prefix.size())).Bind(2, prefix);
    std::vector<Lease> out;
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) out.push_back(ReadLease(s));
    if (rc != SQLITE_DONE) return SqlError(db_, "listing leases");
    return out;
  }

  Status CommitLeaseWork(const Lease& held, std::span<const std::string> aircraft,
                         std::span<const FlightViolationRow> rows) override {
    std::lock_guard lock(mu_);
    if (Status st = Exec("BEGIN IMMEDIATE"); !st.ok()) return st;
    Status st = CommitLeaseWorkLocked(held, aircraft, rows);
    if (!st.ok()) {
      (void)Exec("ROLLBACK");
      return st;
    }
    return Exec("COMMIT");
  }

  Status CommitLeaseWorkLocked(const Lease& held, std::span<const std::string> aircraft,
                               std::span<const FlightViolationRow> rows) {
    Stmt lease(db_,
               "UPDATE leases SET cursor = ?, watermark = ? WHERE name = ? AND owner = ? AND "
               "epoch = ?");
    lease.Bind(1, static_cast<int64_t>(held.cursor));
    if (held.watermark) {
      lease.Bind(2, Millis(*held.watermark));
    } else {
      lease.BindNull(2);
    }
    lease.Bind(3, held.name).Bind(4, held.owner).Bind(5, held.epoch);
    if (lease.Step() != SQLITE_DONE) return SqlError(db_, "advancing a lease");
    if (sqlite3_changes(db_) != 1) {
      return MakeError(ErrorCode::kConflict, fmt::format("store: lease '{}' is no longer held by "
                                                         "'{}'",
                                                         held.name, held.owner));
    }
    Stmt del(db_, "DELETE FROM flight_violations WHERE icao24 = ?");
    for (const std::string& a : aircraft) {
      del.Reset();
      del.Bind(1, a);
      if (del.Step() != SQLITE_DONE) return SqlError(db_, "replacing flight violations");
    }
    Stmt put(db_,
             "INSERT INTO flight_violations(icao24, zone, version, entry_time, ordinal, "
             "exit_time, lost_inside, record, open_record, path) VALUES(?,?,?,?,?,?,?,?,?,?)");
    for (const FlightViolationRow& r : rows) {
      put.Reset();
      put.Bind(1, r.icao24).Bind(2, r.zone).Bind(3, static_cast<int64_t>(r.version));
      put.Bind(4, Millis(r.entry_time)).Bind(5, static_cast<int64_t>(r.ordinal));
      put.Bind(6, Millis(r.exit_time)).Bind(7, static_cast<int64_t>(r.lost_inside));
      put.Bind(8, r.record).Bind(9, r.open_record).Bind(10, r.path);
      if (put.Step() != SQLITE_DONE) return SqlError(db_, "storing a flight violation");
    }
    return Status::Ok();
  }

  Result<std::vector<FlightViolationRow>> FlightViolationRows() override {
    std::lock_guard lock(mu_);
    Stmt s(db_,
           "SELECT icao24, zone, version, entry_time, ordinal, exit_time, lost_inside, record, "
           "open_record, path FROM flight_violations ORDER BY entry_time, icao24, ordinal");
    std::vector<FlightViolationRow> out;
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) {
      out.push_back(FlightViolationRow{s.Text(0), s.Text(1), static_cast<int>(s.Int(2)),
                                       FromMillis(s.Int(3)), static_cast<int>(s.Int(4)),
                                       FromMillis(s.Int(5)), s.Int(6) != 0, s.Text(7), s.Text(8),
                                       s.Text(9)});
    }
    if (rc != SQLITE_DONE) return SqlError(db_, "reading flight violations");
    return out;
  }

 private:
  static constexpr const char* kTokenColumns =
      "SELECT id, secret_hash, role, party, created_at, revoked_at, signature FROM tokens";
  static constexpr const char* kEntryColumns =
      "SELECT idx, kind, received_at, submitter, party, data, leaf_hash, receipt FROM log_entries";
  static constexpr const char* kFindToken =
      "SELECT id, secret_hash, role, party, created_at, revoked_at, signature FROM tokens "
      "WHERE secret_hash = ?";
  static constexpr const char* kLatestReport =
      "SELECT r.entry, r.event_id, r.revision, r.received_at, r.party, r.event_type, r.source, "
      "r.time_begin, r.time_end, r.latitude, r.longitude, e.data FROM reports r "
      "JOIN log_entries e ON e.idx = r.entry WHERE r.event_id = ? ORDER BY r.revision DESC "
      "LIMIT 1";
  static constexpr const char* kReportColumns =
      "SELECT r.entry, r.event_id, r.revision, r.received_at, r.party, r.event_type, r.source, "
      "r.time_begin, r.time_end, r.latitude, r.longitude, e.data FROM reports r "
      "JOIN log_entries e ON e.idx = r.entry";

  static TokenRecord ReadToken(const Stmt& s) {
    TokenRecord t;
    t.id = s.Text(0);
    t.secret_hash = s.HashAt(1);
    t.role = s.Text(2);
    t.party = s.Text(3);
    t.created_at = FromMillis(s.Int(4));
    if (!s.IsNull(5)) t.revoked_at = FromMillis(s.Int(5));
    t.signature = s.Blob(6);
    return t;
  }
  static LogEntry ReadEntry(const Stmt& s) {
    return LogEntry{static_cast<uint64_t>(s.Int(0)),
                    s.Text(1),
                    FromMillis(s.Int(2)),
                    s.Text(3),
                    s.Text(4),
                    s.Text(5),
                    s.HashAt(6),
                    s.Blob(7)};
  }
  static TreeHead ReadHead(const Stmt& s) {
    return TreeHead{static_cast<uint64_t>(s.Int(0)), s.HashAt(1), FromMillis(s.Int(2)), s.Blob(3)};
  }
  static ReportRow ReadReportRow(const Stmt& s) {
    ReportRow r;
    r.entry = static_cast<uint64_t>(s.Int(0));
    r.event_id = s.Text(1);
    r.revision = static_cast<int>(s.Int(2));
    r.received_at = FromMillis(s.Int(3));
    r.party = s.Text(4);
    r.event_type = s.Text(5);
    r.source = s.Text(6);
    r.time_begin = FromMillis(s.Int(7));
    r.time_end = FromMillis(s.Int(8));
    r.latitude = s.Real(9);
    r.longitude = s.Real(10);
    return r;
  }
  static Indexed<ReportRow> ReadReport(const Stmt& s) { return {ReadReportRow(s), s.Text(11)}; }
  static PositionRow ReadPosition(const Stmt& s) {
    return PositionRow{static_cast<uint64_t>(s.Int(0)),
                       static_cast<int>(s.Int(1)),
                       s.Text(2),
                       FromMillis(s.Int(3)),
                       s.Real(4),
                       s.Real(5),
                       s.Text(6)};
  }
  static ClaimRow ReadClaim(const Stmt& s) {
    return ClaimRow{static_cast<uint64_t>(s.Int(0)), s.Text(1), s.Text(2), s.Text(3),
                    FromMillis(s.Int(4))};
  }
  static ScenarioRow ReadScenario(const Stmt& s) {
    return ScenarioRow{static_cast<uint64_t>(s.Int(0)), s.Text(1), static_cast<int>(s.Int(2)),
                       s.Text(3), FromMillis(s.Int(4))};
  }

  Status Exec(const char* sql) {
    char* message = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
      Error e = MakeError(ErrorCode::kIo,
                          fmt::format("store: {}: {}", sql, message ? message : "unknown error"));
      sqlite3_free(message);
      return e;
    }
    return Status::Ok();
  }

  Result<int> CurrentVersion() {
    Stmt s(db_, "SELECT COALESCE(MAX(version), 0) FROM schema_version");
    if (!s.prepared() || s.Step() != SQLITE_ROW) return SqlError(db_, "reading schema version");
    return static_cast<int>(s.Int(0));
  }

  Status Migrate() {
    if (Status st = Exec("CREATE TABLE IF NOT EXISTS schema_version(version INTEGER PRIMARY KEY, "
                         "description TEXT NOT NULL, applied_at INTEGER NOT NULL)");
        !st.ok()) {
      return st;
    }
    auto current = CurrentVersion();
    if (!current.ok()) return current.error();
    if (*current > LatestSchemaVersion()) {
      return MakeError(ErrorCode::kConflict,
                       fmt::format("store: the database is at schema version {}, newer than this "
                                   "truce knows ({}); upgrade truce",
                                   *current, LatestSchemaVersion()));
    }
    for (const Migration& m : kMigrations) {
      if (m.version <= *current) continue;
      if (Status st = Exec("BEGIN IMMEDIATE"); !st.ok()) return st;
      Status st = Exec(m.sql);
      if (st.ok() && m.version == 1) st = CreateAppendOnlyTriggers();
      if (st.ok()) {
        Stmt s(db_, "INSERT INTO schema_version(version, description, applied_at) VALUES(?,?,?)");
        s.Bind(1, static_cast<int64_t>(m.version)).Bind(2, m.description).Bind(3, Millis(Now()));
        if (s.Step() != SQLITE_DONE) st = SqlError(db_, "recording migration");
      }
      if (!st.ok()) {
        (void)Exec("ROLLBACK");
        return Error{
            st.error().code,
            fmt::format("migration to schema version {} failed: {}", m.version, st.error().message),
            {}};
      }
      if (Status c = Exec("COMMIT"); !c.ok()) return c;
    }
    return Status::Ok();
  }

  Status RecordAttemptLocked(const WebhookAttemptRow& a, uint64_t after, uint64_t delivered,
                             uint64_t given_up, size_t keep) {
    Stmt progress(db_,
                  "UPDATE webhooks SET after_alert = ?, delivered = ?, given_up = ? WHERE id = ?");
    progress.Bind(1, static_cast<int64_t>(after)).Bind(2, static_cast<int64_t>(delivered));
    progress.Bind(3, static_cast<int64_t>(given_up)).Bind(4, a.webhook);
    if (progress.Step() != SQLITE_DONE) return SqlError(db_, "recording webhook progress");
    if (sqlite3_changes(db_) == 0) {
      return MakeError(ErrorCode::kNotFound, fmt::format("no webhook '{}'", a.webhook));
    }
    Stmt s(db_,
           "INSERT INTO webhook_attempts(webhook, alert, attempt, at, status, error, "
           "duration_ms, outcome, next_attempt_in_ms) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)");
    s.Bind(1, a.webhook).Bind(2, static_cast<int64_t>(a.alert));
    s.Bind(3, static_cast<int64_t>(a.attempt)).Bind(4, Millis(a.at));
    if (a.status) {
      s.Bind(5, static_cast<int64_t>(*a.status));
    } else {
      s.BindNull(5);
    }
    s.Bind(6, a.error).Bind(7, a.duration_ms).Bind(8, a.outcome);
    if (a.next_attempt_in_ms) {
      s.Bind(9, *a.next_attempt_in_ms);
    } else {
      s.BindNull(9);
    }
    if (s.Step() != SQLITE_DONE) return SqlError(db_, "recording webhook attempt");
    Stmt trim(db_,
              "DELETE FROM webhook_attempts WHERE webhook = ? AND seq NOT IN (SELECT seq FROM "
              "webhook_attempts WHERE webhook = ? ORDER BY seq DESC LIMIT ?)");
    trim.Bind(1, a.webhook).Bind(2, a.webhook).Bind(3, static_cast<int64_t>(keep));
    if (trim.Step() != SQLITE_DONE) return SqlError(db_, "trimming webhook attempts");
    return Status::Ok();
  }

  Status CreateAppendOnlyTriggers() {
    for (const char* table : kAppendOnlyTables) {
      for (const char* op : {"UPDATE", "DELETE"}) {
        const std::string sql = fmt::format(
            "CREATE TRIGGER {0}_no_{1} BEFORE {1} ON {0} BEGIN SELECT RAISE(ABORT, "
            "'truce: {0} is append-only'); END",
            table, op);
        if (Status st = Exec(sql.c_str()); !st.ok()) return st;
      }
    }
    return Status::Ok();
  }

  Result<uint64_t> CountLocked() {
    // Indices are contiguous from 0, so the count is one past the largest.
    Stmt s = Cached("SELECT COALESCE(MAX(idx) + 1, 0) FROM log_entries");
    if (s.Step() != SQLITE_ROW) return SqlError(db_, "counting log entries");
    return static_cast<uint64_t>(s.Int(0));
  }

  Status InsertHead(const TreeHead& head) {
    Stmt s = Cached("INSERT INTO tree_heads(size, root, timestamp, signature) VALUES(?, ?, ?, ?)");
    s.Bind(1, static_cast<int64_t>(head.size)).BindBlob(2, head.root);
    s.Bind(3, Millis(head.timestamp)).BindBlob(4, head.signature);
    if (s.Step() != SQLITE_DONE) return SqlError(db_, "storing tree head");
    return Status::Ok();
  }

  Status AppendLocked(std::span<const LogEntry> entries, std::span<const EntryIndex> index,
                      const TreeHead& head) {
    std::optional<UtcTime> last_received;
    uint64_t count = 0;
    {
      Stmt last = Cached("SELECT idx, received_at FROM log_entries ORDER BY idx DESC LIMIT 1");
      const int rc = last.Step();
      if (rc == SQLITE_ROW) {
        count = static_cast<uint64_t>(last.Int(0)) + 1;
        last_received = FromMillis(last.Int(1));
      } else if (rc != SQLITE_DONE) {
        return SqlError(db_, "reading the last log entry");
      }
    }
    if (Status st = detail::CheckFollows(entries, count, last_received); !st.ok()) return st;
    Stmt entry = Cached(
        "INSERT INTO log_entries(idx, kind, received_at, submitter, party, data, "
        "leaf_hash, receipt) VALUES(?, ?, ?, ?, ?, ?, ?, ?)");
    Stmt report = Cached(
        "INSERT INTO reports(entry, event_id, revision, received_at, party, event_type, "
        "source, time_begin, time_end, latitude, longitude) "
        "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    Stmt position = Cached(
        "INSERT INTO positions(entry, ordinal, icao24, time, latitude, longitude, "
        "fields) VALUES(?, ?, ?, ?, ?, ?, ?)");
    Stmt claim = Cached(
        "INSERT INTO claims(entry, party, incident, stance, received_at) "
        "VALUES(?, ?, ?, ?, ?)");
    Stmt scenario = Cached(
        "INSERT INTO scenario_versions(entry, scenario_id, version, digest, received_at) "
        "VALUES(?, ?, ?, ?, ?)");
    Stmt publication =
        Cached("INSERT INTO publications(entry, incident, received_at) VALUES(?, ?, ?)");
    auto run = [&](Stmt& s, const char* what) -> Status {
      const int rc = s.Step();
      if (rc != SQLITE_DONE) return SqlError(db_, what);
      s.Reset();
      return Status::Ok();
    };
    for (size_t i = 0; i < entries.size(); ++i) {
      const LogEntry& e = entries[i];
      {
        Stmt& s = entry;
        s.Bind(1, static_cast<int64_t>(e.index)).Bind(2, e.kind).Bind(3, Millis(e.received_at));
        s.Bind(4, e.submitter).Bind(5, e.party).Bind(6, e.data).BindBlob(7, e.leaf_hash);
        s.BindBlob(8, e.receipt);
        if (Status st = run(s, "appending log entry"); !st.ok()) return st;
      }
      for (const ReportRow& r : index[i].reports) {
        report.Bind(1, static_cast<int64_t>(r.entry)).Bind(2, r.event_id);
        report.Bind(3, static_cast<int64_t>(r.revision)).Bind(4, Millis(r.received_at));
        report.Bind(5, r.party).Bind(6, r.event_type).Bind(7, r.source);
        report.Bind(8, Millis(r.time_begin)).Bind(9, Millis(r.time_end));
        report.Bind(10, r.latitude).Bind(11, r.longitude);
        if (Status st = run(report, "indexing report"); !st.ok()) return st;
      }
      for (const PositionRow& p : index[i].positions) {
        position.Bind(1, static_cast<int64_t>(p.entry)).Bind(2, static_cast<int64_t>(p.ordinal));
        position.Bind(3, p.icao24).Bind(4, Millis(p.time)).Bind(5, p.latitude);
        position.Bind(6, p.longitude).Bind(7, p.fields);
        if (Status st = run(position, "indexing position"); !st.ok()) return st;
      }
      for (const ClaimRow& c : index[i].claims) {
        claim.Bind(1, static_cast<int64_t>(c.entry)).Bind(2, c.party).Bind(3, c.incident);
        claim.Bind(4, c.stance).Bind(5, Millis(c.received_at));
        if (Status st = run(claim, "indexing claim"); !st.ok()) return st;
      }
      for (const ScenarioRow& v : index[i].scenarios) {
        scenario.Bind(1, static_cast<int64_t>(v.entry)).Bind(2, v.scenario_id);
        scenario.Bind(3, static_cast<int64_t>(v.version)).Bind(4, v.digest);
        scenario.Bind(5, Millis(v.received_at));
        if (Status st = run(scenario, "indexing scenario version"); !st.ok()) return st;
      }
      for (const PublicationRow& p : index[i].publications) {
        publication.Bind(1, static_cast<int64_t>(p.entry)).Bind(2, p.incident);
        publication.Bind(3, Millis(p.received_at));
        if (Status st = run(publication, "indexing publication"); !st.ok()) return st;
      }
    }
    return InsertHead(head);
  }

  Result<EntryIndex> RowsOf(uint64_t entry) {
    EntryIndex rows;
    const auto e = static_cast<int64_t>(entry);
    {
      Stmt s(db_, std::string(kReportColumns) + " WHERE r.entry = ?");
      s.Bind(1, e);
      int rc;
      while ((rc = s.Step()) == SQLITE_ROW) rows.reports.push_back(ReadReportRow(s));
      if (rc != SQLITE_DONE) return SqlError(db_, "reading report rows");
    }
    {
      Stmt s(db_,
             "SELECT entry, ordinal, icao24, time, latitude, longitude, fields FROM positions "
             "WHERE entry = ? ORDER BY ordinal");
      s.Bind(1, e);
      int rc;
      while ((rc = s.Step()) == SQLITE_ROW) rows.positions.push_back(ReadPosition(s));
      if (rc != SQLITE_DONE) return SqlError(db_, "reading position rows");
    }
    {
      Stmt s(db_, "SELECT entry, party, incident, stance, received_at FROM claims WHERE entry = ?");
      s.Bind(1, e);
      int rc;
      while ((rc = s.Step()) == SQLITE_ROW) rows.claims.push_back(ReadClaim(s));
      if (rc != SQLITE_DONE) return SqlError(db_, "reading claim rows");
    }
    {
      Stmt s(db_,
             "SELECT entry, scenario_id, version, digest, received_at FROM scenario_versions "
             "WHERE entry = ?");
      s.Bind(1, e);
      int rc;
      while ((rc = s.Step()) == SQLITE_ROW) rows.scenarios.push_back(ReadScenario(s));
      if (rc != SQLITE_DONE) return SqlError(db_, "reading scenario rows");
    }
    {
      Stmt s(db_, "SELECT entry, incident, received_at FROM publications WHERE entry = ?");
      s.Bind(1, e);
      int rc;
      while ((rc = s.Step()) == SQLITE_ROW) {
        rows.publications.push_back(
            PublicationRow{static_cast<uint64_t>(s.Int(0)), s.Text(1), FromMillis(s.Int(2))});
      }
      if (rc != SQLITE_DONE) return SqlError(db_, "reading publication rows");
    }
    return rows;
  }

  // A prepared statement kept for the store's lifetime: the hot paths (token lookup, revision
  // lookup, appends) would otherwise parse their SQL on every call. REQUIRES: mu_ held.
  Stmt Cached(const char* sql) {
    auto [it, fresh] = cache_.try_emplace(sql, nullptr);
    if (fresh && sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &it->second,
                                    nullptr) != SQLITE_OK) {
      sqlite3_finalize(it->second);
      cache_.erase(it);
      return Stmt(db_, static_cast<sqlite3_stmt*>(nullptr));
    }
    return Stmt(db_, it->second);
  }

  std::mutex mu_;
  sqlite3* db_;
  std::map<std::string, sqlite3_stmt*> cache_;
  const std::shared_ptr<detail::AppendGate> gate_;
};

}  // namespace

int LatestSchemaVersion() noexcept { return kMigrations[std::size(kMigrations) - 1].version; }

namespace {

// Makes `path` readable and writable by its owner only, when it exists: raw reports and token
// hashes are no other local user's to read. kIo when an existing file cannot be tightened.
Status OwnerOnly(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return Status::Ok();
  if ((st.st_mode & 077) == 0) return Status::Ok();
  if (::chmod(path.c_str(), st.st_mode & 0700) != 0) {
    return MakeError(ErrorCode::kIo,
                     fmt::format("{}: readable by other users (mode {:o}) and cannot be made "
                                 "private: {}",
                                 path, st.st_mode & 0777, std::strerror(errno)));
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path) {
  if (!path.empty() && path != ":memory:") {
    // SQLite creates a database 0644 and its -wal and -shm files with the database's mode:
    // create the file 0600 first, and tighten one an older truce made.
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
      return MakeError(ErrorCode::kIo,
                       fmt::format("{}: cannot open the database: {}", path, std::strerror(errno)));
    }
    ::close(fd);
    for (const std::string& file : {path, path + "-wal", path + "-shm"}) {
      if (Status st = OwnerOnly(file); !st.ok()) return st.error();
    }
  }
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Error e = MakeError(ErrorCode::kIo, fmt::format("{}: cannot open the database: {}", path,
                                                    db ? sqlite3_errmsg(db) : "out of memory"));
    sqlite3_close_v2(db);
    return e;
  }
  sqlite3_busy_timeout(db, 5000);
  auto store = std::make_unique<SqliteStore>(db, GateFor(path));
  if (Status st = store->Initialise(); !st.ok()) {
    return Error{st.error().code, fmt::format("{}: {}", path, st.error().message), {}};
  }
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace truce::store
