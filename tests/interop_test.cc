// The clients people already use, driven against a real server with real reports: GDAL's
// ogrinfo and ogr2ogr (OAPIF driver) with bbox and datetime filters, QGIS headless
// (python3-qgis, the OAPIF provider) with and without a Basic authentication configuration,
// `promtool check metrics`, @redocly/cli lint of the served definition, and every kind of
// response checked against the definition's schemas (Ajv). What each client gets must equal
// the API's own answer. Each test skips, saying what is missing, when its tool is absent
// (scripts/install-deps.sh installs them all).
#include <gtest/gtest.h>
#include <algorithm>

#include "ogc_fixture.h"
#include "server/routing.h"

namespace truce::testing {
namespace {

using app::Role;

std::string ToolsDir() { return std::string(TRUCE_SOURCE_DIR) + "/tools/openapi"; }

class InteropTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { env_ = new OgcServer(); }
  static void TearDownTestSuite() {
    delete env_;
    env_ = nullptr;
  }
  ServerHarness& server() { return env_->server(); }
  const std::string& monitor() { return env_->monitor; }
  void RequireFlights() {
    if (!env_->has_flights) {
      GTEST_SKIP() << "real flight sample not found: " << SharedDataPath(kSwissFlights);
    }
  }
  void RequireReports() {
    if (!env_->has_reports) {
      GTEST_SKIP() << "real-data corpus not found: " << SharedDataPath(kSyrianArchive);
    }
  }
  static OgcServer* env_;
  TempDir dir_;
};
OgcServer* InteropTest::env_ = nullptr;

// --- GDAL ---------------------------------------------------------------------------------

// The feature ids in a GeoJSON file ogr2ogr wrote (GDAL keeps a string feature id as the "id"
// field).
std::vector<std::string> IdsIn(const std::filesystem::path& file) {
  std::ifstream in(file);
  const json doc = json::parse(in, nullptr, false);
  std::vector<std::string> ids;
  if (!doc.is_object()) return ids;
  for (const json& f : doc["features"]) ids.push_back(f["properties"].value("id", ""));
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::vector<std::string> Sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

// GDAL's options for a truce token: HTTP Basic with the token as the password.
std::string GdalBasic(const std::string& token) {
  return "--config GDAL_HTTP_AUTH BASIC --config GDAL_HTTP_USERPWD 'gdal:" + token + "'";
}

TEST_F(InteropTest, Ogr2ogrReadsEveryCollectionPageByPage) {
  if (!HaveTool("ogr2ogr")) GTEST_SKIP() << "ogr2ogr not found (Debian package gdal-bin)";
  RequireReports();
  for (const char* collection : {"zones", "incidents", "violations", "reports"}) {
    const auto out = dir_.path() / (std::string(collection) + ".geojson");
    // PAGE_SIZE 25: the 136 reports come in several pages, following the next links.
    const ToolRun run =
        RunTool(fmt::format("ogr2ogr {} -oo PAGE_SIZE=25 -f GeoJSON '{}' 'OAPIF:{}' {}",
                            GdalBasic(monitor()), out.string(), env_->Ogc(), collection));
    ASSERT_EQ(run.status, 0) << collection << ": " << run.errors;
    const AllFeatures api = ReadAllFeatures(
        server(), fmt::format("/ogc/collections/{}/items?limit=1000", collection), monitor());
    ASSERT_GT(api.ids.size(), 0u) << collection;
    EXPECT_EQ(IdsIn(out), Sorted(api.ids)) << collection;
  }
}

TEST_F(InteropTest, OgrinfoCountsEqualTheApiCounts) {
  if (!HaveTool("ogrinfo")) GTEST_SKIP() << "ogrinfo not found (Debian package gdal-bin)";
  RequireReports();
  // Without credentials: the public's layers and counts.
  ToolRun run = RunTool(fmt::format("ogrinfo -ro -so -al 'OAPIF:{}'", env_->Ogc()));
  ASSERT_EQ(run.status, 0) << run.errors;
  std::map<std::string, std::string> counts;
  std::string layer;
  std::istringstream lines(run.output);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("Layer name: ")) layer = line.substr(12);
    if (line.starts_with("Feature Count: ")) counts[layer] = line.substr(15);
  }
  // Zones, incidents and flight violations: the public's (no sites, movements or tracks).
  ASSERT_EQ(counts.size(), 3u) << run.output;
  EXPECT_FALSE(counts.contains("sites") || counts.contains("movements") ||
               counts.contains("flight-tracks"))
      << run.output;
  for (const auto& [name, count] : counts) {
    Reply api = server().Get("/ogc/collections/" + name + "/items?limit=1");
    EXPECT_EQ(count, std::to_string(api.body["numberMatched"].get<size_t>())) << name;
  }
  EXPECT_EQ(counts["incidents"], std::to_string(env_->published.size()));
  // With a token sent as a header (GDAL_HTTP_HEADERS): every layer.
  run = RunTool(fmt::format(
      "ogrinfo --config GDAL_HTTP_HEADERS 'Authorization: Bearer {}' -ro -so -al 'OAPIF:{}'",
      monitor(), env_->Ogc()));
  ASSERT_EQ(run.status, 0) << run.errors;
  for (const char* name : {"zones", "incidents", "violations", "reports"}) {
    Reply api = server().Get(std::string("/ogc/collections/") + name + "/items?limit=1", monitor());
    EXPECT_NE(run.output.find(fmt::format("Layer name: {}\n", name)), std::string::npos) << name;
    EXPECT_NE(run.output.find(
                  fmt::format("Feature Count: {}\n", api.body["numberMatched"].get<size_t>())),
              std::string::npos)
        << name;
  }
  // A wrong token is refused, not served as the public.
  run = RunTool(
      fmt::format("ogrinfo {} -ro -so 'OAPIF:{}' reports", GdalBasic("wrong"), env_->Ogc()));
  EXPECT_NE(run.status, 0);
}

