// The redaction policy, cell by cell, over HTTP: for every role (and no token), every route that
// returns report-derived records, every record and every field, what the caller sees. The
// expectations are written out here independently of src/app/policy.cc, so that a change to the
// policy table has to change this table too.
//
// Regression for the cross-party leak: a party token used to read other parties' unpublished
// raw reports (notes, source, source_group, actor texts, who submitted) through
// /api/v1/incidents and /ogc/collections/incidents/items.
#include <map>
#include <set>

#include "server_harness.h"

namespace truce::testing {
namespace {

using app::Role;

// Reports in Eastern Ghouta (zone 3, in force from May 2017), so each has violations.
// Each on its own day, so that each is an incident of its own.
json Report(const std::string& id, const std::string& date, const std::string& source,
            const std::string& notes) {
  json r = ReportJson(id, date, 33.55, 36.42);
  r["source"] = source;
  r["source_group"] = source + "-channel";
  r["notes"] = notes;
  r["actor2"] = "Civilians (Syria)";
  return r;
}

// Fields of an incident anyone who sees it may read, and those only raw readers may.
const std::set<std::string> kIncidentDerived = {
    "incident",    "reports",         "independent_groups",
    "grade",       "reason",          "violations",
    "event_types", "time_begin",      "time_end",
    "latitude",    "longitude",       "radius_m",
    "merged",      "split_from",      "id",
    "event_date",  "event_type",      "sub_event_type",
    "fatalities",  "alleged_parties", "zones",
    "published"};
const std::set<std::string> kIncidentRaw = {
    "sources",  "groups",  "computed_grade", "claims",    "tracks",
    "coverage", "accused", "monitors",       "decisions", "revision",
    "actors",   "source",  "source_group",   "notes",     "submitted_by_party"};
const std::set<std::string> kSecrets = {"SECRET-NOTES-GOV", "SECRET-NOTES-OPP", "SECRET-NOTES-MON"};

class PolicyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<ServerHarness>((dir_.path() / "truce.db").string());
    server_->LoadShippedScenario();
    tokens_["admin"] = server_->Token(Role::kAdmin);
    tokens_["monitor"] = server_->Token(Role::kMonitor);
    tokens_["guarantor"] = server_->Token(Role::kGuarantor);
    tokens_["humanitarian"] = server_->Token(Role::kHumanitarian);
    tokens_["public"] = server_->Token(Role::kPublic);
    tokens_["gov"] = server_->Token(Role::kParty, "syrian-government");
    tokens_["opp"] = server_->Token(Role::kParty, "armed-opposition");
    tokens_["anonymous"] = "";
    json gov = Report("GOV-1", "2017-06-01", "", "SECRET-NOTES-GOV");
    gov.erase("source");
    ASSERT_EQ(server_->Post("/api/v1/reports", gov, tokens_["gov"]).status, 201);
    json opp = Report("OPP-1", "2017-06-03", "", "SECRET-NOTES-OPP");
    opp.erase("source");
    ASSERT_EQ(server_->Post("/api/v1/reports", opp, tokens_["opp"]).status, 201);
    ASSERT_EQ(
        server_
            ->Post("/api/v1/reports", Report("MON-1", "2017-06-05", "SOHR", "SECRET-NOTES-MON"),
                   tokens_["monitor"])
            .status,
        201);
    for (const char* id : {"GOV-1", "MON-1"}) {
      ASSERT_EQ(
          server_->Post("/api/v1/incidents/publish", {{"incident", id}}, tokens_["monitor"]).status,
          201);
    }
  }

