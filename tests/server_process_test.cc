// The server as a process: `truce serve` started as a child and killed with SIGKILL loses
// nothing it acknowledged; `truce verify --db` names the first altered or removed entry of a
// tampered database; `truce verify --server URL --head FILE` checks a live server against a
// kept head and catches a server that rewrote its history.
#include <signal.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <httplib.h>

#include <chrono>
#include <mutex>
#include <set>
#include <sstream>

#include "server_harness.h"
#include "truce_process.h"

namespace truce::testing {
namespace {

std::string MakeToken(const std::string& db, app::Role role) {
  auto store = store::OpenSqliteStore(db);
  EXPECT_TRUE(store.ok());
  auto key = app::LoadLogKey(**store, app::KeyFileFor(db));
  EXPECT_TRUE(key.ok());
  auto t = app::CreateToken(**store, *key, role, "", UtcTime{});
  EXPECT_TRUE(t.ok());
  return t->secret;
}

// Runs SQL on the database as an attacker would, with the append-only triggers dropped.
void Tamper(const std::string& db, const std::string& sql) {
  sqlite3* handle = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &handle), SQLITE_OK);
  std::string drop;
  for (const char* table : {"log_entries", "tree_heads", "reports", "positions", "claims",
                            "scenario_versions", "publications", "meta"}) {
    for (const char* op : {"update", "delete"}) {
      drop += fmt::format("DROP TRIGGER IF EXISTS {}_no_{};", table, op);
    }
  }
  char* message = nullptr;
  ASSERT_EQ(sqlite3_exec(handle, (drop + sql).c_str(), nullptr, nullptr, &message), SQLITE_OK)
      << (message ? message : "");
  sqlite3_close(handle);
}

TEST(ServerProcessTest, TokenCreatePrintsTheTokenLastAndItWorks) {
  TempDir dir;
  const std::string db = (dir.path() / "t.db").string();
  CmdRun r = Truce(dir, "token create --db " + db + " --role monitor");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string last = r.out.substr(0, r.out.size() - 1);
  last = last.substr(last.rfind('\n') + 1);
  EXPECT_EQ(last.rfind("truce_", 0), 0u) << r.out;
  EXPECT_EQ(Truce(dir, "token create --db " + db + " --role party").exit_code, 1);
  EXPECT_EQ(Truce(dir, "token create --db " + db + " --role overlord").exit_code, 1);
  EXPECT_EQ(Truce(dir, "token create --db " + db + " --role admin --party x").exit_code, 1);
  ServeProcess serve(db, ShippedScenario());
  ASSERT_FALSE(serve.base_url().empty());
  auto reply = server::HttpRequest("POST", serve.base_url(), "/api/v1/reports", last,
                                   ReportJson("CLI-1").dump());
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply->status, 201) << reply->body;
  // A party token for a party the stored scenario does not know is refused.
  r = Truce(dir, "token create --db " + db + " --role party --party nobody");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("not a party"), std::string::npos) << r.err;
  r = Truce(dir, "token create --db " + db + " --role party --party syrian-government");
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

// --- At rest -----------------------------------------------------------------------------------

// Every file `truce serve` makes is its owner's alone, whatever the umask: the database, its
// -wal and -shm, the lock file and the key file.
TEST(ServerProcessTest, EveryFileItMakesIsOwnerOnly) {
  TempDir dir;
  const std::string db = (dir.path() / "modes.db").string();
  const mode_t old_umask = ::umask(022);
  {
    ServeProcess serve(db, ShippedScenario());
    ASSERT_FALSE(serve.base_url().empty());
    for (const std::string& file :
         {db, db + "-wal", db + "-shm", db + ".lock", app::KeyFileFor(db)}) {
      struct stat st {};
      ASSERT_EQ(::stat(file.c_str(), &st), 0) << file;
      EXPECT_EQ(st.st_mode & 0777, 0600u) << file;
    }
  }
  ::umask(old_umask);
}

