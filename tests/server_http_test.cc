// The HTTP layer under attack and at its edges, over raw sockets against a real server on
// 127.0.0.1 (port 0) with a real SQLite file: slow and idle clients, workers kept busy,
// per-client limits, malformed lengths and heads, static-file escapes, Host-header injection,
// public links, keep-alive. "Within 1 s" below is a liveness bound (the answer would otherwise
// never come, or come after the attacker let go), not a speed measurement.
#include <sys/resource.h>
#include <sys/wait.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "raw_http_client.h"
#include "server_harness.h"

namespace truce::testing {
namespace {

using namespace std::chrono_literals;
using app::Role;

// Holds the requests that ask for it (`?slow`) on their worker until opened.
class Gate {
 public:
  void Enter() {
    std::unique_lock lock(mu_);
    ++waiting_;
    cv_.notify_all();
    cv_.wait_for(lock, 60s, [this] { return open_; });  // a failed test still ends
    --waiting_;
  }
  // True when `n` requests are held within `timeout`.
  bool AwaitHeld(int n, std::chrono::milliseconds timeout = 5s) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return waiting_ >= n; });
  }
  int held() {
    std::lock_guard lock(mu_);
    return waiting_;
  }
  void Open() {
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int waiting_ = 0;
  bool open_ = false;
};

// A server with the given HTTP options over a fresh database. The test-only hook holds
// `?slow` requests at the gate and throws for `?boom`.
class HttpHarness {
 public:
  explicit HttpHarness(server::ServerOptions options = {}, HarnessLimits limits = {}) {
    options.before_handle = [gate = gate_](const server::ApiRequest& r) {
      if (r.query.contains("slow")) gate->Enter();
      if (r.query.contains("boom")) throw std::runtime_error("the handler stand-in failed");
    };
    server_ = std::make_unique<ServerHarness>((dir_.path() / "truce.db").string(), limits, "",
                                              std::move(options));
  }
  ~HttpHarness() {
    gate_->Open();
    server_.reset();
  }

  int port() const { return server_->port(); }
  Gate& gate() { return *gate_; }
  std::string Token(Role role) { return server_->Token(role); }

  // One request on a fresh connection, answered within `timeout` (nullopt otherwise).
  std::optional<RawResponse> Exchange(const std::string& raw,
                                      std::chrono::milliseconds timeout = 1s, bool head = false) {
    RawClient c(port());
    if (!c.connected() || !c.Send(raw)) return std::nullopt;
    return c.Read(timeout, head);
  }
  std::optional<RawResponse> Get(const std::string& target, const std::string& extra = "") {
    return Exchange("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra + "\r\n");
  }

 private:
  TempDir dir_;
  std::shared_ptr<Gate> gate_ = std::make_shared<Gate>();
  std::unique_ptr<ServerHarness> server_;
};

std::string ErrorCodeOf(const RawResponse& r) {
  const json body = json::parse(r.body, nullptr, false);
  return body.is_object() && body.contains("error") ? body["error"].value("code", "") : "";
}

// Both probes of liveness: /healthz and an ordinary API read, each from a fresh client.
void ExpectLive(HttpHarness& server, const char* when) {
  auto health = server.Get("/healthz");
  ASSERT_TRUE(health.has_value()) << "/healthz not answered within 1 s " << when;
  EXPECT_EQ(health->status, 200) << when;
  auto head = server.Get("/api/v1/log/head");
  ASSERT_TRUE(head.has_value()) << "GET /api/v1/log/head not answered within 1 s " << when;
  EXPECT_EQ(head->status, 200) << when;
}

// --- Slow and idle clients ----------------------------------------------------------------------

TEST(ServerHttpTest, SlowlorisAndIdleSocketsStarveNobodyAndAreCutOff) {
  server::ServerOptions options;
  options.header_timeout = 6s;
  HttpHarness server(options);
  std::vector<std::unique_ptr<RawClient>> idle, slow;
  for (int i = 0; i < 200; ++i) {
    idle.push_back(std::make_unique<RawClient>(server.port()));
    ASSERT_TRUE(idle.back()->connected());
  }
  for (int i = 0; i < 16; ++i) {
    slow.push_back(std::make_unique<RawClient>(server.port()));
    ASSERT_TRUE(slow.back()->Send("GET /api/v1/log/head HTTP/1.1\r\nHost: x\r\n"));
  }
  // One more header line every 2 s on each slow connection, as long as it stays open.
  std::atomic<bool> done = false;
  std::thread trickle([&] {
    for (int line = 0; !done; ++line) {
      for (int i = 0; i < 20 && !done; ++i) std::this_thread::sleep_for(100ms);
      for (auto& c : slow) (void)c->Send(fmt::format("X-Slow-{}: still here\r\n", line));
    }
  });
  ExpectLive(server, "with 200 idle and 16 slow connections open");
  std::this_thread::sleep_for(2s);
  ExpectLive(server, "2 s later");
  std::this_thread::sleep_for(2s);
  ExpectLive(server, "4 s later");
  // The header deadline (6 s from the first byte) ends every slow and every idle connection.
  for (auto& c : slow)
    EXPECT_TRUE(c->ClosedWithin(10s)) << "a slow connection outlived its deadline";
  for (auto& c : idle)
    EXPECT_TRUE(c->ClosedWithin(5s)) << "an idle connection outlived its deadline";
  done = true;
  trickle.join();
  ExpectLive(server, "after the deadline");
}

TEST(ServerHttpTest, WhenFullTheLongestWaitingConnectionMakesRoom) {
  server::ServerOptions options;
  options.max_connections = 8;
  HttpHarness server(options);
  std::vector<std::unique_ptr<RawClient>> idle;
  for (int i = 0; i < 8; ++i) {
    idle.push_back(std::make_unique<RawClient>(server.port()));
    std::this_thread::sleep_for(20ms);  // accepted in this order
  }
  ExpectLive(server, "with every connection slot taken by an idle client");
  // The first probe closed the oldest idle connection; the second one the next oldest, or
  // nothing when the first probe's connection was gone by then.
  EXPECT_TRUE(idle[0]->ClosedWithin(1s));
  for (size_t i = 2; i < idle.size(); ++i) EXPECT_FALSE(idle[i]->ClosedWithin(50ms)) << i;
}

size_t OpenDescriptors() {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator("/proc/self/fd")) ++n;
  return n - 1;  // the iterator's own
}