  // Who submitted each report (the owner reads its raw fields).
  static std::string Owner(const std::string& id) {
    return id == "GOV-1" ? "gov" : id == "OPP-1" ? "opp" : "monitor";
  }
  static bool Insider(const std::string& role) { return role != "public" && role != "anonymous"; }
  static bool Party(const std::string& role) { return role == "gov" || role == "opp"; }
  // Whether `role` reads the raw fields of report `id`.
  static bool ReadsRaw(const std::string& role, const std::string& id) {
    if (!Insider(role)) return false;
    if (Party(role)) return Owner(id) == role;
    return true;
  }
  // Whether `role` sees incident `id` at all.
  static bool SeesIncident(const std::string& role, const std::string& id) {
    return Insider(role) || id != "OPP-1";  // OPP-1 is not published
  }

  TempDir dir_;
  std::unique_ptr<ServerHarness> server_;
  std::map<std::string, std::string> tokens_;
};

const char* const kRoles[] = {"admin", "monitor", "guarantor", "humanitarian",
                              "gov",   "opp",     "public",    "anonymous"};

TEST_F(PolicyTest, IncidentsFieldByFieldForEveryRole) {
  for (const char* path : {"/api/v1/incidents", "/ogc/collections/incidents/items"}) {
    const bool ogc = std::string(path).starts_with("/ogc");
    for (const std::string role : kRoles) {
      SCOPED_TRACE(std::string(path) + " as " + role);
      const Reply r = server_->Get(path, tokens_[role]);
      ASSERT_EQ(r.status, 200) << r.text;
      std::set<std::string> seen;
      for (const json& item : r.body[ogc ? "features" : "items"]) {
        const json& record = ogc ? item["properties"] : item;
        const std::string id = record["id"].get<std::string>().substr(4);  // "INC-" + event id
        seen.insert(id);
        for (const std::string& field : kIncidentDerived) {
          EXPECT_TRUE(record.contains(field)) << id << " lacks derived field " << field;
        }
        for (const std::string& field : kIncidentRaw) {
          EXPECT_EQ(record.contains(field), ReadsRaw(role, id)) << id << " field " << field;
        }
        // Nothing outside the two tables, so a new field cannot slip through unreviewed.
        for (const auto& [field, value] : record.items()) {
          EXPECT_TRUE(kIncidentDerived.contains(field) || kIncidentRaw.contains(field))
              << "unexpected field " << field;
        }
        if (!ReadsRaw(role, id)) {
          for (const std::string& secret : kSecrets) {
            EXPECT_EQ(item.dump().find(secret), std::string::npos) << secret << " leaked";
          }
        }
      }
      for (const char* id : {"GOV-1", "OPP-1", "MON-1"}) {
        EXPECT_EQ(seen.contains(id), SeesIncident(role, id)) << id;
      }
    }
  }
}

TEST_F(PolicyTest, ViolationsCarryNoRawFieldsAndArePublicOnlyNever) {
  const std::set<std::string> fields = {"report",   "revision",   "zone",       "version",
                                        "rule",     "verdict",    "fraction",   "clause",
                                        "party",    "event_type", "event_date", "time_begin",
                                        "time_end", "latitude",   "longitude",  "radius_m"};
  for (const char* path : {"/api/v1/violations", "/ogc/collections/violations/items"}) {
    const bool ogc = std::string(path).starts_with("/ogc");
    for (const std::string role : kRoles) {
      SCOPED_TRACE(std::string(path) + " as " + role);
      const Reply r = server_->Get(path, tokens_[role]);
      if (!Insider(role)) {
        // Without a token the route asks for one; the OGC layer answers as the public.
        EXPECT_EQ(r.status, role == "anonymous" && !ogc ? 401 : 403) << r.text;
        continue;
      }
      ASSERT_EQ(r.status, 200) << r.text;
      std::set<std::string> reports;
      for (const json& item : r.body[ogc ? "features" : "items"]) {
        const json& record = ogc ? item["properties"] : item;
        reports.insert(record["report"].get<std::string>());
        for (const auto& [field, value] : record.items()) {
          EXPECT_TRUE(fields.contains(field)) << "unexpected field " << field;
        }
        for (const std::string& secret : kSecrets) {
          EXPECT_EQ(item.dump().find(secret), std::string::npos) << secret << " leaked";
        }
      }
      EXPECT_EQ(reports, (std::set<std::string>{"GOV-1", "OPP-1", "MON-1"}));
    }
  }
}

