// The server's one shared layer, under the per-resource files: the route type each resource
// declares, the call a handler receives, reading query parameters and bodies, and writing
// responses (JSON, errors through the one error table, pages, links). Handlers reach data only
// through app::App, whose operations apply the role policy; nothing here or in a resource file
// touches the store.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/app.h"
#include "server/api.h"
#include "truce/geo.h"
#include "truce/result.h"
#include "truce/time.h"

namespace truce::server {

// One request being served: who is calling, the request, the {} segments of the route.
struct Call {
  app::App& app;
  const ApiRequest& req;
  app::Principal who;
  std::vector<std::string> params;
  Webhooks* webhooks = nullptr;  // the API's webhook deliveries (webhooks.h)

  // A query parameter's value; nullopt when absent or empty.
  std::optional<std::string> Param(std::string_view name) const;
  // The absolute URL of `path` ("/ogc/collections") for links.
  std::string Url(std::string_view path) const { return req.base_url + std::string(path); }
};

using Handler = ApiResponse (*)(const Call&);

struct Route {
  std::string_view method;
  std::string_view pattern;  // "{}" matches one path segment
  app::Action action;        // who may call it (policy.h); checked before the handler runs
  Handler handler;
};

// Each resource file's routes; api.cc lists them, one line per resource.
std::span<const Route> HealthRoutes();
std::span<const Route> ScenarioRoutes();
std::span<const Route> ReportRoutes();
std::span<const Route> PositionRoutes();
std::span<const Route> ClaimRoutes();
std::span<const Route> IncidentRoutes();
std::span<const Route> ExportRoutes();
std::span<const Route> DailyReportRoutes();
std::span<const Route> LogRoutes();
std::span<const Route> OgcRoutes();
std::span<const Route> OpenApiRoutes();
std::span<const Route> SiteRoutes();  // sites, movements, delivery outcomes
std::span<const Route> AcknowledgementRoutes();
std::span<const Route> AccessRoutes();
std::span<const Route> DeconflictionAlertRoutes();
std::span<const Route> FlightRoutes();
std::span<const Route> FlightTrackRoutes();
std::span<const Route> AlertRoutes();
std::span<const Route> WebhookRoutes();

// The API definition (docs/openapi.yaml, embedded at build time) as parsed JSON; its `servers`
// are the file's, not a request's.
const nlohmann::json& OpenApiDefinition();
inline constexpr std::string_view kOpenApiMediaType =
    "application/vnd.oai.openapi+json;version=3.0";

// Reads query parameters, keeping the first error (with the problem path "?name").
class QueryReader {
 public:
  explicit QueryReader(const Call& call) : call_(call) {}

  std::optional<UtcTime> Time(std::string_view name);
  // bbox=minLon,minLat,maxLon,maxLat (the OGC API order), in degrees; with `lat_first`,
  // minLat,minLon,maxLat,maxLon (EPSG:4326 axis order).
  std::optional<LatLngRect> Bbox(bool lat_first = false);
  // A whole number >= 0; `required` makes its absence an error.
  std::optional<uint64_t> Count(std::string_view name, bool required = false);
  // One of `allowed` (or "" when absent).
  std::string OneOf(std::string_view name, std::initializer_list<std::string_view> allowed);
  std::string Text(std::string_view name) { return call_.Param(name).value_or(""); }
  // limit (default and maximum from the app's limits) and cursor.
  app::PageRequest Page();
  // limit capped at the maximum instead of refused (OGC API - Features 7.15.3); 0 or a
  // malformed value is an error.
  size_t CappedLimit();
  // The event filters shared by violations and incidents: as_of, from, to, bbox, zone,
  // party, type.
  app::EventFilter Events();

  bool ok() const { return !error_.has_value(); }
  const Error& error() const { return *error_; }
  void Fail(std::string_view name, std::string message, std::string expected);

 private:
  const Call& call_;
  std::optional<Error> error_;
};

// --- Bodies --------------------------------------------------------------------------------

// The request body as JSON: kUnsupportedMediaType unless the Content-Type is
// application/json or application/geo+json (parameters such as charset allowed); kBadJson with
// the line and column of a syntax error.
[[nodiscard]] Result<nlohmann::json> JsonBody(const Call& c);

// A body that is one object or an array of them: the items, and whether it was an array.
struct Items {
  std::vector<nlohmann::json> items;
  bool batch = false;
};
[[nodiscard]] Result<Items> ItemsBody(const Call& c);

// --- Responses -----------------------------------------------------------------------------

ApiResponse JsonResponse(const nlohmann::json& body, int status = 200,
                         std::string content_type = "application/json");
// The JSON error response of `e`, its status and code from the one table (truce/result.h).
ApiResponse ErrorResponse(const Error& e);
// {"items": [...], "next": CURSOR or null}.
nlohmann::json PageJson(std::vector<nlohmann::json> items, const std::string& next);
// The items [offset, offset + limit) of a derived list (the cursor is the offset), with the
// cursor of the next window. kInvalidArgument for a cursor that is not an offset.
[[nodiscard]] Result<app::JsonPage> Window(std::vector<nlohmann::json> all,
                                           const app::PageRequest& page);
// The same for a list the application encodes a slice of (App::Incidents, Violations): the
// slice a page asks for, and the page of what the application gave for it.
[[nodiscard]] Result<app::Slice> SliceOf(const app::PageRequest& page);
app::JsonPage CountedPage(app::CountedItems counted, const app::Slice& slice);
// One submitted item's result: its receipt when it was stored by this request, else the log
// index under which it already stands ("unchanged": a resubmission carries no new receipt).
// Every POST encodes its items through this, never through `*item.receipt`.
nlohmann::json ItemJson(const app::ItemOutcome& item);
// The signed tree head with the log's public key.
nlohmann::json HeadJson(const app::App& app);
nlohmann::json Link(const std::string& href, std::string_view rel, std::string_view type,
                    std::string_view title = "");

// --- URLs ----------------------------------------------------------------------------------

// Percent-encodes `text` as one path segment or query component (RFC 3986): every byte but the
// unreserved characters (ALPHA DIGIT - . _ ~) becomes %XX.
std::string UrlEncode(std::string_view text);

// The request's query string ("?a=1&b=x%2Fy", "" when empty) with `changes` applied: each
// (name, value) replaces that parameter, or adds it; every other parameter of the request is
// kept, so a link built from it keeps every filter. Names and values are percent-encoded.
std::string QueryString(const Call& c,
                        std::initializer_list<std::pair<std::string_view, std::string>> changes);

// The links of one window [offset, offset + limit) of `matched` items at `path`: self, and
// next and prev where there is such a page, each keeping every query parameter of the request
// (limit and offset set to the window's).
nlohmann::json PageLinks(const Call& c, std::string_view path, size_t offset, size_t limit,
                         size_t matched, std::string_view type);

}  // namespace truce::server
