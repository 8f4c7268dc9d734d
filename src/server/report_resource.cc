// /api/v1/reports: submitting report revisions and listing them.
#include "server/routing.h"

namespace truce::server {
namespace {

using nlohmann::json;

ApiResponse PostReports(const Call& c) {
  auto body = ItemsBody(c);
  if (!body.ok()) return ErrorResponse(body.error());
  auto out = c.app.SubmitReports(c.who, std::move(body->items), body->batch);
  if (!out.ok()) return ErrorResponse(out.error());
  json results = json::array();
  for (const app::ItemOutcome& item : out->items) {
    json r = ItemJson(item);
    r["event_id"] = item.id;
    r["revision"] = item.revision;
    results.push_back(std::move(r));
  }
  return JsonResponse({{"accepted", out->accepted},
                       {"unchanged", out->unchanged},
                       {"results", std::move(results)},
                       {"tree_head", HeadJson(c.app)}},
                      out->accepted == 0 ? 200 : 201);
}

ApiResponse GetReports(const Call& c) {
  QueryReader q(c);
  app::ReportFilter f;
  f.as_of = q.Time("as_of");
  f.from = q.Time("from");
  f.to = q.Time("to");
  f.bbox = q.Bbox();
  f.event_id = q.Text("event_id");
  f.type = q.Text("type");
  f.party = q.Text("party");
  f.all_revisions = q.OneOf("revisions", {"latest", "all"}) == "all";
  const app::PageRequest page = q.Page();
  if (!q.ok()) return ErrorResponse(q.error());
  auto out = c.app.ListReports(c.who, f, page);
  if (!out.ok()) return ErrorResponse(out.error());
  return JsonResponse(PageJson(std::move(out->items), out->next));
}

constexpr Route kRoutes[] = {
    {"GET", "/api/v1/reports", app::Action::kReadReports, &GetReports},
    {"POST", "/api/v1/reports", app::Action::kSubmitReports, &PostReports},
};

}  // namespace

std::span<const Route> ReportRoutes() { return kRoutes; }

}  // namespace truce::server
