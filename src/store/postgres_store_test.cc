// The PostgreSQL store's own behaviour: URLs and what errors show of them, migrations when
// servers start together, the append-only triggers seen through raw SQL, connections and locks
// that the server ends. What every store does is the conformance suite's.
#include "store/postgres_store.h"

#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "store/open_store.h"
#include "store/test_entries.h"
#include "store/test_postgres.h"

namespace truce::store {
namespace {

using testing::TestPostgres;

using testing::T;

TEST(PostgresUrlTest, RecognisesUrlsAndRedactsPasswords) {
  EXPECT_TRUE(IsPostgresUrl("postgresql://u@h/db"));
  EXPECT_TRUE(IsPostgresUrl("postgres://u@h/db"));
  EXPECT_FALSE(IsPostgresUrl("/var/lib/truce/truce.db"));
  EXPECT_FALSE(IsPostgresUrl("postgresql.db"));
  EXPECT_EQ(RedactUrl("postgresql://u:s3cret@h:5432/db"), "postgresql://u:***@h:5432/db");
  EXPECT_EQ(RedactUrl("postgresql://u@h:5432/db"), "postgresql://u@h:5432/db");
  EXPECT_EQ(RedactUrl("postgres://u:p%40ss@h/db?sslmode=require"),
            "postgres://u:***@h/db?sslmode=require");
  EXPECT_EQ(RedactUrl("postgresql://h/db?user=u&password=s3cret&sslmode=require"),
            "postgresql://h/db?user=u&password=***&sslmode=require");
  // An '@' in the path or query is not the end of a user's credentials.
  EXPECT_EQ(RedactUrl("postgresql://h/db?application_name=a:b@c"),
            "postgresql://h/db?application_name=a:b@c");
}

TEST(PostgresUrlTest, AnUnreachableServerIsAnIoErrorThatNeverShowsThePassword) {
  // Port 1 on loopback: nothing listens there.
  for (const std::string url :
       {"postgresql://truce:hunter2secret@127.0.0.1:1/truce",
        "postgres://truce:hunter%32secret@127.0.0.1:1/truce",
        "postgresql://127.0.0.1:1/truce?user=truce&password=hunter2secret"}) {
    auto store = OpenStore(url);
    ASSERT_FALSE(store.ok()) << url;
    EXPECT_EQ(store.error().code, ErrorCode::kIo);
    const std::string& message = store.error().message;
    EXPECT_EQ(message.find("hunter"), std::string::npos) << message;
    EXPECT_NE(message.find("127.0.0.1:1"), std::string::npos) << message;
    EXPECT_NE(message.find("***"), std::string::npos) << message;
  }
  // A malformed URL: libpq's complaint is passed on, scrubbed too.
  auto bad = OpenStore("postgresql://truce:hunter2secret@127.0.0.1:1/truce?nosuchoption=1");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message.find("hunter"), std::string::npos) << bad.error().message;
}

class PostgresStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    server_ = TestPostgres::Shared(&why);
    if (!server_) GTEST_SKIP() << why;
    auto url = server_->NewDatabase();
    ASSERT_TRUE(url.ok()) << url.error().message;
    url_ = *url;
  }

  std::unique_ptr<Store> Open() {
    auto store = OpenPostgresStore(url_);
    EXPECT_TRUE(store.ok()) << store.error().message;
    return store.ok() ? std::move(store).value() : nullptr;
  }

  static void AppendOne(Store& store) {
    ASSERT_TRUE(testing::AppendTo(
                    store, {testing::ReportEntry(0, "A", 1, "2024-01-01T10:00:00Z", "2017-06-01")})
                    .ok());
  }

  TestPostgres* server_ = nullptr;
  std::string url_;
};

