// The HTTP server: Boost.Beast on one Asio I/O thread that never waits for a handler.
//
// A connection is a small state machine on the I/O thread: wait for a request (idle timeout),
// read its head (header deadline, size limit), read its body (deadline proportional to its
// size), hand the request to a worker (or answer it at once: static files, refusals), write
// the response (deadline proportional to its size), and go round again or close. One timer per
// connection enforces whichever deadline applies; when it fires the socket is closed.
//
// Everything that counts (open connections, requests per client, buffered body bytes) lives on
// the I/O thread and needs no lock. The worker pools are the only state shared with other
// threads, and they talk back only by posting a completion to the I/O thread.
#include "server/http.h"

#include <sys/resource.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <list>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <variant>
#include <vector>

#include <fmt/format.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "server/http_target.h"

namespace truce::server {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace fs = std::filesystem;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

using StringResponse = http::response<http::string_body>;
using FileResponse = http::response<http::file_body>;
using Response = std::variant<StringResponse, FileResponse>;

// Closing after an error while the peer may still be sending: the rest of its request is read
// and dropped for this long, so that it sees the response rather than a connection reset.
constexpr auto kLingerTime = std::chrono::seconds(2);
// Accepting again after a failure (out of file descriptors, say) waits this long.
constexpr auto kAcceptRetry = std::chrono::milliseconds(100);
// Requests waiting for the /healthz lane.
constexpr size_t kHealthQueue = 64;

// A fixed set of threads taking tasks from a bounded queue. Thread-safe.
class WorkerPool {
 public:
  using Task = std::function<void()>;
  WorkerPool(size_t threads, size_t capacity) : thread_count_(threads), capacity_(capacity) {}
  ~WorkerPool() { Shutdown(); }
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void Start() {
    for (size_t i = 0; i < thread_count_; ++i) threads_.emplace_back([this] { Loop(); });
  }

  // Queues `task` unless `capacity` tasks are already waiting or the pool is shut down.
  [[nodiscard]] bool TryPost(Task task) {
    {
      std::lock_guard lock(mu_);
      if (stopped_ || queue_.size() >= capacity_) return false;
      queue_.push_back(std::move(task));
    }
    cv_.notify_one();
    return true;
  }

  // Stops taking tasks, waits for the running ones, and destroys the waiting ones unrun on
  // the calling thread.
  void Shutdown() {
    std::deque<Task> dropped;
    {
      std::lock_guard lock(mu_);
      stopped_ = true;
      dropped.swap(queue_);
    }
    cv_.notify_all();
    for (std::thread& t : threads_) t.join();
    threads_.clear();
  }

 private:
  void Loop() {
    for (;;) {
      Task task;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [this] { return stopped_ || !queue_.empty(); });
        if (stopped_) return;
        task = std::move(queue_.front());
        queue_.pop_front();
      }
      task();
    }
  }

  const size_t thread_count_;
  const size_t capacity_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Task> queue_;
  bool stopped_ = false;
  std::vector<std::thread> threads_;
};

// The duration `bytes` take at `rate` bytes per second, on top of `base`.
SteadyClock::duration Allowance(std::chrono::milliseconds base, uint64_t bytes, size_t rate) {
  return base + std::chrono::milliseconds(bytes * 1000 / std::max<size_t>(rate, 1));
}

// The JSON error of `status`, with Retry-After when given.
ApiResponse Refusal(ErrorCode code, std::string message, int retry_after = 0) {
  ApiResponse r = ErrorResponse(MakeError(code, std::move(message)));
  if (retry_after > 0) {
    std::erase_if(r.headers, [](const auto& h) { return h.first == "Retry-After"; });
    r.headers.emplace_back("Retry-After", std::to_string(retry_after));
  }
  return r;
}

std::string_view Text(beast::string_view s) { return {s.data(), s.size()}; }

bool HasLineBreak(std::string_view s) { return s.find_first_of("\r\n") != std::string_view::npos; }

StringResponse ToBeast(ApiResponse r, unsigned version, bool keep_alive, bool head) {
  StringResponse res;
  res.version(version);
  res.result(static_cast<unsigned>(r.status));
  res.set(http::field::content_type, r.content_type);
  for (const auto& [name, value] : r.headers) {
    if (!name.empty() && !HasLineBreak(name) && !HasLineBreak(value)) res.insert(name, value);
  }
  const bool bodiless = r.status / 100 == 1 || r.status == 204 || r.status == 304;
  if (!bodiless) res.body() = std::move(r.body);
  res.keep_alive(keep_alive);
  res.prepare_payload();
  if (head) res.body().clear();  // Content-Length stays that of the GET
  return res;
}

