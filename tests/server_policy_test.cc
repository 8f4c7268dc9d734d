// The redaction policy, cell by cell, over HTTP: for every role (and no token), every route that
// returns report-derived records, every record and every field, what the caller sees. The
// expectations are written out here independently of src/app/policy.cc, so that a change to the
// policy table has to change this table too.
//
// Regression for the cross-party leak: a party token used to read other parties' unpublished
// raw reports (notes, source, source_group, actor texts, who submitted) through
// /api/v1/incidents and /ogc/collections/incidents/items.
#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "server_harness.h"
#include "sse_client.h"

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
    "published",   "log_entry",       "tracks",
    "coverage"};
const std::set<std::string> kIncidentRaw = {
    "sources",      "groups",    "computed_grade",     "claims",        "accused",
    "monitors",     "decisions", "revision",           "actors",        "source",
    "source_group", "notes",     "submitted_by_party", "report_entries"};
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
        // The publication's log entry, for its inclusion proof; null while unpublished.
        EXPECT_EQ(record["log_entry"].is_number_unsigned(), id != "OPP-1") << id;
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

// Pages are cut after the policy: only the page is encoded, but what is counted and paged is
// what the caller may see, so one record per page, followed to the end, gives every role
// exactly its whole list (and numberMatched its length), never a hole where another's record
// was, nor a record it may not read.
TEST_F(PolicyTest, PagesOfOneAddUpToEachRolesWholeList) {
  for (const char* path :
       {"/api/v1/incidents", "/api/v1/violations", "/ogc/collections/incidents/items",
        "/ogc/collections/violations/items", "/ogc/collections/reports/items"}) {
    const bool ogc = std::string(path).starts_with("/ogc");
    const char* key = ogc ? "features" : "items";
    for (const std::string role : kRoles) {
      SCOPED_TRACE(std::string(path) + " as " + role);
      const Reply whole = server_->Get(path, tokens_[role]);
      if (whole.status != 200) {
        EXPECT_EQ(server_->Get(std::string(path) + "?limit=1", tokens_[role]).status, whole.status);
        continue;
      }
      const json& all = whole.body[key];
      if (ogc) {
        EXPECT_EQ(whole.body["numberMatched"], all.size());
      }
      json paged = json::array();
      std::string next = std::string(path) + "?limit=1";
      for (int page = 0; !next.empty(); ++page) {
        ASSERT_LE(page, static_cast<int>(all.size())) << "the pages do not end";
        const Reply r = server_->Get(next, tokens_[role]);
        ASSERT_EQ(r.status, 200) << next << ": " << r.text;
        ASSERT_LE(r.body[key].size(), 1u);
        for (const json& item : r.body[key]) paged.push_back(item);
        next.clear();
        if (ogc) {
          EXPECT_EQ(r.body["numberMatched"], all.size());
          EXPECT_EQ(r.body["numberReturned"], r.body[key].size());
          for (const json& link : r.body["links"]) {
            if (link["rel"] == "next") {
              next = link["href"].get<std::string>().substr(server_->base_url().size());
            }
          }
        } else if (r.body["next"].is_string()) {
          next = std::string(path) + "?limit=1&cursor=" + r.body["next"].get<std::string>();
        }
      }
      EXPECT_EQ(paged, all);
      EXPECT_FALSE(all.empty()) << "every role reading these sees some record here";
    }
  }
  // Past the end: an empty page without a next one.
  const Reply past = server_->Get("/api/v1/incidents?limit=2&cursor=1000", tokens_["admin"]);
  ASSERT_EQ(past.status, 200) << past.text;
  EXPECT_TRUE(past.body["items"].empty());
  EXPECT_TRUE(past.body["next"].is_null());
  EXPECT_EQ(server_->Get("/api/v1/violations?cursor=x", tokens_["admin"]).status, 400);
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

// A CSV export as rows of cells (RFC 4180 quoting, CRLF line ends).
std::vector<std::vector<std::string>> ParseCsv(const std::string& text) {
  std::vector<std::vector<std::string>> rows(1, std::vector<std::string>(1));
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        rows.back().back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        rows.back().back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      rows.back().emplace_back();
    } else if (c == '\r') {
    } else if (c == '\n') {
      rows.emplace_back(1);
    } else {
      rows.back().back() += c;
    }
  }
  if (rows.back() == std::vector<std::string>(1)) rows.pop_back();
  return rows;
}

