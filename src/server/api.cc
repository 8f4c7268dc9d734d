#include "server/api.h"

#include <algorithm>
#include <chrono>
#include <mutex>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "formats/geojson.h"
#include "formats/reports.h"
#include "formats/summary_json.h"
#include "formats/text_file.h"
#include "server/auth.h"
#include "server/intake.h"
#include "server/scenario_bundle.h"
#include "truce/flight.h"
#include "truce/summary.h"
#include "truce/verdict.h"

namespace truce::server {
namespace {

using nlohmann::json;

// ---------------------------------------------------------------------------------------------
// Errors

struct ApiError {
  int status = 500;
  std::string code;
  std::string message;
  std::vector<Problem> problems;
};

// The one table from ErrorCode to HTTP status and stable code (STYLE.md section 5).
ApiError FromError(const Error& e) {
  ApiError out;
  out.message = e.message;
  switch (e.code) {
    case ErrorCode::kInvalidArgument:
      out.status = 400;
      break;
    case ErrorCode::kInvalidInput:
      out.status = 400;
      break;
    case ErrorCode::kNotFound:
      out.status = 404;
      break;
    case ErrorCode::kConflict:
      out.status = 409;
      break;
    case ErrorCode::kIo:
      out.status = 503;
      break;
    case ErrorCode::kInternal:
      out.status = 500;
      break;
  }
  out.code = std::string(ErrorCodeName(e.code));
  for (const std::string& p : e.problems) {
    if (p != e.message) out.problems.push_back(Problem{"", p});
  }
  return out;
}

ApiError Fail(int status, std::string code, std::string message,
              std::vector<Problem> problems = {}) {
  return ApiError{status, std::move(code), std::move(message), std::move(problems)};
}

// A rejected submission: every problem listed, nothing stored.
ApiError Rejected(std::string_view what, std::vector<Problem> problems) {
  const size_t n = problems.size();
  return Fail(400, "invalid_input",
              fmt::format("{} problem{} in the {}; nothing was stored", n, n == 1 ? "" : "s", what),
              std::move(problems));
}

ApiResponse Render(const ApiError& e) {
  json problems = json::array();
  for (const Problem& p : e.problems) {
    problems.push_back({{"path", p.path}, {"message", p.message}});
  }
  json body = {{"error", {{"code", e.code}, {"message", e.message}}}};
  if (!problems.empty()) body["error"]["problems"] = std::move(problems);
  ApiResponse r;
  r.status = e.status;
  r.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  return r;
}

ApiResponse JsonResponse(const json& body, int status = 200,
                         std::string content_type = "application/json") {
  ApiResponse r;
  r.status = status;
  r.content_type = std::move(content_type);
  r.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  return r;
}

// ---------------------------------------------------------------------------------------------
// Roles and routes

enum RoleBits : unsigned {
  kAdmin = 1u << 0,
  kMonitor = 1u << 1,
  kParty = 1u << 2,
  kGuarantor = 1u << 3,
  kHumanitarian = 1u << 4,
  kPublic = 1u << 5,
};
constexpr unsigned kEveryRole = kAdmin | kMonitor | kParty | kGuarantor | kHumanitarian | kPublic;
constexpr unsigned kStaff = kAdmin | kMonitor;
// Everyone but the public: raw reports, violations and claims name sources and allegations.
constexpr unsigned kInsiders = kAdmin | kMonitor | kParty | kGuarantor | kHumanitarian;

unsigned Bit(Role r) {
  switch (r) {
    case Role::kAdmin:
      return kAdmin;
    case Role::kMonitor:
      return kMonitor;
    case Role::kParty:
      return kParty;
    case Role::kGuarantor:
      return kGuarantor;
    case Role::kHumanitarian:
      return kHumanitarian;
    case Role::kPublic:
      return kPublic;
  }
  return 0;
}

struct Call {
  const ApiRequest& req;
  std::optional<Principal> who;     // nullopt: anonymous (only on routes open to everyone)
  std::vector<std::string> params;  // the {} segments of the route pattern
};

// ---------------------------------------------------------------------------------------------
// Request parsing helpers

std::optional<std::string> Param(const Call& c, const std::string& name) {
  const auto it = c.req.query.find(name);
  if (it == c.req.query.end() || it->second.empty()) return std::nullopt;
  return it->second;
}

std::string ParamOr(const Call& c, const std::string& name, std::string fallback = "") {
  return Param(c, name).value_or(std::move(fallback));
}

bool ParseTimeParam(const Call& c, const std::string& name, std::optional<UtcTime>& out,
                    ApiError& err) {
  const auto text = Param(c, name);
  if (!text) return true;
  auto t = ParseTimestamp(*text);
  if (!t.ok()) {
    err = Fail(400, "invalid_argument",
               fmt::format("query parameter {}: {}", name, t.error().message),
               {{"?" + name, t.error().message}});
    return false;
  }
  out = *t;
  return true;
}

// A decimal count of at most 18 digits (so that it fits).
std::optional<uint64_t> ParseUint(std::string_view text) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  uint64_t v = 0;
  for (char ch : text) {
    if (ch < '0' || ch > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(ch - '0');
  }
  return v;
}

bool ParseCount(const Call& c, const std::string& name, uint64_t& out, bool required,
                ApiError& err) {
  const auto text = Param(c, name);
  if (!text) {
    if (required) {
      err = Fail(400, "invalid_argument", fmt::format("query parameter {} is required", name),
                 {{"?" + name, "required: a whole number >= 0"}});
    }
    return !required;
  }
  const auto v = ParseUint(*text);
  if (!v) {
    err =
        Fail(400, "invalid_argument",
             fmt::format("query parameter {}: expected a whole number >= 0, got '{}'", name, *text),
             {{"?" + name, "expected a whole number >= 0"}});
    return false;
  }
  out = *v;
  return true;
}

// bbox=minLon,minLat,maxLon,maxLat (the OGC API order).
bool ParseBbox(const Call& c, std::optional<LatLngRect>& out, ApiError& err) {
  const auto text = Param(c, "bbox");
  if (!text) return true;
  std::vector<double> v;
  size_t start = 0;
  bool ok = true;
  while (ok) {
    const size_t comma = text->find(',', start);
    const std::string part =
        text->substr(start, comma == std::string::npos ? comma : comma - start);
    char* end = nullptr;
    const double d = std::strtod(part.c_str(), &end);
    ok = !part.empty() && end == part.c_str() + part.size() && std::isfinite(d);
    v.push_back(d);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (!ok || v.size() != 4 || v[0] > v[2] || v[1] > v[3] || std::fabs(v[1]) > 90 ||
      std::fabs(v[3]) > 90 || std::fabs(v[0]) > 180 || std::fabs(v[2]) > 180) {
    err = Fail(
        400, "invalid_argument",
        fmt::format("query parameter bbox: expected minLon,minLat,maxLon,maxLat, got '{}'", *text),
        {{"?bbox", "expected minLon,minLat,maxLon,maxLat in degrees"}});
    return false;
  }
  out = LatLngRect{v[1], v[3], v[0], v[2]};
  return true;
}

bool ParseLimit(const Call& c, const ApiLimits& limits, size_t& out, ApiError& err) {
  uint64_t v = limits.default_page;
  if (!ParseCount(c, "limit", v, false, err)) return false;
  if (v < 1 || v > limits.max_page) {
    err = Fail(400, "invalid_argument",
               fmt::format("query parameter limit: expected 1 to {}, got {}", limits.max_page, v),
               {{"?limit", fmt::format("expected 1 to {}", limits.max_page)}});
    return false;
  }
  out = static_cast<size_t>(v);
  return true;
}

// The request body as JSON. Errors: 415 for a non-JSON content type, 400 bad_json with the
// line and column of a syntax error.
bool ParseBody(const Call& c, json& out, ApiError& err) {
  const std::string& type = c.req.content_type;
  if (!type.empty() && type.rfind("application/json", 0) != 0 &&
      type.rfind("application/geo+json", 0) != 0) {
    err = Fail(415, "unsupported_media_type",
               fmt::format("the body must be application/json, not {}", type));
    return false;
  }
  auto doc = formats::ParseJson(c.req.body, "body");
  if (!doc.ok()) {
    err = Fail(400, "bad_json", doc.error().message, {{"", doc.error().message}});
    return false;
  }
  out = std::move(doc).value();
  return true;
}

json ReceiptJson(const Receipt& r) {
  return {{"log_index", r.index},
          {"leaf_hash", HashToHex(r.leaf_hash)},
          {"receipt", BytesToHex(r.signature)},
          {"received_at", FormatTimestamp(r.received_at)}};
}

std::string NextCursor(bool more, const std::string& value) { return more ? value : ""; }

json Page(json items, const std::string& next) {
  json out = {{"items", std::move(items)}};
  out["next"] = next.empty() ? json() : json(next);
  return out;
}

json PointGeometry(double lat, double lon) {
  return {{"type", "Point"}, {"coordinates", {lon, lat}}};
}

std::optional<json> ParseJsonText(std::string_view text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) return std::nullopt;
  return j;
}

// ---------------------------------------------------------------------------------------------
// Derived views: the reports known at a time, the scenario in force, and their verdicts.

struct Snapshot {
  uint64_t log_size = 0;
  std::shared_ptr<const Scenario> scenario;  // null when none was loaded
  int scenario_version = 0;
  std::vector<Report> reports;
  std::vector<store::ReportRow> rows;  // parallel to reports
  std::vector<Violation> violations;   // point into reports and scenario
  std::set<std::string> published;
  std::map<std::string, std::pair<int, int>> claims;  // incident -> (asserts, denials)
};

json ViolationJson(const Violation& v, const store::ReportRow& row) {
  return {{"report", v.report->event_id()},
          {"revision", row.revision},
          {"zone", v.version->zone()},
          {"version", v.version->version()},
          {"rule", RuleKindName(v.rule)},
          {"verdict", VerdictName(v.verdict)},
          {"fraction", v.fraction},
          {"clause", v.clause},
          {"party", v.party},
          {"event_type", v.report->spec().event_type},
          {"time_begin", FormatTimestamp(v.report->when().begin())},
          {"time_end", FormatTimestamp(v.report->when().end())},
          {"latitude", v.report->location().lat()},
          {"longitude", v.report->location().lng()},
          {"radius_m", v.report->radius().value}};
}

}  // namespace

ApiResponse ErrorResponse(int status, std::string_view code, std::string message) {
  return Render(Fail(status, std::string(code), std::move(message)));
}

// ---------------------------------------------------------------------------------------------

struct Api::Impl {
  using Handler = ApiResponse (Impl::*)(const Call&);
  struct Route {
    std::string_view method;
    std::string_view pattern;  // "{}" matches one path segment
    unsigned roles;
    bool anonymous;  // open without a token
    Handler handler;
  };

