// The store conformance suite: what the port (store.h) promises, run against every
// implementation (in memory, SQLite, PostgreSQL), so that the port is proven to be one and a
// new implementation has a contract to pass. Implementation-specific behaviour (files, WAL,
// migrations, triggers seen through raw SQL, URLs) is tested beside each implementation.
//
// The PostgreSQL instance needs a server: test_postgres.h starts a throw-away one, and the cases
// skip, saying why, where none can be started. They run in one process (CTest
// truce_store_postgres_test) so that they share it.
#include <algorithm>
#include <atomic>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "store/store_conformance.h"

namespace truce::store {
namespace {

using conformance::Backend;
using conformance::BackendCase;
using conformance::MemBackend;
using conformance::PostgresBackend;
using conformance::SqliteBackend;
using conformance::StoreConformance;
using conformance::V;
using testing::AppendTo;
using testing::HeadOf;
using testing::ReportEntry;
using testing::T;

// --- The log --------------------------------------------------------------------------------

TEST_P(StoreConformance, AFreshStoreIsEmptyAndHasASchemaVersion) {
  auto version = store_->SchemaVersion();
  ASSERT_TRUE(version.ok());
  EXPECT_GE(*version, 1);
  EXPECT_EQ(*store_->EntryCount(), 0u);
  EXPECT_FALSE(store_->LatestTreeHead()->has_value());
  EXPECT_TRUE(store_->TreeHeads()->empty());
  EXPECT_FALSE(store_->GetEntry(0)->has_value());
  EXPECT_FALSE(store_->FirstOrphanRow()->has_value());
  EXPECT_TRUE(store_->QueryReports({})->empty());
  EXPECT_TRUE(store_->ListTokens()->empty());
  Reopen();
  EXPECT_EQ(*store_->SchemaVersion(), *version);
}

TEST_P(StoreConformance, AppendsAndSurvivesReopen) {
  ASSERT_TRUE(AppendAll({ReportEntry(0, "SYR1", 1, "2024-01-01T10:00:00Z", "2017-06-01"),
                         ReportEntry(1, "SYR2", 1, "2024-01-01T10:00:00Z", "2017-06-02")})
                  .ok());
  ASSERT_TRUE(
      AppendAll({ReportEntry(2, "SYR1", 2, "2024-01-02T10:00:00Z", "2017-06-01", 34.0)}).ok());
  Reopen();
  EXPECT_EQ(*store_->EntryCount(), 3u);
  auto entry = store_->GetEntry(1);
  ASSERT_TRUE(entry.ok() && entry->has_value());
  EXPECT_EQ(**entry, ReportEntry(1, "SYR2", 1, "2024-01-01T10:00:00Z", "2017-06-02").first);
  EXPECT_FALSE(store_->GetEntry(3)->has_value());
  auto heads = store_->TreeHeads();
  ASSERT_EQ(heads->size(), 2u);
  EXPECT_EQ((*heads)[0], HeadOf(2));
  EXPECT_EQ((*heads)[1], HeadOf(3));
  EXPECT_EQ(**store_->LatestTreeHead(), HeadOf(3));
  auto latest = store_->LatestReport("SYR1");
  ASSERT_TRUE(latest.ok() && latest->has_value());
  EXPECT_EQ((*latest)->row.revision, 2);
  EXPECT_DOUBLE_EQ((*latest)->row.latitude, 34.0);
  EXPECT_EQ((*latest)->data, "{\"report\":2}");
  EXPECT_FALSE(store_->LatestReport("SYR9")->has_value());
}

TEST_P(StoreConformance, ValuesRoundTripExactly) {
  // Bytes of every value (NULs included), text with quotes, backslashes, newlines and non-ASCII,
  // doubles that need all 17 digits, times before the epoch and far ahead.
  std::string receipt;
  for (int b = 0; b < 256; ++b) receipt.push_back(static_cast<char>(b));
  Hash leaf{};
  for (size_t i = 0; i < leaf.size(); ++i) leaf[i] = static_cast<uint8_t>(255 - i);
  LogEntry e{0,
             "report",
             T("1969-07-20T20:17:40.123Z"),
             "tok_'quoted'",
             "partie \"é\" \\ 東",
             "{\"text\":\"line\\nbreak 'single' \\\"double\\\" \\\\ \xF0\x9F\x95\x8A\"}",
             leaf,
             receipt};
  ReportRow r;
  r.entry = 0;
  r.event_id = "SYR'1\"\\";
  r.revision = 7;
  r.received_at = e.received_at;
  r.party = e.party;
  r.event_type = "Explosions/Remote violence";
  r.source = "Ünïcødé";
  r.time_begin = T("1900-01-01");
  r.time_end = T("2999-12-31T23:59:59.999Z");
  r.latitude = 0.1 + 0.2;
  r.longitude = -179.99999999999997;
  PositionRow p{0, 3, "abc123", T("1969-12-31T23:59:59.999Z"), 1e-300, -0.0, "{\"a\":[1,2]}"};
  EntryIndex rows{{r}, {p}, {}, {}, {}};
  TreeHead head{1, leaf, T("2100-01-01"), receipt.substr(0, 64)};
  ASSERT_TRUE(store_->Append({&e, 1}, {&rows, 1}, head).ok());
  Reopen();
  EXPECT_EQ(**store_->GetEntry(0), e);
  EXPECT_EQ(**store_->LatestTreeHead(), head);
  std::optional<EntryIndex> scanned;
  ASSERT_TRUE(store_
                  ->ScanEntries(0,
                                [&](const LogEntry&, const EntryIndex& stored) {
                                  scanned = stored;
                                  return true;
                                })
                  .ok());
  ASSERT_TRUE(scanned.has_value());
  EXPECT_EQ(*scanned, rows);
  auto latest = store_->LatestReport(r.event_id);
  ASSERT_TRUE(latest.ok() && latest->has_value());
  EXPECT_EQ((*latest)->row, r);
  EXPECT_EQ((*latest)->data, e.data);
}

TEST_P(StoreConformance, AFailedAppendStoresNothing) {
  ASSERT_TRUE(AppendAll({ReportEntry(0, "A", 1, "2024-01-01T10:00:00Z", "2017-06-01")}).ok());
  auto unchanged = [&] {
    EXPECT_EQ(*store_->EntryCount(), 1u);
    EXPECT_EQ(store_->QueryReports({})->size(), 1u);
    EXPECT_EQ(store_->TreeHeads()->size(), 1u);
    EXPECT_EQ((*store_->LatestTreeHead())->size, 1u);
    EXPECT_TRUE(store_->QueryPositions({})->empty());
  };
  // The second entry repeats (A, 1): the whole batch, first entry and head included, rolls back.
  Status st = AppendAll({ReportEntry(1, "B", 1, "2024-01-01T11:00:00Z", "2017-06-01"),
                         ReportEntry(2, "A", 1, "2024-01-01T11:00:00Z", "2017-06-01")});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kConflict) << st.error().message;
  unchanged();
  // An index that does not follow the log is refused too.
  st = AppendAll({ReportEntry(5, "D", 1, "2024-01-01T11:00:00Z", "2017-06-01")});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kConflict);
  st = AppendAll({ReportEntry(0, "D", 1, "2024-01-01T11:00:00Z", "2017-06-01")});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kConflict);
  unchanged();
  // Two positions with one ordinal; a position batch that fills several statements fails whole.
  {
    auto [e, rows] = ReportEntry(1, "B", 1, "2024-01-01T11:00:00Z", "2017-06-01");
    for (int i = 0; i < 1200; ++i) {
      rows.positions.push_back(
          PositionRow{1, i == 1100 ? 5 : i, "abc123", T("2018-01-01"), 1, 2, "{}"});
    }
    st = AppendAll({{e, rows}});
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, ErrorCode::kConflict);
    unchanged();
  }
  // Two rows for one entry of a table keyed by entry.
  {
    auto [e, rows] = ReportEntry(1, "B", 1, "2024-01-01T11:00:00Z", "2017-06-01");
    rows.claims.push_back(ClaimRow{1, "p", "A", "deny", e.received_at});
    rows.claims.push_back(ClaimRow{1, "p", "B", "deny", e.received_at});
    st = AppendAll({{e, rows}});
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, ErrorCode::kConflict);
    unchanged();
  }
  // A scenario version stored twice.
  {
    LogEntry s1{1, "scenario", T("2024-01-02"), "t", "", "{}", LeafHash("s1"), "r"};
    LogEntry s2{2, "scenario", T("2024-01-02"), "t", "", "{}", LeafHash("s2"), "r"};
    EntryIndex v1, v2;
    v1.scenarios.push_back(ScenarioRow{1, "astana", 1, "d1", s1.received_at});
    v2.scenarios.push_back(ScenarioRow{2, "astana", 1, "d2", s2.received_at});
    st = AppendAll({{s1, v1}, {s2, v2}});
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, ErrorCode::kConflict);
    unchanged();
  }
}

