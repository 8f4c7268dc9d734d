// Corroboration on real data: the Syrian Archive's reports of the 21 August 2013 chemical
// attacks (several sources per event) grouped into incidents, checked against the all-pairs
// method and for order independence; and strike reports fused with real ADS-B tracks.
#include <algorithm>
#include <random>
#include <regex>
#include <set>

#include <gtest/gtest.h>

#include "formats/positions.h"
#include "formats/reports.h"
#include "formats/scenario_reader.h"
#include "shared_data.h"
#include "truce/air_ground.h"
#include "truce/incident.h"
#include "truce/side_by_side.h"

namespace truce {
namespace {

constexpr const char* kArchive = "incidents/syrian_archive_chemical_weapons_2013_2014.csv";
constexpr const char* kSwiss = "flights/traffic_collections_switzerland.json.gz";
const std::string kScenario = std::string(TRUCE_SOURCE_DIR) + "/scenarios/astana-2017";

std::vector<Report> Archive(bool move_to_2017) {
  auto text = formats::ReadTextFile(testing::SharedDataPath(kArchive));
  EXPECT_TRUE(text.ok());
  std::string csv = *text;
  // The same incidents four years later, inside the life of the zones.
  if (move_to_2017) {
    csv = std::regex_replace(csv, std::regex(R"((\d\d/\d\d/)1[34]( \d\d:\d\d [AP]M))"), "$0117$2");
  }
  auto batch = formats::ParseReports(csv, kArchive);
  EXPECT_TRUE(batch.ok());
  return std::move(batch->reports);  // the 136 located rows (two have no coordinates)
}

std::vector<ReportEntry> Entries(const std::vector<Report>& reports) {
  std::vector<ReportEntry> out;
  for (size_t i = 0; i < reports.size(); ++i) out.push_back(ReportEntry{&reports[i], i, "", false});
  return out;
}

std::set<std::set<std::string>> Partition(Corroborator& c) {
  std::set<std::set<std::string>> out;
  for (const Incident* i : c.Incidents()) {
    std::set<std::string> ids;
    for (const Report* r : i->reports) ids.insert(r->event_id());
    out.insert(ids);
  }
  return out;
}

TEST(CorroborationRealData, SyrianArchiveFormsTheEastAndWestGhoutaAttacks) {
  TRUCE_REQUIRE_SHARED_DATA(kArchive);
  const std::vector<Report> reports = Archive(false);
  ASSERT_EQ(reports.size(), 136u);
  auto scenario = formats::LoadScenario(kScenario);
  ASSERT_TRUE(scenario.ok());
  Corroborator c(*scenario);
  c.AddReports(Entries(reports));
  const auto incidents = c.Incidents();
  ASSERT_EQ(incidents.size(), 3u);
  // Eastern Ghouta (Zamalka, Ayn Tarma, Erbin, Jobar, Duma, ... on 20-23 August 2013) and the
  // separate attack on Muadamiyat al-Sham and Daraya in the west, 11.7 km from the nearest
  // eastern site: each place's 10 km disc (APPROXIMATE) plus 1 km does not reach across.
  const Incident& east = *incidents[0];
  const Incident& west = *incidents[1];
  const Incident& later = *incidents[2];
  EXPECT_EQ(east.id, "INC-CW_1001");
  EXPECT_EQ(east.reports.size(), 99u);
  EXPECT_EQ(east.independent_groups(), 27u);
  EXPECT_EQ(west.id, "INC-CW_1005");
  EXPECT_EQ(west.reports.size(), 35u);
  EXPECT_EQ(west.groups,
            (std::vector<std::string>{
                "Daraya Media Office", "Daraya Popular Council", "Muadamiyah Popular Council",
                "Muadamiyat al-Sham Coordinating Committee", "Muadamiyat al-Sham Media Center"}));
  for (const Report* r : west.reports) {
    const std::string& place = r->spec().extra.at("location");
    EXPECT_TRUE(place == "Daraya" || place == "Muadamiyat al-Sham") << place;
  }
  for (const Report* r : east.reports) {
    const std::string& place = r->spec().extra.at("location");
    EXPECT_TRUE(place != "Daraya" && place != "Muadamiyat al-Sham") << place;
  }
  EXPECT_EQ(FormatUtcTime(east.when.begin()), "2013-08-20T00:00:00Z");
  EXPECT_EQ(FormatUtcTime(east.when.end()), "2013-08-24T00:00:00Z");
  EXPECT_EQ(east.grade, Grade::kCorroborated);
  EXPECT_EQ(west.grade, Grade::kCorroborated);
  // A year later in Jobar, one medical office, twice.
  EXPECT_EQ(later.id, "INC-CW_1040");
  EXPECT_EQ(later.reports.size(), 2u);
  EXPECT_EQ(later.grade, Grade::kSingleSource);
  EXPECT_EQ(later.reason,
            "single-source: one independence group (Medical Office of The Capital Damascus) "
            "across 2 reports");
  // Reports of the 23rd started incidents of their own until the 22nd's linked them in.
  EXPECT_EQ(east.merged, std::vector<std::string>{"INC-CW_1017"});
  EXPECT_EQ(c.Find("INC-CW_1017"), &east);
}

TEST(CorroborationRealData, GridEqualsAllPairsAndOrderDoesNotMatter) {
  TRUCE_REQUIRE_SHARED_DATA(kArchive);
  const std::vector<Report> reports = Archive(false);
  auto scenario = formats::LoadScenario(kScenario);
  ASSERT_TRUE(scenario.ok());
  std::vector<const Report*> pointers;
  for (const Report& r : reports) pointers.push_back(&r);
  std::set<std::set<std::string>> pairs;
  for (const auto& group : ClusterAllPairs(pointers, scenario->corroboration())) {
    std::set<std::string> ids;
    for (size_t i : group) ids.insert(reports[i].event_id());
    pairs.insert(ids);
  }
  Corroborator reference(*scenario);
  reference.AddReports(Entries(reports));
  EXPECT_EQ(Partition(reference), pairs);
  // Arriving in another order changes which report names an incident, never the incidents.
  std::mt19937 rng(21);
  for (int trial = 0; trial < 5; ++trial) {
    std::vector<size_t> order(reports.size());
    std::iota(order.begin(), order.end(), 0);
    std::shuffle(order.begin(), order.end(), rng);
    std::vector<ReportEntry> entries;
    for (size_t k = 0; k < order.size(); ++k) {
      entries.push_back(ReportEntry{&reports[order[k]], k, "", false});
    }
    Corroborator c(*scenario);
    for (const ReportEntry& e : entries) c.AddReports(std::span(&e, 1));
    EXPECT_EQ(Partition(c), pairs);
    EXPECT_EQ(c.Incidents()[0]->id, "INC-" + reports[order[0]].event_id());
  }
}

TEST(CorroborationRealData, In2017TheGhoutaIncidentBreaksTheEasternGhoutaCeasefire) {
  TRUCE_REQUIRE_SHARED_DATA(kArchive);
  const std::vector<Report> reports = Archive(true);
  auto scenario = formats::LoadScenario(kScenario);
  ASSERT_TRUE(scenario.ok());
  Corroborator c(*scenario);
  c.AddReports(Entries(reports));
  std::vector<Incident> incidents;
  for (const Incident* i : c.Incidents()) incidents.push_back(*i);
  AttachViolations(incidents, EvaluateReports(*scenario, reports));
  // Moved to 2017, the 2014 reports from Jobar fall on 20 August too and join the east.
  ASSERT_EQ(incidents.size(), 2u);
  EXPECT_EQ(incidents[0].reports.size(), 101u);
  const auto in_ghouta = [](const Incident& i) {
    return std::any_of(i.violations.begin(), i.violations.end(), [](const IncidentViolation& v) {
      return v.zone == "eastern-ghouta" && v.rule == RuleKind::kCeasefire;
    });
  };
  EXPECT_TRUE(in_ghouta(incidents[0]));   // Eastern Ghouta
  EXPECT_FALSE(in_ghouta(incidents[1]));  // Muadamiyat al-Sham and Daraya lie west of Damascus
  // The government denies the eastern attack; nobody independent is silenced by that.
  Claim denial;
  denial.id = "sana";
  denial.party = "syrian-government";
  denial.kind = ClaimKind::kDenyResponsibility;
  denial.incident = "CW_1001";
  denial.text = "The army did not use chemical weapons";
  c.AddClaims(std::span(&denial, 1));
  EXPECT_EQ(c.Incidents()[0]->grade, Grade::kContested);
  std::vector<const Incident*> pointers;
  for (const Incident& i : incidents) pointers.push_back(&i);
  const auto period =
      *TimeInterval::Create(*ParseUtcTime("2017-08-20"), *ParseUtcTime("2017-08-24"));
  const SideBySide s = CompareClaims("eastern-ghouta", period, pointers, {}, nullptr);
  EXPECT_EQ(s.incidents, 1);
  EXPECT_EQ(s.established, 1);
}

TEST(CorroborationRealData, StrikeReportsFuseWithRealTracks) {
  TRUCE_REQUIRE_SHARED_DATA(kSwiss);
  auto text = formats::ReadTextFile(testing::SharedDataPath(kSwiss));
  ASSERT_TRUE(text.ok());
  auto batch = formats::ParsePositions(*text, kSwiss);
  ASSERT_TRUE(batch.ok());
  const std::vector<Track> tracks = BuildTracks(std::move(batch->positions));
  const auto busy = std::find_if(tracks.begin(), tracks.end(),
                                 [](const Track& t) { return t.positions.size() >= 50; });
  ASSERT_NE(busy, tracks.end());
  const Position& fix = busy->positions[busy->positions.size() / 2];
  // A strike reported where and in the minute that aircraft was seen.
  const auto day = std::chrono::floor<std::chrono::days>(fix.time);
  ReportSpec spec;
  spec.event_id = "STRIKE";
  spec.event_date = day;
  spec.time_of_day = std::chrono::floor<std::chrono::minutes>(fix.time - day);
  spec.event_type = "Explosions/Remote violence";
  spec.sub_event_type = "Air/drone strike";
  spec.latitude = fix.where.lat();
  spec.longitude = fix.where.lng();
  const Report here = *Report::Create(spec);
  spec.event_id = "ELSEWHERE";  // the same minute, in Idlib
  spec.latitude = 35.93;
  spec.longitude = 36.63;
  const Report elsewhere = *Report::Create(spec);

  const AirPicture picture(tracks);
  std::vector<TrackLink> links;
  StrikeCoverage coverage;
  picture.Fuse(here, Meters{10'000}, links, coverage);
  ASSERT_FALSE(links.empty());
  const auto seen = std::find_if(links.begin(), links.end(),
                                 [&](const TrackLink& l) { return l.icao24 == busy->icao24; });
  ASSERT_NE(seen, links.end());
  EXPECT_EQ(seen->distance.value, 0);  // over the disc
  EXPECT_LT(seen->from_centre.value, 1.0);
  EXPECT_EQ(seen->time, fix.time);
  EXPECT_GE(coverage.aircraft_in_area, links.size());
  EXPECT_GT(coverage.positions_in_interval, coverage.positions_in_area);

  links.clear();
  StrikeCoverage none;
  picture.Fuse(elsewhere, Meters{10'000}, links, none);
  EXPECT_TRUE(links.empty());
  EXPECT_EQ(none.positions_in_area, 0u);
  EXPECT_EQ(none.positions_in_interval, coverage.positions_in_interval);
  EXPECT_NE(none.statement.find("not evidence that no aircraft flew"), std::string::npos);
}

// What the CLI and the server both compute (FuseStrike on the positions of each report's
// interval) equals fusing with every track of the whole sample: the positions outside a
// report's interval change nothing. Strike reports at 200 real fixes, minute- and day-precise,
// each also 8 km away; the sample given in a shuffled order (duplicates keep the first).
TEST(CorroborationRealData, FusingTheIntervalsPositionsEqualsFusingEveryTrack) {
  TRUCE_REQUIRE_SHARED_DATA(kSwiss);
  auto text = formats::ReadTextFile(testing::SharedDataPath(kSwiss));
  ASSERT_TRUE(text.ok());
  auto batch = formats::ParsePositions(*text, kSwiss);
  ASSERT_TRUE(batch.ok());
  std::vector<Position> positions = std::move(batch->positions);
  std::mt19937 rng(5);
  std::shuffle(positions.begin(), positions.end(), rng);
  const std::vector<Track> tracks = BuildTracks(positions);
  std::vector<Report> reports;
  for (int k = 0; k < 200; ++k) {
    const Position& fix = positions[rng() % positions.size()];
    ReportSpec spec;
    spec.event_id = "S" + std::to_string(k);
    const auto day = std::chrono::floor<std::chrono::days>(fix.time);
    spec.event_date = day;
    if (k % 2 == 0) spec.time_of_day = std::chrono::floor<std::chrono::minutes>(fix.time - day);
    spec.event_type = "Explosions/Remote violence";
    spec.sub_event_type = "Air/drone strike";
    spec.latitude = fix.where.lat() + (k % 4 < 2 ? 0.0 : 0.072);  // 8 km north
    spec.longitude = fix.where.lng();
    reports.push_back(*Report::Create(spec));
  }
  std::vector<Incident> incidents(reports.size());
  for (size_t k = 0; k < reports.size(); ++k) incidents[k].reports = {&reports[k]};
  FuseIncidents(incidents, positions, Meters{10'000});
  const AirPicture everything(tracks);
  size_t linked = 0;
  for (size_t k = 0; k < reports.size(); ++k) {
    SCOPED_TRACE(reports[k].event_id());
    std::vector<TrackLink> links;
    StrikeCoverage coverage;
    everything.Fuse(reports[k], Meters{10'000}, links, coverage);
    ASSERT_EQ(incidents[k].tracks.size(), links.size());
    for (size_t l = 0; l < links.size(); ++l) {
      const TrackLink& a = incidents[k].tracks[l];
      EXPECT_EQ(a.icao24, links[l].icao24);
      EXPECT_EQ(a.callsign, links[l].callsign);
      EXPECT_EQ(a.time, links[l].time);
      EXPECT_EQ(a.from_centre.value, links[l].from_centre.value);
      EXPECT_EQ(a.positions, links[l].positions);
    }
    ASSERT_EQ(incidents[k].coverage.size(), 1u);
    EXPECT_EQ(incidents[k].coverage[0].positions_in_area, coverage.positions_in_area);
    EXPECT_EQ(incidents[k].coverage[0].aircraft_in_area, coverage.aircraft_in_area);
    EXPECT_EQ(incidents[k].coverage[0].positions_in_interval, coverage.positions_in_interval);
    EXPECT_EQ(incidents[k].coverage[0].statement, coverage.statement);
    linked += links.size();
  }
  EXPECT_GT(linked, 200u);
}

}  // namespace
}  // namespace truce
