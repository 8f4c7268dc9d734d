// The HTTP adapter: serves an Api over cpp-httplib (this is the one translation unit that
// includes httplib.h), plus a small client used by `truce verify --server` and the tests.
#pragma once

#include <memory>
#include <string>

#include "server/api.h"
#include "truce/result.h"

namespace truce::server {

struct ServerOptions {
  std::string host = "127.0.0.1";  // never all interfaces unless asked
  int port = 8080;                 // 0 picks a free port
  std::string web_root;            // static files served at / when non-empty
  int threads = 8;
};

// An HTTP server bound to one address. Thread-safe: Stop() may be called from any thread,
// including a signal-handling one.
class HttpServer {
 public:
  HttpServer(Api& api, ServerOptions options);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds the listening socket; returns the port (the chosen one when options.port is 0).
  // kIo when the address cannot be bound.
  [[nodiscard]] Result<int> Bind();
  // Serves until Stop(). REQUIRES: Bind() succeeded.
  void Run();
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

struct HttpReply {
  int status = 0;
  std::string content_type;
  std::string body;
};

// One request to `base_url` ("http://host:port"). kIo when the server cannot be reached or the
// URL is malformed; any HTTP status is a reply, not an error.
[[nodiscard]] Result<HttpReply> HttpRequest(const std::string& method, const std::string& base_url,
                                            const std::string& path, const std::string& token = "",
                                            const std::string& body = "",
                                            const std::string& content_type = "application/json");

}  // namespace truce::server
