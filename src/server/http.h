// The HTTP adapter: serves an Api over HTTP/1.1 (Boost.Beast on Asio, event-driven: one I/O
// thread, handlers on a fixed worker pool), plus a small client used by `truce verify --server`
// and the tests. docs/server.md ("HTTP server") describes the limits and what each refusal
// looks like on the wire.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/api.h"
#include "truce/result.h"

namespace truce::server {

struct ServerOptions {
  std::string host = "127.0.0.1";  // never all interfaces unless asked
  int port = 8080;                 // 0 picks a free port
  std::string web_root;            // static files served at / when non-empty
  int threads = 8;                 // workers running Api::Handle

  // Absolute links (ApiRequest::base_url): this URL when set ("https://truce.example.org",
  // optionally with a path prefix), else "http://" + the listening address. Never the Host
  // header. With trust_forwarded, X-Forwarded-Proto (http or https) and X-Forwarded-Host
  // (a valid host[:port]) replace the scheme and host, and X-Forwarded-For (its last element)
  // is the client address for the per-address limit. Set it only behind a proxy that
  // overwrites these headers.
  std::string public_base_url;
  bool trust_forwarded = false;

  // Connections. When max_connections are open, a new one closes the connection that has
  // waited longest for a request (idle keep-alive, or a request head still arriving); when
  // every connection is busy with a request, the new one is closed at once.
  size_t max_connections = 1000;
  size_t max_header_bytes = 16 << 10;                // request line + headers; beyond: 431
  std::chrono::milliseconds header_timeout{10'000};  // the whole head, from its first byte
  std::chrono::milliseconds idle_timeout{30'000};    // keep-alive, between requests
  // Reading a body and writing a response may take header_timeout plus the time this rate
  // needs for the bytes: a slower peer is cut off.
  size_t min_bytes_per_second = 16 << 10;
  // Request bodies held in memory at once, over all connections (each request reserves its
  // Content-Length, or max_body_bytes when chunked); beyond: 503.
  size_t max_buffered_body_bytes = size_t{256} << 20;

  // Admission in front of the workers. Requests waiting for a worker beyond max_queue: 503
  // "unavailable". Requests in progress or waiting per client address, and per token (the
  // Authorization header) when one is sent, beyond their limit: 429 "too_many_requests".
  // Both carry Retry-After: retry_after_seconds. GET /healthz is exempt: it has a lane (one
  // thread) of its own.
  size_t max_queue = 64;
  size_t max_per_address = 16;
  size_t max_per_token = 8;
  int retry_after_seconds = 1;
  // Event streams (Server-Sent Events, /api/v1/alerts/stream): at most this many open at once
  // (beyond: 503); each gets a comment line after this much silence, so that proxies keep it
  // and a client gone away is noticed. A stream whose client reads slower than events come
  // (more than max_stream_backlog_bytes waiting) is closed; it resumes with Last-Event-ID.
  size_t max_streams = 64;
  std::chrono::milliseconds stream_heartbeat{15'000};
  size_t max_stream_backlog_bytes = size_t{8} << 20;

  // Tests only: runs on the worker (or the /healthz lane) before Api::Handle, a stand-in for a
  // slow or throwing handler.
  std::function<void(const ApiRequest&)> before_handle;
};

// Checks a URL as ServerOptions::public_base_url takes it: http[s]://HOST[:PORT][/PREFIX],
// without user info, query or fragment. kInvalidArgument saying what is wrong.
[[nodiscard]] Status CheckPublicBaseUrl(std::string_view url);

// An HTTP server bound to one address. Thread-safe: Stop() may be called from any thread,
// including a signal-handling one.
class HttpServer {
 public:
  HttpServer(Api& api, ServerOptions options);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds the listening socket; returns the port (the chosen one when options.port is 0).
  // Raises the process's soft limit of open files, within the hard limit, to what
  // max_connections needs. kIo when the address cannot be bound; kInvalidArgument when
  // public_base_url is malformed.
  [[nodiscard]] Result<int> Bind();
  // Serves until Stop(), on the calling thread (the I/O thread) and the workers it starts.
  // Returns when they have all finished. REQUIRES: Bind() succeeded; called at most once.
  void Run();
  // Stops accepting and serving; requests being handled finish, unanswered. Returns at once.
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

// A POST of `body` (application/json) with extra `headers`, within `timeout` (connect and
// read each). For webhooks. kIo when the server cannot be reached.
[[nodiscard]] Result<HttpReply> HttpPost(
    const std::string& base_url, const std::string& path, const std::string& body,
    const std::vector<std::pair<std::string, std::string>>& headers,
    std::chrono::milliseconds timeout);

}  // namespace truce::server
