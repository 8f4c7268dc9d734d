// truce monitor --db URL --nats URL [--partitions N] [--id ID] [--lease-ms MS]: a flight
// worker. Judges the aircraft of the position-stream partitions it owns against the flight ban
// (as `truce flights` does), stores their violations in the database and publishes alerts on
// the bus (printing each as a JSON line on stdout). Start as many as the feed needs; stop with
// SIGINT or SIGTERM (its partitions go to the others at once); a killed one's partitions go to
// the others when its leases expire (docs/deployment.md "Message bus and workers").
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <random>
#include <thread>

#include <fmt/format.h>

#include "bus/flight_worker.h"
#include "bus/nats_bus.h"
#include "bus/publisher.h"
#include "command.h"
#include "store/open_store.h"
#include "store/postgres_store.h"

namespace truce::cli {
namespace {

struct MonitorOptions {
  std::string db;
  std::string nats;
  int partitions = bus::kDefaultPartitions;
  std::string id;
  int lease_ms = 10000;
};

std::string DefaultId() {
  char host[256] = {};
  (void)::gethostname(host, sizeof host - 1);
  return fmt::format("{}-{}-{:04x}", host, ::getpid(), std::random_device{}() & 0xffff);
}

int Run(const MonitorOptions& o) {
  if (Status st = bus::CheckNatsUrl(o.nats); !st.ok()) {
    ReportError(st.error());
    return kExitUsage;
  }
  // Signals go to the waiter below; every other thread (libnats starts some) blocks them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  auto store = store::OpenStore(o.db);
  if (!store.ok()) return ReportError(store.error());
  if (Status st = bus::AgreePartitions(**store, o.partitions); !st.ok()) {
    return ReportError(st.error());
  }
  auto bus = bus::NatsBus::Connect(o.nats);
  if (!bus.ok()) return ReportError(bus.error());

  bus::WorkerOptions options;
  options.id = o.id.empty() ? DefaultId() : o.id;
  options.partitions = o.partitions;
  options.lease_ttl = std::chrono::milliseconds(o.lease_ms);
  options.on_alert = [](const nlohmann::json& alert) {
    fmt::print("{}\n", alert.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    std::fflush(stdout);
  };
  bus::FlightWorker worker(**store, **bus, options);
  fmt::print(stderr, "truce monitor {}: database {}, bus {}, {} partitions\n", options.id,
             store::RedactUrl(o.db), o.nats, o.partitions);
  std::atomic<bool> stop = false;
  std::thread waiter([&] {
    const timespec tick{0, 200'000'000};
    while (!stop) {
      if (sigtimedwait(&signals, nullptr, &tick) > 0) {
        fmt::print(stderr, "truce monitor: stopping\n");
        stop = true;
      }
    }
  });
  worker.Run(stop);
  stop = true;
  waiter.join();
  const bus::WorkerStats s = worker.stats();
  fmt::print(stderr, "truce monitor {}: {} messages, {} positions, {} commits, {} alerts\n",
             options.id, s.messages, s.positions, s.commits, s.alerts);
  return kExitOk;
}

}  // namespace

void AddMonitorCommand(CLI::App& app, Action& action) {
  CLI::App* cmd = app.add_subcommand(
      "monitor",
      "Run a flight worker: judge the positions `truce serve --nats` publishes, store the "
      "flight violations in the database and publish alerts");
  auto o = std::make_shared<MonitorOptions>();
  cmd->add_option("--db", o->db, "The servers' database: postgresql://USER@HOST:PORT/DB")
      ->required();
  cmd->add_option("--nats", o->nats, "The NATS server(s) with JetStream: nats://HOST:PORT")
      ->required();
  cmd->add_option("--partitions", o->partitions,
                  "Partitions of the position stream (the same for every server and worker)")
      ->capture_default_str()
      ->check(CLI::Range(1, 4096));
  cmd->add_option("--id", o->id, "This worker's name in its leases (default HOST-PID-RANDOM)");
  cmd->add_option("--lease-ms", o->lease_ms,
                  "How long a partition stays with a worker that stopped answering")
      ->capture_default_str()
      ->check(CLI::Range(500, 600000));
  cmd->callback([&action, o] { action = [o] { return Run(*o); }; });
}

}  // namespace truce::cli