// The exports are the lists through the same policy: every role gets the incidents it sees,
// each cell the list would give it, the raw columns only when it reads some raw record, and
// no secret it may not read, in every format.
TEST_F(PolicyTest, ExportsCellByCellForEveryRole) {
  const std::set<std::string> raw_columns = {"actor1", "actor2", "source", "notes"};
  for (const std::string role : kRoles) {
    SCOPED_TRACE("export as " + role);
    const Reply list = server_->Get("/api/v1/incidents", tokens_[role]);
    ASSERT_EQ(list.status, 200) << list.text;
    std::map<std::string, json> by_id;
    for (const json& item : list.body["items"]) by_id[item["id"].get<std::string>()] = item;

    for (const char* f : {"csv", "hxl"}) {
      const Reply r = server_->Get(std::string("/api/v1/export/incidents?f=") + f, tokens_[role]);
      ASSERT_EQ(r.status, 200) << r.text;
      const auto rows = ParseCsv(r.text);
      const bool hxl = std::string(f) == "hxl";
      ASSERT_GE(rows.size(), hxl ? 2u : 1u);
      const auto& header = rows[0];
      ASSERT_EQ(header[0], "event_id_cnty");
      if (hxl) {
        ASSERT_EQ(rows[1].size(), header.size());
        EXPECT_EQ(rows[1][0], "#event+code");
        for (const std::string& tag : rows[1]) EXPECT_TRUE(tag.starts_with("#")) << tag;
      }
      const bool any_raw = std::any_of(by_id.begin(), by_id.end(), [&](const auto& kv) {
        return ReadsRaw(role, kv.first.substr(4));
      });
      for (const std::string& column : raw_columns) {
        EXPECT_EQ(std::find(header.begin(), header.end(), column) != header.end(), any_raw)
            << column;
      }
      std::set<std::string> seen;
      for (size_t k = hxl ? 2 : 1; k < rows.size(); ++k) {
        ASSERT_EQ(rows[k].size(), header.size()) << "row " << k;
        const std::string id = rows[k][0];
        seen.insert(id.substr(4));
        ASSERT_TRUE(by_id.contains(id)) << id << " is not in the list";
        const json& item = by_id[id];
        for (size_t c = 0; c < header.size(); ++c) {
          const std::string& cell = rows[k][c];
          const std::string& column = header[c];
          SCOPED_TRACE(id + " " + column);
          if (column == "event_date" || column == "event_type" || column == "grade" ||
              column == "reason" || column == "time_begin" || column == "time_end") {
            EXPECT_EQ(cell, item[column].get<std::string>());
          } else if (column == "notes") {
            EXPECT_EQ(cell, item.value("notes", ""));
          } else if (column == "actor2") {
            EXPECT_EQ(cell, item.contains("actors") ? item["actors"][1].get<std::string>() : "");
          } else if (column == "latitude" || column == "longitude") {
            EXPECT_NEAR(std::stod(cell), item[column].get<double>(), 1e-9);
          } else if (column == "log_entry") {
            EXPECT_EQ(cell, item[column].is_null() ? "" : item[column].dump());
          }
        }
        if (!ReadsRaw(role, id.substr(4))) {
          for (size_t c = 0; c < header.size(); ++c) {
            for (const std::string& secret : kSecrets) {
              EXPECT_EQ(rows[k][c].find(secret), std::string::npos) << secret << " leaked";
            }
          }
        }
      }
      for (const char* id : {"GOV-1", "OPP-1", "MON-1"}) {
        EXPECT_EQ(seen.contains(id), SeesIncident(role, id)) << id;
      }
    }

    // GeoJSON: each feature's properties are the list's record, field for field.
    const Reply g = server_->Get("/api/v1/export/incidents?f=geojson", tokens_[role]);
    ASSERT_EQ(g.status, 200) << g.text;
    ASSERT_EQ(g.body["type"], "FeatureCollection");
    ASSERT_EQ(g.body["features"].size(), by_id.size());
    for (const json& feature : g.body["features"]) {
      const std::string id = feature["id"].get<std::string>();
      ASSERT_TRUE(by_id.contains(id));
      EXPECT_EQ(feature["properties"], by_id[id]) << id;
      EXPECT_EQ(feature["geometry"]["coordinates"][1], by_id[id]["latitude"]);
    }

    // Violations: to insiders only, never a raw field, as the list.
    for (const char* f : {"csv", "hxl", "geojson"}) {
      const Reply v = server_->Get(std::string("/api/v1/export/violations?f=") + f, tokens_[role]);
      if (!Insider(role)) {
        EXPECT_EQ(v.status, role == "anonymous" ? 401 : 403) << v.text;
        continue;
      }
      ASSERT_EQ(v.status, 200) << v.text;
      for (const std::string& secret : kSecrets) {
        EXPECT_EQ(v.text.find(secret), std::string::npos) << secret << " leaked";
      }
      for (const char* id : {"GOV-1", "OPP-1", "MON-1"}) {
        EXPECT_NE(v.text.find(id), std::string::npos) << id;
      }
    }
  }
  // A format the export does not know is a 400 naming the parameter.
  const Reply bad = server_->Get("/api/v1/export/incidents?f=xlsx", tokens_["monitor"]);
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body["error"]["problems"][0]["path"], "?f");
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

