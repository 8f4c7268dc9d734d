// Several servers on one store, in one process: each with its own Ledger and App over its own
// connection (MemStore over one MemDatabase, as several `truce serve` over one PostgreSQL
// database). Submissions decide on everything any of them committed; heads from one are
// prefixes of later heads from another; reads follow the others. The same against a real
// PostgreSQL server, with processes, is tests/postgres_multi_instance_test.cc.
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "app/app.h"
#include "app/ledger.h"
#include "app/scenario_bundle.h"
#include "store/mem_store.h"

namespace truce::app {
namespace {

using nlohmann::json;

json Report(const std::string& id, int fatalities = 1) {
  return {{"event_id_cnty", id},
          {"event_date", "2017-06-01"},
          {"time_precision", 1},
          {"event_type", "Explosions/Remote violence"},
          {"sub_event_type", "Shelling/artillery/missile attack"},
          {"actor1", "Military Forces of Syria"},
          {"latitude", 33.55},
          {"longitude", 36.42},
          {"geo_precision", 1},
          {"source", "SOHR"},
          {"fatalities", fatalities}};
}

const Principal kMonitor{Role::kMonitor, "", "tok_monitor"};
const Principal kAdmin{Role::kAdmin, "", "tok_admin"};

// One server: a connection to the shared database, its ledger, its application.
struct Server {
  Server(const std::shared_ptr<store::MemDatabase>& db, const SigningKey& key,
         AppLimits limits = {}) {
    store = std::make_unique<store::MemStore>(db);
    auto l = Ledger::Open(*store, key);
    EXPECT_TRUE(l.ok()) << l.error().message;
    ledger = std::move(l).value();
    auto a = App::Open(*store, *ledger, metrics, limits);
    EXPECT_TRUE(a.ok()) << a.error().message;
    app = std::move(a).value();
  }
  Result<SubmitOutcome> Submit(const json& report) {
    return app->SubmitReports(kMonitor, {report}, false);
  }
  std::unique_ptr<store::MemStore> store;
  std::unique_ptr<Ledger> ledger;
  Metrics metrics;
  std::unique_ptr<App> app;
};

class SharedStoreTest : public ::testing::Test {
 protected:
  std::shared_ptr<store::MemDatabase> db_ = store::MemStore().database();
  SigningKey key_ = SigningKey::Generate();
};

TEST_F(SharedStoreTest, ASubmissionIsDecidedOnWhatEveryServerCommitted) {
  Server a(db_, key_), b(db_, key_);
  auto first = a.Submit(Report("SHARED-1"));
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first->items[0].revision, 1);
  // B has not read anything since A appended; its submission still sees A's revision.
  auto same = b.Submit(Report("SHARED-1"));
  ASSERT_TRUE(same.ok()) << same.error().message;
  EXPECT_FALSE(same->items[0].created);
  EXPECT_EQ(same->items[0].log_index, first->items[0].log_index);
  auto revised = b.Submit(Report("SHARED-1", 5));
  ASSERT_TRUE(revised.ok()) << revised.error().message;
  EXPECT_TRUE(revised->items[0].created);
  EXPECT_EQ(revised->items[0].revision, 2);
  auto again = a.Submit(Report("SHARED-1", 6));
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->items[0].revision, 3);
  EXPECT_EQ(*a.store->EntryCount(), 3u);
  auto verified = VerifyStore(*a.store, "");
  ASSERT_TRUE(verified.ok()) << verified.error().message;
  EXPECT_EQ(verified->entries, 3u);
}

TEST_F(SharedStoreTest, AHeadFromOneServerIsAPrefixOfALaterHeadFromAnother) {
  Server a(db_, key_), b(db_, key_);
  ASSERT_TRUE(a.Submit(Report("H-1")).ok());
  ASSERT_TRUE(b.Submit(Report("H-2")).ok());
  ASSERT_TRUE(a.Submit(Report("H-3")).ok());
  const store::TreeHead from_a = a.app->Head();
  EXPECT_EQ(from_a.size, 3u);
  ASSERT_TRUE(b.Submit(Report("H-4")).ok());
  const store::TreeHead from_b = b.app->Head();
  EXPECT_EQ(from_b.size, 4u);
  // A head served by B right after A's is never behind it, and B proves it extends A's.
  EXPECT_GE(b.app->Head().size, from_a.size);
  auto proof = b.app->Consistency(kMonitor, from_a.size, from_b.size);
  ASSERT_TRUE(proof.ok()) << proof.error().message;
  EXPECT_TRUE(
      VerifyHeadsConsistent({from_a, key_.public_key()}, {from_b, key_.public_key()}, *proof).ok());
  // And A, asked later, serves B's head and proves the same.
  EXPECT_EQ(a.app->Head(), from_b);
  auto inclusion = a.app->Inclusion(kMonitor, 3, std::nullopt);
  ASSERT_TRUE(inclusion.ok()) << inclusion.error().message;
  EXPECT_EQ(inclusion->tree_size, 4u);
}

