// Positions through NATS JetStream and flight workers, end to end with real servers: a
// throw-away PostgreSQL (test_postgres.h) and a nats-server with JetStream under a temporary
// directory on a free loopback port, two `truce serve --nats` instances on the database, two
// `truce monitor` workers. The real Switzerland ADS-B sample (../shared/data/flights) is posted
// to both instances in batches, against the test zones drawn over it (flight_test_zones.h);
// one worker is killed with SIGKILL in the middle of the feed. Afterwards every violation is
// stored exactly once and equals what `truce flights` prints for the same positions, as both
// instances serve it; each violation's entry alert is in the alert stream exactly once; and
// `truce verify --db postgresql://...` passes. Skips, saying why, where nats-server,
// PostgreSQL or the data are absent.
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>
#include <set>

#include "bus/nats_bus.h"
#include "bus/publisher.h"
#include "flight_test_zones.h"
#include "formats/positions.h"
#include "server/http.h"
#include "shared_data.h"
#include "store/open_store.h"
#include "store/test_postgres.h"
#include "truce_process.h"

namespace truce::testing {
namespace {

constexpr const char* kSwiss = "flights/traffic_collections_switzerland.json.gz";
constexpr int kPartitions = 8;

// A child process (argv[0] a path), its stdout and stderr in files; killed with SIGKILL when
// destroyed, and by the kernel when the test dies.
class Child {
 public:
  Child(std::vector<std::string> args, const fs::path& out, const fs::path& err) {
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_ = fork();
    if (pid_ == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      const int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      const int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      if (o >= 0) dup2(o, STDOUT_FILENO);
      if (e >= 0) dup2(e, STDERR_FILENO);
      execv(argv[0], argv.data());
      _exit(127);
    }
  }
  ~Child() { Kill(SIGKILL); }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  int Kill(int signal) {
    if (pid_ <= 0) return -1;
    kill(pid_, signal);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

 private:
  pid_t pid_ = -1;
};

int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  const int port = ntohs(a.sin_port);
  close(fd);
  return port;
}

std::string NatsServerBinary() {
  for (const char* p :
       {"/usr/bin/nats-server", "/usr/sbin/nats-server", "/usr/local/bin/nats-server"}) {
    if (fs::exists(p)) return p;
  }
  return "";
}

// Waits for `ok` (polling); false after `seconds`. Not a timing assertion: the deadline only
// keeps a broken part from hanging the test.
template <typename F>
bool WaitFor(F ok, int seconds = 180) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (!ok()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return true;
}

class BusWorkersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(SharedDataPath(kSwiss))) {
      GTEST_SKIP() << "no " << SharedDataPath(kSwiss) << " (the real-data corpus)";
    }
    const std::string nats_server = NatsServerBinary();
    if (nats_server.empty()) {
      GTEST_SKIP() << "no nats-server (Debian package nats-server; scripts/install-deps.sh)";
    }
    std::string why;
    store::testing::TestPostgres* pg = store::testing::TestPostgres::Shared(&why);
    if (!pg) GTEST_SKIP() << why;
    auto url = pg->NewDatabase();
    ASSERT_TRUE(url.ok()) << url.error().message;
    db_ = *url;
    key_ = (dir_.path() / "log.key").string();
    const int port = FreePort();
    nats_url_ = fmt::format("nats://127.0.0.1:{}", port);
    fs::create_directories(dir_.path() / "jetstream");
    nats_ = std::make_unique<Child>(
        std::vector<std::string>{nats_server, "-js", "-sd", (dir_.path() / "jetstream").string(),
                                 "-a", "127.0.0.1", "-p", std::to_string(port)},
        dir_.path() / "nats.out", dir_.path() / "nats.err");
    ASSERT_TRUE(WaitFor(
        [&] {
          bus_ = nullptr;
          auto b = bus::NatsBus::Connect(nats_url_);
          if (b.ok()) bus_ = std::move(b).value();
          return bus_ != nullptr;
        },
        30))
        << Slurp(dir_.path() / "nats.err");
    zones_ = (dir_.path() / "zones.geojson").string();
    std::ofstream(zones_) << kFlightTestZones;
  }

  std::unique_ptr<ServeProcess> Serve(const std::string& name) {
    return std::make_unique<ServeProcess>(
        std::vector<std::string>{"--db", db_, "--key", key_, "--scenario", zones_, "--nats",
                                 nats_url_, "--partitions", std::to_string(kPartitions)},
        dir_.path() / (name + ".err"));
  }
  std::unique_ptr<Child> Monitor(const std::string& id) {
    return std::make_unique<Child>(
        std::vector<std::string>{TruceBinary(), "monitor", "--db", db_, "--nats", nats_url_,
                                 "--partitions", std::to_string(kPartitions), "--id", id,
                                 "--lease-ms", "3000"},
        dir_.path() / (id + ".out"), dir_.path() / (id + ".err"));
  }
  std::string Token() {
    const CmdRun r = Truce(dir_, "token create --db " + db_ + " --key " + key_ + " --role admin");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::string last = r.out.substr(0, r.out.size() - 1);
    return last.substr(last.rfind('\n') + 1);
  }

  // Whether the workers judged everything in the log: the publisher's cursor at the log's end
  // and every partition's cursor at the last message of its subject.
  bool CaughtUp(store::Store& store) {
    auto count = store.EntryCount();
    auto leases = store.Leases("");
    if (!count.ok() || !leases.ok()) return false;
    std::map<std::string, uint64_t> cursor;
    for (const store::Lease& l : *leases) cursor[l.name] = l.cursor;
    if (cursor["publisher"] != *count) return false;
    for (int p = 0; p < kPartitions; ++p) {
      auto last = bus_->LastSequence(bus::kPositionsStream, bus::PositionsSubject(p));
      if (!last.ok() || cursor[fmt::format("partition/{}", p)] != *last) return false;
    }
    return true;
  }

  TempDir dir_;
  std::string db_, key_, nats_url_, zones_;
  std::unique_ptr<Child> nats_;
  std::unique_ptr<bus::NatsBus> bus_;
};

