// /api/v1/positions: submitting batches of aircraft positions and listing them.
#include "server/routing.h"

namespace truce::server {
namespace {

using nlohmann::json;

ApiResponse PostPositions(const Call& c) {
  auto body = JsonBody(c);
  if (!body.ok()) return ErrorResponse(body.error());
  auto out = c.app.SubmitPositions(c.who, std::move(body).value());
  if (!out.ok()) return ErrorResponse(out.error());
  json r = ItemJson(out->items.front());
  r["accepted"] = out->positions;
  r["tree_head"] = HeadJson(c.app);
  return JsonResponse(r, 201);
}

ApiResponse GetPositions(const Call& c) {
  QueryReader q(c);
  app::PositionFilter f;
  f.as_of = q.Time("as_of");
  f.from = q.Time("from");
  f.to = q.Time("to");
  f.bbox = q.Bbox();
  f.icao24 = q.Text("icao24");
  const app::PageRequest page = q.Page();
  if (!q.ok()) return ErrorResponse(q.error());
  auto out = c.app.ListPositions(c.who, f, page);
  if (!out.ok()) return ErrorResponse(out.error());
  return JsonResponse(PageJson(std::move(out->items), out->next));
}

constexpr Route kRoutes[] = {
    {"GET", "/api/v1/positions", app::Action::kReadPositions, &GetPositions},
    {"POST", "/api/v1/positions", app::Action::kSubmitPositions, &PostPositions},
};

}  // namespace

std::span<const Route> PositionRoutes() { return kRoutes; }

}  // namespace truce::server
