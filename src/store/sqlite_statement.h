// The SQLite store's statements (internal): prepared statements, errors, WHERE clauses.
#pragma once

#include <sqlite3.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "store/store.h"

namespace truce::store::sqlite {

Hash ToHash(const void* blob, int bytes);

// A prepared statement. Owns the sqlite3_stmt; binds are 1-based as in SQLite.
class Stmt {
 public:
  Stmt(sqlite3* db, std::string_view sql) : db_(db) {
    rc_ = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr);
  }
  // Borrows a statement from the store's cache; it is reset, not finalised, when done.
  Stmt(sqlite3* db, sqlite3_stmt* cached) : db_(db), stmt_(cached), owned_(false) {
    rc_ = cached ? SQLITE_OK : SQLITE_ERROR;
  }
  ~Stmt() {
    if (owned_) {
      sqlite3_finalize(stmt_);
    } else if (stmt_) {
      sqlite3_reset(stmt_);
      sqlite3_clear_bindings(stmt_);
    }
  }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  bool prepared() const { return rc_ == SQLITE_OK && stmt_; }
  Stmt& Bind(int i, int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  Stmt& Bind(int i, double v) {
    sqlite3_bind_double(stmt_, i, v);
    return *this;
  }
  Stmt& Bind(int i, std::string_view v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& BindBlob(int i, std::string_view v) {
    sqlite3_bind_blob(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& BindBlob(int i, const Hash& h) {
    sqlite3_bind_blob(stmt_, i, h.data(), static_cast<int>(h.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& BindNull(int i) {
    sqlite3_bind_null(stmt_, i);
    return *this;
  }
  // Makes the statement ready to run again with new bindings.
  void Reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  // SQLITE_ROW, SQLITE_DONE or an error code.
  int Step() { return sqlite3_step(stmt_); }

  int64_t Int(int c) const { return sqlite3_column_int64(stmt_, c); }
  double Real(int c) const { return sqlite3_column_double(stmt_, c); }
  bool IsNull(int c) const { return sqlite3_column_type(stmt_, c) == SQLITE_NULL; }
  std::string Text(int c) const {
    const auto* p = sqlite3_column_text(stmt_, c);
    return p ? std::string(reinterpret_cast<const char*>(p), sqlite3_column_bytes(stmt_, c))
             : std::string();
  }
  std::string Blob(int c) const {
    const void* p = sqlite3_column_blob(stmt_, c);
    return p ? std::string(static_cast<const char*>(p), sqlite3_column_bytes(stmt_, c))
             : std::string();
  }
  Hash HashAt(int c) const {
    return ToHash(sqlite3_column_blob(stmt_, c), sqlite3_column_bytes(stmt_, c));
  }
  std::string ErrorMessage() const { return sqlite3_errmsg(db_); }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  bool owned_ = true;
  int rc_ = SQLITE_ERROR;
};

// A failed statement: kConflict when it broke a constraint (a unique key), else kIo.
Error SqlError(sqlite3* db, std::string_view what);

using SqlValue = std::variant<int64_t, double, std::string>;

// A WHERE clause built from optional filters, with its parameters in order.
class Where {
 public:
  void Add(std::string_view cond, std::vector<SqlValue> values) {
    sql_ += sql_.empty() ? " WHERE " : " AND ";
    sql_ += cond;
    for (SqlValue& v : values) values_.push_back(std::move(v));
  }
  const std::string& sql() const { return sql_; }
  void BindAll(Stmt& s) const {
    for (size_t i = 0; i < values_.size(); ++i) {
      std::visit([&](const auto& v) { s.Bind(static_cast<int>(i + 1), v); }, values_[i]);
    }
  }

 private:
  std::string sql_;
  std::vector<SqlValue> values_;
};

void AddTimeFilter(Where& w, std::string_view cond, std::optional<UtcTime> t);

void AddTextFilter(Where& w, std::string_view cond, const std::string& v);

void AddBoxFilter(Where& w, const std::optional<LatLngRect>& box);

std::string LimitClause(size_t limit);

}  // namespace truce::store::sqlite