TEST_F(InteropTest, Ogr2ogrBboxAndDatetimeFiltersMatchTheApi) {
  if (!HaveTool("ogr2ogr")) GTEST_SKIP() << "ogr2ogr not found (Debian package gdal-bin)";
  RequireReports();
  // Eastern Ghouta (GDAL's -spat is xmin ymin xmax ymax, passed on as bbox). The Syrian
  // Archive's reports make three incidents (docs/corroboration.md), so incidents page one at a
  // time in a box east of 36.3 that leaves out the Muadamiyat al-Sham and Daraya incident.
  struct Box {
    const char* collection;
    const char* spat;
    int page;
  };
  for (const Box& b :
       {Box{"zones", "36.2 33.3 36.7 33.8", 10}, Box{"incidents", "36.3 33.3 36.7 33.8", 1},
        Box{"violations", "36.2 33.3 36.7 33.8", 10}, Box{"reports", "36.2 33.3 36.7 33.8", 10}}) {
    const std::string collection = b.collection;
    std::string bbox = b.spat;
    std::replace(bbox.begin(), bbox.end(), ' ', ',');
    const auto out = dir_.path() / (collection + "_bbox.geojson");
    const ToolRun run = RunTool(
        fmt::format("ogr2ogr {} -oo PAGE_SIZE={} -spat {} -f GeoJSON '{}' 'OAPIF:{}' {}",
                    GdalBasic(monitor()), b.page, b.spat, out.string(), env_->Ogc(), collection));
    ASSERT_EQ(run.status, 0) << collection << ": " << run.errors;
    const AllFeatures api = ReadAllFeatures(
        server(),
        fmt::format("/ogc/collections/{}/items?bbox={}&limit={}", collection, bbox, b.page),
        monitor());
    EXPECT_EQ(IdsIn(out), Sorted(api.ids)) << collection;
    if (collection != "zones") {
      EXPECT_GT(api.pages, 1u) << collection << ": the bbox should span several pages";
    }
    if (collection == "incidents" || collection == "reports") {
      // Fewer than the whole collection: the filter was applied on every page.
      EXPECT_LT(api.matched,
                server()
                    .Get(fmt::format("/ogc/collections/{}/items", collection), monitor())
                    .body["numberMatched"]
                    .get<size_t>())
          << collection;
    }
  }
  // A time window: GDAL turns a where clause on a date or date-time field into datetime=A/B
  // and leaves the filtering to the server (CPL_DEBUG shows the request). On a date field it
  // writes each bound as "YYYY-MM-DDT", which the server reads as the whole day.
  struct Window {
    const char* collection;
    const char* where;
    const char* sent;  // as GDAL sends it
    const char* api;   // the same window asked of the API
  };
  for (const Window& w : {
           Window{"incidents",
                  "time_begin >= '2017-08-21T00:00:00Z' AND time_begin <= '2017-08-31T00:00:00Z'",
                  "datetime=2017-08-21T00:00:00Z%2F2017-08-31T00:00:00Z",
                  "2017-08-21T00:00:00Z/2017-08-31T00:00:00Z"},
           Window{"violations",
                  "time_begin >= '2017-08-21T00:00:00Z' AND time_begin <= '2017-08-31T00:00:00Z'",
                  "datetime=2017-08-21T00:00:00Z%2F2017-08-31T00:00:00Z",
                  "2017-08-21T00:00:00Z/2017-08-31T00:00:00Z"},
           Window{"reports", "event_date >= '2017-08-21' AND event_date <= '2017-08-31'",
                  "datetime=2017-08-21T%2F2017-08-31T", "2017-08-21/2017-08-31"},
       }) {
    const std::string collection = w.collection;
    const auto out = dir_.path() / (collection + "_time.geojson");
    const ToolRun run = RunTool(fmt::format(
        "ogr2ogr {} --config CPL_DEBUG ON -oo PAGE_SIZE=10 -where \"{}\" -f GeoJSON '{}' "
        "'OAPIF:{}' {}",
        GdalBasic(monitor()), w.where, out.string(), env_->Ogc(), collection));
    ASSERT_EQ(run.status, 0) << collection << ": " << run.errors;
    EXPECT_NE(run.errors.find(w.sent), std::string::npos)
        << collection << ": the filter did not reach the server:\n"
        << run.errors.substr(0, 2000);
    const AllFeatures api = ReadAllFeatures(
        server(), fmt::format("/ogc/collections/{}/items?datetime={}&limit=10", collection, w.api),
        monitor());
    EXPECT_GT(api.ids.size(), 0u) << collection;
    EXPECT_EQ(IdsIn(out), Sorted(api.ids)) << collection;
  }
}