TEST_F(SharedStoreTest, ConcurrentSubmissionsToTwoServersMakeOneLog) {
  Server a(db_, key_), b(db_, key_);
  constexpr int kEach = 25;
  std::mutex mu;
  std::map<std::string, std::set<int>> revisions;  // acknowledged revisions of each event
  auto client = [&](Server& server, int who) {
    for (int i = 0; i < kEach; ++i) {
      // Own events, and one event every client revises.
      for (const json& r : {Report(fmt::format("C{}-{}", who, i)), Report("ALL", who * 1000 + i)}) {
        auto out = server.Submit(r);
        ASSERT_TRUE(out.ok()) << out.error().message;
        std::lock_guard lock(mu);
        if (out->items[0].created) {
          EXPECT_TRUE(revisions[out->items[0].id].insert(out->items[0].revision).second)
              << out->items[0].id << " revision " << out->items[0].revision << " twice";
        }
      }
    }
  };
  std::thread t1(client, std::ref(a), 1), t2(client, std::ref(b), 2), t3(client, std::ref(a), 3),
      t4(client, std::ref(b), 4);
  t1.join();
  t2.join();
  t3.join();
  t4.join();
  // Every revision of the shared event once, numbered 1..n with no gap.
  ASSERT_EQ(revisions["ALL"].size(), 4u * kEach);
  EXPECT_EQ(*revisions["ALL"].rbegin(), 4 * kEach);
  auto verified = VerifyStore(*a.store, "");
  ASSERT_TRUE(verified.ok()) << verified.error().message;
  EXPECT_EQ(verified->entries, 8u * kEach);
  // Both servers, caught up, hold the same views.
  ASSERT_TRUE(a.app->Refresh().ok());
  ASSERT_TRUE(b.app->Refresh().ok());
  auto from_a = a.app->ReportRecords(kAdmin, {});
  auto from_b = b.app->ReportRecords(kAdmin, {});
  ASSERT_TRUE(from_a.ok() && from_b.ok());
  EXPECT_EQ(from_a->size(), 4u * kEach + 1);
  EXPECT_EQ(*from_a, *from_b);
}

TEST_F(SharedStoreTest, ReadsFollowTheOtherServerAtMostEveryRefreshInterval) {
  AppLimits every_request;
  every_request.refresh_interval = std::chrono::milliseconds(0);
  AppLimits hourly;
  hourly.refresh_interval = std::chrono::hours(1);
  Server a(db_, key_), eager(db_, key_, every_request), lazy(db_, key_, hourly);
  ASSERT_TRUE(lazy.app->Authenticate("").ok());  // its first check
  ASSERT_TRUE(a.Submit(Report("R-1")).ok());
  auto count = [](Server& s) {
    EXPECT_TRUE(s.app->Authenticate("").ok());
    return s.app->ReportRecords(kAdmin, {})->size();
  };
  EXPECT_EQ(count(eager), 1u);
  EXPECT_EQ(count(lazy), 0u);  // its next check is an hour away
  ASSERT_TRUE(lazy.app->Refresh().ok());
  EXPECT_EQ(count(lazy), 1u);
  // The log itself is never behind: heads are read fresh.
  ASSERT_TRUE(a.Submit(Report("R-2")).ok());
  EXPECT_EQ(lazy.app->Head().size, 2u);
}

TEST_F(SharedStoreTest, ALedgerBehindTheLogConflictsThenFollows) {
  store::MemStore sa(db_), sb(db_);
  auto a = Ledger::Open(sa, key_);
  auto b = Ledger::Open(sb, key_);
  ASSERT_TRUE(a.ok() && b.ok());
  Submission s{SubmissionKind::kReport, "tok", "", Report("L-1"), 1, "monitor"};
  ASSERT_TRUE((*a)->Append({s}).ok());
  // B's tree stops at the empty log: its append at index 0 is refused, and it catches up.
  Submission other = s;
  other.body["event_id_cnty"] = "L-2";
  auto refused = (*b)->Append({other});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kConflict);
  EXPECT_EQ((*b)->size(), 1u);
  EXPECT_EQ((*b)->Head(), (*a)->Head());
  auto appended = (*b)->Append({other});
  ASSERT_TRUE(appended.ok()) << appended.error().message;
  EXPECT_EQ(appended->front().index, 1u);
  ASSERT_TRUE((*a)->CatchUp().ok());
  EXPECT_EQ((*a)->Head().size, 2u);
}

