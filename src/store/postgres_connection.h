// The PostgreSQL store's libpq plumbing (internal): statement parameters and rows, the pool.
#pragma once

#include <libpq-fe.h>

#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "store/store.h"
#include "store/store_internal.h"

namespace truce::store::pg {

// --- Statements -----------------------------------------------------------------------------

// The parameters of one statement, in order ($1, $2, ...): text, except bytes sent as binary.
class Params {
 public:
  Params& Int(int64_t v) { return Add(std::to_string(v), 0); }
  Params& Real(double v) { return Add(fmt::format("{}", v), 0); }  // shortest exact form
  Params& Text(std::string_view v) { return Add(std::string(v), 0); }
  Params& Bytes(std::string_view v) { return Add(std::string(v), 1); }
  Params& Bytes(const Hash& h) {
    return Add(std::string(reinterpret_cast<const char*>(h.data()), h.size()), 1);
  }
  Params& Time(UtcTime t) { return Int(detail::Millis(t)); }
  Params& OptionalTime(const std::optional<UtcTime>& t) {
    if (t) return Time(*t);
    return Null();
  }
  Params& OptionalInt(const std::optional<int64_t>& v) {
    if (v) return Int(*v);
    return Null();
  }
  Params& Null() {
    values_.emplace_back();
    nulls_.push_back(true);
    formats_.push_back(0);
    return *this;
  }

  int size() const { return static_cast<int>(values_.size()); }
  // The arrays PQexecParams takes; valid until the next Add.
  std::vector<const char*> Values() const {
    std::vector<const char*> out;
    for (size_t i = 0; i < values_.size(); ++i)
      out.push_back(nulls_[i] ? nullptr : values_[i].data());
    return out;
  }
  std::vector<int> Lengths() const {
    std::vector<int> out;
    for (const std::string& v : values_) out.push_back(static_cast<int>(v.size()));
    return out;
  }
  const std::vector<int>& Formats() const { return formats_; }

 private:
  Params& Add(std::string v, int format) {
    values_.push_back(std::move(v));
    nulls_.push_back(false);
    formats_.push_back(format);
    return *this;
  }
  std::vector<std::string> values_;
  std::vector<bool> nulls_;
  std::vector<int> formats_;
};

// A result's rows, in text form.
class Rows {
 public:
  explicit Rows(PGresult* r) : r_(r, &PQclear) {}
  const PGresult* get() const { return r_.get(); }
  int size() const { return PQntuples(r_.get()); }
  bool IsNull(int row, int col) const { return PQgetisnull(r_.get(), row, col) != 0; }
  int64_t Int(int row, int col) const {
    return std::strtoll(PQgetvalue(r_.get(), row, col), nullptr, 10);
  }
  double Real(int row, int col) const {
    return std::strtod(PQgetvalue(r_.get(), row, col), nullptr);
  }
  std::string Text(int row, int col) const {
    return std::string(PQgetvalue(r_.get(), row, col),
                       static_cast<size_t>(PQgetlength(r_.get(), row, col)));
  }
  // A BYTEA in its text form "\x0a1b...".
  std::string Bytes(int row, int col) const {
    const std::string hex = Text(row, col);
    std::string out;
    for (size_t i = 2; i + 1 < hex.size(); i += 2) {
      out.push_back(static_cast<char>(std::strtol(hex.substr(i, 2).c_str(), nullptr, 16)));
    }
    return out;
  }
  Hash HashAt(int row, int col) const {
    const std::string bytes = Bytes(row, col);
    Hash h{};
    if (bytes.size() == h.size()) std::copy(bytes.begin(), bytes.end(), h.begin());
    return h;
  }
  // Rows changed by an INSERT / UPDATE.
  int64_t Affected() const { return std::strtoll(PQcmdTuples(r_.get()), nullptr, 10); }

 private:
  std::unique_ptr<PGresult, decltype(&PQclear)> r_;
};

// Replaces each '?' of `sql` by $1, $2, ... from `first`.
std::string Number(std::string_view sql, int first);

// A WHERE clause built from optional filters ('?' placeholders), with its parameters.
class Where {
 public:
  Params& params() { return params_; }
  void Add(std::string_view cond) {
    sql_ += sql_.empty() ? " WHERE " : " AND ";
    sql_ += cond;
  }
  // The clause with its placeholders numbered.
  std::string sql() const { return Number(sql_, 1); }

 private:
  std::string sql_;
  Params params_;
};

std::string LimitClause(size_t limit);

// --- Connections ----------------------------------------------------------------------------

class Pool;

// A connection borrowed from the pool, given back when destroyed (or closed, when broken).
class Conn {
 public:
  Conn(Pool* pool, PGconn* conn) : pool_(pool), conn_(conn) {}
  Conn(Conn&& other) noexcept
      : pool_(std::exchange(other.pool_, nullptr)), conn_(std::exchange(other.conn_, nullptr)) {}
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;
  Conn& operator=(Conn&&) = delete;
  ~Conn();

  // Runs one statement (or, without parameters, several separated by ';'). `what` names it in
  // errors. kConflict for a broken constraint, kUnavailable for a lock or statement timeout,
  // kIo otherwise.
  Result<Rows> Run(std::string_view what, const std::string& sql, const Params& params = {});
  // Runs statements without parameters (several may be separated by ';').
  Status Script(std::string_view what, const std::string& sql);
  // Rolls back an open transaction, if any; a connection that cannot is closed.
  void Abandon();
  PGconn* get() const { return conn_; }

 private:
  Error Fail(std::string_view what, const PGresult* r);
  Pool* pool_;
  PGconn* conn_;
};

// A pool of connections to one database, opened as needed. Thread-safe.
class Pool {
 public:
  Pool(std::string url, int max);
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // An idle connection, or a new one while fewer than `max` are open; else waits.
  Result<Conn> Get();

  // Takes a connection back; a broken one (or nullptr) is closed and its place freed.
  void Release(PGconn* c);

  const std::vector<std::string>& secrets() const { return secrets_; }
  const std::string& url() const { return url_; }

 private:
  // Whether an idle connection is still open: the server says nothing on one unless it ends it
  // (or sends a notice), so a readable socket is read, which tells.
  static bool Alive(PGconn* c);

  Result<PGconn*> Connect();

  const std::string url_;
  const std::vector<std::string> secrets_;
  const int max_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<PGconn*> idle_;
  int open_ = 0;
};

}  // namespace truce::store::pg
