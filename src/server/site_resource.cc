// /api/v1/sites and /api/v1/movements: the protected sites and aid movements notified to the
// parties, and /api/v1/movements/{id}/outcomes, what became of a movement. Every list read is a
// log entry (a disclosure); the response carries it, so the reader can prove what it was shown.
#include "server/routing.h"

namespace truce::server {
namespace {

using nlohmann::json;

ApiResponse Submitted(const Call& c, const Result<app::SubmitOutcome>& out) {
  if (!out.ok()) return ErrorResponse(out.error());
  json results = json::array();
  for (size_t i = 0; i < out->items.size(); ++i) {
    const app::ItemOutcome& item = out->items[i];
    json r = ItemJson(item);
    r["id"] = item.id;
    r["revision"] = item.revision;
    if (i < out->details.size()) r.update(out->details[i]);
    results.push_back(std::move(r));
  }
  return JsonResponse({{"accepted", out->accepted},
                       {"unchanged", out->unchanged},
                       {"results", std::move(results)},
                       {"tree_head", HeadJson(c.app)}},
                      out->accepted == 0 ? 200 : 201);
}

ApiResponse PostSites(const Call& c) {
  auto body = JsonBody(c);
  if (!body.ok()) return ErrorResponse(body.error());
  return Submitted(c, c.app.SubmitSites(c.who, std::move(body).value()));
}

ApiResponse PostMovements(const Call& c) {
  auto body = JsonBody(c);
  if (!body.ok()) return ErrorResponse(body.error());
  return Submitted(c, c.app.SubmitMovements(c.who, std::move(body).value()));
}

// ?as_of=T&at=T&organisation=O[&type=hospital]&limit=&cursor=
ApiResponse List(const Call& c, bool sites) {
  QueryReader q(c);
  app::NotificationFilter f;
  f.as_of = q.Time("as_of");
  f.at = q.Time("at");
  f.organisation = q.Text("organisation");
  if (sites) f.type = q.Text("type");
  const app::PageRequest page = q.Page();
  if (!q.ok()) return ErrorResponse(q.error());
  for (const char* name : {"as_of", "at", "organisation", "type", "limit", "cursor"}) {
    if (auto v = c.Param(name)) f.query[name] = *v;
  }
  auto out = sites ? c.app.ListSites(c.who, f, page) : c.app.ListMovements(c.who, f, page);
  if (!out.ok()) return ErrorResponse(out.error());
  json body = PageJson(std::move(out->page.items), out->page.next);
  json disclosure = app::ReceiptToJson(out->receipt);
  disclosure["entry"] = out->entry_data;
  body["disclosure"] = std::move(disclosure);
  return JsonResponse(body);
}

ApiResponse GetSites(const Call& c) { return List(c, true); }
ApiResponse GetMovements(const Call& c) { return List(c, false); }

ApiResponse PostOutcome(const Call& c) {
  auto body = JsonBody(c);
  if (!body.ok()) return ErrorResponse(body.error());
  auto out = c.app.SubmitDeliveryOutcome(c.who, c.params[0], std::move(body).value());
  if (!out.ok()) return ErrorResponse(out.error());
  json r = ItemJson(out->items.front());
  r["movement"] = out->items.front().id;
  return JsonResponse(
      {{"accepted", 1}, {"results", json::array({r})}, {"tree_head", HeadJson(c.app)}}, 201);
}

constexpr Route kRoutes[] = {
    {"GET", "/api/v1/sites", app::Action::kReadNotifications, &GetSites},
    {"POST", "/api/v1/sites", app::Action::kSubmitNotifications, &PostSites},
    {"GET", "/api/v1/movements", app::Action::kReadNotifications, &GetMovements},
    {"POST", "/api/v1/movements", app::Action::kSubmitNotifications, &PostMovements},
    {"POST", "/api/v1/movements/{}/outcomes", app::Action::kSubmitDeliveryOutcomes, &PostOutcome},
};

}  // namespace

std::span<const Route> SiteRoutes() { return kRoutes; }

}  // namespace truce::server
