// /api/v1/scenario, /api/v1/scenario/versions, /api/v1/zones.
#include "formats/geojson.h"
#include "server/routing.h"

namespace truce::server {
namespace {

using nlohmann::json;

json VersionJson(const app::StoredScenario& s) {
  return {{"scenario_id", s.scenario_id},
          {"version", s.version},
          {"digest", s.digest},
          {"log_index", s.entry},
          {"received_at", FormatTimestamp(s.received_at)}};
}

ApiResponse GetScenario(const Call& c) {
  QueryReader q(c);
  const auto as_of = q.Time("as_of");
  if (!q.ok()) return ErrorResponse(q.error());
  auto doc = c.app.GetScenario(c.who, as_of);
  if (!doc.ok()) return ErrorResponse(doc.error());
  json out = VersionJson(*doc->stored);
  out["bundle"] = doc->stored->bundle;
  return JsonResponse(out);
}

ApiResponse GetScenarioVersions(const Call& c) {
  auto versions = c.app.ScenarioVersions(c.who);
  if (!versions.ok()) return ErrorResponse(versions.error());
  std::vector<json> items;
  for (const auto& v : *versions) items.push_back(VersionJson(*v));
  return JsonResponse(PageJson(std::move(items), ""));
}

ApiResponse PostScenario(const Call& c) {
  auto body = JsonBody(c);
  if (!body.ok()) return ErrorResponse(body.error());
  auto out = c.app.SubmitScenario(c.who, std::move(body).value());
  if (!out.ok()) return ErrorResponse(out.error());
  const app::ItemOutcome& item = out->items.front();
  if (!item.created) {
    return JsonResponse(
        {{"status", "unchanged"}, {"version", item.revision}, {"log_index", item.log_index}});
  }
  json r = ItemJson(item);
  r["version"] = item.revision;
  r["tree_head"] = HeadJson(c.app);
  return JsonResponse(r, 201);
}

ApiResponse GetZones(const Call& c) {
  QueryReader q(c);
  const auto at = q.Time("at");
  const auto as_of = q.Time("as_of");
  if (!q.ok()) return ErrorResponse(q.error());
  auto zones = c.app.Zones(c.who, at, as_of);
  if (!zones.ok()) return ErrorResponse(zones.error());
  return JsonResponse(formats::ZoneVersionsToGeoJson(zones->versions), 200, "application/geo+json");
}

constexpr Route kRoutes[] = {
    {"GET", "/api/v1/scenario", app::Action::kReadScenario, &GetScenario},
    {"POST", "/api/v1/scenario", app::Action::kSubmitScenario, &PostScenario},
    {"GET", "/api/v1/scenario/versions", app::Action::kReadScenario, &GetScenarioVersions},
    {"GET", "/api/v1/zones", app::Action::kReadZones, &GetZones},
};

}  // namespace

std::span<const Route> ScenarioRoutes() { return kRoutes; }

}  // namespace truce::server
