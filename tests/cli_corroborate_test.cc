// End to end: `truce corroborate` on authored multi-source cases over the shipped scenario,
// its exact output keys, the side-by-side comparison, decisions, fusion, and its error exits.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli_harness.h"

namespace truce {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::CliRun;
using testing::JsonLines;

const std::string kShipped = std::string(TRUCE_SOURCE_DIR) + "/scenarios/astana-2017";

// In the Idlib zone, autumn 2017: a strike on Khan Shaykhun reported by the UN observers and by
// two outlets repeating one Telegram channel, denied by the government; a strike on Maarat
// al-Numan that Russia claims; shelling of Saraqib that Turkey and Russia blame on different
// parties.
constexpr const char* kReports =
    R"(event_id_cnty,event_date,time_precision,event_type,sub_event_type,actor1,latitude,longitude,geo_precision,source,source_group
S1,2017-09-19,1,Explosions/Remote violence,Air/drone strike,Military Forces of Syria (2000-),35.4378,36.6508,1,UN observers,
S2,2017-09-19,1,Explosions/Remote violence,Air/drone strike,Military Forces of Syria (2000-),35.4378,36.6508,1,Outlet A,Telegram: Idlib Now
S3,2017-09-19,1,Explosions/Remote violence,Air/drone strike,,35.4410,36.6500,1,Outlet B,Telegram: Idlib Now
A1,2017-10-02,1,Explosions/Remote violence,Air/drone strike,,35.6477,36.6748,1,SOHR,
B1,2017-10-05,1,Explosions/Remote violence,Shelling/artillery/missile attack,,35.8626,36.8064,1,Anadolu,
B2,2017-10-05,1,Explosions/Remote violence,Shelling/artillery/missile attack,,35.8626,36.8064,1,TASS,
)";

// The server's claim objects (lines 1, 3, 4) and the new kinds: an admission, and the
// commission's daily tallies with no report.
constexpr const char* kClaims =
    R"({"party":"syrian-government","stance":"deny","incident":"S2","text":"No strike took place in Khan Shaykhun","made_at":"2017-09-19T18:00:00Z","source":"https://sana.sy/en/?p=1"}
{"party":"russia","stance":"assert","kind":"assign_responsibility","incident":"A1","about":"russia","text":"Russian aircraft struck a terrorist headquarters","made_at":"2017-10-03"}
{"party":"turkey","stance":"assert","incident":"B1","about":"syrian-government","text":"Regime artillery shelled Saraqib","made_at":"2017-10-05T20:00:00Z"}
{"party":"russia","stance":"assert","incident":"B2","about":"hts","text":"Terrorists shelled their own positions","made_at":"2017-10-06"}
{"party":"russia","stance":"assert","kind":"accuse","about":"armed-opposition","zone":"idlib","count":25,"event_date":"2017-09-19","text":"25 ceasefire violations recorded in the Idlib zone"}
{"party":"turkey","stance":"assert","kind":"accuse","about":"syrian-government","zone":"idlib","count":8,"event_date":"2017-09-19","text":"8 ceasefire violations by regime forces"}
)";

class CorroborateCliTest : public testing::CliHarness {
 protected:
  // The shipped scenario with a corroboration object naming the UN observers as a monitor.
  std::string Scenario() {
    const fs::path dir = dir_ / "scenario";
    fs::create_directories(dir);
    json doc = json::parse(testing::Slurp(kShipped + "/scenario.json"));
    doc["corroboration"] = {{"monitors", {"UN observers"}}};
    std::ofstream(dir / "scenario.json") << doc.dump(2);
    fs::copy_file(kShipped + "/zones.geojson", dir / "zones.geojson",
                  fs::copy_options::overwrite_existing);
    return dir.string();
  }
  std::string Args() {
    return Scenario() + " --reports " + Write("reports.csv", kReports) + " --claims " +
           Write("claims.jsonl", kClaims);
  }
};