TEST(ServerHttpTest, OutOfDescriptorsTheLongestWaitingConnectionMakesRoom) {
  rlimit before{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &before), 0);
  server::ServerOptions options;
  options.max_connections = 1000;
  HttpHarness server(options);
  rlimit raised{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &raised), 0);
  EXPECT_GE(raised.rlim_cur, std::min<rlim_t>(2064, raised.rlim_max)) << "Bind raises the limit";
  // Room for 10 idle connections (a descriptor each in this process and in the server) and
  // the probe's own socket: accepting the probe finds no descriptor left.
  constexpr int kIdle = 10;
  rlimit tight = raised;
  tight.rlim_cur = OpenDescriptors() + 2 * kIdle + 1;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &tight), 0);
  std::vector<std::unique_ptr<RawClient>> idle;
  for (int i = 0; i < kIdle; ++i) {
    idle.push_back(std::make_unique<RawClient>(server.port()));
    std::this_thread::sleep_for(20ms);
  }
  auto probe = server.Get("/healthz");
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &before), 0);
  ASSERT_TRUE(probe.has_value()) << "no answer with the descriptors used up";
  EXPECT_EQ(probe->status, 200);
  EXPECT_TRUE(idle[0]->ClosedWithin(1s));
  ExpectLive(server, "with descriptors again");
}

