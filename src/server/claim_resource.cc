// /api/v1/claims: parties' statements about incidents and each other.
#include "formats/incident_json.h"
#include "formats/records.h"
#include "server/routing.h"

namespace truce::server {
namespace {

using nlohmann::json;

ApiResponse PostClaims(const Call& c) {
  auto body = ItemsBody(c);
  if (!body.ok()) return ErrorResponse(body.error());
  auto out = c.app.SubmitClaims(c.who, std::move(body->items), body->batch);
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

ApiResponse GetClaims(const Call& c) {
  QueryReader q(c);
  app::ClaimFilter f;
  f.as_of = q.Time("as_of");
  f.party = q.Text("party");
  f.incident = q.Text("incident");
  const app::PageRequest page = q.Page();
  if (!q.ok()) return ErrorResponse(q.error());
  auto out = c.app.ListClaims(c.who, f, page);
  if (!out.ok()) return ErrorResponse(out.error());
  return JsonResponse(PageJson(std::move(out->items), out->next));
}

// ?zone=Z&from=D&to=D (days, `to` exclusive as in /summary; default the day before now).
ApiResponse GetSideBySide(const Call& c) {
  QueryReader q(c);
  app::SideBySideQuery query;
  query.as_of = q.Time("as_of");
  query.zone = q.Text("zone");
  auto from = q.Time("from");
  auto to = q.Time("to");
  if (query.zone.empty()) q.Fail("zone", "is required", "a zone id");
  if (!q.ok()) return ErrorResponse(q.error());
  using std::chrono::days;
  if (!to) to = std::chrono::floor<days>(query.as_of.value_or(c.app.Now())) + days(1);
  if (!from) from = *to - days(1);
  auto period = TimeInterval::Create(*from, *to);
  if (!period.ok()) {
    Error e = MakeError(ErrorCode::kInvalidArgument, "from must be before to");
    e.problems.push_back({"?from", "a time before to"});
    return ErrorResponse(e);
  }
  query.period = *period;
  auto out = c.app.ClaimsSideBySide(c.who, query);
  if (!out.ok()) return ErrorResponse(out.error());
  return JsonResponse(formats::Unordered(formats::SideBySideToJson(*out)));
}

constexpr Route kRoutes[] = {
    {"GET", "/api/v1/claims/side-by-side", app::Action::kReadClaims, &GetSideBySide},
    {"GET", "/api/v1/claims", app::Action::kReadClaims, &GetClaims},
    {"POST", "/api/v1/claims", app::Action::kSubmitClaims, &PostClaims},
};

}  // namespace

std::span<const Route> ClaimRoutes() { return kRoutes; }

}  // namespace truce::server
