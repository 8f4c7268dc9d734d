// The HTTP API as plain request -> response functions, independent of the HTTP library (the
// glue in http.cc is the only code that sees it). Routes, the role each needs, and the JSON
// shapes are documented in docs/openapi.yaml and docs/server.md.
//
// Errors are JSON: {"error": {"code": "invalid_input", "message": "...",
//                             "problems": [{"path": "/2/latitude", "message": "..."}]}}
// with a stable `code` per HTTP status (the one table in truce/result.h).
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "app/app.h"

namespace truce::server {

struct ApiRequest {
  std::string method;  // "GET", "POST", ...
  std::string path;    // without the query string
  std::map<std::string, std::string> query;
  std::string authorization;  // the Authorization header, "" if none
  std::string content_type;
  std::string accept;    // the Accept header, "" if none (exports choose their format by it)
  std::string base_url;  // "http://host:port", for absolute links (OGC API)
  std::string body;
  std::string last_event_id;  // the Last-Event-ID header (Server-Sent Events), "" if none
};

// The body of a response that stays open and sends text as it becomes ready (Server-Sent
// Events). The HTTP layer sends ApiResponse::body first, then whatever Take() gives each time
// the stream wakes it, plus heartbeats, until the client goes or the server stops. Thread-safe.
class EventStream {
 public:
  virtual ~EventStream() = default;
  // The text ready now ("" when none). Never blocks.
  virtual std::string Take() = 0;
  // `wake` is to be called, from any thread, whenever Take may have more; it must not be
  // called after the stream is destroyed.
  virtual void OnReady(std::function<void()> wake) = 0;
};

struct ApiResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::shared_ptr<EventStream> stream;  // set: a streaming response (status 200)
};

struct ApiLimits {
  size_t max_body_bytes = 32 << 20;  // enforced by the HTTP layer before parsing
  // Webhooks (webhooks.h): attempts per alert, and the wait before the first retry (doubled
  // after each failure).
  int webhook_max_attempts = 6;
  std::chrono::milliseconds webhook_first_retry{1000};
};

class Webhooks;

// The JSON error response for an error (status and code from the one table).
ApiResponse ErrorResponse(const Error& e);

// One entry of the route table: a method and a path pattern ("{}" matches one segment).
struct RouteInfo {
  std::string_view method;
  std::string_view pattern;
  app::Action action;
};

// The route table in the order requests are matched, for the test that the API definition
// (docs/openapi.yaml) lists every route and nothing else. HEAD is served wherever GET is.
std::vector<RouteInfo> ListRoutes();

// Routes requests to the resources (one file each, over routing.h) and through app::App.
// Thread-safe: Handle may run on many threads.
class Api {
 public:
  explicit Api(app::App& app, ApiLimits limits = {});
  ~Api();
  Api(const Api&) = delete;
  Api& operator=(const Api&) = delete;

  ApiResponse Handle(const ApiRequest& request);

  const ApiLimits& limits() const noexcept { return limits_; }
  app::App& app() noexcept { return app_; }

 private:
  ApiResponse Dispatch(const ApiRequest& request, std::string& route_name);

  app::App& app_;
  const ApiLimits limits_;
  std::unique_ptr<Webhooks> webhooks_;  // delivers alerts while the API exists
};

}  // namespace truce::server
