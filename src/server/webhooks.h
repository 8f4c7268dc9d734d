// Webhooks: the alerts (app/alerts.h) delivered by HTTP POST to the URLs an admin registers,
// each as the registered role may read it, signed with HMAC-SHA256 under a shared secret
// (OpenSSL), retried with exponential backoff, every attempt recorded (docs/server.md
// "Webhooks"). One delivery thread; each webhook gets its alerts in id order, one at a time.
// Registrations (with their secrets) and the record of attempts are kept in the store
// (store.h WebhookRow, schema version 3), each attempt recorded with the webhook's progress in
// one transaction, so a restart resumes every webhook after the last alert it handled and
// carries on the attempt count of the alert in hand. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/alerts.h"
#include "app/app.h"
#include "truce/result.h"

namespace truce::server {

struct WebhookOptions {
  int max_attempts = 6;                         // then the alert is given up
  std::chrono::milliseconds first_retry{1000};  // doubled after each failure
  std::chrono::milliseconds timeout{10'000};    // connect + read, per attempt
  size_t max_webhooks = 100;
  size_t max_recorded_attempts = 10'000;  // per webhook, the oldest dropped
};

// "sha256=" + the lower-case hex HMAC-SHA256 of `message` under `secret`.
std::string SignWebhook(std::string_view secret, std::string_view message);

class Webhooks {
 public:
  Webhooks(app::App& app, WebhookOptions options);
  ~Webhooks();  // stops the delivery thread (an attempt in progress finishes first)
  Webhooks(const Webhooks&) = delete;
  Webhooks& operator=(const Webhooks&) = delete;

  // {"url": "http://host:port/path", "secret": at least 16 characters, "role": the role whose
  // view it gets (default "public"; not "party"), "kinds": [alert kinds] (default all)}.
  // kInvalidInput naming the field. Stored before it is answered; returns the registration
  // (without the secret).
  [[nodiscard]] Result<nlohmann::json> Register(const nlohmann::json& body);
  [[nodiscard]] Status Remove(const std::string& id);
  std::vector<nlohmann::json> List() const;
  // Every attempt recorded for webhook `id`, oldest first; kNotFound for an unknown id.
  [[nodiscard]] Result<std::vector<nlohmann::json>> Deliveries(const std::string& id) const;

 private:
  struct Hook;
  // The registrations the store holds, and where each stands (constructor).
  void Load();
  void Loop();
  // One attempt of hook's current alert; records it. REQUIRES: mu_ not held.
  void Attempt(Hook& hook, const nlohmann::json& alert, int attempt);

  app::App& app_;
  store::Store& store_;
  const WebhookOptions options_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::vector<std::shared_ptr<Hook>> hooks_;
  uint64_t listener_ = 0;
  std::thread thread_;
};

}  // namespace truce::server
