// /ogc: OGC API - Features over the zones and the report-derived records, for QGIS and GDAL.
// Part 1 (core, GeoJSON, OpenAPI 3.0) and Part 2 (CRS by reference: CRS84 and EPSG:4326).
// Each collection is read through the same application operation (and so the same role
// policy and redaction) as its /api/v1 counterpart; a single feature is looked up in that same
// list, so a record a caller may not see is 404 for it, exactly as if it did not exist.
//
// Feature ids are stable across queries: zones ZONE.vVERSION, incidents the id the incidents
// operation gives, reports the event id, violations REPORT.rREVISION.ZONE.vVERSION.RULE (one
// verdict per report revision, zone version and rule), flight tracks ICAO24.FIRST_FIX_MS,
// flight violations ICAO24.ZONE.vVERSION.ENTRY_MS (the public: ZONE.vVERSION.ENTRY_MS), sites
// and movements their notified id. Sites and movements are read through the deconfliction
// operations, so each items request is logged as a disclosure of exactly the page served.
#include <fmt/format.h>

#include "formats/geojson.h"
#include "server/routing.h"

namespace truce::server {
namespace {

using nlohmann::json;

struct Collection {
  std::string_view id, title, description;
  app::Action action;  // who may read it
  app::FeatureKind kind;
};

constexpr Collection kCollections[] = {
    {"zones", "Zone versions", "Every dated version of every de-escalation zone",
     app::Action::kReadZones, app::FeatureKind::kZones},
    {"incidents", "Incidents",
     "Reported events with their zone verdicts (the public role sees published ones)",
     app::Action::kReadIncidents, app::FeatureKind::kIncidents},
    {"violations", "Violations", "Rules of zone versions broken by reports",
     app::Action::kReadViolations, app::FeatureKind::kViolations},
    {"reports", "Reports", "The latest revision of each incident report", app::Action::kReadReports,
     app::FeatureKind::kReports},
    {"flight-tracks", "Flight tracks",
     "Each aircraft's track from the positions held (split at silences over 10 minutes), naming "
     "its flight-ban violations",
     app::Action::kReadFlightTracks, app::FeatureKind::kFlightTracks},
    {"flight-violations", "Flight violations",
     "No-fly violations, each the path of the aircraft inside (the public role sees them without "
     "the aircraft's identity)",
     app::Action::kReadFlightViolations, app::FeatureKind::kFlightViolations},
    {"sites", "Notified sites",
     "Protected sites notified to the parties (never the public; a party those it is told of; "
     "every read of items is logged)",
     app::Action::kReadNotifications, app::FeatureKind::kSites},
    {"movements", "Notified movements",
     "Aid movements and their routes notified to the parties (never the public; a party those it "
     "is told of; every read of items is logged)",
     app::Action::kReadNotifications, app::FeatureKind::kMovements},
};

constexpr std::string_view kCrs84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";
constexpr std::string_view kEpsg4326 = "http://www.opengis.net/def/crs/EPSG/0/4326";
constexpr std::string_view kGregorian = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian";
constexpr std::string_view kGeoJson = "application/geo+json";

// The coordinate reference systems served. CRS84 is lon,lat (GeoJSON's order, and the
// default); EPSG:4326 is the same datum with the axes lat,lon.
enum class Crs { kCrs84, kEpsg4326 };

std::string_view CrsUri(Crs crs) { return crs == Crs::kCrs84 ? kCrs84 : kEpsg4326; }

// The query parameters each operation takes. Any other is refused (OGC API - Features 1.0,
// /rec/core/query-param-unknown), so a filter the server does not apply is never silently
// ignored.
constexpr std::string_view kItemsParams[] = {"bbox",  "bbox-crs", "crs",   "datetime",
                                             "limit", "offset",   "as_of", "f"};
constexpr std::string_view kItemParams[] = {"crs", "as_of", "f"};
constexpr std::string_view kMetaParams[] = {"f", "as_of"};

std::string List(std::span<const std::string_view> names) {
  std::string out;
  for (std::string_view n : names) out += fmt::format("{}{}", out.empty() ? "" : ", ", n);
  return out;
}

// kInvalidArgument for a parameter not in `allowed`, or an f other than JSON.
Status CheckParams(const Call& c, std::span<const std::string_view> allowed, bool geojson) {
  for (const auto& [name, value] : c.req.query) {
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      Error e =
          MakeError(ErrorCode::kInvalidArgument,
                    fmt::format("unknown query parameter '{}'; {} takes {}", name.substr(0, 60),
                                c.req.path.substr(0, 100), List(allowed)));
      e.problems.push_back({"?" + name.substr(0, 60), "not a parameter of this operation"});
      return e;
    }
  }
  const std::string f = c.Param("f").value_or("json");
  if (f != "json" && !(geojson && f == "geojson")) {
    Error e = MakeError(ErrorCode::kInvalidArgument,
                        fmt::format("query parameter f: expected json{}, got '{}'",
                                    geojson ? " or geojson" : "", f.substr(0, 40)));
    e.problems.push_back({"?f", geojson ? "expected json or geojson" : "expected json"});
    return e;
  }
  return Status::Ok();
}

// A crs or bbox-crs value: the OGC URI (http or https) or its safe CURIE ("[EPSG:4326]").
std::optional<Crs> ParseCrs(std::string_view text) {
  for (Crs crs : {Crs::kCrs84, Crs::kEpsg4326}) {
    const std::string_view uri = CrsUri(crs);  // "http://..."
    if (text == uri) return crs;
    if (text.starts_with("https://") && text.substr(8) == uri.substr(7)) return crs;
  }
  if (text == "[OGC:CRS84]") return Crs::kCrs84;
  if (text == "[EPSG:4326]") return Crs::kEpsg4326;
  return std::nullopt;
}

Crs ReadCrs(const Call& c, QueryReader& q, std::string_view name) {
  const auto text = c.Param(name);
  if (!text) return Crs::kCrs84;
  const auto crs = ParseCrs(*text);
  if (!crs) {
    q.Fail(name,
           fmt::format("'{}' is not served; the coordinate reference systems are {} and {}",
                       text->substr(0, 100), kCrs84, kEpsg4326),
           fmt::format("expected {} or {}", kCrs84, kEpsg4326));
    return Crs::kCrs84;
  }
  return *crs;
}

void InCrs(json& feature, Crs crs) {
  if (crs == Crs::kEpsg4326 && feature["geometry"].is_object()) {
    formats::SwapAxes(feature["geometry"]["coordinates"]);
  }
}

json ExtentJson(const app::CollectionExtent& e) {
  json extent = json::object();
  if (!e.bbox.empty()) {
    extent["spatial"] = {{"bbox", {{e.bbox.lng_lo, e.bbox.lat_lo, e.bbox.lng_hi, e.bbox.lat_hi}}},
                         {"crs", kCrs84}};
  }
  if (e.begin) {
    extent["temporal"] = {
        {"interval", json::array({json::array({FormatUtcTime(*e.begin),
                                               e.end ? json(FormatUtcTime(*e.end)) : json()})})},
        {"trs", kGregorian}};
  }
  return extent;
}

Result<json> CollectionJson(const Call& c, const Collection& col, std::optional<UtcTime> as_of) {
  auto extent = c.app.Extent(c.who, col.kind, as_of);
  if (!extent.ok()) return extent.error();
  const std::string base = c.Url("/ogc/collections/" + std::string(col.id));
  return json{{"id", col.id},
              {"title", col.title},
              {"description", col.description},
              {"itemType", "feature"},
              {"crs", {kCrs84, kEpsg4326}},
              {"storageCrs", kCrs84},
              {"extent", ExtentJson(*extent)},
              {"links",
               {Link(base, "self", "application/json", col.title),
                Link(base + "/items", "items", kGeoJson, col.title)}}};
}

ApiResponse OgcLanding(const Call& c) {
  if (Status st = CheckParams(c, kMetaParams, false); !st.ok()) return ErrorResponse(st.error());
  const std::string base = c.Url("/ogc");
  return JsonResponse(
      {{"title", "truce"},
       {"description", "De-escalation zones, incidents and verdicts as OGC API - Features"},
       {"links",
        {Link(base, "self", "application/json", "This document"),
         Link(c.Url("/api/v1/openapi.json"), "service-desc", kOpenApiMediaType,
              "The API definition (OpenAPI 3.0)"),
         Link(c.Url("/api/v1/openapi.yaml"), "service-desc", "application/yaml",
              "The API definition (OpenAPI 3.0, YAML)"),
         Link(c.Url("/api/v1/docs"), "service-doc", "text/html", "The API documentation"),
         Link(base + "/conformance", "conformance", "application/json",
              "Conformance classes implemented"),
         Link(base + "/collections", "data", "application/json", "The feature collections")}}});
}

ApiResponse OgcConformance(const Call& c) {
  if (Status st = CheckParams(c, kMetaParams, false); !st.ok()) return ErrorResponse(st.error());
  return JsonResponse({{"conformsTo",
                        {"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
                         "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
                         "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
                         "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs"}}});
}

ApiResponse OgcCollections(const Call& c) {
  if (Status st = CheckParams(c, kMetaParams, false); !st.ok()) return ErrorResponse(st.error());
  QueryReader q(c);
  const auto as_of = q.Time("as_of");
  if (!q.ok()) return ErrorResponse(q.error());
  json cols = json::array();
  for (const Collection& col : kCollections) {
    if (!app::May(c.who, col.action)) continue;
    auto j = CollectionJson(c, col, as_of);
    if (!j.ok()) return ErrorResponse(j.error());
    cols.push_back(std::move(j).value());
  }
  return JsonResponse({{"collections", cols},
                       {"crs", {kCrs84, kEpsg4326}},
                       {"links", {Link(c.Url("/ogc/collections"), "self", "application/json")}}});
}

Result<const Collection*> FindCollection(const Call& c) {
  for (const Collection& col : kCollections) {
    if (col.id != c.params[0]) continue;
    if (!app::May(c.who, col.action)) {
      return MakeError(ErrorCode::kForbidden, fmt::format("the {} role may not read collection {}",
                                                          app::RoleName(c.who.role), col.id));
    }
    return &col;
  }
  return MakeError(ErrorCode::kNotFound,
                   fmt::format("no collection '{}'", c.params[0].substr(0, 100)));
}

ApiResponse OgcCollection(const Call& c) {
  if (Status st = CheckParams(c, kMetaParams, false); !st.ok()) return ErrorResponse(st.error());
  auto col = FindCollection(c);
  if (!col.ok()) return ErrorResponse(col.error());
  QueryReader q(c);
  const auto as_of = q.Time("as_of");
  if (!q.ok()) return ErrorResponse(q.error());
  auto j = CollectionJson(c, **col, as_of);
  if (!j.ok()) return ErrorResponse(j.error());
  return JsonResponse(*j);
}

// One end of a datetime interval. A date alone ("2017-06-01", or "2017-06-01T" as GDAL writes
// a date) stands for the whole day: its first instant as a start, its last as an end.
std::optional<UtcTime> DatetimeEnd(std::string_view part, bool is_end, QueryReader& q) {
  if (part == ".." || part.empty()) return std::nullopt;
  if (part.size() == 11 && part.back() == 'T') part.remove_suffix(1);
  auto t = ParseTimestamp(part);
  if (!t.ok()) {
    q.Fail("datetime", t.error().message,
           "expected T, T1/T2, ../T2 or T1/.. (RFC 3339 times or dates)");
    return std::nullopt;
  }
  const auto step = part.size() == 10 ? std::chrono::milliseconds(std::chrono::days(1))
                                      : std::chrono::milliseconds(1);
  return is_end ? *t + step : *t;
}

// datetime=T, T1/T2, ../T2 or T1/.. (OGC API - Features 1.0, 7.15.4): the features whose time
// (an event's interval, a zone version's validity) meets the instant or the closed interval,
// as the half-open [from, to) the filters take.
void ParseDatetime(const Call& c, QueryReader& q, std::optional<UtcTime>& from,
                   std::optional<UtcTime>& to) {
  const auto text = c.Param("datetime");
  if (!text) return;
  const size_t slash = text->find('/');
  if (slash == std::string::npos) {
    if (*text == "..") {
      q.Fail("datetime", "'..' alone is not an instant", "expected T, T1/T2, ../T2 or T1/..");
      return;
    }
    from = DatetimeEnd(*text, false, q);
    to = DatetimeEnd(*text, true, q);
    return;
  }
  const std::string_view all(*text);
  from = DatetimeEnd(all.substr(0, slash), false, q);
  to = DatetimeEnd(all.substr(slash + 1), true, q);
  if (q.ok() && from && to && *from >= *to) {
    q.Fail("datetime", fmt::format("the interval '{}' ends before it starts", all.substr(0, 80)),
           "expected T1/T2 with T1 <= T2");
  }
}

json PointGeometry(double lat, double lon) {
  return {{"type", "Point"}, {"coordinates", {lon, lat}}};
}

// The filters of an items request.
struct ItemsQuery {
  app::EventFilter events;  // as_of, from, to, bbox
  Crs crs = Crs::kCrs84;
};

// The features of a collection derived from the reports (incidents, violations, reports):
// only `slice` of them is encoded, and all that match are counted.
Result<app::CountedItems> DerivedFeatures(const Call& c, const Collection& col,
                                          const app::EventFilter& f, const app::Slice& slice) {
  Result<app::CountedItems> items = app::CountedItems{};
  if (col.kind == app::FeatureKind::kIncidents) {
    app::IncidentFilter filter;
    static_cast<app::EventFilter&>(filter) = f;
    items = c.app.Incidents(c.who, filter, slice);
  } else if (col.kind == app::FeatureKind::kViolations) {
    app::ViolationFilter filter;
    static_cast<app::EventFilter&>(filter) = f;
    items = c.app.Violations(c.who, filter, slice);
  } else {
    items = c.app.ReportRecords(c.who, f, slice);
  }
  if (!items.ok()) return items.error();
  app::CountedItems out;
  out.matched = items->matched;
  out.items.reserve(items->items.size());
  for (json& item : items->items) {
    const double lat = item.value("latitude", 0.0), lon = item.value("longitude", 0.0);
    std::string id;
    json props;
    if (col.kind == app::FeatureKind::kViolations) {
      id = fmt::format("{}.r{}.{}.v{}.{}", item.value("report", ""), item.value("revision", 0),
                       item.value("zone", ""), item.value("version", 0), item.value("rule", ""));
      props = std::move(item);
    } else if (col.kind == app::FeatureKind::kIncidents) {
      id = item.value("id", "");
      props = std::move(item);  // with its id, as /api/v1/incidents gives it
    } else {
      id = item.value("id", "");
      props = std::move(item["properties"]);
    }
    out.items.push_back({{"type", "Feature"},
                         {"id", std::move(id)},
                         {"geometry", PointGeometry(lat, lon)},
                         {"properties", std::move(props)}});
  }
  return out;
}

bool IsDerived(const Collection& col) {
  return col.kind == app::FeatureKind::kIncidents || col.kind == app::FeatureKind::kViolations ||
         col.kind == app::FeatureKind::kReports;
}

// The features of a collection matching `query`, in a stable order, each with its stable id.
Result<std::vector<json>> Features(const Call& c, const Collection& col, const ItemsQuery& query) {
  const app::EventFilter& f = query.events;
  std::vector<json> features;
  if (col.kind == app::FeatureKind::kZones) {
    auto zones = c.app.ZonesMatching(c.who, app::ZoneFilter{f.as_of, f.from, f.to, f.bbox});
    if (!zones.ok()) return zones.error();
    json fc = formats::ZoneVersionsToGeoJson(zones->versions);
    for (size_t i = 0; i < zones->versions.size(); ++i) {
      json& feature = fc["features"][i];
      const ZoneVersion& v = *zones->versions[i];
      feature["id"] = fmt::format("{}.v{}", v.zone(), v.version());
      features.push_back(std::move(feature));
    }
    return features;
  }
  if (col.kind == app::FeatureKind::kFlightTracks) {
    app::FlightTrackFilter filter;
    filter.as_of = f.as_of, filter.from = f.from, filter.to = f.to, filter.bbox = f.bbox;
    auto tracks = c.app.FlightTracks(c.who, filter);
    if (!tracks.ok()) return tracks.error();
    for (app::FlightTrackRecord& t : *tracks) features.push_back(std::move(t.track.feature));
    return features;
  }
  if (col.kind == app::FeatureKind::kFlightViolations) {
    app::FlightViolationFilter filter;
    filter.as_of = f.as_of, filter.from = f.from, filter.to = f.to, filter.bbox = f.bbox;
    auto records = c.app.FlightViolationFeatures(c.who, filter);
    if (!records.ok()) return records.error();
    for (app::FeatureRecord& r : *records) features.push_back(std::move(r.feature));
    return features;
  }
  auto derived = DerivedFeatures(c, col, f, app::Slice{});
  if (!derived.ok()) return derived.error();
  return std::move(derived->items);
}

bool IsNotification(const Collection& col) {
  return col.kind == app::FeatureKind::kSites || col.kind == app::FeatureKind::kMovements;
}

// One page of a collection's features, how many matched, and (sites and movements) the receipt
// of the disclosure entry recording the read.
struct FeaturePage {
  std::vector<json> features;
  size_t matched = 0;
  json disclosure;  // null unless the read was logged
};

Result<FeaturePage> PageOf(const Call& c, const Collection& col, const ItemsQuery& query,
                           uint64_t offset, size_t limit, const std::string& id = "") {
  FeaturePage out;
  if (IsNotification(col)) {
    app::NotificationFilter f;
    f.as_of = query.events.as_of;
    f.from = query.events.from;
    f.to = query.events.to;
    f.bbox = query.events.bbox;
    f.id = id;
    f.query = json::object();
    for (const auto& [name, value] : c.req.query) f.query[name] = value;
    if (!id.empty()) f.query["id"] = id;
    app::PageRequest page;
    page.limit = limit;
    if (offset > 0) page.cursor = std::to_string(offset);
    const auto kind = col.kind == app::FeatureKind::kSites ? NotificationKind::kSite
                                                           : NotificationKind::kMovement;
    auto disclosed = c.app.NotificationFeatures(c.who, kind, f, page);
    if (!disclosed.ok()) return disclosed.error();
    out.features = std::move(disclosed->page.items);
    out.matched = disclosed->matched;
    out.disclosure = app::ReceiptToJson(disclosed->receipt);
    out.disclosure["entry"] = disclosed->entry_data;
    return out;
  }
  if (id.empty() && IsDerived(col)) {
    // Only the page is encoded (and redacted): a page costs its items, not the collection's.
    auto page = DerivedFeatures(c, col, query.events, app::Slice{offset, limit});
    if (!page.ok()) return page.error();
    out.features = std::move(page->items);
    out.matched = page->matched;
    return out;
  }
  auto all = Features(c, col, query);
  if (!all.ok()) return all.error();
  out.matched = all->size();
  for (size_t i = offset; i < all->size() && i < offset + limit; ++i) {
    if (id.empty() || (*all)[i]["id"] == id) out.features.push_back(std::move((*all)[i]));
  }
  return out;
}

ApiResponse GeoJsonResponse(const json& body, Crs crs) {
  ApiResponse r = JsonResponse(body, 200, std::string(kGeoJson));
  r.headers.emplace_back("Content-Crs", fmt::format("<{}>", CrsUri(crs)));
  return r;
}

ApiResponse OgcItems(const Call& c) {
  if (Status st = CheckParams(c, kItemsParams, true); !st.ok()) return ErrorResponse(st.error());
  auto col = FindCollection(c);
  if (!col.ok()) return ErrorResponse(col.error());
  QueryReader q(c);
  ItemsQuery query;
  query.crs = ReadCrs(c, q, "crs");
  const Crs bbox_crs = ReadCrs(c, q, "bbox-crs");
  if (q.ok() && !c.Param("bbox") && c.Param("bbox-crs")) {
    q.Fail("bbox-crs", "is given without bbox", "only with bbox");
  }
  // EPSG:4326 takes the same four numbers in lat,lon order: minLat,minLon,maxLat,maxLon.
  query.events.bbox = q.Bbox(bbox_crs == Crs::kEpsg4326);
  ParseDatetime(c, q, query.events.from, query.events.to);
  const size_t limit = q.CappedLimit();
  const uint64_t offset = q.Count("offset").value_or(0);
  query.events.as_of = q.Time("as_of");
  if (!q.ok()) return ErrorResponse(q.error());

  auto served = PageOf(c, **col, query, offset, limit);
  if (!served.ok()) return ErrorResponse(served.error());
  const size_t matched = served->matched;
  json page = json::array();
  for (json& feature : served->features) {
    InCrs(feature, query.crs);
    page.push_back(std::move(feature));
  }
  const size_t returned = page.size();
  const std::string path = "/ogc/collections/" + std::string((*col)->id) + "/items";
  json links = PageLinks(c, path, offset, limit, matched, kGeoJson);
  links.push_back(Link(c.Url("/ogc/collections/" + std::string((*col)->id)), "collection",
                       "application/json", (*col)->title));
  json body = {{"type", "FeatureCollection"},
               {"features", std::move(page)},
               {"numberMatched", matched},
               {"numberReturned", returned},
               {"timeStamp", FormatUtcTime(c.app.Now())},
               {"links", std::move(links)}};
  if (!served->disclosure.is_null()) body["disclosure"] = std::move(served->disclosure);
  return GeoJsonResponse(body, query.crs);
}

ApiResponse OgcItem(const Call& c) {
  if (Status st = CheckParams(c, kItemParams, true); !st.ok()) return ErrorResponse(st.error());
  auto col = FindCollection(c);
  if (!col.ok()) return ErrorResponse(col.error());
  QueryReader q(c);
  ItemsQuery query;
  query.crs = ReadCrs(c, q, "crs");
  query.events.as_of = q.Time("as_of");
  if (!q.ok()) return ErrorResponse(q.error());
  const std::string& id = c.params[1];
  // Sites and movements: only the one asked for is read (and logged as read).
  auto served = IsNotification(**col) ? PageOf(c, **col, query, 0, 1, id)
                                      : PageOf(c, **col, query, 0, SIZE_MAX, id);
  if (!served.ok()) return ErrorResponse(served.error());
  for (json& feature : served->features) {
    if (feature["id"] != id) continue;
    InCrs(feature, query.crs);
    const std::string collection = "/ogc/collections/" + std::string((*col)->id);
    feature["links"] = {
        Link(c.Url(collection + "/items/" + UrlEncode(id)) + QueryString(c, {}), "self", kGeoJson),
        Link(c.Url(collection), "collection", "application/json", (*col)->title)};
    return GeoJsonResponse(feature, query.crs);
  }
  // Whether it does not exist or the caller may not see it, the answer is the same.
  return ErrorResponse(
      MakeError(ErrorCode::kNotFound,
                fmt::format("no feature '{}' in collection {}", id.substr(0, 200), (*col)->id)));
}

constexpr Route kRoutes[] = {
    {"GET", "/ogc", app::Action::kReadFeatures, &OgcLanding},
    {"GET", "/ogc/conformance", app::Action::kReadFeatures, &OgcConformance},
    {"GET", "/ogc/collections", app::Action::kReadFeatures, &OgcCollections},
    {"GET", "/ogc/collections/{}", app::Action::kReadFeatures, &OgcCollection},
    {"GET", "/ogc/collections/{}/items", app::Action::kReadFeatures, &OgcItems},
    {"GET", "/ogc/collections/{}/items/{}", app::Action::kReadFeatures, &OgcItem},
};

}  // namespace

std::span<const Route> OgcRoutes() { return kRoutes; }

}  // namespace truce::server