// A log whose key file is missing is refused, naming the file, and nothing is written: no new
// key (which could not continue the log), no change to the database.
TEST(ServerProcessTest, AMissingKeyFileIsRefusedAndNothingIsWritten) {
  TempDir dir;
  const std::string db = (dir.path() / "keyless.db").string();
  const std::string key = app::KeyFileFor(db);
  {
    ServeProcess serve(db, ShippedScenario());
    ASSERT_FALSE(serve.base_url().empty());
    EXPECT_EQ(serve.Kill(SIGTERM), 0);
  }
  ASSERT_TRUE(fs::exists(key));
  fs::remove(key);
  const std::string before = HashToHex(Sha256(Slurp(db)));
  CmdRun r = Truce(dir, "serve --db " + db + " --listen 127.0.0.1:0");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.err.find(key + ": no signing key file"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(key));
  EXPECT_EQ(HashToHex(Sha256(Slurp(db))), before);
  // A log whose public key record was removed as well: still no new key.
  Tamper(db, "DELETE FROM meta WHERE key = 'log_public_key';");
  r = Truce(dir, "serve --db " + db + " --listen 127.0.0.1:0");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.err.find("already holds a log"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(key));
}

// `truce token create --db DB --role ROLE`: the new token's id and secret (empty on failure).
std::pair<std::string, std::string> CreateToken(const TempDir& dir, const std::string& db,
                                                const std::string& role) {
  const CmdRun r = Truce(dir, "token create --db " + db + " --role " + role);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  if (r.exit_code != 0) return {};
  const size_t last = r.out.rfind('\n', r.out.size() - 2) + 1;
  return {r.out.substr(r.out.find("tok_"), 16), r.out.substr(last, r.out.size() - last - 1)};
}

// A token row changed in the database (a role raised to admin) no longer carries the log's
// signature: the server refuses the token, `truce token list` and `truce verify` name it.
TEST(ServerProcessTest, ATokenRowAlteredInTheDatabaseIsRefusedAndNamed) {
  TempDir dir;
  const std::string db = (dir.path() / "tokens.db").string();
  auto [id, secret] = CreateToken(dir, db, "public");
  ASSERT_FALSE(secret.empty());
  CmdRun r;
  {
    ServeProcess serve(db, ShippedScenario());
    ASSERT_FALSE(serve.base_url().empty());
    auto reply = server::HttpRequest("GET", serve.base_url(), "/metrics", secret);
    ASSERT_TRUE(reply.ok());
    EXPECT_EQ(reply->status, 403) << reply->body;  // a public token may not read metrics
    EXPECT_EQ(serve.Kill(SIGTERM), 0);
  }
  EXPECT_EQ(Truce(dir, "verify --db " + db).exit_code, 0);
  Tamper(db, "UPDATE tokens SET role = 'admin'");
  ServeProcess serve(db);
  ASSERT_FALSE(serve.base_url().empty());
  auto reply = server::HttpRequest("GET", serve.base_url(), "/metrics", secret);
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply->status, 401) << reply->body;
  EXPECT_NE(reply->body.find("token " + id + " is refused"), std::string::npos) << reply->body;
  r = Truce(dir, "token list --db " + db);
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("ALTERED"), std::string::npos) << r.out;
  r = Truce(dir, "verify --db " + db);
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.err.find("token " + id + " (role admin): its row does not carry the log's signature"),
            std::string::npos)
      << r.err;
}

