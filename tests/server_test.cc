// End-to-end tests of the server over HTTP: a real server on 127.0.0.1 (port 0) with a real
// SQLite file. The role matrix, restarts, limits, errors, pagination, as_of, the transparency
// log's proofs, OGC API - Features, and the Syrian Archive incidents as one batch.
#include <set>

#include "formats/reports.h"
#include "formats/text_file.h"
#include "raw_http_client.h"
#include "server_harness.h"
#include "shared_data.h"
#include "truce/merkle_log.h"
#include "truce/verdict.h"

namespace truce::testing {
namespace {

using app::Role;

constexpr int kOk = 0;  // any 2xx

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<ServerHarness>((dir_.path() / "truce.db").string(), Limits());
    server_->LoadShippedScenario();
    admin_ = server_->Token(Role::kAdmin);
    monitor_ = server_->Token(Role::kMonitor);
    party_ = server_->Token(Role::kParty, "syrian-government");
    other_party_ = server_->Token(Role::kParty, "armed-opposition");
    guarantor_ = server_->Token(Role::kGuarantor);
    humanitarian_ = server_->Token(Role::kHumanitarian);
    public_ = server_->Token(Role::kPublic);
  }
  virtual HarnessLimits Limits() {
    HarnessLimits limits;
    limits.max_body_bytes = 256 << 10;
    limits.app.max_reports_per_batch = 200;
    return limits;
  }

  size_t LogSize() { return server_->Get("/api/v1/log/head").body["tree_size"].get<size_t>(); }

  TempDir dir_;
  std::unique_ptr<ServerHarness> server_;
  std::string admin_, monitor_, party_, other_party_, guarantor_, humanitarian_, public_;
};

// --- The role matrix: every endpoint x every role, one table ----------------------------------

struct MatrixRow {
  const char* method;
  const char* path;
  // The body for a POST (built per role so that each allowed role's request is valid).
  json (*body)(const std::string& role);
  // Expected status for admin, monitor, party, guarantor, humanitarian, public, no token.
  // Without a token the caller is the public: 401 where the route refuses the public role,
  // and the public's own answer (403 included) where the route takes it.
  std::array<int, 7> expected;
};

json NoBody(const std::string&) { return json(); }
json ReportBody(const std::string& role) {
  json r = ReportJson("MATRIX-" + role);
  r.erase("source");  // a party is the source of what it sends
  return r;
}
json PositionsBody(const std::string&) {
  // One OpenSky state vector (seconds, metres) and one traffic record (milliseconds, feet).
  return json::array({{{"icao24", "4b1805"},
                       {"time", 1533081600},
                       {"lat", 33.5},
                       {"lon", 36.4},
                       {"baroaltitude", 9000}},
                      {{"icao24", "4B1805"},
                       {"timestamp", 1533081610000},
                       {"latitude", 33.51},
                       {"longitude", 36.41},
                       {"altitude", 30000}}});
}
json ClaimBody(const std::string&) {
  return {{"party", "syrian-government"},
          {"stance", "deny"},
          {"incident", "SEED-1"},
          {"text", "No shelling took place in this area on that day."}};
}
json PublishBody(const std::string&) { return {{"incident", "SEED-1"}}; }
json GradeBody(const std::string& role) {
  return {{"action", "grade"}, {"grade", "corroborated"}, {"reason", "checked by " + role}};
}
json ScenarioBody(const std::string&) { return *app::ReadScenarioBundle(ShippedScenario()); }