TEST_F(PolicyTest, RawReportsOnlyToThoseWhoReadThem) {
  for (const char* path : {"/api/v1/reports", "/ogc/collections/reports/items"}) {
    const bool ogc = std::string(path).starts_with("/ogc");
    for (const std::string role : kRoles) {
      SCOPED_TRACE(std::string(path) + " as " + role);
      const Reply r = server_->Get(path, tokens_[role]);
      if (!Insider(role)) {
        EXPECT_EQ(r.status, role == "anonymous" && !ogc ? 401 : 403) << r.text;
        continue;
      }
      ASSERT_EQ(r.status, 200) << r.text;
      std::set<std::string> seen;
      for (const json& item : r.body[ogc ? "features" : "items"]) {
        const std::string id =
            ogc ? item["id"].get<std::string>() : item["event_id"].get<std::string>();
        seen.insert(id);
        const json& report = ogc ? item["properties"] : item["report"];
        EXPECT_TRUE(report.contains("notes")) << id;
      }
      for (const char* id : {"GOV-1", "OPP-1", "MON-1"}) {
        EXPECT_EQ(seen.contains(id), ReadsRaw(role, id)) << id;
      }
    }
  }
}

TEST_F(PolicyTest, ClaimsAreStatementsToInsidersOnly) {
  ASSERT_EQ(server_
                ->Post("/api/v1/claims",
                       {{"stance", "deny"}, {"incident", "GOV-1"}, {"text", "Did not happen."}},
                       tokens_["opp"])
                .status,
            201);
  for (const std::string role : kRoles) {
    SCOPED_TRACE(role);
    const Reply r = server_->Get("/api/v1/claims", tokens_[role]);
    if (!Insider(role)) {
      EXPECT_EQ(r.status, role == "anonymous" ? 401 : 403);
      continue;
    }
    ASSERT_EQ(r.status, 200) << r.text;
    ASSERT_EQ(r.body["items"].size(), 1u);
    EXPECT_EQ(r.body["items"][0]["claim"]["party"], "armed-opposition");
  }
}

TEST_F(PolicyTest, SummariesAreAggregatesEveryoneReadsAlike) {
  std::string first;
  for (const std::string role : kRoles) {
    const Reply r = server_->Get("/api/v1/summary?from=2017-06-01&to=2017-06-02", tokens_[role]);
    ASSERT_EQ(r.status, 200) << role << " " << r.text;
    for (const std::string& secret : kSecrets) {
      EXPECT_EQ(r.text.find(secret), std::string::npos) << secret << " leaked to " << role;
    }
    if (first.empty()) first = r.text;
    EXPECT_EQ(r.text, first) << role;
  }
}

