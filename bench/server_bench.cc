// The server's throughput, measured in one run against peers in the same process:
//
// - Reports accepted per second, one per request and in batches, each commit durable (WAL,
//   synchronous=FULL, signed receipt and tree head), against a raw SQLite insert of the same
//   rows with the same durability. The rows are the Syrian Archive incidents (../shared/data),
//   given fresh event ids so that every one is a new report.
// - Requests per second over kept-alive connections against one connection per request
//   (Connection: close), on the same server, by 1 and by 8 clients.
// - A mixed load (30 s; 2 s with --smoke): 32 clients, each with its own token, reading, writing,
//   fetching a static file and reconnecting, reporting throughput, latency percentiles and
//   errors (anything but the expected status, or no answer within 10 s).
//
//   server_bench [--smoke] [--benchmark_min_time=...]
// Prints Google Benchmark's table, then the rates and their ratios.
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <thread>

#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "app/app.h"
#include "app/scenario_bundle.h"
#include "app/tokens.h"
#include "bench_support.h"
#include "formats/reports.h"
#include "formats/text_file.h"
#include "raw_http_client.h"
#include "server/api.h"
#include "server/http.h"
#include "store/sqlite_store.h"

namespace truce {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

using testing::RawClient;
using testing::RawResponse;

std::vector<json> g_rows;               // report templates
std::map<std::string, double> g_rates;  // benchmark name -> reports or requests per second
std::atomic<uint64_t> g_next_id = 0;
bool g_smoke = false;

bool LoadRows() {
  const std::string path =
      std::string(TRUCE_SHARED_DATA) + "/incidents/syrian_archive_chemical_weapons_2013_2014.csv";
  auto text = formats::ReadTextFile(path);
  if (!text.ok()) return false;
  auto batch = formats::ParseReports(*text, path);
  if (!batch.ok()) return false;
  for (const Report& r : batch->reports) g_rows.push_back(formats::ReportToJson(r));
  return !g_rows.empty();
}

json NextRow() {
  const uint64_t id = g_next_id++;
  json row = g_rows[id % g_rows.size()];
  row["event_id_cnty"] = fmt::format("BENCH-{}", id);
  return row;
}

fs::path TempDir() {
  fs::path dir =
      fs::temp_directory_path() / fmt::format("truce_server_bench_{}", std::random_device{}());
  fs::create_directories(dir);
  return dir;
}

// The whole server in this process, over HTTP on 127.0.0.1.
struct Server {
  fs::path dir = TempDir();
  std::unique_ptr<store::Store> store;
  app::SigningKey key = app::SigningKey::Generate();
  std::unique_ptr<app::Ledger> ledger;
  app::Metrics metrics;
  std::unique_ptr<app::App> application;
  std::unique_ptr<server::Api> api;
  std::unique_ptr<server::HttpServer> http;
  std::thread thread;
  std::string base, token;

  int port = 0;

  explicit Server(server::ServerOptions options = {}) {
    store = std::move(store::OpenSqliteStore((dir / "bench.db").string())).value();
    ledger = std::move(app::Ledger::Open(*store, key)).value();
    application = std::move(app::App::Open(*store, *ledger, metrics)).value();
    api = std::make_unique<server::Api>(*application);
    options.port = 0;
    http = std::make_unique<server::HttpServer>(*api, options);
    port = *http->Bind();
    base = fmt::format("http://127.0.0.1:{}", port);
    thread = std::thread([this] { http->Run(); });
    token = app::CreateToken(*store, key, app::Role::kMonitor, "", app::SystemNow())->secret;
  }
  ~Server() {
    http->Stop();
    thread.join();
    http.reset();
    api.reset();
    application.reset();
    ledger.reset();
    store.reset();
    fs::remove_all(dir);
  }
};

void Record(benchmark::State& state, const std::string& name, int64_t reports, double seconds) {
  state.SetItemsProcessed(reports);
  if (seconds > 0) g_rates[name] = static_cast<double>(reports) / seconds;
}

void BM_ServerPost(benchmark::State& state) {
  const int batch = static_cast<int>(state.range(0));
  Server server;
  int64_t reports = 0;
  double seconds = 0;
  for (auto _ : state) {
    state.PauseTiming();
    json body = json::array();
    for (int i = 0; i < batch; ++i) body.push_back(NextRow());
    const std::string text = batch == 1 ? body[0].dump() : body.dump();
    state.ResumeTiming();
    const auto start = std::chrono::steady_clock::now();
    auto reply = server::HttpRequest("POST", server.base, "/api/v1/reports", server.token, text);
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!reply.ok() || reply->status != 201) {
      state.SkipWithError("the server refused a report");
      return;
    }
    reports += batch;
  }
  Record(state, fmt::format("server batch {}", batch), reports, seconds);
}