constexpr int A = kOk;
const MatrixRow kMatrix[] = {
    // admin monitor party guarantor humanitarian public anonymous
    {"GET", "/healthz", NoBody, {A, A, A, A, A, A, A}},
    {"GET", "/metrics", NoBody, {A, A, 403, 403, 403, 403, 401}},
    {"GET", "/api/v1/scenario", NoBody, {A, A, A, A, A, A, A}},
    {"POST", "/api/v1/scenario", ScenarioBody, {A, 403, 403, 403, 403, 403, 401}},
    {"GET", "/api/v1/scenario/versions", NoBody, {A, A, A, A, A, A, A}},
    {"GET", "/api/v1/zones?at=2017-08-01", NoBody, {A, A, A, A, A, A, A}},
    {"GET", "/api/v1/reports", NoBody, {A, A, A, A, A, 403, 401}},
    {"POST", "/api/v1/reports", ReportBody, {A, A, A, A, 403, 403, 401}},
    {"GET", "/api/v1/positions", NoBody, {A, A, 403, A, 403, 403, 401}},
    {"POST", "/api/v1/positions", PositionsBody, {A, A, 403, 403, 403, 403, 401}},
    {"GET", "/api/v1/claims", NoBody, {A, A, A, A, A, 403, 401}},
    {"POST", "/api/v1/claims", ClaimBody, {A, A, A, 403, 403, 403, 401}},
    {"GET", "/api/v1/violations", NoBody, {A, A, A, A, A, 403, 401}},
    {"GET", "/api/v1/incidents", NoBody, {A, A, A, A, A, A, A}},
    {"GET", "/api/v1/export/incidents?f=csv", NoBody, {A, A, A, A, A, A, A}},
    {"GET", "/api/v1/export/violations?f=geojson", NoBody, {A, A, A, A, A, 403, 401}},
    {"GET", "/api/v1/report?zone=eastern-ghouta&day=2017-06-01", NoBody, {A, A, A, A, A, A, A}},
    {"POST", "/api/v1/incidents/publish", PublishBody, {A, A, 403, 403, 403, 403, 401}},
    {"POST",
     "/api/v1/incidents/INC-MATRIX-admin/decisions",
     GradeBody,
     {A, A, 403, 403, 403, 403, 401}},
    {"GET", "/api/v1/claims/side-by-side?zone=eastern-ghouta", NoBody, {A, A, A, A, A, 403, 401}},
    {"GET", "/api/v1/summary?from=2017-06-01&to=2017-06-08", NoBody, {A, A, A, A, A, A, A}},
    {"GET", "/api/v1/log/head", NoBody, {A, A, A, A, A, A, A}},
    {"GET", "/api/v1/log/inclusion?index=0", NoBody, {A, A, A, A, A, A, A}},
    {"GET", "/api/v1/log/consistency?first=1", NoBody, {A, A, A, A, A, A, A}},
    {"GET", "/api/v1/log/entries", NoBody, {A, A, 403, A, 403, 403, 401}},
    {"GET", "/ogc", NoBody, {A, A, A, A, A, A, A}},
    {"GET", "/ogc/conformance", NoBody, {A, A, A, A, A, A, A}},
    {"GET", "/ogc/collections", NoBody, {A, A, A, A, A, A, A}},
    {"GET", "/ogc/collections/zones", NoBody, {A, A, A, A, A, A, A}},
    {"GET", "/ogc/collections/zones/items", NoBody, {A, A, A, A, A, A, A}},
    {"GET", "/ogc/collections/incidents/items", NoBody, {A, A, A, A, A, A, A}},
    {"GET", "/ogc/collections/violations/items", NoBody, {A, A, A, A, A, 403, 403}},
    {"GET", "/ogc/collections/reports", NoBody, {A, A, A, A, A, 403, 403}},
    {"GET", "/ogc/collections/reports/items", NoBody, {A, A, A, A, A, 403, 403}},
    {"GET", "/api/v1/flight-tracks", NoBody, {A, A, 403, A, 403, 403, 401}},
    {"GET", "/ogc/collections/flight-tracks/items", NoBody, {A, A, 403, A, 403, 403, 403}},
    {"GET", "/ogc/collections/flight-violations/items", NoBody, {A, A, A, A, A, A, A}},
    {"GET", "/ogc/collections/sites/items", NoBody, {A, A, A, A, A, 403, 403}},
    {"GET", "/ogc/collections/movements/items", NoBody, {A, A, A, A, A, 403, 403}},
};

TEST_F(ServerTest, RoleMatrixEveryEndpointEveryRole) {
  ASSERT_EQ(server_->Post("/api/v1/reports", ReportJson("SEED-1"), admin_).status, 201);
  const std::vector<std::pair<std::string, std::string>> roles = {
      {"admin", admin_},         {"monitor", monitor_},           {"party", party_},
      {"guarantor", guarantor_}, {"humanitarian", humanitarian_}, {"public", public_},
      {"anonymous", ""}};
  int cells = 0;
  for (const MatrixRow& row : kMatrix) {
    for (size_t i = 0; i < roles.size(); ++i) {
      const json body = row.body(roles[i].first);
      const Reply r =
          server_->Call(row.method, row.path, roles[i].second, body.is_null() ? "" : body.dump());
      const int want = row.expected[i];
      ++cells;
      if (want == kOk) {
        EXPECT_TRUE(r.status >= 200 && r.status < 300)
            << row.method << " " << row.path << " as " << roles[i].first << ": " << r.status << " "
            << r.text.substr(0, 300);
      } else {
        EXPECT_EQ(r.status, want) << row.method << " " << row.path << " as " << roles[i].first;
        ASSERT_TRUE(r.body.is_object()) << r.text;
        EXPECT_EQ(r.body["error"]["code"], want == 401 ? "unauthenticated" : "forbidden")
            << row.path;
      }
    }
  }
  EXPECT_EQ(cells, static_cast<int>(std::size(kMatrix) * 7));
}

TEST_F(ServerTest, APartyActsOnlyAsItself) {
  // Its reports carry it as the source; another source is refused with the field's path.
  json other = ReportJson("P-1");
  other["source"] = "armed-opposition";
  Reply r = server_->Post("/api/v1/reports", json::array({ReportJson("P-0"), other}), party_);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.body["error"]["problems"][0]["path"], "/0/source");  // SOHR is not the party
  json mine = ReportJson("P-1");
  mine.erase("source");
  r = server_->Post("/api/v1/reports", mine, party_);
  ASSERT_EQ(r.status, 201) << r.text;
  // It sees only what it submitted; another party sees none of it.
  ASSERT_EQ(server_->Post("/api/v1/reports", ReportJson("M-1"), monitor_).status, 201);
  r = server_->Get("/api/v1/reports", party_);
  ASSERT_EQ(r.body["items"].size(), 1u) << r.text;
  EXPECT_EQ(r.body["items"][0]["report"]["source"], "syrian-government");
  EXPECT_EQ(server_->Get("/api/v1/reports", other_party_).body["items"].size(), 0u);
  EXPECT_EQ(server_->Get("/api/v1/reports?party=armed-opposition", party_).status, 403);
  // It cannot revise another source's report.
  json revise = ReportJson("M-1", "2017-06-02");
  revise.erase("source");
  r = server_->Post("/api/v1/reports", revise, party_);
  EXPECT_EQ(r.status, 403) << r.text;
  // Claims: only in its own name, about parties the scenario knows.
  json claim = ClaimBody("");
  claim["party"] = "armed-opposition";
  r = server_->Post("/api/v1/claims", claim, party_);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.body["error"]["problems"][0]["path"], "/party");
  claim["party"] = "no-such-party";
  r = server_->Post("/api/v1/claims", claim, monitor_);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body["error"]["problems"][0]["path"], "/party");
  claim.erase("party");
  r = server_->Post("/api/v1/claims", claim, party_);
  ASSERT_EQ(r.status, 201) << r.text;
  r = server_->Get("/api/v1/claims?incident=SEED-1", monitor_);
  ASSERT_EQ(r.body["items"].size(), 1u);
  EXPECT_EQ(r.body["items"][0]["claim"]["party"], "syrian-government");
}

