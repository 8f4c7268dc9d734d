// OGC API - Features Part 1 (core, GeoJSON, OpenAPI 3.0) and Part 2 (CRS) against a real
// server with real reports: landing page links, the served API definition and its agreement
// with the route table, extents from the data, single features and stable ids, paging links
// that keep every filter, limit capping, CRS handling, unknown parameters, links behind a
// proxy, and the metrics' route names.
#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include "ogc_fixture.h"
#include "raw_http_client.h"
#include "server/routing.h"

namespace truce::testing {
namespace {

using app::Role;

class OgcTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { env_ = new OgcServer(); }
  static void TearDownTestSuite() {
    delete env_;
    env_ = nullptr;
  }
  ServerHarness& server() { return env_->server(); }
  const std::string& monitor() { return env_->monitor; }
  void RequireReports() {
    if (!env_->has_reports) {
      GTEST_SKIP() << "real-data corpus not found: " << SharedDataPath(kSyrianArchive);
    }
  }
  static OgcServer* env_;
};
OgcServer* OgcTest::env_ = nullptr;

std::map<std::string, json> LinksByRel(const json& links) {
  std::map<std::string, json> out;
  for (const json& l : links) out.emplace(l["rel"].get<std::string>(), l);
  return out;
}

TEST_F(OgcTest, LandingPageLinksTheDefinitionItsDocsConformanceAndData) {
  Reply landing = server().Get("/ogc");
  ASSERT_EQ(landing.status, 200);
  const auto rels = LinksByRel(landing.body["links"]);
  for (const char* rel : {"self", "service-desc", "service-doc", "conformance", "data"}) {
    ASSERT_TRUE(rels.contains(rel)) << rel << " missing: " << landing.text;
    EXPECT_EQ(rels.at(rel)["href"].get<std::string>().rfind(server().base_url(), 0), 0u);
  }
  EXPECT_EQ(rels.at("service-desc")["type"], "application/vnd.oai.openapi+json;version=3.0");
  // Every link the landing page gives answers 200.
  for (const json& l : landing.body["links"]) {
    const std::string href = l["href"];
    auto r =
        server::HttpRequest("GET", server().base_url(), href.substr(server().base_url().size()));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 200) << href;
    EXPECT_EQ(r->content_type.substr(0, l["type"].get<std::string>().size()), l["type"]) << href;
  }
  Reply conformance = server().Get("/ogc/conformance");
  std::set<std::string> classes(conformance.body["conformsTo"].begin(),
                                conformance.body["conformsTo"].end());
  for (const char* c : {"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
                        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
                        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
                        "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs"}) {
    EXPECT_TRUE(classes.contains(c)) << c;
  }
}

TEST_F(OgcTest, ServesTheDefinitionAsJsonAndYamlWithItsOwnBaseUrl) {
  auto j = server::HttpRequest("GET", server().base_url(), "/api/v1/openapi.json");
  ASSERT_TRUE(j.ok());
  EXPECT_EQ(j->content_type, "application/vnd.oai.openapi+json;version=3.0");
  const json doc = json::parse(j->body);
  EXPECT_EQ(doc["openapi"], "3.0.3");
  EXPECT_EQ(doc["servers"], json::array({{{"url", server().base_url()}}}));
  auto y = server::HttpRequest("GET", server().base_url(), "/api/v1/openapi.yaml");
  ASSERT_TRUE(y.ok());
  EXPECT_EQ(y->content_type, "application/yaml");
  EXPECT_NE(y->body.find("servers:\n  - url: " + server().base_url() + "\n"), std::string::npos);
  EXPECT_NE(y->body.find("/ogc/collections/{collectionId}/items/{featureId}:"), std::string::npos);
  auto html = server::HttpRequest("GET", server().base_url(), "/api/v1/docs");
  ASSERT_TRUE(html.ok());
  EXPECT_EQ(html->content_type, "text/html; charset=utf-8");
  EXPECT_NE(html->body.find("<code>/ogc/collections/{collectionId}/items</code>"),
            std::string::npos);
}

