#include "store/sqlite_store.h"

#include <sqlite3.h>

#include <filesystem>
#include <random>

#include <gtest/gtest.h>

namespace truce::store {
namespace {

namespace fs = std::filesystem;

UtcTime T(const char* s) { return *ParseUtcTime(s); }

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

  // An entry carrying one report revision; the "hash" and "signature" are placeholders here
  // (the store keeps bytes, the ledger gives them meaning).
  std::pair<LogEntry, EntryIndex> ReportEntry(uint64_t index, const std::string& event_id,
                                              int revision, const char* received,
                                              const char* happened, double lat = 33.5,
                                              const std::string& party = "") {
    LogEntry e{index,
               "report",
               T(received),
               "tok1",
               party,
               "{\"report\":" + std::to_string(index) + "}",
               LeafHash(std::to_string(index)),
               std::string(64, 's')};
    ReportRow r;
    r.entry = index;
    r.event_id = event_id;
    r.revision = revision;
    r.received_at = e.received_at;
    r.party = party;
    r.event_type = "Battles";
    r.source = "src";
    r.time_begin = T(happened);
    r.time_end = r.time_begin + std::chrono::hours(24);
    r.latitude = lat;
    r.longitude = 36.4;
    return {e, EntryIndex{{r}, {}, {}, {}, {}}};
  }