TEST_F(ServerTest, PublicSeesPublishedIncidentsWithoutSources) {
  // Days apart, so that they are two incidents rather than two reports of one.
  ASSERT_EQ(server_->Post("/api/v1/reports", ReportJson("PUB-1", "2017-06-01"), monitor_).status,
            201);
  ASSERT_EQ(server_->Post("/api/v1/reports", ReportJson("PUB-2", "2017-06-05"), monitor_).status,
            201);
  EXPECT_EQ(server_->Get("/api/v1/incidents", public_).body["items"].size(), 0u);
  Reply r = server_->Post("/api/v1/incidents/publish", {{"incident", "PUB-2"}}, monitor_);
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(server_->Post("/api/v1/incidents/publish", {{"incident", "PUB-2"}}, monitor_).status,
            200);
  EXPECT_EQ(server_->Post("/api/v1/incidents/publish", {{"incident", "NOPE"}}, monitor_).status,
            404);
  r = server_->Get("/api/v1/incidents", public_);
  ASSERT_EQ(r.body["items"].size(), 1u) << r.text;
  const json& incident = r.body["items"][0];
  EXPECT_EQ(incident["id"], "INC-PUB-2");
  EXPECT_EQ(incident["zones"][0]["zone"], "eastern-ghouta");
  for (const char* hidden : {"source", "source_group", "notes", "submitted_by_party", "actors"}) {
    EXPECT_FALSE(incident.contains(hidden)) << hidden;
  }
  EXPECT_EQ(r.text.find("SOHR"), std::string::npos);
  // Without a token the caller is the public, with exactly the public's view.
  const Reply anonymous = server_->Get("/api/v1/incidents", "");
  EXPECT_EQ(anonymous.status, 200);
  EXPECT_EQ(anonymous.body, r.body);
  // Insiders see both, with sources; the public's OGC layer matches its API view.
  r = server_->Get("/api/v1/incidents", humanitarian_);
  ASSERT_EQ(r.body["items"].size(), 2u);
  EXPECT_EQ(r.body["items"][0]["source"], "SOHR");
  r = server_->Get("/ogc/collections/incidents/items", public_);
  EXPECT_EQ(r.body["numberMatched"], 1);
  EXPECT_EQ(r.text.find("SOHR"), std::string::npos);
  r = server_->Get("/ogc/collections", public_);
  std::set<std::string> ids;
  for (const json& c : r.body["collections"]) ids.insert(c["id"]);
  EXPECT_EQ(ids, (std::set<std::string>{"zones", "incidents", "flight-violations"}));
}

// --- Durability across restarts ----------------------------------------------------------------