class Connection;

// The server proper; HttpServer::Impl is this.
class Server {
 public:
  Server(Api& api, ServerOptions options)
      : api_(api),
        options_(std::move(options)),
        workers_(static_cast<size_t>(std::max(1, options_.threads)), options_.max_queue),
        health_(1, kHealthQueue) {}

  Result<int> Bind();
  void Run();
  void Stop() {
    stopping_ = true;
    io_.stop();
  }

  const ServerOptions& options() const { return options_; }
  size_t max_body_bytes() const { return api_.limits().max_body_bytes; }
  const fs::path& web_root() const { return web_root_; }
  bool stopping() const { return stopping_; }
  asio::io_context& io() { return io_; }

  // --- I/O thread only ------------------------------------------------------------------------

  std::list<Connection*>::iterator Register(Connection* c) {
    return connections_.insert(connections_.end(), c);
  }
  void Unregister(std::list<Connection*>::iterator it) { connections_.erase(it); }

  // Reserves `bytes` of the body budget; false when that would exceed it.
  [[nodiscard]] bool ReserveBody(size_t bytes) {
    if (bytes > options_.max_buffered_body_bytes - buffered_body_bytes_) return false;
    buffered_body_bytes_ += bytes;
    return true;
  }
  void ReleaseBody(size_t bytes) { buffered_body_bytes_ -= bytes; }

  // Event streams open: one more, unless at the limit.
  [[nodiscard]] bool AdmitStream() {
    if (streams_ >= options_.max_streams) return false;
    ++streams_;
    return true;
  }
  void ReleaseStream() { --streams_; }

  struct ClientKey {
    std::string key;
    size_t limit;
    std::string_view what;  // "address" or "token"
  };
  // Counts one more request against each key, or returns the 429 when one is at its limit.
  std::optional<ApiResponse> Admit(const std::vector<ClientKey>& keys) {
    for (const ClientKey& k : keys) {
      const auto it = in_flight_.find(k.key);
      if (it != in_flight_.end() && it->second >= k.limit) {
        return Refusal(ErrorCode::kTooManyRequests,
                       fmt::format("this client {} has {} requests in progress or waiting, the "
                                   "limit; retry after {} s",
                                   k.what, it->second, options_.retry_after_seconds),
                       options_.retry_after_seconds);
      }
    }
    for (const ClientKey& k : keys) ++in_flight_[k.key];
    return std::nullopt;
  }
  void Release(const std::vector<ClientKey>& keys) {
    for (const ClientKey& k : keys) {
      const auto it = in_flight_.find(k.key);
      if (it != in_flight_.end() && --it->second == 0) in_flight_.erase(it);
    }
  }

  // The base URL of absolute links for a request with these forwarded headers.
  std::string BaseUrlFor(std::string_view forwarded_proto, std::string_view forwarded_host) const {
    if (!options_.trust_forwarded) return base_url_;
    return detail::BaseUrl(base_url_, forwarded_proto, forwarded_host);
  }

  // Queues `request` for a worker (or the /healthz lane); `done` runs on the I/O thread with
  // the response. False when the queue is full (`done` is then not called).
  template <typename Done>
  [[nodiscard]] bool Submit(ApiRequest request, bool health, Done done) {
    auto task = [this, request = std::move(request), done = std::move(done)]() mutable {
      ApiResponse response = Handle(request);
      asio::post(io_, [done = std::move(done), response = std::move(response)]() mutable {
        done(std::move(response));
      });
    };
    return (health ? health_ : workers_).TryPost(std::move(task));
  }

 private:
  // Runs on a worker: the handler, with any exception as a 500.
  ApiResponse Handle(const ApiRequest& request) {
    try {
      if (options_.before_handle) options_.before_handle(request);
      return api_.Handle(request);
    } catch (const std::exception& e) {
      return ErrorResponse(
          MakeError(ErrorCode::kInternal, std::string("internal error: ") + e.what()));
    } catch (...) {
      return ErrorResponse(MakeError(ErrorCode::kInternal, "internal error: unknown exception"));
    }
  }