// Alerts follow the log on every server: a site notified through A, a strike 300 m from it
// reported through B, and both servers' alert logs carry the same site_report alert with the
// same id (B applied A's site before deciding; A produces the alert as it follows B).
TEST_F(SharedStoreTest, EveryServerProducesTheAlertsOfEveryEntry) {
  Server a(db_, key_), b(db_, key_);
  const Principal cell{Role::kHumanitarian, "", "tok_cell"};
  auto site = a.app->SubmitSites(
      cell, json::parse(R"({"type":"Feature","properties":{"id":"h","type":"hospital",
        "organisation":"SAMS","valid_from":"2017-05-01"},
        "geometry":{"type":"Point","coordinates":[36.42,33.55]}})"));
  ASSERT_TRUE(site.ok()) << site.error().message;
  json strike = Report("NEAR-H");
  strike["latitude"] = 33.5527;  // about 300 m north
  strike["uncertainty_m"] = 10;
  ASSERT_TRUE(b.Submit(strike).ok());
  ASSERT_TRUE(a.app->Refresh().ok());
  const auto on_a = a.app->alert_log().After(0, 100, AlertKind::kSiteReport);
  const auto on_b = b.app->alert_log().After(0, 100, AlertKind::kSiteReport);
  ASSERT_EQ(on_a.size(), 1u);
  ASSERT_EQ(on_b.size(), 1u);
  EXPECT_EQ(on_a[0].id, on_b[0].id);
  EXPECT_EQ(on_a[0].record, on_b[0].record);
  EXPECT_EQ(on_a[0].record["target"], "h");
  EXPECT_EQ(on_a[0].record["report"], "NEAR-H");
}

TEST_F(SharedStoreTest, AnotherKeyCannotJoinTheLog) {
  Server a(db_, key_);
  ASSERT_TRUE(a.Submit(Report("K-1")).ok());
  store::MemStore other(db_);
  auto refused = Ledger::Open(other, SigningKey::Generate());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kConflict);
  EXPECT_NE(refused.error().message.find(PublicKeyToHex(key_.public_key())), std::string::npos)
      << refused.error().message;
  // Nor is a new key made for it: LoadLogKey refuses and writes nothing.
  const auto path = std::filesystem::temp_directory_path() /
                    ("truce_key_" + std::to_string(std::random_device{}()));
  auto key = LoadLogKey(other, path.string());
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.error().code, ErrorCode::kNotFound);
  EXPECT_NE(key.error().message.find("a new key cannot continue the log"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(path));
  // A new log gets its key.
  store::MemStore fresh;
  auto made = LoadLogKey(fresh, path.string());
  ASSERT_TRUE(made.ok()) << made.error().message;
  EXPECT_TRUE(std::filesystem::exists(path));
  std::filesystem::remove(path);
}

// Positions posted to one server reach the others: their flight violations and the track
// evidence of their incidents follow the log, as reports do.
TEST_F(SharedStoreTest, PositionsPostedToOneServerReachTheOthers) {
  AppLimits every_request;
  every_request.refresh_interval = std::chrono::milliseconds(0);
  Server a(db_, key_), b(db_, key_, every_request);
  auto bundle = ReadScenarioBundle(std::string(TRUCE_SOURCE_DIR) + "/scenarios/astana-2017");
  ASSERT_TRUE(bundle.ok()) << bundle.error().message;
  ASSERT_TRUE(a.app->AdoptScenario(std::move(bundle).value(), "test").ok());
  json strike = Report("AIR-1");
  strike["sub_event_type"] = "Air/drone strike";
  ASSERT_TRUE(a.Submit(strike).ok());
  json fixes = json::array();
  for (int i = 0; i <= 20; ++i) {  // over Eastern Ghouta, a no-fly zone since May 2017
    fixes.push_back({{"icao24", "4b1807"},
                     {"time", 1496304000 + 10 * i},  // 2017-06-01T08:00:00Z
                     {"lat", 33.55},
                     {"lon", 36.40 + 0.002 * i},
                     {"baroaltitude", 3000},
                     {"callsign", "SYR778"}});
  }
  ASSERT_TRUE(a.app->SubmitPositions(kMonitor, fixes).ok());
  for (Server* s : {&a, &b}) {
    ASSERT_TRUE(s->app->Authenticate("").ok());  // b's refresh
    auto incidents = s->app->Incidents(kAdmin, {});
    ASSERT_TRUE(incidents.ok()) << incidents.error().message;
    ASSERT_EQ(incidents->size(), 1u);
    const json& tracks = (*incidents)[0]["tracks"];
    ASSERT_EQ(tracks.size(), 1u) << (*incidents)[0].dump();
    EXPECT_EQ(tracks[0]["icao24"], "4b1807");
    auto flights = s->app->FlightViolations(kAdmin, {});
    ASSERT_TRUE(flights.ok()) << flights.error().message;
    EXPECT_EQ(flights->size(), 1u);
  }
}

}  // namespace
}  // namespace truce::app