TEST_F(ServerTest, RestartKeepsEverything) {
  json batch = json::array();
  for (int i = 0; i < 20; ++i) batch.push_back(ReportJson(fmt::format("R-{}", i)));
  // The server holds a submitted report as it read it from the request, not as read back from
  // the log (docs/performance.md "Entries written from the report"): a restarted server, which
  // reads the log, must serve the same. Fields that stress the entry's writer and the reader:
  // extra columns sorting among the known ones, quotes, controls, Arabic text, numbers as
  // text, every optional field.
  for (int i = 0; i < 4; ++i) {
    json r = ReportJson(fmt::format("H-{}", i), "04 June 2017", 33.5 + i / 100.0, 36.4);
    r["actor2"] = "q\"uote\\ \xD8\xB3\xD8\xA7\xD9\x86\xD8\xA7";
    r["notes"] = "line\nbreak\ttab";
    r["time_precision"] = i % 2 ? "1" : "2";
    r["latitude"] = fmt::format("{}", 33.5 + i / 100.0);
    r["time"] = "06:3" + std::to_string(i);
    r["uncertainty_m"] = 1500.25 * (i + 1);
    r["recorded_at"] = "2017-06-05T10:00:00Z";
    r["source_group"] = "local";
    r["admin1"] = "Rural Damascus";
    r["actor10"] = i;
    r["sourcea"] = nullptr;
    r[""] = "unnamed";
    r["\xC3\xA9tat"] = true;
    batch.push_back(std::move(r));
  }
  ASSERT_EQ(server_->Post("/api/v1/reports", batch, monitor_).status, 201);
  ASSERT_EQ(server_->Post("/api/v1/positions", PositionsBody(""), monitor_).status, 201);
  ASSERT_EQ(server_->Post("/api/v1/claims", ClaimBody(""), party_).status, 201);
  const json head = server_->Get("/api/v1/log/head").body;
  const std::string reports = server_->Get("/api/v1/reports?limit=1000", admin_).text;
  const std::string violations = server_->Get("/api/v1/violations?limit=1000", admin_).text;
  const std::string zones = server_->Get("/api/v1/zones", admin_).text;
  // Its features, not its links: a restarted server listens on another port.
  const json records = server_->Get("/ogc/collections/reports/items?limit=1000", admin_).body;
  ASSERT_NE(records["features"].dump().find("H-3"), std::string::npos) << records.dump();

  server_->Restart();
  EXPECT_EQ(server_->Get("/api/v1/log/head").body, head);
  EXPECT_EQ(server_->Get("/api/v1/reports?limit=1000", admin_).text, reports);
  EXPECT_EQ(server_->Get("/api/v1/violations?limit=1000", admin_).text, violations);
  EXPECT_EQ(server_->Get("/api/v1/zones", admin_).text, zones);
  EXPECT_EQ(server_->Get("/ogc/collections/reports/items?limit=1000", admin_).body["features"],
            records["features"]);
  EXPECT_EQ(server_->Get("/api/v1/positions", admin_).body["items"].size(), 2u);
  // Tokens survive; the log continues where it stopped and extends the old head.
  ASSERT_EQ(server_->Post("/api/v1/reports", ReportJson("AFTER"), monitor_).status, 201);
  const json now = server_->Get("/api/v1/log/head").body;
  EXPECT_EQ(now["tree_size"], head["tree_size"].get<int>() + 1);
  const Reply proof =
      server_->Get(fmt::format("/api/v1/log/consistency?first={}&second={}",
                               head["tree_size"].get<int>(), now["tree_size"].get<int>()));
  std::vector<Hash> hashes;
  for (const json& h : proof.body["proof"]) hashes.push_back(*HashFromHex(h.get<std::string>()));
  EXPECT_TRUE(VerifyConsistency(head["tree_size"], now["tree_size"],
                                *HashFromHex(head["root_hash"].get<std::string>()),
                                *HashFromHex(now["root_hash"].get<std::string>()), hashes)
                  .ok());
  // The same scenario adopted again is not a new version.
  server_->LoadShippedScenario();
  EXPECT_EQ(server_->Get("/api/v1/scenario", public_).body["version"], 1);
}

// --- Bad input ----------------------------------------------------------------------------------

TEST_F(ServerTest, BodySizeAndBatchLimits) {
  const size_t before = LogSize();
  std::string huge = "[" + ReportJson("BIG").dump();
  while (huge.size() < (300u << 10)) huge += "," + ReportJson("BIG").dump();
  huge += "]";
  Reply r = server_->Call("POST", "/api/v1/reports", monitor_, huge);
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.body["error"]["code"], "payload_too_large") << r.text;
  json batch = json::array();
  for (int i = 0; i < 201; ++i) batch.push_back(ReportJson(fmt::format("B-{}", i)));
  r = server_->Post("/api/v1/reports", batch, monitor_);
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.body["error"]["code"], "payload_too_large");
  EXPECT_EQ(LogSize(), before);
}

TEST_F(ServerTest, JsonErrorsNameTheBadFieldAndStoreNothing) {
  const size_t before = LogSize();
  Reply r = server_->Call("POST", "/api/v1/reports", monitor_, "[{\"event_id_cnty\": ]");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body["error"]["code"], "bad_json");
  EXPECT_NE(r.body["error"]["message"].get<std::string>().find("body:1:"), std::string::npos)
      << r.text;
  json bad = ReportJson("BAD-1");
  bad["latitude"] = 95;
  json bad_precision = ReportJson("BAD-2");
  bad_precision["geo_precision"] = "x";
  json not_object = "a string";
  r = server_->Post("/api/v1/reports",
                    json::array({ReportJson("GOOD"), bad, bad_precision, not_object}), monitor_);
  ASSERT_EQ(r.status, 400);
  EXPECT_EQ(r.body["error"]["code"], "invalid_input");
  std::set<std::string> paths;
  for (const json& p : r.body["error"]["problems"]) paths.insert(p["path"]);
  EXPECT_EQ(paths, (std::set<std::string>{"/1/latitude", "/2/geo_precision", "/3"})) << r.text;
  // Nothing of the rejected batch was stored, not even its good first report.
  EXPECT_EQ(LogSize(), before);
  EXPECT_EQ(server_->Get("/api/v1/reports?event_id=GOOD", admin_).body["items"].size(), 0u);

  json position = {{"icao24", "zzz"}, {"time", -5}, {"lat", 91}};
  r = server_->Post("/api/v1/positions", json::array({position}), monitor_);
  ASSERT_EQ(r.status, 400);
  paths.clear();
  for (const json& p : r.body["error"]["problems"]) paths.insert(p["path"]);
  EXPECT_EQ(paths, (std::set<std::string>{"/0/icao24", "/0/time", "/0/lat", "/0/lon"}));
  r = server_->Call("POST", "/api/v1/reports", monitor_, "event_id_cnty,event_date", "text/csv");
  EXPECT_EQ(r.status, 415);
  EXPECT_EQ(r.body["error"]["code"], "unsupported_media_type");
  // Stable codes for the other failures.
  EXPECT_EQ(server_->Get("/api/v1/nothing", admin_).body["error"]["code"], "not_found");
  r = server_->Call("DELETE", "/api/v1/reports", admin_);
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.body["error"]["code"], "method_not_allowed");
  r = server_->Get("/api/v1/reports", "truce_bogus_token");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.body["error"]["code"], "unauthenticated");
  r = server_->Get("/api/v1/reports?bbox=1,2,3", admin_);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body["error"]["problems"][0]["path"], "?bbox");
  r = server_->Get("/api/v1/reports?as_of=yesterday", admin_);
  EXPECT_EQ(r.body["error"]["code"], "invalid_argument");
  EXPECT_EQ(server_->Get("/api/v1/reports?limit=0", admin_).status, 400);
  EXPECT_EQ(server_->Get("/api/v1/positions?cursor=12", admin_).status, 400);
  EXPECT_EQ(LogSize(), before);
}

