// Reports accepted per second by the server, one per request and in batches, each commit
// durable (WAL, synchronous=FULL, signed receipt and tree head) against a raw SQLite insert of
// the same rows with the same durability, measured in the same run. The rows are the Syrian
// Archive incidents (../shared/data), given fresh event ids so that every one is a new report.
//
//   server_bench [--benchmark_min_time=...]
// Prints Google Benchmark's table, then the rates and their ratios to raw SQLite.
#include <sqlite3.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <random>
#include <thread>

#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "app/app.h"
#include "app/tokens.h"
#include "formats/reports.h"
#include "formats/text_file.h"
#include "server/api.h"
#include "server/http.h"
#include "store/sqlite_store.h"

namespace truce {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::vector<json> g_rows;               // report templates
std::map<std::string, double> g_rates;  // benchmark name -> reports per second
uint64_t g_next_id = 0;

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
  json row = g_rows[g_next_id % g_rows.size()];
  row["event_id_cnty"] = fmt::format("BENCH-{}", g_next_id++);
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
  std::unique_ptr<app::Ledger> ledger;
  app::Metrics metrics;
  std::unique_ptr<app::App> application;
  std::unique_ptr<server::Api> api;
  std::unique_ptr<server::HttpServer> http;
  std::thread thread;
  std::string base, token;

  Server() {
    store = std::move(store::OpenSqliteStore((dir / "bench.db").string())).value();
    ledger = std::move(app::Ledger::Open(*store, app::SigningKey::Generate())).value();
    application = std::move(app::App::Open(*store, *ledger, metrics)).value();
    api = std::make_unique<server::Api>(*application);
    server::ServerOptions options;
    options.port = 0;
    http = std::make_unique<server::HttpServer>(*api, options);
    base = fmt::format("http://127.0.0.1:{}", *http->Bind());
    thread = std::thread([this] { http->Run(); });
    token = app::CreateToken(*store, app::Role::kMonitor, "", app::SystemNow())->secret;
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

BENCHMARK(BM_ServerPost)->Arg(1)->Arg(100)->Arg(1000)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RawSqlite)->Arg(1)->Arg(100)->Arg(1000)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace truce

int main(int argc, char** argv) {
  if (!truce::LoadRows()) {
    std::printf("server_bench: the Syrian Archive corpus is missing under %s; nothing to run\n",
                TRUCE_SHARED_DATA);
    return 0;
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  std::printf("\nreports accepted per second (durable commits):\n");
  for (int batch : {1, 100, 1000}) {
    const auto server = truce::g_rates.find(fmt::format("server batch {}", batch));
    const auto raw = truce::g_rates.find(fmt::format("raw sqlite batch {}", batch));
    if (server == truce::g_rates.end() || raw == truce::g_rates.end()) continue;
    std::printf("  batch %4d: server %10.0f/s   raw sqlite %10.0f/s   server/raw %.3f\n", batch,
                server->second, raw->second, server->second / raw->second);
  }
  return 0;
}
