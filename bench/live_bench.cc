// The server as a live flight-ban monitor under a sustained feed (docs/performance.md "Live
// monitor"): the whole server in this process over HTTP on 127.0.0.1 (SQLite, every commit
// durable, signed receipts and heads), the test zones of tests/flight_test_zones.h as its
// scenario, and the real traffic of the Switzerland sample (../shared/data: 842 aircraft,
// 139,098 fixes over those zones) replayed in time order, lap after lap (each lap 24 hours
// later, the same aircraft), so that aircraft enter and leave the zones all along.
//
// For each target rate: `--clients` threads post batches of `--batch` positions, each batch at
// its scheduled instant (open loop: a client that falls behind sends at once, and the rate it
// reached is what is reported), over kept-alive connections, for `--seconds`; one Server-Sent
// Events client reads /api/v1/alerts/stream. Printed per rate: positions per second accepted
// (201), the POST round trip, and the latency from sending the POST to reading the alert (flight
// entry or exit) it caused on the stream (matched by log index), p50/p99/max. A rate of 0
// posts as fast as the clients can: the ceiling on this machine. Each rate runs on a fresh
// server.
//
// First, the flight views alone (no HTTP), fed the same batches: positions per CPU second of
// the incremental judgement against judging each named aircraft again from all its fixes after
// every batch (what the server did before), and their ratio.
//
//   live_bench [--rates 2000,5000,10000,0] [--seconds 10] [--clients 4] [--batch 50] [--smoke]
// Exits 1 when a POST fails or an alert never arrives; 0 without the corpus (skipped).
#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "app/app.h"
#include "app/flight_views.h"
#include "app/flights.h"
#include "app/ledger.h"
#include "app/tokens.h"
#include "flight_test_zones.h"
#include "formats/positions.h"
#include "formats/scenario_reader.h"
#include "formats/text_file.h"
#include "raw_http_client.h"
#include "server/api.h"
#include "server/http.h"
#include "store/sqlite_store.h"
#include "truce/zone_index.h"

namespace truce {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::RawClient;
using Clock = std::chrono::steady_clock;

struct Options {
  std::vector<double> rates = {2000, 5000, 10000, 0};
  double seconds = 10;
  size_t clients = 4;
  size_t batch = 50;
  bool smoke = false;
};

std::string DataPath(const char* relative) {
  const char* env = std::getenv("TRUCE_SHARED_DATA");
  return ((env && *env) ? fs::path(env) : fs::path(TRUCE_SHARED_DATA)) / relative;
}

// The sample's records with a position fix, in time order.
std::vector<json> LoadTraffic() {
  auto text = formats::ReadTextFile(DataPath("flights/traffic_collections_switzerland.json.gz"));
  if (!text.ok()) return {};
  json all = json::parse(*text, nullptr, false);
  std::vector<json> out;
  if (!all.is_array()) return out;
  for (json& r : all) {
    std::vector<std::string> reasons;
    if (formats::PositionFromJson(r, "bench", reasons)) out.push_back(std::move(r));
  }
  std::stable_sort(out.begin(), out.end(), [](const json& a, const json& b) {
    return a["timestamp"].get<int64_t>() < b["timestamp"].get<int64_t>();
  });
  return out;
}

// The whole server in this process.
struct Server {
  fs::path dir;
  std::unique_ptr<store::Store> store;
  app::SigningKey key = app::SigningKey::Generate();
  std::unique_ptr<app::Ledger> ledger;
  app::Metrics metrics;
  std::unique_ptr<app::App> application;
  std::unique_ptr<server::Api> api;
  std::unique_ptr<server::HttpServer> http;
  std::thread thread;
  int port = 0;
  std::string admin, monitor;

