// Flight workers' throughput: positions per second judged by 1 and 2 workers
// (docs/deployment.md "Message bus and workers").
//
// Starts a throw-away PostgreSQL (src/store/test_postgres.h) and a nats-server with JetStream
// under a temporary directory, puts the Switzerland ADS-B sample (../shared/data/flights, the
// records with a fix, in time order, COPIES times over with the aircraft addresses changed per
// copy so that each copy is other aircraft) on the position stream as the publisher does
// (entries of 1,500 positions, 16 partitions) with the test zones of tests/flight_test_zones.h
// as the scenario, then runs W workers (threads of this process, each with its own database
// connection and NATS connection, as `truce monitor` processes have) until every partition is
// judged and stored, and prints positions per second. Each run uses a new database and a new
// stream. Not a test: run it at nice 19 (`nice -n 19 build/bench/bus_bench [COPIES]`).
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <random>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bus/flight_worker.h"
#include "bus/nats_bus.h"
#include "bus/publisher.h"
#include "flight_test_zones.h"
#include "formats/positions.h"
#include "formats/text_file.h"
#include "store/open_store.h"
#include "store/test_postgres.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace truce;

constexpr int kPartitions = 16;

int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

struct NatsServer {
  pid_t pid = -1;
  std::string url;
  fs::path dir;
  NatsServer() {
    dir = fs::temp_directory_path() / fmt::format("truce_bus_bench_{}", std::random_device{}());
    fs::create_directories(dir);
    const int port = FreePort();
    url = fmt::format("nats://127.0.0.1:{}", port);
    pid = fork();
    if (pid == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      execl("/usr/sbin/nats-server", "nats-server", "-js", "-sd", dir.c_str(), "-a", "127.0.0.1",
            "-p", std::to_string(port).c_str(), "-l", (dir / "log").c_str(),
            static_cast<char*>(nullptr));
      _exit(127);
    }
  }
  ~NatsServer() {
    kill(pid, SIGTERM);
    waitpid(pid, nullptr, 0);
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

template <typename T>
T OrDie(Result<T> r) {
  if (!r.ok()) {
    std::fprintf(stderr, "bus_bench: %s\n", r.error().message.c_str());
    std::exit(1);
  }
  return std::move(r).value();
}

std::unique_ptr<bus::NatsBus> ConnectWhenUp(const std::string& url) {
  for (int i = 0; i < 100; ++i) {
    auto b = bus::NatsBus::Connect(url);
    if (b.ok()) return std::move(b).value();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return OrDie(bus::NatsBus::Connect(url));
}

// One run: a fresh database and stream, `workers` workers; positions per second.
double Run(const std::vector<json>& records, int copies, int workers,
           store::testing::TestPostgres& pg) {
  NatsServer nats;
  const std::string db = OrDie(pg.NewDatabase());
  auto publisher_bus = ConnectWhenUp(nats.url);
  // The rules: the test zones as scenario version 1.
  const json bundle = {{"format", "truce-scenario-bundle/1"},
                       {"zones", {{"zones.geojson", json::parse(testing::kFlightTestZones)}}}};
  const json rules = {
      {"entry", 0}, {"kind", "scenario"}, {"data", json({{"body", bundle}}).dump()}};
  (void)publisher_bus->Publish(bus::kRulesSubject, "rules.0", rules.dump());
  uint64_t entry = 1;
  size_t total = 0;
  for (int c = 0; c < copies; ++c) {
    for (size_t i = 0; i < records.size(); i += 1500, ++entry) {
      std::map<int, json> parts;
      for (size_t k = i; k < std::min(records.size(), i + 1500); ++k) {
        json r = records[k];
        std::string icao = r["icao24"].get<std::string>();
        const int digit = icao[0] <= '9' ? icao[0] - '0' : icao[0] - 'a' + 10;
        icao[0] = "0123456789abcdef"[(digit + c) & 15];  // another aircraft per copy
        r["icao24"] = icao;
        parts[bus::PartitionOf(icao, kPartitions)].push_back(json::array({k - i, std::move(r)}));
        ++total;
      }
      for (auto& [p, positions] : parts) {
        const json msg = {{"entry", entry}, {"positions", std::move(positions)}};
        if (Status st = publisher_bus->Publish(
                bus::PositionsSubject(p), fmt::format("positions.{}.{}", entry, p), msg.dump());
            !st.ok()) {
          std::fprintf(stderr, "bus_bench: %s\n", st.error().message.c_str());
          std::exit(1);
        }
      }
    }
    if (Status st = publisher_bus->Flush(std::chrono::seconds(60)); !st.ok()) {
      std::fprintf(stderr, "bus_bench: %s\n", st.error().message.c_str());
      std::exit(1);
    }
  }
  std::map<int, uint64_t> last;
  for (int p = 0; p < kPartitions; ++p) {
    last[p] = OrDie(publisher_bus->LastSequence(bus::kPositionsStream, bus::PositionsSubject(p)));
  }
  auto watcher = OrDie(store::OpenStore(db));
  std::atomic<bool> stop = false;
  std::vector<std::thread> threads;
  const auto start = std::chrono::steady_clock::now();
  for (int w = 0; w < workers; ++w) {
    threads.emplace_back([&, w] {
      auto store = OrDie(store::OpenStore(db));
      auto b = ConnectWhenUp(nats.url);
      bus::WorkerOptions o;
      o.id = fmt::format("bench-{}", w);
      o.partitions = kPartitions;
      bus::FlightWorker worker(*store, *b, o);
      worker.Run(stop);
    });
  }
  for (;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    auto leases = OrDie(watcher->Leases("partition/"));
    int done = 0;
    for (const auto& l : leases) {
      const int p = std::stoi(l.name.substr(10));
      done += l.cursor == last[p];
    }
    if (done == kPartitions) break;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  stop = true;
  for (std::thread& t : threads) t.join();
  const size_t violations = OrDie(watcher->FlightViolationRows()).size();
  std::printf("workers %d: %zu positions, %zu violations stored, %.2f s, %.0f positions/s\n",
              workers, total, violations, seconds, static_cast<double>(total) / seconds);
  std::fflush(stdout);
  return static_cast<double>(total) / seconds;
}

}  // namespace

int main(int argc, char** argv) {
  const int copies = argc > 1 ? std::atoi(argv[1]) : 1;
  const std::string path =
      std::string(TRUCE_SHARED_DATA) + "/flights/traffic_collections_switzerland.json.gz";
  if (!fs::exists(path) || !fs::exists("/usr/sbin/nats-server")) {
    std::printf("bus_bench: skipped, needs %s and /usr/sbin/nats-server\n", path.c_str());
    return 0;
  }
  std::string why;
  auto* pg = store::testing::TestPostgres::Shared(&why);
  if (!pg) {
    std::printf("bus_bench: skipped, %s\n", why.c_str());
    return 0;
  }
  json all = json::parse(OrDie(formats::ReadTextFile(path)));
  std::vector<json> records;
  for (json& r : all) {
    std::vector<std::string> reasons;
    if (formats::PositionFromJson(r, "bench", reasons)) records.push_back(std::move(r));
  }
  std::stable_sort(records.begin(), records.end(), [](const json& a, const json& b) {
    return a["timestamp"].get<int64_t>() < b["timestamp"].get<int64_t>();
  });
  for (int workers : {1, 2}) Run(records, copies, workers, *pg);
  return 0;
}
