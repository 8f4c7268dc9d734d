// The HTTP API as plain request -> response functions, independent of the HTTP library (the
// glue in http.cc is the only code that sees cpp-httplib). Routes, the role each needs, and
// the JSON shapes are documented in docs/openapi.yaml and docs/server.md.
//
// Errors are JSON: {"error": {"code": "invalid_input", "message": "...",
//                             "problems": [{"path": "/2/latitude", "message": "..."}]}}
// with a stable `code` per HTTP status (docs/server.md lists them).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "server/ledger.h"
#include "server/metrics.h"
#include "store/store.h"

namespace truce::server {

struct ApiRequest {
  std::string method;  // "GET", "POST", ...
  std::string path;    // without the query string
  std::map<std::string, std::string> query;
  std::string authorization;  // the Authorization header, "" if none
  std::string content_type;
  std::string base_url;  // "http://host:port", for absolute links (OGC API)
  std::string body;
};

struct ApiResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

struct ApiLimits {
  size_t max_body_bytes = 32 << 20;  // enforced by the HTTP layer before parsing
  size_t max_reports_per_batch = 10000;
  size_t max_positions_per_batch = 100000;
  size_t max_claims_per_batch = 1000;
  size_t default_page = 100;
  size_t max_page = 1000;
};

// The JSON error response for `status` with a stable `code`.
ApiResponse ErrorResponse(int status, std::string_view code, std::string message);

// Serves the API over a store and its ledger. Thread-safe: Handle may run on many threads.
class Api {
 public:
  Api(store::Store& store, Ledger& ledger, Metrics& metrics, ApiLimits limits = {},
      Clock clock = SystemNow);
  ~Api();
  Api(const Api&) = delete;
  Api& operator=(const Api&) = delete;

  ApiResponse Handle(const ApiRequest& request);

  // Makes `bundle` (scenario_bundle.h) the scenario in force: appended as a new scenario
  // version unless it equals the latest one. Returns the version number in force.
  [[nodiscard]] Result<int> AdoptScenario(const nlohmann::json& bundle, std::string_view submitter);

  const ApiLimits& limits() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace truce::server