TEST_F(PostgresStoreTest, MigratesOnceWhenServersStartTogether) {
  constexpr int kServers = 4;
  std::vector<std::thread> threads;
  std::atomic<int> opened = 0;
  for (int i = 0; i < kServers; ++i) {
    threads.emplace_back([&] {
      auto store = OpenPostgresStore(url_);
      EXPECT_TRUE(store.ok()) << store.error().message;
      if (store.ok() && *(*store)->SchemaVersion() == LatestPostgresSchemaVersion()) ++opened;
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(opened, kServers);
  // Each migration recorded once (versions need not be contiguous in a branch: another change
  // may hold a number), up to the latest.
  auto rows = TestPostgres::QueryValue(
      url_,
      "SELECT (COUNT(*) - COUNT(DISTINCT version)) || ' ' || MAX(version) FROM "
      "schema_version");
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  EXPECT_EQ(*rows, "0 " + std::to_string(LatestPostgresSchemaVersion()));
}

TEST_F(PostgresStoreTest, RefusesADatabaseFromANewerTruce) {
  ASSERT_NE(Open(), nullptr);
  ASSERT_TRUE(TestPostgres::Exec(url_, "INSERT INTO schema_version VALUES(99, 'future', 0)").ok());
  auto store = OpenPostgresStore(url_);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, ErrorCode::kConflict);
  EXPECT_NE(store.error().message.find("schema version 99"), std::string::npos)
      << store.error().message;
}

TEST_F(PostgresStoreTest, SubmittedMaterialIsAppendOnly) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  AppendOne(*store);
  ASSERT_TRUE(store->SetMetaOnce("log_public_key", "abc").ok());
  ASSERT_TRUE(store->AddToken({"t1", Sha256("s"), "admin", "", T("2024-01-01"), {}, ""}).ok());
  for (const char* sql :
       {"UPDATE log_entries SET data = 'x'", "DELETE FROM log_entries", "TRUNCATE log_entries",
        "UPDATE reports SET latitude = 0", "DELETE FROM tree_heads", "TRUNCATE tree_heads",
        "UPDATE meta SET value = 'x'", "DELETE FROM meta", "TRUNCATE positions CASCADE",
        "DELETE FROM claims", "UPDATE scenario_versions SET version = 2",
        "DELETE FROM publications"}) {
    Status st = TestPostgres::Exec(url_, sql);
    ASSERT_FALSE(st.ok()) << sql;
    EXPECT_NE(st.error().message.find("append-only"), std::string::npos) << st.error().message;
  }
  EXPECT_EQ(*store->EntryCount(), 1u);
  EXPECT_EQ(**store->GetMeta("log_public_key"), "abc");
  // Tokens are not submitted material: revoking one is an UPDATE.
  EXPECT_TRUE(store->RevokeToken("t1", T("2024-02-01")).ok());
}

TEST_F(PostgresStoreTest, ConnectionsTheServerEndsAreReplaced) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  AppendOne(*store);
  // An administrator (or a restart) ends every connection of the store.
  ASSERT_TRUE(TestPostgres::Exec(url_,
                                 "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE "
                                 "application_name = 'truce' AND datname = current_database()")
                  .ok());
  EXPECT_EQ(*store->EntryCount(), 1u);
  EXPECT_EQ(store->QueryReports({})->size(), 1u);
  ASSERT_TRUE(store->SetMetaOnce("k", "v").ok());
}

TEST_F(PostgresStoreTest, AnAppendLockDiesWithItsSession) {
  auto a = Open();
  auto b = Open();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  auto held = a->LockAppends();
  ASSERT_TRUE(held.ok()) << held.error().message;
  // The writer holding it is cut off: its session ends, and with it the lock.
  ASSERT_TRUE(TestPostgres::Exec(url_,
                                 "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = "
                                 "'advisory' AND granted")
                  .ok());
  auto taken = b->LockAppends();
  ASSERT_TRUE(taken.ok()) << taken.error().message;
  held->reset();  // releasing a lock the server already released is harmless
  taken->reset();
  AppendOne(*a);
}

}  // namespace
}  // namespace truce::store
