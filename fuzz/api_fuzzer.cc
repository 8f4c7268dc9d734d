// The server's request handling in-process, without sockets: an HTTP request as text goes
// through the HTTP layer's target decoding (detail::ParseTarget), then server::Api::Handle:
// routing, the role check, QueryReader, JsonBody / ItemsBody, the App operation (over a real
// SQLite store holding the shipped scenario and its 158 incident reports) and the encoders.
// Every route's bodies and query strings are reached this way.
//
// Input: the request line, header lines, a blank line, the body:
//   POST /api/v1/reports?x=1
//   Role: monitor                  (a token of that role: admin, monitor, party, guarantor,
//   Content-Type: application/json  humanitarian, public; or Authorization: as sent)
//
//   {"event_id_cnty": ...}
// Invariants: never a 500 (an internal error is a bug on any input), a status in 200..599; an
// error answer is the JSON error body with a code and a message; every JSON answer parses;
// every answer is valid UTF-8. The store is rebuilt after 200 accepted writes, so that long
// runs do not slow down as it grows.
//
// The target has state: a crash may need the requests before it. With TRUCE_FUZZ_TRACE=DIR
// each input is also written to DIR/NNNNNNNN, and DIR is emptied whenever the store is rebuilt,
// so that after a crash DIR holds every request the store had seen; `api_fuzzer DIR/*` (in
// name order) replays them one by one, and scripts/fuzz-minimize-trace.sh cuts them down.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <string>

#include "app/app.h"
#include "app/ledger.h"
#include "app/scenario_bundle.h"
#include "app/tokens.h"
#include "formats/json_reader.h"
#include "formats/reports.h"
#include "formats/text_file.h"
#include "fuzz_support.h"
#include "server/api.h"
#include "server/http_target.h"
#include "store/sqlite_store.h"
#include "truce/text_policy.h"

namespace {

namespace fs = std::filesystem;
using namespace truce;

#define FIXTURE_CHECK(result)                                                           \
  do {                                                                                  \
    if (!(result).ok()) {                                                               \
      std::fprintf(stderr, "api_fuzzer setup: %s\n", (result).error().message.c_str()); \
      std::abort();                                                                     \
    }                                                                                   \
  } while (0)

// A server's application over a fresh SQLite file on tmpfs when there is one.
struct Fixture {
  fs::path dir;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<app::Ledger> ledger;
  app::Metrics metrics;
  std::unique_ptr<app::App> application;
  std::unique_ptr<server::Api> api;
  std::map<std::string, std::string> tokens;  // role -> "Bearer SECRET"
  int writes = 0;