// The same rows, as JSON text, inserted into a one-table SQLite database with the server's
// durability settings: one transaction per request-sized group.
void BM_RawSqlite(benchmark::State& state) {
  const int batch = static_cast<int>(state.range(0));
  const fs::path dir = TempDir();
  sqlite3* db = nullptr;
  sqlite3_open((dir / "raw.db").string().c_str(), &db);
  sqlite3_exec(db,
               "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; CREATE TABLE reports(id INTEGER "
               "PRIMARY KEY, event_id TEXT NOT NULL, data TEXT NOT NULL)",
               nullptr, nullptr, nullptr);
  sqlite3_stmt* insert = nullptr;
  sqlite3_prepare_v2(db, "INSERT INTO reports(event_id, data) VALUES(?, ?)", -1, &insert, nullptr);
  int64_t reports = 0;
  double seconds = 0;
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<std::pair<std::string, std::string>> rows;
    for (int i = 0; i < batch; ++i) {
      json row = NextRow();
      rows.emplace_back(row["event_id_cnty"], row.dump());
    }
    state.ResumeTiming();
    const auto start = std::chrono::steady_clock::now();
    sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
    for (const auto& [id, data] : rows) {
      sqlite3_bind_text(insert, 1, id.data(), static_cast<int>(id.size()), SQLITE_STATIC);
      sqlite3_bind_text(insert, 2, data.data(), static_cast<int>(data.size()), SQLITE_STATIC);
      sqlite3_step(insert);
      sqlite3_reset(insert);
    }
    sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    reports += batch;
  }
  sqlite3_finalize(insert);
  sqlite3_close(db);
  fs::remove_all(dir);
  Record(state, fmt::format("raw sqlite batch {}", batch), reports, seconds);
}

// --- Keep-alive against one connection per request -----------------------------------------

// One server for both, so that the ratio compares connection handling and nothing else
// (made in main, before any benchmark thread asks for it).
std::unique_ptr<Server> g_shared;
Server& SharedServer() { return *g_shared; }

const std::string kLogHead = "GET /api/v1/log/head HTTP/1.1\r\nHost: bench\r\n\r\n";

void BM_HttpKeepAlive(benchmark::State& state) {
  const int port = SharedServer().port;
  RawClient client(port);
  int64_t requests = 0;
  for (auto _ : state) {
    std::optional<RawResponse> r;
    if (client.Send(kLogHead)) r = client.Read(std::chrono::seconds(10));
    if (!r || r->status != 200) {
      state.SkipWithError("a kept-alive request failed");
      return;
    }
    ++requests;
  }
  state.SetItemsProcessed(requests);
}

void BM_HttpClose(benchmark::State& state) {
  const int port = SharedServer().port;
  const std::string request =
      "GET /api/v1/log/head HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n";
  int64_t requests = 0;
  for (auto _ : state) {
    RawClient client(port);
    std::optional<RawResponse> r;
    if (client.Send(request)) r = client.Read(std::chrono::seconds(10));
    if (!r || r->status != 200) {
      state.SkipWithError("a request on its own connection failed");
      return;
    }
    ++requests;
  }
  state.SetItemsProcessed(requests);
}

// --- Mixed load ---------------------------------------------------------------------------------

// One kind of request of the mixed load.
struct MixedKind {
  const char* name;
  int weight;
  std::string request;  // "" for a POST of one fresh report
  int status;           // the expected one
  bool close;           // a connection of its own
};