// --- Revisions, pagination, as_of
// -----------------------------------------------------------------

TEST_F(ServerTest, RevisionsAreAppendedIdenticalResubmissionsAreNoOps) {
  ASSERT_EQ(server_->Post("/api/v1/reports", ReportJson("REV"), monitor_).status, 201);
  const size_t size = LogSize();
  Reply r = server_->Post("/api/v1/reports", ReportJson("REV"), monitor_);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body["results"][0]["status"], "unchanged");
  EXPECT_EQ(LogSize(), size);
  json moved = ReportJson("REV", "2017-06-01", 35.9, 36.6);  // now in Idlib
  // Within one batch: a new revision, then the same again (unchanged, pointing at it).
  r = server_->Post("/api/v1/reports", json::array({moved, moved}), monitor_);
  ASSERT_EQ(r.status, 201);
  EXPECT_EQ(r.body["results"][0]["revision"], 2);
  EXPECT_EQ(r.body["results"][1]["status"], "unchanged");
  EXPECT_EQ(r.body["results"][1]["log_index"], r.body["results"][0]["log_index"]);
  EXPECT_EQ(LogSize(), size + 1);
  r = server_->Get("/api/v1/reports?event_id=REV&revisions=all", admin_);
  ASSERT_EQ(r.body["items"].size(), 2u);
  EXPECT_EQ(r.body["items"][0]["report"]["latitude"], 33.55);
  EXPECT_EQ(r.body["items"][1]["report"]["latitude"], 35.9);
  r = server_->Get("/api/v1/violations", admin_);
  ASSERT_EQ(r.body["items"].size(), 1u);
  EXPECT_EQ(r.body["items"][0]["zone"], "idlib");
  EXPECT_EQ(r.body["items"][0]["revision"], 2);
}

TEST_F(ServerTest, PaginationVisitsEveryItemOnce) {
  json batch = json::array();
  // Two days apart each, so that every report is an incident of its own.
  for (int i = 0; i < 25; ++i) {
    const UtcTime day = *ParseUtcTime("2017-06-01") + std::chrono::days(2 * i);
    batch.push_back(ReportJson(fmt::format("PAGE-{:02d}", i), FormatUtcDate(day)));
  }
  ASSERT_EQ(server_->Post("/api/v1/reports", batch, monitor_).status, 201);
  for (const char* path : {"/api/v1/reports", "/api/v1/violations", "/api/v1/incidents"}) {
    std::vector<std::string> seen;
    std::string cursor;
    int pages = 0;
    do {
      const std::string sep = std::string(path).find('?') == std::string::npos ? "?" : "&";
      Reply r = server_->Get(
          std::string(path) + sep + "limit=10" + (cursor.empty() ? "" : "&cursor=" + cursor),
          admin_);
      ASSERT_EQ(r.status, 200) << r.text;
      for (const json& item : r.body["items"]) {
        const char* key = item.contains("event_id") ? "event_id"
                          : item.contains("report") ? "report"
                                                    : "id";
        seen.push_back(item[key].get<std::string>());
      }
      cursor = r.body["next"].is_null() ? "" : r.body["next"].get<std::string>();
      ++pages;
    } while (!cursor.empty());
    EXPECT_EQ(pages, 3) << path;
    EXPECT_EQ(seen.size(), 25u) << path;
    EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 25u) << path;
  }
  // Positions page by (entry, ordinal).
  json positions = json::array();
  for (int i = 0; i < 7; ++i) {
    positions.push_back({{"icao24", "abcdef"}, {"time", 1533081600 + i}, {"lat", 46}, {"lon", 7}});
  }
  ASSERT_EQ(server_->Post("/api/v1/positions", positions, monitor_).status, 201);
  Reply p1 = server_->Get("/api/v1/positions?limit=4", admin_);
  ASSERT_EQ(p1.body["items"].size(), 4u);
  Reply p2 = server_->Get("/api/v1/positions?limit=4&cursor=" + p1.body["next"].get<std::string>(),
                          admin_);
  ASSERT_EQ(p2.body["items"].size(), 3u);
  EXPECT_TRUE(p2.body["next"].is_null());
  EXPECT_EQ(p2.body["items"][0]["time"], "2018-08-01T00:00:04.000Z");
}

