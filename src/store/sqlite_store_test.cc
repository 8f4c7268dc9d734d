// The SQLite store's own behaviour: its file, migrations and triggers. What every store does is
// the conformance suite's (store_conformance_test.cc).
#include "store/sqlite_store.h"

#include <sqlite3.h>
#include <sys/stat.h>

#include <filesystem>
#include <random>

#include <gtest/gtest.h>

#include "store/test_entries.h"

namespace truce::store {
namespace {

namespace fs = std::filesystem;

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        fs::temp_directory_path() / ("truce_store_test_" + std::to_string(std::random_device{}()));
    fs::create_directories(dir_);
    path_ = (dir_ / "truce.db").string();
    Reopen();
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }
  void Reopen() {
    store_.reset();
    auto s = OpenSqliteStore(path_);
    ASSERT_TRUE(s.ok()) << s.error().message;
    store_ = std::move(s).value();
  }

  fs::path dir_;
  std::string path_;
  std::unique_ptr<Store> store_;
};

TEST_F(SqliteStoreTest, MigratesAndRecordsTheSchemaVersion) {
  EXPECT_EQ(*store_->SchemaVersion(), LatestSchemaVersion());
  EXPECT_EQ(*store_->EntryCount(), 0u);
  Reopen();  // migrating an up-to-date database is a no-op
  EXPECT_EQ(*store_->SchemaVersion(), LatestSchemaVersion());
}

TEST_F(SqliteStoreTest, RefusesADatabaseFromANewerTruce) {
  store_.reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "INSERT INTO schema_version VALUES(99, 'future', 0)", nullptr, nullptr,
                         nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  auto s = OpenSqliteStore(path_);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kConflict);
  EXPECT_NE(s.error().message.find("schema version 99"), std::string::npos) << s.error().message;
}

TEST_F(SqliteStoreTest, NotADatabaseIsAnIoError) {
  store_.reset();
  const std::string bogus = (dir_ / "bogus.db").string();
  {
    std::FILE* f = std::fopen(bogus.c_str(), "w");
    std::fputs("this is not a database, just some text long enough to have a header......", f);
    std::fclose(f);
  }
  auto s = OpenSqliteStore(bogus);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kIo);
}

// Raw reports and token hashes are the owner's alone: the database and its -wal and -shm files
// are 0600 whatever the umask, and a database an older truce left 0644 is tightened on open.
TEST_F(SqliteStoreTest, TheDatabaseAndItsWalAreOwnerOnly) {
  const mode_t old_umask = ::umask(022);
  auto mode = [](const fs::path& p) {
    struct stat st {};
    EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
    return st.st_mode & 0777;
  };
  const std::string fresh = (dir_ / "fresh.db").string();
  {
    auto s = OpenSqliteStore(fresh);
    ASSERT_TRUE(s.ok()) << s.error().message;
    ASSERT_TRUE(testing::AppendTo(
                    **s, {testing::ReportEntry(0, "A", 1, "2024-01-01T10:00:00Z", "2017-06-01")})
                    .ok());
    for (const std::string suffix : {"", "-wal", "-shm"}) {
      ASSERT_TRUE(fs::exists(fresh + suffix)) << suffix;
      EXPECT_EQ(mode(fresh + suffix), 0600u) << fresh + suffix;
    }
  }
  store_.reset();
  ASSERT_EQ(::chmod(path_.c_str(), 0644), 0);
  Reopen();
  EXPECT_EQ(mode(path_), 0600u);
  ::umask(old_umask);
}

TEST_F(SqliteStoreTest, SubmittedMaterialIsAppendOnly) {
  ASSERT_TRUE(testing::AppendTo(
                  *store_, {testing::ReportEntry(0, "A", 1, "2024-01-01T10:00:00Z", "2017-06-01")})
                  .ok());
  ASSERT_TRUE(store_->SetMetaOnce("log_public_key", "abc").ok());
  store_.reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  for (const char* sql : {"UPDATE log_entries SET data = 'x'", "DELETE FROM log_entries",
                          "UPDATE reports SET latitude = 0", "DELETE FROM tree_heads",
                          "UPDATE meta SET value = 'x'"}) {
    char* message = nullptr;
    EXPECT_NE(sqlite3_exec(db, sql, nullptr, nullptr, &message), SQLITE_OK) << sql;
    if (message) {
      EXPECT_NE(std::string(message).find("append-only"), std::string::npos) << message;
      sqlite3_free(message);
    }
  }
  sqlite3_close(db);
}

}  // namespace
}  // namespace truce::store