std::vector<MixedKind> MixedKinds(const std::string& token) {
  const std::string auth = "Authorization: Bearer " + token + "\r\n";
  return {
      {"GET /api/v1/log/head", 35, "GET /api/v1/log/head HTTP/1.1\r\nHost: bench\r\n\r\n", 200,
       false},
      {"GET /healthz", 15, "GET /healthz HTTP/1.1\r\nHost: bench\r\n\r\n", 200, false},
      {"GET /api/v1/reports?limit=10", 15,
       "GET /api/v1/reports?limit=10 HTTP/1.1\r\nHost: bench\r\n" + auth + "\r\n", 200, false},
      {"GET /ogc/collections/reports/items?limit=10", 10,
       "GET /ogc/collections/reports/items?limit=10 HTTP/1.1\r\nHost: bench\r\n" + auth + "\r\n",
       200, false},
      {"GET /app.js (static, 20 KiB)", 10, "GET /app.js HTTP/1.1\r\nHost: bench\r\n\r\n", 200,
       false},
      {"GET /api/v1/log/head, Connection: close", 10,
       "GET /api/v1/log/head HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n", 200, true},
      {"POST /api/v1/reports (1 report, durable)", 5, "", 201, false},
  };
}

struct MixedResult {
  int64_t requests = 0, errors = 0;
  std::vector<std::vector<double>> latencies_ms;  // per kind
};
MixedResult g_mixed;
double g_mixed_seconds = 0;

// One client of the mixed load: its own token and kept-alive connection, reconnecting when
// the server closes it, until `deadline`.
MixedResult MixedClient(int port, const std::string& token, uint32_t seed,
                        std::chrono::steady_clock::time_point deadline) {
  const std::vector<MixedKind> kinds = MixedKinds(token);
  int total_weight = 0;
  for (const MixedKind& k : kinds) total_weight += k.weight;
  std::mt19937 random(seed);
  MixedResult out;
  out.latencies_ms.resize(kinds.size());
  std::unique_ptr<RawClient> client;
  while (std::chrono::steady_clock::now() < deadline) {
    int pick = static_cast<int>(random() % static_cast<uint32_t>(total_weight));
    size_t kind = 0;
    while ((pick -= kinds[kind].weight) >= 0) ++kind;
    std::string request = kinds[kind].request;
    if (request.empty()) {
      const std::string body = NextRow().dump();
      request = fmt::format(
          "POST /api/v1/reports HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {}\r\n"
          "Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{}",
          token, body.size(), body);
    }
    const auto start = std::chrono::steady_clock::now();
    if (!client) client = std::make_unique<RawClient>(port);
    std::optional<RawResponse> r;
    if (client->Send(request)) r = client->Read(std::chrono::seconds(10));
    out.latencies_ms[kind].push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
            .count());
    ++out.requests;
    if (!r || r->status != kinds[kind].status) {
      if (out.errors++ < 3) {
        std::fprintf(stderr, "mixed load: %s -> %s\n", kinds[kind].name,
                     r ? std::to_string(r->status).c_str() : "no answer");
      }
      client.reset();
      continue;
    }
    if (kinds[kind].close || r->Header("connection") == "close") client.reset();
  }
  return out;
}

void BM_HttpMixedLoad(benchmark::State& state) {
  constexpr int kClients = 32;
  const auto duration = std::chrono::seconds(g_smoke ? 2 : 30);
  server::ServerOptions options;
  options.max_per_address = 1000;  // every client comes from 127.0.0.1
  const fs::path web = TempDir();
  std::ofstream(web / "app.js") << std::string(20 << 10, 'x');
  options.web_root = web.string();
  Server server(options);
  std::vector<std::string> tokens;
  for (int i = 0; i < kClients; ++i) {
    tokens.push_back(
        app::CreateToken(*server.store, server.key, app::Role::kMonitor, "", app::SystemNow())
            ->secret);
  }
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    const auto deadline = start + duration;
    std::vector<MixedResult> results(kClients);
    std::vector<std::thread> clients;
    for (int i = 0; i < kClients; ++i) {
      clients.emplace_back([&, i] {
        results[i] = MixedClient(server.port, tokens[i], static_cast<uint32_t>(i), deadline);
      });
    }
    for (std::thread& t : clients) t.join();
    g_mixed_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    g_mixed = {};
    g_mixed.latencies_ms.resize(MixedKinds("").size());
    for (MixedResult& r : results) {
      g_mixed.requests += r.requests;
      g_mixed.errors += r.errors;
      for (size_t k = 0; k < r.latencies_ms.size(); ++k) {
        g_mixed.latencies_ms[k].insert(g_mixed.latencies_ms[k].end(), r.latencies_ms[k].begin(),
                                       r.latencies_ms[k].end());
      }
    }
  }
  fs::remove_all(web);
  state.SetItemsProcessed(g_mixed.requests);
  state.counters["errors"] = static_cast<double>(g_mixed.errors);
  if (g_mixed.errors > 0) state.SkipWithError("the mixed load saw errors");
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  const size_t k = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