TEST(ServerHttpTest, WhenEveryConnectionIsBusyANewOneIsClosed) {
  server::ServerOptions options;
  options.max_connections = 2;
  options.threads = 2;
  HttpHarness server(options);
  RawClient a(server.port()), b(server.port());
  ASSERT_TRUE(a.Send("GET /api/v1/log/head?slow HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(b.Send("GET /api/v1/log/head?slow HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(server.gate().AwaitHeld(2));
  RawClient refused(server.port());
  (void)refused.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_TRUE(refused.ClosedWithin(1s));
  server.gate().Open();
  for (RawClient* c : {&a, &b}) {
    auto r = c->Read(5s);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->status, 200);
  }
  ExpectLive(server, "after the busy connections were answered");
}

TEST(ServerHttpTest, IdleKeepAliveAndSlowBodiesAreCutOff) {
  server::ServerOptions options;
  options.idle_timeout = 500ms;
  options.header_timeout = 1s;
  options.min_bytes_per_second = 1000;
  HttpHarness server(options);
  RawClient kept(server.port());
  ASSERT_TRUE(kept.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(kept.Read().has_value());
  EXPECT_TRUE(kept.ClosedWithin(3s)) << "an idle keep-alive connection stayed open";
  // 100 bytes announced, 10 sent: the deadline is 1 s + 100 bytes at 1000 B/s.
  RawClient body(server.port());
  ASSERT_TRUE(
      body.Send("POST /api/v1/reports HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                "Content-Length: 100\r\n\r\n[{\"event_i"));
  EXPECT_FALSE(body.ClosedWithin(500ms));
  EXPECT_TRUE(body.ClosedWithin(3s)) << "a stalled body outlived its deadline";
}

// --- Busy workers -------------------------------------------------------------------------------

TEST(ServerHttpTest, BusyWorkersLeaveHealthzAnsweredAndRefuseTheExcessWith503) {
  server::ServerOptions options;
  options.threads = 4;
  options.max_queue = 4;
  options.max_per_address = 100;
  options.retry_after_seconds = 3;
  HttpHarness server(options);
  const std::string slow = "GET /api/v1/log/head?slow HTTP/1.1\r\nHost: x\r\n\r\n";
  std::vector<std::unique_ptr<RawClient>> clients;
  for (int i = 0; i < 16; ++i) clients.push_back(std::make_unique<RawClient>(server.port()));
  // Four occupy the workers, four wait in the queue, eight find it full.
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(clients[i]->Send(slow));
  ASSERT_TRUE(server.gate().AwaitHeld(4));
  for (int i = 4; i < 16; ++i) ASSERT_TRUE(clients[i]->Send(slow));
  // Which of the twelve find the queue full depends on the order the server reads them in.
  // A refusal is written as soon as the request is read: give the server 1 s for all twelve.
  std::this_thread::sleep_for(1s);
  std::vector<RawClient*> queued;
  int refused = 0;
  for (int i = 4; i < 16; ++i) {
    auto r = clients[i]->Read(100ms);
    if (!r) {
      queued.push_back(clients[i].get());
      continue;
    }
    EXPECT_EQ(r->status, 503);
    EXPECT_EQ(r->Header("retry-after"), "3");
    EXPECT_EQ(ErrorCodeOf(*r), "unavailable") << r->body;
    ++refused;
  }
  EXPECT_EQ(refused, 8) << "the excess hangs instead of being refused";
  EXPECT_EQ(queued.size(), 4u);
  EXPECT_EQ(server.gate().held(), 4);
  for (int i = 0; i < 5; ++i) {
    auto health = server.Get("/healthz");
    ASSERT_TRUE(health.has_value()) << "/healthz waits behind the busy workers";
    EXPECT_EQ(health->status, 200);
  }
  server.gate().Open();
  for (int i = 0; i < 4; ++i) queued.push_back(clients[i].get());
  for (RawClient* c : queued) {
    auto r = c->Read(5s);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->status, 200);
  }
  // Every connection was kept alive, the refused ones too, and is served now.
  for (auto& c : clients) {
    ASSERT_TRUE(c->Send("GET /api/v1/log/head HTTP/1.1\r\nHost: x\r\n\r\n"));
    auto again = c->Read();
    ASSERT_TRUE(again.has_value());
    EXPECT_EQ(again->status, 200);
  }
}

TEST(ServerHttpTest, PerAddressAndPerTokenLimitsAnswer429) {
  server::ServerOptions options;
  options.max_per_address = 6;
  options.max_per_token = 2;
  HttpHarness server(options);
  const std::string a = server.Token(Role::kMonitor), b = server.Token(Role::kMonitor);
  const auto request = [](const std::string& token) {
    return "GET /api/v1/log/head?slow HTTP/1.1\r\nHost: x\r\n" +
           (token.empty() ? "" : "Authorization: Bearer " + token + "\r\n") + "\r\n";
  };
  std::vector<std::unique_ptr<RawClient>> held;
  // Sends `n` slow requests with `token`; returns how many were refused with 429 at once.
  const auto send = [&](const std::string& token, int n, int expect_held) {
    std::vector<std::unique_ptr<RawClient>> batch;
    for (int i = 0; i < n; ++i) {
      batch.push_back(std::make_unique<RawClient>(server.port()));
      EXPECT_TRUE(batch.back()->Send(request(token)));
    }
    EXPECT_TRUE(server.gate().AwaitHeld(expect_held));
    std::this_thread::sleep_for(500ms);  // for the refusals, written when a request is read
    int refused = 0;
    for (auto& c : batch) {
      auto r = c->Read(100ms);
      if (!r) {
        held.push_back(std::move(c));
        continue;
      }
      EXPECT_EQ(r->status, 429);
      EXPECT_EQ(r->Header("retry-after"), "1");
      EXPECT_EQ(ErrorCodeOf(*r), "too_many_requests") << r->body;
      ++refused;
    }
    return refused;
  };
  EXPECT_EQ(send(a, 4, 2), 2) << "token a: two in progress, two over its limit";
  EXPECT_EQ(send(b, 2, 4), 0) << "token b has a limit of its own";
  EXPECT_EQ(send("", 4, 6), 2) << "the address: six in progress, the rest over its limit";
  EXPECT_EQ(held.size(), 6u);
  auto health = server.Get("/healthz");  // exempt from the limits
  ASSERT_TRUE(health.has_value());
  EXPECT_EQ(health->status, 200);
  auto over = server.Get("/api/v1/log/head");
  ASSERT_TRUE(over.has_value());
  EXPECT_EQ(over->status, 429);
  server.gate().Open();
  for (auto& c : held) {
    auto r = c->Read(5s);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->status, 200);
  }
  ExpectLive(server, "after the held requests finished (their slots are free again)");
}

TEST(ServerHttpTest, TrustedForwardedForSeparatesClientsBehindAProxy) {
  server::ServerOptions options;
  options.max_per_address = 1;
  options.trust_forwarded = true;
  HttpHarness server(options);
  RawClient first(server.port());
  ASSERT_TRUE(first.Send(
      "GET /api/v1/log/head?slow HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 203.0.113.1\r\n\r\n"));
  ASSERT_TRUE(server.gate().AwaitHeld(1));
  auto same = server.Get("/api/v1/log/head", "X-Forwarded-For: 198.51.100.7, 203.0.113.1\r\n");
  ASSERT_TRUE(same.has_value());
  EXPECT_EQ(same->status, 429);
  auto other = server.Get("/api/v1/log/head", "X-Forwarded-For: 203.0.113.2\r\n");
  ASSERT_TRUE(other.has_value());
  EXPECT_EQ(other->status, 200);
  server.gate().Open();
  ASSERT_TRUE(first.Read(5s).has_value());
}

TEST(ServerHttpTest, AHandlerExceptionIs500AndTheServerGoesOn) {
  HttpHarness server;
  auto r = server.Get("/api/v1/log/head?boom");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(ErrorCodeOf(*r), "internal");
  EXPECT_NE(r->body.find("the handler stand-in failed"), std::string::npos);
  ExpectLive(server, "after a handler threw");
}

// --- Malformed requests -------------------------------------------------------------------------

TEST(ServerHttpTest, MalformedLengthsAndOversizedHeadsAndBodies) {
  HarnessLimits limits;
  limits.max_body_bytes = 1000;
  server::ServerOptions options;
  options.max_header_bytes = 4096;
  HttpHarness server(options, limits);
  const std::string post = "POST /api/v1/reports HTTP/1.1\r\nHost: x\r\n";
  const auto expect = [&](const std::string& raw, int status, const std::string& code) {
    auto r = server.Exchange(raw);
    ASSERT_TRUE(r.has_value()) << raw.substr(0, 80);
    EXPECT_EQ(r->status, status) << raw.substr(0, 80);
    EXPECT_EQ(ErrorCodeOf(*r), code) << r->body;
    EXPECT_EQ(r->Header("content-type"), "application/json");
  };
  expect(post + "Content-Length: -5\r\n\r\n", 400, "bad_request");
  expect(post + "Content-Length: 12abc\r\n\r\n", 400, "bad_request");
  expect(post + "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", 400, "bad_request");
  expect(post + "Content-Length: 99999999999999999999999\r\n\r\n", 400, "bad_request");
  expect(post + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n", 400,
         "bad_request");
  expect("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(5000, 'a') + "\r\n\r\n", 431,
         "header_too_large");
  expect("GET /" + std::string(5000, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n", 431,
         "header_too_large");
  expect(post + "Content-Length: 1001\r\n\r\n" + std::string(1001, '['), 413, "payload_too_large");
  expect(
      post + "Transfer-Encoding: chunked\r\n\r\n3e9\r\n" + std::string(1001, '[') + "\r\n0\r\n\r\n",
      413, "payload_too_large");
  expect("GET nowhere HTTP/1.1\r\nHost: x\r\n\r\n", 400, "bad_request");
  expect("GET /api/v1/reports?limit=%zz HTTP/1.1\r\nHost: x\r\n\r\n", 400, "bad_request");
  expect("BR0KEN\r\n\r\n", 400, "bad_request");
  // A chunked body within the limit, in chunks of all sizes, reaches the API.
  expect(post +
             "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
             "1\r\n[\r\n3d0\r\n" +
             std::string(976, ' ') + "\r\n1\r\n]\r\n0\r\n\r\n",
         401, "unauthenticated");
  // An oversized body announced with Expect: 100-continue is refused before it is sent...
  expect(post + "Expect: 100-continue\r\nContent-Length: 5000\r\n\r\n", 413, "payload_too_large");
  // ...and an acceptable one is invited.
  RawClient c(server.port());
  ASSERT_TRUE(c.Send(post + "Expect: 100-continue\r\nContent-Type: application/json\r\n"
                            "Content-Length: 2\r\n\r\n"));
  auto invited = c.Read();
  ASSERT_TRUE(invited.has_value());
  EXPECT_EQ(invited->status, 100);
  ASSERT_TRUE(c.Send("[]"));
  auto answered = c.Read();
  ASSERT_TRUE(answered.has_value());
  EXPECT_EQ(answered->status, 401);  // no token: the body reached the API
  ExpectLive(server, "after the malformed requests");
}

TEST(ServerHttpTest, LargeBodiesStreamThroughTheParser) {
  HttpHarness server;  // the default body limit, 32 MiB
  const std::string body = "[" + std::string(3 << 20, ' ') + "]";
  const std::string post =
      "POST /api/v1/reports HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n";
  auto r =
      server.Exchange(post + fmt::format("Content-Length: {}\r\n\r\n", body.size()) + body, 5s);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 401) << r->body;  // read whole, then refused for want of a token
  r = server.Exchange(
      post + fmt::format("Transfer-Encoding: chunked\r\n\r\n{:x}\r\n{}\r\n0\r\n\r\n", body.size(),
                         body),
      5s);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 401) << r->body;
}

TEST(ServerHttpTest, BufferedBodiesHaveABudget) {
  HarnessLimits limits;
  limits.max_body_bytes = 4000;
  server::ServerOptions options;
  options.max_buffered_body_bytes = 5000;
  HttpHarness server(options, limits);
  const std::string post =
      "POST /api/v1/reports HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: 3000\r\n\r\n";
  RawClient holding(server.port());
  ASSERT_TRUE(holding.Send(post + "["));  // 3000 bytes reserved, 1 sent
  std::this_thread::sleep_for(100ms);
  auto r = server.Exchange(post + std::string(3000, ' '));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(ErrorCodeOf(*r), "unavailable");
  EXPECT_FALSE(r->Header("retry-after").empty());
  ASSERT_TRUE(holding.Send(std::string(2998, ' ') + "]"));
  auto done = holding.Read();
  ASSERT_TRUE(done.has_value());
  EXPECT_EQ(done->status, 401);
  // The reservation is returned with the response.
  r = server.Exchange(post + std::string(3000, ' '));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 401);
}

