// /api/v1/webhooks: registering the URLs alerts are delivered to (admin only), listing them and
// every delivery attempt (webhooks.h).
#include "server/routing.h"
#include "server/webhooks.h"

namespace truce::server {
namespace {

using nlohmann::json;

ApiResponse PostWebhook(const Call& c) {
  auto body = JsonBody(c);
  if (!body.ok()) return ErrorResponse(body.error());
  auto hook = c.webhooks->Register(*body);
  if (!hook.ok()) return ErrorResponse(hook.error());
  return JsonResponse(*hook, 201);
}

ApiResponse GetWebhooks(const Call& c) { return JsonResponse(PageJson(c.webhooks->List(), "")); }

ApiResponse DeleteWebhook(const Call& c) {
  if (Status st = c.webhooks->Remove(c.params[0]); !st.ok()) return ErrorResponse(st.error());
  return JsonResponse({{"removed", c.params[0]}});
}

ApiResponse GetDeliveries(const Call& c) {
  QueryReader q(c);
  const app::PageRequest page = q.Page();
  if (!q.ok()) return ErrorResponse(q.error());
  auto all = c.webhooks->Deliveries(c.params[0]);
  if (!all.ok()) return ErrorResponse(all.error());
  auto window = Window(std::move(all).value(), page);
  if (!window.ok()) return ErrorResponse(window.error());
  return JsonResponse(PageJson(std::move(window->items), window->next));
}

constexpr Route kRoutes[] = {
    {"GET", "/api/v1/webhooks", app::Action::kManageWebhooks, &GetWebhooks},
    {"POST", "/api/v1/webhooks", app::Action::kManageWebhooks, &PostWebhook},
    {"DELETE", "/api/v1/webhooks/{}", app::Action::kManageWebhooks, &DeleteWebhook},
    {"GET", "/api/v1/webhooks/{}/deliveries", app::Action::kManageWebhooks, &GetDeliveries},
};

}  // namespace

std::span<const Route> WebhookRoutes() { return kRoutes; }

}  // namespace truce::server