TEST_P(StoreConformance, AppendChecksItsArguments) {
  auto [e, rows] = ReportEntry(0, "A", 1, "2024-01-01T10:00:00Z", "2017-06-01");
  // A head that does not cover the log after the append.
  Status st = store_->Append({&e, 1}, {&rows, 1}, HeadOf(2));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kInvalidArgument);
  // Index rows that do not match the entries in number.
  st = store_->Append({&e, 1}, {}, HeadOf(1));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kInvalidArgument);
  // Nothing to append.
  st = store_->Append({}, {}, HeadOf(0));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(*store_->EntryCount(), 0u);
  EXPECT_TRUE(store_->TreeHeads()->empty());
}

TEST_P(StoreConformance, ReceivedAtNeverGoesBack) {
  ASSERT_TRUE(AppendAll({ReportEntry(0, "A", 1, "2024-01-02T10:00:00Z", "2017-06-01")}).ok());
  // Before the last stored entry.
  Status st = AppendAll({ReportEntry(1, "B", 1, "2024-01-02T09:59:59.999Z", "2017-06-01")});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kConflict);
  // Backwards within the batch.
  st = AppendAll({ReportEntry(1, "B", 1, "2024-01-03T10:00:00Z", "2017-06-01"),
                  ReportEntry(2, "C", 1, "2024-01-02T11:00:00Z", "2017-06-01")});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kConflict);
  EXPECT_EQ(*store_->EntryCount(), 1u);
  // The same instant is fine.
  EXPECT_TRUE(AppendAll({ReportEntry(1, "B", 1, "2024-01-02T10:00:00Z", "2017-06-01")}).ok());
}

