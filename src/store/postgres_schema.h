// The PostgreSQL store's schema (internal): its migrations, in the order they apply.
#pragma once

#include "store/store_internal.h"

namespace truce::store::pg {

// The schema's migrations (numbered apart from SQLite's). Version 1 is the SQLite store's
// version 1 in PostgreSQL types: BIGINT times and indices, BYTEA hashes and signatures.
inline constexpr detail::Migration kMigrations[] = {
    {1, "log, query tables, tokens, tree heads", R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE tokens(
  id TEXT PRIMARY KEY,
  secret_hash BYTEA NOT NULL UNIQUE,
  role TEXT NOT NULL,
  party TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  revoked_at BIGINT);
CREATE TABLE log_entries(
  idx BIGINT PRIMARY KEY,
  kind TEXT NOT NULL,
  received_at BIGINT NOT NULL,
  submitter TEXT NOT NULL,
  party TEXT NOT NULL,
  data TEXT NOT NULL,
  leaf_hash BYTEA NOT NULL,
  receipt BYTEA NOT NULL);
CREATE TABLE tree_heads(
  size BIGINT PRIMARY KEY,
  root BYTEA NOT NULL,
  timestamp BIGINT NOT NULL,
  signature BYTEA NOT NULL);
CREATE TABLE reports(
  entry BIGINT PRIMARY KEY,
  event_id TEXT NOT NULL,
  revision INTEGER NOT NULL,
  received_at BIGINT NOT NULL,
  party TEXT NOT NULL,
  event_type TEXT NOT NULL,
  source TEXT NOT NULL,
  time_begin BIGINT NOT NULL,
  time_end BIGINT NOT NULL,
  latitude DOUBLE PRECISION NOT NULL,
  longitude DOUBLE PRECISION NOT NULL,
  UNIQUE(event_id, revision));
CREATE INDEX reports_by_time ON reports(time_begin);
CREATE TABLE positions(
  entry BIGINT NOT NULL,
  ordinal INTEGER NOT NULL,
  icao24 TEXT NOT NULL,
  time BIGINT NOT NULL,
  latitude DOUBLE PRECISION NOT NULL,
  longitude DOUBLE PRECISION NOT NULL,
  fields TEXT NOT NULL,
  PRIMARY KEY(entry, ordinal));
CREATE INDEX positions_by_time ON positions(time);
CREATE INDEX positions_by_aircraft ON positions(icao24, time);
CREATE TABLE claims(
  entry BIGINT PRIMARY KEY,
  party TEXT NOT NULL,
  incident TEXT NOT NULL,
  stance TEXT NOT NULL,
  received_at BIGINT NOT NULL);
CREATE INDEX claims_by_incident ON claims(incident);
CREATE TABLE scenario_versions(
  entry BIGINT PRIMARY KEY,
  scenario_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  digest TEXT NOT NULL,
  received_at BIGINT NOT NULL,
  UNIQUE(scenario_id, version));
CREATE TABLE publications(
  entry BIGINT PRIMARY KEY,
  incident TEXT NOT NULL,
  received_at BIGINT NOT NULL);
CREATE FUNCTION truce_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'truce: % is append-only', TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END $$;
)sql"},
    {2, "tokens signed with the log key", R"sql(
ALTER TABLE tokens ADD COLUMN signature BYTEA NOT NULL DEFAULT '\x';
)sql"},
    {3, "webhooks and their delivery attempts", R"sql(
CREATE TABLE webhooks(
  id TEXT PRIMARY KEY,
  url TEXT NOT NULL,
  secret TEXT NOT NULL,
  role TEXT NOT NULL,
  kinds TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  after_alert BIGINT NOT NULL DEFAULT 0,
  delivered BIGINT NOT NULL DEFAULT 0,
  given_up BIGINT NOT NULL DEFAULT 0);
CREATE TABLE webhook_attempts(
  seq BIGSERIAL PRIMARY KEY,
  webhook TEXT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
  alert BIGINT NOT NULL,
  attempt INTEGER NOT NULL,
  at BIGINT NOT NULL,
  status INTEGER,
  error TEXT NOT NULL,
  duration_ms DOUBLE PRECISION NOT NULL,
  outcome TEXT NOT NULL,
  next_attempt_in_ms BIGINT);
CREATE INDEX webhook_attempts_by_webhook ON webhook_attempts(webhook, seq);
)sql"},
    {4, "flight workers: leases and the violations they store", R"sql(
CREATE TABLE leases(
  name TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  epoch BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  cursor BIGINT NOT NULL DEFAULT 0,
  watermark BIGINT);
CREATE TABLE flight_violations(
  icao24 TEXT NOT NULL,
  zone TEXT NOT NULL,
  version INTEGER NOT NULL,
  entry_time BIGINT NOT NULL,
  ordinal INTEGER NOT NULL,
  exit_time BIGINT NOT NULL,
  lost_inside BOOLEAN NOT NULL,
  record TEXT NOT NULL,
  open_record TEXT NOT NULL,
  path TEXT NOT NULL,
  PRIMARY KEY(icao24, zone, version, entry_time));
CREATE INDEX flight_violations_by_entry ON flight_violations(entry_time);
)sql"},
};

}  // namespace truce::store::pg
