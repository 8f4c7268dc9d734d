// /api/v1/alerts and /api/v1/alerts/stream: the alerts the log's entries caused (app/alerts.h),
// as a list and as Server-Sent Events, each redacted for the caller's role.
#include <fmt/format.h>

#include "app/paging.h"
#include "server/routing.h"

namespace truce::server {
namespace {

using nlohmann::json;

// The SSE form of one alert: its id (for Last-Event-ID), its kind as the event name, the
// alert as one line of JSON.
std::string EventText(const json& alert) {
  return fmt::format("id: {}\nevent: {}\ndata: {}\n\n", alert["id"].get<uint64_t>(),
                     alert["kind"].get<std::string>(),
                     alert.dump(-1, ' ', false, json::error_handler_t::replace));
}

class AlertStream : public EventStream {
 public:
  explicit AlertStream(std::shared_ptr<app::AlertSubscription> sub) : sub_(std::move(sub)) {}
  std::string Take() override {
    std::string out;
    for (const json& a : sub_->Take()) out += EventText(a);
    return out;
  }
  void OnReady(std::function<void()> wake) override { sub_->OnReady(std::move(wake)); }

 private:
  std::shared_ptr<app::AlertSubscription> sub_;
};

std::optional<app::AlertKind> KindParam(QueryReader& q) {
  const std::string text = q.Text("kind");
  if (text.empty()) return std::nullopt;
  if (auto k = app::AlertKindFromName(text)) return k;
  q.Fail("kind", fmt::format("unknown alert kind '{}'", text.substr(0, 64)),
         "one of " + app::AlertKindList());
  return std::nullopt;
}

ApiResponse GetAlerts(const Call& c) {
  QueryReader q(c);
  const auto kind = KindParam(q);
  const app::PageRequest page = q.Page();
  if (!q.ok()) return ErrorResponse(q.error());
  auto out = c.app.ListAlerts(c.who, kind, page);
  if (!out.ok()) return ErrorResponse(out.error());
  return JsonResponse(PageJson(std::move(out->items), out->next));
}

ApiResponse StreamAlerts(const Call& c) {
  QueryReader q(c);
  const auto kind = KindParam(q);
  // Last-Event-ID as a browser's EventSource sends it on reconnecting, or ?after=ID.
  std::optional<uint64_t> after = q.Count("after");
  if (!q.ok()) return ErrorResponse(q.error());
  if (!c.req.last_event_id.empty()) {
    const auto id = app::ParseCount(c.req.last_event_id);
    if (!id) {
      Error e = MakeError(ErrorCode::kInvalidArgument,
                          "Last-Event-ID: expected the id of an event this server sent");
      e.problems.push_back({"Last-Event-ID", "a whole number"});
      return ErrorResponse(e);
    }
    after = id;
  }
  auto sub = c.app.SubscribeAlerts(c.who, after, kind);
  if (!sub.ok()) return ErrorResponse(sub.error());
  ApiResponse r;
  r.status = 200;
  r.content_type = "text/event-stream";
  // Reconnect after 2 s; the first comment flushes the headers through proxies.
  r.body = "retry: 2000\n: truce alerts\n\n";
  r.headers.emplace_back("Cache-Control", "no-cache");
  r.headers.emplace_back("X-Accel-Buffering", "no");
  r.stream = std::make_shared<AlertStream>(std::move(sub).value());
  return r;
}

constexpr Route kRoutes[] = {
    {"GET", "/api/v1/alerts", app::Action::kReadAlerts, &GetAlerts},
    {"GET", "/api/v1/alerts/stream", app::Action::kReadAlerts, &StreamAlerts},
};

}  // namespace

std::span<const Route> AlertRoutes() { return kRoutes; }

}  // namespace truce::server