TEST_P(StoreConformance, TheEmptyHeadIsOnlyForAnEmptyLog) {
  const TreeHead empty{0, Sha256(""), T("2024-01-01"), std::string(64, 'e')};
  EXPECT_FALSE(store_->AddEmptyHead(TreeHead{1, Hash{}, T("2024-01-01"), "x"}).ok());
  ASSERT_TRUE(store_->AddEmptyHead(empty).ok());
  EXPECT_EQ(**store_->LatestTreeHead(), empty);
  // A second start (or a second server starting at once) cannot add another.
  Status again = store_->AddEmptyHead(empty);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kConflict);
  ASSERT_TRUE(AppendAll({ReportEntry(0, "A", 1, "2024-01-01T10:00:00Z", "2017-06-01")}).ok());
  Status late = store_->AddEmptyHead(empty);
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().code, ErrorCode::kConflict);
  auto heads = *store_->TreeHeads();
  ASSERT_EQ(heads.size(), 2u);
  EXPECT_EQ(heads[0].size, 0u);
  EXPECT_EQ(heads[1].size, 1u);
}

TEST_P(StoreConformance, ScanEntriesFromAnywhereStopsWhenAskedAndCrossesChunks) {
  std::vector<std::pair<LogEntry, EntryIndex>> batch;
  for (uint64_t i = 0; i < 1100; ++i) {
    batch.push_back(
        ReportEntry(i, "E" + std::to_string(i), 1, "2024-01-01T10:00:00Z", "2017-06-01"));
  }
  ASSERT_TRUE(AppendAll(batch).ok());
  EXPECT_EQ(*store_->EntryCount(), 1100u);
  std::vector<uint64_t> seen;
  ASSERT_TRUE(store_
                  ->ScanEntries(3,
                                [&](const LogEntry& e, const EntryIndex& rows) {
                                  EXPECT_EQ(rows, batch[e.index].second);
                                  seen.push_back(e.index);
                                  return true;
                                })
                  .ok());
  ASSERT_EQ(seen.size(), 1097u);
  for (size_t i = 0; i < seen.size(); ++i) ASSERT_EQ(seen[i], i + 3);
  seen.clear();
  ASSERT_TRUE(store_
                  ->ScanEntries(0,
                                [&](const LogEntry& e, const EntryIndex&) {
                                  seen.push_back(e.index);
                                  return e.index < 600;
                                })
                  .ok());
  EXPECT_EQ(seen.size(), 601u);
  seen.clear();
  ASSERT_TRUE(store_
                  ->ScanEntries(1100,
                                [&](const LogEntry& e, const EntryIndex&) {
                                  seen.push_back(e.index);
                                  return true;
                                })
                  .ok());
  EXPECT_TRUE(seen.empty());
}