// A revocation is an entry of the log: clearing revoked_at in the database does not bring the
// token back, and `truce verify` names the row.
TEST(ServerProcessTest, ARevocationClearedInTheDatabaseStillHoldsAndIsNamed) {
  TempDir dir;
  const std::string db = (dir.path() / "revoke.db").string();
  auto [id, secret] = CreateToken(dir, db, "monitor");
  ASSERT_FALSE(secret.empty());
  CmdRun r;
  {
    ServeProcess serve(db, ShippedScenario());
    ASSERT_FALSE(serve.base_url().empty());
    auto reply = server::HttpRequest("GET", serve.base_url(), "/metrics", secret);
    ASSERT_TRUE(reply.ok());
    EXPECT_EQ(reply->status, 200) << reply->body;
    // Revoked while the server runs: the row refuses it at once.
    r = Truce(dir, "token revoke --db " + db + " --id " + id);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("token " + id + " revoked (log entry "), std::string::npos) << r.out;
    reply = server::HttpRequest("GET", serve.base_url(), "/metrics", secret);
    ASSERT_TRUE(reply.ok());
    EXPECT_EQ(reply->status, 401) << reply->body;
    EXPECT_EQ(serve.Kill(SIGTERM), 0);
  }
  // Revoking again appends nothing; an unknown id is an error naming it.
  r = Truce(dir, "token revoke --db " + db + " --id " + id);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = Truce(dir, "token revoke --db " + db + " --id tok_nobody");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.err.find("no token with id 'tok_nobody'"), std::string::npos) << r.err;
  EXPECT_EQ(Truce(dir, "verify --db " + db).exit_code, 0);

  Tamper(db, "UPDATE tokens SET revoked_at = NULL");
  {
    ServeProcess serve(db);
    ASSERT_FALSE(serve.base_url().empty());
    auto reply = server::HttpRequest("GET", serve.base_url(), "/metrics", secret);
    ASSERT_TRUE(reply.ok());
    EXPECT_EQ(reply->status, 401) << reply->body;
    EXPECT_EQ(serve.Kill(SIGTERM), 0);
  }
  r = Truce(dir, "verify --db " + db);
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.err.find("token " + id + " (role monitor) was revoked by entry "), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("revoked_at was cleared in the database"), std::string::npos) << r.err;

  // Deleting the row is named too.
  Tamper(db, "DELETE FROM tokens");
  r = Truce(dir, "verify --db " + db);
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.err.find("has no row: it was deleted from the database"), std::string::npos) << r.err;
}

// `truce serve --seed DIR` gives a first start a public record to look at, and a restart
// over the same store adds nothing: the seed is idempotent, so run.sh can pass it every time.
TEST(ServerProcessTest, SeedLoadsThePublicRecordOnceAndIsIdempotent) {
  TempDir dir;
  const std::string db = (dir.path() / "seed.db").string();
  const std::vector<std::string> seed = {"--seed", ShippedScenario()};
  const std::string monitor = MakeToken(db, app::Role::kMonitor);
  size_t incidents = 0, log_size = 0;
  {
    ServeProcess serve(db, ShippedScenario(), seed);
    ASSERT_FALSE(serve.base_url().empty());
    auto reply = server::HttpRequest("GET", serve.base_url(), "/api/v1/incidents?limit=1000", "");
    ASSERT_TRUE(reply.ok());
    ASSERT_EQ(reply->status, 200) << reply->body;
    const nlohmann::json page = nlohmann::json::parse(reply->body);
    incidents = page["items"].size();
    // The shipped record has 158 reports; corroboration folds some into shared incidents.
    EXPECT_GT(incidents, 100u);
    bool corroborated = false;
    for (const auto& inc : page["items"]) {
      EXPECT_TRUE(inc["published"].get<bool>()) << inc.dump();
      corroborated = corroborated || inc["grade"] == "corroborated";
    }
    EXPECT_TRUE(corroborated);
    auto claims = server::HttpRequest("GET", serve.base_url(), "/api/v1/claims", monitor);
    ASSERT_TRUE(claims.ok());
    EXPECT_EQ(claims->status, 200) << claims->body;
    EXPECT_GE(nlohmann::json::parse(claims->body)["items"].size(), 20u);
    auto head = server::HttpRequest("GET", serve.base_url(), "/api/v1/log/head", "");
    ASSERT_TRUE(head.ok());
    log_size = nlohmann::json::parse(head->body)["tree_size"].get<size_t>();
  }
  ServeProcess again(db, ShippedScenario(), seed);
  ASSERT_FALSE(again.base_url().empty());
  auto head = server::HttpRequest("GET", again.base_url(), "/api/v1/log/head", "");
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(nlohmann::json::parse(head->body)["tree_size"].get<size_t>(), log_size);
  auto reply = server::HttpRequest("GET", again.base_url(), "/api/v1/incidents?limit=1000", "");
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(nlohmann::json::parse(reply->body)["items"].size(), incidents);
}

// A seed directory with a broken file names the file and line and stops the start.
TEST(ServerProcessTest, SeedWithABadRecordNamesItAndDoesNotStart) {
  TempDir dir;
  const fs::path seed = dir.path() / "seed";
  fs::create_directories(seed);
  std::ofstream(seed / "incidents.csv") << "id,event_date\nX1,not-a-date\n";
  CmdRun r =
      Truce(dir, "serve --db " + (dir.path() / "s.db").string() + " --scenario " +
                     ShippedScenario() + " --seed " + seed.string() + " --listen 127.0.0.1:0");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.err.find("incidents.csv"), std::string::npos) << r.err;
}

