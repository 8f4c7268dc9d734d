// The PostgreSQL store's libpq plumbing: URLs and their passwords, statements, the pool.
#include "store/postgres_connection.h"

#include <poll.h>

#include <chrono>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "store/postgres_store.h"

namespace truce::store {
namespace pg {
namespace {

// How long a call waits for a free connection of the pool.
constexpr auto kPoolWait = std::chrono::seconds(30);

// --- URLs -----------------------------------------------------------------------------------

// Where the password of a URL is: [begin, end) of the text between "user:" and "@" in the
// authority, or nothing.
std::optional<std::pair<size_t, size_t>> PasswordSpan(std::string_view url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return std::nullopt;
  const size_t begin = scheme + 3;
  const size_t end = url.find_first_of("/?#", begin);
  const std::string_view authority =
      url.substr(begin, end == std::string_view::npos ? std::string_view::npos : end - begin);
  const size_t at = authority.rfind('@');
  if (at == std::string_view::npos) return std::nullopt;
  const size_t colon = authority.substr(0, at).find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  return std::make_pair(begin + colon + 1, begin + at);
}

// The password of a URL as written and percent-decoded, so both can be scrubbed from what
// libpq says; also a "password=" query parameter.
std::vector<std::string> Secrets(std::string_view url) {
  std::vector<std::string> out;
  auto add = [&](std::string_view raw) {
    if (raw.empty()) return;
    out.emplace_back(raw);
    std::string decoded;
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '%' && i + 2 < raw.size()) {
        decoded +=
            static_cast<char>(std::strtol(std::string(raw.substr(i + 1, 2)).c_str(), nullptr, 16));
        i += 2;
      } else {
        decoded += raw[i];
      }
    }
    if (decoded != raw) out.push_back(decoded);
  };
  if (auto span = PasswordSpan(url)) add(url.substr(span->first, span->second - span->first));
  for (size_t at = url.find("password="); at != std::string_view::npos;
       at = url.find("password=", at + 1)) {
    const size_t begin = at + 9;
    const size_t end = url.find_first_of("&#", begin);
    add(url.substr(begin, end == std::string_view::npos ? std::string_view::npos : end - begin));
  }
  return out;
}

std::string Scrub(std::string text, const std::vector<std::string>& secrets) {
  for (const std::string& secret : secrets) {
    for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 3)) {
      text.replace(at, secret.size(), "***");
    }
  }
  return text;
}

// libpq's messages on one line: "connection ... failed: Connection refused\n\tIs the server
// running ...?\n" becomes "connection ... failed: Connection refused Is the server ...?".
std::string OneLine(std::string s) {
  std::string out;
  for (char c : s) {
    const bool space = c == '\n' || c == '\t' || c == ' ';
    if (space && (out.empty() || out.back() == ' ')) continue;
    out += space ? ' ' : c;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

}  // namespace
}  // namespace pg

// Declared in postgres_store.h; defined here, beside the other URL helpers.
std::string RedactUrl(std::string_view url) {
  std::string out(url);
  if (auto span = pg::PasswordSpan(url)) {
    out.replace(span->first, span->second - span->first, "***");
  }
  for (size_t at = out.find("password="); at != std::string::npos;
       at = out.find("password=", at + 1)) {
    const size_t begin = at + 9;
    const size_t end = out.find_first_of("&#", begin);
    out.replace(begin, (end == std::string::npos ? out.size() : end) - begin, "***");
  }
  return out;
}

