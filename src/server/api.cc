// Routing: the route table is the concatenation of each resource's routes (one line per
// resource below). A request is matched, its caller authenticated, the route's action checked
// against the permission table, and only then handed to the resource's handler.
#include "server/api.h"

#include <array>
#include <chrono>

#include <fmt/format.h>

#include "server/routing.h"
#include "server/webhooks.h"

namespace truce::server {
namespace {

using RouteList = std::span<const Route> (*)();

// The resources, one line each.
constexpr std::array<RouteList, 19> kResources = {
    &HealthRoutes,
    &ScenarioRoutes,
    &ReportRoutes,
    &PositionRoutes,
    &ClaimRoutes,
    &IncidentRoutes,
    &ExportRoutes,
    &DailyReportRoutes,
    &LogRoutes,
    &OgcRoutes,
    &OpenApiRoutes,
    // Humanitarian deconfliction.
    &SiteRoutes,
    &AcknowledgementRoutes,
    &AccessRoutes,
    &DeconflictionAlertRoutes,
    // The live monitor: flight verdicts, alerts and their delivery.
    &FlightRoutes,
    &FlightTrackRoutes,
    &AlertRoutes,
    &WebhookRoutes,
};

bool Match(std::string_view pattern, std::string_view path, std::vector<std::string>& params) {
  params.clear();
  while (!pattern.empty() || !path.empty()) {
    if (pattern.empty() || path.empty() || pattern[0] != '/' || path[0] != '/') return false;
    pattern.remove_prefix(1);
    path.remove_prefix(1);
    const size_t ps = pattern.find('/'), qs = path.find('/');
    const std::string_view pseg = pattern.substr(0, ps), qseg = path.substr(0, qs);
    if (pseg == "{}") {
      if (qseg.empty()) return false;
      params.emplace_back(qseg);
    } else if (pseg != qseg) {
      return false;
    }
    pattern = ps == std::string_view::npos ? "" : pattern.substr(ps);
    path = qs == std::string_view::npos ? "" : path.substr(qs);
  }
  return true;
}

}  // namespace

std::vector<RouteInfo> ListRoutes() {
  std::vector<RouteInfo> out;
  for (RouteList resource : kResources) {
    for (const Route& r : resource()) out.push_back({r.method, r.pattern, r.action});
  }
  return out;
}

Api::Api(app::App& app, ApiLimits limits) : app_(app), limits_(limits) {
  WebhookOptions options;
  options.max_attempts = std::max(1, limits.webhook_max_attempts);
  options.first_retry = limits.webhook_first_retry;
  webhooks_ = std::make_unique<Webhooks>(app_, options);
}

Api::~Api() = default;

ApiResponse Api::Handle(const ApiRequest& req) {
  const auto started = std::chrono::steady_clock::now();
  std::string route_name = "unmatched";
  ApiResponse response = Dispatch(req, route_name);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  app_.metrics().CountRequest(req.method, route_name, response.status, seconds);
  return response;
}

ApiResponse Api::Dispatch(const ApiRequest& req, std::string& route_name) {
  std::string path = req.path;
  if (path.size() > 1 && path.back() == '/') path.pop_back();
  std::vector<std::string> params;
  const Route* found = nullptr;
  std::string allowed;  // methods the path takes, for a 405
  for (RouteList resource : kResources) {
    for (const Route& r : resource()) {
      if (!Match(r.pattern, path, params)) continue;
      if (r.method == req.method || (req.method == "HEAD" && r.method == "GET")) {
        found = &r;
        break;
      }
      allowed += fmt::format("{}{}", allowed.empty() ? "" : ", ", r.method);
      route_name = std::string(r.pattern);
    }
    if (found) break;
  }
  if (!found) {
    if (!allowed.empty()) {
      ApiResponse r = ErrorResponse(
          MakeError(ErrorCode::kMethodNotAllowed,
                    fmt::format("{} does not accept {}", path.substr(0, 200), req.method)));
      r.headers.emplace_back("Allow", allowed);
      return r;
    }
    return ErrorResponse(
        MakeError(ErrorCode::kNotFound, fmt::format("no endpoint {}", path.substr(0, 200))));
  }
  route_name = std::string(found->pattern);
  const app::Permission& permission = app::PermissionFor(found->action);
  // A malformed, unknown or revoked token is refused everywhere, even where none is needed.
  auto authenticated = app_.Authenticate(req.authorization);
  if (!authenticated.ok()) return ErrorResponse(authenticated.error());
  app::Principal who = std::move(authenticated).value();
  if (req.authorization.empty() && !permission.roles.Has(app::Role::kPublic)) {
    // No token: the caller is the public. What the public role may see (zones, summaries,
    // published incidents, the OGC layers) needs no credentials, so the dashboard and QGIS
    // work out of the box; anything more asks for a token.
    return ErrorResponse(MakeError(
        ErrorCode::kUnauthenticated,
        "this endpoint needs a token: 'Authorization: Bearer TOKEN' (or HTTP Basic with the "
        "token as the password)"));
  }
  if (Status st = app::Check(who, found->action); !st.ok()) {
    return ErrorResponse(MakeError(ErrorCode::kForbidden,
                                   fmt::format("the {} role may not {} {}", app::RoleName(who.role),
                                               req.method, found->pattern)));
  }
  const Call call{app_, req, std::move(who), std::move(params), webhooks_.get()};
  return found->handler(call);
}

}  // namespace truce::server