TEST(ServerProcessTest, SigkillLosesNothingAcknowledged) {
  TempDir dir;
  const std::string db = (dir.path() / "kill.db").string();
  const std::string token = MakeToken(db, app::Role::kMonitor);
  std::set<std::string> acknowledged;
  {
    ServeProcess serve(db, ShippedScenario());
    ASSERT_FALSE(serve.base_url().empty());
    std::mutex mu;
    std::atomic<bool> stop = false;
    // Eight clients submit singles and batches as fast as they can (group commit joins them
    // into shared transactions); the server is killed while they do. Everything it answered
    // 2xx for must be there after the restart.
    auto client = [&](int who) {
      for (int i = 0; !stop; ++i) {
        json body = json::array();
        const int n = i % 3 == 0 ? 20 : 1;
        for (int k = 0; k < n; ++k) body.push_back(ReportJson(fmt::format("K{}-{}-{}", who, i, k)));
        auto r =
            server::HttpRequest("POST", serve.base_url(), "/api/v1/reports", token, body.dump());
        if (!r.ok()) return;  // the server is gone
        if (r->status == 201) {
          std::lock_guard lock(mu);
          for (const json& item : body) acknowledged.insert(item["event_id_cnty"]);
        }
      }
    };
    std::vector<std::thread> clients;
    for (int who = 1; who <= 8; ++who) clients.emplace_back(client, who);
    // Not a timing assertion: the deadline only keeps a broken server from hanging the test.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      std::lock_guard lock(mu);
      if (acknowledged.size() >= 150) break;
    }
    serve.Kill(SIGKILL);
    stop = true;
    for (std::thread& c : clients) c.join();
  }
  ASSERT_GE(acknowledged.size(), 150u);
  ServeProcess again(db);
  ASSERT_FALSE(again.base_url().empty()) << "the server did not restart";
  std::set<std::string> stored;
  std::string cursor;
  do {
    auto r = server::HttpRequest(
        "GET", again.base_url(),
        "/api/v1/reports?limit=1000" + (cursor.empty() ? "" : "&cursor=" + cursor), token);
    ASSERT_TRUE(r.ok());
    const json page = json::parse(r->body);
    for (const json& item : page["items"]) stored.insert(item["event_id"]);
    cursor = page["next"].is_null() ? "" : page["next"].get<std::string>();
  } while (!cursor.empty());
  for (const std::string& id : acknowledged) EXPECT_TRUE(stored.contains(id)) << id;
  again.Kill(SIGTERM);
  const CmdRun v = Truce(dir, "verify --db " + db);
  EXPECT_EQ(v.exit_code, 0) << v.err;
  EXPECT_NE(v.out.find("ok: "), std::string::npos);
}

// --- Tampering --------------------------------------------------------------------------------

struct TamperCase {
  const char* name;
  std::function<std::string(const std::string& data_of_entry_3)> sql;
  const char* expected;           // in stderr; "" means verify passes
  bool without_key_file = false;  // verify from the database alone (its key file removed)
};