// --- Static files -------------------------------------------------------------------------------

TEST(ServerHttpTest, StaticFilesStayInsideTheWebRoot) {
  TempDir outside;
  std::ofstream(outside.path() / "passwd") << "root:x:0:0:secret";
  TempDir web_dir;
  const fs::path web = web_dir.path();
  fs::create_directories(web / "vendor");
  std::ofstream(web / "index.html") << "<html>truce dashboard</html>";
  std::ofstream(web / "style.css") << "body{}";
  std::ofstream(web / "vendor" / "index.html") << "vendor index";
  fs::create_symlink(outside.path() / "passwd", web / "leak.txt");
  server::ServerOptions options;
  options.web_root = web.string();
  HttpHarness server(options);

  auto r = server.Get("/");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "<html>truce dashboard</html>");
  EXPECT_EQ(r->Header("content-type"), "text/html; charset=utf-8");
  EXPECT_EQ(r->Header("x-content-type-options"), "nosniff");
  r = server.Get("/style.css?v=2");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->Header("content-type"), "text/css; charset=utf-8");
  r = server.Get("/vendor/");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->body, "vendor index");
  r = server.Get("/%69ndex.html");  // escapes are decoded
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200);
  r = server.Exchange("HEAD /index.html HTTP/1.1\r\nHost: x\r\n\r\n", 1s, /*head=*/true);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->Header("content-length"), "28");

  for (const char* target : {"/index.html%00.png", "/../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd",
                             "/%2e%2e%2f%2e%2e%2fetc%2fpasswd", "/vendor/..%5c..%5cetc%5cpasswd",
                             "/leak.txt", "/vendor/../../passwd", "/.%2e/passwd"}) {
    r = server.Get(target);
    ASSERT_TRUE(r.has_value()) << target;
    EXPECT_TRUE(r->status == 400 || r->status == 404) << target << ": " << r->status;
    EXPECT_EQ(r->Header("content-type"), "application/json") << target;
    EXPECT_EQ(r->body.find("root:"), std::string::npos) << target;
  }
  // Absent files and API paths go to the API, which answers with its JSON 404.
  r = server.Get("/nothing.png");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(ErrorCodeOf(*r), "not_found");
  r = server.Get("/api/v1/nothing");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(ErrorCodeOf(*r), "not_found");
}