// The flight ban in the summary: an aircraft crossing Eastern Ghouta (no_fly) that day counts for
// every role alike, with its minutes inside, and no role reads who flew (the summary carries the
// derived fields of flight violations only, aggregated). Field by field, a zone of the summary.
TEST_F(PolicyTest, SummaryFlightBanEveryRoleReadsAlikeWithoutIdentities) {
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
  const Reply violations = server_->Get("/api/v1/flight-violations", tokens_["admin"]);
  ASSERT_EQ(violations.body["items"].size(), 1u);
  const double inside_s = violations.body["items"][0]["inside_s"];
  const std::set<std::string> zone_fields = {"zone",     "reports",       "inside", "by_rule",
                                             "by_actor", "by_event_type", "daily",  "flight_ban"};
  std::string first;
  for (const std::string role : kRoles) {
    SCOPED_TRACE(role);
    const Reply r = server_->Get("/api/v1/summary?from=2017-06-01&to=2017-06-02", tokens_[role]);
    ASSERT_EQ(r.status, 200) << r.text;
    for (const char* identity : {"4b1805", "SYR501", "icao24", "callsign"}) {
      EXPECT_EQ(r.text.find(identity), std::string::npos) << identity << " leaked";
    }
    bool found = false;
    for (const json& z : r.body["zones"]) {
      for (const auto& [field, value] : z.items()) {
        EXPECT_TRUE(zone_fields.contains(field)) << "unexpected field " << field;
      }
      const json& ban = z["flight_ban"];
      EXPECT_EQ(ban.size(), 2u);
      if (z["zone"] != "eastern-ghouta") {
        EXPECT_EQ(ban["flights"]["count"], 0);
        continue;
      }
      found = true;
      EXPECT_EQ(ban["flights"], json({{"count", 1}, {"previous", 0}, {"change", 1}}));
      EXPECT_DOUBLE_EQ(ban["minutes_inside"]["count"].get<double>(),
                       std::round(inside_s / 6.0) / 10.0);
      EXPECT_GT(ban["minutes_inside"]["count"].get<double>(), 0.0);
    }
    EXPECT_TRUE(found);
    if (first.empty()) first = r.text;
    EXPECT_EQ(r.text, first);
  }
}

// --- Humanitarian deconfliction, cell by cell ---------------------------------------------------

// A hospital in Idlib (GeoNames: 35.93062, 36.63393), told to the parties bound there (the
// government, the opposition, Russia, Turkey), and a warehouse at Al Karamah (GeoNames:
// 35.86865, 39.27803, Raqqa), far from every zone and told to nobody; a convoy to Eastern
// Ghouta; a strike 300 m from each site.
class DeconflictionPolicyTest : public PolicyTest {
 protected:
  void SetUp() override {
    PolicyTest::SetUp();
    const json sites = json::parse(R"({"type":"FeatureCollection","features":[
      {"type":"Feature","properties":{"id":"idlib-hospital","type":"hospital",
       "organisation":"SAMS","valid_from":"2017-06-01"},
       "geometry":{"type":"Point","coordinates":[36.63393,35.93062]}},
      {"type":"Feature","properties":{"id":"karamah-warehouse","type":"warehouse",
       "organisation":"WFP","valid_from":"2017-06-01"},
       "geometry":{"type":"Point","coordinates":[39.27803,35.86865]}}]})");
    ASSERT_EQ(server_->Post("/api/v1/sites", sites, tokens_["humanitarian"]).status, 201);
    ASSERT_EQ(
        server_->Post("/api/v1/movements", Convoy("convoy-1"), tokens_["humanitarian"]).status,
        201);
    json near_idlib = Report("NEAR-IDLIB", "2017-06-10", "SOHR", "");
    near_idlib["latitude"] = 35.93332;  // 300 m north
    near_idlib["longitude"] = 36.63393;
    near_idlib["uncertainty_m"] = 10;
    json near_karamah = near_idlib;
    near_karamah["event_id_cnty"] = "NEAR-KARAMAH";
    near_karamah["latitude"] = 35.87135;
    near_karamah["longitude"] = 39.27803;
    ASSERT_EQ(
        server_
            ->Post("/api/v1/reports", json::array({near_idlib, near_karamah}), tokens_["monitor"])
            .status,
        201);
  }
  static json Convoy(const std::string& id) {
    return json::parse(R"({"type":"Feature","properties":{"id":")" + id +
                       R"(","organisation":"SARC","window_start":"2017-06-05T06:00:00Z",
       "window_end":"2017-06-05T18:00:00Z","destination_zone":"eastern-ghouta"},
       "geometry":{"type":"LineString","coordinates":[[36.29132,33.53098],[36.4027,33.57175]]}})");
  }
  // Which notifications a role is told of (parties) or reads (everyone else who may).
  static std::set<std::string> Told(const std::string& role) {
    if (!Insider(role)) return {};
    if (Party(role)) return {"idlib-hospital", "convoy-1"};  // both are bound in both zones
    return {"idlib-hospital", "karamah-warehouse", "convoy-1"};
  }
};

