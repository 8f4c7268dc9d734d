#include "server/webhooks.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cmath>
#include <deque>
#include <set>

#include <fmt/format.h>

#include "server/http.h"

namespace truce::server {
namespace {

using nlohmann::json;
using SteadyClock = std::chrono::steady_clock;

// "http://host[:port]" and "/path" of a webhook URL; nullopt unless it is one.
std::optional<std::pair<std::string, std::string>> SplitUrl(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  if (!url.starts_with(kScheme) || url.size() > 2048) return std::nullopt;
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= ' ' || c == '\x7f') return std::nullopt;
  }
  const std::string_view rest = url.substr(kScheme.size());
  const size_t slash = rest.find('/');
  const std::string_view authority = rest.substr(0, slash);
  if (authority.empty() || authority.find('@') != std::string_view::npos ||
      authority.find('?') != std::string_view::npos ||
      authority.find('#') != std::string_view::npos) {
    return std::nullopt;
  }
  std::string path = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (path.find('#') != std::string::npos) return std::nullopt;
  return std::make_pair(std::string(kScheme) + std::string(authority), std::move(path));
}

}  // namespace

std::string SignWebhook(std::string_view secret, std::string_view message) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac, &len);
  std::string out = "sha256=";
  for (unsigned int i = 0; i < len; ++i) out += fmt::format("{:02x}", mac[i]);
  return out;
}

struct Webhooks::Hook {
  std::string id, url, base, path, secret;
  app::Principal reader;
  std::set<app::AlertKind> kinds;  // empty: every kind
  std::string created_at;
  uint64_t after = 0;           // the last alert handled (delivered or given up)
  std::optional<json> current;  // the alert being delivered
  int attempts = 0;
  SteadyClock::time_point next_try{};
  uint64_t delivered = 0, given_up = 0;
  std::deque<json> record;  // every attempt, oldest first
  bool removed = false;

  json Describe() const {
    json kinds_json = json::array();
    for (app::AlertKind k : kinds) kinds_json.push_back(app::AlertKindName(k));
    return {{"id", id},
            {"url", url},
            {"role", app::RoleName(reader.role)},
            {"kinds", kinds_json},
            {"created_at", created_at},
            {"after", after},
            {"delivered", delivered},
            {"given_up", given_up}};
  }
};

Webhooks::Webhooks(app::App& app, WebhookOptions options) : app_(app), options_(options) {
  listener_ = app_.alert_log().Listen([this] { wake_.notify_all(); });
  thread_ = std::thread([this] { Loop(); });
}

Webhooks::~Webhooks() {
  app_.alert_log().Unlisten(listener_);
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

Result<json> Webhooks::Register(const json& body) {
  std::vector<Problem> problems;
  if (!body.is_object()) {
    Error e = MakeError(ErrorCode::kInvalidInput, "expected a webhook object");
    e.problems.push_back({"", "expected {\"url\", \"secret\", \"role\", \"kinds\"}"});
    return e;
  }
  for (auto it = body.begin(); it != body.end(); ++it) {
    if (it.key() != "url" && it.key() != "secret" && it.key() != "role" && it.key() != "kinds") {
      problems.push_back(
          {"/" + it.key().substr(0, 64), "unknown key (expected url, secret, role, kinds)"});
    }
  }
  auto hook = std::make_shared<Hook>();
  const json url = body.value("url", json());
  std::optional<std::pair<std::string, std::string>> split;
  if (url.is_string()) split = SplitUrl(url.get<std::string>());
  if (!split) {
    problems.push_back({"/url",
                        "expected an http:// URL (http://HOST[:PORT][/PATH]; put a TLS "
                        "proxy in front for https)"});
  } else {
    hook->url = url.get<std::string>();
    hook->base = split->first;
    hook->path = split->second;
  }
  const json secret = body.value("secret", json());
  if (!secret.is_string() || secret.get<std::string>().size() < 16 ||
      secret.get<std::string>().size() > 1024) {
    problems.push_back({"/secret", "expected a shared secret of 16 to 1024 characters"});
  } else {
    hook->secret = secret.get<std::string>();
  }
  const json role = body.value("role", json("public"));
  const auto parsed_role =
      role.is_string() ? app::ParseRole(role.get<std::string>()) : std::optional<app::Role>();
  if (!parsed_role || *parsed_role == app::Role::kParty) {
    problems.push_back({"/role",
                        "expected the role whose view it gets: admin, monitor, "
                        "guarantor, humanitarian or public"});
  } else {
    hook->reader = app::Principal{*parsed_role, "", "webhook"};
  }
  if (body.contains("kinds")) {
    const json& kinds = body["kinds"];
    if (!kinds.is_array()) {
      problems.push_back({"/kinds", "expected an array of alert kinds"});
    } else {
      for (size_t i = 0; i < kinds.size(); ++i) {
        const auto k = kinds[i].is_string() ? app::AlertKindFromName(kinds[i].get<std::string>())
                                            : std::optional<app::AlertKind>();
        if (!k) {
          problems.push_back({fmt::format("/kinds/{}", i),
                              "expected flight_entry, flight_exit or report_violation"});
        } else {
          hook->kinds.insert(*k);
        }
      }
    }
  }
  if (!problems.empty()) {
    Error e = MakeError(ErrorCode::kInvalidInput,
                        fmt::format("{} problem{} in the webhook; nothing was registered",
                                    problems.size(), problems.size() == 1 ? "" : "s"));
    e.problems = std::move(problems);
    return e;
  }
  hook->created_at = FormatTimestamp(app_.Now());
  std::lock_guard lock(mu_);
  if (hooks_.size() >= options_.max_webhooks) {
    return MakeError(ErrorCode::kConflict,
                     fmt::format("{} webhooks are registered, the limit", options_.max_webhooks));
  }
  hook->id = fmt::format("wh_{}", next_id_++);
  hook->after = app_.alert_log().last_id();  // what happens from now on
  hooks_.push_back(hook);
  wake_.notify_all();
  return hook->Describe();
}

Status Webhooks::Remove(const std::string& id) {
  std::lock_guard lock(mu_);
  for (auto it = hooks_.begin(); it != hooks_.end(); ++it) {
    if ((*it)->id == id) {
      (*it)->removed = true;
      hooks_.erase(it);
      return Status::Ok();
    }
  }
  return MakeError(ErrorCode::kNotFound, fmt::format("no webhook {}", id.substr(0, 64)));
}

std::vector<json> Webhooks::List() const {
  std::lock_guard lock(mu_);
  std::vector<json> out;
  for (const auto& h : hooks_) out.push_back(h->Describe());
  return out;
}

Result<std::vector<json>> Webhooks::Deliveries(const std::string& id) const {
  std::lock_guard lock(mu_);
  for (const auto& h : hooks_) {
    if (h->id == id) return std::vector<json>(h->record.begin(), h->record.end());
  }
  return MakeError(ErrorCode::kNotFound, fmt::format("no webhook {}", id.substr(0, 64)));
}

void Webhooks::Loop() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    const auto now = SteadyClock::now();
    std::shared_ptr<Hook> due;
    std::optional<SteadyClock::time_point> next;
    for (const auto& h : hooks_) {
      // The next alert this hook's reader may see, when it has none in hand.
      while (!h->current) {
        const auto batch = app_.alert_log().After(h->after, 64);
        if (batch.empty()) break;
        for (const app::Alert& a : batch) {
          if (!h->kinds.empty() && !h->kinds.contains(a.kind)) {
            h->after = a.id;
            continue;
          }
          auto j = app::AlertForReader(h->reader, a);
          if (!j) {
            h->after = a.id;
            continue;
          }
          h->current = std::move(*j);
          h->attempts = 0;
          h->next_try = now;
          break;
        }
      }
      if (!h->current) continue;
      if (h->next_try <= now) {
        if (!due) due = h;
      } else if (!next || h->next_try < *next) {
        next = h->next_try;
      }
    }
    if (due) {
      const json alert = *due->current;
      const int attempt = ++due->attempts;
      lock.unlock();
      Attempt(*due, alert, attempt);
      lock.lock();
      continue;
    }
    if (next) {
      wake_.wait_until(lock, *next);
    } else {
      wake_.wait(lock);
    }
  }
}