// --- Absolute links -----------------------------------------------------------------------------

std::string LinksOf(const RawResponse& r) {
  std::string out;
  const json body = json::parse(r.body, nullptr, false);
  if (body.is_object() && body.contains("links")) {
    for (const json& l : body["links"]) out += l.value("href", "") + "\n";
  }
  return out;
}

TEST(ServerHttpTest, TheHostHeaderNeverReachesALink) {
  HttpHarness server;
  const std::string evil = "Host: evil.example\"><script>alert(1)</script>\r\n";
  for (const char* target : {"/ogc", "/ogc/collections", "/ogc/collections/zones/items",
                             "/api/v1/nothing", "/nothing"}) {
    auto r = server.Exchange(std::string("GET ") + target + " HTTP/1.1\r\n" + evil +
                             "X-Forwarded-Host: evil.example\r\nX-Forwarded-Proto: https\r\n\r\n");
    ASSERT_TRUE(r.has_value()) << target;
    EXPECT_EQ(r->body.find("evil"), std::string::npos) << target << ": " << r->body;
    EXPECT_EQ(r->body.find("<script>"), std::string::npos) << target;
    for (const auto& [name, value] : r->headers) EXPECT_EQ(value.find("evil"), std::string::npos);
  }
  auto landing = server.Get("/ogc");
  ASSERT_TRUE(landing.has_value());
  EXPECT_NE(LinksOf(*landing).find(fmt::format("http://127.0.0.1:{}/ogc", server.port())),
            std::string::npos)
      << landing->body;
}