// The definition and the route table cannot drift: every route (method and path) is an
// operation of docs/openapi.yaml, and every operation there is a route.
TEST(OpenApiDefinitionTest, ListsExactlyTheRoutes) {
  auto normalize = [](std::string path) {
    std::string out;
    for (size_t i = 0; i < path.size(); ++i) {
      if (path[i] == '{') {
        out += "{}";
        i = path.find('}', i);
      } else {
        out.push_back(path[i]);
      }
    }
    return out;
  };
  std::set<std::string> routes, documented;
  for (const server::RouteInfo& r : server::ListRoutes()) {
    routes.insert(fmt::format("{} {}", r.method, r.pattern));
  }
  const json& doc = server::OpenApiDefinition();
  for (const auto& [path, item] : doc["paths"].items()) {
    for (const auto& [method, op] : item.items()) {
      if (method == "parameters" || method == "summary" || method == "description") continue;
      std::string upper = method;
      for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      documented.insert(fmt::format("{} {}", upper, normalize(path)));
      EXPECT_TRUE(op.contains("summary")) << upper << " " << path << " has no summary";
      EXPECT_TRUE(op.contains("operationId")) << upper << " " << path << " has no operationId";
    }
  }
  for (const std::string& r : routes) {
    EXPECT_TRUE(documented.contains(r)) << "route " << r << " is not in docs/openapi.yaml";
  }
  for (const std::string& d : documented) {
    EXPECT_TRUE(routes.contains(d)) << "docs/openapi.yaml documents " << d << ", not a route";
  }
  EXPECT_GE(routes.size(), 29u);
}

TEST_F(OgcTest, ExtentsComeFromTheDataTheCallerSees) {
  RequireReports();
  Reply zones = server().Get("/ogc/collections/zones");
  ASSERT_EQ(zones.status, 200);
  const json& bbox = zones.body["extent"]["spatial"]["bbox"][0];
  // The shipped zones lie in western Syria, not the whole world.
  EXPECT_GT(bbox[0].get<double>(), 35.0);
  EXPECT_LT(bbox[2].get<double>(), 37.5);
  EXPECT_GT(bbox[1].get<double>(), 32.0);
  EXPECT_LT(bbox[3].get<double>(), 37.0);
  EXPECT_EQ(zones.body["extent"]["temporal"]["interval"][0][0], "2017-05-06T00:00:00Z");

  // The reports' extent: every feature lies in it, and its corners are reached.
  Reply reports = server().Get("/ogc/collections/reports", monitor());
  ASSERT_EQ(reports.status, 200);
  const json& rb = reports.body["extent"]["spatial"]["bbox"][0];
  Reply all = server().Get("/ogc/collections/reports/items?limit=1000", monitor());
  double lo_lng = 180, lo_lat = 90, hi_lng = -180, hi_lat = -90;
  std::string first = "9999", last;
  for (const json& f : all.body["features"]) {
    lo_lng = std::min(lo_lng, f["geometry"]["coordinates"][0].get<double>());
    hi_lng = std::max(hi_lng, f["geometry"]["coordinates"][0].get<double>());
    lo_lat = std::min(lo_lat, f["geometry"]["coordinates"][1].get<double>());
    hi_lat = std::max(hi_lat, f["geometry"]["coordinates"][1].get<double>());
    first = std::min(first, f["properties"]["event_date"].get<std::string>());
  }
  EXPECT_EQ(rb, json::array({lo_lng, lo_lat, hi_lng, hi_lat}));
  const std::string begin = reports.body["extent"]["temporal"]["interval"][0][0];
  EXPECT_EQ(begin.substr(0, 10), first);
  EXPECT_EQ(begin.substr(0, 4), "2017");  // moved from 2013

  // The public sees only published incidents, and so a smaller extent than a monitor.
  Reply pub = server().Get("/ogc/collections/incidents");
  Reply mon = server().Get("/ogc/collections/incidents", monitor());
  ASSERT_EQ(pub.status, 200);
  ASSERT_EQ(mon.status, 200);
  const json& pb = pub.body["extent"]["spatial"]["bbox"][0];
  const json& mb = mon.body["extent"]["spatial"]["bbox"][0];
  EXPECT_GE(pb[0].get<double>(), mb[0].get<double>());
  EXPECT_LE(pb[2].get<double>(), mb[2].get<double>());
  // Violations are not the public's: not listed, and 403 by name.
  Reply cols = server().Get("/ogc/collections");
  for (const json& c : cols.body["collections"]) EXPECT_NE(c["id"], "violations");
  EXPECT_EQ(server().Get("/ogc/collections/violations").status, 403);
}

