// Several `truce serve` processes on one PostgreSQL database (a throw-away server under a
// temporary directory, test_postgres.h): clients post reports to both at once, one is killed
// with SIGKILL in the middle and restarted, and afterwards every acknowledged report is in the
// log exactly once, `truce verify --db URL --key FILE` passes, and the heads the two servers
// serve are consistent with each other (`truce verify --server`). Skips, saying why, where no
// PostgreSQL server can be started.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>

#include "server_harness.h"
#include "store/open_store.h"
#include "store/test_postgres.h"
#include "truce_process.h"

namespace truce::testing {
namespace {

class PostgresMultiInstanceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    store::testing::TestPostgres* server = store::testing::TestPostgres::Shared(&why);
    if (!server) GTEST_SKIP() << why;
    auto url = server->NewDatabase();
    ASSERT_TRUE(url.ok()) << url.error().message;
    url_ = *url;
    key_ = (dir_.path() / "log.key").string();
  }

  std::string Token() {
    const CmdRun r =
        Truce(dir_, "token create --db " + url_ + " --key " + key_ + " --role monitor");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::string last = r.out.substr(0, r.out.size() - 1);
    return last.substr(last.rfind('\n') + 1);
  }

  // `truce serve ARGS` on the test's database, its stderr kept in NAME.err.
  std::unique_ptr<ServeProcess> Serve(const std::string& name, std::vector<std::string> args) {
    args.insert(args.begin(), {"--db", url_, "--key", key_});
    return std::make_unique<ServeProcess>(std::move(args), dir_.path() / (name + ".err"));
  }

  TempDir dir_;
  std::string url_, key_;
};

TEST_F(PostgresMultiInstanceTest, KeysAreGivenNeverGuessedNorReplaced) {
  // A URL has no "beside" for the key: --key is required (a usage error without it).
  CmdRun r = Truce(dir_, "serve --db " + url_ + " --listen 127.0.0.1:0");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--key"), std::string::npos) << r.err;
  {
    auto first = Serve("first", {});
    ASSERT_FALSE(first->base_url().empty()) << first->err();
    EXPECT_TRUE(fs::exists(key_));  // a new log: its key was made
  }
  // The database now records the key: a server without that key file is refused, and no new
  // key file is written.
  const std::string other = (dir_.path() / "other.key").string();
  r = Truce(dir_, "serve --db " + url_ + " --key " + other + " --listen 127.0.0.1:0");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("a new key cannot continue the log"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(other));
  // A different existing key is refused too.
  ASSERT_TRUE(app::SigningKey::LoadOrCreate(other).ok());
  r = Truce(dir_, "serve --db " + url_ + " --key " + other + " --listen 127.0.0.1:0");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("restore the original key file"), std::string::npos) << r.err;
  // verify: the right key passes, another key is named as a replacement, a missing one is an
  // error rather than a silent pass.
  r = Truce(dir_, "verify --db " + url_ + " --key " + key_);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("ok: 0 entries"), std::string::npos) << r.out;
  r = Truce(dir_, "verify --db " + url_ + " --key " + other);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("the key was replaced"), std::string::npos) << r.err;
  r = Truce(dir_, "verify --db " + url_ + " --key " + (dir_.path() / "absent.key").string());
  EXPECT_EQ(r.exit_code, 1);
  // A database that cannot be reached: a clear error that does not show the password.
  r = Truce(dir_, "verify --db postgresql://truce:hunter2@127.0.0.1:1/none --key " + key_);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err.find("hunter2"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("postgresql://truce:***@127.0.0.1:1/none"), std::string::npos) << r.err;
}

