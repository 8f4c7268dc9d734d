// truce serve --db PATH|URL [--key FILE] [--scenario PATH] [--listen 127.0.0.1:8080]
// [--public-url URL] [--trust-forwarded] [--nats URL [--partitions N]]: the monitoring centre's
// server. With --nats it publishes the log's positions to NATS JetStream for the flight workers
// (`truce monitor`) and serves the flight violations they store. Stops cleanly on SIGINT
// or SIGTERM; a commit acknowledged to a client survives any stop, SIGKILL included (the store
// syncs before it answers). One server per SQLite file (PATH.lock); any number on one
// PostgreSQL database, all with the same --key (docs/deployment.md).
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include <fmt/format.h>

#include "app/app.h"
#include "app/scenario_bundle.h"
#include "bus/nats_bus.h"
#include "bus/publisher.h"
#include "command.h"
#include "formats/decisions.h"
#include "formats/reports.h"
#include "formats/text_file.h"
#include "server/api.h"
#include "server/http.h"
#include "store/open_store.h"
#include "store/postgres_store.h"

namespace truce::cli {
namespace {

struct ServeOptions {
  std::string db;
  std::string key;
  int refresh_ms = 100;
  std::string scenario;
  std::string seed;
  std::string listen = "127.0.0.1:8080";
  std::string web = "web/dist";
  int threads = 8;
  size_t max_body_mb = 32;
  std::string public_url;
  bool trust_forwarded = false;
  std::string nats;
  int partitions = bus::kDefaultPartitions;
  server::ServerOptions http;  // the connection and admission limits
};

Result<std::pair<std::string, int>> ParseListen(const std::string& text) {
  const size_t colon = text.rfind(':');
  const std::string host = colon == std::string::npos ? "" : text.substr(0, colon);
  const std::string port = colon == std::string::npos ? "" : text.substr(colon + 1);
  const bool digits = !port.empty() && port.size() <= 5 &&
                      port.find_first_not_of("0123456789") == std::string::npos;
  if (host.empty() || !digits || std::stoi(port) > 65535) {
    return MakeError(
        ErrorCode::kInvalidArgument,
        fmt::format("--listen: expected HOST:PORT (e.g. 127.0.0.1:8080), got '{}'", text));
  }
  return std::make_pair(host, std::stoi(port));
}

// Loads the public record a scenario directory ships (incidents.csv, claims.json,
// decisions.json, each optional) through the application's operations as the operator, and
// publishes the incidents the reports form: they are public reports from public sources.
// Everything is idempotent (identical reports, claim and decision ids already logged), so the
// main command can load the same files at every start.
Status LoadSeed(app::App& truce, const std::string& dir) {
  namespace fs = std::filesystem;
  const app::Principal op{app::Role::kAdmin, "", "serve --seed"};
  size_t reports = 0, claims = 0, decisions = 0, published = 0;
  std::vector<std::string> ids;
  if (const fs::path file = fs::path(dir) / "incidents.csv"; fs::exists(file)) {
    auto text = formats::ReadTextFile(file.string());
    if (!text.ok()) return text.error();
    auto batch = formats::ParseReports(*text, file.string());
    if (!batch.ok()) return batch.error();
    if (!batch->rejected.empty()) {
      Error e = MakeError(ErrorCode::kInvalidInput,
                          fmt::format("{}: {} bad records", file.string(), batch->rejected.size()));
      for (const auto& r : batch->rejected) {
        for (const auto& why : r.reasons) e.problems.push_back(Problem{r.origin, why});
      }
      return e;
    }
    std::vector<nlohmann::json> items;
    for (const Report& r : batch->reports) {
      items.push_back(formats::ReportToJson(r));
      ids.push_back(r.event_id());
    }
    auto out = truce.SubmitReports(op, std::move(items), true);
    if (!out.ok()) return out.error();
    reports = out->accepted;
  }
  if (const fs::path file = fs::path(dir) / "claims.json"; fs::exists(file)) {
    auto text = formats::ReadTextFile(file.string());
    if (!text.ok()) return text.error();
    auto doc = formats::ParseJson(*text, file.string());
    if (!doc.ok()) return doc.error();
    if (!doc->is_array()) {
      return MakeError(ErrorCode::kInvalidInput,
                       file.string() + ": expected a JSON array of claims");
    }
    auto out = truce.SubmitClaims(op, doc->get<std::vector<nlohmann::json>>(), true);
    if (!out.ok()) return out.error();
    claims = out->accepted;
  }
  if (const fs::path file = fs::path(dir) / "decisions.json"; fs::exists(file)) {
    auto text = formats::ReadTextFile(file.string());
    if (!text.ok()) return text.error();
    auto parsed = formats::ParseDecisions(*text, file.string());
    if (!parsed.ok()) return parsed.error();
    auto out = truce.ImportDecisions(op, std::move(parsed).value());
    if (!out.ok()) {
      Error e = std::move(out).error();
      e.message = fmt::format("{}: {}", file.string(), e.message);
      return e;
    }
    decisions = out->accepted;
  }
  for (const std::string& id : ids) {
    auto out = truce.PublishIncident(op, id);
    if (!out.ok()) return out.error();
    published += out->accepted;
  }
  fmt::print("seed {}: {} new reports, {} new claims, {} new decisions, {} new publications\n", dir,
             reports, claims, decisions, published);
  return Status::Ok();
}

// One server per SQLite file: SQLite is one process's store (several servers share a
// PostgreSQL database instead).
Result<int> LockDatabase(const std::string& db) {
  const std::string path = db + ".lock";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    return MakeError(ErrorCode::kIo, fmt::format("{}: cannot create the lock file", path));
  (void)::fchmod(fd, 0600);  // one an older truce left 0644
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return MakeError(ErrorCode::kConflict,
                     fmt::format("{}: another `truce serve` is already using this database", db));
  }
  return fd;
}

int Run(const ServeOptions& o) {
  auto listen = ParseListen(o.listen);
  if (!listen.ok()) return ReportError(listen.error());
  std::optional<nlohmann::json> bundle;
  if (!o.scenario.empty()) {
    auto b = app::ReadScenarioBundle(o.scenario);
    if (!b.ok()) return ReportError(b.error());
    bundle = std::move(b).value();
  }
  const bool shared = store::IsPostgresUrl(o.db);
  if (shared && o.key.empty()) {
    ReportError(MakeError(ErrorCode::kInvalidArgument,
                          "--key FILE is needed with a PostgreSQL database: every server of the "
                          "log signs with the one key in that file"));
    return kExitUsage;
  }
  std::optional<int> lock;
  if (!shared) {
    auto locked = LockDatabase(o.db);
    if (!locked.ok()) return ReportError(locked.error());
    lock = *locked;
  }
  if (!o.nats.empty()) {
    if (Status st = bus::CheckNatsUrl(o.nats); !st.ok()) {
      ReportError(st.error());
      return kExitUsage;
    }
  }
  auto store = store::OpenStore(o.db);
  if (!store.ok()) return ReportError(store.error());
  // The bus, when asked for: reachable before the server answers anyone. libnats starts
  // threads of its own, so SIGINT and SIGTERM are blocked first (see below).
  std::unique_ptr<bus::NatsBus> nats;
  if (!o.nats.empty()) {
    sigset_t blocked;
    sigemptyset(&blocked);
    sigaddset(&blocked, SIGINT);
    sigaddset(&blocked, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &blocked, nullptr);
    if (Status st = bus::AgreePartitions(**store, o.partitions); !st.ok()) {
      return ReportError(st.error());
    }
    auto connected = bus::NatsBus::Connect(o.nats);
    if (!connected.ok()) return ReportError(connected.error());
    nats = std::move(connected).value();
  }
  auto key = app::LoadLogKey(**store, o.key.empty() ? app::KeyFileFor(o.db) : o.key);
  if (!key.ok()) return ReportError(key.error());
  auto ledger = app::Ledger::Open(**store, std::move(key).value());
  if (!ledger.ok()) return ReportError(ledger.error());
  app::Metrics metrics;
  app::AppLimits app_limits;
  app_limits.refresh_interval = std::chrono::milliseconds(o.refresh_ms);
  // Group commit needs this server to be the only appender while a group is in flight; with
  // several servers on one PostgreSQL log each append is its own transaction (performance.md).
  app_limits.group_commit = !shared;
  auto application = app::App::Open(**store, **ledger, metrics, app_limits);
  if (!application.ok()) return ReportError(application.error());
  app::App& truce = **application;
  if (bundle) {
    auto adopted = truce.AdoptScenario(std::move(*bundle), "serve --scenario");
    if (!adopted.ok()) return ReportError(adopted.error());
    fmt::print("scenario {} is version {} in the log\n", o.scenario, adopted->version);
  }
  if (!o.seed.empty()) {
    if (Status st = LoadSeed(truce, o.seed); !st.ok()) return ReportError(st.error());
  }
  // Signals go to one thread that stops the server; every other thread blocks them,
  // so the mask is set before the first thread starts (the Api starts the webhook sender).
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::unique_ptr<bus::LogPublisher> publisher;
  if (nats) {
    truce.ReadFlightViolationsFromWorkers();
    bus::PublisherOptions po;
    po.partitions = o.partitions;
    char host[256] = {};
    (void)::gethostname(host, sizeof host - 1);
    po.owner = fmt::format("{}-{}", host, ::getpid());
    publisher = std::make_unique<bus::LogPublisher>(**store, *nats, po);
    publisher->Start();
  }
  server::ApiLimits limits;
  limits.max_body_bytes = o.max_body_mb << 20;
  server::Api api(truce, limits);

  server::ServerOptions options = o.http;
  options.host = listen->first;
  options.port = listen->second;
  options.threads = o.threads;
  options.public_base_url = o.public_url;
  options.trust_forwarded = o.trust_forwarded;
  if (std::filesystem::is_directory(o.web)) options.web_root = o.web;
  server::HttpServer http(api, options);
  auto port = http.Bind();
  if (!port.ok()) return ReportError(port.error());
  fmt::print("log: {} entries, public key {}, database {}\n", (*ledger)->size(),
             app::PublicKeyToHex((*ledger)->public_key()), store::RedactUrl(o.db));
  if (nats) fmt::print("bus: {}, {} partitions\n", o.nats, o.partitions);
  fmt::print("listening on http://{}:{}\n", options.host, *port);
  std::fflush(stdout);

  std::atomic<bool> done = false;
  std::thread waiter([&] {
    const timespec tick{0, 200'000'000};
    while (!done) {
      if (sigtimedwait(&signals, nullptr, &tick) > 0) {
        fmt::print(stderr, "truce serve: stopping\n");
        http.Stop();
        return;
      }
    }
  });
  // The verdicts of what the log already holds are computed while the server starts answering,
  // so that the first query does not pay for them.
  std::thread warm([&truce] { truce.WarmUp(); });
  http.Run();
  if (publisher) publisher->Stop();
  done = true;
  waiter.join();
  warm.join();
  if (lock) ::close(*lock);
  return kExitOk;
}

}  // namespace

