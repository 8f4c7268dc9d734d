// /ogc: OGC API - Features (Part 1, core and GeoJSON) over the zones and the report-derived
// records, for QGIS and GDAL. Each collection is read through the same application operation
// (and so the same role policy) as its /api/v1 counterpart.
#include <fmt/format.h>

#include "formats/geojson.h"
#include "server/routing.h"

namespace truce::server {
namespace {

using nlohmann::json;

struct Collection {
  std::string_view id, title, description;
  app::Action action;  // who may read it
};

constexpr Collection kCollections[] = {
    {"zones", "Zone versions", "Every dated version of every de-escalation zone",
     app::Action::kReadZones},
    {"incidents", "Incidents",
     "Reported events with their zone verdicts (the public role sees published ones)",
     app::Action::kReadIncidents},
    {"violations", "Violations", "Rules of zone versions broken by reports",
     app::Action::kReadViolations},
    {"reports", "Reports", "The latest revision of each incident report",
     app::Action::kReadReports},
};

constexpr std::string_view kCrs84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";

json CollectionJson(const Call& c, const Collection& col) {
  const std::string base = c.Url("/ogc/collections/" + std::string(col.id));
  return {{"id", col.id},
          {"title", col.title},
          {"description", col.description},
          {"itemType", "feature"},
          {"crs", {kCrs84}},
          {"extent", {{"spatial", {{"bbox", {{-180, -90, 180, 90}}}, {"crs", kCrs84}}}}},
          {"links",
           {Link(base, "self", "application/json"),
            Link(base + "/items", "items", "application/geo+json", col.title)}}};
}

ApiResponse OgcLanding(const Call& c) {
  const std::string base = c.Url("/ogc");
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
  for (const Collection& col : kCollections) {
    if (app::May(c.who, col.action)) cols.push_back(CollectionJson(c, col));
  }
  return JsonResponse({{"collections", cols},
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
  auto col = FindCollection(c);
  if (!col.ok()) return ErrorResponse(col.error());
  return JsonResponse(CollectionJson(c, **col));
}

// datetime=T, T1/T2, ../T2 or T1/.. (OGC API - Features 1.0, 7.15.4).
void ParseDatetime(const Call& c, QueryReader& q, app::EventFilter& f) {
  const auto text = c.Param("datetime");
  if (!text) return;
  auto one = [&](std::string_view part, std::optional<UtcTime>& out) {
    if (part == ".." || part.empty()) return true;
    auto t = ParseTimestamp(part);
    if (!t.ok()) {
      q.Fail("datetime", t.error().message, "expected T, T1/T2, ../T or T/..");
      return false;
    }
    out = *t;
    return true;
  };
  const size_t slash = text->find('/');
  if (slash == std::string::npos) {
    if (one(*text, f.from)) f.to = *f.from + std::chrono::milliseconds(1);
    return;
  }
  if (one(std::string_view(*text).substr(0, slash), f.from)) {
    one(std::string_view(*text).substr(slash + 1), f.to);
  }
}

json PointGeometry(double lat, double lon) {
  return {{"type", "Point"}, {"coordinates", {lon, lat}}};
}

// The features of a record collection: each record's place as a point, its fields as
// properties.
Result<std::vector<json>> RecordFeatures(const Call& c, const Collection& col,
                                         const app::EventFilter& f) {
  Result<std::vector<json>> items = std::vector<json>{};
  if (col.id == "incidents") {
    app::IncidentFilter filter;
    static_cast<app::EventFilter&>(filter) = f;
    items = c.app.Incidents(c.who, filter);
  } else if (col.id == "violations") {
    app::ViolationFilter filter;
    static_cast<app::EventFilter&>(filter) = f;
    items = c.app.Violations(c.who, filter);
  } else {
    items = c.app.ReportRecords(c.who, f);
  }
  if (!items.ok()) return items.error();
  std::vector<json> features;
  size_t n = 0;
  for (json& item : *items) {
    const double lat = item["latitude"], lon = item["longitude"];
    json props = item.contains("properties") ? item["properties"] : item;
    const std::string id =
        item.contains("id") ? item["id"].get<std::string>() : fmt::format("{}", n);
    features.push_back({{"type", "Feature"},
                        {"id", col.id == "violations" ? fmt::format("{}", n) : id},
                        {"geometry", PointGeometry(lat, lon)},
                        {"properties", std::move(props)}});
    ++n;
  }
  return features;
}

ApiResponse OgcItems(const Call& c) {
  auto col = FindCollection(c);
  if (!col.ok()) return ErrorResponse(col.error());
  QueryReader q(c);
  app::EventFilter f;
  f.bbox = q.Bbox();
  ParseDatetime(c, q, f);
  const app::PageRequest page = q.Page();
  const uint64_t offset = q.Count("offset").value_or(0);
  f.as_of = q.Time("as_of");
  if (!q.ok()) return ErrorResponse(q.error());
  std::vector<json> features;
  if ((*col)->id == "zones") {
    auto zones = c.app.Zones(c.who, std::nullopt, f.as_of);
    if (!zones.ok() && zones.error().code != ErrorCode::kNotFound) {
      return ErrorResponse(zones.error());
    }
    const std::vector<const ZoneVersion*> all =
        zones.ok() ? zones->versions : std::vector<const ZoneVersion*>{};
    std::vector<const ZoneVersion*> versions;
    for (const ZoneVersion* v : all) {
      if (f.from && v->validity().end() <= *f.from) continue;
      if (f.to && v->validity().begin() >= *f.to) continue;
      const LatLngRect& b = v->bounds();
      if (f.bbox && (b.lat_hi < f.bbox->lat_lo || b.lat_lo > f.bbox->lat_hi ||
                     b.lng_hi < f.bbox->lng_lo || b.lng_lo > f.bbox->lng_hi)) {
        continue;
      }
      versions.push_back(v);
    }
    json fc = formats::ZoneVersionsToGeoJson(versions);
    for (size_t i = 0; i < versions.size(); ++i) {
      json& feature = fc["features"][i];
      feature["id"] = fmt::format("{}.v{}", versions[i]->zone(), versions[i]->version());
      features.push_back(std::move(feature));
    }
  } else {
    auto records = RecordFeatures(c, **col, f);
    if (!records.ok()) return ErrorResponse(records.error());
    features = std::move(records).value();
  }
  const size_t matched = features.size();
  json items = json::array();
  for (size_t i = offset; i < matched && i < offset + page.limit; ++i) {
    items.push_back(std::move(features[i]));
  }
  const std::string base = c.Url("/ogc/collections/" + std::string((*col)->id) + "/items");
  json links = {Link(base, "self", "application/geo+json")};
  if (offset + page.limit < matched) {
    links.push_back(
        Link(fmt::format("{}?limit={}&offset={}", base, page.limit, offset + page.limit), "next",
             "application/geo+json"));
  }
  const size_t returned = items.size();
  return JsonResponse({{"type", "FeatureCollection"},
                       {"features", std::move(items)},
                       {"numberMatched", matched},
                       {"numberReturned", returned},
                       {"timeStamp", FormatUtcTime(c.app.Now())},
                       {"links", links}},
                      200, "application/geo+json");
}

constexpr Route kRoutes[] = {
    {"GET", "/ogc", app::Action::kReadFeatures, &OgcLanding},
    {"GET", "/ogc/conformance", app::Action::kReadFeatures, &OgcConformance},
    {"GET", "/ogc/collections", app::Action::kReadFeatures, &OgcCollections},
    {"GET", "/ogc/collections/{}", app::Action::kReadFeatures, &OgcCollection},
    {"GET", "/ogc/collections/{}/items", app::Action::kReadFeatures, &OgcItems},
};

}  // namespace

std::span<const Route> OgcRoutes() { return kRoutes; }

}  // namespace truce::server