TEST_F(CorroborateCliTest, IncidentsGradedWithTheirReasonsAndExactKeys) {
  const CliRun r = Truce("corroborate " + Args());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto lines = JsonLines(r.out);
  ASSERT_EQ(lines.size(), 3u);
  std::vector<std::string> keys;
  for (const auto& [key, value] : lines[0].items()) keys.push_back(key);
  // nlohmann::json sorts keys; the order printed is checked on the raw line below.
  EXPECT_EQ(
      r.out.rfind(
          R"({"incident":"INC-S1","reports":["S1","S2","S3"],"sources":["Outlet A","Outlet B","UN observers"],"independent_groups":2,"groups":["Telegram: Idlib Now","UN observers"],"grade":"confirmed","reason":)",
          0),
      0u)
      << r.out;
  std::sort(keys.begin(), keys.end());
  EXPECT_EQ(keys,
            (std::vector<std::string>{
                "accused",     "claims",    "computed_grade", "coverage",   "decisions",
                "event_types", "grade",     "groups",         "incident",   "independent_groups",
                "latitude",    "longitude", "merged",         "monitors",   "radius_m",
                "reason",      "reports",   "sources",        "split_from", "time_begin",
                "time_end",    "tracks",    "violations"}));
  // A monitor verified it: confirmed, whatever the government says.
  EXPECT_EQ(lines[0]["reason"],
            "confirmed: a monitor verified it (report S1 from UN observers); 2 independence "
            "groups (Telegram: Idlib Now; UN observers) across 3 reports; other claim: "
            "syrian-government denies it happened (claim claims.jsonl:1)");
  EXPECT_EQ(lines[0]["claims"][0]["kind"], "deny_incident");
  EXPECT_EQ(lines[0]["accused"], json({"syrian-government"}));
  EXPECT_EQ(lines[0]["violations"][0]["zone"], "idlib");
  EXPECT_EQ(lines[0]["violations"][0]["reports"], json({"S1", "S2", "S3"}));
  // The admission.
  EXPECT_EQ(lines[1]["incident"], "INC-A1");
  EXPECT_EQ(lines[1]["grade"], "confirmed");
  EXPECT_EQ(lines[1]["reason"],
            "confirmed: the accused admitted it: russia admits responsibility (claim "
            "claims.jsonl:2); one independence group (SOHR) across 1 report");
  // Responsibility assigned differently.
  EXPECT_EQ(lines[2]["incident"], "INC-B1");
  EXPECT_EQ(lines[2]["grade"], "contested");
  EXPECT_EQ(lines[2]["accused"], json({"hts", "syrian-government"}));
  EXPECT_EQ(r.err,
            "corroborate: 6 reports (0 rejected, 0 identical re-imports dropped, 0 too vague to "
            "link) in 3 incidents (2 confirmed, 1 contested); 6 claims (4 linked to an "
            "incident), 0 decisions, 0 track links\n");
}

TEST_F(CorroborateCliTest, WithoutTheMonitorTheDenialContests) {
  const CliRun r = Truce("corroborate " + kShipped + " --reports " + Write("r.csv", kReports) +
                         " --claims " + Write("c.jsonl", kClaims));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto lines = JsonLines(r.out);
  EXPECT_EQ(lines[0]["grade"], "contested");
  EXPECT_EQ(lines[0]["reason"],
            "contested: denied by the accused (syrian-government denies it happened (claim "
            "c.jsonl:1)), but reported by 2 independence groups (Telegram: Idlib Now; UN "
            "observers) across 3 reports");
}

TEST_F(CorroborateCliTest, SideBySideCountsEachPartysAllegationsAgainstTheEstablished) {
  const CliRun r = Truce("corroborate " + Args() +
                         " --side-by-side --zone idlib --from 2017-09-18 --to 2017-10-06");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(
      r.out,
      R"({"zone":"idlib","from":"2017-09-18T00:00:00Z","to":"2017-10-07T00:00:00Z","incidents":3,"established":3,"by_grade":{"confirmed":2,"contested":1},"parties":[{"party":"russia","alleged":26,"matched":1,"established":1,"against":{"armed-opposition":25,"hts":1}},{"party":"turkey","alleged":9,"matched":1,"established":1,"against":{"syrian-government":9}}]})"
      "\n");
  // Another zone, the same days: nothing.
  const CliRun south = Truce("corroborate " + Args() +
                             " --side-by-side --zone south --from 2017-09-18 --to 2017-10-06");
  ASSERT_EQ(south.exit_code, 0) << south.err;
  EXPECT_EQ(json::parse(south.out)["incidents"], 0);
  EXPECT_EQ(json::parse(south.out)["parties"], json::array());
}

TEST_F(CorroborateCliTest, StrikeReportsLinkToTracksWithCoverage) {
  // One aircraft 4 km, then 7 km north of Khan Shaykhun at 06:00 UTC on the day of the strike.
  const std::string positions = Write(
      "positions.jsonl",
      R"({"time":1505800800,"icao24":"abc123","lat":35.4738,"lon":36.6508,"baroaltitude":4000,"callsign":"SYR01"}
{"time":1505800860,"icao24":"abc123","lat":35.5038,"lon":36.6508,"baroaltitude":4000,"callsign":"SYR01"}
)");
  const CliRun r = Truce("corroborate " + Args() + " --positions " + positions);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto lines = JsonLines(r.out);
  ASSERT_EQ(lines[0]["tracks"].size(), 3u);  // one per strike report of the incident
  EXPECT_EQ(
      lines[0]["tracks"][0].dump(),
      R"({"altitude_m":4000.0,"callsign":"SYR01","centre_distance_m":3994.2,"distance_m":1994.2,"icao24":"abc123","positions":2,"report":"S1","time":"2017-09-19T06:00:00Z"})");
  EXPECT_EQ(lines[0]["coverage"][0]["statement"],
            "2 positions of 1 aircraft within 12.0 km of the report's centre during its interval");
  // The strike on Maarat al-Numan: no data at all for its day.
  EXPECT_EQ(lines[1]["coverage"][0]["statement"],
            "no position data at all for the report's interval: nothing can be said about "
            "flights");
  EXPECT_EQ(lines[2]["coverage"], json::array());  // shelling: no fusion
  EXPECT_NE(r.err.find("3 track links"), std::string::npos) << r.err;
}