TEST(ServerProcessTest, TamperedDatabaseFailsVerifyNamingTheFirstEntry) {
  const std::vector<TamperCase> cases = {
      {"untouched", [](const std::string&) { return std::string(); }, ""},
      {"data edited",
       [](const std::string& data) {
         std::string edited = data;
         edited.replace(edited.find("33.55"), 5, "33.60");
         return fmt::format("UPDATE log_entries SET data = '{}' WHERE idx = 3;", edited);
       },
       "entry 3 (report T-2 revision 1) was altered"},
      {"data and leaf hash edited",
       [](const std::string& data) {
         std::string edited = data;
         edited.replace(edited.find("33.55"), 5, "33.60");
         return fmt::format("UPDATE log_entries SET data = '{}', leaf_hash = X'{}' WHERE idx = 3;",
                            edited, HashToHex(LeafHash(edited)));
       },
       "entry 3 (report T-2 revision 1) was altered: its receipt"},
      {"query row edited",
       [](const std::string&) {
         return std::string("UPDATE reports SET latitude = 10 WHERE entry = 3;");
       },
       "entry 3 (report T-2 revision 1): its query rows"},
      {"received_at column edited",
       [](const std::string&) {
         return std::string("UPDATE log_entries SET received_at = 0 WHERE idx = 3;");
       },
       "entry 3 (report T-2 revision 1) was altered"},
      {"middle entry removed",
       [](const std::string&) {
         return std::string(
             "DELETE FROM log_entries WHERE idx = 3; DELETE FROM reports WHERE "
             "entry = 3;");
       },
       "entry 3 was removed"},
      {"last entries and their heads' rows removed",
       [](const std::string&) {
         return std::string(
             "DELETE FROM reports WHERE entry >= 5; DELETE FROM log_entries "
             "WHERE idx >= 5;");
       },
       "entry 5 was removed"},
      {"head re-signed by another key",
       [](const std::string&) {
         return std::string("UPDATE tree_heads SET signature = zeroblob(64) WHERE size = 3;");
       },
       "tree head of size 3 was altered"},
      {"public key replaced",
       [](const std::string&) {
         return std::string("UPDATE meta SET value = '" + std::string(64, 'a') +
                            "' WHERE key = 'log_public_key';");
       },
       "key was replaced"},
      {"public key replaced, verified without the key file",
       [](const std::string&) {
         return std::string("UPDATE meta SET value = '" + std::string(64, 'a') +
                            "' WHERE key = 'log_public_key';");
       },
       "log public key aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa verifies "
       "neither the first nor the latest signed tree head: the recorded public key was replaced",
       true},
      {"middle tree head removed",
       [](const std::string&) { return std::string("DELETE FROM tree_heads WHERE size = 4;"); },
       "the signed tree head of size 4 was removed"},
      {"empty log's head removed",
       [](const std::string&) { return std::string("DELETE FROM tree_heads WHERE size = 0;"); },
       "the signed tree head of the empty log (size 0) was removed"},
  };
  for (const TamperCase& c : cases) {
    SCOPED_TRACE(c.name);
    TempDir dir;
    const std::string db = (dir.path() / "t.db").string();
    std::string data3;
    {
      ServerHarness server(db);
      server.LoadShippedScenario();  // entry 0
      const std::string token = server.Token(app::Role::kMonitor);
      for (int i = 0; i < 6; ++i) {  // entries 1..6
        ASSERT_EQ(server.Post("/api/v1/reports", ReportJson(fmt::format("T-{}", i)), token).status,
                  201);
      }
      data3 = (*server.store().GetEntry(3))->data;
    }
    Tamper(db, c.sql(data3));
    if (c.without_key_file) fs::remove(app::KeyFileFor(db));
    const CmdRun v = Truce(dir, "verify --db " + db);
    if (std::string(c.expected).empty()) {
      EXPECT_EQ(v.exit_code, 0) << v.err;
      EXPECT_NE(v.out.find("ok: 7 entries"), std::string::npos) << v.out;
    } else {
      EXPECT_EQ(v.exit_code, 1) << v.out;
      EXPECT_NE(v.err.find(c.expected), std::string::npos) << v.err;
      EXPECT_TRUE(v.out.empty()) << v.out;
    }
  }
}

