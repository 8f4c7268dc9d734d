// /api/v1/claims: parties' statements about incidents and each other.
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
  for (const app::ItemOutcome& item : out->items) results.push_back(ReceiptJson(*item.receipt));
  return JsonResponse({{"accepted", out->accepted},
                       {"results", std::move(results)},
                       {"tree_head", HeadJson(c.app)}},
                      201);
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

constexpr Route kRoutes[] = {
    {"GET", "/api/v1/claims", app::Action::kReadClaims, &GetClaims},
    {"POST", "/api/v1/claims", app::Action::kSubmitClaims, &PostClaims},
};

}  // namespace

std::span<const Route> ClaimRoutes() { return kRoutes; }

}  // namespace truce::server
