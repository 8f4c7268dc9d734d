// /healthz and /metrics.
#include "server/routing.h"

namespace truce::server {
namespace {

ApiResponse Health(const Call& c) {
  auto health = c.app.GetHealth();
  if (!health.ok()) return ErrorResponse(health.error());
  return JsonResponse({{"status", "ok"},
                       {"log_size", health->log_size},
                       {"schema_version", health->schema_version}});
}

ApiResponse MetricsText(const Call& c) {
  auto text = c.app.MetricsText(c.who);
  if (!text.ok()) return ErrorResponse(text.error());
  ApiResponse r;
  r.content_type = "text/plain; version=0.0.4";
  r.body = std::move(text).value();
  return r;
}

constexpr Route kRoutes[] = {
    {"GET", "/healthz", app::Action::kReadHealth, &Health},
    {"GET", "/metrics", app::Action::kReadMetrics, &MetricsText},
};

}  // namespace

std::span<const Route> HealthRoutes() { return kRoutes; }

}  // namespace truce::server