TEST_F(ServerTest, AsOfAnswersWhatWasKnownThen) {
  server_->SetNow("2024-02-01T00:00:00Z");
  ASSERT_EQ(server_->Post("/api/v1/reports", ReportJson("ASOF"), monitor_).status, 201);
  server_->SetNow("2024-03-01T00:00:00Z");
  ASSERT_EQ(server_->Post("/api/v1/reports", ReportJson("ASOF", "2017-06-01", 35.9, 36.6), monitor_)
                .status,
            201);
  auto revision_at = [&](const char* as_of) -> json {
    Reply r = server_->Get(std::string("/api/v1/reports?event_id=ASOF&as_of=") + as_of, admin_);
    return r.body["items"].empty() ? json() : r.body["items"][0]["revision"];
  };
  EXPECT_TRUE(revision_at("2024-01-15").is_null());
  EXPECT_EQ(revision_at("2024-02-15"), 1);
  EXPECT_EQ(revision_at("2024-03-01T00:00:00Z"), 2);
  Reply r = server_->Get("/api/v1/violations?as_of=2024-02-15", admin_);
  ASSERT_EQ(r.body["items"].size(), 1u);
  EXPECT_EQ(r.body["items"][0]["zone"], "eastern-ghouta");
  EXPECT_EQ(server_->Get("/api/v1/violations", admin_).body["items"][0]["zone"], "idlib");
  // The scenario was loaded at the harness's start time (2024-01-01): nothing before that.
  EXPECT_EQ(server_->Get("/api/v1/zones?as_of=2023-12-31", admin_).status, 404);
  EXPECT_EQ(server_->Get("/api/v1/zones?as_of=2024-01-02&at=2017-08-01", admin_).status, 200);
}

TEST_F(ServerTest, ANewScenarioIsANewVersionAndTheOldOneStaysQueryable) {
  server_->SetNow("2024-02-01T00:00:00Z");
  const json zones = {
      {"type", "FeatureCollection"},
      {"features",
       {{{"type", "Feature"},
         {"properties",
          {{"zone", "ghouta-corrected"},
           {"version", 1},
           {"valid_from", "2017-05-06"},
           {"rules", {"ceasefire"}}}},
         {"geometry",
          {{"type", "Polygon"},
           {"coordinates",
            {{{36.3, 33.5}, {36.6, 33.5}, {36.6, 33.7}, {36.3, 33.7}, {36.3, 33.5}}}}}}}}}};
  json broken = zones;
  broken["features"][0]["geometry"]["coordinates"] = "nope";
  Reply r = server_->Post("/api/v1/scenario", broken, admin_);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body["error"]["code"], "invalid_input");
  EXPECT_FALSE(r.body["error"]["problems"].empty()) << r.text;
  r = server_->Post("/api/v1/scenario", zones, admin_);
  ASSERT_EQ(r.status, 201) << r.text;
  EXPECT_EQ(r.body["version"], 2);
  EXPECT_EQ(server_->Get("/api/v1/scenario/versions", public_).body["items"].size(), 2u);
  Reply now = server_->Get("/api/v1/zones", public_);
  ASSERT_EQ(now.body["features"].size(), 1u);
  EXPECT_EQ(now.body["features"][0]["properties"]["zone"], "ghouta-corrected");
  Reply before = server_->Get("/api/v1/zones?as_of=2024-01-15", public_);
  EXPECT_GT(before.body["features"].size(), 4u);
  // Verdicts follow the version in force: the same report, re-evaluated.
  ASSERT_EQ(server_->Post("/api/v1/reports", ReportJson("SCN"), monitor_).status, 201);
  r = server_->Get("/api/v1/violations", admin_);
  ASSERT_EQ(r.body["items"].size(), 1u);
  EXPECT_EQ(r.body["items"][0]["zone"], "ghouta-corrected");
}

// --- The transparency log ------------------------------------------------------------------------