TEST_F(DeconflictionPolicyTest, EveryRouteEveryRole) {
  // Expected status per kRoles (admin monitor guarantor humanitarian gov opp public anonymous);
  // 0: any 2xx.
  struct Row {
    const char* method;
    std::string path;
    json (*body)(const std::string& role);
    std::array<int, 8> expected;
  };
  auto none = [](const std::string&) { return json(); };
  auto site = [](const std::string& role) {
    return json::parse(R"({"type":"Feature","properties":{"id":"matrix-)" + role +
                       R"(","type":"clinic","organisation":"MSF","valid_from":"2017-06-01"},
       "geometry":{"type":"Point","coordinates":[36.63393,35.93062]}})");
  };
  auto movement = [](const std::string& role) { return Convoy("matrix-" + role); };
  auto outcome = [](const std::string&) {
    return json{{"status", "delayed"}, {"reason", "checkpoint"}, {"reported_by", "SARC"}};
  };
  auto answer = [](const std::string& role) {
    json a = {{"kind", "site"}, {"notification", "idlib-hospital"}, {"response", "acknowledged"}};
    if (!Party(role)) a["party"] = "russia";
    return a;
  };
  const Row rows[] = {
      {"GET", "/api/v1/sites", none, {0, 0, 0, 0, 0, 0, 403, 401}},
      {"POST", "/api/v1/sites", site, {0, 403, 403, 0, 403, 403, 403, 401}},
      {"GET", "/api/v1/movements", none, {0, 0, 0, 0, 0, 0, 403, 401}},
      {"POST", "/api/v1/movements", movement, {0, 403, 403, 0, 403, 403, 403, 401}},
      {"POST", "/api/v1/movements/convoy-1/outcomes", outcome, {0, 0, 403, 0, 403, 403, 403, 401}},
      {"GET", "/api/v1/acknowledgements", none, {0, 0, 0, 0, 0, 0, 403, 401}},
      {"POST", "/api/v1/acknowledgements", answer, {0, 403, 403, 0, 0, 0, 403, 401}},
      {"GET", "/api/v1/access?from=2017-06-01&to=2017-07-01", none, {0, 0, 0, 0, 0, 0, 0, 0}},
      {"GET", "/api/v1/deconfliction-alerts", none, {0, 0, 0, 0, 0, 0, 403, 401}},
  };
  int cells = 0;
  for (const Row& row : rows) {
    for (size_t i = 0; i < std::size(kRoles); ++i) {
      const std::string role = kRoles[i];
      SCOPED_TRACE(std::string(row.method) + " " + row.path + " as " + role);
      const json body = row.body(role);
      const Reply r =
          server_->Call(row.method, row.path, tokens_[role], body.is_null() ? "" : body.dump());
      ++cells;
      if (row.expected[i] == 0) {
        EXPECT_TRUE(r.status >= 200 && r.status < 300) << r.status << " " << r.text.substr(0, 300);
      } else {
        EXPECT_EQ(r.status, row.expected[i]) << r.text.substr(0, 300);
        EXPECT_EQ(r.body["error"]["code"],
                  row.expected[i] == 401 ? "unauthenticated" : "forbidden");
      }
    }
  }
  EXPECT_EQ(cells, static_cast<int>(std::size(rows) * std::size(kRoles)));
}