TEST(ServerProcessTest, VerifyServerAgainstAKeptHead) {
  TempDir dir;
  const std::string db = (dir.path() / "live.db").string();
  const std::string head = (dir.path() / "head.json").string();
  ServerHarness server(db);
  server.LoadShippedScenario();
  const std::string token = server.Token(app::Role::kMonitor);
  const std::string url = server.base_url();
  // No kept head yet: refused unless asked to start keeping one.
  EXPECT_EQ(Truce(dir, "verify --server " + url + " --head " + head).exit_code, 1);
  CmdRun r = Truce(dir, "verify --server " + url + " --head " + head + " --update");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(
      server.Post("/api/v1/reports", json::array({ReportJson("V-1"), ReportJson("V-2")}), token)
          .status,
      201);
  r = Truce(dir, "verify --server " + url + " --head " + head);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("grew from 1 to 3 entries"), std::string::npos) << r.out;

  // A kept head whose root was altered no longer carries a valid signature.
  json kept = json::parse(Slurp(head));
  json forged = kept;
  forged["root_hash"] = HashToHex(Sha256("forged"));
  const std::string forged_path = (dir.path() / "forged.json").string();
  std::ofstream(forged_path) << forged.dump();
  r = Truce(dir, "verify --server " + url + " --head " + forged_path);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("signature"), std::string::npos) << r.err;

  // A server that rewrote its history (same key, different first entries) is caught.
  const std::string other_db = (dir.path() / "rewritten.db").string();
  fs::copy_file(app::KeyFileFor(db), app::KeyFileFor(other_db));
  ServerHarness rewritten(other_db);
  const std::string other_token = rewritten.Token(app::Role::kMonitor);
  for (const char* id : {"W-1", "W-2", "W-3"}) {
    ASSERT_EQ(rewritten.Post("/api/v1/reports", ReportJson(id), other_token).status, 201);
  }
  r = Truce(dir, "verify --server " + rewritten.base_url() + " --head " + head);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("does not extend the kept head"), std::string::npos) << r.err;
  // Naming neither target, or a server without a head, is a usage error.
  EXPECT_EQ(Truce(dir, "verify").exit_code, 2);
  EXPECT_EQ(Truce(dir, "verify --server " + url).exit_code, 2);
  EXPECT_EQ(Truce(dir, "verify --db " + (dir.path() / "absent.db").string()).exit_code, 1);
  // An unreachable server is an error too, not a pass.
  r = Truce(dir, "verify --server http://127.0.0.1:1 --head " + head);
  EXPECT_EQ(r.exit_code, 1);
}

