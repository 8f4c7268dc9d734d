// Test plumbing for the server: a real server (store, ledger, API, HTTP on 127.0.0.1 port 0)
// over a real SQLite file in a temporary directory, run in-process on its own thread, plus
// request helpers and report fixtures. Restart() tears everything down and opens the same
// files again, as a restarted process would.
#pragma once

#include <atomic>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "app/app.h"
#include "app/ledger.h"
#include "app/scenario_bundle.h"
#include "app/tokens.h"
#include "server/api.h"
#include "server/http.h"
#include "store/sqlite_store.h"

namespace truce::testing {

namespace fs = std::filesystem;
using nlohmann::json;

inline std::string TruceBinary() { return std::string(TRUCE_BINARY_DIR) + "/src/cli/truce"; }
inline std::string ShippedScenario() {
  return std::string(TRUCE_SOURCE_DIR) + "/scenarios/astana-2017";
}

struct Reply {
  int status = 0;
  json body;
  std::string text;
};

// An ACLED-style report as the API takes it. Eastern Ghouta (zone 3) lies around 33.55, 36.42.
inline json ReportJson(const std::string& id, const std::string& date = "2017-06-01",
                       double lat = 33.55, double lon = 36.42) {
  return {{"event_id_cnty", id},
          {"event_date", date},
          {"time_precision", 1},
          {"event_type", "Explosions/Remote violence"},
          {"sub_event_type", "Shelling/artillery/missile attack"},
          {"actor1", "Military Forces of Syria"},
          {"latitude", lat},
          {"longitude", lon},
          {"geo_precision", 1},
          {"source", "SOHR"},
          {"fatalities", 1}};
}

class TempDir {
 public:
  TempDir() {
    path_ =
        fs::temp_directory_path() / ("truce_server_test_" + std::to_string(std::random_device{}()) +
                                     "_" + std::to_string(std::random_device{}()));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// The limits a harness server runs with: the HTTP layer's and the application's.
struct HarnessLimits {
  size_t max_body_bytes = 32 << 20;
  app::AppLimits app;
};

// An in-process server over `db`. The clock is controlled by the test (milliseconds).
class ServerHarness {
 public:
  // `options` are the HTTP server's (its port is always 0, a free one).
  explicit ServerHarness(std::string db, HarnessLimits limits = {}, std::string web = "",
                         server::ServerOptions options = DefaultOptions())
      : db_(std::move(db)), limits_(limits), options_(std::move(options)) {
    if (!web.empty()) options_.web_root = std::move(web);
    Start();
  }
  static server::ServerOptions DefaultOptions() {
    server::ServerOptions options;
    options.threads = 4;
    return options;
  }
  ~ServerHarness() { Stop(); }

  void Start() {
    auto store = store::OpenSqliteStore(db_);
    ASSERT_TRUE(store.ok()) << store.error().message;
    store_ = std::move(store).value();
    auto key = app::SigningKey::LoadOrCreate(app::KeyFileFor(db_));
    ASSERT_TRUE(key.ok()) << key.error().message;
    auto ledger = app::Ledger::Open(*store_, std::move(key).value(), Clock());
    ASSERT_TRUE(ledger.ok()) << ledger.error().message;
    ledger_ = std::move(ledger).value();
    auto application = app::App::Open(*store_, *ledger_, metrics_, limits_.app, Clock());
    ASSERT_TRUE(application.ok()) << application.error().message;
    app_ = std::move(application).value();
    server::ApiLimits api_limits;
    api_limits.max_body_bytes = limits_.max_body_bytes;
    api_ = std::make_unique<server::Api>(*app_, api_limits);
    server::ServerOptions options = options_;
    options.port = 0;
    http_ = std::make_unique<server::HttpServer>(*api_, options);
    auto port = http_->Bind();
    ASSERT_TRUE(port.ok()) << port.error().message;
    port_ = *port;
    base_ = "http://127.0.0.1:" + std::to_string(*port);
    thread_ = std::thread([this] { http_->Run(); });
  }

  void Stop() {
    if (http_) http_->Stop();
    if (thread_.joinable()) thread_.join();
    http_.reset();
    api_.reset();
    app_.reset();
    ledger_.reset();
    store_.reset();
  }

  void Restart() {
    Stop();
    Start();
  }

  app::Clock Clock() {
    return [this] { return UtcTime(std::chrono::milliseconds(now_ms_.load())); };
  }
  void SetNow(const char* t) { now_ms_ = ParseUtcTime(t)->time_since_epoch().count(); }

  void LoadShippedScenario() {
    auto bundle = app::ReadScenarioBundle(ShippedScenario());
    ASSERT_TRUE(bundle.ok()) << bundle.error().message;
    auto adopted = app_->AdoptScenario(std::move(bundle).value(), "test");
    ASSERT_TRUE(adopted.ok()) << adopted.error().message;
  }

  std::string Token(app::Role role, const std::string& party = "") {
    auto key = app::SigningKey::Load(app::KeyFileFor(db_));
    EXPECT_TRUE(key.ok()) << key.error().message;
    if (!key.ok()) return "";
    auto t = app::CreateToken(*store_, *key, role, party, UtcTime{});
    EXPECT_TRUE(t.ok()) << t.error().message;
    return t.ok() ? t->secret : "";
  }

  Reply Call(const std::string& method, const std::string& path, const std::string& token = "",
             const std::string& body = "", const std::string& type = "application/json") {
    auto r = server::HttpRequest(method, base_, path, token, body, type);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    Reply out;
    if (!r.ok()) return out;
    out.status = r->status;
    out.text = r->body;
    out.body = json::parse(r->body, nullptr, false);
    return out;
  }
  Reply Get(const std::string& path, const std::string& token = "") {
    return Call("GET", path, token);
  }
  Reply Post(const std::string& path, const json& body, const std::string& token) {
    return Call("POST", path, token, body.dump());
  }

  const std::string& base_url() const { return base_; }
  int port() const { return port_; }
  const std::string& db() const { return db_; }
  store::Store& store() { return *store_; }
  app::Ledger& ledger() { return *ledger_; }
  app::App& application() { return *app_; }

 private:
  std::string db_;
  HarnessLimits limits_;
  server::ServerOptions options_;
  std::atomic<int64_t> now_ms_{ParseUtcTime("2024-01-01T00:00:00Z")->time_since_epoch().count()};
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<app::Ledger> ledger_;
  app::Metrics metrics_;
  std::unique_ptr<app::App> app_;
  std::unique_ptr<server::Api> api_;
  std::unique_ptr<server::HttpServer> http_;
  std::thread thread_;
  std::string base_;
  int port_ = 0;
};

}  // namespace truce::testing