void AddServeCommand(CLI::App& app, Action& action) {
  CLI::App* cmd = app.add_subcommand(
      "serve",
      "Run the HTTP API over a database (created on first use), optionally loading a "
      "scenario as the version in force");
  auto o = std::make_shared<ServeOptions>();
  cmd->add_option("--db", o->db,
                  "SQLite database file, or postgresql://USER@HOST:PORT/DB (several servers "
                  "may share one)")
      ->required();
  cmd->add_option("--key", o->key,
                  "The log's signing key file (default DB.signing-key beside a SQLite file; "
                  "needed with PostgreSQL); created only for a new log");
  cmd->add_option("--refresh-ms", o->refresh_ms,
                  "With a shared database: how often, at most, a request checks for what other "
                  "servers appended (0: every request)")
      ->capture_default_str()
      ->check(CLI::Range(0, 60000));
  cmd->add_option("--scenario", o->scenario,
                  "Scenario directory or zones file to put in force (stored as a new scenario "
                  "version when it differs from the latest)");
  cmd->add_option("--seed", o->seed,
                  "Load a scenario directory's public record (incidents.csv, claims.json, "
                  "decisions.json) and publish the incidents; idempotent")
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--listen", o->listen, "HOST:PORT to listen on (port 0 picks a free one)")
      ->capture_default_str();
  cmd->add_option("--web", o->web, "Static files served at / when the directory exists")
      ->capture_default_str();
  cmd->add_option("--threads", o->threads, "Worker threads")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  cmd->add_option("--max-body-mb", o->max_body_mb, "Largest request body accepted, in MiB")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  cmd->add_option("--public-url", o->public_url,
                  "Base of absolute links (e.g. https://truce.example.org) when the server is "
                  "reached through a proxy or a name; default http://LISTEN-ADDRESS")
      ->check([](const std::string& url) {
        const Status st = server::CheckPublicBaseUrl(url);
        return st.ok() ? std::string() : st.error().message;
      });
  cmd->add_flag("--trust-forwarded", o->trust_forwarded,
                "Take the scheme, host and client address from X-Forwarded-Proto, "
                "X-Forwarded-Host and X-Forwarded-For (only behind a proxy that sets them)");
  cmd->add_option("--nats", o->nats,
                  "NATS server with JetStream (nats://HOST:PORT): publish the log's positions "
                  "for flight workers (`truce monitor`) and serve the violations they store");
  cmd->add_option("--partitions", o->partitions,
                  "With --nats: partitions of the position stream (the same for every server "
                  "and worker of the database)")
      ->capture_default_str()
      ->check(CLI::Range(1, 4096));
  cmd->add_option("--max-connections", o->http.max_connections,
                  "Open connections; when full, the longest-waiting idle one is closed")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1}, size_t{1'000'000}));
  cmd->add_option("--max-queue", o->http.max_queue,
                  "Requests waiting for a worker; beyond, 503 with Retry-After")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1}, size_t{1'000'000}));
  cmd->add_option("--max-per-address", o->http.max_per_address,
                  "Requests in progress or waiting per client address; beyond, 429")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1}, size_t{1'000'000}));
  cmd->add_option("--max-per-token", o->http.max_per_token,
                  "Requests in progress or waiting per token; beyond, 429")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1}, size_t{1'000'000}));
  cmd->callback([&action, o] { action = [o] { return Run(*o); }; });
}

}  // namespace truce::cli