  void Accept();
  void OnAccept(beast::error_code ec, tcp::socket socket);
  // Makes room for one more connection; false when every open one is busy.
  bool MakeRoom();
  void Shutdown();

  // I/O thread only. Declared before io_ so that they outlive the handlers io_ may still hold
  // (and destroy) when it is destroyed.
  std::list<Connection*> connections_;
  std::unordered_map<std::string, size_t> in_flight_;
  size_t buffered_body_bytes_ = 0;
  size_t streams_ = 0;

  Api& api_;
  const ServerOptions options_;
  asio::io_context io_{1};
  tcp::acceptor acceptor_{io_};
  asio::steady_timer accept_retry_{io_};
  WorkerPool workers_;
  WorkerPool health_;
  std::atomic<bool> stopping_{false};
  fs::path web_root_;     // canonical; empty when no static files are served
  std::string base_url_;  // the public base URL, or http:// + the listening address
};

// One client connection. Lives on the I/O thread: every member function runs there, and the
// last reference is dropped there (workers hand theirs back through asio::post).
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(Server& server, tcp::socket socket, std::string address)
      : server_(server),
        socket_(std::move(socket)),
        timer_(server.io()),
        heartbeat_(server.io()),
        buffer_(std::max<size_t>(server.options().max_header_bytes, 8192) + 65536),
        address_(std::move(address)),
        registration_(server.Register(this)) {}
  ~Connection() { Close(); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void Start() {
    beast::error_code ec;
    socket_.set_option(tcp::no_delay(true), ec);
    waiting_since_ = SteadyClock::now();
    ReadHead();  // a new connection gets no idle time: its request is due now
  }

  // May make way for a new connection: waiting for a request, or closing.
  bool Evictable() const {
    return state_ == State::kWaiting || state_ == State::kReadingHead || state_ == State::kClosing;
  }
  SteadyClock::time_point waiting_since() const { return waiting_since_; }

  void Close() {
    if (state_ == State::kClosed) return;
    state_ = State::kClosed;
    server_.Unregister(registration_);
    timer_.cancel();
    heartbeat_.cancel();
    if (stream_) {
      server_.ReleaseStream();
      stream_.reset();  // unsubscribes: nothing wakes this connection any more
    }
    beast::error_code ec;
    socket_.close(ec);
    if (!in_handler_) ReleaseBody();
  }

 private:
  enum class State {
    kWaiting,
    kReadingHead,
    kReadingBody,
    kBusy,
    kWriting,
    kStreaming,
    kClosing,
    kClosed
  };

  void SetDeadline(SteadyClock::duration d) {
    timer_.expires_after(d);
    timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec || self->state_ == State::kClosed) return;
      if (self->timer_.expiry() > SteadyClock::now()) return;  // re-armed meanwhile
      self->Close();
    });
  }

  // Keep-alive: waits for the next request holding no parser and no buffer memory.
  void AwaitRequest() {
    state_ = State::kWaiting;
    waiting_since_ = SteadyClock::now();
    if (buffer_.size() > 0) return ReadHead();  // pipelined
    buffer_.shrink_to_fit();
    SetDeadline(server_.options().idle_timeout);
    socket_.async_wait(tcp::socket::wait_read, [self = shared_from_this()](beast::error_code ec) {
      if (self->state_ == State::kClosed) return;
      if (ec) return self->Close();
      self->ReadHead();
    });
  }

  void ReadHead() {
    state_ = State::kReadingHead;
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(server_.options().max_header_bytes));
    parser_->body_limit(server_.max_body_bytes());
    SetDeadline(server_.options().header_timeout);
    http::async_read_header(
        socket_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnHead(ec); });
  }

  void OnHead(beast::error_code ec) {
    if (state_ == State::kClosed) return;
    if (ec) return OnReadError(ec);
    const auto& req = parser_->get();
    version_ = req.version();
    if (parser_->chunked() || parser_->content_length().value_or(0) > 0) {
      const uint64_t length =
          parser_->chunked() ? server_.max_body_bytes() : *parser_->content_length();
      if (length > server_.max_body_bytes()) return PayloadTooLarge();
      if (!server_.ReserveBody(length)) {
        return Fail(Refusal(ErrorCode::kUnavailable,
                            fmt::format("the server holds {} MiB of request bodies, its limit; "
                                        "retry after {} s",
                                        server_.options().max_buffered_body_bytes >> 20,
                                        server_.options().retry_after_seconds),
                            server_.options().retry_after_seconds));
      }
      reserved_body_ = length;
      state_ = State::kReadingBody;
      SetDeadline(Allowance(server_.options().header_timeout, length,
                            server_.options().min_bytes_per_second));
      const auto expect = req[http::field::expect];
      if (beast::iequals(expect, "100-continue") && version_ >= 11) {
        static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
        return asio::async_write(socket_, asio::buffer(kContinue.data(), kContinue.size()),
                                 [self = shared_from_this()](beast::error_code e, size_t) {
                                   if (self->state_ == State::kClosed) return;
                                   if (e) return self->Close();
                                   self->ReadBody();
                                 });
      }
      return ReadBody();
    }
    OnRequest();
  }

  void ReadBody() {
    http::async_read(socket_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       if (self->state_ == State::kClosed) return;
                       if (ec) return self->OnReadError(ec);
                       self->OnRequest();
                     });
  }

  void OnReadError(beast::error_code ec) {
    if (state_ == State::kReadingHead &&
        (ec == http::error::header_limit || ec == http::error::buffer_overflow)) {
      return Fail(Refusal(ErrorCode::kHeaderTooLarge,
                          fmt::format("the request head is larger than the limit of {} bytes",
                                      server_.options().max_header_bytes)));
    }
    if (ec == http::error::body_limit) return PayloadTooLarge();
    // end_of_stream: the peer closed between requests; partial_message: in the middle of one.
    if (ec == http::error::end_of_stream || ec == http::error::partial_message ||
        ec.category() != http::make_error_code(http::error::bad_method).category()) {
      return Close();
    }
    Fail(Refusal(ErrorCode::kBadRequest, "malformed HTTP request: " + ec.message()));
  }

  void PayloadTooLarge() {
    Fail(Refusal(ErrorCode::kTooLarge,
                 fmt::format("the request body is larger than the limit of {} bytes",
                             server_.max_body_bytes())));
  }

  // The request is complete: answer it here (static files, refusals) or hand it to a worker.
  void OnRequest() {
    timer_.cancel();
    state_ = State::kBusy;
    auto& req = parser_->get();
    keep_alive_ = req.keep_alive();
    head_ = req.method() == http::verb::head;
    auto target = detail::ParseTarget(Text(req.target()));
    if (!target.ok()) return Reply(Refusal(ErrorCode::kBadRequest, target.error().message));
    const auto field = [&req](http::field f) { return std::string(Text(req[f])); };
    ApiRequest r;
    r.method = std::string(Text(req.method_string()));
    r.path = std::move(target->path);
    r.query = std::move(target->query);
    r.authorization = field(http::field::authorization);
    r.content_type = field(http::field::content_type);
    r.accept = field(http::field::accept);
    r.base_url = server_.BaseUrlFor(Text(req["X-Forwarded-Proto"]), Text(req["X-Forwarded-Host"]));
    r.body = std::move(req.body());
    r.last_event_id = std::string(Text(req["Last-Event-ID"]));
    const bool get = req.method() == http::verb::get || head_;
    std::string client = address_;
    if (server_.options().trust_forwarded) {
      std::string forwarded = detail::ForwardedClientAddress(Text(req["X-Forwarded-For"]));
      if (!forwarded.empty()) client = std::move(forwarded);
    }
    parser_.reset();

    if (get && (r.path == "/healthz" || r.path == "/healthz/")) {
      return Dispatch(std::move(r), /*health=*/true, {});
    }
    if (get && !server_.web_root().empty() && !detail::IsApiPath(r.path) && ServeStatic(r.path)) {
      return;
    }
    std::vector<Server::ClientKey> keys = {
        {"a " + client, server_.options().max_per_address, "address"}};
    if (!r.authorization.empty()) {
      keys.push_back({"t " + std::to_string(std::hash<std::string>{}(r.authorization)),
                      server_.options().max_per_token, "token"});
    }
    if (auto refusal = server_.Admit(keys)) return Reply(std::move(*refusal));
    Dispatch(std::move(r), /*health=*/false, std::move(keys));
  }

  void Dispatch(ApiRequest r, bool health, std::vector<Server::ClientKey> keys) {
    in_handler_ = true;
    auto done = [self = shared_from_this(), keys](ApiResponse response) mutable {
      self->server_.Release(keys);
      self->in_handler_ = false;
      self->ReleaseBody();
      if (self->state_ == State::kClosed || self->server_.stopping()) return;
      self->Reply(std::move(response));
    };
    if (server_.Submit(std::move(r), health, std::move(done))) return;
    in_handler_ = false;
    server_.Release(keys);
    ReleaseBody();
    const int retry = server_.options().retry_after_seconds;
    Reply(Refusal(ErrorCode::kUnavailable,
                  fmt::format("the server is busy: {} requests are waiting; retry after {} s",
                              health ? kHealthQueue : server_.options().max_queue, retry),
                  retry));
  }

  // Serves the file `path` names under the web root; false when there is none (the API then
  // answers, with its 404).
  bool ServeStatic(const std::string& path) {
    const detail::StaticFile f = detail::ResolveStaticFile(server_.web_root(), path);
    if (f.kind == detail::StaticFile::Kind::kMissing) return false;
    if (f.kind == detail::StaticFile::Kind::kRefused) {
      Reply(Refusal(f.status == 404 ? ErrorCode::kNotFound : ErrorCode::kBadRequest, f.reason));
      return true;
    }
    beast::error_code ec;
    http::file_body::value_type body;
    body.open(f.file.c_str(), beast::file_mode::scan, ec);
    if (ec) return false;
    const uint64_t size = body.size();
    if (head_) {
      StringResponse res{http::status::ok, version_};
      res.set(http::field::content_type, std::string(f.content_type));
      res.set("X-Content-Type-Options", "nosniff");
      res.keep_alive(keep_alive_);
      res.content_length(size);
      Write(std::move(res), size);
      return true;
    }
    FileResponse res{http::status::ok, version_};
    res.set(http::field::content_type, std::string(f.content_type));
    res.set("X-Content-Type-Options", "nosniff");
    res.keep_alive(keep_alive_);
    res.body() = std::move(body);
    res.prepare_payload();
    Write(std::move(res), size);
    return true;
  }

  void Reply(ApiResponse response) {
    if (response.stream && !head_) return StartStream(std::move(response));
    const size_t size = response.body.size();
    Write(ToBeast(std::move(response), version_, keep_alive_, head_), size);
  }

  // --- Event streams (Server-Sent Events) ------------------------------------------------------
  // The response head and body, then the stream's text as it wakes this connection, and a
  // heartbeat after each silence, until the client goes (a read sees it), a write stalls (the
  // deadline), the backlog overflows, or the server stops (Shutdown closes every connection).
  // Nothing here waits: the stream's wake only posts Pump to the I/O thread.
  void StartStream(ApiResponse response) {
    if (!server_.AdmitStream()) {
      const int retry = server_.options().retry_after_seconds;
      return Reply(Refusal(ErrorCode::kUnavailable,
                           fmt::format("the server holds its limit of {} event streams; retry "
                                       "after {} s",
                                       server_.options().max_streams, retry),
                           retry));
    }
    state_ = State::kStreaming;
    keep_alive_ = false;
    if (!in_handler_) ReleaseBody();
    stream_ = std::move(response.stream);
    std::string head = fmt::format("{} 200 OK\r\nContent-Type: {}\r\nConnection: close\r\n",
                                   version_ == 10 ? "HTTP/1.0" : "HTTP/1.1", response.content_type);
    for (const auto& [name, value] : response.headers) {
      if (!name.empty() && !HasLineBreak(name) && !HasLineBreak(value)) {
        head += fmt::format("{}: {}\r\n", name, value);
      }
    }
    pending_ = head + "\r\n" + response.body;
    std::weak_ptr<Connection> weak = weak_from_this();
    asio::io_context& io = server_.io();
    stream_->OnReady([weak, &io] {
      asio::post(io, [weak] {
        if (auto self = weak.lock()) self->Pump();
      });
    });
    Pump();  // what is already there: a resumed stream's missed events
    Heartbeat();
    WatchPeer();
  }

  void Pump() {
    if (state_ != State::kStreaming) return;
    for (std::string text = stream_->Take(); !text.empty(); text = stream_->Take()) {
      pending_ += text;
      if (pending_.size() > server_.options().max_stream_backlog_bytes) return Close();
    }
    Flush();
  }

  void Flush() {
    if (writing_ || pending_.empty() || state_ != State::kStreaming) return;
    writing_ = true;
    out_ = std::move(pending_);
    pending_.clear();
    SetDeadline(Allowance(server_.options().header_timeout, out_.size(),
                          server_.options().min_bytes_per_second));
    asio::async_write(socket_, asio::buffer(out_),
                      [self = shared_from_this()](beast::error_code ec, size_t) {
                        self->writing_ = false;
                        if (self->state_ != State::kStreaming) return;
                        if (ec) return self->Close();
                        self->timer_.cancel();
                        self->out_.clear();
                        self->Flush();
                      });
  }

  void Heartbeat() {
    heartbeat_.expires_after(server_.options().stream_heartbeat);
    heartbeat_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec || self->state_ != State::kStreaming) return;
      if (!self->writing_ && self->pending_.empty()) self->pending_ = ": heartbeat\n\n";
      self->Flush();
      self->Heartbeat();
    });
  }

  // A stream's client sends nothing more; reading sees it close at once.
  void WatchPeer() {
    buffer_.clear();
    socket_.async_read_some(buffer_.prepare(4096),
                            [self = shared_from_this()](beast::error_code ec, size_t) {
                              if (self->state_ != State::kStreaming) return;
                              if (ec) return self->Close();
                              self->WatchPeer();
                            });
  }

  // An error that ends the connection: the response, then a lingering close.
  void Fail(ApiResponse response) {
    keep_alive_ = false;
    ReleaseBody();
    head_ = false;
    Reply(std::move(response));
  }

  void Write(Response response, uint64_t size) {
    state_ = State::kWriting;
    if (!in_handler_) ReleaseBody();  // the request body is gone
    response_ = std::move(response);
    SetDeadline(
        Allowance(server_.options().header_timeout, size, server_.options().min_bytes_per_second));
    std::visit(
        [this](auto& res) {
          http::async_write(
              socket_, res,
              [self = shared_from_this()](beast::error_code ec, size_t) { self->OnWrite(ec); });
        },
        *response_);
  }

  void OnWrite(beast::error_code ec) {
    response_.reset();
    if (state_ == State::kClosed) return;
    if (ec) return Close();
    if (!keep_alive_) return Linger();
    AwaitRequest();
  }

  // Sends FIN, then reads and drops whatever the peer still sends until it closes or the
  // linger time is up: closing with unread data would reset the connection, and the peer could
  // lose the response it has not read yet.
  void Linger() {
    state_ = State::kClosing;
    waiting_since_ = SteadyClock::now() - std::chrono::hours(1);  // evicted first
    parser_.reset();
    beast::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_send, ec);
    if (ec) return Close();
    SetDeadline(kLingerTime);
    Drain();
  }

  void Drain() {
    buffer_.clear();
    socket_.async_read_some(buffer_.prepare(65536),
                            [self = shared_from_this()](beast::error_code ec, size_t) {
                              if (self->state_ == State::kClosed) return;
                              if (ec) return self->Close();
                              self->Drain();
                            });
  }

  void ReleaseBody() {
    server_.ReleaseBody(reserved_body_);
    reserved_body_ = 0;
  }

  Server& server_;
  tcp::socket socket_;
  asio::steady_timer timer_;
  asio::steady_timer heartbeat_;  // event streams
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<Response> response_;
  // Event streams: the stream, the text waiting and the text being written.
  std::shared_ptr<EventStream> stream_;
  std::string pending_, out_;
  bool writing_ = false;
  const std::string address_;
  const std::list<Connection*>::iterator registration_;
  State state_ = State::kWaiting;
  SteadyClock::time_point waiting_since_;
  unsigned version_ = 11;
  bool keep_alive_ = false;
  bool head_ = false;
  bool in_handler_ = false;
  size_t reserved_body_ = 0;
};