TEST_F(ServerTest, ReceiptsAndProofsVerifyAgainstSignedHeads) {
  Reply r = server_->Post("/api/v1/reports",
                          json::array({ReportJson("LOG-1"), ReportJson("LOG-2")}), monitor_);
  ASSERT_EQ(r.status, 201);
  const json head_doc = r.body["tree_head"];
  auto head = app::TreeHeadFromJson(head_doc);
  ASSERT_TRUE(head.ok()) << head.error().message;
  EXPECT_EQ(server_->Get("/api/v1/log/head").body, head_doc);
  for (const json& result : r.body["results"]) {
    const uint64_t index = result["log_index"];
    const Hash leaf = *HashFromHex(result["leaf_hash"].get<std::string>());
    // Two reports submitted together: one signature over their batch, and each receipt's path
    // from its leaf to the batch's root.
    EXPECT_EQ(result["receipt_format"], "truce-receipt-v2");
    EXPECT_EQ(result["batch"]["first"], 1);
    EXPECT_EQ(result["batch"]["count"], 2);
    auto receipt = app::ReceiptFromJson(result);
    ASSERT_TRUE(receipt.ok()) << receipt.error().message;
    EXPECT_TRUE(app::VerifyReceipt(head->key, *receipt).ok());
    EXPECT_TRUE(app::VerifySignature(head->key,
                                     app::BatchReceiptMessage(1, 2, receipt->batch->root),
                                     *app::BytesFromHex(result["receipt"].get<std::string>())));
    json forged = result;
    forged["leaf_hash"] = HashToHex(LeafHash("forged"));
    EXPECT_FALSE(app::VerifyReceipt(head->key, *app::ReceiptFromJson(forged)).ok());
    Reply proof = server_->Get(
        fmt::format("/api/v1/log/inclusion?index={}&tree_size={}", index, head->head.size));
    ASSERT_EQ(proof.status, 200) << proof.text;
    std::vector<Hash> path;
    for (const json& h : proof.body["proof"]) path.push_back(*HashFromHex(h.get<std::string>()));
    EXPECT_TRUE(VerifyInclusion(index, head->head.size, leaf, path, head->head.root).ok());
    EXPECT_FALSE(
        VerifyInclusion(index, head->head.size, LeafHash("forged"), path, head->head.root).ok());
  }
  // The submitter can recompute its leaf from the entry the log keeps, and the listing says
  // which entries one receipt covers.
  Reply entries = server_->Get("/api/v1/log/entries?from=1&limit=1", admin_);
  ASSERT_EQ(entries.body["items"].size(), 1u);
  EXPECT_EQ(HashToHex(LeafHash(entries.body["items"][0]["data"].get<std::string>())),
            r.body["results"][0]["leaf_hash"]);
  EXPECT_EQ(entries.body["items"][0]["receipt"], r.body["results"][0]["receipt"]);
  EXPECT_EQ(entries.body["items"][0]["receipt_format"], "truce-receipt-v2");
  EXPECT_EQ(entries.body["items"][0]["batch"], json({{"first", 1}, {"count", 2}}));
  // A report submitted alone is signed alone: the signature over (index, leaf).
  Reply alone = server_->Post("/api/v1/reports", ReportJson("LOG-3"), monitor_);
  ASSERT_EQ(alone.status, 201) << alone.text;
  const json& single = alone.body["results"][0];
  EXPECT_EQ(single["receipt_format"], "truce-receipt-v1");
  EXPECT_FALSE(single.contains("batch"));
  EXPECT_TRUE(app::VerifySignature(
      head->key,
      app::ReceiptMessage(single["log_index"],
                          *HashFromHex(single["leaf_hash"].get<std::string>())),
      *app::BytesFromHex(single["receipt"].get<std::string>())));
  EXPECT_TRUE(app::VerifyReceipt(head->key, *app::ReceiptFromJson(single)).ok());
  EXPECT_EQ(server_->Get("/api/v1/log/inclusion?index=99").status, 400);
  EXPECT_EQ(server_->Get("/api/v1/log/inclusion?index=0&tree_size=99").status, 404);
  EXPECT_EQ(server_->Get("/api/v1/log/consistency?first=5&second=2").status, 400);
}

// --- OGC API - Features, static files, metrics ------------------------------------------------

TEST_F(ServerTest, OgcApiFeatures) {
  ASSERT_EQ(server_
                ->Post("/api/v1/reports",
                       json::array({ReportJson("OGC-GHOUTA"),
                                    ReportJson("OGC-IDLIB", "2017-06-01", 35.9, 36.6),
                                    ReportJson("OGC-LATE", "2019-01-10", 35.9, 36.6)}),
                       monitor_)
                .status,
            201);
  Reply landing = server_->Get("/ogc", public_);
  ASSERT_EQ(landing.status, 200);
  std::set<std::string> rels;
  for (const json& l : landing.body["links"]) rels.insert(l["rel"]);
  EXPECT_TRUE(rels.contains("conformance") && rels.contains("data"));
  EXPECT_NE(server_->Get("/ogc/conformance", public_).text.find("conf/geojson"), std::string::npos);
  Reply zones = server_->Get("/ogc/collections/zones/items?datetime=2017-08-01T00:00:00Z", public_);
  ASSERT_EQ(zones.status, 200);
  EXPECT_EQ(zones.body["type"], "FeatureCollection");
  EXPECT_GE(zones.body["numberMatched"].get<int>(), 4);
  // bbox around Eastern Ghouta (lon/lat order) and a datetime window.
  Reply near = server_->Get("/ogc/collections/reports/items?bbox=36.3,33.4,36.6,33.7", admin_);
  ASSERT_EQ(near.body["numberMatched"], 1) << near.text;
  EXPECT_EQ(near.body["features"][0]["id"], "OGC-GHOUTA");
  EXPECT_EQ(near.body["features"][0]["geometry"]["coordinates"][0], 36.42);
  Reply later =
      server_->Get("/ogc/collections/reports/items?datetime=2018-01-01T00:00:00Z/..", admin_);
  ASSERT_EQ(later.body["numberMatched"], 1);
  EXPECT_EQ(later.body["features"][0]["id"], "OGC-LATE");
  Reply paged = server_->Get("/ogc/collections/reports/items?limit=2", admin_);
  EXPECT_EQ(paged.body["numberReturned"], 2);
  bool has_next = false;
  for (const json& l : paged.body["links"]) has_next |= l["rel"] == "next";
  EXPECT_TRUE(has_next);
  EXPECT_EQ(server_->Get("/ogc/collections/nothing/items", admin_).status, 404);
}