TEST_F(CorroborateCliTest, DecisionsMergeSplitAndGrade) {
  const std::string decisions = Write(
      "decisions.jsonl",
      R"({"action":"merge","reports":["A1","B1"],"reason":"one bombardment","by":"analyst-7","at":"2017-10-07T09:00:00Z"}
{"action":"split","reports":["B2"],"reason":"TASS describes another shelling","by":"analyst-7","at":"2017-10-07T10:00:00Z"}
{"action":"grade","reports":["S3"],"grade":"discounted","reason":"recycled footage","by":"analyst-9","at":"2017-10-08"}
)");
  const CliRun r = Truce("corroborate " + Args() + " --decisions " + decisions);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto lines = JsonLines(r.out);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0]["grade"], "discounted");
  EXPECT_EQ(lines[0]["computed_grade"], "confirmed");
  EXPECT_EQ(lines[1]["incident"], "INC-A1");
  EXPECT_EQ(lines[1]["reports"], json({"A1", "B1"}));
  EXPECT_EQ(lines[1]["merged"], json({"INC-B1"}));
  EXPECT_EQ(lines[2]["incident"], "INC-B2");
  EXPECT_EQ(lines[2]["split_from"], json({"INC-A1"}));
  EXPECT_EQ(lines[2]["decisions"][0]["id"], "decisions.jsonl:2");
  EXPECT_EQ(lines[2]["decisions"][0]["by"], "analyst-7");
}

TEST_F(CorroborateCliTest, BadInputExits1NamingFileLineAndField) {
  const std::string scenario = Scenario();
  const std::string reports = Write("reports.csv", kReports);
  CliRun r = Truce("corroborate " + scenario + " --reports " + reports + " --claims " +
                   Write("bad.jsonl",
                         "{\"party\":\"russia\",\"stance\":\"deny\",\"text\":\"t\"}\n"
                         "{\"party\":\"nato\",\"stance\":\"assert\",\"text\":\"t\","
                         "\"incident\":\"S1\"}\n"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "error: " + (dir_ / "bad.jsonl").string() + ": 1 problem\n  " +
                       (dir_ / "bad.jsonl").string() +
                       ":1: a claim is about an incident (\"incident\") or a party (\"about\")\n");
  r = Truce("corroborate " + scenario + " --reports " + reports + " --claims " +
            Write("nato.jsonl",
                  "{\"party\":\"nato\",\"stance\":\"assert\",\"text\":\"t\","
                  "\"incident\":\"S1\"}\n"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err,
            "error: claims: 1 problem\n  nato.jsonl:1: party: 'nato' is not a party of the "
            "scenario\n");
  r = Truce(
      "corroborate " + scenario + " --reports " + reports + " --decisions " +
      Write("d.jsonl",
            R"({"action":"merge","reports":["S1","ZZ"],"reason":"r","by":"a","at":"2017-10-07"})"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "error: d.jsonl:1: reports: no report ZZ\n");
  r = Truce("corroborate " + scenario + " --reports " +
            Write("bad.csv",
                  "event_id_cnty,event_date,time_precision,event_type,latitude,"
                  "longitude,geo_precision\nX,2017-09-19,1,Battles,95,36,1\n"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("bad.csv:2: latitude"), std::string::npos) << r.err;
  r = Truce("corroborate " + scenario + " --reports " + reports +
            " --side-by-side --zone atlantis --from 2017-09-18 --to 2017-09-01");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--zone: 'atlantis' is not a zone of the scenario (zones: eastern-ghouta"),
            std::string::npos)
      << r.err;
  r = Truce("corroborate " + scenario + " --reports " + reports +
            " --side-by-side --zone idlib --from 2017-09-18 --to 2017-09-01");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "error: --from 2017-09-18 is after --to 2017-09-01\n");
  r = Truce("corroborate " + scenario + " --reports " + Write("none.csv", "") + " --claims x");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
}

TEST_F(CorroborateCliTest, UsageErrorsExit2) {
  const std::string reports = Write("reports.csv", kReports);
  EXPECT_EQ(Truce("corroborate " + kShipped).exit_code, 2);  // no --reports
  CliRun r = Truce("corroborate " + kShipped + " --reports " + reports + " --side-by-side");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "error: --side-by-side goes with --zone, --from and --to, all four\n");
  EXPECT_EQ(Truce("corroborate " + kShipped + " --reports " + reports + " --zone idlib").exit_code,
            2);
  EXPECT_EQ(Truce("corroborate " + kShipped + " --reports " + reports + " --format csv").exit_code,
            2);
}

TEST_F(CorroborateCliTest, GeoJsonCarriesTheSameRecords) {
  const CliRun r = Truce("corroborate " + Args() + " --format geojson");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json doc = json::parse(r.out);
  ASSERT_EQ(doc["features"].size(), 3u);
  EXPECT_EQ(doc["features"][0]["geometry"]["coordinates"], json({36.6508, 35.4378}));
  EXPECT_EQ(doc["features"][2]["properties"]["grade"], "contested");
}

}  // namespace
}  // namespace truce