// The flight ban: a real aircraft's fixes moved onto Eastern Ghouta (no_fly from May 2017) cross
// the zone. Every role reads the violation; the public without the aircraft's identity. Who
// may notify and read exemptions, cell by cell.
TEST_F(PolicyTest, FlightViolationsAndExemptionsCellByCell) {
  json fixes = json::array();
  for (int i = 0; i <= 20; ++i) {
    fixes.push_back({{"icao24", "4b1805"},
                     {"time", 1496304000 + 10 * i},  // 2017-06-01T08:00:00Z
                     {"lat", 33.55},
                     {"lon", 36.20 + 0.03 * i},
                     {"baroaltitude", 3000},
                     {"callsign", "SYR501"}});
  }
  ASSERT_EQ(server_->Post("/api/v1/positions", fixes, tokens_["monitor"]).status, 201);
  const std::set<std::string> identity = {"icao24", "callsign"};
  for (const std::string role : kRoles) {
    SCOPED_TRACE(role);
    const Reply r = server_->Get("/api/v1/flight-violations", tokens_[role]);
    ASSERT_EQ(r.status, 200) << r.text;
    ASSERT_EQ(r.body["items"].size(), 1u) << r.text;
    const json& v = r.body["items"][0];
    EXPECT_EQ(v["zone"], "eastern-ghouta");
    for (const char* field : {"zone", "version", "rule", "entry_time", "exit_time", "verdict",
                              "open", "last_contact", "id", "duration_s", "clause"}) {
      EXPECT_TRUE(v.contains(field)) << field;
    }
    for (const std::string& field : identity) {
      EXPECT_EQ(v.contains(field), Insider(role)) << field;
    }
    EXPECT_EQ(r.text.find("SYR501") != std::string::npos, Insider(role));
  }
  // Exemptions: notified by staff and the deconfliction cell; read by them and the
  // guarantors; never by a party or the public (they name humanitarian aircraft).
  const json exemption = {
      {"callsign", "UNHAS1"}, {"from", "2017-06-01"}, {"to", "2017-06-02"}, {"note", "WFP"}};
  const std::map<std::string, std::pair<int, int>> cells = {
      // role: POST, GET
      {"admin", {201, 200}},     {"monitor", {201, 200}},   {"humanitarian", {201, 200}},
      {"guarantor", {403, 200}}, {"gov", {403, 403}},       {"opp", {403, 403}},
      {"public", {403, 403}},    {"anonymous", {401, 401}},
  };
  for (const auto& [role, want] : cells) {
    SCOPED_TRACE(role);
    EXPECT_EQ(server_->Post("/api/v1/exemptions", exemption, tokens_[role]).status, want.first);
    EXPECT_EQ(server_->Get("/api/v1/exemptions", tokens_[role]).status, want.second);
  }
  EXPECT_EQ(server_->Get("/api/v1/exemptions", tokens_["admin"]).body["items"].size(), 3u);
  // Alerts: every role reads them, each record redacted as its kind's list redacts it. The
  // reports of SetUp violate Eastern Ghouta's ceasefire (report_violation, insiders only; a
  // party reads violations of every report, as /violations gives them); the flight above
  // entered it (flight_entry).
  for (const std::string role : kRoles) {
    SCOPED_TRACE(role);
    const Reply r = server_->Get("/api/v1/alerts?limit=1000", tokens_[role]);
    ASSERT_EQ(r.status, 200) << r.text;
    std::set<std::string> kinds;
    for (const json& a : r.body["items"]) {
      kinds.insert(a["kind"]);
      if (a["kind"] != "report_violation") {
        EXPECT_EQ(a["record"].contains("icao24"), Insider(role));
        EXPECT_EQ(a["record"].contains("callsign"), Insider(role));
      }
      EXPECT_EQ(a.dump().find("SECRET"), std::string::npos);
    }
    EXPECT_TRUE(kinds.contains("flight_entry"));
    EXPECT_EQ(kinds.contains("report_violation"), Insider(role));
  }
  // Webhooks: the admin's alone (a webhook reads alerts as the role it names).
  for (const std::string role : kRoles) {
    SCOPED_TRACE(role);
    const int want = role == "admin" ? 200 : role == "anonymous" ? 401 : 403;
    EXPECT_EQ(server_->Get("/api/v1/webhooks", tokens_[role]).status, want);
    EXPECT_EQ(server_->Get("/api/v1/webhooks/wh_1/deliveries", tokens_[role]).status,
              role == "admin" ? 404 : want);
    EXPECT_EQ(server_->Call("DELETE", "/api/v1/webhooks/wh_1", tokens_[role]).status,
              role == "admin" ? 404 : want);
    const json hook = {{"url", "http://127.0.0.1:9/"}, {"secret", "0123456789abcdef"}};
    EXPECT_EQ(server_->Post("/api/v1/webhooks", hook, tokens_[role]).status,
              role == "admin" ? 201 : want);
  }
}

}  // namespace
}  // namespace truce::testing
