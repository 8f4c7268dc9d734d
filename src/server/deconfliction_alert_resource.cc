// /api/v1/deconfliction-alerts: hostility reports near notified sites during their validity
// and near routes during their movement windows, as `truce deconflict` computes them.
#include "server/routing.h"

namespace truce::server {
namespace {

using nlohmann::json;

// ?kind=site|movement&target=ID&verdict=inside|possible&from=T&to=T&as_of=T&limit=&cursor=
ApiResponse GetAlerts(const Call& c) {
  QueryReader q(c);
  app::DeconflictionAlertFilter f;
  f.as_of = q.Time("as_of");
  f.from = q.Time("from");
  f.to = q.Time("to");
  f.kind = q.OneOf("kind", {"site", "movement"});
  f.target = q.Text("target");
  f.verdict = q.OneOf("verdict", {"inside", "possible"});
  const app::PageRequest page = q.Page();
  if (!q.ok()) return ErrorResponse(q.error());
  auto all = c.app.DeconflictionAlertRecords(c.who, f);
  if (!all.ok()) return ErrorResponse(all.error());
  auto out = Window(std::move(all).value(), page);
  if (!out.ok()) return ErrorResponse(out.error());
  return JsonResponse(PageJson(std::move(out->items), out->next));
}

constexpr Route kRoutes[] = {
    {"GET", "/api/v1/deconfliction-alerts", app::Action::kReadDeconflictionAlerts, &GetAlerts},
};

}  // namespace

std::span<const Route> DeconflictionAlertRoutes() { return kRoutes; }

}  // namespace truce::server