// The flight ban and the notifications as layers: real tracks moved onto Idlib, their
// violations, the notified sites and the convoy route, each read by ogr2ogr page by page (with
// a bbox and a time window too) equal to the API's features; the public's ogrinfo gets the
// violations without the aircraft's identity and no site, route or track at all.
TEST_F(InteropTest, Ogr2ogrReadsTracksViolationsSitesAndMovements) {
  if (!HaveTool("ogr2ogr")) GTEST_SKIP() << "ogr2ogr not found (Debian package gdal-bin)";
  RequireFlights();
  struct Layer {
    const char* collection;
    std::string token;
    const char* geometry;  // the OGR geometry type of every feature
  };
  for (const Layer& l :
       {Layer{"flight-tracks", monitor(), "LineString"},
        Layer{"flight-violations", monitor(), "LineString"},
        Layer{"flight-violations", "", "LineString"}, Layer{"sites", env_->humanitarian, "Point"},
        Layer{"movements", monitor(), "LineString"}}) {
    const std::string collection = l.collection;
    SCOPED_TRACE(collection + (l.token.empty() ? " as the public" : ""));
    const auto out = dir_.path() / (collection + (l.token.empty() ? "_public" : "") + ".geojson");
    const ToolRun run = RunTool(fmt::format(
        "ogr2ogr {} -oo PAGE_SIZE=3 -f GeoJSON '{}' 'OAPIF:{}' {}",
        l.token.empty() ? "" : GdalBasic(l.token), out.string(), env_->Ogc(), collection));
    ASSERT_EQ(run.status, 0) << run.errors;
    const AllFeatures api = ReadAllFeatures(
        server(), fmt::format("/ogc/collections/{}/items?limit=3", collection), l.token);
    ASSERT_GT(api.ids.size(), 0u);
    EXPECT_EQ(IdsIn(out), Sorted(api.ids));
    std::ifstream in(out);
    const json doc = json::parse(in, nullptr, false);
    ASSERT_TRUE(doc.is_object());
    for (const json& f : doc["features"]) {
      EXPECT_EQ(f["geometry"]["type"], l.geometry) << f.dump().substr(0, 300);
      if (collection == "flight-violations") {
        EXPECT_EQ(f["properties"].contains("icao24"), !l.token.empty());
        EXPECT_EQ(f["properties"]["violating"], true);
      }
    }
    const std::string text = doc.dump();
    if (l.token.empty()) {
      EXPECT_EQ(text.find("4ca97b"), std::string::npos) << "the public got an aircraft's identity";
      EXPECT_EQ(text.find("RYR209H"), std::string::npos);
    }
  }
  // Idlib's box and a day (the first aircraft's): the server filters, GDAL gets the same.
  const ToolRun run = RunTool(fmt::format(
      "ogr2ogr {} -oo PAGE_SIZE=2 -spat 36.16 35.3 37.19 36.35 -where \"start >= "
      "'2018-06-15T00:00:00Z' AND start <= '2018-06-15T23:59:59Z'\" -f GeoJSON '{}' 'OAPIF:{}' "
      "flight-tracks",
      GdalBasic(monitor()), (dir_.path() / "tracks_filtered.geojson").string(), env_->Ogc()));
  ASSERT_EQ(run.status, 0) << run.errors;
  const AllFeatures whole =
      ReadAllFeatures(server(), "/ogc/collections/flight-tracks/items?limit=1000", monitor());
  const AllFeatures boxed =
      ReadAllFeatures(server(),
                      "/ogc/collections/flight-tracks/"
                      "items?bbox=36.16,35.3,37.19,36.35&datetime=2018-06-15T00:00:00Z/"
                      "2018-06-15T23:59:59Z&limit=2",
                      monitor());
  EXPECT_GT(boxed.ids.size(), 0u);
  EXPECT_LT(boxed.ids.size(), whole.ids.size());
  // GDAL applies the where clause on `start` itself as well: what it kept is what the server
  // selected by datetime whose first fix is that day.
  std::vector<std::string> kept = IdsIn(dir_.path() / "tracks_filtered.geojson");
  for (const std::string& id : kept) {
    EXPECT_NE(std::find(boxed.ids.begin(), boxed.ids.end(), id), boxed.ids.end()) << id;
  }
  EXPECT_GT(kept.size(), 0u);
  // The public: no sites, movements or tracks layer; ogrinfo cannot open them by name.
  for (const char* hidden : {"sites", "movements", "flight-tracks"}) {
    const ToolRun denied =
        RunTool(fmt::format("ogrinfo -ro -so 'OAPIF:{}' {}", env_->Ogc(), hidden));
    EXPECT_NE(denied.status, 0) << hidden;
    EXPECT_EQ(denied.output.find("36.63393"), std::string::npos);
  }
}

