// Reads per second from one and from two `truce serve` instances on one PostgreSQL database
// (docs/deployment.md): a throw-away server (store/test_postgres.h), two in-process instances
// (store, ledger, App, HTTP server each, one signing key), 1,000 real reports (the Syrian
// Archive incidents, ../shared/data) submitted through the first, then 8 clients reading
// `GET /api/v1/reports?limit=50` over kept-alive connections, spread over 1 or 2 instances.
//
//   postgres_bench [--benchmark_min_time=...]
// Skips, saying why, where no PostgreSQL server can be started. On one machine the instances,
// the clients and PostgreSQL share its cores: the figure shows the cost of the second
// instance's coordination as much as its capacity.
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "app/app.h"
#include "app/tokens.h"
#include "formats/reports.h"
#include "formats/text_file.h"
#include "raw_http_client.h"
#include "server/api.h"
#include "server/http.h"
#include "store/open_store.h"
#include "store/test_postgres.h"

namespace truce {
namespace {

using nlohmann::json;
using testing::RawClient;
using testing::RawResponse;

struct Instance {
  std::unique_ptr<store::Store> store;
  std::unique_ptr<app::Ledger> ledger;
  app::Metrics metrics;
  std::unique_ptr<app::App> application;
  std::unique_ptr<server::Api> api;
  std::unique_ptr<server::HttpServer> http;
  std::thread thread;
  int port = 0;

  bool Start(const std::string& url, const app::SigningKey& key) {
    auto s = store::OpenStore(url);
    if (!s.ok()) return false;
    store = std::move(s).value();
    auto l = app::Ledger::Open(*store, key);
    if (!l.ok()) return false;
    ledger = std::move(l).value();
    auto a = app::App::Open(*store, *ledger, metrics);
    if (!a.ok()) return false;
    application = std::move(a).value();
    api = std::make_unique<server::Api>(*application);
    server::ServerOptions options;
    options.port = 0;
    options.max_per_address = 1000;  // every client comes from 127.0.0.1
    options.max_per_token = 1000;
    http = std::make_unique<server::HttpServer>(*api, options);
    auto p = http->Bind();
    if (!p.ok()) return false;
    port = *p;
    thread = std::thread([this] { http->Run(); });
    return true;
  }
  ~Instance() {
    if (http) http->Stop();
    if (thread.joinable()) thread.join();
  }
};

std::vector<std::unique_ptr<Instance>> g_instances;
std::string g_token;

void BM_PostgresReads(benchmark::State& state) {
  const auto instances = static_cast<size_t>(state.range(0));
  RawClient client(g_instances[static_cast<size_t>(state.thread_index()) % instances]->port);
  const std::string request =
      "GET /api/v1/reports?limit=50 HTTP/1.1\r\nHost: bench\r\n"
      "Authorization: Bearer " +
      g_token + "\r\n\r\n";
  int64_t requests = 0;
  for (auto _ : state) {
    std::optional<RawResponse> r;
    if (client.Send(request)) r = client.Read(std::chrono::seconds(10));
    if (!r || r->status != 200) {
      state.SkipWithError("a read failed");
      return;
    }
    ++requests;
  }
  state.SetItemsProcessed(requests);
}
BENCHMARK(BM_PostgresReads)
    ->ArgName("instances")
    ->Arg(1)
    ->Arg(2)
    ->Threads(8)
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

int Setup() {
  std::string why;
  store::testing::TestPostgres* server = store::testing::TestPostgres::Shared(&why);
  if (!server) {
    std::printf("skipped: %s\n", why.c_str());
    return 1;
  }
  auto url = server->NewDatabase();
  if (!url.ok()) {
    std::printf("skipped: %s\n", url.error().message.c_str());
    return 1;
  }
  const app::SigningKey key = app::SigningKey::Generate();
  for (int i = 0; i < 2; ++i) {
    g_instances.push_back(std::make_unique<Instance>());
    if (!g_instances.back()->Start(*url, key)) {
      std::printf("an instance did not start\n");
      return 2;
    }
  }
  const std::string path =
      std::string(TRUCE_SHARED_DATA) + "/incidents/syrian_archive_chemical_weapons_2013_2014.csv";
  auto text = formats::ReadTextFile(path);
  if (!text.ok()) {
    std::printf("skipped: %s\n", text.error().message.c_str());
    return 1;
  }
  auto batch = formats::ParseReports(*text, path);
  if (!batch.ok() || batch->reports.empty()) {
    std::printf("skipped: %s holds no reports\n", path.c_str());
    return 1;
  }
  const app::Principal op{app::Role::kAdmin, "", "bench"};
  std::vector<json> items;
  for (size_t i = 0; i < 1000; ++i) {
    json row = formats::ReportToJson(batch->reports[i % batch->reports.size()]);
    row["event_id_cnty"] = fmt::format("BENCH-{}", i);
    items.push_back(std::move(row));
  }
  auto done = g_instances[0]->application->SubmitReports(op, std::move(items), true);
  if (!done.ok()) {
    std::printf("submitting failed: %s\n", done.error().message.c_str());
    return 2;
  }
  auto token =
      app::CreateToken(*g_instances[0]->store, key, app::Role::kMonitor, "", app::SystemNow());
  if (!token.ok()) return 2;
  g_token = token->secret;
  return 0;
}

}  // namespace
}  // namespace truce

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (const int st = truce::Setup(); st != 0) return st == 1 ? 0 : st;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  truce::g_instances.clear();
  return 0;
}