TEST_F(DeconflictionPolicyTest, RecordsAndFieldsForEveryRole) {
  const std::set<std::string> kSiteFields = {"id",         "type",        "organisation",
                                             "valid_from", "notified_at", "revision",
                                             "log_index",  "audience"};
  const std::set<std::string> kAccessCounts = {
      "zone",          "rule",    "from",     "to",          "verdict",
      "rule_in_force", "clauses", "notified", "got_through", "delivered",
      "partial",       "blocked", "delayed",  "unreported",  "late_notice"};
  for (const std::string role : kRoles) {
    SCOPED_TRACE(role);
    const std::set<std::string> told = Told(role);
    // Sites and movements: what the role is told of, every field of each, and a disclosure.
    std::set<std::string> seen;
    for (const char* path : {"/api/v1/sites", "/api/v1/movements"}) {
      const Reply r = server_->Get(path, tokens_[role]);
      if (!Insider(role)) {
        EXPECT_EQ(r.status, role == "anonymous" ? 401 : 403);
        EXPECT_EQ(r.text.find("36.63393"), std::string::npos);
        continue;
      }
      ASSERT_EQ(r.status, 200) << r.text;
      EXPECT_TRUE(r.body["disclosure"].contains("entry"));
      for (const json& f : r.body["items"]) {
        const json& props = f["properties"];
        seen.insert(props["id"].get<std::string>());
        EXPECT_TRUE(f["geometry"].contains("coordinates"));
        if (std::string(path) == "/api/v1/sites") {
          for (const auto& [field, value] : props.items()) {
            EXPECT_TRUE(kSiteFields.contains(field)) << "unexpected field " << field;
          }
          EXPECT_EQ(props.size(), kSiteFields.size()) << props.dump();
        } else {
          EXPECT_TRUE(props.contains("notice"));
          EXPECT_TRUE(props.contains("audience"));
        }
      }
    }
    EXPECT_EQ(seen, told);
    // Acknowledgements: a party its own lines only.
    const Reply acks = server_->Get("/api/v1/acknowledgements", tokens_[role]);
    if (Insider(role)) {
      ASSERT_EQ(acks.status, 200);
      std::set<std::string> parties;
      for (const json& a : acks.body["items"]) parties.insert(a["party"].get<std::string>());
      if (role == "gov") {
        EXPECT_EQ(parties, std::set<std::string>{"syrian-government"});
      } else if (role == "opp") {
        EXPECT_EQ(parties, std::set<std::string>{"armed-opposition"});
      } else {
        EXPECT_GE(parties.size(), 4u);
      }
    }
    // Alerts: about what the role is told of.
    const Reply alerts = server_->Get("/api/v1/deconfliction-alerts", tokens_[role]);
    if (Insider(role)) {
      ASSERT_EQ(alerts.status, 200);
      std::set<std::string> targets;
      for (const json& a : alerts.body["items"]) targets.insert(a["target"].get<std::string>());
      // The strikes near both sites, and the fixture's shelling beside the convoy's route.
      EXPECT_EQ(targets, told);
    }
    // Access: counts for everyone, the movements list for insiders.
    const Reply access = server_->Get(
        "/api/v1/access?zone=eastern-ghouta&from=2017-06-01&to=2017-07-01", tokens_[role]);
    ASSERT_EQ(access.status, 200) << access.text;
    ASSERT_EQ(access.body["items"].size(), 1u);
    const json& v = access.body["items"][0];
    EXPECT_EQ(v["notified"], 1);
    for (const auto& [field, value] : v.items()) {
      EXPECT_TRUE(kAccessCounts.contains(field) || (field == "movements" && Insider(role)))
          << "unexpected field " << field;
    }
    EXPECT_EQ(v.contains("movements"), Insider(role));
    if (Insider(role)) {
      EXPECT_EQ(v["movements"].size(), 1u);
    }
  }
}

// Deconfliction alerts in the alert stream, cell by cell: every role reads, in /api/v1/alerts
// and over SSE, the site and movement alerts about exactly the notifications it is told of
// (the public none), each record the one /api/v1/deconfliction-alerts gives the same role,
// with no field beyond it.
TEST_F(DeconflictionPolicyTest, DeconflictionAlertsInTheStreamForEveryRole) {
  const std::set<std::string> kAlertFields = {
      "id",      "kind",         "target",    "organisation", "cause",
      "report",  "distance_m",   "nearest_m", "radius_m",     "alert_distance_m",
      "verdict", "time",         "until",     "time_ms",      "lat",
      "lon",     "after_notice", "icao24",    "callsign",     "altitude_m"};
  for (const std::string role : kRoles) {
    SCOPED_TRACE(role);
    const Reply r = server_->Get("/api/v1/alerts?limit=1000", tokens_[role]);
    ASSERT_EQ(r.status, 200) << r.text;
    std::map<std::string, json> streamed;  // "target/report" -> record
    for (const json& a : r.body["items"]) {
      const std::string kind = a["kind"];
      if (kind != "site_report" && kind != "movement_report") continue;
      const json& record = a["record"];
      EXPECT_EQ(kind, record["kind"] == "site" ? "site_report" : "movement_report");
      streamed[record["target"].get<std::string>() + "/" + record["report"].get<std::string>()] =
          record;
      for (const auto& [field, value] : record.items()) {
        EXPECT_TRUE(kAlertFields.contains(field)) << "unexpected field " << field;
      }
    }
    std::set<std::string> targets;
    for (const auto& [pair, record] : streamed) targets.insert(record["target"]);
    EXPECT_EQ(targets, Told(role));
    if (!Insider(role)) {
      EXPECT_EQ(r.text.find("36.63"), std::string::npos);  // nothing near the hospital
      continue;
    }
    const Reply computed = server_->Get("/api/v1/deconfliction-alerts?limit=1000", tokens_[role]);
    ASSERT_EQ(computed.status, 200);
    ASSERT_EQ(computed.body["items"].size(), streamed.size());
    for (const json& c : computed.body["items"]) {
      EXPECT_EQ(streamed[c["target"].get<std::string>() + "/" + c["report"].get<std::string>()], c);
    }
    // The stream resumed from the start gives the same alerts.
    SseClient stream(server_->port(), tokens_[role], "0");
    size_t seen = 0;
    for (json a = stream.Next(std::chrono::milliseconds(500)); !a.is_null();
         a = stream.Next(std::chrono::milliseconds(300))) {
      if (a["kind"] == "site_report" || a["kind"] == "movement_report") ++seen;
    }
    EXPECT_EQ(seen, streamed.size());
  }
}