// --- QGIS ---------------------------------------------------------------------------------

// Runs tests/interop/qgis_layers.py; its result is the last line of its output (QGIS prints
// diagnostics of its own on stdout).
json RunQgis(const std::string& url, const std::string& collections, const std::string& token) {
  const ToolRun run = RunTool(fmt::format(
      "QT_QPA_PLATFORM=offscreen /usr/bin/python3 '{}/tests/interop/qgis_layers.py' '{}' '{}' {}",
      TRUCE_SOURCE_DIR, url, collections, token.empty() ? "" : "'" + token + "'"));
  EXPECT_EQ(run.status, 0) << run.errors;
  std::string last = run.output;
  while (!last.empty() && last.back() == '\n') last.pop_back();
  last = last.substr(last.rfind('\n') == std::string::npos ? 0 : last.rfind('\n') + 1);
  json out = json::parse(last, nullptr, false);
  EXPECT_TRUE(out.is_object()) << run.output << run.errors;
  return out;
}

bool HaveQgis() {
  return RunTool("QT_QPA_PLATFORM=offscreen /usr/bin/python3 -c 'import qgis.core'").status == 0;
}

TEST_F(InteropTest, QgisOpensEveryLayerWithAndWithoutBasicAuth) {
  if (!HaveQgis()) GTEST_SKIP() << "python3-qgis not found (Debian package python3-qgis)";
  RequireReports();
  // The public: zones and published incidents, no credentials.
  json pub = RunQgis(env_->Ogc(), "zones,incidents", "");
  for (const char* name : {"zones", "incidents"}) {
    ASSERT_TRUE(pub[name]["valid"].get<bool>()) << pub.dump();
    const AllFeatures api =
        ReadAllFeatures(server(), fmt::format("/ogc/collections/{}/items?limit=1000", name), "");
    EXPECT_EQ(pub[name]["ids"].get<std::vector<std::string>>(), Sorted(api.ids)) << name;
  }
  EXPECT_EQ(pub["incidents"]["features"], env_->published.size());
  // A monitor through a Basic authentication configuration: every layer.
  json mon = RunQgis(env_->Ogc(), "zones,incidents,violations,reports", monitor());
  for (const char* name : {"zones", "incidents", "violations", "reports"}) {
    ASSERT_TRUE(mon[name]["valid"].get<bool>()) << mon.dump();
    const AllFeatures api = ReadAllFeatures(
        server(), fmt::format("/ogc/collections/{}/items?limit=1000", name), monitor());
    EXPECT_EQ(mon[name]["ids"].get<std::vector<std::string>>(), Sorted(api.ids)) << name;
  }
  EXPECT_GT(mon["incidents"]["features"].get<size_t>(), env_->published.size());
  // Without credentials QGIS gets none of the violations (the layer is refused, or empty).
  json denied = RunQgis(env_->Ogc(), "violations", "");
  EXPECT_TRUE(!denied["violations"]["valid"].get<bool>() || denied["violations"]["features"] == 0)
      << denied.dump();
}

