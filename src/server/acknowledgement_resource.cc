// /api/v1/acknowledgements: the parties' answers to the notifications they were told of, and
// where each told party stands on each (pending, acknowledged, rejected, overdue).
#include "server/routing.h"

namespace truce::server {
namespace {

using nlohmann::json;

ApiResponse PostAcknowledgements(const Call& c) {
  auto body = ItemsBody(c);
  if (!body.ok()) return ErrorResponse(body.error());
  auto out = c.app.SubmitAcknowledgements(c.who, std::move(body->items), body->batch);
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

// ?kind=site|movement&notification=ID&party=P&state=pending|acknowledged|rejected|overdue
// &as_of=T&limit=&cursor=
ApiResponse GetAcknowledgements(const Call& c) {
  QueryReader q(c);
  app::AcknowledgementFilter f;
  f.as_of = q.Time("as_of");
  f.kind = q.OneOf("kind", {"site", "movement"});
  f.notification = q.Text("notification");
  f.party = q.Text("party");
  f.state = q.OneOf("state", {"pending", "acknowledged", "rejected", "overdue"});
  const app::PageRequest page = q.Page();
  if (!q.ok()) return ErrorResponse(q.error());
  auto all = c.app.Acknowledgements(c.who, f);
  if (!all.ok()) return ErrorResponse(all.error());
  auto out = Window(std::move(all).value(), page);
  if (!out.ok()) return ErrorResponse(out.error());
  return JsonResponse(PageJson(std::move(out->items), out->next));
}

constexpr Route kRoutes[] = {
    {"GET", "/api/v1/acknowledgements", app::Action::kReadAcknowledgements, &GetAcknowledgements},
    {"POST", "/api/v1/acknowledgements", app::Action::kSubmitAcknowledgements,
     &PostAcknowledgements},
};

}  // namespace

std::span<const Route> AcknowledgementRoutes() { return kRoutes; }

}  // namespace truce::server