TEST(ServerHttpTest, PublicBaseUrlAndTrustedForwardedHeaders) {
  server::ServerOptions options;
  options.public_base_url = "https://truce.example.org/monitor/";
  HttpHarness configured(options);
  auto r = configured.Get("/ogc", "X-Forwarded-Host: proxy.example\r\n");
  ASSERT_TRUE(r.has_value());
  std::string links = LinksOf(*r);
  EXPECT_NE(links.find("https://truce.example.org/monitor/ogc/collections"), std::string::npos)
      << links;
  EXPECT_EQ(links.find("proxy.example"), std::string::npos) << "forwarded headers are untrusted";

  options.trust_forwarded = true;
  HttpHarness trusting(options);
  r = trusting.Get("/ogc", "X-Forwarded-Proto: http\r\nX-Forwarded-Host: proxy.example:8443\r\n");
  ASSERT_TRUE(r.has_value());
  links = LinksOf(*r);
  EXPECT_NE(links.find("http://proxy.example:8443/monitor/ogc/collections"), std::string::npos)
      << links;
  // Malformed forwarded values are ignored, never copied.
  r = trusting.Get("/ogc",
                   "X-Forwarded-Proto: javascript\r\nX-Forwarded-Host: evil\"><script>\r\n");
  ASSERT_TRUE(r.has_value());
  links = LinksOf(*r);
  EXPECT_NE(links.find("https://truce.example.org/monitor/ogc"), std::string::npos) << links;
  EXPECT_EQ(r->body.find("<script>"), std::string::npos);
}

