#include "server/webhooks.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cmath>
#include <random>
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
  UtcTime created_at{};
  uint64_t after = 0;           // the last alert handled (delivered or given up)
  std::optional<json> current;  // the alert being delivered
  int attempts = 0;
  SteadyClock::time_point next_try{};
  uint64_t delivered = 0, given_up = 0;
  // After a restart: the alert that was being retried, and the attempts it had had.
  uint64_t resume_alert = 0;
  int resume_attempts = 0;
  bool removed = false;

  json KindsJson() const {
    json out = json::array();
    for (app::AlertKind k : kinds) out.push_back(app::AlertKindName(k));
    return out;
  }
  json Describe() const {
    return {{"id", id},
            {"url", url},
            {"role", app::RoleName(reader.role)},
            {"kinds", KindsJson()},
            {"created_at", FormatTimestamp(created_at)},
            {"after", after},
            {"delivered", delivered},
            {"given_up", given_up}};
  }
};

namespace {

// "wh_" and 16 random hex digits: never reused, also across restarts and removals.
std::string NewWebhookId() {
  std::random_device rd;
  const uint64_t r = (static_cast<uint64_t>(rd()) << 32) ^ rd();
  return fmt::format("wh_{:016x}", r);
}

json AttemptJson(const store::WebhookAttemptRow& a) {
  return {
      {"delivery", fmt::format("{}.{}", a.webhook, a.alert)},
      {"alert", a.alert},
      {"attempt", a.attempt},
      {"at", FormatTimestamp(a.at)},
      {"status", a.status ? json(*a.status) : json(nullptr)},
      {"error", a.status ? json(nullptr) : json(a.error)},
      {"duration_ms", a.duration_ms},
      {"outcome", a.outcome},
      {"next_attempt_in_ms", a.next_attempt_in_ms ? json(*a.next_attempt_in_ms) : json(nullptr)}};
}

}  // namespace

Webhooks::Webhooks(app::App& app, WebhookOptions options)
    : app_(app), store_(app.store()), options_(options) {
  Load();
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

void Webhooks::Load() {
  auto rows = store_.ListWebhooks();
  if (!rows.ok()) {
    // The server runs on without them (a store that fails here fails the requests too); the
    // registrations stay stored for the next start.
    fmt::print(stderr, "warning: webhooks not loaded: {}\n", rows.error().message);
    return;
  }
  for (const store::WebhookRow& row : *rows) {
    auto hook = std::make_shared<Hook>();
    hook->id = row.id;
    hook->url = row.url;
    hook->secret = row.secret;
    const auto split = SplitUrl(row.url);
    const auto role = app::ParseRole(row.role);
    const json kinds = json::parse(row.kinds, nullptr, false);
    if (!split || !role || !kinds.is_array()) {
      fmt::print(stderr, "warning: webhook {} is not readable and is not delivered\n", row.id);
      continue;
    }
    hook->base = split->first;
    hook->path = split->second;
    hook->reader = app::Principal{*role, "", "webhook"};
    for (const json& k : kinds) {
      if (auto kind = k.is_string() ? app::AlertKindFromName(k.get<std::string>()) : std::nullopt)
        hook->kinds.insert(*kind);
    }
    hook->created_at = row.created_at;
    hook->after = row.after;
    hook->delivered = row.delivered;
    hook->given_up = row.given_up;
    // An alert in hand when the server stopped: its attempts go on from where they were.
    if (auto attempts = store_.WebhookAttempts(row.id); attempts.ok() && !attempts->empty()) {
      const store::WebhookAttemptRow& last = attempts->back();
      if (last.alert > row.after && last.outcome == "retry") {
        hook->resume_alert = last.alert;
        hook->resume_attempts = last.attempt;
      }
    }
    hooks_.push_back(std::move(hook));
  }
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
          problems.push_back(
              {fmt::format("/kinds/{}", i), "expected an alert kind: " + app::AlertKindList()});
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
  hook->created_at = app_.Now();
  std::lock_guard lock(mu_);
  if (hooks_.size() >= options_.max_webhooks) {
    return MakeError(ErrorCode::kConflict,
                     fmt::format("{} webhooks are registered, the limit", options_.max_webhooks));
  }
  hook->id = NewWebhookId();
  hook->after = app_.alert_log().last_id();  // what happens from now on
  const store::WebhookRow row{hook->id,
                              hook->url,
                              hook->secret,
                              std::string(app::RoleName(hook->reader.role)),
                              hook->KindsJson().dump(),
                              hook->created_at,
                              hook->after};
  if (Status st = store_.AddWebhook(row); !st.ok()) return st.error();
  hooks_.push_back(hook);
  wake_.notify_all();
  return hook->Describe();
}

Status Webhooks::Remove(const std::string& id) {
  std::lock_guard lock(mu_);
  for (auto it = hooks_.begin(); it != hooks_.end(); ++it) {
    if ((*it)->id == id) {
      if (Status st = store_.RemoveWebhook(id); !st.ok()) return st;
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
  {
    std::lock_guard lock(mu_);
    if (std::none_of(hooks_.begin(), hooks_.end(), [&](const auto& h) { return h->id == id; })) {
      return MakeError(ErrorCode::kNotFound, fmt::format("no webhook {}", id.substr(0, 64)));
    }
  }
  auto attempts = store_.WebhookAttempts(id);
  if (!attempts.ok()) return attempts.error();
  std::vector<json> out;
  out.reserve(attempts->size());
  for (const store::WebhookAttemptRow& a : *attempts) out.push_back(AttemptJson(a));
  return out;
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
          h->attempts = a.id == h->resume_alert ? h->resume_attempts : 0;
          h->resume_alert = 0;
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
  store::WebhookAttemptRow rec;
  rec.webhook = hook.id;
  rec.alert = alert["id"].get<uint64_t>();
  rec.attempt = attempt;
  rec.at = app_.Now();
  if (reply.ok()) {
    rec.status = reply->status;
  } else {
    rec.error = reply.error().message;
  }
  rec.duration_ms = std::round(ms * 10) / 10;
  rec.outcome = "delivered";
  uint64_t after = 0, delivered = 0, given_up = 0;
  {
    std::lock_guard lock(mu_);
    if (hook.removed) return;
    if (ok) {
      ++hook.delivered;
      hook.after = rec.alert;
      hook.current.reset();
    } else if (attempt >= options_.max_attempts) {
      rec.outcome = "given_up";
      ++hook.given_up;
      hook.after = rec.alert;
      hook.current.reset();
    } else {
      const auto wait = options_.first_retry * (int64_t{1} << std::min(attempt - 1, 20));
      rec.outcome = "retry";
      rec.next_attempt_in_ms = wait.count();
      hook.next_try = SteadyClock::now() + wait;
    }
    after = hook.after;
    delivered = hook.delivered;
    given_up = hook.given_up;
  }
  // The attempt and the progress together: a restart resumes after the last alert recorded
  // as handled. Only this thread records, so attempts are stored in the order made; a webhook
  // removed meanwhile is kNotFound, and nothing is written.
  if (Status st = store_.RecordWebhookAttempt(rec, after, delivered, given_up,
                                              options_.max_recorded_attempts);
      !st.ok() && st.error().code != ErrorCode::kNotFound) {
    app_.metrics().Add("truce_webhook_record_failures_total");
  }
  app_.metrics().Add(ok ? "truce_webhook_deliveries_total" : "truce_webhook_failures_total");
}

}  // namespace truce::server