void Webhooks::Attempt(Hook& hook, const json& alert, int attempt) {
  const std::string body = alert.dump(-1, ' ', false, json::error_handler_t::replace);
  const int64_t timestamp =
      std::chrono::duration_cast<std::chrono::seconds>(app_.Now().time_since_epoch()).count();
  const std::string delivery = fmt::format("{}.{}", hook.id, alert["id"].get<uint64_t>());
  const std::vector<std::pair<std::string, std::string>> headers = {
      {"X-Truce-Webhook", hook.id},
      {"X-Truce-Delivery", delivery},
      {"X-Truce-Alert-Id", std::to_string(alert["id"].get<uint64_t>())},
      {"X-Truce-Timestamp", std::to_string(timestamp)},
      {"X-Truce-Signature", SignWebhook(hook.secret, std::to_string(timestamp) + "." + body)},
  };
  const auto started = SteadyClock::now();
  auto reply = HttpPost(hook.base, hook.path, body, headers, options_.timeout);
  const double ms = std::chrono::duration<double, std::milli>(SteadyClock::now() - started).count();
  const bool ok = reply.ok() && reply->status >= 200 && reply->status < 300;
  json rec = {{"delivery", delivery},
              {"alert", alert["id"]},
              {"attempt", attempt},
              {"at", FormatTimestamp(app_.Now())},
              {"status", reply.ok() ? json(reply->status) : json(nullptr)},
              {"error", reply.ok() ? json(nullptr) : json(reply.error().message)},
              {"duration_ms", std::round(ms * 10) / 10},
              {"outcome", "delivered"},
              {"next_attempt_in_ms", nullptr}};
  std::lock_guard lock(mu_);
  if (hook.removed) return;
  if (ok) {
    ++hook.delivered;
    hook.after = alert["id"].get<uint64_t>();
    hook.current.reset();
  } else if (attempt >= options_.max_attempts) {
    rec["outcome"] = "given_up";
    ++hook.given_up;
    hook.after = alert["id"].get<uint64_t>();
    hook.current.reset();
  } else {
    const auto wait = options_.first_retry * (int64_t{1} << std::min(attempt - 1, 20));
    rec["outcome"] = "retry";
    rec["next_attempt_in_ms"] = wait.count();
    hook.next_try = SteadyClock::now() + wait;
  }
  hook.record.push_back(std::move(rec));
  while (hook.record.size() > options_.max_recorded_attempts) hook.record.pop_front();
  app_.metrics().Add(ok ? "truce_webhook_deliveries_total" : "truce_webhook_failures_total");
}

}  // namespace truce::server