  Fixture() {
    const fs::path base =
        fs::is_directory("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
    dir = base / ("truce_api_fuzz_" + std::to_string(std::random_device{}()));
    fs::create_directories(dir);
    auto s = store::OpenSqliteStore((dir / "fuzz.db").string());
    FIXTURE_CHECK(s);
    store = std::move(s).value();
    const app::SigningKey key = app::SigningKey::Generate();
    auto l = app::Ledger::Open(*store, key);
    FIXTURE_CHECK(l);
    ledger = std::move(l).value();
    auto a = app::App::Open(*store, *ledger, metrics);
    FIXTURE_CHECK(a);
    application = std::move(a).value();
    api = std::make_unique<server::Api>(*application);
    const std::string scenario = std::string(TRUCE_SOURCE_DIR) + "/scenarios/astana-2017";
    auto bundle = app::ReadScenarioBundle(scenario);
    FIXTURE_CHECK(bundle);
    auto adopted = application->AdoptScenario(std::move(bundle).value(), "fuzz");
    FIXTURE_CHECK(adopted);
    auto text = formats::ReadTextFile(scenario + "/incidents.csv");
    FIXTURE_CHECK(text);
    auto batch = formats::ParseReports(*text, "incidents.csv");
    FIXTURE_CHECK(batch);
    std::vector<nlohmann::json> items;
    for (const Report& r : batch->reports) items.push_back(formats::ReportToJson(r));
    const app::Principal op{app::Role::kAdmin, "", "fuzz"};
    auto out = application->SubmitReports(op, std::move(items), true);
    FIXTURE_CHECK(out);
    for (app::Role role : app::AllRoles()) {
      const std::string party = role == app::Role::kParty ? "russia" : "";
      auto t = app::CreateToken(*store, key, role, party, UtcTime{});
      FIXTURE_CHECK(t);
      tokens[std::string(app::RoleName(role))] = "Bearer " + t->secret;
    }
  }
  ~Fixture() {
    api.reset();
    application.reset();
    ledger.reset();
    store.reset();
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

// TRUCE_FUZZ_TRACE (above): where the inputs since the store was built go, if anywhere.
struct Trace {
  fs::path dir;
  uint64_t next = 0;

  Trace() {
    if (const char* d = std::getenv("TRUCE_FUZZ_TRACE"); d != nullptr && *d != '\0') dir = d;
  }
  void Restart() {
    if (dir.empty()) return;
    std::error_code ec;
    fs::remove_all(dir, ec);
    fs::create_directories(dir, ec);
    next = 0;
  }
  void Record(std::string_view input) {
    if (dir.empty()) return;
    char name[16];
    std::snprintf(name, sizeof name, "%08llu", static_cast<unsigned long long>(next++));
    std::ofstream(dir / name, std::ios::binary).write(input.data(), std::streamsize(input.size()));
  }
};

Trace& TheTrace() {
  static Trace trace;
  return trace;
}

std::unique_ptr<Fixture>& TheFixture() {
  static std::unique_ptr<Fixture> fixture;
  if (!fixture || fixture->writes >= 200) {
    fixture.reset();
    fixture = std::make_unique<Fixture>();
    TheTrace().Restart();
  }
  return fixture;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\r')) s.remove_suffix(1);
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text = truce::fuzz::Text(data, size);
  // The head: lines up to the first empty one.
  size_t end = text.find('\n');
  const std::string_view line = Trim(text.substr(0, end));
  const size_t space = line.find(' ');
  if (space == std::string_view::npos) return 0;
  Fixture& f = *TheFixture();
  TheTrace().Record(text);
  server::ApiRequest req;
  req.method = std::string(line.substr(0, space));
  const std::string_view target = Trim(line.substr(space + 1));
  req.base_url = "http://127.0.0.1:8080";
  while (end != std::string_view::npos) {
    const size_t next = text.find('\n', end + 1);
    const std::string_view header = Trim(text.substr(end + 1, next - end - 1));
    end = next;
    if (header.empty()) break;
    const size_t colon = header.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view name = header.substr(0, colon), value = Trim(header.substr(colon + 1));
    if (name == "Role") {
      const auto it = f.tokens.find(std::string(value));
      if (it != f.tokens.end()) req.authorization = it->second;
    } else if (name == "Authorization") {
      req.authorization = std::string(value);
    } else if (name == "Content-Type") {
      req.content_type = std::string(value);
    }
  }
  if (end != std::string_view::npos) req.body = std::string(text.substr(end + 1));

  // What http.cc does with the target before the API sees it; a malformed one is a 400 there.
  auto decoded = server::detail::ParseTarget(target);
  if (!decoded.ok()) {
    FUZZ_CHECK(decoded.error().code == ErrorCode::kInvalidArgument);
    FUZZ_CHECK(decoded.error().message.size() < 2000);
    return 0;
  }
  req.path = std::move(decoded->path);
  req.query = std::move(decoded->query);

  const server::ApiResponse r = f.api->Handle(req);
  FUZZ_CHECK(r.status >= 200 && r.status < 600);
  FUZZ_CHECK(r.status != 500);
  FUZZ_CHECK(IsValidUtf8(r.body));
  if (r.status == 201) ++f.writes;
  const bool is_json = r.content_type.find("json") != std::string::npos;
  if (r.status >= 400) {
    auto body = formats::ParseJson(r.body, "answer");
    FUZZ_CHECK(body.ok() && body->is_object() && body->contains("error"));
    const nlohmann::json& e = (*body)["error"];
    FUZZ_CHECK(e.is_object() && e.contains("code") && e["code"].is_string() &&
               e.contains("message") && e["message"].is_string());
  } else if (is_json && req.method != "HEAD") {
    FUZZ_CHECK(formats::ParseJson(r.body, "answer").ok());
  }
  return 0;
}