// --- Prometheus ---------------------------------------------------------------------------

TEST_F(InteropTest, PromtoolAcceptsTheMetrics) {
  if (!HaveTool("promtool")) GTEST_SKIP() << "promtool not found (Debian package prometheus)";
  // Some traffic of every kind first: errors, a 405, a submission.
  server().Get("/api/v1/nothing");
  server().Call("DELETE", "/ogc", monitor());
  server().Get("/ogc/collections/zones/items?limit=0");
  ASSERT_EQ(server().Post("/api/v1/reports", ReportJson("PROM-1"), monitor()).status, 201);
  Reply metrics = server().Get("/metrics", env_->admin);
  ASSERT_EQ(metrics.status, 200);
  const auto file = dir_.path() / "metrics.txt";
  WriteFile(file, metrics.text);
  const ToolRun run = RunTool("promtool check metrics < '" + file.string() + "'");
  EXPECT_EQ(run.status, 0) << run.output << run.errors;
  EXPECT_EQ(run.output + run.errors, "") << "promtool's lint complained";
  EXPECT_NE(metrics.text.find("route=\"/ogc\",code=\"405\""), std::string::npos);
}

// --- OpenAPI tools (npm, tools/openapi) -----------------------------------------------------

bool HaveOpenApiTools() {
  return HaveTool("node") && std::filesystem::exists(ToolsDir() + "/node_modules/.bin/redocly") &&
         std::filesystem::exists(ToolsDir() + "/node_modules/ajv");
}
constexpr char kNoOpenApiTools[] =
    "node or tools/openapi/node_modules not found (scripts/install-deps.sh runs npm ci there)";