// Records items per second of real time for the HTTP benchmarks.
class HttpRateReporter : public benchmark::ConsoleReporter {
 public:
  HttpRateReporter() : ConsoleReporter(isatty(fileno(stdout)) ? OO_Defaults : OO_Tabular) {}

  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& r : runs) {
      if (r.error_occurred || r.run_type != Run::RT_Iteration) continue;
      const auto rate = r.counters.find("items_per_second");
      if (rate != r.counters.end()) g_rates[r.benchmark_name()] = rate->second.value;
    }
  }
};

// A page of a derived list (incidents, violations, OGC features) against the largest page, on a
// store of 2,000 reports (500 with --smoke), in-process through server::Api (no sockets): the
// application encodes only the page's records, so a page of 10 costs the filter over every
// record plus ten encodings, where it once cost the whole list's encoding (as 1,000 does).
std::unique_ptr<Server> g_listed;
size_t g_listed_incidents = 0;

// The shipped scenario and its reports, copied with their dates moved by whole weeks (a copy is
// an incident of its own) up to `reports` in all.
Server& Listed() {
  if (g_listed) return *g_listed;
  g_listed = std::make_unique<Server>();
  const std::string scenario = std::string(TRUCE_SOURCE_DIR) + "/scenarios/astana-2017";
  auto bundle = app::ReadScenarioBundle(scenario);
  auto text = formats::ReadTextFile(scenario + "/incidents.csv");
  auto batch = text.ok() ? formats::ParseReports(*text, "incidents.csv")
                         : Result<formats::ReportBatch>(text.error());
  if (!bundle.ok() || !batch.ok() ||
      !g_listed->application->AdoptScenario(std::move(bundle).value(), "bench").ok()) {
    std::fprintf(stderr, "server_bench: the shipped scenario did not load\n");
    std::abort();
  }
  const size_t reports = g_smoke ? 500 : 2000;
  json body = json::array();
  for (size_t i = 0; body.size() < reports; ++i) {
    const size_t copy = i / batch->reports.size();
    json row = formats::ReportToJson(batch->reports[i % batch->reports.size()]);
    int y = 0, m = 0, d = 0;
    if (std::sscanf(row["event_date"].get<std::string>().c_str(), "%d-%d-%d", &y, &m, &d) != 3) {
      std::abort();
    }
    const std::chrono::year_month_day moved{std::chrono::sys_days(std::chrono::year(y) / m / d) +
                                            std::chrono::days(7 * copy)};
    row["event_date"] = fmt::format("{:04}-{:02}-{:02}", int(moved.year()), unsigned(moved.month()),
                                    unsigned(moved.day()));
    row["event_id_cnty"] = fmt::format("{}-C{}", row["event_id_cnty"].get<std::string>(), copy);
    body.push_back(std::move(row));
  }
  auto reply =
      server::HttpRequest("POST", g_listed->base, "/api/v1/reports", g_listed->token, body.dump());
  if (!reply.ok() || reply->status != 201) {
    std::fprintf(stderr, "server_bench: the listed reports were refused\n");
    std::abort();
  }
  return *g_listed;
}

void BM_ListPage(benchmark::State& state, std::string path) {
  Server& server = Listed();
  server::ApiRequest req;
  req.method = "GET";
  req.base_url = server.base;
  req.authorization = "Bearer " + server.token;
  const size_t query = path.find('?');
  req.path = path.substr(0, query);
  if (query != std::string::npos) req.query.emplace("limit", path.substr(path.find('=') + 1));
  int64_t requests = 0;
  const auto start = std::chrono::steady_clock::now();
  for (auto _ : state) {
    const server::ApiResponse r = server.api->Handle(req);
    if (r.status != 200) {
      state.SkipWithError("the list was refused");
      return;
    }
    if (path == "/api/v1/incidents?limit=1000") {
      g_listed_incidents = json::parse(r.body)["items"].size();
    }
    ++requests;
  }
  Record(state, "list " + path, requests,
         std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
}
BENCHMARK_CAPTURE(BM_ListPage, incidents_page1000, std::string("/api/v1/incidents?limit=1000"))
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ListPage, incidents_page10, std::string("/api/v1/incidents?limit=10"))
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ListPage, violations_page1000, std::string("/api/v1/violations?limit=1000"))
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ListPage, violations_page10, std::string("/api/v1/violations?limit=10"))
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ListPage, ogc_reports_page10,
                  std::string("/ogc/collections/reports/items?limit=10"))
    ->Unit(benchmark::kMillisecond);