TEST_F(OgcTest, SingleFeaturesByStableIdsThroughTheSamePolicy) {
  RequireReports();
  // Violation ids are derived from the record, so a filtered query gives the same ids.
  Reply all = server().Get("/ogc/collections/violations/items?limit=1000", monitor());
  ASSERT_EQ(all.status, 200);
  ASSERT_GT(all.body["numberMatched"].get<int>(), 0) << "the moved reports give violations";
  std::map<std::string, json> by_id;
  for (const json& f : all.body["features"]) by_id.emplace(f["id"].get<std::string>(), f);
  EXPECT_EQ(by_id.size(), all.body["features"].size());
  Reply late = server().Get(
      "/ogc/collections/violations/items?datetime=2017-09-01T00:00:00Z/..&limit=1000", monitor());
  ASSERT_EQ(late.status, 200);
  EXPECT_LT(late.body["numberMatched"], all.body["numberMatched"]);
  for (const json& f : late.body["features"]) {
    ASSERT_TRUE(by_id.contains(f["id"])) << f["id"];
    EXPECT_EQ(by_id[f["id"]], f);
  }
  const json& v = all.body["features"][0];
  const std::string vid = v["id"];
  EXPECT_EQ(vid, fmt::format("{}.r{}.{}.v{}.{}", v["properties"]["report"].get<std::string>(),
                             v["properties"]["revision"].get<int>(),
                             v["properties"]["zone"].get<std::string>(),
                             v["properties"]["version"].get<int>(),
                             v["properties"]["rule"].get<std::string>()));
  Reply one =
      server().Get("/ogc/collections/violations/items/" + server::UrlEncode(vid), monitor());
  ASSERT_EQ(one.status, 200) << one.text;
  EXPECT_EQ(one.body["type"], "Feature");
  EXPECT_EQ(one.body["geometry"], v["geometry"]);
  EXPECT_EQ(one.body["properties"], v["properties"]);
  EXPECT_EQ(LinksByRel(one.body["links"]).count("collection"), 1u);

  // Zones and reports.
  EXPECT_EQ(
      server().Get("/ogc/collections/zones/items/eastern-ghouta.v1").body["properties"]["zone"],
      "eastern-ghouta");
  EXPECT_EQ(server().Get("/ogc/collections/zones/items/eastern-ghouta.v99").status, 404);
  EXPECT_EQ(server().Get("/ogc/collections/reports/items/CW_1001", monitor()).body["id"],
            "CW_1001");

  // Incidents: a published one is the public's; an unpublished one is 404 for the public (not
  // 403: its existence is not revealed) and 200 for a monitor.
  ASSERT_FALSE(env_->published.empty());
  const std::string pub = *env_->published.begin();
  Reply incidents = server().Get("/api/v1/incidents?limit=1000", monitor());
  std::string hidden;
  for (const json& i : incidents.body["items"]) {
    if (!env_->published.contains(i["id"])) hidden = i["id"];
  }
  ASSERT_FALSE(hidden.empty());
  Reply seen = server().Get("/ogc/collections/incidents/items/" + pub);
  ASSERT_EQ(seen.status, 200) << seen.text;
  EXPECT_FALSE(seen.body["properties"].contains("source"));  // redacted for the public
  EXPECT_TRUE(server()
                  .Get("/ogc/collections/incidents/items/" + pub, monitor())
                  .body["properties"]
                  .contains("source"));
  Reply secret = server().Get("/ogc/collections/incidents/items/" + hidden);
  EXPECT_EQ(secret.status, 404);
  EXPECT_EQ(secret.body["error"]["code"], "not_found");
  EXPECT_EQ(server().Get("/ogc/collections/incidents/items/" + hidden, monitor()).status, 200);
  EXPECT_EQ(server().Get("/ogc/collections/incidents/items/NO-SUCH", monitor()).status, 404);
  EXPECT_EQ(server().Get("/ogc/collections/violations/items/" + vid).status, 403);
}