// A party checks the receipts it was answered with, and that the log still holds the entries;
// `verify --db` checks a batch's one signature once its last entry is read.
TEST(ServerProcessTest, ReceiptsOfABatchVerifyAndATamperedBatchIsNamed) {
  TempDir dir;
  const std::string db = (dir.path() / "r.db").string();
  const std::string head = (dir.path() / "head.json").string();
  const std::string answer = (dir.path() / "answer.json").string();
  std::string data3;
  {
    ServerHarness server(db);
    server.LoadShippedScenario();  // entry 0
    const std::string token = server.Token(app::Role::kMonitor);
    const std::string url = server.base_url();
    ASSERT_EQ(Truce(dir, "verify --server " + url + " --head " + head + " --update").exit_code, 0);
    Reply batch = server.Post(
        "/api/v1/reports", json::array({ReportJson("R-1"), ReportJson("R-2"), ReportJson("R-3")}),
        token);  // entries 1..3
    ASSERT_EQ(batch.status, 201) << batch.text;
    std::ofstream(answer) << batch.text;
    CmdRun r = Truce(dir, "verify --receipt " + answer + " --head " + head);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("ok: 3 receipts (3 of them for entries submitted together)"),
              std::string::npos)
        << r.out;
    r = Truce(dir, "verify --receipt " + answer + " --head " + head + " --server " + url);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("every entry is in the server's log of 4 entries"), std::string::npos)
        << r.out;
    // One receipt alone, as a party hands it on: the first of the batch.
    const std::string one = (dir.path() / "one.json").string();
    std::ofstream(one) << batch.body["results"][0].dump();
    r = Truce(dir, "verify --receipt " + one + " --head " + head);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("ok: 1 receipts"), std::string::npos) << r.out;
    // A list of receipts, as a party keeps them.
    const std::string list = (dir.path() / "list.json").string();
    std::ofstream(list) << batch.body["results"].dump();
    r = Truce(dir, "verify --receipt " + list + " --head " + head);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("ok: 3 receipts"), std::string::npos) << r.out;
    // The same reports again: nothing new is stored, so the answer holds no receipt to check.
    Reply again =
        server.Post("/api/v1/reports",
                    json::array({ReportJson("R-1"), ReportJson("R-2"), ReportJson("R-3")}), token);
    ASSERT_EQ(again.status, 200) << again.text;
    const std::string unchanged = (dir.path() / "unchanged.json").string();
    std::ofstream(unchanged) << again.text;
    r = Truce(dir, "verify --receipt " + unchanged + " --head " + head);
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("unchanged.json: holds no receipt"), std::string::npos) << r.err;
    // A forged leaf: the path no longer leads to the batch's signed root.
    json forged = batch.body;
    forged["results"][1]["leaf_hash"] = HashToHex(LeafHash("forged"));
    const std::string forged_path = (dir.path() / "forged.json").string();
    std::ofstream(forged_path) << forged.dump();
    r = Truce(dir, "verify --receipt " + forged_path + " --head " + head);
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("the receipt of entry 2: its path does not lead"), std::string::npos)
        << r.err;
    // A receipt the log signed for an entry no longer in this server's log.
    json later = batch.body["results"][2];
    later["log_index"] = 9;
    std::ofstream(forged_path, std::ios::trunc) << later.dump();
    r = Truce(dir, "verify --receipt " + forged_path + " --head " + head);
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("it is not in the batch it names (the 3 entries from entry 1)"),
              std::string::npos)
        << r.err;
    json field = batch.body["results"][0];
    field["batch"].erase("root_hash");
    std::ofstream(forged_path, std::ios::trunc) << field.dump();
    r = Truce(dir, "verify --receipt " + forged_path + " --head " + head);
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("forged.json: /: receipt: batch.root_hash: expected 64"),
              std::string::npos)
        << r.err;
    // A server that answers its proofs with something other than an object: named, exit 1.
    {
      const std::string current = server.Get("/api/v1/log/head").text;
      httplib::Server fake;
      fake.Get("/api/v1/log/head", [&](const httplib::Request&, httplib::Response& res) {
        res.set_content(current, "application/json");
      });
      fake.Get("/api/v1/log/inclusion", [](const httplib::Request&, httplib::Response& res) {
        res.set_content("[]", "application/json");
      });
      fake.Get("/api/v1/log/consistency", [](const httplib::Request&, httplib::Response& res) {
        res.set_content("\"x\"", "application/json");
      });
      const int port = fake.bind_to_any_port("127.0.0.1");
      std::thread serving([&] { fake.listen_after_bind(); });
      const std::string fake_url = fmt::format("http://127.0.0.1:{}", port);
      for (const std::string& args :
           {"verify --receipt " + answer + " --head " + head + " --server " + fake_url,
            "verify --server " + fake_url + " --head " + head}) {
        const CmdRun bad = Truce(dir, args);
        EXPECT_EQ(bad.exit_code, 1) << args << "\n" << bad.err;
        EXPECT_NE(bad.err.find("the server's proof is malformed"), std::string::npos) << bad.err;
      }
      fake.stop();
      serving.join();
    }
    // Hostile files: nested 100,000 deep, a number beyond a double, bytes that are not UTF-8.
    const std::vector<std::pair<std::string, std::string>> hostile = {
        {std::string(100'000, '[') + std::string(100'000, ']'), "nested deeper than 64 levels"},
        {R"({"results":[{"log_index":1e400}]})", "'1e400' is out of range"},
        {"{\"log_index\":1,\"leaf_hash\":\"\xff\xfe\"}", "ill-formed UTF-8"}};
    for (const auto& [text, expected] : hostile) {
      std::ofstream(forged_path, std::ios::trunc) << text;
      r = Truce(dir, "verify --receipt " + forged_path + " --head " + head);
      EXPECT_EQ(r.exit_code, 1) << expected;
      EXPECT_NE(r.err.find(expected), std::string::npos) << r.err.substr(0, 300);
    }
    EXPECT_EQ(Truce(dir, "verify --receipt " + answer).exit_code, 2);
    EXPECT_EQ(
        Truce(dir, "verify --receipt " + answer + " --head " + head + " --db " + db).exit_code, 2);
    data3 = (*server.store().GetEntry(3))->data;
  }
  CmdRun v = Truce(dir, "verify --db " + db);
  ASSERT_EQ(v.exit_code, 0) << v.err;
  // The batch's last entry edited with its leaf: the batch's one signature no longer holds
  // (checked when the batch's last entry is read, before the entry's query rows).
  std::string edited = data3;
  edited.replace(edited.find("33.55"), 5, "33.60");
  Tamper(db, fmt::format("UPDATE log_entries SET data = '{}', leaf_hash = X'{}' WHERE idx = 3;",
                         edited, HashToHex(LeafHash(edited))));
  v = Truce(dir, "verify --db " + db);
  EXPECT_EQ(v.exit_code, 1);
  EXPECT_NE(v.err.find("an entry of the batch of entries 1 to 3 (submitted together) was altered"),
            std::string::npos)
      << v.err;
}