  Impl(store::Store& s, Ledger& l, Metrics& m, ApiLimits lim, Clock c)
      : store(s), ledger(l), metrics(m), limits(lim), clock(std::move(c)) {}

  store::Store& store;
  Ledger& ledger;
  Metrics& metrics;
  const ApiLimits limits;
  const Clock clock;
  std::mutex submit_mu;  // revision numbering and appends of one submission at a time

  std::mutex cache_mu;
  std::shared_ptr<const Snapshot> latest;                         // for queries without as_of
  std::map<uint64_t, std::shared_ptr<const Scenario>> scenarios;  // by log entry

  // The route table is the endpoint x role matrix (docs/server.md shows it as a table).
  static const std::vector<Route>& Routes() {
    static const std::vector<Route> kRoutes = {
        {"GET", "/healthz", kEveryRole, true, &Impl::Health},
        {"GET", "/metrics", kStaff, false, &Impl::MetricsText},
        {"GET", "/api/v1/scenario", kEveryRole, false, &Impl::GetScenario},
        {"POST", "/api/v1/scenario", kAdmin, false, &Impl::PostScenario},
        {"GET", "/api/v1/scenario/versions", kEveryRole, false, &Impl::GetScenarioVersions},
        {"GET", "/api/v1/zones", kEveryRole, false, &Impl::GetZones},
        {"GET", "/api/v1/reports", kInsiders, false, &Impl::GetReports},
        {"POST", "/api/v1/reports", kStaff | kParty | kGuarantor, false, &Impl::PostReports},
        {"GET", "/api/v1/positions", kStaff | kGuarantor, false, &Impl::GetPositions},
        {"POST", "/api/v1/positions", kStaff, false, &Impl::PostPositions},
        {"GET", "/api/v1/claims", kInsiders, false, &Impl::GetClaims},
        {"POST", "/api/v1/claims", kStaff | kParty, false, &Impl::PostClaims},
        {"GET", "/api/v1/violations", kInsiders, false, &Impl::GetViolations},
        {"GET", "/api/v1/incidents", kEveryRole, false, &Impl::GetIncidents},
        {"POST", "/api/v1/incidents/publish", kStaff, false, &Impl::PostPublish},
        {"GET", "/api/v1/summary", kEveryRole, false, &Impl::GetSummary},
        {"GET", "/api/v1/log/head", kEveryRole, true, &Impl::LogHead},
        {"GET", "/api/v1/log/inclusion", kEveryRole, true, &Impl::LogInclusion},
        {"GET", "/api/v1/log/consistency", kEveryRole, true, &Impl::LogConsistency},
        {"GET", "/api/v1/log/entries", kStaff | kGuarantor, false, &Impl::LogEntries},
        {"GET", "/ogc", kEveryRole, false, &Impl::OgcLanding},
        {"GET", "/ogc/conformance", kEveryRole, false, &Impl::OgcConformance},
        {"GET", "/ogc/collections", kEveryRole, false, &Impl::OgcCollections},
        {"GET", "/ogc/collections/{}", kEveryRole, false, &Impl::OgcCollection},
        {"GET", "/ogc/collections/{}/items", kEveryRole, false, &Impl::OgcItems},
    };
    return kRoutes;
  }

