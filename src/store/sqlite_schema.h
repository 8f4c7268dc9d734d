// The SQLite store's schema (internal): its migrations, in the order they apply.
#pragma once

#include "store/store_internal.h"

namespace truce::store::sqlite {

// The schema's migrations (detail::Migration).
inline constexpr detail::Migration kMigrations[] = {
    {1, "log, query tables, tokens, tree heads", R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE tokens(
  id TEXT PRIMARY KEY,
  secret_hash BLOB NOT NULL UNIQUE,
  role TEXT NOT NULL,
  party TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  revoked_at INTEGER);
CREATE TABLE log_entries(
  idx INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  submitter TEXT NOT NULL,
  party TEXT NOT NULL,
  data TEXT NOT NULL,
  leaf_hash BLOB NOT NULL,
  receipt BLOB NOT NULL);
CREATE TABLE tree_heads(
  size INTEGER PRIMARY KEY,
  root BLOB NOT NULL,
  timestamp INTEGER NOT NULL,
  signature BLOB NOT NULL);
CREATE TABLE reports(
  entry INTEGER PRIMARY KEY,
  event_id TEXT NOT NULL,
  revision INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  party TEXT NOT NULL,
  event_type TEXT NOT NULL,
  source TEXT NOT NULL,
  time_begin INTEGER NOT NULL,
  time_end INTEGER NOT NULL,
  latitude REAL NOT NULL,
  longitude REAL NOT NULL,
  UNIQUE(event_id, revision));
CREATE INDEX reports_by_time ON reports(time_begin);
CREATE TABLE positions(
  entry INTEGER NOT NULL,
  ordinal INTEGER NOT NULL,
  icao24 TEXT NOT NULL,
  time INTEGER NOT NULL,
  latitude REAL NOT NULL,
  longitude REAL NOT NULL,
  fields TEXT NOT NULL,
  PRIMARY KEY(entry, ordinal)) WITHOUT ROWID;
CREATE INDEX positions_by_time ON positions(time);
CREATE INDEX positions_by_aircraft ON positions(icao24, time);
CREATE TABLE claims(
  entry INTEGER PRIMARY KEY,
  party TEXT NOT NULL,
  incident TEXT NOT NULL,
  stance TEXT NOT NULL,
  received_at INTEGER NOT NULL);
CREATE INDEX claims_by_incident ON claims(incident);
CREATE TABLE scenario_versions(
  entry INTEGER PRIMARY KEY,
  scenario_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  digest TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  UNIQUE(scenario_id, version));
CREATE TABLE publications(
  entry INTEGER PRIMARY KEY,
  incident TEXT NOT NULL,
  received_at INTEGER NOT NULL);
)sql"},
    {2, "tokens signed with the log key", R"sql(
ALTER TABLE tokens ADD COLUMN signature BLOB NOT NULL DEFAULT X'';
)sql"},
    {3, "webhooks and their delivery attempts", R"sql(
CREATE TABLE webhooks(
  id TEXT PRIMARY KEY,
  url TEXT NOT NULL,
  secret TEXT NOT NULL,
  role TEXT NOT NULL,
  kinds TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  after_alert INTEGER NOT NULL DEFAULT 0,
  delivered INTEGER NOT NULL DEFAULT 0,
  given_up INTEGER NOT NULL DEFAULT 0);
CREATE TABLE webhook_attempts(
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  webhook TEXT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
  alert INTEGER NOT NULL,
  attempt INTEGER NOT NULL,
  at INTEGER NOT NULL,
  status INTEGER,
  error TEXT NOT NULL,
  duration_ms REAL NOT NULL,
  outcome TEXT NOT NULL,
  next_attempt_in_ms INTEGER);
CREATE INDEX webhook_attempts_by_webhook ON webhook_attempts(webhook, seq);
)sql"},
    {4, "flight workers: leases and the violations they store", R"sql(
CREATE TABLE leases(
  name TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  epoch INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  cursor INTEGER NOT NULL DEFAULT 0,
  watermark INTEGER);
CREATE TABLE flight_violations(
  icao24 TEXT NOT NULL,
  zone TEXT NOT NULL,
  version INTEGER NOT NULL,
  entry_time INTEGER NOT NULL,
  ordinal INTEGER NOT NULL,
  exit_time INTEGER NOT NULL,
  lost_inside INTEGER NOT NULL,
  record TEXT NOT NULL,
  open_record TEXT NOT NULL,
  path TEXT NOT NULL,
  PRIMARY KEY(icao24, zone, version, entry_time));
CREATE INDEX flight_violations_by_entry ON flight_violations(entry_time);
)sql"},
};

}  // namespace truce::store::sqlite