std::vector<json> ViolationsOf(const std::string& base, const std::string& token) {
  std::vector<json> out;
  std::string cursor;
  for (;;) {
    std::string path = "/api/v1/flight-violations?limit=250";
    if (!cursor.empty()) path += "&cursor=" + cursor;
    auto r = server::HttpRequest("GET", base, path, token, "");
    EXPECT_TRUE(r.ok() && r->status == 200) << (r.ok() ? r->body : r.error().message);
    if (!r.ok() || r->status != 200) return out;
    const json body = json::parse(r->body);
    for (const json& v : body["items"]) out.push_back(v);
    if (body["next"].is_null()) return out;
    cursor = body["next"].get<std::string>();
  }
}

// The server's record is the CLI's plus id, open and last_contact; an open one is the CLI's
// lost-inside violation with its exit not known yet.
void ExpectSame(const std::vector<json>& server, const std::vector<json>& cli) {
  ASSERT_EQ(server.size(), cli.size());
  for (size_t i = 0; i < server.size(); ++i) {
    json s = server[i];
    const json& c = cli[i];
    SCOPED_TRACE(c.dump());
    EXPECT_EQ(s["id"], fmt::format("{}.{}.v{}.{}", c["icao24"].get<std::string>(),
                                   c["zone"].get<std::string>(), c["version"].get<int>(),
                                   c["entry_ms"].get<int64_t>()));
    if (s["open"] == true) {
      EXPECT_TRUE(c["lost_inside"].get<bool>());
      EXPECT_EQ(s["last_contact"], c["exit_time"]);
      for (const char* key : {"exit_time", "exit_lat", "exit_lon", "exit_ms", "exit_kind"}) {
        EXPECT_TRUE(s[key].is_null()) << key;
        s[key] = c[key];
      }
      s["exit_gap_s"] = c["exit_gap_s"];
      s["lost_inside"] = true;
    }
    s.erase("id");
    s.erase("open");
    s.erase("last_contact");
    EXPECT_EQ(s, c);
  }
}