  static bool Match(std::string_view pattern, std::string_view path,
                    std::vector<std::string>& params) {
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

  ApiResponse Handle(const ApiRequest& req) {
    const auto started = std::chrono::steady_clock::now();
    std::string route_name = "unmatched";
    ApiResponse response = Dispatch(req, route_name);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    metrics.CountRequest(req.method, route_name, response.status, seconds);
    return response;
  }

  ApiResponse Dispatch(const ApiRequest& req, std::string& route_name) {
    std::string path = req.path;
    if (path.size() > 1 && path.back() == '/') path.pop_back();
    std::vector<std::string> params;
    const Route* found = nullptr;
    std::vector<std::string> allowed_methods;
    for (const Route& r : Routes()) {
      if (!Match(r.pattern, path, params)) continue;
      if (r.method == req.method || (req.method == "HEAD" && r.method == "GET")) {
        found = &r;
        break;
      }
      allowed_methods.emplace_back(r.method);
    }
    if (!found) {
      if (!allowed_methods.empty()) {
        ApiResponse r = Render(Fail(405, "method_not_allowed",
                                    fmt::format("{} does not accept {}", path, req.method)));
        std::string allow;
        for (const std::string& m : allowed_methods) allow += (allow.empty() ? "" : ", ") + m;
        r.headers.emplace_back("Allow", allow);
        return r;
      }
      return Render(Fail(404, "not_found", fmt::format("no endpoint {}", path)));
    }
    route_name = std::string(found->pattern);
    auto who = Authenticate(store, req.authorization);
    if (!who.ok()) {
      if (who.error().code == ErrorCode::kIo || who.error().code == ErrorCode::kInternal) {
        return Render(FromError(who.error()));
      }
      ApiResponse r = Render(Fail(401, "unauthenticated", who.error().message));
      r.headers.emplace_back("WWW-Authenticate", "Bearer");
      return r;
    }
    if (!who->has_value() && !found->anonymous) {
      // No token: the caller is the public. What the public role may see (zones, summaries,
      // published incidents, the OGC layers) needs no credentials, so the dashboard and QGIS
      // work out of the box; anything more asks for a token.
      if (!(found->roles & kPublic)) {
        ApiResponse r = Render(
            Fail(401, "unauthenticated", "this endpoint needs an 'Authorization: Bearer TOKEN'"));
        r.headers.emplace_back("WWW-Authenticate", "Bearer");
        return r;
      }
      *who = Principal{Role::kPublic, "", "anonymous"};
    }
    if (who->has_value() && !(found->roles & Bit((*who)->role))) {
      return Render(Fail(403, "forbidden",
                         fmt::format("the {} role may not {} {}", RoleName((*who)->role),
                                     req.method, found->pattern)));
    }
    const Call call{req, std::move(who).value(), std::move(params)};
    return (this->*found->handler)(call);
  }

  bool IsRole(const Call& c, Role r) const { return c.who && c.who->role == r; }

  // --- Snapshot ------------------------------------------------------------------------------

  Result<std::shared_ptr<const Scenario>> ScenarioAt(std::optional<UtcTime> as_of, int* version,
                                                     store::ScenarioRow* row_out = nullptr) {
    auto latest_row = store.LatestScenario(as_of);
    if (!latest_row.ok()) return latest_row.error();
    if (!latest_row->has_value()) return std::shared_ptr<const Scenario>();
    const auto& indexed = **latest_row;
    if (version) *version = indexed.row.version;
    if (row_out) *row_out = indexed.row;
    std::lock_guard lock(cache_mu);
    if (auto it = scenarios.find(indexed.row.entry); it != scenarios.end()) return it->second;
    const auto data = ParseJsonText(indexed.data);
    if (!data) return MakeError(ErrorCode::kInternal, "a stored scenario is not JSON");
    auto scenario = ScenarioFromBundle((*data)["body"],
                                       fmt::format("scenario version {}", indexed.row.version));
    if (!scenario.ok()) return std::move(scenario).error();
    auto shared = std::make_shared<const Scenario>(std::move(scenario).value());
    scenarios[indexed.row.entry] = shared;
    return std::shared_ptr<const Scenario>(shared);
  }

  Result<std::shared_ptr<const Snapshot>> SnapshotAt(std::optional<UtcTime> as_of) {
    const uint64_t size = ledger.size();
    if (!as_of) {
      std::lock_guard lock(cache_mu);
      if (latest && latest->log_size == size) return latest;
    }
    auto snap = std::make_shared<Snapshot>();
    snap->log_size = size;
    auto scenario = ScenarioAt(as_of, &snap->scenario_version);
    if (!scenario.ok()) return scenario.error();
    snap->scenario = *scenario;
    store::ReportQuery q;
    q.as_of = as_of;
    auto rows = store.QueryReports(q);
    if (!rows.ok()) return rows.error();
    for (auto& indexed : *rows) {
      const auto data = ParseJsonText(indexed.data);
      std::vector<Problem> problems;
      std::optional<Report> report =
          data ? ReportFromBody((*data)["body"], "", problems) : std::nullopt;
      if (!report) {
        return MakeError(ErrorCode::kInternal,
                         fmt::format("stored report {} does not parse", indexed.row.event_id));
      }
      snap->reports.push_back(std::move(*report));
      snap->rows.push_back(std::move(indexed.row));
    }
    if (snap->scenario) snap->violations = EvaluateReports(*snap->scenario, snap->reports);
    auto pubs = store.Publications(as_of);
    if (!pubs.ok()) return pubs.error();
    for (const auto& p : *pubs) snap->published.insert(p.incident);
    store::ClaimQuery cq;
    cq.as_of = as_of;
    auto claims = store.QueryClaims(cq);
    if (!claims.ok()) return claims.error();
    for (const auto& c : *claims) {
      if (c.row.incident.empty()) continue;
      auto& [asserts, denials] = snap->claims[c.row.incident];
      ++(c.row.stance == "deny" ? denials : asserts);
    }
    std::shared_ptr<const Snapshot> out = std::move(snap);
    if (!as_of) {
      std::lock_guard lock(cache_mu);
      if (!latest || latest->log_size <= out->log_size) latest = out;
    }
    return out;
  }

  // --- Health and metrics -------------------------------------------------------------------

  ApiResponse Health(const Call&) {
    auto version = store.SchemaVersion();
    if (!version.ok()) return Render(FromError(version.error()));
    return JsonResponse(
        {{"status", "ok"}, {"log_size", ledger.size()}, {"schema_version", *version}});
  }

  ApiResponse MetricsText(const Call&) {
    ApiResponse r;
    r.content_type = "text/plain; version=0.0.4";
    r.body = metrics.Render({{"truce_log_entries", static_cast<double>(ledger.size())}});
    return r;
  }

  // --- Scenario and zones --------------------------------------------------------------------

  ApiResponse GetScenario(const Call& c) {
    ApiError err;
    std::optional<UtcTime> as_of;
    if (!ParseTimeParam(c, "as_of", as_of, err)) return Render(err);
    auto row = store.LatestScenario(as_of);
    if (!row.ok()) return Render(FromError(row.error()));
    if (!row->has_value()) return Render(Fail(404, "not_found", "no scenario has been loaded"));
    const auto data = ParseJsonText((*row)->data);
    if (!data) return Render(Fail(500, "internal", "a stored scenario is not JSON"));
    return JsonResponse({{"scenario_id", (*row)->row.scenario_id},
                         {"version", (*row)->row.version},
                         {"log_index", (*row)->row.entry},
                         {"received_at", FormatTimestamp((*row)->row.received_at)},
                         {"digest", (*row)->row.digest},
                         {"bundle", (*data)["body"]}});
  }

  ApiResponse GetScenarioVersions(const Call&) {
    auto rows = store.ScenarioVersions();
    if (!rows.ok()) return Render(FromError(rows.error()));
    json items = json::array();
    for (const store::ScenarioRow& r : *rows) {
      items.push_back({{"scenario_id", r.scenario_id},
                       {"version", r.version},
                       {"digest", r.digest},
                       {"log_index", r.entry},
                       {"received_at", FormatTimestamp(r.received_at)}});
    }
    return JsonResponse(Page(std::move(items), ""));
  }

  ApiResponse PostScenario(const Call& c) {
    json body;
    ApiError err;
    if (!ParseBody(c, body, err)) return Render(err);
    if (body.is_object() && body.value("type", json()) == "FeatureCollection") {
      body = json{{"format", "truce-scenario-bundle/1"}, {"zones", {{"zones.geojson", body}}}};
    }
    auto scenario = ScenarioFromBundle(body, "body");
    if (!scenario.ok()) {
      ApiError e = FromError(scenario.error());
      e.code = "invalid_input";
      return Render(e);
    }
    std::lock_guard lock(submit_mu);
    return AdoptLocked(body, c.who->token_id);
  }

  ApiResponse AdoptLocked(const json& bundle, std::string_view submitter) {
    const std::string digest =
        HashToHex(Sha256(bundle.dump(-1, ' ', false, json::error_handler_t::replace)));
    auto latest_row = store.LatestScenario(std::nullopt);
    if (!latest_row.ok()) return Render(FromError(latest_row.error()));
    if (latest_row->has_value() && (*latest_row)->row.digest == digest) {
      return JsonResponse({{"status", "unchanged"},
                           {"version", (*latest_row)->row.version},
                           {"log_index", (*latest_row)->row.entry}});
    }
    const int version = latest_row->has_value() ? (*latest_row)->row.version + 1 : 1;
    auto receipts =
        ledger.Append({Submission{"scenario", std::string(submitter), "", bundle, version}});
    if (!receipts.ok()) return Render(FromError(receipts.error()));
    metrics.Add("truce_scenario_versions_total");
    json out = ReceiptJson(receipts->front());
    out["status"] = "created";
    out["version"] = version;
    out["tree_head"] = TreeHeadToJson(ledger.Head(), ledger.public_key());
    return JsonResponse(out, 201);
  }

  ApiResponse GetZones(const Call& c) {
    ApiError err;
    std::optional<UtcTime> at, as_of;
    if (!ParseTimeParam(c, "at", at, err) || !ParseTimeParam(c, "as_of", as_of, err)) {
      return Render(err);
    }
    auto scenario = ScenarioAt(as_of, nullptr);
    if (!scenario.ok()) return Render(FromError(scenario.error()));
    if (!*scenario) return Render(Fail(404, "not_found", "no scenario has been loaded"));
    std::vector<const ZoneVersion*> versions;
    if (at) {
      versions = (*scenario)->InForceAt(*at);
    } else {
      for (const ZoneVersion& v : (*scenario)->zone_versions()) versions.push_back(&v);
    }
    return JsonResponse(formats::ZoneVersionsToGeoJson(versions), 200, "application/geo+json");
  }

  // The body of a POST that takes one object or an array of them: the items, whether it was an
  // array, or the refusal (bad JSON, an empty batch, more than `limit` items).
  std::optional<ApiResponse> ParseItems(const Call& c, std::string_view kind, size_t limit,
                                        bool& batch, std::vector<json>& items) {
    json body;
    ApiError err;
    if (!ParseBody(c, body, err)) return Render(err);
    batch = body.is_array();
    items = batch ? body.get<std::vector<json>>() : std::vector<json>{body};
    if (items.empty()) {
      return Render(Fail(400, "invalid_input", fmt::format("an empty batch of {}", kind)));
    }
    if (items.size() > limit) {
      return Render(
          Fail(413, "payload_too_large",
               fmt::format("{} {} in one batch; the limit is {}", items.size(), kind, limit)));
    }
    return std::nullopt;
  }

  // --- Reports -------------------------------------------------------------------------------

  ApiResponse PostReports(const Call& c) {
    bool batch = false;
    std::vector<json> items;
    if (auto refused = ParseItems(c, "reports", limits.max_reports_per_batch, batch, items))
      return *refused;
    const bool as_party = IsRole(c, Role::kParty);
    std::vector<Problem> problems;
    std::vector<Report> reports;
    for (size_t i = 0; i < items.size(); ++i) {
      const std::string path = batch ? fmt::format("/{}", i) : "";
      json& item = items[i];
      if (as_party && item.is_object()) {
        // A party submits only as itself: it is the source of what it sends.
        const auto source = item.find("source");
        if (source != item.end() && !source->is_null() && *source != "" &&
            *source != c.who->party) {
          return Render(Fail(403, "forbidden",
                             fmt::format("a {} token submits only as party '{}'",
                                         RoleName(c.who->role), c.who->party),
                             {{JsonPointer(path, "source"),
                               fmt::format("must be '{}' or absent", c.who->party)}}));
        }
        item["source"] = c.who->party;
      }
      if (auto report = ReportFromBody(item, path, problems)) reports.push_back(std::move(*report));
    }
    if (!problems.empty()) {
      metrics.Add("truce_submissions_rejected_total");
      return Render(Rejected("reports", std::move(problems)));
    }
    std::lock_guard lock(submit_mu);
    // The latest known revision of each event: from the store, then from earlier in this batch.
    struct Latest {
      std::optional<Report> report;
      int revision = 0;
      std::string party;
      json result;  // the result entry of the revision (for "unchanged" answers)
    };
    std::map<std::string, Latest> latest;
    std::vector<Submission> subs;
    std::vector<json> results(reports.size());
    std::vector<size_t> pending;  // results index of each submission
    for (size_t i = 0; i < reports.size(); ++i) {
      const Report& r = reports[i];
      auto [it, fresh] = latest.try_emplace(r.event_id());
      Latest& l = it->second;
      if (fresh) {
        auto stored = store.LatestReport(r.event_id());
        if (!stored.ok()) return Render(FromError(stored.error()));
        if (stored->has_value()) {
          const auto data = ParseJsonText((*stored)->data);
          std::vector<Problem> ignored;
          if (data) l.report = ReportFromBody((*data)["body"], "", ignored);
          l.revision = (*stored)->row.revision;
          l.party = (*stored)->row.party;
          l.result = {{"log_index", (*stored)->row.entry}};
        }
      }
      if (as_party && l.revision > 0 && l.party != c.who->party) {
        return Render(
            Fail(403, "forbidden",
                 fmt::format("report {} was submitted by another source; a party may revise only "
                             "its own reports",
                             r.event_id()),
                 {{batch ? fmt::format("/{}/event_id_cnty", i) : "/event_id_cnty", "not yours"}}));
      }
      if (l.report && l.report->SameContent(r)) {
        results[i] = l.result;
        results[i]["event_id"] = r.event_id();
        results[i]["revision"] = l.revision;
        results[i]["status"] = "unchanged";
        continue;
      }
      const int revision = l.revision + 1;
      subs.push_back(Submission{"report", c.who->token_id, as_party ? c.who->party : "",
                                formats::ReportToJson(r), revision});
      pending.push_back(i);
      l.report = r;
      l.revision = revision;
      l.party = as_party ? c.who->party : "";
      l.result = json::object();  // its log index is known once appended
      results[i] = {{"event_id", r.event_id()}, {"revision", revision}, {"status", "created"}};
    }
    if (!subs.empty()) {
      auto receipts = ledger.Append(std::move(subs));
      if (!receipts.ok()) return Render(FromError(receipts.error()));
      for (size_t k = 0; k < pending.size(); ++k) {
        results[pending[k]].update(ReceiptJson((*receipts)[k]));
      }
      // Unchanged duplicates within the batch point at the entry just made.
      for (size_t i = 0; i < results.size(); ++i) {
        if (results[i]["status"] == "unchanged" && !results[i].contains("log_index")) {
          for (size_t k = 0; k < pending.size(); ++k) {
            if (results[pending[k]]["event_id"] == results[i]["event_id"] &&
                results[pending[k]]["revision"] == results[i]["revision"]) {
              results[i]["log_index"] = results[pending[k]]["log_index"];
            }
          }
        }
      }
      metrics.Add("truce_reports_accepted_total", pending.size());
    }
    metrics.Add("truce_reports_unchanged_total", reports.size() - pending.size());
    json out = {{"accepted", pending.size()},
                {"unchanged", reports.size() - pending.size()},
                {"results", results},
                {"tree_head", TreeHeadToJson(ledger.Head(), ledger.public_key())}};
    return JsonResponse(out, pending.empty() ? 200 : 201);
  }

  ApiResponse GetReports(const Call& c) {
    ApiError err;
    store::ReportQuery q;
    uint64_t after = 0;
    if (!ParseTimeParam(c, "as_of", q.as_of, err) || !ParseTimeParam(c, "from", q.from, err) ||
        !ParseTimeParam(c, "to", q.to, err) || !ParseBbox(c, q.bbox, err) ||
        !ParseLimit(c, limits, q.limit, err) || !ParseCount(c, "cursor", after, false, err)) {
      return Render(err);
    }
    if (Param(c, "cursor")) q.after = after;
    q.event_id = ParamOr(c, "event_id");
    q.event_type = ParamOr(c, "type");
    q.party = ParamOr(c, "party");
    const std::string revisions = ParamOr(c, "revisions", "latest");
    if (revisions != "latest" && revisions != "all") {
      return Render(Fail(400, "invalid_argument", "revisions: expected latest or all",
                         {{"?revisions", "expected latest or all"}}));
    }
    q.all_revisions = revisions == "all";
    if (IsRole(c, Role::kParty)) {
      // A party sees what it submitted, not other sources' reports.
      if (!q.party.empty() && q.party != c.who->party) {
        return Render(Fail(403, "forbidden", "a party token sees only its own reports"));
      }
      q.party = c.who->party;
    }
    ++q.limit;  // one more tells whether there is a next page
    auto rows = store.QueryReports(q);
    if (!rows.ok()) return Render(FromError(rows.error()));
    const bool more = rows->size() == q.limit;
    if (more) rows->pop_back();
    json items = json::array();
    for (const auto& r : *rows) {
      const auto data = ParseJsonText(r.data);
      json item = {{"log_index", r.row.entry},
                   {"event_id", r.row.event_id},
                   {"revision", r.row.revision},
                   {"received_at", FormatTimestamp(r.row.received_at)},
                   {"submitted_by_party", r.row.party},
                   {"time_begin", FormatTimestamp(r.row.time_begin)},
                   {"time_end", FormatTimestamp(r.row.time_end)},
                   {"report", data ? (*data)["body"] : json()}};
      items.push_back(std::move(item));
    }
    return JsonResponse(
        Page(std::move(items),
             NextCursor(more, rows->empty() ? "" : std::to_string(rows->back().row.entry))));
  }

  // --- Positions -----------------------------------------------------------------------------

  ApiResponse PostPositions(const Call& c) {
    json body;
    ApiError err;
    if (!ParseBody(c, body, err)) return Render(err);
    std::string prefix;
    if (body.is_object() && body.contains("positions")) {
      body = json(body["positions"]);
      prefix = "/positions";
    }
    if (!body.is_array()) {
      return Render(Fail(400, "invalid_input",
                         "expected an array of positions (or {\"positions\": [...]})",
                         {{prefix, "expected an array"}}));
    }
    if (body.empty()) return Render(Fail(400, "invalid_input", "an empty batch of positions"));
    if (body.size() > limits.max_positions_per_batch) {
      return Render(Fail(413, "payload_too_large",
                         fmt::format("{} positions in one batch; the limit is {}", body.size(),
                                     limits.max_positions_per_batch)));
    }
    std::vector<Problem> problems;
    json normal = json::array();
    for (size_t i = 0; i < body.size(); ++i) {
      if (auto p = NormalizePosition(body[i], fmt::format("{}/{}", prefix, i), problems)) {
        normal.push_back(std::move(*p));
      }
      if (problems.size() >= 100) break;  // enough to fix; the rest would repeat them
    }
    if (!problems.empty()) {
      metrics.Add("truce_submissions_rejected_total");
      // Positions come in bulk: the listing stops at the first 100 problems.
      return Render(Rejected("positions", std::move(problems)));
    }
    const size_t n = normal.size();
    auto receipts = [&] {
      std::lock_guard lock(submit_mu);
      return ledger.Append({Submission{"positions", c.who->token_id, "", std::move(normal), 0}});
    }();
    if (!receipts.ok()) return Render(FromError(receipts.error()));
    metrics.Add("truce_positions_accepted_total", n);
    json out = ReceiptJson(receipts->front());
    out["accepted"] = n;
    out["tree_head"] = TreeHeadToJson(ledger.Head(), ledger.public_key());
    return JsonResponse(out, 201);
  }

  ApiResponse GetPositions(const Call& c) {
    ApiError err;
    store::PositionQuery q;
    if (!ParseTimeParam(c, "as_of", q.as_of, err) || !ParseTimeParam(c, "from", q.from, err) ||
        !ParseTimeParam(c, "to", q.to, err) || !ParseBbox(c, q.bbox, err) ||
        !ParseLimit(c, limits, q.limit, err)) {
      return Render(err);
    }
    if (auto icao = Param(c, "icao24")) {
      auto norm = NormalizeIcao24(*icao);
      if (!norm) {
        return Render(Fail(400, "invalid_argument", "icao24: expected 6 hexadecimal digits",
                           {{"?icao24", "expected 6 hexadecimal digits"}}));
      }
      q.icao24 = *norm;
    }
    if (auto cursor = Param(c, "cursor")) {
      const size_t dot = cursor->find('.');
      const auto entry = ParseUint(std::string_view(*cursor).substr(0, dot));
      const auto ordinal = dot == std::string::npos
                               ? std::nullopt
                               : ParseUint(std::string_view(*cursor).substr(dot + 1));
      if (!entry || !ordinal || *ordinal > 1u << 30) {
        return Render(Fail(400, "invalid_argument", "cursor: not a cursor this server gave",
                           {{"?cursor", "use the 'next' value of the previous page"}}));
      }
      q.after = std::make_pair(*entry, static_cast<int>(*ordinal));
    }
    ++q.limit;
    auto rows = store.QueryPositions(q);
    if (!rows.ok()) return Render(FromError(rows.error()));
    const bool more = rows->size() == q.limit;
    if (more) rows->pop_back();
    json items = json::array();
    for (const auto& p : *rows) {
      json item = ParseJsonText(p.fields).value_or(json::object());
      item["log_index"] = p.entry;
      items.push_back(std::move(item));
    }
    return JsonResponse(Page(
        std::move(items), NextCursor(more, rows->empty() ? ""
                                                         : fmt::format("{}.{}", rows->back().entry,
                                                                       rows->back().ordinal))));
  }

  // --- Claims --------------------------------------------------------------------------------

  ApiResponse PostClaims(const Call& c) {
    bool batch = false;
    std::vector<json> items;
    if (auto refused = ParseItems(c, "claims", limits.max_claims_per_batch, batch, items))
      return *refused;
    const bool as_party = IsRole(c, Role::kParty);
    auto scenario = ScenarioAt(std::nullopt, nullptr);
    if (!scenario.ok()) return Render(FromError(scenario.error()));
    std::vector<Problem> problems;
    std::vector<Submission> subs;
    for (size_t i = 0; i < items.size(); ++i) {
      const std::string path = batch ? fmt::format("/{}", i) : "";
      json& item = items[i];
      if (as_party && item.is_object()) {
        const auto party = item.find("party");
        if (party != item.end() && !party->is_null() && *party != c.who->party) {
          return Render(Fail(
              403, "forbidden",
              fmt::format("a party token claims only as party '{}'", c.who->party),
              {{JsonPointer(path, "party"), fmt::format("must be '{}' or absent", c.who->party)}}));
        }
        item["party"] = c.who->party;
      }
      auto claim = NormalizeClaim(item, path, problems);
      if (!claim) continue;
      // Claims are a party's word: the party (and the party it is about) must exist.
      if (*scenario && (*scenario)->has_register()) {
        for (const char* key : {"party", "about"}) {
          const std::string id = claim->value(key, std::string());
          if (!id.empty() && !(*scenario)->FindParty(id)) {
            problems.push_back(
                {JsonPointer(path, key), fmt::format("'{}' is not a party of the scenario", id)});
          }
        }
      }
      subs.push_back(
          Submission{"claim", c.who->token_id, as_party ? c.who->party : "", std::move(*claim), 0});
    }
    if (!problems.empty()) {
      metrics.Add("truce_submissions_rejected_total");
      return Render(Rejected("claims", std::move(problems)));
    }
    const size_t n = subs.size();
    auto receipts = [&] {
      std::lock_guard lock(submit_mu);
      return ledger.Append(std::move(subs));
    }();
    if (!receipts.ok()) return Render(FromError(receipts.error()));
    metrics.Add("truce_claims_accepted_total", n);
    json results = json::array();
    for (const Receipt& r : *receipts) results.push_back(ReceiptJson(r));
    return JsonResponse({{"accepted", n},
                         {"results", results},
                         {"tree_head", TreeHeadToJson(ledger.Head(), ledger.public_key())}},
                        201);
  }

  ApiResponse GetClaims(const Call& c) {
    ApiError err;
    store::ClaimQuery q;
    uint64_t after = 0;
    if (!ParseTimeParam(c, "as_of", q.as_of, err) || !ParseLimit(c, limits, q.limit, err) ||
        !ParseCount(c, "cursor", after, false, err)) {
      return Render(err);
    }
    if (Param(c, "cursor")) q.after = after;
    q.party = ParamOr(c, "party");
    q.incident = ParamOr(c, "incident");
    ++q.limit;
    auto rows = store.QueryClaims(q);
    if (!rows.ok()) return Render(FromError(rows.error()));
    const bool more = rows->size() == q.limit;
    if (more) rows->pop_back();
    json items = json::array();
    for (const auto& r : *rows) {
      const auto data = ParseJsonText(r.data);
      items.push_back({{"log_index", r.row.entry},
                       {"received_at", FormatTimestamp(r.row.received_at)},
                       {"claim", data ? (*data)["body"] : json()}});
    }
    return JsonResponse(
        Page(std::move(items),
             NextCursor(more, rows->empty() ? "" : std::to_string(rows->back().row.entry))));
  }

  // --- Violations, incidents, summary --------------------------------------------------------

  struct EventFilter {
    std::optional<UtcTime> as_of, from, to;
    std::optional<LatLngRect> bbox;
    std::string zone, party, type;
  };

  bool ParseEventFilter(const Call& c, EventFilter& f, ApiError& err) {
    if (!ParseTimeParam(c, "as_of", f.as_of, err) || !ParseTimeParam(c, "from", f.from, err) ||
        !ParseTimeParam(c, "to", f.to, err) || !ParseBbox(c, f.bbox, err)) {
      return false;
    }
    f.zone = ParamOr(c, "zone");
    f.party = ParamOr(c, "party");
    f.type = ParamOr(c, "type");
    return true;
  }

  static bool Keeps(const EventFilter& f, const Report& r) {
    if (f.from && r.when().end() <= *f.from) return false;
    if (f.to && r.when().begin() >= *f.to) return false;
    if (f.bbox && !f.bbox->Contains(r.location())) return false;
    if (!f.type.empty() && r.spec().event_type != f.type) return false;
    return true;
  }

  // Offset pagination over a derived, deterministic list.
  bool ParseOffset(const Call& c, size_t& offset, size_t& limit, ApiError& err) {
    uint64_t o = 0;
    if (!ParseCount(c, "cursor", o, false, err) || !ParseLimit(c, limits, limit, err)) {
      return false;
    }
    offset = static_cast<size_t>(o);
    return true;
  }

  template <typename T>
  json Window(const std::vector<T>& all, size_t offset, size_t limit, std::string& next) {
    json items = json::array();
    for (size_t i = offset; i < all.size() && i < offset + limit; ++i) items.push_back(all[i]);
    next = offset + limit < all.size() ? std::to_string(offset + limit) : "";
    return items;
  }

  Result<std::vector<json>> Violations(const EventFilter& f, const std::string& verdict,
                                       const std::string& rule) {
    auto snap = SnapshotAt(f.as_of);
    if (!snap.ok()) return snap.error();
    std::vector<json> out;
    const Snapshot& s = **snap;
    for (const Violation& v : s.violations) {
      if (!Keeps(f, *v.report)) continue;
      if (!f.zone.empty() && v.version->zone() != f.zone) continue;
      if (!f.party.empty() && v.party != f.party) continue;
      if (!verdict.empty() && VerdictName(v.verdict) != verdict) continue;
      if (!rule.empty() && RuleKindName(v.rule) != rule) continue;
      const size_t i = static_cast<size_t>(v.report - s.reports.data());
      out.push_back(ViolationJson(v, s.rows[i]));
    }
    return out;
  }

  ApiResponse GetViolations(const Call& c) {
    ApiError err;
    EventFilter f;
    size_t offset = 0, limit = 0;
    if (!ParseEventFilter(c, f, err) || !ParseOffset(c, offset, limit, err)) return Render(err);
    const std::string verdict = ParamOr(c, "verdict"), rule = ParamOr(c, "rule");
    if (!verdict.empty() && verdict != "inside" && verdict != "possible") {
      return Render(Fail(400, "invalid_argument", "verdict: expected inside or possible",
                         {{"?verdict", "expected inside or possible"}}));
    }
    auto all = Violations(f, verdict, rule);
    if (!all.ok()) return Render(FromError(all.error()));
    std::string next;
    json items = Window(*all, offset, limit, next);
    return JsonResponse(Page(std::move(items), next));
  }

  // One incident per reported event (the latest revision of each event_id) until the
  // corroboration engine groups reports from several sources. Graded "single-source", or
  // "contested" when a party has denied it in a claim.
  Result<std::vector<json>> Incidents(const EventFilter& f, const std::string& grade,
                                      bool published_only, bool redact) {
    auto snap = SnapshotAt(f.as_of);
    if (!snap.ok()) return snap.error();
    const Snapshot& s = **snap;
    std::vector<std::vector<const Violation*>> by_report(s.reports.size());
    for (const Violation& v : s.violations) {
      by_report[static_cast<size_t>(v.report - s.reports.data())].push_back(&v);
    }
    std::vector<json> out;
    for (size_t i = 0; i < s.reports.size(); ++i) {
      const Report& r = s.reports[i];
      const ReportSpec& spec = r.spec();
      const bool published = s.published.contains(r.event_id());
      if (published_only && !published) continue;
      if (!Keeps(f, r)) continue;
      if (!f.zone.empty() &&
          std::none_of(by_report[i].begin(), by_report[i].end(),
                       [&](const Violation* v) { return v->version->zone() == f.zone; })) {
        continue;
      }
      const auto claims = s.claims.find(r.event_id());
      const int denials = claims == s.claims.end() ? 0 : claims->second.second;
      const std::string incident_grade = denials > 0 ? "contested" : "single-source";
      if (!grade.empty() && grade != incident_grade) continue;
      json zones = json::array();
      std::set<std::string> parties;
      for (const Violation* v : by_report[i]) {
        zones.push_back({{"zone", v->version->zone()},
                         {"version", v->version->version()},
                         {"rule", RuleKindName(v->rule)},
                         {"verdict", VerdictName(v->verdict)},
                         {"fraction", v->fraction}});
        if (!v->party.empty()) parties.insert(v->party);
      }
      if (!f.party.empty() && !parties.contains(f.party)) continue;
      json item = {{"id", r.event_id()},
                   {"event_date", FormatUtcDate(spec.event_date)},
                   {"event_type", spec.event_type},
                   {"sub_event_type", spec.sub_event_type},
                   {"time_begin", FormatTimestamp(r.when().begin())},
                   {"time_end", FormatTimestamp(r.when().end())},
                   {"latitude", r.location().lat()},
                   {"longitude", r.location().lng()},
                   {"radius_m", r.radius().value},
                   {"fatalities", spec.fatalities ? json(*spec.fatalities) : json()},
                   {"alleged_parties", parties},
                   {"zones", std::move(zones)},
                   {"grade", incident_grade},
                   {"published", published}};
      if (!redact) {
        item["revision"] = s.rows[i].revision;
        item["actors"] = {spec.actor1, spec.actor2};
        item["source"] = spec.source;
        item["source_group"] = spec.source_group;
        item["notes"] = spec.notes;
        item["submitted_by_party"] = s.rows[i].party;
        item["claims"] = {{"assert", claims == s.claims.end() ? 0 : claims->second.first},
                          {"deny", denials}};
      }
      out.push_back(std::move(item));
    }
    return out;
  }

  ApiResponse GetIncidents(const Call& c) {
    ApiError err;
    EventFilter f;
    size_t offset = 0, limit = 0;
    if (!ParseEventFilter(c, f, err) || !ParseOffset(c, offset, limit, err)) return Render(err);
    const bool is_public = IsRole(c, Role::kPublic);
    const std::string published = ParamOr(c, "published");
    auto all = Incidents(f, ParamOr(c, "grade"), is_public || published == "true", is_public);
    if (!all.ok()) return Render(FromError(all.error()));
    std::string next;
    json items = Window(*all, offset, limit, next);
    return JsonResponse(Page(std::move(items), next));
  }

  ApiResponse PostPublish(const Call& c) {
    json body;
    ApiError err;
    if (!ParseBody(c, body, err)) return Render(err);
    const std::string incident = body.is_object() && body.value("incident", json()).is_string()
                                     ? body["incident"].get<std::string>()
                                     : "";
    if (incident.empty()) {
      return Render(Fail(400, "invalid_input", "expected {\"incident\": \"EVENT_ID\"}",
                         {{"/incident", "required string"}}));
    }
    std::lock_guard lock(submit_mu);
    auto report = store.LatestReport(incident);
    if (!report.ok()) return Render(FromError(report.error()));
    if (!report->has_value()) {
      return Render(Fail(404, "not_found", fmt::format("no incident '{}'", incident)));
    }
    auto pubs = store.Publications(std::nullopt);
    if (!pubs.ok()) return Render(FromError(pubs.error()));
    for (const auto& p : *pubs) {
      if (p.incident == incident) {
        return JsonResponse({{"status", "unchanged"}, {"log_index", p.entry}});
      }
    }
    auto receipts = ledger.Append(
        {Submission{"publication", c.who->token_id, "", json{{"incident", incident}}, 0}});
    if (!receipts.ok()) return Render(FromError(receipts.error()));
    json out = ReceiptJson(receipts->front());
    out["status"] = "created";
    return JsonResponse(out, 201);
  }

  ApiResponse GetSummary(const Call& c) {
    ApiError err;
    std::optional<UtcTime> as_of, from, to;
    if (!ParseTimeParam(c, "as_of", as_of, err) || !ParseTimeParam(c, "from", from, err) ||
        !ParseTimeParam(c, "to", to, err)) {
      return Render(err);
    }
    using std::chrono::days;
    if (!to) to = std::chrono::floor<days>(as_of.value_or(clock())) + days(1);
    if (!from) from = *to - days(1);
    const auto whole_day = [](UtcTime t) { return std::chrono::floor<days>(t) == t; };
    auto period = TimeInterval::Create(*from, *to);
    if (!period.ok() || !whole_day(*from) || !whole_day(*to)) {
      return Render(Fail(400, "invalid_argument",
                         "from and to must be dates (YYYY-MM-DD) with from before to",
                         {{"?from", "a date before to"}}));
    }
    auto snap = SnapshotAt(as_of);
    if (!snap.ok()) return Render(FromError(snap.error()));
    if (!(*snap)->scenario) return Render(Fail(404, "not_found", "no scenario has been loaded"));
    std::vector<std::string> zones;
    const std::string only = ParamOr(c, "zone");
    for (const ZoneVersion& v : (*snap)->scenario->zone_versions()) {
      if ((only.empty() || v.zone() == only) &&
          std::find(zones.begin(), zones.end(), v.zone()) == zones.end()) {
        zones.push_back(v.zone());
      }
    }
    if (!only.empty() && zones.empty()) {
      return Render(Fail(404, "not_found", fmt::format("no zone '{}'", only)));
    }
    return JsonResponse(
        formats::SummaryToJson(SummarizeViolations((*snap)->violations, zones, *period)));
  }

  // --- Transparency log ----------------------------------------------------------------------

  ApiResponse LogHead(const Call&) {
    return JsonResponse(TreeHeadToJson(ledger.Head(), ledger.public_key()));
  }

  ApiResponse LogInclusion(const Call& c) {
    ApiError err;
    uint64_t index = 0, size = ledger.size();
    if (!ParseCount(c, "index", index, true, err) ||
        !ParseCount(c, "tree_size", size, false, err)) {
      return Render(err);
    }
    if (index >= size) {
      return Render(Fail(400, "invalid_argument",
                         fmt::format("entry {} is not in a tree of {} entries", index, size),
                         {{"?index", "must be below tree_size"}}));
    }
    auto proof = ledger.InclusionProof(index, size);
    if (!proof.ok()) return Render(FromError(proof.error()));
    json hashes = json::array();
    for (const Hash& h : *proof) hashes.push_back(HashToHex(h));
    return JsonResponse({{"index", index},
                         {"tree_size", size},
                         {"leaf_hash", HashToHex(ledger.Leaf(index))},
                         {"root_hash", HashToHex(*ledger.Root(size))},
                         {"proof", hashes}});
  }

  ApiResponse LogConsistency(const Call& c) {
    ApiError err;
    uint64_t first = 0, second = ledger.size();
    if (!ParseCount(c, "first", first, true, err) || !ParseCount(c, "second", second, false, err)) {
      return Render(err);
    }
    if (first > second) {
      return Render(Fail(400, "invalid_argument", "first must not exceed second",
                         {{"?first", "must not exceed second"}}));
    }
    auto proof = ledger.ConsistencyProof(first, second);
    if (!proof.ok()) return Render(FromError(proof.error()));
    json hashes = json::array();
    for (const Hash& h : *proof) hashes.push_back(HashToHex(h));
    return JsonResponse({{"first", first}, {"second", second}, {"proof", hashes}});
  }

  ApiResponse LogEntries(const Call& c) {
    ApiError err;
    uint64_t from = 0;
    size_t limit = 0;
    if (!ParseCount(c, "from", from, false, err) || !ParseLimit(c, limits, limit, err)) {
      return Render(err);
    }
    const uint64_t size = ledger.size();
    json items = json::array();
    Status st = store.ScanEntries(from, [&](const store::LogEntry& e, const store::EntryIndex&) {
      if (e.index >= size || items.size() >= limit) return false;
      items.push_back({{"index", e.index},
                       {"kind", e.kind},
                       {"received_at", FormatTimestamp(e.received_at)},
                       {"leaf_hash", HashToHex(e.leaf_hash)},
                       {"receipt", BytesToHex(e.receipt)},
                       {"data", e.data}});
      return true;
    });
    if (!st.ok()) return Render(FromError(st.error()));
    const uint64_t next = from + items.size();
    return JsonResponse(Page(std::move(items), next < size ? std::to_string(next) : ""));
  }

  // --- OGC API - Features --------------------------------------------------------------------

  struct Collection {
    std::string_view id, title, description;
    unsigned roles;
  };
  static const std::vector<Collection>& Collections() {
    static const std::vector<Collection> kCollections = {
        {"zones", "Zone versions", "Every dated version of every de-escalation zone", kEveryRole},
        {"incidents", "Incidents",
         "Reported events with their zone verdicts (the public role sees published ones)",
         kEveryRole},
        {"violations", "Violations", "Rules of zone versions broken by reports", kInsiders},
        {"reports", "Reports", "The latest revision of each incident report", kInsiders},
    };
    return kCollections;
  }

  static json Link(const std::string& href, const char* rel, const char* type,
                   const std::string& title = "") {
    json l = {{"href", href}, {"rel", rel}, {"type", type}};
    if (!title.empty()) l["title"] = title;
    return l;
  }

  json CollectionJson(const Call& c, const Collection& col) {
    const std::string base = c.req.base_url + "/ogc/collections/" + std::string(col.id);
    return {{"id", col.id},
            {"title", col.title},
            {"description", col.description},
            {"itemType", "feature"},
            {"crs", {"http://www.opengis.net/def/crs/OGC/1.3/CRS84"}},
            {"extent",
             {{"spatial",
               {{"bbox", {{-180, -90, 180, 90}}},
                {"crs", "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}}}}},
            {"links",
             {Link(base, "self", "application/json"),
              Link(base + "/items", "items", "application/geo+json", std::string(col.title))}}};
  }

  ApiResponse OgcLanding(const Call& c) {
    const std::string base = c.req.base_url + "/ogc";
    return JsonResponse(
        {{"title", "truce"},
         {"description", "De-escalation zones, incidents and verdicts as OGC API - Features"},
         {"links",
          {Link(base, "self", "application/json"),
           Link(base + "/conformance", "conformance", "application/json"),
           Link(base + "/collections", "data", "application/json")}}});
  }

  ApiResponse OgcConformance(const Call&) {
    return JsonResponse({{"conformsTo",
                          {"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
                           "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson"}}});
  }

  ApiResponse OgcCollections(const Call& c) {
    json cols = json::array();
    for (const Collection& col : Collections()) {
      if (col.roles & Bit(c.who->role)) cols.push_back(CollectionJson(c, col));
    }
    return JsonResponse(
        {{"collections", cols},
         {"links", {Link(c.req.base_url + "/ogc/collections", "self", "application/json")}}});
  }

  const Collection* FindCollection(const Call& c, ApiError& err) {
    for (const Collection& col : Collections()) {
      if (col.id != c.params[0]) continue;
      if (!(col.roles & Bit(c.who->role))) {
        err = Fail(
            403, "forbidden",
            fmt::format("the {} role may not read collection {}", RoleName(c.who->role), col.id));
        return nullptr;
      }
      return &col;
    }
    err = Fail(404, "not_found", fmt::format("no collection '{}'", c.params[0]));
    return nullptr;
  }

  ApiResponse OgcCollection(const Call& c) {
    ApiError err;
    const Collection* col = FindCollection(c, err);
    if (!col) return Render(err);
    return JsonResponse(CollectionJson(c, *col));
  }

  // datetime=T, T1/T2, ../T2 or T1/.. (OGC API - Features 1.0, 7.15.4).
  bool ParseDatetime(const Call& c, std::optional<UtcTime>& from, std::optional<UtcTime>& to,
                     ApiError& err) {
    const auto text = Param(c, "datetime");
    if (!text) return true;
    auto one = [&](std::string_view part, std::optional<UtcTime>& out) {
      if (part == ".." || part.empty()) return true;
      auto t = ParseTimestamp(part);
      if (!t.ok()) {
        err = Fail(400, "invalid_argument", "datetime: " + t.error().message,
                   {{"?datetime", "expected T, T1/T2, ../T or T/.."}});
        return false;
      }
      out = *t;
      return true;
    };
    const size_t slash = text->find('/');
    if (slash == std::string::npos) {
      if (!one(*text, from)) return false;
      to = *from + std::chrono::milliseconds(1);
      return true;
    }
    return one(std::string_view(*text).substr(0, slash), from) &&
           one(std::string_view(*text).substr(slash + 1), to);
  }

  ApiResponse OgcItems(const Call& c) {
    ApiError err;
    const Collection* col = FindCollection(c, err);
    if (!col) return Render(err);
    EventFilter f;
    uint64_t offset = 0;
    size_t limit = 0;
    if (!ParseBbox(c, f.bbox, err) || !ParseDatetime(c, f.from, f.to, err) ||
        !ParseLimit(c, limits, limit, err) || !ParseCount(c, "offset", offset, false, err) ||
        !ParseTimeParam(c, "as_of", f.as_of, err)) {
      return Render(err);
    }
    std::vector<json> features;
    if (col->id == "zones") {
      auto scenario = ScenarioAt(f.as_of, nullptr);
      if (!scenario.ok()) return Render(FromError(scenario.error()));
      if (*scenario) {
        std::vector<const ZoneVersion*> versions;
        for (const ZoneVersion& v : (*scenario)->zone_versions()) {
          if (f.from && v.validity().end() <= *f.from) continue;
          if (f.to && v.validity().begin() >= *f.to) continue;
          const LatLngRect& b = v.bounds();
          if (f.bbox && (b.lat_hi < f.bbox->lat_lo || b.lat_lo > f.bbox->lat_hi ||
                         b.lng_hi < f.bbox->lng_lo || b.lng_lo > f.bbox->lng_hi)) {
            continue;
          }
          versions.push_back(&v);
        }
        json fc = formats::ZoneVersionsToGeoJson(versions);
        for (size_t i = 0; i < fc["features"].size(); ++i) {
          json feature = fc["features"][i];
          feature["id"] = fmt::format("{}.v{}", versions[i]->zone(), versions[i]->version());
          features.push_back(std::move(feature));
        }
      }
    } else {
      Result<std::vector<json>> items = std::vector<json>{};
      if (col->id == "incidents") {
        const bool is_public = IsRole(c, Role::kPublic);
        items = Incidents(f, "", is_public, is_public);
      } else if (col->id == "violations") {
        items = Violations(f, "", "");
      } else {
        auto snap = SnapshotAt(f.as_of);
        if (!snap.ok()) return Render(FromError(snap.error()));
        std::vector<json> reports;
        for (size_t i = 0; i < (*snap)->reports.size(); ++i) {
          const Report& r = (*snap)->reports[i];
          if (!Keeps(f, r)) continue;
          if (IsRole(c, Role::kParty) && (*snap)->rows[i].party != c.who->party) continue;
          json props = formats::ReportToJson(r);
          props["revision"] = (*snap)->rows[i].revision;
          reports.push_back({{"id", r.event_id()},
                             {"latitude", r.location().lat()},
                             {"longitude", r.location().lng()},
                             {"properties", props}});
        }
        items = std::move(reports);
      }
      if (!items.ok()) return Render(FromError(items.error()));
      size_t n = 0;
      for (json& item : *items) {
        const double lat = item["latitude"], lon = item["longitude"];
        json props = item.contains("properties") ? item["properties"] : item;
        const std::string id =
            item.contains("id") ? item["id"].get<std::string>() : fmt::format("{}", n);
        ++n;
        features.push_back({{"type", "Feature"},
                            {"id", col->id == "violations" ? fmt::format("{}", n - 1) : id},
                            {"geometry", PointGeometry(lat, lon)},
                            {"properties", std::move(props)}});
      }
    }
    const size_t matched = features.size();
    json page = json::array();
    for (size_t i = offset; i < matched && i < offset + limit; ++i) page.push_back(features[i]);
    json links = {Link(c.req.base_url + "/ogc/collections/" + std::string(col->id) + "/items",
                       "self", "application/geo+json")};
    if (offset + limit < matched) {
      links.push_back(Link(fmt::format("{}/ogc/collections/{}/items?limit={}&offset={}",
                                       c.req.base_url, col->id, limit, offset + limit),
                           "next", "application/geo+json"));
    }
    const size_t returned = page.size();
    return JsonResponse({{"type", "FeatureCollection"},
                         {"features", std::move(page)},
                         {"numberMatched", matched},
                         {"numberReturned", returned},
                         {"timeStamp", FormatUtcTime(clock())},
                         {"links", links}},
                        200, "application/geo+json");
  }
};

Api::Api(store::Store& store, Ledger& ledger, Metrics& metrics, ApiLimits limits, Clock clock)
    : impl_(std::make_unique<Impl>(store, ledger, metrics, limits, std::move(clock))) {}

Api::~Api() = default;

ApiResponse Api::Handle(const ApiRequest& request) { return impl_->Handle(request); }

const ApiLimits& Api::limits() const noexcept { return impl_->limits; }

Result<int> Api::AdoptScenario(const json& bundle, std::string_view submitter) {
  auto scenario = ScenarioFromBundle(bundle, "scenario");
  if (!scenario.ok()) return std::move(scenario).error();
  std::lock_guard lock(impl_->submit_mu);
  ApiResponse r = impl_->AdoptLocked(bundle, submitter);
  const auto body = ParseJsonText(r.body);
  if (r.status >= 300 || !body) {
    return MakeError(ErrorCode::kIo, "could not store the scenario: " + r.body);
  }
  return (*body)["version"].get<int>();
}

}  // namespace truce::server