TEST_F(OgcTest, PagingLinksKeepEveryFilter) {
  RequireReports();
  // bbox around Eastern Ghouta, a datetime window with a slash, as_of: every page's next link
  // keeps them, so the pages add up to numberMatched.
  const std::string query =
      "bbox=36.2,33.3,36.7,33.8&datetime=2017-01-01T00:00:00Z/2017-12-31&as_of=2030-01-01&"
      "limit=7";
  Reply first = server().Get("/ogc/collections/reports/items?" + query, monitor());
  ASSERT_EQ(first.status, 200) << first.text;
  const size_t matched = first.body["numberMatched"];
  ASSERT_GT(matched, 14u);
  const auto rels = LinksByRel(first.body["links"]);
  const std::string next = rels.at("next")["href"];
  for (const char* kept :
       {"bbox=36.2%2C33.3%2C36.7%2C33.8", "datetime=2017-01-01T00%3A00%3A00Z%2F2017-12-31",
        "as_of=2030-01-01", "limit=7", "offset=7"}) {
    EXPECT_NE(next.find(kept), std::string::npos) << kept << " not in " << next;
  }
  EXPECT_FALSE(rels.contains("prev"));
  EXPECT_EQ(rels.at("self")["href"].get<std::string>().find("offset"), std::string::npos);
  const AllFeatures all =
      ReadAllFeatures(server(), "/ogc/collections/reports/items?" + query, monitor());
  EXPECT_EQ(all.ids.size(), matched);
  EXPECT_EQ(all.pages, (matched + 6) / 7);
  // Without the filters there are more.
  EXPECT_GT(server().Get("/ogc/collections/reports/items", monitor()).body["numberMatched"],
            matched);
  // A later page links back.
  Reply second = server().Get(next.substr(server().base_url().size()), monitor());
  const auto rels2 = LinksByRel(second.body["links"]);
  ASSERT_TRUE(rels2.contains("prev"));
  EXPECT_NE(rels2.at("prev")["href"].get<std::string>().find("offset=0"), std::string::npos);
  // The largest offset a query takes (18 digits) is past the end: no features and no next
  // page. (Counts stop at 18 digits, so offset + limit cannot wrap here; PageLinks no longer
  // adds them anyway.)
  for (const char* collection : {"reports", "incidents", "zones"}) {
    SCOPED_TRACE(collection);
    Reply far = server().Get(
        std::string("/ogc/collections/") + collection + "/items?offset=999999999999999999&limit=10",
        monitor());
    ASSERT_EQ(far.status, 200) << far.text;
    EXPECT_TRUE(far.body["features"].empty());
    EXPECT_FALSE(LinksByRel(far.body["links"]).contains("next")) << far.text;
  }
}