// A list read's response proves what its reader was shown: the disclosure's receipt, the entry
// it carries (its leaf), and the items served (the digest the entry records).
TEST(ServerProcessTest, VerifyReceiptProvesWhatAListReadServed) {
  TempDir dir;
  const std::string db = (dir.path() / "d.db").string();
  const std::string head = (dir.path() / "head.json").string();
  ServerHarness server(db);
  server.LoadShippedScenario();
  const std::string cell = server.Token(app::Role::kHumanitarian);
  const json site = {{"type", "Feature"},
                     {"properties",
                      {{"id", "idlib-hospital"},
                       {"type", "hospital"},
                       {"organisation", "SAMS"},
                       {"valid_from", "2017-06-01"}}},
                     {"geometry", {{"type", "Point"}, {"coordinates", {36.6339, 35.9306}}}}};
  ASSERT_EQ(
      server.Post("/api/v1/sites", json{{"type", "FeatureCollection"}, {"features", {site}}}, cell)
          .status,
      201);
  Reply read = server.Get("/api/v1/sites", cell);
  ASSERT_EQ(read.status, 200) << read.text;
  ASSERT_EQ(read.body["items"].size(), 1u);
  ASSERT_EQ(Truce(dir, "verify --server " + server.base_url() + " --head " + head + " --update")
                .exit_code,
            0);
  const std::string answer = (dir.path() / "sites.json").string();
  std::ofstream(answer) << read.text;
  CmdRun r = Truce(
      dir, "verify --receipt " + answer + " --head " + head + " --server " + server.base_url());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("ok: the 1 items served are those the log recorded serving, in entry"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("every entry is in the server's log"), std::string::npos) << r.out;
  // The same through the OGC collection, in its default CRS.
  Reply page = server.Get("/ogc/collections/sites/items", cell);
  ASSERT_EQ(page.status, 200) << page.text;
  std::ofstream(answer, std::ios::trunc) << page.text;
  r = Truce(dir, "verify --receipt " + answer + " --head " + head);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("ok: the 1 features served are those"), std::string::npos) << r.out;
  // And in EPSG:4326, its coordinates latitude first: checked with them swapped back.
  page = server.Get("/ogc/collections/sites/items?crs=http://www.opengis.net/def/crs/EPSG/0/4326",
                    cell);
  ASSERT_EQ(page.status, 200) << page.text;
  std::ofstream(answer, std::ios::trunc) << page.text;
  r = Truce(dir, "verify --receipt " + answer + " --head " + head);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("ok: the 1 features served (in EPSG:4326, latitude first) are those"),
            std::string::npos)
      << r.out;
  // Features altered, with the items as served put beside them: refused, not half checked.
  json both = page.body;
  both["items"] = both["features"];
  both["features"][0]["properties"]["organisation"] = "FORGED";
  std::ofstream(answer, std::ios::trunc) << both.dump();
  r = Truce(dir, "verify --receipt " + answer + " --head " + head);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("a disclosure, and both items and features beside it"), std::string::npos)
      << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
  // Items other than those served, an entry other than the one logged.
  json forged = read.body;
  forged["items"][0]["properties"]["organisation"] = "another";
  std::ofstream(answer, std::ios::trunc) << forged.dump();
  r = Truce(dir, "verify --receipt " + answer + " --head " + head);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("the 1 items served (digest "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("are not the items the log recorded serving"), std::string::npos) << r.err;
  forged = read.body;
  std::string entry = forged["disclosure"]["entry"];
  entry.replace(entry.find("idlib-hospital"), 5, "xxxxx");
  forged["disclosure"]["entry"] = entry;
  std::ofstream(answer, std::ios::trunc) << forged.dump();
  r = Truce(dir, "verify --receipt " + answer + " --head " + head);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("the entry it carries does not hash to its leaf hash"), std::string::npos)
      << r.err;
  forged = read.body;
  forged["disclosure"] = json::array({read.body["disclosure"]});
  std::ofstream(answer, std::ios::trunc) << forged.dump();
  r = Truce(dir, "verify --receipt " + answer + " --head " + head);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("sites.json: /disclosure: expected one receipt object"), std::string::npos)
      << r.err;
  forged = read.body;
  forged.erase("items");
  std::ofstream(answer, std::ios::trunc) << forged.dump();
  r = Truce(dir, "verify --receipt " + answer + " --head " + head);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("a disclosure, and no items or features served beside it"),
            std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace truce::testing
