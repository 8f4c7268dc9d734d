// The SQLite store's statements: blobs as hashes, errors, the filters of a WHERE clause.
#include "store/sqlite_statement.h"

#include <algorithm>

#include <fmt/format.h>

#include "store/store_internal.h"

namespace truce::store::sqlite {

using detail::Millis;

Hash ToHash(const void* blob, int bytes) {
  Hash h{};
  if (blob && bytes == static_cast<int>(h.size())) {
    std::copy_n(static_cast<const uint8_t*>(blob), h.size(), h.begin());
  }
  return h;
}

Error SqlError(sqlite3* db, std::string_view what) {
  const ErrorCode code =
      sqlite3_errcode(db) == SQLITE_CONSTRAINT ? ErrorCode::kConflict : ErrorCode::kIo;
  return MakeError(code, fmt::format("store: {}: {}", what, sqlite3_errmsg(db)));
}

void AddTimeFilter(Where& w, std::string_view cond, std::optional<UtcTime> t) {
  if (t) w.Add(cond, {Millis(*t)});
}

void AddTextFilter(Where& w, std::string_view cond, const std::string& v) {
  if (!v.empty()) w.Add(cond, {v});
}

void AddBoxFilter(Where& w, const std::optional<LatLngRect>& box) {
  if (!box) return;
  w.Add("latitude BETWEEN ? AND ? AND longitude BETWEEN ? AND ?",
        {box->lat_lo, box->lat_hi, box->lng_lo, box->lng_hi});
}

std::string LimitClause(size_t limit) {
  return limit == 0 ? std::string() : fmt::format(" LIMIT {}", limit);
}

}  // namespace truce::store::sqlite