Result<int> Server::Bind() {
  if (!options_.public_base_url.empty()) {
    auto url = detail::NormalizePublicBaseUrl(options_.public_base_url);
    if (!url.ok()) return std::move(url).error();
    base_url_ = std::move(url).value();
  }
  if (!options_.web_root.empty()) {
    std::error_code ec;
    const fs::path root = fs::canonical(options_.web_root, ec);
    if (!ec && fs::is_directory(root, ec)) web_root_ = root;
  }
  // Descriptors for every connection and a file each (static files), within the hard limit.
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur != RLIM_INFINITY) {
    const rlim_t wanted = 2 * static_cast<rlim_t>(options_.max_connections) + 64;
    if (files.rlim_cur < wanted) {
      files.rlim_cur = files.rlim_max == RLIM_INFINITY ? wanted : std::min(wanted, files.rlim_max);
      (void)setrlimit(RLIMIT_NOFILE, &files);
    }
  }
  const std::string where = fmt::format("{}:{}", options_.host, options_.port);
  beast::error_code ec;
  tcp::resolver resolver(io_);
  const auto endpoints =
      resolver.resolve(options_.host, std::to_string(options_.port),
                       tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || endpoints.empty()) {
    return MakeError(ErrorCode::kIo, fmt::format("cannot listen on {}: {}", where,
                                                 ec ? ec.message() : "no such address"));
  }
  const tcp::endpoint endpoint = endpoints.begin()->endpoint();
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    acceptor_.close();
    return MakeError(ErrorCode::kIo,
                     fmt::format("cannot listen on {}: {} (in use, or not an address of this "
                                 "machine)",
                                 where, ec.message()));
  }
  const int port = acceptor_.local_endpoint(ec).port();
  if (base_url_.empty()) {
    const std::string host = endpoint.address().to_string();
    base_url_ = endpoint.address().is_v6() ? fmt::format("http://[{}]:{}", host, port)
                                           : fmt::format("http://{}:{}", host, port);
  }
  return port;
}