TEST_F(InteropTest, RedoclyLintAcceptsTheServedDefinition) {
  if (!HaveOpenApiTools()) GTEST_SKIP() << kNoOpenApiTools;
  auto served = server::HttpRequest("GET", server().base_url(), "/api/v1/openapi.json");
  ASSERT_TRUE(served.ok());
  const auto file = dir_.path() / "openapi.json";
  WriteFile(file, served->body);
  const ToolRun run = RunTool(
      fmt::format("cd '{}' && node node_modules/.bin/redocly lint --config redocly.yaml '{}'",
                  ToolsDir(), file.string()));
  EXPECT_EQ(run.status, 0) << run.output << run.errors;
  const std::string all = run.output + run.errors;
  EXPECT_NE(all.find("Your API description is valid"), std::string::npos) << all;
  EXPECT_EQ(all.find("You have"), std::string::npos) << "warnings: " << all;
}

TEST_F(InteropTest, ResponsesMatchTheDefinitionsSchemas) {
  if (!HaveOpenApiTools()) GTEST_SKIP() << kNoOpenApiTools;
  RequireReports();
  ServerHarness& s = server();
  Reply violations = s.Get("/ogc/collections/violations/items?limit=1", monitor());
  const std::string violation = violations.body["features"][0]["id"];
  const std::string incident = *env_->published.begin();
  const std::string party = s.Token(Role::kParty, "syrian-government");
  struct Case {
    std::string method, path, token, body, type = "application/json";
  };
  const std::vector<Case> cases = {
      {"GET", "/healthz", "", ""},
      {"GET", "/metrics", env_->admin, ""},
      {"GET", "/metrics", "", ""},
      {"GET", "/metrics", party, ""},
      {"GET", "/api/v1/openapi.json", "", ""},
      {"GET", "/api/v1/openapi.yaml", "", ""},
      {"GET", "/api/v1/docs", "", ""},
      {"GET", "/api/v1/scenario", "", ""},
      {"GET", "/api/v1/scenario?as_of=2000-01-01", "", ""},
      {"GET", "/api/v1/scenario?as_of=x", "", ""},
      {"GET", "/api/v1/scenario/versions", "", ""},
      {"GET", "/api/v1/zones?at=2017-08-01", "", ""},
      {"GET", "/api/v1/reports?limit=3", monitor(), ""},
      {"GET", "/api/v1/reports?limit=5000", monitor(), ""},
      {"GET", "/api/v1/reports", "", ""},
      {"POST", "/api/v1/reports", monitor(), ReportJson("SCHEMA-1").dump()},
      {"POST", "/api/v1/reports", monitor(), ReportJson("SCHEMA-1").dump()},
      {"POST", "/api/v1/reports", monitor(), "{\"event_id_cnty\": 1}"},
      {"POST", "/api/v1/reports", monitor(), "not json"},
      {"POST", "/api/v1/reports", "", "{}"},
      {"POST", "/api/v1/claims", monitor(), "party=x", "application/x-www-form-urlencoded"},
      {"GET", "/api/v1/positions?limit=2", monitor(), ""},
      {"GET", "/api/v1/claims", monitor(), ""},
      {"GET", "/api/v1/violations?limit=3", monitor(), ""},
      {"GET", "/api/v1/incidents?limit=3", monitor(), ""},
      {"GET", "/api/v1/incidents?limit=3", "", ""},
      {"POST", "/api/v1/incidents/publish", monitor(), "{\"incident\": \"NOPE\"}"},
      {"GET", "/api/v1/summary?from=2017-08-01&to=2017-09-01", "", ""},
      {"GET", "/api/v1/log/head", "", ""},
      {"GET", "/api/v1/log/inclusion?index=1", "", ""},
      {"GET", "/api/v1/log/inclusion?index=99999", "", ""},
      {"GET", "/api/v1/log/consistency?first=1&second=3", "", ""},
      {"GET", "/api/v1/log/entries?limit=2", env_->admin, ""},
      {"GET", "/ogc", "", ""},
      {"GET", "/ogc?f=html", "", ""},
      {"GET", "/ogc/conformance", "", ""},
      {"GET", "/ogc/collections", "", ""},
      {"GET", "/ogc/collections", monitor(), ""},
      {"GET", "/ogc/collections/zones", "", ""},
      {"GET", "/ogc/collections/violations", "", ""},
      {"GET", "/ogc/collections/nothing", "", ""},
      {"GET", "/ogc/collections/zones/items?limit=2", "", ""},
      {"GET", "/ogc/collections/incidents/items?limit=5", "", ""},
      {"GET", "/ogc/collections/violations/items?limit=5", monitor(), ""},
      {"GET", "/ogc/collections/reports/items?limit=5&offset=5&bbox=36.2,33.3,36.7,33.8", monitor(),
       ""},
      {"GET", "/ogc/collections/reports/items?crs=http://www.opengis.net/def/crs/EPSG/0/3857",
       monitor(), ""},
      {"GET", "/ogc/collections/zones/items/eastern-ghouta.v1", "", ""},
      {"GET", "/ogc/collections/incidents/items/" + incident, "", ""},
      {"GET", "/ogc/collections/violations/items/" + server::UrlEncode(violation), monitor(), ""},
      {"GET", "/ogc/collections/reports/items/NOPE", monitor(), ""},
      {"GET", "/api/v1/flight-tracks?limit=2", monitor(), ""},
      {"GET", "/api/v1/flight-tracks", "", ""},
      {"GET", "/api/v1/flight-tracks?icao24=nothex", monitor(), ""},
      {"GET", "/api/v1/flight-violations?limit=2", "", ""},
      {"GET", "/ogc/collections/flight-tracks/items?limit=2", monitor(), ""},
      {"GET", "/ogc/collections/flight-violations/items?limit=2", "", ""},
      {"GET", "/ogc/collections/sites/items", env_->humanitarian, ""},
      {"GET", "/ogc/collections/sites", "", ""},
      {"GET", "/ogc/collections/movements/items/convoy-douma", monitor(), ""},
  };
  json responses = json::array();
  for (const Case& c : cases) {
    auto r = server::HttpRequest(c.method, s.base_url(), c.path, c.token, c.body, c.type);
    ASSERT_TRUE(r.ok()) << c.path;
    const std::string path = c.path.substr(0, c.path.find('?'));
    responses.push_back({{"method", c.method},
                         {"path", path},
                         {"status", r->status},
                         {"content_type", r->content_type},
                         {"body", r->body}});
  }
  // Every status the cases meant to provoke.
  std::set<int> statuses;
  for (const json& r : responses) statuses.insert(r["status"].get<int>());
  EXPECT_EQ(statuses, (std::set<int>{200, 201, 400, 401, 403, 404, 415}));
  const auto definition = dir_.path() / "openapi.json";
  WriteFile(definition, s.Get("/api/v1/openapi.json").text);
  const auto manifest = dir_.path() / "responses.json";
  WriteFile(manifest, responses.dump());
  const ToolRun run = RunTool(fmt::format("node '{}/check-responses.mjs' '{}' '{}'", ToolsDir(),
                                          definition.string(), manifest.string()));
  EXPECT_EQ(run.status, 0) << run.output << run.errors;
  EXPECT_NE(run.output.find(fmt::format("responses checked: {} valid, 0 invalid", cases.size())),
            std::string::npos)
      << run.output;
}

}  // namespace
}  // namespace truce::testing