TEST_F(OgcTest, LimitIsCappedOnOgcAndRefusedOnTheApiLists) {
  RequireReports();
  Reply capped = server().Get("/ogc/collections/reports/items?limit=5000", monitor());
  ASSERT_EQ(capped.status, 200);
  const size_t matched = capped.body["numberMatched"];
  EXPECT_EQ(capped.body["numberReturned"], std::min<size_t>(matched, 1000));
  EXPECT_EQ(server().Get("/ogc/collections/reports/items?limit=0", monitor()).status, 400);
  EXPECT_EQ(server().Get("/ogc/collections/reports/items?limit=x", monitor()).status, 400);
  EXPECT_EQ(server().Get("/api/v1/reports?limit=5000", monitor()).status, 400);
  // The capped limit is what the links carry.
  HarnessLimits limits;
  limits.app.max_page = 4;
  TempDir dir;
  ServerHarness tight((dir.path() / "t.db").string(), limits);
  tight.LoadShippedScenario();
  Reply z = tight.Get("/ogc/collections/zones/items?limit=500");
  ASSERT_EQ(z.status, 200);
  EXPECT_EQ(z.body["numberReturned"], 4);
  const std::string next = LinksByRel(z.body["links"]).at("next")["href"];
  EXPECT_NE(next.find("limit=4&"), std::string::npos) << next;
}

TEST_F(OgcTest, CrsByReferenceAndClearRefusals) {
  RequireReports();
  const std::string crs84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";
  const std::string epsg4326 = "http://www.opengis.net/def/crs/EPSG/0/4326";
  Reply plain = server().Get("/ogc/collections/reports/items/CW_1001", monitor());
  Reply swapped = server().Get(
      "/ogc/collections/reports/items/CW_1001?crs=" + server::UrlEncode(epsg4326), monitor());
  ASSERT_EQ(swapped.status, 200) << swapped.text;
  EXPECT_EQ(swapped.body["geometry"]["coordinates"][0], plain.body["geometry"]["coordinates"][1]);
  EXPECT_EQ(swapped.body["geometry"]["coordinates"][1], plain.body["geometry"]["coordinates"][0]);
  // Content-Crs says which.
  RawClient raw(server().port());
  ASSERT_TRUE(
      raw.Send("GET /ogc/collections/zones/items?limit=1&crs=%5BEPSG%3A4326%5D HTTP/1.1\r\n"
               "Host: x\r\n\r\n"));
  auto r = raw.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->Header("content-crs"), "<" + epsg4326 + ">");
  // bbox in EPSG:4326 order selects what the same box in CRS84 order does.
  Reply lonlat = server().Get("/ogc/collections/reports/items?bbox=36.2,33.3,36.7,33.8", monitor());
  Reply latlon = server().Get("/ogc/collections/reports/items?bbox=33.3,36.2,33.8,36.7&bbox-crs=" +
                                  server::UrlEncode(epsg4326),
                              monitor());
  ASSERT_EQ(latlon.status, 200) << latlon.text;
  EXPECT_EQ(latlon.body["numberMatched"], lonlat.body["numberMatched"]);
  EXPECT_EQ(server()
                .Get("/ogc/collections/reports/items?bbox=36.2,33.3,36.7,33.8&bbox-crs=" +
                         server::UrlEncode(crs84),
                     monitor())
                .body["numberMatched"],
            lonlat.body["numberMatched"]);

  // What is not served is a 400 naming the parameter.
  Reply mercator =
      server().Get("/ogc/collections/zones/items?crs=http://www.opengis.net/def/crs/EPSG/0/3857");
  EXPECT_EQ(mercator.status, 400);
  EXPECT_EQ(mercator.body["error"]["problems"][0]["path"], "?crs");
  EXPECT_EQ(server()
                .Get("/ogc/collections/zones/items?bbox=1,2,3,4&bbox-crs="
                     "http://www.opengis.net/def/crs/EPSG/0/3857")
                .status,
            400);
  Reply unknown = server().Get("/ogc/collections/zones/items?zone=idlib");
  EXPECT_EQ(unknown.status, 400);
  EXPECT_NE(
      unknown.body["error"]["message"].get<std::string>().find("unknown query parameter 'zone'"),
      std::string::npos);
  EXPECT_EQ(server().Get("/ogc/collections/zones/items?f=html").status, 400);
  EXPECT_EQ(server().Get("/ogc/collections/zones/items?f=json").status, 200);
  EXPECT_EQ(server().Get("/ogc/collections/zones/items?datetime=2018-01-01/2017-01-01").status,
            400);
  EXPECT_EQ(server().Get("/ogc/collections/zones/items?datetime=yesterday").status, 400);
  EXPECT_EQ(server().Get("/ogc/collections/zones/items?bbox=1,2,3").status, 400);
}