// An aircraft's fixes across Eastern Ghouta (no_fly from May 2017), west to east.
json AcrossEasternGhouta() {
  json fixes = json::array();
  for (int i = 0; i <= 20; ++i) {
    fixes.push_back({{"icao24", "4b1805"},
                     {"time", 1496304000 + 10 * i},  // 2017-06-01T08:00:00Z
                     {"lat", 33.55},
                     {"lon", 36.20 + 0.03 * i},
                     {"baroaltitude", 3000},
                     {"callsign", "SYR501"}});
  }
  return fixes;
}

// The flight ban: a real aircraft's fixes moved onto Eastern Ghouta (no_fly from May 2017) cross
// the zone. Every role reads the violation; the public without the aircraft's identity. Who
// may notify and read exemptions, cell by cell.
TEST_F(PolicyTest, FlightViolationsAndExemptionsCellByCell) {
  ASSERT_EQ(server_->Post("/api/v1/positions", AcrossEasternGhouta(), tokens_["monitor"]).status,
            201);
  const std::set<std::string> identity = {"icao24", "callsign"};
  for (const std::string role : kRoles) {
    SCOPED_TRACE(role);
    const Reply r = server_->Get("/api/v1/flight-violations", tokens_[role]);
    ASSERT_EQ(r.status, 200) << r.text;
    ASSERT_EQ(r.body["items"].size(), 1u) << r.text;
    const json& v = r.body["items"][0];
    EXPECT_EQ(v["zone"], "eastern-ghouta");
    for (const char* field : {"zone", "version", "rule", "entry_time", "exit_time", "verdict",
                              "open", "last_contact", "duration_s", "clause"}) {
      EXPECT_TRUE(v.contains(field)) << field;
    }
    for (const std::string& field : identity) {
      EXPECT_EQ(v.contains(field), Insider(role)) << field;
    }
    EXPECT_EQ(r.text.find("SYR501") != std::string::npos, Insider(role));
    // The id begins with the icao24: the public gets none.
    EXPECT_EQ(v.contains("id"), Insider(role));
    EXPECT_EQ(r.text.find("4b1805") != std::string::npos, Insider(role));
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

// Track evidence on incidents: a strike report over Eastern Ghouta and an aircraft that flew
// over it. The evidence derives from positions, which no party submits, and names no source:
// everyone who sees the incident reads its tracks and coverage (a party also on incidents it
// did not report); the aircraft's identity (icao24, callsign) only insiders, as for flight
// violations.
TEST_F(PolicyTest, TrackEvidenceCellByCell) {
  json strike = Report("AIR-1", "2017-06-07", "SOHR", "SECRET-NOTES-MON");
  strike["sub_event_type"] = "Air/drone strike";
  ASSERT_EQ(server_->Post("/api/v1/reports", strike, tokens_["monitor"]).status, 201);
  ASSERT_EQ(server_->Post("/api/v1/incidents/publish", {{"incident", "AIR-1"}}, tokens_["monitor"])
                .status,
            201);
  json fixes = json::array();
  for (int i = 0; i <= 20; ++i) {
    fixes.push_back({{"icao24", "4b1806"},
                     {"time", 1496822400 + 10 * i},  // 2017-06-07T08:00:00Z
                     {"lat", 33.55},
                     {"lon", 36.40 + 0.002 * i},
                     {"baroaltitude", 3000},
                     {"callsign", "SYR777"}});
  }
  ASSERT_EQ(server_->Post("/api/v1/positions", fixes, tokens_["monitor"]).status, 201);
  for (const std::string role : kRoles) {
    SCOPED_TRACE(role);
    for (const char* path : {"/api/v1/incidents/INC-AIR-1", "/api/v1/incidents"}) {
      const Reply r = server_->Get(path, tokens_[role]);
      ASSERT_EQ(r.status, 200) << r.text;
      json incident = r.body;
      if (r.body.contains("items")) {
        incident = json();
        for (const json& i : r.body["items"]) {
          if (i["id"] == "INC-AIR-1") incident = i;
        }
      }
      ASSERT_TRUE(incident.is_object()) << r.text;
      ASSERT_EQ(incident["tracks"].size(), 1u) << incident.dump();
      const json& link = incident["tracks"][0];
      EXPECT_EQ(link["report"], "AIR-1");
      EXPECT_EQ(link["positions"], 21);
      EXPECT_EQ(link["time"], "2017-06-07T08:01:40Z");  // closest to the disc's centre
      EXPECT_EQ(link.contains("icao24"), Insider(role));
      EXPECT_EQ(link.contains("callsign"), Insider(role));
      EXPECT_EQ(r.text.find("SYR777") != std::string::npos, Insider(role));
      EXPECT_EQ(r.text.find("4b1806") != std::string::npos, Insider(role));
      ASSERT_EQ(incident["coverage"].size(), 1u);
      EXPECT_EQ(incident["coverage"][0]["positions_in_area"], 21);
      EXPECT_EQ(incident["coverage"][0]["aircraft_in_area"], 1);
      EXPECT_EQ(incident.dump().find("SECRET") != std::string::npos, ReadsRaw(role, "AIR-1"));
    }
    // The export carries the evidence in words, through the same redaction.
    const Reply csv = server_->Get("/api/v1/export/incidents?f=csv", tokens_[role]);
    ASSERT_EQ(csv.status, 200) << csv.text;
    EXPECT_EQ(csv.text.find("SYR777") != std::string::npos, Insider(role));
    EXPECT_NE(csv.text.find(Insider(role) ? "AIR-1: 4b1806 SYR777 at 2017-06-07T08:01:40Z, 0.0 m"
                                          : "AIR-1: aircraft at 2017-06-07T08:01:40Z, 0.0 m"),
              std::string::npos)
        << csv.text;
    EXPECT_NE(csv.text.find("AIR-1: 21 positions of 1 aircraft within"), std::string::npos);
  }
}

}  // namespace
}  // namespace truce::testing

