// A Server-Sent Events client for the server tests: GET /api/v1/alerts/stream over a raw
// socket, then one event at a time.
#pragma once

#include <chrono>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "raw_http_client.h"

namespace truce::testing {

// An SSE client: the request, the response head, then one event at a time.
class SseClient {
 public:
  SseClient(int port, const std::string& token, const std::string& last_event_id = "",
            const std::string& query = "")
      : raw_(port) {
    std::string req = "GET /api/v1/alerts/stream" + query + " HTTP/1.1\r\nHost: t\r\n";
    if (!token.empty()) req += "Authorization: Bearer " + token + "\r\n";
    if (!last_event_id.empty()) req += "Last-Event-ID: " + last_event_id + "\r\n";
    raw_.Send(req + "\r\n");
    head_ = raw_.ReadThrough("\r\n\r\n", std::chrono::seconds(5)).value_or("");
  }
  const std::string& head() const { return head_; }
  // The next event's JSON (comments and heartbeats skipped); null when none within `timeout`.
  nlohmann::json Next(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return nlohmann::json();
      auto event = raw_.ReadThrough("\n\n", left);
      if (!event) return nlohmann::json();
      const size_t data = event->find("data: ");
      if (data == std::string::npos) continue;  // retry, a comment, a heartbeat
      const size_t id = event->find("id: ");
      nlohmann::json j =
          nlohmann::json::parse(event->substr(data + 6, event->find('\n', data) - data - 6));
      EXPECT_NE(id, std::string::npos);
      EXPECT_EQ(std::to_string(j["id"].get<uint64_t>()),
                event->substr(id + 4, event->find('\n', id) - id - 4));
      return j;
    }
  }

 private:
  RawClient raw_;
  std::string head_;
};

}  // namespace truce::testing
