// /api/v1/access: per zone and period, the humanitarian_access verdict: how many notified
// movements into the zone got through.
#include "server/routing.h"

namespace truce::server {
namespace {

using nlohmann::json;

// ?zone=Z&from=D&to=D&as_of=T (the period [from, to); default the 30 days to the end of today).
ApiResponse GetAccess(const Call& c) {
  QueryReader q(c);
  app::AccessQuery query;
  query.as_of = q.Time("as_of");
  query.zone = q.Text("zone");
  auto from = q.Time("from");
  auto to = q.Time("to");
  if (!q.ok()) return ErrorResponse(q.error());
  using std::chrono::days;
  if (!to) to = std::chrono::floor<days>(query.as_of.value_or(c.app.Now())) + days(1);
  if (!from) from = *to - days(30);
  auto period = TimeInterval::Create(*from, *to);
  if (!period.ok()) {
    Error e = MakeError(ErrorCode::kInvalidArgument, "from must be before to");
    e.problems.push_back({"?from", "a time before to"});
    return ErrorResponse(e);
  }
  query.period = *period;
  auto out = c.app.Access(c.who, query);
  if (!out.ok()) return ErrorResponse(out.error());
  return JsonResponse({{"items", std::move(out).value()}, {"next", nullptr}});
}

constexpr Route kRoutes[] = {
    {"GET", "/api/v1/access", app::Action::kReadAccess, &GetAccess},
};

}  // namespace

std::span<const Route> AccessRoutes() { return kRoutes; }

}  // namespace truce::server
