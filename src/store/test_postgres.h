// A throw-away PostgreSQL server for tests: a cluster made with initdb under a temporary
// directory and a postgres process on a free loopback port, stopped and removed when the test
// is done (and, through the parent-death signal, when the test process dies). Root cannot run
// PostgreSQL, so a test running as root starts it as the unprivileged system user "postgres"
// (or "nobody"), which owns the directory.
//
// Environment:
//   TRUCE_TEST_POSTGRES_URL  use this server instead of starting one (a URL of any database the
//                            user may CREATE DATABASE from); tests make their databases there.
//   TRUCE_POSTGRES_BIN       the directory of initdb and postgres (default: the newest of
//                            /usr/lib/postgresql/{17,16,15,14}/bin).
//
// For tests only: the server runs with fsync off (it is thrown away; what the store asks of it,
// synchronous commits, is unchanged).
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <string_view>

#include "truce/result.h"

namespace truce::store::testing {

class TestPostgres {
 public:
  // Starts a server. The error says why none could be started; tests skip with it.
  [[nodiscard]] static Result<std::unique_ptr<TestPostgres>> Start();
  // The server of this process, started on first use and stopped at exit; nullptr when none
  // can be started, with the reason in `why`. REQUIRES: called from the thread that lives
  // longest (the main thread), since the server is stopped when that thread ends.
  static TestPostgres* Shared(std::string* why);

  ~TestPostgres();
  TestPostgres(const TestPostgres&) = delete;
  TestPostgres& operator=(const TestPostgres&) = delete;

  // Creates a new, empty database and returns its URL.
  [[nodiscard]] Result<std::string> NewDatabase();
  // Runs `sql` (one or more statements) on the database at `url` as its owner, bypassing truce:
  // what an administrator or an attacker with the database's password could do.
  [[nodiscard]] static Status Exec(const std::string& url, const std::string& sql);
  // The first column of the first row of `sql` on `url`, as text ("" when no row).
  [[nodiscard]] static Result<std::string> QueryValue(const std::string& url,
                                                      const std::string& sql);

  // postgresql://USER@127.0.0.1:PORT/DATABASE on this server.
  std::string Url(std::string_view database) const;

 private:
  TestPostgres() = default;
  std::string url_prefix_;  // up to the database name: "postgresql://USER@HOST:PORT/"
  std::string url_suffix_;  // after it: "" or "?PARAMS"
  std::string admin_db_ = "postgres";
  std::string dir_;  // "" when an outside server is used
  pid_t pid_ = -1;
};

}  // namespace truce::store::testing