TEST(ServerHttpTest, AMalformedPublicUrlIsRefusedAtBind) {
  TempDir dir;
  auto store = std::move(store::OpenSqliteStore((dir.path() / "t.db").string())).value();
  auto ledger = std::move(app::Ledger::Open(*store, app::SigningKey::Generate())).value();
  app::Metrics metrics;
  auto application = std::move(app::App::Open(*store, *ledger, metrics)).value();
  server::Api api(*application);
  server::ServerOptions options;
  options.port = 0;
  options.public_base_url = "truce.example.org";
  server::HttpServer http(api, options);
  auto port = http.Bind();
  ASSERT_FALSE(port.ok());
  EXPECT_EQ(port.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(port.error().message.find("http[s]://"), std::string::npos) << port.error().message;
}

TEST(ServerHttpTest, ServeRefusesAMalformedPublicUrlAsAUsageError) {
  TempDir dir;
  const fs::path db = dir.path() / "t.db", err = dir.path() / "err";
  const std::string cmd = TruceBinary() + " serve --db " + db.string() +
                          " --listen 127.0.0.1:0 --public-url 'truce.example.org/x' >/dev/null 2>" +
                          err.string() + " </dev/null";
  const int status = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 2);
  std::ifstream in(err);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("--public-url"), std::string::npos) << text;
  EXPECT_NE(text.find("http[s]://"), std::string::npos) << text;
  EXPECT_FALSE(fs::exists(db)) << "the usage error came after the database was opened";
}

// --- Keep-alive and HTTP/1.0 --------------------------------------------------------------------

TEST(ServerHttpTest, KeepAlivePipeliningAndHttp10) {
  HttpHarness server;
  RawClient kept(server.port());
  for (int i = 0; i < 300; ++i) {
    ASSERT_TRUE(kept.Send(i % 2 ? "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
                                : "GET /api/v1/log/head HTTP/1.1\r\nHost: x\r\n\r\n"));
    auto r = kept.Read();
    ASSERT_TRUE(r.has_value()) << "request " << i << " on the kept-alive connection";
    ASSERT_EQ(r->status, 200);
    EXPECT_NE(r->Header("connection"), "close");
  }
  // Three requests in one write are answered in order.
  ASSERT_TRUE(kept.Send(
      "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /api/v1/nothing HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /api/v1/log/head HTTP/1.1\r\nHost: x\r\n\r\n"));
  for (const int status : {200, 404, 200}) {
    auto r = kept.Read();
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->status, status);
  }
  EXPECT_FALSE(kept.ClosedWithin(200ms));
  // Connection: close, and HTTP/1.0 without keep-alive, close after the response.
  for (const char* raw : {"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                          "GET /healthz HTTP/1.0\r\n\r\n"}) {
    RawClient once(server.port());
    ASSERT_TRUE(once.Send(raw));
    auto r = once.Read();
    ASSERT_TRUE(r.has_value()) << raw;
    EXPECT_EQ(r->status, 200);
    EXPECT_TRUE(once.ClosedWithin(1s)) << raw;
  }
  // HTTP/1.0 asking for keep-alive gets it.
  RawClient ten(server.port());
  ASSERT_TRUE(ten.Send("GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  auto r = ten.Read();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->Header("connection"), "keep-alive");
  ASSERT_TRUE(ten.Send("GET /healthz HTTP/1.0\r\n\r\n"));
  ASSERT_TRUE(ten.Read().has_value());
  EXPECT_TRUE(ten.ClosedWithin(1s));
  // HEAD has the GET's length and no body.
  RawClient head(server.port());
  ASSERT_TRUE(head.Send("HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  r = head.Read(1s, /*head=*/true);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200);
  EXPECT_NE(r->Header("content-length"), "0");
  ASSERT_TRUE(head.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  r = head.Read();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(std::to_string(r->body.size()), r->Header("content-length"));
}

}  // namespace
}  // namespace truce::testing