TEST_P(StoreConformance, RowsNamingAMissingEntryAreOrphans) {
  // A row that names another entry than the one it came with: the store keeps what it is given
  // (verification, not the store, judges it), and FirstOrphanRow finds it.
  auto [e, rows] = ReportEntry(0, "A", 1, "2024-01-01T10:00:00Z", "2017-06-01");
  rows.reports[0].entry = 7;
  rows.publications.push_back(PublicationRow{9, "X", e.received_at});
  ASSERT_TRUE(AppendAll({{e, rows}}).ok());
  EXPECT_EQ(**store_->FirstOrphanRow(), 7u);
  // Joined queries do not show it; the scan gives entry 0 without it.
  EXPECT_TRUE(store_->QueryReports({})->empty());
  EXPECT_FALSE(store_->LatestReport("A")->has_value());
  ASSERT_TRUE(store_
                  ->ScanEntries(0,
                                [&](const LogEntry&, const EntryIndex& stored) {
                                  EXPECT_EQ(stored, EntryIndex{});
                                  return true;
                                })
                  .ok());
  EXPECT_EQ(store_->Publications(std::nullopt)->size(), 1u);
}

// --- Tokens and metadata ----------------------------------------------------------------------

TEST_P(StoreConformance, TokensAndMeta) {
  // The signature is bytes (any, NUL included), kept as given.
  const std::string signature("\x00\x01\xff signature", 13);
  TokenRecord t{"t1",         Sha256("secret"), "party", "party-x", T("2024-01-01"),
                std::nullopt, signature};
  ASSERT_TRUE(store_->AddToken(t).ok());
  auto found = *store_->FindToken(Sha256("secret"));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->party, "party-x");
  EXPECT_EQ(found->id, "t1");
  EXPECT_EQ(found->secret_hash, Sha256("secret"));
  EXPECT_EQ(found->created_at, T("2024-01-01"));
  EXPECT_FALSE(found->revoked_at.has_value());
  EXPECT_EQ(found->signature, signature);
  EXPECT_EQ((*store_->ListTokens())[0].signature, signature);
  EXPECT_FALSE(store_->FindToken(Sha256("other"))->has_value());
  ASSERT_TRUE(store_->RevokeToken("t1", T("2024-02-01")).ok());
  EXPECT_EQ((*store_->FindToken(Sha256("secret")))->revoked_at, T("2024-02-01"));
  EXPECT_EQ(store_->RevokeToken("t1", T("2024-03-01")).error().code, ErrorCode::kNotFound);
  EXPECT_EQ((*store_->FindToken(Sha256("secret")))->revoked_at, T("2024-02-01"));
  EXPECT_EQ(store_->RevokeToken("nobody", T("2024-02-01")).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->ListTokens()->size(), 1u);

  EXPECT_FALSE(store_->GetMeta("k")->has_value());
  ASSERT_TRUE(store_->SetMetaOnce("k", "v").ok());
  EXPECT_TRUE(store_->SetMetaOnce("k", "v").ok());
  EXPECT_EQ(store_->SetMetaOnce("k", "w").error().code, ErrorCode::kConflict);
  EXPECT_EQ(**store_->GetMeta("k"), "v");
  ASSERT_TRUE(store_->SetMetaOnce("k2", "").ok());
  EXPECT_EQ(**store_->GetMeta("k2"), "");
  Reopen();
  EXPECT_EQ(**store_->GetMeta("k"), "v");
  EXPECT_TRUE((*store_->FindToken(Sha256("secret")))->revoked_at.has_value());
}

