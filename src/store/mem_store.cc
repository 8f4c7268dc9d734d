#include "store/mem_store.h"

#include <algorithm>
#include <climits>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <tuple>
#include <utility>

#include <fmt/format.h>

#include "store/store_internal.h"

namespace truce::store {

// The tables of the SQL stores, as maps keyed like their primary keys, so that every query and
// every refusal reads as the SQL does: rows are kept by the entry they name (which need not
// exist: FirstOrphanRow finds those), joins with the log skip rows whose entry is missing.
class MemDatabase {
 public:
  std::shared_mutex mu;
  std::map<std::string, std::string, std::less<>> meta;
  std::map<std::string, TokenRecord, std::less<>> tokens;  // by id
  std::map<Hash, std::string> token_by_hash;               // secret hash -> id
  std::vector<LogEntry> entries;                           // entries[i].index == i
  std::map<uint64_t, TreeHead> heads;                      // by size
  std::map<uint64_t, ReportRow> reports;                   // by entry
  std::set<std::pair<std::string, int>> report_keys;       // (event_id, revision)
  std::map<std::pair<uint64_t, int>, PositionRow> positions;
  std::map<uint64_t, ClaimRow> claims;
  std::map<uint64_t, ScenarioRow> scenarios;
  std::set<std::pair<std::string, int>> scenario_keys;  // (scenario_id, version)
  std::map<uint64_t, PublicationRow> publications;
  std::map<std::string, WebhookRow, std::less<>> webhooks;                     // by id
  std::map<std::string, std::deque<WebhookAttemptRow>, std::less<>> attempts;  // by webhook
  std::map<std::string, Lease, std::less<>> leases;
  // Flight violations by (icao24, zone, version, entry_time).
  std::map<std::tuple<std::string, std::string, int, UtcTime>, FlightViolationRow> flights;
  const std::shared_ptr<detail::AppendGate> gate = std::make_shared<detail::AppendGate>();