  Status AppendAll(const std::vector<std::pair<LogEntry, EntryIndex>>& batch) {
    std::vector<LogEntry> entries;
    std::vector<EntryIndex> index;
    for (const auto& [e, i] : batch) {
      entries.push_back(e);
      index.push_back(i);
    }
    const uint64_t size = entries.empty() ? 0 : entries.back().index + 1;
    return store_->Append(
        entries, index,
        TreeHead{size, Sha256(std::to_string(size)), T("2024-01-01"), std::string(64, 'h')});
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

TEST_F(SqliteStoreTest, AppendsAndSurvivesReopen) {
  ASSERT_TRUE(AppendAll({ReportEntry(0, "SYR1", 1, "2024-01-01T10:00:00Z", "2017-06-01"),
                         ReportEntry(1, "SYR2", 1, "2024-01-01T10:00:00Z", "2017-06-02")})
                  .ok());
  ASSERT_TRUE(
      AppendAll({ReportEntry(2, "SYR1", 2, "2024-01-02T10:00:00Z", "2017-06-01", 34.0)}).ok());
  Reopen();
  EXPECT_EQ(*store_->EntryCount(), 3u);
  auto entry = store_->GetEntry(1);
  ASSERT_TRUE(entry.ok() && entry->has_value());
  EXPECT_EQ((*entry)->data, "{\"report\":1}");
  EXPECT_EQ((*entry)->leaf_hash, LeafHash("1"));
  EXPECT_FALSE(store_->GetEntry(3)->has_value());
  auto heads = store_->TreeHeads();
  ASSERT_EQ(heads->size(), 2u);
  EXPECT_EQ((*heads)[1].size, 3u);
  EXPECT_EQ((*store_->LatestTreeHead())->size, 3u);
  auto latest = store_->LatestReport("SYR1");
  ASSERT_TRUE(latest.ok() && latest->has_value());
  EXPECT_EQ((*latest)->row.revision, 2);
  EXPECT_DOUBLE_EQ((*latest)->row.latitude, 34.0);
}

TEST_F(SqliteStoreTest, ReportQueriesLatestRevisionsAsOfFiltersAndPages) {
  ASSERT_TRUE(
      AppendAll({ReportEntry(0, "A", 1, "2024-01-01T10:00:00Z", "2017-06-01"),
                 ReportEntry(1, "B", 1, "2024-01-01T11:00:00Z", "2017-07-01", 35.0),
                 ReportEntry(2, "A", 2, "2024-01-03T10:00:00Z", "2017-06-01", 33.6),
                 ReportEntry(3, "C", 1, "2024-01-04T10:00:00Z", "2017-08-01", 33.5, "party-x")})
          .ok());
  auto ids = [](const std::vector<Indexed<ReportRow>>& rows) {
    std::vector<std::string> out;
    for (const auto& r : rows) out.push_back(r.row.event_id + "/" + std::to_string(r.row.revision));
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(ids(*store_->QueryReports({})), (V{"B/1", "A/2", "C/1"}));
  ReportQuery all;
  all.all_revisions = true;
  EXPECT_EQ(ids(*store_->QueryReports(all)), (V{"A/1", "B/1", "A/2", "C/1"}));
  ReportQuery past;
  past.as_of = T("2024-01-02");
  EXPECT_EQ(ids(*store_->QueryReports(past)), (V{"A/1", "B/1"}));
  ReportQuery when;
  when.from = T("2017-06-15");
  when.to = T("2017-07-15");
  EXPECT_EQ(ids(*store_->QueryReports(when)), (V{"B/1"}));
  ReportQuery box;
  box.bbox = LatLngRect{33.55, 33.65, 36.0, 37.0};
  EXPECT_EQ(ids(*store_->QueryReports(box)), (V{"A/2"}));
  ReportQuery by_party;
  by_party.party = "party-x";
  EXPECT_EQ(ids(*store_->QueryReports(by_party)), (V{"C/1"}));
  ReportQuery page;
  page.limit = 2;
  auto first = *store_->QueryReports(page);
  EXPECT_EQ(ids(first), (V{"B/1", "A/2"}));
  page.after = first.back().row.entry;
  EXPECT_EQ(ids(*store_->QueryReports(page)), (V{"C/1"}));
}

TEST_F(SqliteStoreTest, AFailedAppendStoresNothing) {
  ASSERT_TRUE(AppendAll({ReportEntry(0, "A", 1, "2024-01-01T10:00:00Z", "2017-06-01")}).ok());
  // The second entry repeats (A, 1): the whole batch, first entry and head included, rolls back.
  Status st = AppendAll({ReportEntry(1, "B", 1, "2024-01-01T11:00:00Z", "2017-06-01"),
                         ReportEntry(2, "A", 1, "2024-01-01T11:00:00Z", "2017-06-01")});
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(*store_->EntryCount(), 1u);
  EXPECT_EQ(store_->QueryReports({})->size(), 1u);
  EXPECT_EQ((*store_->LatestTreeHead())->size, 1u);
  // An index that does not follow the log is refused too.
  st = AppendAll({ReportEntry(5, "D", 1, "2024-01-01T11:00:00Z", "2017-06-01")});
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kConflict);
  EXPECT_EQ(*store_->EntryCount(), 1u);
}

TEST_F(SqliteStoreTest, SubmittedMaterialIsAppendOnly) {
  ASSERT_TRUE(AppendAll({ReportEntry(0, "A", 1, "2024-01-01T10:00:00Z", "2017-06-01")}).ok());
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

TEST_F(SqliteStoreTest, PositionsClaimsScenariosPublications) {
  LogEntry e{0, "positions", T("2024-01-01"), "tok", "", "[...]", LeafHash("p"), "sig"};
  EntryIndex rows;
  for (int i = 0; i < 5; ++i) {
    rows.positions.push_back(PositionRow{0, i, i % 2 ? "abc123" : "def456",
                                         T("2018-08-01") + std::chrono::seconds(i), 46.0 + i, 7.0,
                                         "{}"});
  }
  LogEntry c{1, "claim", T("2024-01-02"), "tok", "party-x", "{claim}", LeafHash("c"), "sig"};
  EntryIndex claim_rows;
  claim_rows.claims.push_back(ClaimRow{1, "party-x", "A", "deny", c.received_at});
  LogEntry s{2, "scenario", T("2024-01-03"), "tok", "", "{scenario}", LeafHash("s"), "sig"};
  EntryIndex scenario_rows;
  scenario_rows.scenarios.push_back(ScenarioRow{2, "astana", 1, "abcd", s.received_at});
  LogEntry p{3, "publication", T("2024-01-04"), "tok", "", "{pub}", LeafHash("u"), "sig"};
  EntryIndex pub_rows;
  pub_rows.publications.push_back(PublicationRow{3, "A", p.received_at});
  const std::vector<LogEntry> entries{e, c, s, p};
  const std::vector<EntryIndex> index{rows, claim_rows, scenario_rows, pub_rows};
  ASSERT_TRUE(store_->Append(entries, index, TreeHead{4, Hash{}, T("2024-01-04"), "h"}).ok());

  PositionQuery pq;
  pq.icao24 = "abc123";
  EXPECT_EQ(store_->QueryPositions(pq)->size(), 2u);
  PositionQuery page;
  page.limit = 2;
  auto first = *store_->QueryPositions(page);
  ASSERT_EQ(first.size(), 2u);
  page.after = std::make_pair(first.back().entry, first.back().ordinal);
  auto second = *store_->QueryPositions(page);
  ASSERT_EQ(second.size(), 2u);
  EXPECT_EQ(second[0].ordinal, 2);
  PositionQuery box;
  box.bbox = LatLngRect{47.5, 49.5, 6.0, 8.0};
  EXPECT_EQ(store_->QueryPositions(box)->size(), 2u);

  ClaimQuery cq;
  cq.incident = "A";
  auto claims = *store_->QueryClaims(cq);
  ASSERT_EQ(claims.size(), 1u);
  EXPECT_EQ(claims[0].data, "{claim}");
  cq.as_of = T("2024-01-01");
  EXPECT_TRUE(store_->QueryClaims(cq)->empty());

  EXPECT_FALSE(store_->LatestScenario(T("2024-01-02"))->has_value());
  auto scenario = *store_->LatestScenario(std::nullopt);
  ASSERT_TRUE(scenario.has_value());
  EXPECT_EQ(scenario->row.scenario_id, "astana");
  EXPECT_EQ(scenario->data, "{scenario}");
  EXPECT_EQ(store_->Publications(std::nullopt)->size(), 1u);
  EXPECT_TRUE(store_->Publications(T("2024-01-03"))->empty());

  std::vector<uint64_t> scanned;
  ASSERT_TRUE(store_
                  ->ScanEntries(1,
                                [&](const LogEntry& entry, const EntryIndex& stored) {
                                  scanned.push_back(entry.index);
                                  if (entry.index == 1) {
                                    EXPECT_EQ(stored, claim_rows);
                                  }
                                  return true;
                                })
                  .ok());
  EXPECT_EQ(scanned, (std::vector<uint64_t>{1, 2, 3}));
  EXPECT_FALSE(store_->FirstOrphanRow()->has_value());
}

TEST_F(SqliteStoreTest, TokensAndMeta) {
  TokenRecord t{"t1", Sha256("secret"), "party", "party-x", T("2024-01-01"), std::nullopt};
  ASSERT_TRUE(store_->AddToken(t).ok());
  auto found = *store_->FindToken(Sha256("secret"));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->party, "party-x");
  EXPECT_FALSE(store_->FindToken(Sha256("other"))->has_value());
  ASSERT_TRUE(store_->RevokeToken("t1", T("2024-02-01")).ok());
  EXPECT_TRUE((*store_->FindToken(Sha256("secret")))->revoked_at.has_value());
  EXPECT_EQ(store_->RevokeToken("t1", T("2024-02-01")).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->ListTokens()->size(), 1u);

  EXPECT_FALSE(store_->GetMeta("k")->has_value());
  ASSERT_TRUE(store_->SetMetaOnce("k", "v").ok());
  EXPECT_TRUE(store_->SetMetaOnce("k", "v").ok());
  EXPECT_EQ(store_->SetMetaOnce("k", "w").error().code, ErrorCode::kConflict);
  EXPECT_EQ(**store_->GetMeta("k"), "v");
}

}  // namespace
}  // namespace truce::store
