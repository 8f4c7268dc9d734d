// Webhooks on a live server: an admin registers a receiver; a report violating Eastern Ghouta's
// ceasefire makes an alert; the receiver fails twice and then accepts, so three attempts are
// recorded (500, 500, 200), each signed with HMAC-SHA256 over "TIMESTAMP.BODY" under the
// shared secret (checked here with OpenSSL directly), the retries spaced by the backoff.
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <httplib.h>

#include <atomic>
#include <mutex>

#include "server_harness.h"

namespace truce::testing {
namespace {

std::string Hmac(const std::string& key, const std::string& message) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac, &len);
  static const char* kHex = "0123456789abcdef";
  std::string out = "sha256=";
  for (unsigned i = 0; i < len; ++i) {
    out += kHex[mac[i] >> 4];
    out += kHex[mac[i] & 15];
  }
  return out;
}

// A receiver that answers 500 to the first `failures` deliveries, then 200.
class Receiver {
 public:
  explicit Receiver(int failures) : failures_(failures) {
    server_.Post("/hook", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mu_);
      requests_.push_back(req);
      res.status = static_cast<int>(requests_.size()) <= failures_ ? 500 : 200;
      res.set_content("{}", "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~Receiver() {
    server_.stop();
    thread_.join();
  }
  int port() const { return port_; }
  std::vector<httplib::Request> requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  const int failures_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::vector<httplib::Request> requests_;
};

// Registers `receiver` as a webhook with `secret` for the monitor's view of report
// violations.
Reply RegisterReceiver(ServerHarness& server, const Receiver& receiver, const std::string& secret,
                       const std::string& admin) {
  return server.Post("/api/v1/webhooks",
                     {{"url", fmt::format("http://127.0.0.1:{}/hook", receiver.port())},
                      {"secret", secret},
                      {"role", "monitor"},
                      {"kinds", {"report_violation"}}},
                     admin);
}

TEST(ServerWebhooksTest, FailsTwiceThenDeliversSignedAndEveryAttemptIsRecorded) {
  TempDir dir;
  ServerHarness server((dir.path() / "truce.db").string());
  server.LoadShippedScenario();
  const std::string admin = server.Token(app::Role::kAdmin);
  const std::string monitor = server.Token(app::Role::kMonitor);
  Receiver receiver(2);
  const std::string secret = "a shared secret of the monitoring centre";
  Reply r = RegisterReceiver(server, receiver, secret, admin);
  ASSERT_EQ(r.status, 201) << r.text;
  EXPECT_FALSE(r.body.contains("secret"));
  const std::string id = r.body["id"];
  // Only the admin manages webhooks.
  EXPECT_EQ(server.Post("/api/v1/webhooks", {{"url", "http://127.0.0.1:1/"}}, monitor).status, 403);
  EXPECT_EQ(server.Get("/api/v1/webhooks", monitor).status, 403);
  EXPECT_EQ(server.Get("/api/v1/webhooks").status, 401);

  ASSERT_EQ(server.Post("/api/v1/reports", ReportJson("HOOK-1"), monitor).status, 201);
  // Attempts at 0, +1 s, +3 s (backoff 1 s, doubled).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (receiver.requests().size() < 3 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const auto requests = receiver.requests();
  ASSERT_EQ(requests.size(), 3u);
  for (const httplib::Request& req : requests) {
    const std::string ts = req.get_header_value("X-Truce-Timestamp");
    EXPECT_EQ(req.get_header_value("X-Truce-Signature"), Hmac(secret, ts + "." + req.body));
    EXPECT_NE(req.get_header_value("X-Truce-Signature"),
              Hmac("another secret", ts + "." + req.body));
    EXPECT_EQ(req.get_header_value("X-Truce-Webhook"), id);
    const json alert = json::parse(req.body);
    EXPECT_EQ(alert["kind"], "report_violation");
    EXPECT_EQ(alert["record"]["report"], "HOOK-1");
    EXPECT_EQ(req.get_header_value("X-Truce-Alert-Id"),
              std::to_string(alert["id"].get<uint64_t>()));
  }
  // Give the record of the last attempt a moment to be written.
  std::vector<json> deliveries;
  for (int i = 0; i < 40 && deliveries.size() < 3; ++i) {
    Reply d = server.Get("/api/v1/webhooks/" + id + "/deliveries", admin);
    ASSERT_EQ(d.status, 200) << d.text;
    deliveries = d.body["items"].get<std::vector<json>>();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(deliveries.size(), 3u);
  EXPECT_EQ(deliveries[0]["status"], 500);
  EXPECT_EQ(deliveries[0]["outcome"], "retry");
  EXPECT_EQ(deliveries[0]["next_attempt_in_ms"], 1000);
  EXPECT_EQ(deliveries[1]["status"], 500);
  EXPECT_EQ(deliveries[1]["next_attempt_in_ms"], 2000);
  EXPECT_EQ(deliveries[2]["status"], 200);
  EXPECT_EQ(deliveries[2]["outcome"], "delivered");
  for (int i = 0; i < 3; ++i) EXPECT_EQ(deliveries[i]["attempt"], i + 1);
  Reply list = server.Get("/api/v1/webhooks", admin);
  ASSERT_EQ(list.body["items"].size(), 1u);
  EXPECT_EQ(list.body["items"][0]["delivered"], 1);
  EXPECT_EQ(server.Call("DELETE", "/api/v1/webhooks/" + id, admin).status, 200);
  EXPECT_EQ(server.Get("/api/v1/webhooks/" + id + "/deliveries", admin).status, 404);
}

// Waits up to `seconds` for `done`, polling.
template <typename F>
bool WaitFor(F done, int seconds = 15) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  return true;
}

// The registration and the record of attempts are kept in the store: a receiver fails twice
// and then accepts, and the server restarts after its first failure. The restarted server
// knows the webhook (without showing its secret), goes on with attempt 2 and 3 of the same
// alert, signed with the stored secret, and records all three; a later alert is delivered once
// and a second restart delivers nothing again.
TEST(ServerWebhooksTest, ARestartKeepsTheRegistrationAndResumesTheRetries) {
  TempDir dir;
  ServerHarness server((dir.path() / "truce.db").string());
  server.LoadShippedScenario();
  const std::string admin = server.Token(app::Role::kAdmin);
  const std::string monitor = server.Token(app::Role::kMonitor);
  Receiver receiver(2);
  const std::string secret = "the centre's secret, kept across restarts";
  Reply r = RegisterReceiver(server, receiver, secret, admin);
  ASSERT_EQ(r.status, 201) << r.text;
  const std::string id = r.body["id"];
  EXPECT_EQ(id.size(), 19u);  // "wh_" + 16 hex digits
  const json registered = r.body;

  ASSERT_EQ(server.Post("/api/v1/reports", ReportJson("HOOK-1"), monitor).status, 201);
  auto deliveries = [&] {
    Reply d = server.Get("/api/v1/webhooks/" + id + "/deliveries", admin);
    EXPECT_EQ(d.status, 200) << d.text;
    EXPECT_EQ(d.text.find(secret), std::string::npos);
    return d.body["items"].is_array() ? d.body["items"].get<std::vector<json>>()
                                      : std::vector<json>();
  };
  ASSERT_TRUE(WaitFor([&] { return deliveries().size() >= 1; }));
  // The next attempt is a second away: restart now.
  server.Restart();
  Reply list = server.Get("/api/v1/webhooks", admin);
  ASSERT_EQ(list.status, 200);
  ASSERT_EQ(list.body["items"].size(), 1u) << list.text;
  json known = list.body["items"][0];
  EXPECT_EQ(known["id"], id);
  EXPECT_EQ(known["url"], registered["url"]);
  EXPECT_EQ(known["role"], "monitor");
  EXPECT_EQ(known["kinds"], json::array({"report_violation"}));
  EXPECT_EQ(known["created_at"], registered["created_at"]);
  EXPECT_FALSE(known.contains("secret"));
  EXPECT_EQ(list.text.find(secret), std::string::npos);

  ASSERT_TRUE(WaitFor([&] { return deliveries().size() >= 3; }));
  const std::vector<json> attempts = deliveries();
  ASSERT_EQ(attempts.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(attempts[i]["attempt"], i + 1);
    EXPECT_EQ(attempts[i]["alert"], attempts[0]["alert"]);
    EXPECT_EQ(attempts[i]["delivery"], attempts[0]["delivery"]);
    EXPECT_EQ(attempts[i]["status"], i < 2 ? 500 : 200);
    EXPECT_EQ(attempts[i]["outcome"], i < 2 ? "retry" : "delivered");
    EXPECT_TRUE(attempts[i]["error"].is_null());
    EXPECT_TRUE(attempts[i]["at"].is_string());
  }
  EXPECT_EQ(attempts[0]["next_attempt_in_ms"], 1000);
  EXPECT_EQ(attempts[1]["next_attempt_in_ms"], 2000);
  EXPECT_TRUE(attempts[2]["next_attempt_in_ms"].is_null());
  std::vector<httplib::Request> requests = receiver.requests();
  ASSERT_EQ(requests.size(), 3u);
  for (const httplib::Request& req : requests) {
    const std::string ts = req.get_header_value("X-Truce-Timestamp");
    EXPECT_EQ(req.get_header_value("X-Truce-Signature"), Hmac(secret, ts + "." + req.body));
    EXPECT_EQ(req.get_header_value("X-Truce-Delivery"), attempts[0]["delivery"]);
    EXPECT_EQ(json::parse(req.body)["record"]["report"], "HOOK-1");
  }

  // The next alert goes once; a restart after it sends nothing again.
  ASSERT_EQ(server.Post("/api/v1/reports", ReportJson("HOOK-2", "2017-06-02"), monitor).status,
            201);
  ASSERT_TRUE(WaitFor([&] { return deliveries().size() >= 4; }));
  server.Restart();
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  requests = receiver.requests();
  ASSERT_EQ(requests.size(), 4u);
  EXPECT_EQ(json::parse(requests[3].body)["record"]["report"], "HOOK-2");
  list = server.Get("/api/v1/webhooks", admin);
  EXPECT_EQ(list.body["items"][0]["delivered"], 2);
  EXPECT_EQ(list.body["items"][0]["given_up"], 0);
  EXPECT_EQ(list.body["items"][0]["after"], json::parse(requests[3].body)["id"]);
  EXPECT_EQ(deliveries().size(), 4u);

  // Removed, it stays removed across a restart, with its record.
  EXPECT_EQ(server.Call("DELETE", "/api/v1/webhooks/" + id, admin).status, 200);
  server.Restart();
  EXPECT_EQ(server.Get("/api/v1/webhooks", admin).body["items"].size(), 0u);
  EXPECT_EQ(server.Get("/api/v1/webhooks/" + id + "/deliveries", admin).status, 404);
  EXPECT_TRUE(server.store().WebhookAttempts(id)->empty());
}

TEST(ServerWebhooksTest, BadRegistrationsName400s) {
  TempDir dir;
  ServerHarness server((dir.path() / "truce.db").string());
  const std::string admin = server.Token(app::Role::kAdmin);
  for (const auto& [body, pointer] : std::vector<std::pair<json, std::string>>{
           {{{"url", "ftp://x/"}, {"secret", "0123456789abcdef"}}, "/url"},
           {{{"url", "http://127.0.0.1:9/"}, {"secret", "short"}}, "/secret"},
           {{{"url", "http://127.0.0.1:9/"}, {"secret", "0123456789abcdef"}, {"role", "party"}},
            "/role"},
           {{{"url", "http://127.0.0.1:9/"}, {"secret", "0123456789abcdef"}, {"kinds", {"rain"}}},
            "/kinds/0"},
       }) {
    Reply r = server.Post("/api/v1/webhooks", body, admin);
    EXPECT_EQ(r.status, 400) << body.dump();
    EXPECT_NE(r.text.find("\"" + pointer + "\""), std::string::npos) << r.text;
  }
  EXPECT_EQ(server.Get("/api/v1/webhooks", admin).body["items"].size(), 0u);
}

}  // namespace
}  // namespace truce::testing
