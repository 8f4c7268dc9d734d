// /api/v1/flight-violations and /api/v1/exemptions: the flight ban over the positions the
// server holds (docs/server.md "Flight violations"), derived, never stored; and the notified
// flights it is judged with.
#include "server/routing.h"

namespace truce::server {
namespace {

using nlohmann::json;

ApiResponse GetFlightViolations(const Call& c) {
  QueryReader q(c);
  app::FlightViolationFilter f;
  f.as_of = q.Time("as_of");
  f.from = q.Time("from");
  f.to = q.Time("to");
  f.bbox = q.Bbox();
  f.zone = q.Text("zone");
  f.icao24 = q.Text("icao24");
  const app::PageRequest page = q.Page();
  if (!q.ok()) return ErrorResponse(q.error());
  auto all = c.app.FlightViolations(c.who, f);
  if (!all.ok()) return ErrorResponse(all.error());
  auto window = Window(std::move(all).value(), page);
  if (!window.ok()) return ErrorResponse(window.error());
  return JsonResponse(PageJson(std::move(window->items), window->next));
}

ApiResponse PostExemptions(const Call& c) {
  auto body = ItemsBody(c);
  if (!body.ok()) return ErrorResponse(body.error());
  auto out = c.app.SubmitExemptions(c.who, std::move(body->items), body->batch);
  if (!out.ok()) return ErrorResponse(out.error());
  json results = json::array();
  for (const app::ItemOutcome& item : out->items) {
    json r = ItemJson(item);
    if (!item.id.empty()) r["id"] = item.id;
    results.push_back(std::move(r));
  }
  return JsonResponse({{"accepted", out->accepted},
                       {"unchanged", out->unchanged},
                       {"results", std::move(results)},
                       {"tree_head", HeadJson(c.app)}},
                      out->accepted == 0 ? 200 : 201);
}

ApiResponse GetExemptions(const Call& c) {
  QueryReader q(c);
  const auto as_of = q.Time("as_of");
  const app::PageRequest page = q.Page();
  if (!q.ok()) return ErrorResponse(q.error());
  auto all = c.app.Exemptions(c.who, as_of);
  if (!all.ok()) return ErrorResponse(all.error());
  auto window = Window(std::move(all).value(), page);
  if (!window.ok()) return ErrorResponse(window.error());
  return JsonResponse(PageJson(std::move(window->items), window->next));
}

constexpr Route kRoutes[] = {
    {"GET", "/api/v1/flight-violations", app::Action::kReadFlightViolations, &GetFlightViolations},
    {"GET", "/api/v1/exemptions", app::Action::kReadExemptions, &GetExemptions},
    {"POST", "/api/v1/exemptions", app::Action::kSubmitExemptions, &PostExemptions},
};

}  // namespace

std::span<const Route> FlightRoutes() { return kRoutes; }

}  // namespace truce::server