TEST_P(StoreConformance, TokenIdsAndSecretsAreUniqueAndListedByCreation) {
  ASSERT_TRUE(store_->AddToken({"b", Sha256("1"), "admin", "", T("2024-01-02"), {}, ""}).ok());
  ASSERT_TRUE(store_->AddToken({"a", Sha256("2"), "monitor", "", T("2024-01-02"), {}, ""}).ok());
  ASSERT_TRUE(store_->AddToken({"Z", Sha256("3"), "public", "", T("2024-01-02"), {}, ""}).ok());
  ASSERT_TRUE(store_->AddToken({"c", Sha256("4"), "monitor", "", T("2024-01-01"), {}, ""}).ok());
  Status same_id = store_->AddToken({"a", Sha256("5"), "admin", "", T("2024-01-03"), {}, ""});
  ASSERT_FALSE(same_id.ok());
  EXPECT_EQ(same_id.error().code, ErrorCode::kConflict);
  Status same_secret = store_->AddToken({"d", Sha256("1"), "admin", "", T("2024-01-03"), {}, ""});
  ASSERT_FALSE(same_secret.ok());
  EXPECT_EQ(same_secret.error().code, ErrorCode::kConflict);
  std::vector<std::string> ids;
  auto tokens = store_->ListTokens();
  ASSERT_TRUE(tokens.ok());
  for (const TokenRecord& t : *tokens) ids.push_back(t.id);
  // By creation time, then id in byte order ("Z" before "a").
  EXPECT_EQ(ids, (V{"c", "Z", "a", "b"}));
}

// --- Webhooks (schema version 3) ---------------------------------------------------------------

