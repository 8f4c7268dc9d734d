// The store conformance suite's fixture: the backends (in memory, SQLite, PostgreSQL) it runs on.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <ostream>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "store/mem_store.h"
#include "store/postgres_store.h"
#include "store/sqlite_store.h"
#include "store/test_entries.h"
#include "store/test_postgres.h"

namespace truce::store::conformance {

namespace fs = std::filesystem;

// One kind of store: makes fresh databases and opens connections (Store objects) to them.
class Backend {
 public:
  virtual ~Backend() = default;
  // Makes a new, empty database to connect to. An error means the backend cannot run here
  // (the cases skip with it).
  virtual Status NewDatabase() = 0;
  // A new connection to the database: another Store over the same data (as a restarted server,
  // or another server, would open it).
  virtual Result<std::unique_ptr<Store>> Connect() = 0;
};

class MemBackend final : public Backend {
 public:
  Status NewDatabase() override {
    db_ = MemStore().database();
    return Status::Ok();
  }
  Result<std::unique_ptr<Store>> Connect() override {
    return std::unique_ptr<Store>(std::make_unique<MemStore>(db_));
  }

 private:
  std::shared_ptr<MemDatabase> db_;
};

class SqliteBackend final : public Backend {
 public:
  ~SqliteBackend() override {
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }
  Status NewDatabase() override {
    dir_ =
        fs::temp_directory_path() / ("truce_conformance_" + std::to_string(std::random_device{}()) +
                                     std::to_string(std::random_device{}()));
    fs::create_directories(dir_);
    return Status::Ok();
  }
  Result<std::unique_ptr<Store>> Connect() override {
    return OpenSqliteStore((dir_ / "truce.db").string());
  }

 private:
  fs::path dir_;
};

class PostgresBackend final : public Backend {
 public:
  Status NewDatabase() override {
    std::string why;
    testing::TestPostgres* server = testing::TestPostgres::Shared(&why);
    if (!server) return MakeError(ErrorCode::kUnavailable, why);
    auto url = server->NewDatabase();
    if (!url.ok()) return url.error();
    url_ = *url;
    return Status::Ok();
  }
  Result<std::unique_ptr<Store>> Connect() override { return OpenPostgresStore(url_); }

 private:
  std::string url_;
};

struct BackendCase {
  std::string name;
  std::function<std::unique_ptr<Backend>()> make;
  friend void PrintTo(const BackendCase& c, std::ostream* out) { *out << c.name; }
};

class StoreConformance : public ::testing::TestWithParam<BackendCase> {
 protected:
  void SetUp() override {
    backend_ = GetParam().make();
    if (Status st = backend_->NewDatabase(); !st.ok()) {
      GTEST_SKIP() << GetParam().name << ": " << st.error().message;
    }
    store_ = Connect();
    ASSERT_NE(store_, nullptr);
  }

  std::unique_ptr<Store> Connect() {
    auto s = backend_->Connect();
    EXPECT_TRUE(s.ok()) << s.error().message;
    return s.ok() ? std::move(s).value() : nullptr;
  }
  void Reopen() {
    store_.reset();
    store_ = Connect();
    ASSERT_NE(store_, nullptr);
  }

  Status AppendAll(const std::vector<std::pair<LogEntry, EntryIndex>>& batch) {
    return testing::AppendTo(*store_, batch);
  }

  static std::vector<std::string> Ids(const std::vector<Indexed<ReportRow>>& rows) {
    std::vector<std::string> out;
    for (const auto& r : rows) out.push_back(r.row.event_id + "/" + std::to_string(r.row.revision));
    return out;
  }

  std::unique_ptr<Backend> backend_;
  std::unique_ptr<Store> store_;
};

using V = std::vector<std::string>;

}  // namespace truce::store::conformance