TEST_F(BusWorkersTest, TwoInstancesTwoWorkersAKilledWorkerLosesAndRepeatsNothing) {
  // The sample's records with a fix, in time order (as a feed comes), in batches of 1500.
  auto text = formats::ReadTextFile(SharedDataPath(kSwiss));
  ASSERT_TRUE(text.ok());
  json all = json::parse(*text);
  std::vector<json> records;
  for (json& r : all) {
    std::vector<std::string> reasons;
    if (formats::PositionFromJson(r, "test", reasons)) records.push_back(std::move(r));
  }
  std::stable_sort(records.begin(), records.end(), [](const json& a, const json& b) {
    return a["timestamp"].get<int64_t>() < b["timestamp"].get<int64_t>();
  });
  std::vector<json> batches;
  for (size_t i = 0; i < records.size(); i += 1500) {
    batches.push_back(json(std::vector<json>(
        records.begin() + i, records.begin() + std::min(records.size(), i + 1500))));
  }
  std::cerr << records.size() << " positions in " << batches.size() << " batches\n";

  const std::string token = Token();
  auto a = Serve("a");
  ASSERT_FALSE(a->base_url().empty()) << Slurp(dir_.path() / "a.err");
  auto b = Serve("b");
  ASSERT_FALSE(b->base_url().empty()) << Slurp(dir_.path() / "b.err");
  auto w1 = Monitor("w1");
  auto w2 = Monitor("w2");
  auto store = store::OpenStore(db_);
  ASSERT_TRUE(store.ok()) << store.error().message;
  // Both workers own partitions before the feed starts (a fair share each).
  ASSERT_TRUE(WaitFor([&] {
    auto leases = (*store)->Leases("partition/");
    std::set<std::string> owners;
    if (leases.ok()) {
      for (const auto& l : *leases) owners.insert(l.owner);
    }
    return leases.ok() && leases->size() == kPartitions && owners.size() == 2;
  })) << Slurp(dir_.path() / "w1.err")
      << Slurp(dir_.path() / "w2.err");

  // Post in turn to A and B; w2 is killed half way, while it holds half the partitions and
  // the feed goes on.
  for (size_t i = 0; i < batches.size(); ++i) {
    const std::string& base = i % 2 == 0 ? a->base_url() : b->base_url();
    auto r = server::HttpRequest("POST", base, "/api/v1/positions", token, batches[i].dump());
    ASSERT_TRUE(r.ok()) << r.error().message;
    ASSERT_EQ(r->status, 201) << r->body.substr(0, 300);
    if (i == batches.size() / 2) {
      // Let w2 judge some of it first, so that it dies with work committed and work not.
      ASSERT_TRUE(WaitFor([&] {
        auto rows = (*store)->FlightViolationRows();
        return rows.ok() && !rows->empty();
      }));
      EXPECT_EQ(w2->Kill(SIGKILL), -1);
    }
  }
  ASSERT_TRUE(WaitFor([&] { return CaughtUp(**store); }))
      << Slurp(dir_.path() / "w1.err") << Slurp(dir_.path() / "a.err");
  // w1 took over every partition.
  auto leases = (*store)->Leases("partition/");
  ASSERT_TRUE(leases.ok());
  for (const auto& l : *leases) EXPECT_EQ(l.owner, "w1") << l.name;

  // `truce flights` over the same positions, in the order they were posted (the log's order).
  std::string lines;
  for (const json& batch : batches)
    for (const json& r : batch) lines += r.dump() + "\n";
  const std::string posted = (dir_.path() / "posted.jsonl").string();
  std::ofstream(posted) << lines;
  const CmdRun cli = Truce(dir_, "flights " + zones_ + " --positions " + posted);
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  std::vector<json> expected;
  std::istringstream in(cli.out);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) expected.push_back(json::parse(line));
  }
  ASSERT_GT(expected.size(), 10u);
  // Both instances serve the workers' table: exactly the CLI's violations, each once.
  const std::vector<json> from_a = ViolationsOf(a->base_url(), token);
  ExpectSame(from_a, expected);
  ExpectSame(ViolationsOf(b->base_url(), token), expected);
  std::set<std::string> ids;
  for (const json& v : from_a) EXPECT_TRUE(ids.insert(v["id"].get<std::string>()).second);
  std::cerr << expected.size() << " violations\n";

  // Each violation's entry alert is in the alert stream once, whichever worker sent it.
  auto alerts = bus_->Replay("truce.alerts.flight", bus::kAlertsStream);
  ASSERT_TRUE(alerts.ok()) << alerts.error().message;
  std::map<std::string, int> entry_alerts;
  for (;;) {
    auto m = (*alerts)->Next(std::chrono::seconds(2));
    ASSERT_TRUE(m.ok()) << m.error().message;
    if (!*m) break;
    const json alert = json::parse((*m)->data);
    if (alert["kind"] == "flight_entry") ++entry_alerts[alert["id"].get<std::string>()];
  }
  for (const std::string& id : ids) EXPECT_EQ(entry_alerts[id], 1) << id;
  for (const auto& [id, n] : entry_alerts) EXPECT_TRUE(ids.contains(id)) << id;

  // The log is whole and every batch is in it once.
  EXPECT_EQ(a->Kill(SIGTERM), 0) << Slurp(dir_.path() / "a.err");
  EXPECT_EQ(b->Kill(SIGTERM), 0) << Slurp(dir_.path() / "b.err");
  EXPECT_EQ(w1->Kill(SIGTERM), 0) << Slurp(dir_.path() / "w1.err");
  const CmdRun verify = Truce(dir_, "verify --db " + db_ + " --key " + key_);
  EXPECT_EQ(verify.exit_code, 0) << verify.err;
  store::PositionQuery q;
  auto stored = (*store)->QueryPositions(q);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->size(), records.size());
}

TEST_F(BusWorkersTest, BadUrlsUnreachableServersAndOtherPartitionCountsAreNamed) {
  CmdRun r = Truce(dir_, "serve --db " + db_ + " --key " + key_ + " --nats localhost:4222");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--nats: expected nats://HOST:PORT, got 'localhost:4222'"),
            std::string::npos)
      << r.err;
  r = Truce(dir_, "monitor --db " + db_ + " --nats nats://127.0.0.1:1");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("nats nats://127.0.0.1:1: cannot connect"), std::string::npos) << r.err;
  r = Truce(dir_, "serve --db " + db_ + " --key " + key_ +
                      " --listen 127.0.0.1:0 --nats nats://127.0.0.1:1");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("nats nats://127.0.0.1:1: cannot connect"), std::string::npos) << r.err;
  // The first to use the database fixed 16 partitions: another number is refused.
  r = Truce(dir_, "monitor --db " + db_ + " --nats " + nats_url_ + " --partitions 4");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("--partitions 4: the database's position stream has 16 partitions"),
            std::string::npos)
      << r.err;
  r = Truce(dir_, "monitor --db postgresql://truce@127.0.0.1:1/none --nats " + nats_url_);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("postgresql://truce@127.0.0.1:1/none"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace truce::testing