TEST_F(OgcTest, DatetimeMeetsIntervalsAndDatesAreWholeDays) {
  // Zone versions by validity: eastern-ghouta v1 is in force from 2017-05-06.
  Reply before = server().Get("/ogc/collections/zones/items?datetime=2017-05-05");
  ASSERT_EQ(before.status, 200);
  EXPECT_EQ(before.body["numberMatched"], 0);
  Reply day = server().Get("/ogc/collections/zones/items?datetime=2017-05-06");
  EXPECT_GE(day.body["numberMatched"].get<int>(), 4);
  // GDAL writes a bare date as "2017-05-06T".
  EXPECT_EQ(server()
                .Get("/ogc/collections/zones/items?datetime=2017-05-06T%2F2017-05-06T")
                .body["numberMatched"],
            day.body["numberMatched"]);
  EXPECT_EQ(server()
                .Get("/ogc/collections/zones/items?datetime=../2017-05-05T23:59:59Z")
                .body["numberMatched"],
            0);
  EXPECT_EQ(server().Get("/ogc/collections/zones/items?datetime=../..").body["numberMatched"],
            server().Get("/ogc/collections/zones/items").body["numberMatched"]);
}

TEST_F(OgcTest, BboxMeetsZoneShapesNotOnlyTheirBounds) {
  // A box inside Eastern Ghouta's bounds but at the corner outside its shape selects versions
  // that meet it; whatever comes back meets the box, and the Ghouta zone is there for a box
  // around its middle.
  Reply middle = server().Get("/ogc/collections/zones/items?bbox=36.40,33.54,36.42,33.56");
  ASSERT_EQ(middle.status, 200);
  std::set<std::string> zones;
  for (const json& f : middle.body["features"]) zones.insert(f["properties"]["zone"]);
  EXPECT_TRUE(zones.contains("eastern-ghouta")) << middle.text.substr(0, 300);
  EXPECT_FALSE(zones.contains("idlib"));
  // Far away: nothing.
  EXPECT_EQ(server().Get("/ogc/collections/zones/items?bbox=0,0,1,1").body["numberMatched"], 0);
}

TEST(OgcLinksTest, LinksUseThePublicUrlAndNeverTheHostHeader) {
  TempDir dir;
  server::ServerOptions options = ServerHarness::DefaultOptions();
  options.public_base_url = "https://truce.example.org/monitoring";
  ServerHarness server((dir.path() / "t.db").string(), {}, "", options);
  server.LoadShippedScenario();
  RawClient raw(server.port());
  ASSERT_TRUE(
      raw.Send("GET /ogc/collections/zones/items?limit=2 HTTP/1.1\r\nHost: evil.example\r\n"
               "X-Forwarded-Host: evil.example\r\nX-Forwarded-Proto: http\r\n\r\n"));
  auto r = raw.Read();
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  const json body = json::parse(r->body);
  for (const json& l : body["links"]) {
    EXPECT_EQ(l["href"].get<std::string>().rfind("https://truce.example.org/monitoring/ogc/", 0),
              0u)
        << l;
  }
  Reply def = server.Get("/api/v1/openapi.json");
  EXPECT_EQ(def.body["servers"][0]["url"], "https://truce.example.org/monitoring");
  // Trusted forwarded headers (a proxy that sets them) replace scheme and host.
  TempDir dir2;
  server::ServerOptions trusting = ServerHarness::DefaultOptions();
  trusting.trust_forwarded = true;
  ServerHarness proxied((dir2.path() / "t.db").string(), {}, "", trusting);
  RawClient raw2(proxied.port());
  ASSERT_TRUE(
      raw2.Send("GET /ogc HTTP/1.1\r\nHost: evil.example\r\n"
                "X-Forwarded-Host: truce.example.org\r\nX-Forwarded-Proto: https\r\n\r\n"));
  auto r2 = raw2.Read();
  ASSERT_TRUE(r2);
  EXPECT_EQ(json::parse(r2->body)["links"][0]["href"], "https://truce.example.org/ogc");
}