namespace truce::testing {
namespace {

// Flight tracks and the flight-violations layer, cell by cell: tracks (positions) for those
// who read positions, whole; the violations layer for everyone, the public without identity
// (no icao24, callsign or id anywhere, the feature id ZONE.vVERSION.ENTRY_MS) but with the
// path as geometry.
TEST_F(PolicyTest, FlightTracksAndTheViolationsLayerCellByCell) {
  ASSERT_EQ(server_->Post("/api/v1/positions", AcrossEasternGhouta(), tokens_["monitor"]).status,
            201);
  const std::set<std::string> kTrackFields = {"icao24",     "callsign",  "start",     "end",
                                              "duration_s", "positions", "min_alt_m", "max_alt_m",
                                              "violating",  "violations"};
  const std::set<std::string> readers = {"admin", "monitor", "guarantor"};
  for (const std::string role : kRoles) {
    SCOPED_TRACE(role);
    const bool reads = readers.contains(role);
    for (const std::string path : {"/api/v1/flight-tracks", "/ogc/collections/flight-tracks/items",
                                   "/ogc/collections/flight-tracks"}) {
      const Reply r = server_->Get(path, tokens_[role]);
      const bool ogc = path.starts_with("/ogc");
      EXPECT_EQ(r.status, reads ? 200 : role == "anonymous" && !ogc ? 401 : 403) << path;
      if (!reads) {
        EXPECT_EQ(r.text.find("4b1805"), std::string::npos);
        EXPECT_EQ(r.text.find("36.2"), std::string::npos) << "no coordinate of the track";
        continue;
      }
      if (path.ends_with("flight-tracks")) continue;  // the collection's description
      // One track; the API adds its one violating segment after it.
      ASSERT_EQ(r.body["features"].size(), ogc ? 1u : 2u) << r.text.substr(0, 500);
      const json& track = r.body["features"][0];
      EXPECT_EQ(track["id"], "4b1805.1496304000000");
      EXPECT_EQ(track["geometry"]["type"], "LineString");
      EXPECT_EQ(track["geometry"]["coordinates"].size(), 21u);
      std::set<std::string> fields;
      for (const auto& [k, v] : track["properties"].items()) fields.insert(k);
      EXPECT_EQ(fields, kTrackFields);
      EXPECT_EQ(track["properties"]["violating"], false) << "the track is not the segment";
      EXPECT_EQ(track["properties"]["violations"].size(), 1u);
      if (!ogc) {
        const json& segment = r.body["features"][1];
        EXPECT_EQ(segment["properties"]["violating"], true);
        EXPECT_EQ(segment["properties"]["track"], track["id"]);
        EXPECT_EQ(segment["properties"]["icao24"], "4b1805");
        EXPECT_EQ(track["properties"]["violations"][0], segment["id"]);
        EXPECT_EQ(segment["geometry"]["type"], "LineString");
      }
    }
    // The violations layer: everyone; the public without identity.
    const Reply layer = server_->Get("/ogc/collections/flight-violations/items", tokens_[role]);
    ASSERT_EQ(layer.status, 200) << layer.text;
    ASSERT_EQ(layer.body["features"].size(), 1u);
    const json& f = layer.body["features"][0];
    EXPECT_EQ(f["geometry"]["type"], "LineString");
    EXPECT_GE(f["geometry"]["coordinates"].size(), 2u);
    EXPECT_EQ(f["properties"]["zone"], "eastern-ghouta");
    EXPECT_EQ(f["properties"].contains("path"), false) << "the path is the geometry";
    for (const char* field : {"icao24", "callsign", "id"}) {
      EXPECT_EQ(f["properties"].contains(field), Insider(role)) << field;
    }
    EXPECT_EQ(layer.text.find("4b1805") != std::string::npos, Insider(role));
    EXPECT_EQ(layer.text.find("SYR501") != std::string::npos, Insider(role));
    const std::string id = f["id"];
    if (!Insider(role)) {
      EXPECT_EQ(id.rfind("eastern-ghouta.v1.", 0), 0u) << id;
    }
    // One feature by the id this role was given.
    const Reply one = server_->Get("/ogc/collections/flight-violations/items/" + id, tokens_[role]);
    EXPECT_EQ(one.status, 200) << one.text;
    EXPECT_EQ(one.text.find("4b1805") != std::string::npos, Insider(role));
  }
}

// Notified sites and movements as OGC layers: the same rule as /api/v1/sites (the public never;
// a party what it is told of), and each read logged as a disclosure of what was served.
TEST_F(DeconflictionPolicyTest, SiteAndMovementLayersForEveryRole) {
  for (const std::string role : kRoles) {
    SCOPED_TRACE(role);
    std::set<std::string> seen;
    for (const char* collection : {"sites", "movements"}) {
      const std::string path = std::string("/ogc/collections/") + collection + "/items";
      const Reply r = server_->Get(path, tokens_[role]);
      const Reply listed = server_->Get("/ogc/collections", tokens_[role]);
      bool in_list = false;
      for (const json& c : listed.body["collections"]) in_list |= c["id"] == collection;
      if (!Insider(role)) {
        EXPECT_EQ(r.status, 403);
        EXPECT_FALSE(in_list);
        EXPECT_EQ(r.text.find("36.63393"), std::string::npos);
        EXPECT_EQ(listed.text.find("36.63"), std::string::npos) << "not even in an extent";
        EXPECT_EQ(server_->Get(path + "/idlib-hospital", tokens_[role]).status, 403);
        continue;
      }
      ASSERT_EQ(r.status, 200) << r.text;
      EXPECT_TRUE(in_list);
      EXPECT_TRUE(r.body["disclosure"].contains("log_index"));
      for (const json& f : r.body["features"]) {
        EXPECT_EQ(f["id"], f["properties"]["id"]);
        seen.insert(f["id"].get<std::string>());
      }
      EXPECT_EQ(r.body["numberMatched"], r.body["features"].size());
    }
    EXPECT_EQ(seen, Told(role));
    if (!Insider(role)) continue;
    // One site: read alone, and the read is logged naming it.
    const Reply one = server_->Get("/ogc/collections/sites/items/idlib-hospital", tokens_[role]);
    ASSERT_EQ(one.status, 200);
    EXPECT_EQ(one.body["geometry"]["coordinates"][0], 36.63393);
    const Reply hidden =
        server_->Get("/ogc/collections/sites/items/karamah-warehouse", tokens_[role]);
    EXPECT_EQ(hidden.status, Told(role).contains("karamah-warehouse") ? 200 : 404);
  }
  // Every items read is a disclosure entry: who, what, when.
  const Reply log = server_->Get("/api/v1/log/entries?limit=1000", tokens_["admin"]);
  size_t disclosures = 0;
  for (const json& e : log.body["items"]) {
    if (e["kind"] != "disclosure") continue;
    ++disclosures;
  }
  // Per insider: sites and movements items, and two single sites (a miss is logged too).
  EXPECT_GE(disclosures, 6u * 4u);
  // Filters: a box round Idlib city and a time window select the hospital alone.
  const Reply boxed = server_->Get(
      "/ogc/collections/sites/items?bbox=36.5,35.8,36.8,36.0&datetime=2017-07-01/2017-07-02",
      tokens_["humanitarian"]);
  ASSERT_EQ(boxed.status, 200) << boxed.text;
  ASSERT_EQ(boxed.body["features"].size(), 1u);
  EXPECT_EQ(boxed.body["features"][0]["id"], "idlib-hospital");
  const Reply before = server_->Get(
      "/ogc/collections/movements/items?datetime=2017-06-06T00:00:00Z/..", tokens_["monitor"]);
  EXPECT_EQ(before.body["features"].size(), 0u) << "the convoy's window ended on 5 June";
}

}  // namespace
}  // namespace truce::testing