TEST_P(StoreConformance, WebhooksAndTheirAttemptsSurviveReopenAndGoWhenRemoved) {
  const WebhookRow a{"wh_b",    "http://127.0.0.1:9/hook", "a shared secret, \"quoted\" ü",
                     "monitor", "[\"site_report\"]",       T("2024-01-02")};
  const WebhookRow b{"wh_a", "http://127.0.0.1:9/", "0123456789abcdef", "public",
                     "[]",   T("2024-01-02")};
  const WebhookRow c{
      "wh_c", "http://127.0.0.1:9/", "0123456789abcdef", "admin", "[]", T("2024-01-01"), 7, 3, 1};
  ASSERT_TRUE(store_->AddWebhook(a).ok());
  ASSERT_TRUE(store_->AddWebhook(b).ok());
  ASSERT_TRUE(store_->AddWebhook(c).ok());
  Status same = store_->AddWebhook(a);
  ASSERT_FALSE(same.ok());
  EXPECT_EQ(same.error().code, ErrorCode::kConflict);
  // By creation, then id; every field as given, the secret included.
  EXPECT_EQ(*store_->ListWebhooks(), (std::vector<WebhookRow>{c, b, a}));

  WebhookAttemptRow failed{"wh_b", 5, 1, T("2024-01-03T10:00:00Z"), 500, "", 12.5, "retry", 1000};
  WebhookAttemptRow silent{
      "wh_b", 5,       2,   T("2024-01-03T10:00:01Z"), std::nullopt, "connection refused",
      0.25,   "retry", 2000};
  WebhookAttemptRow delivered{"wh_b", 5,           3,           T("2024-01-03T10:00:03Z"), 204, "",
                              3,      "delivered", std::nullopt};
  ASSERT_TRUE(store_->RecordWebhookAttempt(failed, 4, 0, 0, 100).ok());
  ASSERT_TRUE(store_->RecordWebhookAttempt(silent, 4, 0, 0, 100).ok());
  ASSERT_TRUE(store_->RecordWebhookAttempt(delivered, 5, 1, 0, 100).ok());
  // An attempt for a webhook not registered (removed meanwhile) writes nothing.
  WebhookAttemptRow stray = failed;
  stray.webhook = "wh_gone";
  EXPECT_EQ(store_->RecordWebhookAttempt(stray, 9, 9, 9, 100).error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(store_->WebhookAttempts("wh_gone")->empty());

  Reopen();
  EXPECT_EQ(*store_->WebhookAttempts("wh_b"),
            (std::vector<WebhookAttemptRow>{failed, silent, delivered}));
  EXPECT_TRUE(store_->WebhookAttempts("wh_a")->empty());
  const auto hooks = *store_->ListWebhooks();
  ASSERT_EQ(hooks.size(), 3u);
  EXPECT_EQ(hooks[2].after, 5u);
  EXPECT_EQ(hooks[2].delivered, 1u);
  EXPECT_EQ(hooks[2].given_up, 0u);
  EXPECT_EQ(hooks[2].secret, a.secret);

  // Only the newest `keep` attempts stay.
  for (int i = 0; i < 5; ++i) {
    WebhookAttemptRow r = delivered;
    r.alert = 6 + static_cast<uint64_t>(i);
    r.attempt = 1;
    ASSERT_TRUE(store_->RecordWebhookAttempt(r, r.alert, 2 + static_cast<uint64_t>(i), 0, 4).ok());
  }
  const auto kept = *store_->WebhookAttempts("wh_b");
  ASSERT_EQ(kept.size(), 4u);
  EXPECT_EQ(kept.front().alert, 7u);
  EXPECT_EQ(kept.back().alert, 10u);

  // Removed: the registration and its attempts; an unknown id is kNotFound.
  ASSERT_TRUE(store_->RemoveWebhook("wh_b").ok());
  EXPECT_EQ(store_->RemoveWebhook("wh_b").error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(store_->WebhookAttempts("wh_b")->empty());
  EXPECT_EQ(*store_->ListWebhooks(), (std::vector<WebhookRow>{c, b}));
  // The id may be registered again, from nothing.
  ASSERT_TRUE(store_->AddWebhook(a).ok());
  EXPECT_TRUE(store_->WebhookAttempts("wh_b")->empty());
}

// --- Several writers --------------------------------------------------------------------------

TEST_P(StoreConformance, AnAppendFromAStaleWriterConflicts) {
  std::unique_ptr<Store> other = Connect();
  ASSERT_NE(other, nullptr);
  ASSERT_TRUE(AppendAll({ReportEntry(0, "A", 1, "2024-01-01T10:00:00Z", "2017-06-01")}).ok());
  // The other writer read an empty log: its entry 0 is refused, its entry 1 accepted.
  Status st = AppendTo(*other, {ReportEntry(0, "B", 1, "2024-01-01T10:00:00Z", "2017-06-01")});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kConflict);
  ASSERT_TRUE(
      AppendTo(*other, {ReportEntry(1, "B", 1, "2024-01-01T10:00:00Z", "2017-06-01")}).ok());
  EXPECT_EQ(*store_->EntryCount(), 2u);
  EXPECT_EQ(Ids(*store_->QueryReports({})), (V{"A/1", "B/1"}));
}

TEST_P(StoreConformance, ConcurrentWritersMakeOneLogWithNoGapsAndNoForks) {
  // Writers on their own connections race to append at the size they last read; the losers
  // see kConflict and try again at the new size. The log ends with every entry once.
  constexpr int kWriters = 4, kEach = 15;
  std::vector<std::unique_ptr<Store>> stores;
  for (int w = 0; w < kWriters; ++w) {
    stores.push_back(Connect());
    ASSERT_NE(stores.back(), nullptr);
  }
  std::atomic<int> conflicts = 0, failures = 0;
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      Store& store = *stores[w];
      for (int i = 0; i < kEach; ++i) {
        for (int attempt = 0;; ++attempt) {
          auto count = store.EntryCount();
          if (!count.ok() || attempt > 1000) {
            ++failures;
            return;
          }
          Status st = AppendTo(store, {ReportEntry(*count, fmt::format("W{}-{}", w, i), 1,
                                                   "2024-01-01T10:00:00Z", "2017-06-01")});
          if (st.ok()) break;
          if (st.error().code != ErrorCode::kConflict) {
            ADD_FAILURE() << st.error().message;
            ++failures;
            return;
          }
          ++conflicts;
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  ASSERT_EQ(failures, 0);
  EXPECT_EQ(*store_->EntryCount(), static_cast<uint64_t>(kWriters * kEach));
  std::set<std::string> events;
  uint64_t expected = 0;
  ASSERT_TRUE(store_
                  ->ScanEntries(0,
                                [&](const LogEntry& e, const EntryIndex& rows) {
                                  EXPECT_EQ(e.index, expected++);
                                  EXPECT_EQ(rows.reports.size(), 1u);
                                  if (!rows.reports.empty())
                                    events.insert(rows.reports[0].event_id);
                                  return true;
                                })
                  .ok());
  EXPECT_EQ(events.size(), static_cast<size_t>(kWriters * kEach));
  auto heads = *store_->TreeHeads();
  ASSERT_EQ(heads.size(), static_cast<size_t>(kWriters * kEach));
  for (size_t i = 0; i < heads.size(); ++i) EXPECT_EQ(heads[i].size, i + 1);
  EXPECT_FALSE(store_->FirstOrphanRow()->has_value());
}

TEST_P(StoreConformance, TheAppendLockIsHeldByOneWriterAtATime) {
  // Writers that take the lock, read the size, append and let go never conflict.
  constexpr int kWriters = 3, kEach = 10;
  std::vector<std::unique_ptr<Store>> stores;
  for (int w = 0; w < kWriters; ++w) {
    stores.push_back(Connect());
    ASSERT_NE(stores.back(), nullptr);
  }
  std::atomic<int> holders = 0, most = 0, failures = 0;
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      Store& store = *stores[w];
      for (int i = 0; i < kEach; ++i) {
        auto lock = store.LockAppends();
        if (!lock.ok()) {
          ADD_FAILURE() << lock.error().message;
          ++failures;
          return;
        }
        const int now = ++holders;
        most = std::max(most.load(), now);
        auto count = store.EntryCount();
        std::this_thread::yield();
        Status st = count.ok()
                        ? AppendTo(store, {ReportEntry(*count, fmt::format("L{}-{}", w, i), 1,
                                                       "2024-01-01T10:00:00Z", "2017-06-01")})
                        : Status(count.error());
        if (!st.ok()) {
          ADD_FAILURE() << st.error().message;
          ++failures;
        }
        --holders;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(most, 1);
  EXPECT_EQ(*store_->EntryCount(), static_cast<uint64_t>(kWriters * kEach));
}

TEST_P(StoreConformance, ReadersSeeWholeAppendsOnly) {
  // While a writer appends batches of 20 entries with one head each, readers on other
  // connections never see a size between heads, nor a head ahead of the entries.
  std::unique_ptr<Store> writer = Connect();
  std::unique_ptr<Store> reader = Connect();
  ASSERT_NE(writer, nullptr);
  ASSERT_NE(reader, nullptr);
  std::atomic<bool> done = false;
  std::atomic<int> torn = 0;
  std::thread read([&] {
    while (!done) {
      auto head = reader->LatestTreeHead();
      auto count = reader->EntryCount();
      if (!head.ok() || !count.ok()) continue;
      if (*count % 20 != 0) ++torn;
      if (head->has_value() && (*head)->size > *count) ++torn;
    }
  });
  for (uint64_t b = 0; b < 10; ++b) {
    std::vector<std::pair<LogEntry, EntryIndex>> batch;
    for (uint64_t i = 0; i < 20; ++i) {
      batch.push_back(ReportEntry(b * 20 + i, fmt::format("R{}", b * 20 + i), 1,
                                  "2024-01-01T10:00:00Z", "2017-06-01"));
    }
    ASSERT_TRUE(AppendTo(*writer, batch).ok());
  }
  done = true;
  read.join();
  EXPECT_EQ(torn, 0);
}

// --- Flight workers: leases and stored violations ---------------------------------------------

TEST_P(StoreConformance, ALeaseHasOneOwnerUntilItExpiresAndFencesTheOneThatLostIt) {
  const UtcTime t0 = T("2026-01-01T00:00:00Z");
  const auto ttl = std::chrono::seconds(5);
  auto a = store_->TakeLease("partition/3", "worker-a", t0, ttl);
  ASSERT_TRUE(a.ok()) << a.error().message;
  ASSERT_TRUE(a->has_value());
  EXPECT_EQ((*a)->owner, "worker-a");
  EXPECT_EQ((*a)->cursor, 0u);
  const int64_t first_epoch = (*a)->epoch;
  // Held: another owner is refused, the owner extends it (same epoch).
  EXPECT_FALSE(store_->TakeLease("partition/3", "worker-b", t0 + ttl / 2, ttl)->has_value());
  auto again = store_->TakeLease("partition/3", "worker-a", t0 + ttl / 2, ttl);
  ASSERT_TRUE(again.ok() && again->has_value());
  EXPECT_EQ((*again)->epoch, first_epoch);
  Lease held = **again;
  held.cursor = 7;
  held.watermark = T("2026-01-01T00:00:01Z");
  FlightViolationRow row{
      "abc123",    "Z1", 2,          T("2017-06-01T10:00:00Z"), 0, T("2017-06-01T10:05:00Z"), false,
      "{\"a\":1}", "",   "[[35,36]]"};
  const std::vector<std::string> aircraft{"abc123"};
  ASSERT_TRUE(store_->CommitLeaseWork(held, aircraft, std::vector{row}).ok());
  // Expired: another owner takes it with a new epoch and sees the cursor; the old owner's
  // writes are refused and change nothing.
  auto b = store_->TakeLease("partition/3", "worker-b", t0 + ttl * 2, ttl);
  ASSERT_TRUE(b.ok() && b->has_value());
  EXPECT_GT((*b)->epoch, first_epoch);
  EXPECT_EQ((*b)->cursor, 7u);
  EXPECT_EQ((*b)->watermark, held.watermark);
  held.cursor = 9;
  const Status stale = store_->CommitLeaseWork(held, aircraft, {});
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().code, ErrorCode::kConflict);
  EXPECT_EQ(*store_->FlightViolationRows(), std::vector{row});
  // Released: free at once.
  ASSERT_TRUE(store_->ReleaseLease("partition/3", "worker-b").ok());
  EXPECT_TRUE(store_->TakeLease("partition/3", "worker-a", t0 + ttl * 2, ttl)->has_value());
  ASSERT_TRUE(store_->TakeLease("worker/x", "x", t0, ttl)->has_value());
  auto listed = store_->Leases("partition/");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->front().name, "partition/3");
  EXPECT_EQ(store_->Leases("")->size(), 2u);
}

TEST_P(StoreConformance, CommittedViolationsReplaceAnAircraftsAndAreUnique) {
  const UtcTime t0 = T("2026-01-01T00:00:00Z");
  auto lease = store_->TakeLease("partition/0", "w", t0, std::chrono::seconds(5));
  ASSERT_TRUE(lease.ok() && lease->has_value());
  auto row = [](const char* icao, const char* zone, const char* entry, int ordinal) {
    return FlightViolationRow{
        icao, zone,           1,   T(entry), ordinal, T(entry) + std::chrono::minutes(1), true,
        "{}", "{\"open\":1}", "[]"};
  };
  const std::vector<FlightViolationRow> first{row("aaaaaa", "Z1", "2017-06-01T10:00:00Z", 0),
                                              row("aaaaaa", "Z2", "2017-06-01T10:00:00Z", 1),
                                              row("bbbbbb", "Z1", "2017-06-01T09:00:00Z", 0)};
  ASSERT_TRUE(
      store_->CommitLeaseWork(**lease, std::vector<std::string>{"aaaaaa", "bbbbbb"}, first).ok());
  // The same work again (a redelivery) changes nothing.
  ASSERT_TRUE(
      store_->CommitLeaseWork(**lease, std::vector<std::string>{"aaaaaa", "bbbbbb"}, first).ok());
  auto rows = store_->FlightViolationRows();
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  EXPECT_EQ(*rows, (std::vector{first[2], first[0], first[1]}));
  // Re-judged with an earlier fix: aaaaaa's violations are replaced, bbbbbb's kept.
  const std::vector<FlightViolationRow> second{row("aaaaaa", "Z1", "2017-06-01T09:59:00Z", 0)};
  ASSERT_TRUE(store_->CommitLeaseWork(**lease, std::vector<std::string>{"aaaaaa"}, second).ok());
  EXPECT_EQ(*store_->FlightViolationRows(), (std::vector{first[2], second[0]}));
  // Two rows with one key: refused, nothing changed.
  const Status twice = store_->CommitLeaseWork(**lease, std::vector<std::string>{"aaaaaa"},
                                               std::vector{second[0], second[0]});
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().code, ErrorCode::kConflict);
  EXPECT_EQ(store_->FlightViolationRows()->size(), 2u);
  Reopen();
  EXPECT_EQ(*store_->FlightViolationRows(), (std::vector{first[2], second[0]}));
}

INSTANTIATE_TEST_SUITE_P(Mem, StoreConformance,
                         ::testing::Values(BackendCase{
                             "mem", [] { return std::unique_ptr<Backend>(new MemBackend()); }}),
                         [](const auto& info) { return info.param.name; });
INSTANTIATE_TEST_SUITE_P(Sqlite, StoreConformance,
                         ::testing::Values(BackendCase{
                             "sqlite",
                             [] { return std::unique_ptr<Backend>(new SqliteBackend()); }}),
                         [](const auto& info) { return info.param.name; });
INSTANTIATE_TEST_SUITE_P(Postgres, StoreConformance,
                         ::testing::Values(BackendCase{
                             "postgres",
                             [] { return std::unique_ptr<Backend>(new PostgresBackend()); }}),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace truce::store