TEST_F(PostgresMultiInstanceTest, TwoServersOneLogSurviveAKill) {
  const std::string token = Token();
  auto a = Serve("a", {"--scenario", ShippedScenario()});
  ASSERT_FALSE(a->base_url().empty()) << a->err();
  auto b = Serve("b", {"--scenario", ShippedScenario()});
  ASSERT_FALSE(b->base_url().empty()) << b->err();

  // Clients post to both servers: their own events (single and in batches) and revisions of
  // one event they all revise. What a server acknowledged (201) is recorded.
  std::mutex mu;
  std::set<std::string> acknowledged;   // own events
  std::map<int, int> shared_revisions;  // revision -> fatalities, of "SHARED"
  std::atomic<bool> stop = false, a_down = false;
  std::string a_url = a->base_url();
  auto client = [&](int who, bool on_a) {
    for (int i = 0; !stop; ++i) {
      std::string base;
      {
        std::lock_guard lock(mu);
        base = on_a && !a_down ? a_url : b->base_url();
      }
      json body = json::array();
      const int n = i % 4 == 0 ? 10 : 1;
      for (int k = 0; k < n; ++k) body.push_back(ReportJson(fmt::format("M{}-{}-{}", who, i, k)));
      json shared = ReportJson("SHARED");
      shared["fatalities"] = who * 100000 + i;
      body.push_back(shared);
      auto r = server::HttpRequest("POST", base, "/api/v1/reports", token, body.dump());
      if (!r.ok() || r->status != 201) continue;  // a server killed under the request
      const json reply = json::parse(r->body);
      std::lock_guard lock(mu);
      for (const json& item : reply["results"]) {
        const std::string id = item["event_id"];
        if (id == "SHARED") {
          EXPECT_TRUE(
              shared_revisions.emplace(item["revision"].get<int>(), who * 100000 + i).second)
              << "revision " << item["revision"] << " of SHARED acknowledged twice";
        } else {
          EXPECT_TRUE(acknowledged.insert(id).second) << id << " acknowledged twice";
        }
      }
    }
  };
  auto acked = [&] {
    std::lock_guard lock(mu);
    return acknowledged.size();
  };
  // Not timing assertions: the deadlines only keep a broken server from hanging the test.
  auto wait_for = [&](size_t n) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (acked() < n && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return acked() >= n;
  };
  std::vector<std::thread> clients;
  for (int who = 1; who <= 4; ++who) clients.emplace_back(client, who, who % 2 == 1);
  ASSERT_TRUE(wait_for(150));
  // A is killed while the clients write; its clients go on with B.
  a->Kill(SIGKILL);
  a_down = true;
  ASSERT_TRUE(wait_for(acked() + 100));
  // A comes back, catching up with what B appended meanwhile, and takes its clients back.
  auto restarted = Serve("a2", {});
  ASSERT_FALSE(restarted->base_url().empty()) << restarted->err();
  {
    std::lock_guard lock(mu);
    a_url = restarted->base_url();
    a_down = false;
  }
  ASSERT_TRUE(wait_for(acked() + 100));
  stop = true;
  for (std::thread& t : clients) t.join();

  // Heads: what A serves, B extends; what B serves then, A extends (consistency proofs).
  const std::string head = (dir_.path() / "head.json").string();
  CmdRun r =
      Truce(dir_, "verify --server " + restarted->base_url() + " --head " + head + " --update");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = Truce(dir_, "verify --server " + b->base_url() + " --head " + head + " --update");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("by appending only"), std::string::npos) << r.out;
  r = Truce(dir_, "verify --server " + restarted->base_url() + " --head " + head);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(restarted->Kill(SIGTERM), 0) << restarted->err();
  EXPECT_EQ(b->Kill(SIGTERM), 0) << b->err();

  r = Truce(dir_, "verify --db " + url_ + " --key " + key_);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("ok: "), std::string::npos) << r.out;

  // Every acknowledged report exactly once; the revisions of SHARED numbered without a gap,
  // each acknowledged one holding what its client sent; received_at never going back.
  auto store = store::OpenStore(url_);
  ASSERT_TRUE(store.ok()) << store.error().message;
  store::ReportQuery all;
  all.all_revisions = true;
  auto rows = (*store)->QueryReports(all);
  ASSERT_TRUE(rows.ok());
  std::map<std::string, int> times_stored;
  std::map<int, int> stored_shared;
  for (const auto& row : *rows) {
    if (row.row.event_id == "SHARED") {
      const json data = json::parse(row.data);
      stored_shared[row.row.revision] = data["body"]["fatalities"];
    } else {
      ++times_stored[row.row.event_id];
    }
  }
  for (const std::string& id : acknowledged) EXPECT_EQ(times_stored[id], 1) << id;
  for (const auto& [id, times] : times_stored) EXPECT_EQ(times, 1) << id;
  ASSERT_FALSE(stored_shared.empty());
  EXPECT_EQ(stored_shared.begin()->first, 1);
  EXPECT_EQ(stored_shared.rbegin()->first, static_cast<int>(stored_shared.size()));
  for (const auto& [revision, fatalities] : shared_revisions) {
    EXPECT_EQ(stored_shared[revision], fatalities) << "SHARED revision " << revision;
  }
  UtcTime last{};
  uint64_t entries = 0;
  ASSERT_TRUE((*store)
                  ->ScanEntries(0,
                                [&](const store::LogEntry& e, const store::EntryIndex&) {
                                  EXPECT_GE(e.received_at, last) << "entry " << e.index;
                                  last = e.received_at;
                                  ++entries;
                                  return true;
                                })
                  .ok());
  EXPECT_NE(r.out.find(fmt::format("ok: {} entries", entries)), std::string::npos) << r.out;
  RecordProperty("acknowledged_reports", static_cast<int>(acknowledged.size()));
  RecordProperty("log_entries", static_cast<int>(entries));
}

}  // namespace
}  // namespace truce::testing