  explicit Server(size_t clients) {
    dir = fs::temp_directory_path() / fmt::format("truce_live_bench_{}", std::random_device{}());
    fs::create_directories(dir);
    store = std::move(store::OpenSqliteStore((dir / "live.db").string())).value();
    ledger = std::move(app::Ledger::Open(*store, key)).value();
    application = std::move(app::App::Open(*store, *ledger, metrics)).value();
    api = std::make_unique<server::Api>(*application);
    server::ServerOptions options;
    options.port = 0;
    options.max_per_address = clients + 8;
    options.max_per_token = clients + 8;
    http = std::make_unique<server::HttpServer>(*api, options);
    port = *http->Bind();
    thread = std::thread([this] { http->Run(); });
    admin = app::CreateToken(*store, key, app::Role::kAdmin, "", app::SystemNow())->secret;
    monitor = app::CreateToken(*store, key, app::Role::kMonitor, "", app::SystemNow())->secret;
  }
  ~Server() {
    http->Stop();
    thread.join();
    http.reset();
    api.reset();
    application.reset();
    ledger.reset();
    store.reset();
    std::error_code ignored;
    fs::remove_all(dir, ignored);
  }
};

std::string Request(const std::string& method, const std::string& path, const std::string& token,
                    const std::string& body) {
  return fmt::format(
      "{} {} HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {}\r\nContent-Type: "
      "application/json\r\nContent-Length: {}\r\n\r\n{}",
      method, path, token, body.size(), body);
}

// Batch k of the feed: records k*batch.. of the sample, lap after lap, each lap a day later.
std::string BatchBody(const std::vector<json>& traffic, size_t k, size_t batch) {
  std::string body = "[";
  for (size_t i = 0; i < batch; ++i) {
    const size_t n = k * batch + i;
    json r = traffic[n % traffic.size()];
    const int64_t lap = static_cast<int64_t>(n / traffic.size());
    r["timestamp"] = r["timestamp"].get<int64_t>() + lap * 86'400'000;
    if (i) body += ',';
    body += r.dump();
  }
  return body + "]";
}

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

struct RunResult {
  double rate = 0;  // positions accepted per second
  size_t positions = 0, posts = 0, alerts = 0, unmatched = 0;
  double post_p50 = 0, post_p99 = 0, alert_p50 = 0, alert_p99 = 0, alert_max = 0;
  bool ok = true;
};

RunResult Run(const std::vector<json>& traffic, const Options& o, double target) {
  Server server(o.clients);
  const json bundle = {{"format", "truce-scenario-bundle/1"},
                       {"zones", {{"zones.geojson", json::parse(testing::kFlightTestZones)}}}};
  {
    RawClient c(server.port);
    c.Send(Request("POST", "/api/v1/scenario", server.admin, bundle.dump()));
    auto r = c.Read(std::chrono::seconds(30));
    if (!r || r->status != 201) {
      fmt::print(stderr, "error: the scenario was refused\n");
      return RunResult{.ok = false};
    }
  }
  const size_t batches = static_cast<size_t>(
      (target > 0 ? target : 50'000) * o.seconds / static_cast<double>(o.batch) + 1);
  // Requests made before the clock starts, so that the clients spend their time on the wire.
  std::vector<std::string> requests(batches);
  for (size_t k = 0; k < batches; ++k) {
    requests[k] =
        Request("POST", "/api/v1/positions", server.monitor, BatchBody(traffic, k, o.batch));
  }

  // The stream: (log index, when read) per flight alert.
  std::mutex mu;
  std::vector<std::pair<uint64_t, Clock::time_point>> seen;
  std::atomic<bool> stop = false;
  RawClient sse(server.port);
  sse.Send("GET /api/v1/alerts/stream HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer " +
           server.admin + "\r\n\r\n");
  if (!sse.ReadThrough("\r\n\r\n", std::chrono::seconds(5))) {
    fmt::print(stderr, "error: no event stream\n");
    return RunResult{.ok = false};
  }
  std::thread reader([&] {
    while (!stop) {
      auto event = sse.ReadThrough("\n\n", std::chrono::milliseconds(100));
      if (!event) continue;
      const auto at = Clock::now();
      const size_t data = event->find("data: ");
      if (data == std::string::npos) continue;
      const json j = json::parse(event->substr(data + 6), nullptr, false);
      if (!j.is_object() || !j.contains("log_index")) continue;
      const std::string kind = j.value("kind", "");
      if (kind != "flight_entry" && kind != "flight_exit") continue;
      std::lock_guard lock(mu);
      seen.emplace_back(j["log_index"].get<uint64_t>(), at);
    }
  });

  // The clients: batch k goes from client k % clients at t0 + k * batch / target.
  std::vector<std::map<uint64_t, Clock::time_point>> sent(o.clients);
  std::vector<std::vector<double>> round_trips(o.clients);
  std::vector<size_t> accepted(o.clients, 0);
  std::atomic<bool> failed = false;
  std::atomic<size_t> next = 0;
  const auto t0 = Clock::now();
  const auto deadline =
      t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.seconds));
  std::vector<std::thread> clients;
  for (size_t c = 0; c < o.clients; ++c) {
    clients.emplace_back([&, c] {
      RawClient client(server.port);
      for (;;) {
        // Paced: each client takes its own share; unpaced: whoever is free takes the next.
        const size_t k = next.fetch_add(1);
        if (k >= requests.size() || failed) return;
        if (target > 0) {
          const auto due =
              t0 + std::chrono::duration_cast<Clock::duration>(
                       std::chrono::duration<double>(static_cast<double>(k * o.batch) / target));
          std::this_thread::sleep_until(due);
        }
        const auto start = Clock::now();
        if (start > deadline) return;
        std::optional<testing::RawResponse> r;
        if (client.Send(requests[k])) r = client.Read(std::chrono::seconds(30));
        const auto end = Clock::now();
        if (!r || r->status != 201) {
          fmt::print(stderr, "error: POST {} answered {}: {}\n", k, r ? r->status : 0,
                     r ? r->body.substr(0, 300) : "nothing");
          failed = true;
          return;
        }
        const json body = json::parse(r->body, nullptr, false);
        sent[c][body.value("log_index", uint64_t{0})] = start;
        round_trips[c].push_back(Ms(end - start));
        accepted[c] += body.value("accepted", size_t{0});
      }
    });
  }
  for (std::thread& t : clients) t.join();
  const auto sent_end = Clock::now();
  // The alerts of the last posts: give them a moment.
  std::this_thread::sleep_for(std::chrono::milliseconds(o.smoke ? 500 : 1500));
  stop = true;
  reader.join();

  RunResult out;
  out.ok = !failed;
  std::map<uint64_t, Clock::time_point> when;
  std::vector<double> trips;
  for (size_t c = 0; c < o.clients; ++c) {
    when.insert(sent[c].begin(), sent[c].end());
    trips.insert(trips.end(), round_trips[c].begin(), round_trips[c].end());
    out.positions += accepted[c];
  }
  out.posts = trips.size();
  out.rate =
      static_cast<double>(out.positions) / std::chrono::duration<double>(sent_end - t0).count();
  out.post_p50 = Percentile(trips, 0.5);
  out.post_p99 = Percentile(trips, 0.99);
  std::vector<double> latencies;
  {
    std::lock_guard lock(mu);
    for (const auto& [index, at] : seen) {
      const auto it = when.find(index);
      if (it == when.end()) {
        ++out.unmatched;
        continue;
      }
      latencies.push_back(Ms(at - it->second));
    }
  }
  out.alerts = latencies.size();
  out.alert_p50 = Percentile(latencies, 0.5);
  out.alert_p99 = Percentile(latencies, 0.99);
  out.alert_max = latencies.empty() ? 0 : *std::max_element(latencies.begin(), latencies.end());
  return out;
}

// The flight views alone (no HTTP, no store), fed the same batches as log entries: positions
// per second of CPU through FlightViews (Apply and Advance after each entry: each aircraft
// advanced by its new fixes), against what the server did before, each named aircraft judged
// again from all its fixes after each batch (JudgeFlights, the same parse). Both give the same
// verdicts; only the work differs.
void CompareViews(const std::vector<json>& traffic, size_t batch, size_t positions) {
  const fs::path zones = fs::temp_directory_path() /
                         fmt::format("truce_live_bench_zones_{}.geojson", std::random_device{}());
  {
    std::FILE* f = std::fopen(zones.c_str(), "w");
    if (!f) return;
    std::fputs(testing::kFlightTestZones, f);
    std::fclose(f);
  }
  auto loaded = formats::LoadScenario(zones.string());
  fs::remove(zones);
  if (!loaded.ok()) {
    fmt::print(stderr, "error: {}\n", loaded.error().message);
    return;
  }
  auto stored = std::make_shared<app::StoredScenario>();
  stored->scenario = std::make_shared<const Scenario>(std::move(loaded).value());
  stored->locator = MakeZoneLocator(stored->scenario->zone_versions());
  const size_t batches = positions / batch;
  std::vector<store::LogEntry> entries(batches);
  for (size_t k = 0; k < batches; ++k) {
    json body = json::array();
    for (size_t i = 0; i < batch; ++i) {
      body.push_back({{"record", traffic[(k * batch + i) % traffic.size()]}});
    }
    entries[k].index = k;
    entries[k].kind = "positions";
    entries[k].data = json{{"body", std::move(body)}}.dump();
  }
  auto cpu = [] {
    timespec t{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
  };
  double start = cpu();
  app::FlightViews views;
  size_t changes = 0;
  for (const store::LogEntry& e : entries) {
    if (!views.Apply(e).ok()) return;
    changes += views.Advance(e.index, stored).size();
  }
  const size_t violations = views.At(batches, stored)->violations.size();
  const double incremental = cpu() - start;

  start = cpu();
  const FlightMonitor monitor(stored->scenario->zone_versions(), *stored->locator);
  std::map<std::string, std::vector<Position>> fixes;
  size_t judged = 0;
  for (const store::LogEntry& e : entries) {
    const json body = json::parse(e.data)["body"];
    std::set<std::string> named;
    for (const json& item : body) {
      std::vector<std::string> reasons;
      auto p = formats::PositionFromJson(item["record"], "bench", reasons);
      if (!p) continue;
      named.insert(p->icao24);
      fixes[p->icao24].push_back(std::move(*p));
    }
    for (const std::string& icao : named) judged += app::JudgeFlights(fixes[icao], monitor).size();
  }
  const double again = cpu() - start;
  const double n = static_cast<double>(batches * batch);
  fmt::print(
      "views: {} positions in batches of {}: incremental {:.0f} positions/s ({:.2f} s CPU, {} "
      "violations, {} alerts); judged again per batch {:.0f} positions/s ({:.2f} s CPU); "
      "ratio_incremental_vs_again={:.1f}\n",
      batches * batch, batch, n / incremental, incremental, violations, changes, n / again, again,
      again / incremental);
  (void)judged;
}

bool ParseArgs(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--smoke") {
      o.smoke = true;
      o.rates = {2000};
      o.seconds = 2;
    } else if (a == "--rates") {
      o.rates.clear();
      std::string list = value();
      for (size_t p = 0; p <= list.size();) {
        const size_t comma = std::min(list.find(',', p), list.size());
        o.rates.push_back(std::atof(list.substr(p, comma - p).c_str()));
        p = comma + 1;
      }
    } else if (a == "--seconds") {
      o.seconds = std::atof(value().c_str());
    } else if (a == "--clients") {
      o.clients = static_cast<size_t>(std::atoi(value().c_str()));
    } else if (a == "--batch") {
      o.batch = static_cast<size_t>(std::atoi(value().c_str()));
    } else {
      fmt::print(stderr,
                 "usage: live_bench [--rates R,R,...] [--seconds S] [--clients C] [--batch B] "
                 "[--smoke]\n");
      return false;
    }
  }
  if (o.seconds <= 0 || o.clients == 0 || o.batch == 0 || o.rates.empty()) {
    fmt::print(stderr, "error: --seconds, --clients and --batch must be positive\n");
    return false;
  }
  return true;
}

}  // namespace
}  // namespace truce