TEST(ServerStaticTest, ServesTheWebDirectoryAndMetrics) {
  TempDir dir;
  fs::create_directories(dir.path() / "web");
  std::ofstream(dir.path() / "web" / "index.html") << "<html>truce dashboard</html>";
  ServerHarness server((dir.path() / "truce.db").string(), {}, (dir.path() / "web").string());
  Reply r = server.Get("/");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.text.find("truce dashboard"), std::string::npos);
  const std::string admin = server.Token(Role::kAdmin);
  EXPECT_EQ(server.Get("/api/v1/nothing", admin).status, 404);
  r = server.Get("/metrics", admin);
  EXPECT_NE(
      r.text.find("truce_http_requests_total{method=\"GET\",route=\"unmatched\",code=\"404\"} 1"),
      std::string::npos)
      << r.text;
  EXPECT_NE(r.text.find("truce_log_entries 0"), std::string::npos) << r.text;
}

// The request metrics are labelled by method, route and status; the method is the client's
// word. Made-up methods count as "other", so no client can grow /metrics (and the server's
// memory) a series at a time. (The api fuzz target found a made-up method's bytes in /metrics.)
TEST(ServerStaticTest, MadeUpMethodsDoNotAddMetricSeries) {
  TempDir dir;
  ServerHarness server((dir.path() / "truce.db").string());
  RawClient client(server.port());
  ASSERT_TRUE(client.connected());
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(client.Send(fmt::format("BREW{} /api/v1/log/head HTTP/1.1\r\nHost: x\r\n\r\n", i)));
    auto answer = client.Read(std::chrono::seconds(5));
    ASSERT_TRUE(answer.has_value()) << "request " << i;
    EXPECT_GE(answer->status, 400) << "request " << i;
  }
  const Reply r = server.Get("/metrics", server.Token(Role::kAdmin));
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.text.find("BREW"), std::string::npos) << r.text;
  EXPECT_NE(r.text.find("truce_http_requests_total{method=\"other\""), std::string::npos) << r.text;
  size_t series = 0;
  for (size_t at = 0; (at = r.text.find("\ntruce_http_requests_total{", at)) != std::string::npos;
       ++at) {
    ++series;
  }
  EXPECT_LE(series, 3u) << r.text;
}

// --- Real data: the Syrian Archive incidents (136 of 138 rows usable) as one batch
// ----------------------------------

TEST_F(ServerTest, SyrianArchiveBatchMatchesTheInProcessVerdicts) {
  const std::string rel = "incidents/syrian_archive_chemical_weapons_2013_2014.csv";
  TRUCE_REQUIRE_SHARED_DATA(rel);
  auto text = formats::ReadTextFile(SharedDataPath(rel));
  ASSERT_TRUE(text.ok());
  auto parsed = formats::ParseReports(*text, rel);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  // Two of the 138 rows carry no coordinates and are refused by the reader.
  ASSERT_EQ(parsed->reports.size(), 136u);
  json batch = json::array();
  for (const Report& report : parsed->reports) batch.push_back(formats::ReportToJson(report));
  Reply r = server_->Post("/api/v1/reports", batch, monitor_);
  ASSERT_EQ(r.status, 201) << r.text.substr(0, 500);
  const size_t accepted = r.body["accepted"];
  // Event ids repeat in the export only if the source repeats them; every row is accounted for.
  EXPECT_EQ(accepted + r.body["unchanged"].get<size_t>(), 136u);
  // Posting the same file again is a no-op.
  r = server_->Post("/api/v1/reports", batch, monitor_);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body["unchanged"], 136);

  // The server's verdicts are the core's on the same reports and scenario.
  auto bundle = app::ReadScenarioBundle(ShippedScenario());
  auto scenario = app::ScenarioFromBundle(*bundle, "shipped");
  ASSERT_TRUE(scenario.ok());
  const std::vector<formats::Revision> latest = formats::LatestRevisions(parsed->reports);
  std::vector<Report> reports;
  for (const formats::Revision& rev : latest) reports.push_back(*rev.report);
  const std::vector<Violation> expected = EvaluateReports(*scenario, reports);
  std::multiset<std::string> want, got;
  for (const Violation& v : expected) {
    want.insert(fmt::format("{} {} {} {}", v.report->event_id(), v.version->zone(),
                            RuleKindName(v.rule), VerdictName(v.verdict)));
  }
  std::string cursor;
  do {
    Reply page = server_->Get(
        "/api/v1/violations?limit=1000" + (cursor.empty() ? "" : "&cursor=" + cursor), admin_);
    for (const json& v : page.body["items"]) {
      got.insert(fmt::format("{} {} {} {}", v["report"].get<std::string>(),
                             v["zone"].get<std::string>(), v["rule"].get<std::string>(),
                             v["verdict"].get<std::string>()));
    }
    cursor = page.body["next"].is_null() ? "" : page.body["next"].get<std::string>();
  } while (!cursor.empty());
  EXPECT_EQ(got, want);
  // 2013-2014 predates the 2017 zones: no report can violate them.
  EXPECT_TRUE(got.empty());
  EXPECT_EQ(server_->Get("/api/v1/reports?limit=1000", admin_).body["items"].size(), latest.size());
}

}  // namespace
}  // namespace truce::testing