void Server::Run() {
  workers_.Start();
  health_.Start();
  Accept();
  for (;;) {
    // An exception escaping a handler is a bug; it costs the connection, never the server.
    try {
      io_.run();
      break;
    } catch (const std::exception& e) {
      fmt::print(stderr, "truce serve: internal error on the I/O thread: {}\n", e.what());
    }
  }
  Shutdown();
}

void Server::Shutdown() {
  stopping_ = true;
  beast::error_code ec;
  acceptor_.close(ec);
  accept_retry_.cancel();
  for (Connection* c : std::vector<Connection*>(connections_.begin(), connections_.end())) {
    c->Close();
  }
  workers_.Shutdown();
  health_.Shutdown();
  // Completions still queued (aborted reads, responses of finished handlers) run and find their
  // connection closed; this releases the last references.
  io_.restart();
  io_.poll();
}

void Server::Accept() {
  acceptor_.async_accept(
      [this](beast::error_code ec, tcp::socket socket) { OnAccept(ec, std::move(socket)); });
}

void Server::OnAccept(beast::error_code ec, tcp::socket socket) {
  if (stopping_ || !acceptor_.is_open()) return;
  if (ec) {
    // Out of descriptors: close the connection that has waited longest and accept again.
    if ((ec == asio::error::no_descriptors || ec == asio::error::no_buffer_space) && MakeRoom()) {
      return Accept();
    }
    // Otherwise (or when every connection is busy) try again shortly rather than spinning.
    accept_retry_.expires_after(kAcceptRetry);
    accept_retry_.async_wait([this](beast::error_code e) {
      if (!e) Accept();
    });
    return;
  }
  if (connections_.size() >= options_.max_connections && !MakeRoom()) {
    socket.close(ec);
  } else {
    const tcp::endpoint remote = socket.remote_endpoint(ec);
    if (!ec) {
      std::make_shared<Connection>(*this, std::move(socket), remote.address().to_string())->Start();
    }
  }
  Accept();
}

bool Server::MakeRoom() {
  Connection* oldest = nullptr;
  for (Connection* c : connections_) {
    if (c->Evictable() && (!oldest || c->waiting_since() < oldest->waiting_since())) oldest = c;
  }
  if (!oldest) return false;
  oldest->Close();
  return true;
}

}  // namespace

Status CheckPublicBaseUrl(std::string_view url) {
  auto normalized = detail::NormalizePublicBaseUrl(url);
  if (!normalized.ok()) return std::move(normalized).error();
  return Status::Ok();
}

struct HttpServer::Impl : Server {
  using Server::Server;
};

HttpServer::HttpServer(Api& api, ServerOptions options)
    : impl_(std::make_unique<Impl>(api, std::move(options))) {}

HttpServer::~HttpServer() { Stop(); }

Result<int> HttpServer::Bind() { return impl_->Bind(); }

void HttpServer::Run() { impl_->Run(); }

void HttpServer::Stop() { impl_->Stop(); }

}  // namespace truce::server