namespace pg {

// --- Statements -----------------------------------------------------------------------------

// Replaces each '?' of `sql` by $1, $2, ... from `first`.
std::string Number(std::string_view sql, int first) {
  std::string out;
  for (char c : sql) {
    if (c == '?') {
      out += fmt::format("${}", first++);
    } else {
      out += c;
    }
  }
  return out;
}

std::string LimitClause(size_t limit) {
  return limit == 0 ? std::string() : fmt::format(" LIMIT {}", limit);
}

// --- Connections ----------------------------------------------------------------------------

Pool::Pool(std::string url, int max) : url_(std::move(url)), secrets_(Secrets(url_)), max_(max) {}

Pool::~Pool() {
  for (PGconn* c : idle_) PQfinish(c);
}

Result<Conn> Pool::Get() {
  std::unique_lock lock(mu_);
  if (!cv_.wait_for(lock, kPoolWait, [this] { return !idle_.empty() || open_ < max_; })) {
    return MakeError(ErrorCode::kUnavailable,
                     fmt::format("store: all {} connections to {} stayed busy for {} s", max_,
                                 RedactUrl(url_), kPoolWait.count()));
  }
  while (!idle_.empty()) {
    PGconn* c = idle_.back();
    idle_.pop_back();
    if (Alive(c)) return Conn(this, c);
    PQfinish(c);  // ended by the server (restart, idle timeout, administrator)
    --open_;
  }
  ++open_;
  lock.unlock();
  auto conn = Connect();
  if (!conn.ok()) {
    Release(nullptr);
    return conn.error();
  }
  return Conn(this, *conn);
}

void Pool::Release(PGconn* c) {
  {
    std::lock_guard lock(mu_);
    if (c && PQstatus(c) == CONNECTION_OK && PQtransactionStatus(c) == PQTRANS_IDLE) {
      idle_.push_back(c);
    } else {
      if (c) PQfinish(c);
      --open_;
    }
  }
  cv_.notify_one();
}

bool Pool::Alive(PGconn* c) {
  pollfd p{PQsocket(c), POLLIN, 0};
  if (::poll(&p, 1, 0) > 0) {
    PQconsumeInput(c);
    while (PGnotify* n = PQnotifies(c)) PQfreemem(n);
  }
  return PQstatus(c) == CONNECTION_OK;
}

Result<PGconn*> Pool::Connect() {
  // Later keywords override earlier ones, so the URL (dbname, expanded) may override these.
  const char* keywords[] = {"connect_timeout", "fallback_application_name", "dbname", nullptr};
  const char* values[] = {"10", "truce", url_.c_str(), nullptr};
  PGconn* c = PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
  if (!c || PQstatus(c) != CONNECTION_OK) {
    std::string why = c ? OneLine(PQerrorMessage(c)) : "out of memory";
    PQfinish(c);
    return MakeError(ErrorCode::kIo,
                     Scrub(fmt::format("{}: cannot connect: {}", RedactUrl(url_), why), secrets_));
  }
  if (PQserverVersion(c) < 140000) {
    const int version = PQserverVersion(c);
    PQfinish(c);
    return MakeError(ErrorCode::kIo,
                     fmt::format("{}: PostgreSQL {}.{} is too old; truce needs 14 or newer",
                                 RedactUrl(url_), version / 10000, version % 10000));
  }
  // What the server says besides results (notices, the reason it ends a session) is not for
  // the server's stderr: errors reach the caller through the results.
  PQsetNoticeProcessor(
      c, [](void*, const char*) {}, nullptr);
  // Whatever the server's defaults: durable commits; results in the forms Rows reads (bytes
  // as hex, doubles in their shortest exact form); notices (e.g. "already exists") unseen.
  PGresult* r = PQexec(c,
                       "SET synchronous_commit = on; SET bytea_output = 'hex'; "
                       "SET extra_float_digits = 1; SET client_min_messages = warning; "
                       "SET TIME ZONE 'UTC'");
  const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  const std::string why = ok ? "" : OneLine(PQresultErrorMessage(r));
  PQclear(r);
  if (!ok) {
    PQfinish(c);
    return MakeError(ErrorCode::kIo,
                     fmt::format("{}: cannot set up the session: {}", RedactUrl(url_), why));
  }
  return c;
}

Conn::~Conn() {
  if (pool_) pool_->Release(conn_);
}

Error Conn::Fail(std::string_view what, const PGresult* r) {
  const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  const std::string sqlstate = state ? state : "";
  ErrorCode code = ErrorCode::kIo;
  if (sqlstate.rfind("23", 0) == 0) code = ErrorCode::kConflict;  // integrity constraint
  if (sqlstate == "55P03" || sqlstate == "57014") code = ErrorCode::kUnavailable;  // timeouts
  // One line: the server's message and its detail ("Key (event_id, revision)=(X, 1) already
  // exists"), else what libpq says (a connection lost).
  const char* primary = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  const char* detail = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL) : nullptr;
  std::string why = primary ? primary : PQerrorMessage(conn_);
  if (detail) why += fmt::format(" ({})", detail);
  why = OneLine(std::move(why));
  return MakeError(code, Scrub(fmt::format("store: {}: {}", what, why), pool_->secrets()));
}

Result<Rows> Conn::Run(std::string_view what, const std::string& sql, const Params& params) {
  const auto values = params.Values();
  const auto lengths = params.Lengths();
  // Without parameters, the simple protocol: several statements may be sent at once (the last
  // one's result comes back).
  Rows rows(params.size() == 0
                ? PQexec(conn_, sql.c_str())
                : PQexecParams(conn_, sql.c_str(), params.size(), nullptr, values.data(),
                               lengths.data(), params.Formats().data(), /*resultFormat=*/0));
  const ExecStatusType status = PQresultStatus(rows.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) return Fail(what, rows.get());
  return rows;
}

Status Conn::Script(std::string_view what, const std::string& sql) {
  PGresult* r = PQexec(conn_, sql.c_str());
  const ExecStatusType status = PQresultStatus(r);
  Status out = Status::Ok();
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) out = Fail(what, r);
  PQclear(r);
  return out;
}

void Conn::Abandon() {
  if (PQtransactionStatus(conn_) != PQTRANS_IDLE) {
    PGresult* r = PQexec(conn_, "ROLLBACK");
    PQclear(r);
  }
}

}  // namespace pg
}  // namespace truce::store