TEST_F(OgcTest, BasicAuthWithTheTokenAsPasswordReadsProtectedLayers) {
  RequireReports();
  RawClient raw(server().port());
  // base64("qgis:" + token)
  const std::string credentials = "qgis:" + monitor();
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string encoded;
  for (size_t i = 0; i < credentials.size(); i += 3) {
    uint32_t n = static_cast<unsigned char>(credentials[i]) << 16;
    if (i + 1 < credentials.size()) n |= static_cast<unsigned char>(credentials[i + 1]) << 8;
    if (i + 2 < credentials.size()) n |= static_cast<unsigned char>(credentials[i + 2]);
    encoded += kAlphabet[(n >> 18) & 63];
    encoded += kAlphabet[(n >> 12) & 63];
    encoded += i + 1 < credentials.size() ? kAlphabet[(n >> 6) & 63] : '=';
    encoded += i + 2 < credentials.size() ? kAlphabet[n & 63] : '=';
  }
  ASSERT_TRUE(
      raw.Send("GET /ogc/collections/violations/items?limit=1 HTTP/1.1\r\nHost: x\r\n"
               "Authorization: Basic " +
               encoded + "\r\n\r\n"));
  auto r = raw.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  ASSERT_TRUE(
      raw.Send("GET /ogc/collections/violations/items?limit=1 HTTP/1.1\r\nHost: x\r\n"
               "Authorization: Basic cWdpczp3cm9uZw==\r\n\r\n"));  // qgis:wrong
  r = raw.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  EXPECT_NE(r->Header("www-authenticate").find("Basic"), std::string::npos);
}

TEST(OgcMetricsTest, MethodNotAllowedIsCountedUnderTheMatchedRoute) {
  TempDir dir;
  ServerHarness server((dir.path() / "t.db").string());
  const std::string admin = server.Token(Role::kAdmin);
  EXPECT_EQ(server.Call("POST", "/ogc/collections/zones/items", admin, "{}").status, 405);
  ASSERT_EQ(server.Post("/api/v1/reports", ReportJson("M-1"), admin).status, 201);
  Reply m = server.Get("/metrics", admin);
  EXPECT_NE(m.text.find("truce_http_requests_total{method=\"POST\",route=\"/ogc/collections/{}/"
                        "items\",code=\"405\"} 1"),
            std::string::npos)
      << m.text;
  EXPECT_NE(m.text.find("truce_store_commit_seconds_count 1\n"), std::string::npos) << m.text;
  EXPECT_NE(m.text.find("# HELP truce_reports_accepted_total "), std::string::npos);
  EXPECT_NE(m.text.find("\nprocess_resident_memory_bytes "), std::string::npos);
  EXPECT_NE(m.text.find("\nprocess_open_fds "), std::string::npos);
  EXPECT_NE(m.text.find("\nprocess_start_time_seconds "), std::string::npos);
  // Every family has its HELP and TYPE before its samples.
  std::set<std::string> helped, typed;
  std::istringstream lines(m.text);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("# HELP ")) {
      helped.insert(line.substr(7, line.find(' ', 7) - 7));
    } else if (line.starts_with("# TYPE ")) {
      typed.insert(line.substr(7, line.find(' ', 7) - 7));
    } else if (!line.empty()) {
      std::string name = line.substr(0, line.find_first_of("{ "));
      for (const char* suffix : {"_bucket", "_sum", "_count"}) {
        if (!helped.contains(name) && name.ends_with(suffix)) {
          name = name.substr(0, name.size() - std::string_view(suffix).size());
        }
      }
      EXPECT_TRUE(helped.contains(name) && typed.contains(name)) << line;
    }
  }
}

}  // namespace
}  // namespace truce::testing