BENCHMARK(BM_ServerPost)->Arg(1)->Arg(100)->Arg(1000)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RawSqlite)->Arg(1)->Arg(100)->Arg(1000)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_HttpKeepAlive)->Threads(1)->Threads(8)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_HttpClose)->Threads(1)->Threads(8)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_HttpMixedLoad)->Iterations(1)->UseRealTime()->Unit(benchmark::kSecond);

}  // namespace
}  // namespace truce

int main(int argc, char** argv) {
  if (!truce::LoadRows()) {
    std::printf("server_bench: the Syrian Archive corpus is missing under %s; nothing to run\n",
                TRUCE_SHARED_DATA);
    return 0;
  }
  truce::g_smoke = truce::bench::InitializeWithSmokeFlag(argc, argv);
  truce::HttpRateReporter reporter;
  truce::g_shared = std::make_unique<truce::Server>();
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  truce::g_shared.reset();
  truce::g_listed.reset();
  auto& rates = truce::g_rates;
  const auto list_ratio = [&](const char* name, const char* whole, const char* page) {
    const auto w = rates.find(std::string("list ") + whole);
    const auto p = rates.find(std::string("list ") + page);
    if (w == rates.end() || p == rates.end()) return;
    std::printf("ratio_%s_page10_vs_page1000=%.1f\n", name, p->second / w->second);
  };
  // Before pages were encoded alone, both cost the whole list: the ratio was about 1.
  std::printf("\nlist pages per second, 10 records against 1,000 (%zu incidents listed):\n",
              truce::g_listed_incidents);
  list_ratio("incidents", "/api/v1/incidents?limit=1000", "/api/v1/incidents?limit=10");
  list_ratio("violations", "/api/v1/violations?limit=1000", "/api/v1/violations?limit=10");
  std::printf("\nreports accepted per second (durable commits):\n");
  for (int batch : {1, 100, 1000}) {
    const auto server = rates.find(fmt::format("server batch {}", batch));
    const auto raw = rates.find(fmt::format("raw sqlite batch {}", batch));
    if (server == rates.end() || raw == rates.end()) continue;
    std::printf("  batch %4d: server %10.0f/s   raw sqlite %10.0f/s   server/raw %.3f\n", batch,
                server->second, raw->second, server->second / raw->second);
  }
  std::printf("\nGET /api/v1/log/head per second, kept-alive against Connection: close:\n");
  for (int threads : {1, 8}) {
    const auto kept = rates.find(fmt::format("BM_HttpKeepAlive/real_time/threads:{}", threads));
    const auto closed = rates.find(fmt::format("BM_HttpClose/real_time/threads:{}", threads));
    if (kept == rates.end() || closed == rates.end()) continue;
    std::printf("  %d client(s): keep-alive %8.0f/s   close %8.0f/s   keep-alive/close %.2f\n",
                threads, kept->second, closed->second, kept->second / closed->second);
  }
  if (truce::g_mixed.requests > 0) {
    const truce::MixedResult& m = truce::g_mixed;
    std::vector<double> all;
    for (const auto& kind : m.latencies_ms) all.insert(all.end(), kind.begin(), kind.end());
    std::printf("\nmixed load, 32 clients, %.1f s: %lld requests, %.0f/s, %lld errors\n",
                truce::g_mixed_seconds, static_cast<long long>(m.requests),
                static_cast<double>(m.requests) / truce::g_mixed_seconds,
                static_cast<long long>(m.errors));
    std::printf("  %-44s %8s %9s %9s %9s\n", "latency (ms)", "requests", "p50", "p99", "max");
    const auto row = [](const char* name, std::vector<double> v) {
      std::printf("  %-44s %8zu %9.2f %9.2f %9.2f\n", name, v.size(), truce::Percentile(v, 0.5),
                  truce::Percentile(v, 0.99), truce::Percentile(v, 1.0));
    };
    row("all", all);
    const auto kinds = truce::MixedKinds("");
    for (size_t k = 0; k < kinds.size(); ++k) row(kinds[k].name, m.latencies_ms[k]);
  }
  return 0;
}
