// The PostgreSQL store's rows as it reads them back (internal): each query's columns and the
// record one result row gives.
#pragma once

#include "store/postgres_connection.h"
#include "store/store.h"
#include "store/store_internal.h"

namespace truce::store::pg {

inline constexpr const char* kTokenColumns =
    "SELECT id, secret_hash, role, party, created_at, revoked_at, signature FROM tokens";
inline constexpr const char* kEntryColumns =
    "SELECT idx, kind, received_at, submitter, party, data, leaf_hash, receipt FROM log_entries";
inline constexpr const char* kHeadColumns =
    "SELECT size, root, timestamp, signature FROM tree_heads";
inline constexpr const char* kReportColumns =
    "SELECT r.entry, r.event_id, r.revision, r.received_at, r.party, r.event_type, r.source, "
    "r.time_begin, r.time_end, r.latitude, r.longitude, e.data FROM reports r "
    "JOIN log_entries e ON e.idx = r.entry";
inline constexpr const char* kPositionColumns =
    "SELECT entry, ordinal, icao24, time, latitude, longitude, fields FROM positions";
inline constexpr const char* kClaimColumns =
    "SELECT entry, party, incident, stance, received_at FROM claims";
inline constexpr const char* kScenarioColumns =
    "SELECT entry, scenario_id, version, digest, received_at FROM scenario_versions";
inline constexpr const char* kPublicationColumns =
    "SELECT entry, incident, received_at FROM publications";

inline TokenRecord ReadToken(const Rows& r, int i) {
  TokenRecord t;
  t.id = r.Text(i, 0);
  t.secret_hash = r.HashAt(i, 1);
  t.role = r.Text(i, 2);
  t.party = r.Text(i, 3);
  t.created_at = detail::FromMillis(r.Int(i, 4));
  if (!r.IsNull(i, 5)) t.revoked_at = detail::FromMillis(r.Int(i, 5));
  t.signature = r.Bytes(i, 6);
  return t;
}
inline LogEntry ReadEntry(const Rows& r, int i) {
  return LogEntry{static_cast<uint64_t>(r.Int(i, 0)),
                  r.Text(i, 1),
                  detail::FromMillis(r.Int(i, 2)),
                  r.Text(i, 3),
                  r.Text(i, 4),
                  r.Text(i, 5),
                  r.HashAt(i, 6),
                  r.Bytes(i, 7)};
}
inline TreeHead ReadHead(const Rows& r, int i) {
  return TreeHead{static_cast<uint64_t>(r.Int(i, 0)), r.HashAt(i, 1),
                  detail::FromMillis(r.Int(i, 2)), r.Bytes(i, 3)};
}
inline ReportRow ReadReportRow(const Rows& r, int i) {
  ReportRow out;
  out.entry = static_cast<uint64_t>(r.Int(i, 0));
  out.event_id = r.Text(i, 1);
  out.revision = static_cast<int>(r.Int(i, 2));
  out.received_at = detail::FromMillis(r.Int(i, 3));
  out.party = r.Text(i, 4);
  out.event_type = r.Text(i, 5);
  out.source = r.Text(i, 6);
  out.time_begin = detail::FromMillis(r.Int(i, 7));
  out.time_end = detail::FromMillis(r.Int(i, 8));
  out.latitude = r.Real(i, 9);
  out.longitude = r.Real(i, 10);
  return out;
}
inline PositionRow ReadPosition(const Rows& r, int i) {
  return PositionRow{static_cast<uint64_t>(r.Int(i, 0)),
                     static_cast<int>(r.Int(i, 1)),
                     r.Text(i, 2),
                     detail::FromMillis(r.Int(i, 3)),
                     r.Real(i, 4),
                     r.Real(i, 5),
                     r.Text(i, 6)};
}
inline ClaimRow ReadClaim(const Rows& r, int i) {
  return ClaimRow{static_cast<uint64_t>(r.Int(i, 0)), r.Text(i, 1), r.Text(i, 2), r.Text(i, 3),
                  detail::FromMillis(r.Int(i, 4))};
}
inline ScenarioRow ReadScenario(const Rows& r, int i) {
  return ScenarioRow{static_cast<uint64_t>(r.Int(i, 0)), r.Text(i, 1),
                     static_cast<int>(r.Int(i, 2)), r.Text(i, 3), detail::FromMillis(r.Int(i, 4))};
}
inline PublicationRow ReadPublication(const Rows& r, int i) {
  return PublicationRow{static_cast<uint64_t>(r.Int(i, 0)), r.Text(i, 1),
                        detail::FromMillis(r.Int(i, 2))};
}

}  // namespace truce::store::pg