int main(int argc, char** argv) {
  using namespace truce;
  Options o;
  if (!ParseArgs(argc, argv, o)) return 2;
  const std::vector<json> traffic = LoadTraffic();
  if (traffic.empty()) {
    fmt::print("live_bench: skipped, the Switzerland sample is not in ../shared/data\n");
    return 0;
  }
  fmt::print(
      "live_bench: {} fixes of the Switzerland sample, {} clients, batches of {}, {} s "
      "per rate, {} hardware threads\n",
      traffic.size(), o.clients, o.batch, o.seconds, std::thread::hardware_concurrency());
  CompareViews(traffic, o.batch, o.smoke ? 20'000 : traffic.size());
  std::fflush(stdout);
  double ceiling = 0, ceiling_p99 = 0;
  bool ok = true;
  for (const double target : o.rates) {
    const RunResult r = Run(traffic, o, target);
    ok = ok && r.ok && r.alerts > 0;
    fmt::print(
        "target={} accepted_per_s={:.0f} positions={} posts={} post_p50_ms={:.1f} "
        "post_p99_ms={:.1f} alerts={} alert_p50_ms={:.1f} alert_p99_ms={:.1f} "
        "alert_max_ms={:.1f}{}\n",
        target > 0 ? fmt::format("{:.0f}", target) : std::string("max"), r.rate, r.positions,
        r.posts, r.post_p50, r.post_p99, r.alerts, r.alert_p50, r.alert_p99, r.alert_max,
        r.unmatched ? fmt::format(" unmatched={}", r.unmatched) : "");
    std::fflush(stdout);
    if (r.rate > ceiling) {
      ceiling = r.rate;
      ceiling_p99 = r.alert_p99;
    }
  }
  fmt::print("ceiling_positions_per_s={:.0f} ceiling_alert_p99_ms={:.1f}\n", ceiling, ceiling_p99);
  if (!ok) {
    fmt::print(stderr, "error: a run failed or saw no alert\n");
    return 1;
  }
  return 0;
}