  const LogEntry* Entry(uint64_t index) const {
    return index < entries.size() ? &entries[index] : nullptr;
  }
};

namespace {

// The one shape of the in-memory store.
constexpr int kMemSchemaVersion = 1;

Error Duplicate(std::string what) {
  return MakeError(ErrorCode::kConflict, "store: " + std::move(what) + " is already stored");
}

bool InBox(const std::optional<LatLngRect>& box, double lat, double lng) {
  return !box ||
         (lat >= box->lat_lo && lat <= box->lat_hi && lng >= box->lng_lo && lng <= box->lng_hi);
}

bool ReceivedBy(UtcTime received, const std::optional<UtcTime>& as_of) {
  return !as_of || received <= *as_of;
}

EntryIndex RowsOf(const MemDatabase& db, uint64_t entry) {
  EntryIndex rows;
  if (auto it = db.reports.find(entry); it != db.reports.end()) rows.reports.push_back(it->second);
  for (auto it = db.positions.lower_bound({entry, INT_MIN});
       it != db.positions.end() && it->first.first == entry; ++it) {
    rows.positions.push_back(it->second);
  }
  if (auto it = db.claims.find(entry); it != db.claims.end()) rows.claims.push_back(it->second);
  if (auto it = db.scenarios.find(entry); it != db.scenarios.end()) {
    rows.scenarios.push_back(it->second);
  }
  if (auto it = db.publications.find(entry); it != db.publications.end()) {
    rows.publications.push_back(it->second);
  }
  return rows;
}

}  // namespace

MemStore::MemStore() : db_(std::make_shared<MemDatabase>()) {}
MemStore::MemStore(std::shared_ptr<MemDatabase> db) : db_(std::move(db)) {}
MemStore::~MemStore() = default;

Result<int> MemStore::SchemaVersion() { return kMemSchemaVersion; }

Result<std::optional<std::string>> MemStore::GetMeta(std::string_view key) {
  std::shared_lock lock(db_->mu);
  const auto it = db_->meta.find(key);
  if (it == db_->meta.end()) return std::optional<std::string>();
  return std::optional<std::string>(it->second);
}

Status MemStore::SetMetaOnce(std::string_view key, std::string_view value) {
  std::unique_lock lock(db_->mu);
  const auto it = db_->meta.find(key);
  if (it == db_->meta.end()) {
    db_->meta.emplace(std::string(key), std::string(value));
    return Status::Ok();
  }
  if (it->second == value) return Status::Ok();
  return MakeError(ErrorCode::kConflict,
                   fmt::format("store: meta '{}' is already set to another value", key));
}

Status MemStore::AddToken(const TokenRecord& token) {
  std::unique_lock lock(db_->mu);
  if (db_->tokens.contains(token.id)) return Duplicate(fmt::format("token id '{}'", token.id));
  if (db_->token_by_hash.contains(token.secret_hash)) return Duplicate("a token secret hash");
  TokenRecord stored = token;
  stored.revoked_at.reset();  // as in SQL: a new token is not revoked
  db_->tokens.emplace(token.id, std::move(stored));
  db_->token_by_hash.emplace(token.secret_hash, token.id);
  return Status::Ok();
}

Result<std::optional<TokenRecord>> MemStore::FindToken(const Hash& secret_hash) {
  std::shared_lock lock(db_->mu);
  const auto it = db_->token_by_hash.find(secret_hash);
  if (it == db_->token_by_hash.end()) return std::optional<TokenRecord>();
  return std::optional<TokenRecord>(db_->tokens.at(it->second));
}

Result<std::vector<TokenRecord>> MemStore::ListTokens() {
  std::shared_lock lock(db_->mu);
  std::vector<TokenRecord> out;
  for (const auto& [id, t] : db_->tokens) out.push_back(t);
  std::stable_sort(out.begin(), out.end(), [](const TokenRecord& a, const TokenRecord& b) {
    return a.created_at < b.created_at;  // ties stay in id order, as ORDER BY created_at, id
  });
  return out;
}

Status MemStore::AddWebhook(const WebhookRow& hook) {
  std::unique_lock lock(db_->mu);
  if (db_->webhooks.contains(hook.id)) return Duplicate(fmt::format("webhook '{}'", hook.id));
  db_->webhooks.emplace(hook.id, hook);
  return Status::Ok();
}

Result<std::vector<WebhookRow>> MemStore::ListWebhooks() {
  std::shared_lock lock(db_->mu);
  std::vector<WebhookRow> out;
  for (const auto& [id, h] : db_->webhooks) out.push_back(h);
  std::stable_sort(out.begin(), out.end(), [](const WebhookRow& a, const WebhookRow& b) {
    return a.created_at < b.created_at;  // ties stay in id order
  });
  return out;
}

Status MemStore::RemoveWebhook(std::string_view id) {
  std::unique_lock lock(db_->mu);
  const auto it = db_->webhooks.find(id);
  if (it == db_->webhooks.end()) {
    return MakeError(ErrorCode::kNotFound, fmt::format("no webhook '{}'", id));
  }
  db_->webhooks.erase(it);
  if (const auto a = db_->attempts.find(id); a != db_->attempts.end()) db_->attempts.erase(a);
  return Status::Ok();
}

Status MemStore::RecordWebhookAttempt(const WebhookAttemptRow& attempt, uint64_t after,
                                      uint64_t delivered, uint64_t given_up, size_t keep) {
  std::unique_lock lock(db_->mu);
  const auto it = db_->webhooks.find(attempt.webhook);
  if (it == db_->webhooks.end()) {
    return MakeError(ErrorCode::kNotFound, fmt::format("no webhook '{}'", attempt.webhook));
  }
  it->second.after = after;
  it->second.delivered = delivered;
  it->second.given_up = given_up;
  auto& recorded = db_->attempts[attempt.webhook];
  recorded.push_back(attempt);
  while (recorded.size() > keep) recorded.pop_front();
  return Status::Ok();
}

Result<std::vector<WebhookAttemptRow>> MemStore::WebhookAttempts(std::string_view id) {
  std::shared_lock lock(db_->mu);
  const auto it = db_->attempts.find(id);
  if (it == db_->attempts.end()) return std::vector<WebhookAttemptRow>();
  return std::vector<WebhookAttemptRow>(it->second.begin(), it->second.end());
}

Status MemStore::RevokeToken(std::string_view id, UtcTime when) {
  std::unique_lock lock(db_->mu);
  const auto it = db_->tokens.find(id);
  if (it == db_->tokens.end() || it->second.revoked_at) {
    return MakeError(ErrorCode::kNotFound, fmt::format("no active token with id '{}'", id));
  }
  it->second.revoked_at = when;
  return Status::Ok();
}

Status MemStore::Append(std::span<const LogEntry> entries, std::span<const EntryIndex> index,
                        const TreeHead& head) {
  if (Status st = detail::CheckAppendArguments(entries, index, head); !st.ok()) return st;
  std::unique_lock lock(db_->mu);
  MemDatabase& db = *db_;
  const std::optional<UtcTime> last =
      db.entries.empty() ? std::nullopt : std::optional(db.entries.back().received_at);
  if (Status st = detail::CheckFollows(entries, db.entries.size(), last); !st.ok()) return st;
  // Every unique key is checked (against the stored rows and within the batch) before anything
  // is written: all or nothing.
  std::set<uint64_t> report_entries, claim_entries, scenario_entries, publication_entries;
  std::set<std::pair<std::string, int>> report_keys, scenario_keys;
  std::set<std::pair<uint64_t, int>> position_keys;
  auto fresh = [](auto& batch, const auto& stored, const auto& key) {
    return !stored.contains(key) && batch.insert(key).second;
  };
  for (const EntryIndex& rows : index) {
    for (const ReportRow& r : rows.reports) {
      if (!fresh(report_entries, db.reports, r.entry)) {
        return Duplicate(fmt::format("a report row of entry {}", r.entry));
      }
      if (!fresh(report_keys, db.report_keys, std::pair(r.event_id, r.revision))) {
        return Duplicate(fmt::format("report {} revision {}", r.event_id, r.revision));
      }
    }
    for (const PositionRow& p : rows.positions) {
      if (!fresh(position_keys, db.positions, std::pair(p.entry, p.ordinal))) {
        return Duplicate(fmt::format("position {} of entry {}", p.ordinal, p.entry));
      }
    }
    for (const ClaimRow& c : rows.claims) {
      if (!fresh(claim_entries, db.claims, c.entry)) {
        return Duplicate(fmt::format("a claim row of entry {}", c.entry));
      }
    }
    for (const ScenarioRow& v : rows.scenarios) {
      if (!fresh(scenario_entries, db.scenarios, v.entry)) {
        return Duplicate(fmt::format("a scenario row of entry {}", v.entry));
      }
      if (!fresh(scenario_keys, db.scenario_keys, std::pair(v.scenario_id, v.version))) {
        return Duplicate(fmt::format("scenario {} version {}", v.scenario_id, v.version));
      }
    }
    for (const PublicationRow& p : rows.publications) {
      if (!fresh(publication_entries, db.publications, p.entry)) {
        return Duplicate(fmt::format("a publication row of entry {}", p.entry));
      }
    }
  }
  if (db.heads.contains(head.size)) {
    return Duplicate(fmt::format("a tree head of size {}", head.size));
  }
  for (size_t i = 0; i < entries.size(); ++i) {
    db.entries.push_back(entries[i]);
    for (const ReportRow& r : index[i].reports) {
      db.reports.emplace(r.entry, r);
      db.report_keys.emplace(r.event_id, r.revision);
    }
    for (const PositionRow& p : index[i].positions)
      db.positions.emplace(std::pair(p.entry, p.ordinal), p);
    for (const ClaimRow& c : index[i].claims) db.claims.emplace(c.entry, c);
    for (const ScenarioRow& v : index[i].scenarios) {
      db.scenarios.emplace(v.entry, v);
      db.scenario_keys.emplace(v.scenario_id, v.version);
    }
    for (const PublicationRow& p : index[i].publications) db.publications.emplace(p.entry, p);
  }
  db.heads.emplace(head.size, head);
  return Status::Ok();
}

Result<std::unique_ptr<AppendLock>> MemStore::LockAppends() { return db_->gate->Acquire(); }

Status MemStore::AddEmptyHead(const TreeHead& head) {
  std::unique_lock lock(db_->mu);
  if (!db_->entries.empty() || head.size != 0) {
    return MakeError(ErrorCode::kConflict, "store: the empty head is only for an empty log");
  }
  if (db_->heads.contains(0)) return Duplicate("the head of the empty log");
  db_->heads.emplace(0, head);
  return Status::Ok();
}

Result<uint64_t> MemStore::EntryCount() {
  std::shared_lock lock(db_->mu);
  return static_cast<uint64_t>(db_->entries.size());
}

Status MemStore::ScanEntries(uint64_t from,
                             const std::function<bool(const LogEntry&, const EntryIndex&)>& each) {
  // In chunks, so that the caller works without the lock held (and may append meanwhile).
  constexpr size_t kChunk = 512;
  for (uint64_t next = from;;) {
    std::vector<std::pair<LogEntry, EntryIndex>> chunk;
    {
      std::shared_lock lock(db_->mu);
      for (uint64_t i = next; i < db_->entries.size() && chunk.size() < kChunk; ++i) {
        chunk.emplace_back(db_->entries[i], RowsOf(*db_, i));
      }
    }
    for (const auto& [entry, rows] : chunk) {
      if (!each(entry, rows)) return Status::Ok();
    }
    if (chunk.size() < kChunk) return Status::Ok();
    next = chunk.back().first.index + 1;
  }
}

Result<std::optional<LogEntry>> MemStore::GetEntry(uint64_t index) {
  std::shared_lock lock(db_->mu);
  const LogEntry* e = db_->Entry(index);
  return e ? std::optional<LogEntry>(*e) : std::nullopt;
}

Result<std::optional<uint64_t>> MemStore::FirstOrphanRow() {
  std::shared_lock lock(db_->mu);
  std::optional<uint64_t> first;
  auto consider = [&](uint64_t entry) {
    if (!db_->Entry(entry) && (!first || entry < *first)) first = entry;
  };
  for (const auto& [entry, row] : db_->reports) consider(entry);
  for (const auto& [key, row] : db_->positions) consider(key.first);
  for (const auto& [entry, row] : db_->claims) consider(entry);
  for (const auto& [entry, row] : db_->scenarios) consider(entry);
  for (const auto& [entry, row] : db_->publications) consider(entry);
  return first;
}

Result<std::vector<TreeHead>> MemStore::TreeHeads() {
  std::shared_lock lock(db_->mu);
  std::vector<TreeHead> out;
  for (const auto& [size, head] : db_->heads) out.push_back(head);
  return out;
}

Result<std::optional<TreeHead>> MemStore::LatestTreeHead() {
  std::shared_lock lock(db_->mu);
  if (db_->heads.empty()) return std::optional<TreeHead>();
  return std::optional<TreeHead>(db_->heads.rbegin()->second);
}

Result<std::optional<Indexed<ReportRow>>> MemStore::LatestReport(std::string_view event_id) {
  std::shared_lock lock(db_->mu);
  std::optional<Indexed<ReportRow>> out;
  for (const auto& [entry, r] : db_->reports) {
    const LogEntry* e = db_->Entry(entry);
    if (!e || r.event_id != event_id) continue;
    if (!out || r.revision > out->row.revision) out = Indexed<ReportRow>{r, e->data};
  }
  return out;
}

Result<std::vector<Indexed<ReportRow>>> MemStore::QueryReports(const ReportQuery& q) {
  std::shared_lock lock(db_->mu);
  // The latest revision of each event as of q.as_of, over every row (as the SQL's subquery).
  std::map<std::string_view, int> latest;
  if (!q.all_revisions) {
    for (const auto& [entry, r] : db_->reports) {
      if (!ReceivedBy(r.received_at, q.as_of)) continue;
      int& revision = latest.try_emplace(r.event_id, r.revision).first->second;
      revision = std::max(revision, r.revision);
    }
  }
  std::vector<Indexed<ReportRow>> out;
  for (auto it = q.after ? db_->reports.upper_bound(*q.after) : db_->reports.begin();
       it != db_->reports.end(); ++it) {
    const ReportRow& r = it->second;
    const LogEntry* e = db_->Entry(r.entry);
    if (!e || !ReceivedBy(r.received_at, q.as_of)) continue;
    if (!q.all_revisions && latest.at(r.event_id) != r.revision) continue;
    if (!q.event_id.empty() && r.event_id != q.event_id) continue;
    if (!q.party.empty() && r.party != q.party) continue;
    if (!q.event_type.empty() && r.event_type != q.event_type) continue;
    if (q.from && !(r.time_end > *q.from)) continue;
    if (q.to && !(r.time_begin < *q.to)) continue;
    if (!InBox(q.bbox, r.latitude, r.longitude)) continue;
    out.push_back({r, e->data});
    if (q.limit != 0 && out.size() == q.limit) break;
  }
  return out;
}

Result<std::vector<PositionRow>> MemStore::QueryPositions(const PositionQuery& q) {
  std::shared_lock lock(db_->mu);
  std::vector<PositionRow> out;
  auto it = q.after ? db_->positions.upper_bound(*q.after) : db_->positions.begin();
  for (; it != db_->positions.end(); ++it) {
    const PositionRow& p = it->second;
    if (q.as_of) {
      const LogEntry* e = db_->Entry(p.entry);
      if (!e || e->received_at > *q.as_of) continue;
    }
    if (!q.icao24.empty() && p.icao24 != q.icao24) continue;
    if (q.from && p.time < *q.from) continue;
    if (q.to && !(p.time < *q.to)) continue;
    if (!InBox(q.bbox, p.latitude, p.longitude)) continue;
    out.push_back(p);
    if (q.limit != 0 && out.size() == q.limit) break;
  }
  return out;
}

Result<std::vector<Indexed<ClaimRow>>> MemStore::QueryClaims(const ClaimQuery& q) {
  std::shared_lock lock(db_->mu);
  std::vector<Indexed<ClaimRow>> out;
  for (auto it = q.after ? db_->claims.upper_bound(*q.after) : db_->claims.begin();
       it != db_->claims.end(); ++it) {
    const ClaimRow& c = it->second;
    const LogEntry* e = db_->Entry(c.entry);
    if (!e || !ReceivedBy(c.received_at, q.as_of)) continue;
    if (!q.party.empty() && c.party != q.party) continue;
    if (!q.incident.empty() && c.incident != q.incident) continue;
    out.push_back({c, e->data});
    if (q.limit != 0 && out.size() == q.limit) break;
  }
  return out;
}

Result<std::optional<Indexed<ScenarioRow>>> MemStore::LatestScenario(std::optional<UtcTime> as_of) {
  std::shared_lock lock(db_->mu);
  for (auto it = db_->scenarios.rbegin(); it != db_->scenarios.rend(); ++it) {
    const LogEntry* e = db_->Entry(it->first);
    if (e && ReceivedBy(it->second.received_at, as_of)) {
      return std::optional<Indexed<ScenarioRow>>(Indexed<ScenarioRow>{it->second, e->data});
    }
  }
  return std::optional<Indexed<ScenarioRow>>();
}

Result<std::vector<ScenarioRow>> MemStore::ScenarioVersions() {
  std::shared_lock lock(db_->mu);
  std::vector<ScenarioRow> out;
  for (const auto& [entry, v] : db_->scenarios) out.push_back(v);
  return out;
}

Result<std::vector<PublicationRow>> MemStore::Publications(std::optional<UtcTime> as_of) {
  std::shared_lock lock(db_->mu);
  std::vector<PublicationRow> out;
  for (const auto& [entry, p] : db_->publications) {
    if (ReceivedBy(p.received_at, as_of)) out.push_back(p);
  }
  return out;
}

Result<std::optional<Lease>> MemStore::TakeLease(std::string_view name, std::string_view owner,
                                                 UtcTime now, std::chrono::milliseconds ttl) {
  std::unique_lock lock(db_->mu);
  auto it = db_->leases.find(name);
  if (it == db_->leases.end()) {
    it = db_->leases.emplace(std::string(name), Lease{std::string(name), "", 0, {}, 0, {}}).first;
  }
  Lease& l = it->second;
  if (l.owner != owner && l.expires > now) return std::optional<Lease>();
  if (l.owner != owner) {
    l.owner = std::string(owner);
    ++l.epoch;
  }
  l.expires = now + ttl;
  return std::optional<Lease>(l);
}

Status MemStore::ReleaseLease(std::string_view name, std::string_view owner) {
  std::unique_lock lock(db_->mu);
  const auto it = db_->leases.find(name);
  if (it != db_->leases.end() && it->second.owner == owner) it->second.expires = UtcTime{};
  return Status::Ok();
}

Result<std::vector<Lease>> MemStore::Leases(std::string_view prefix) {
  std::shared_lock lock(db_->mu);
  std::vector<Lease> out;
  for (const auto& [name, l] : db_->leases) {
    if (name.starts_with(prefix)) out.push_back(l);
  }
  return out;
}

Status MemStore::CommitLeaseWork(const Lease& held, std::span<const std::string> aircraft,
                                 std::span<const FlightViolationRow> rows) {
  std::unique_lock lock(db_->mu);
  const auto it = db_->leases.find(held.name);
  if (it == db_->leases.end() || it->second.owner != held.owner || it->second.epoch != held.epoch) {
    return MakeError(
        ErrorCode::kConflict,
        fmt::format("store: lease '{}' is no longer held by '{}'", held.name, held.owner));
  }
  std::map<std::tuple<std::string, std::string, int, UtcTime>, FlightViolationRow> fresh;
  for (const FlightViolationRow& r : rows) {
    if (!fresh.emplace(std::tuple(r.icao24, r.zone, r.version, r.entry_time), r).second) {
      return Duplicate(fmt::format("flight violation {}.{}.v{}", r.icao24, r.zone, r.version));
    }
  }
  const std::set<std::string, std::less<>> names(aircraft.begin(), aircraft.end());
  std::erase_if(db_->flights, [&](const auto& kv) { return names.contains(kv.second.icao24); });
  db_->flights.merge(fresh);
  it->second.cursor = held.cursor;
  it->second.watermark = held.watermark;
  return Status::Ok();
}

Result<std::vector<FlightViolationRow>> MemStore::FlightViolationRows() {
  std::shared_lock lock(db_->mu);
  std::vector<FlightViolationRow> out;
  for (const auto& [key, r] : db_->flights) out.push_back(r);
  std::stable_sort(out.begin(), out.end(), [](const auto& x, const auto& y) {
    return std::tie(x.entry_time, x.icao24, x.ordinal) <
           std::tie(y.entry_time, y.icao24, y.ordinal);
  });
  return out;
}

}  // namespace truce::store
