// No-fly detection on real ADS-B data (../shared/data/flights): the Switzerland sample (842
// aircraft, 139,098 positions, 2018-08-01) and the SAVAN17 survey flights (193,447 records,
// 2022-03/04), against the test zones of flight_test_zones.h.
//
// The oracle (flight_oracle.h) recomputes every stay from the raw JSON with its own reader and
// track builder and GEOS for all geometry: each segment between fixes intersected with the
// zone boundary. With hysteresis off, truce's violations must be exactly the oracle's stays
// (count, entry and exit to the millisecond and 1e-8 degree, fixes inside); with the default
// hysteresis each violation must be a run of consecutive oracle stays.
#include <iostream>
#include <map>
#include <random>

#include <gtest/gtest.h>

#include "flight_oracle.h"
#include "flight_test_zones.h"
#include "formats/geojson.h"
#include "formats/positions.h"
#include "formats/text_file.h"
#include "shared_data.h"
#include "truce/flight_monitor.h"
#include "truce/zone_index.h"

namespace truce {
namespace {

constexpr const char* kSwiss = "flights/traffic_collections_switzerland.json.gz";
constexpr const char* kSavan = "flights/traffic_collections_savan.json.gz";

struct Sample {
  std::string text;  // the decompressed JSON
  formats::PositionBatch batch;
  std::vector<Track> tracks;
  TrackStats stats;
};

std::vector<ZoneVersion>* g_zones = nullptr;
std::map<std::string, Sample>* g_samples = nullptr;

class FlightsRealDataTest : public ::testing::Test {
 public:
  static void SetUpTestSuite() {
    auto doc = formats::ParseJson(testing::kFlightTestZones, "flight_test_zones.h");
    ASSERT_TRUE(doc.ok()) << doc.error().message;
    auto zones = formats::ReadZoneVersions(*doc, "flight_test_zones.h");
    ASSERT_TRUE(zones.ok()) << zones.error().message;
    g_zones = new std::vector<ZoneVersion>(std::move(zones).value());
    g_samples = new std::map<std::string, Sample>();
  }
  static void TearDownTestSuite() {
    delete g_samples;
    delete g_zones;
  }

  // Reads a sample once for the whole suite.
  static const Sample& Load(const char* relative) {
    auto it = g_samples->find(relative);
    if (it != g_samples->end()) return it->second;
    Sample s;
    auto text = formats::ReadTextFile(testing::SharedDataPath(relative));
    EXPECT_TRUE(text.ok()) << text.error().message;
    s.text = std::move(text).value();
    auto batch = formats::ParsePositions(s.text, relative);
    EXPECT_TRUE(batch.ok()) << batch.error().message;
    s.batch = std::move(batch).value();
    s.tracks = BuildTracks(s.batch.positions, {}, &s.stats);
    return g_samples->emplace(relative, std::move(s)).first->second;
  }
};

size_t ZoneIndexOf(const FlightViolation& v) {
  return static_cast<size_t>(v.zone - g_zones->data());
}

// Groups the oracle's stays per (aircraft, zone), in time order.
using StayKey = std::pair<std::string, size_t>;
std::map<StayKey, std::vector<testing::OracleInterval>> OracleStays(const Sample& s) {
  const auto tracks = testing::OracleTracksFromTraffic(s.text, std::chrono::minutes(10));
  EXPECT_EQ(tracks.size(), s.tracks.size());
  testing::GeosOracle oracle(*g_zones);
  std::vector<testing::OracleInterval> all;
  for (const auto& t : tracks) oracle.Intervals(t, all);
  std::map<StayKey, std::vector<testing::OracleInterval>> out;
  for (auto& i : all) out[{i.icao24, i.zone}].push_back(i);
  for (auto& [key, list] : out) {
    std::stable_sort(list.begin(), list.end(),
                     [](const auto& a, const auto& b) { return a.entry < b.entry; });
  }
  return out;
}

std::map<StayKey, std::vector<FlightViolation>> ByKey(std::vector<FlightViolation> violations) {
  std::map<StayKey, std::vector<FlightViolation>> out;
  for (auto& v : violations) out[{v.icao24, ZoneIndexOf(v)}].push_back(std::move(v));
  for (auto& [key, list] : out) {
    std::stable_sort(list.begin(), list.end(),
                     [](const auto& a, const auto& b) { return a.entry.time < b.entry.time; });
  }
  return out;
}

void ExpectCrossing(const Crossing& c, UtcTime t, double lat, double lng, const std::string& what) {
  EXPECT_LE(std::abs((c.time - t).count()), 2)
      << what << ": " << FormatUtcTime(c.time) << " vs " << FormatUtcTime(t);
  EXPECT_NEAR(c.where.lat(), lat, 1e-8) << what;
  EXPECT_NEAR(c.where.lng(), lng, 1e-8) << what;
}

// With no hysteresis (tolerances 0, dwell 0) a violation ends at the first fix after the exit,
// so two stays are one violation only when no fix lies between them: the oracle's stays are
// merged by that rule, and must then equal truce's violations one for one.
std::vector<FlightViolation> CompareRaw(const char* sample, size_t min_stays) {
  const Sample& s = FlightsRealDataTest::Load(sample);
  auto locator = MakeZoneLocator(*g_zones);
  FlightMonitorOptions raw;
  raw.boundary_tolerance = Meters{0};
  raw.altitude_tolerance = Meters{0};
  raw.min_dwell = std::chrono::milliseconds(0);
  const FlightMonitor monitor(*g_zones, *locator, {}, raw);
  const std::vector<FlightViolation> violations = monitor.Detect(s.tracks);
  auto got = ByKey(violations);
  const auto stays = OracleStays(s);

  // Fix times per aircraft, to tell whether a fix lies between two stays.
  std::map<std::string, std::vector<UtcTime>> fix_times;
  for (const Track& t : s.tracks)
    for (const Position& p : t.positions) fix_times[t.icao24].push_back(p.time);
  for (auto& [icao, times] : fix_times) std::sort(times.begin(), times.end());

  size_t n_stays = 0, n_violations = 0, crossings = 0;
  std::map<std::string, size_t> per_zone;
  for (const auto& [key, list] : stays) {
    n_stays += list.size();
    const std::vector<UtcTime>& times = fix_times[key.first];
    // Merge runs without a fix in between.
    std::vector<std::vector<const testing::OracleInterval*>> groups;
    for (const auto& i : list) {
      if (!groups.empty()) {
        const auto* last = groups.back().back();
        const auto first_fix = std::lower_bound(times.begin(), times.end(), last->exit);
        if (!last->rule_ended && (first_fix == times.end() || *first_fix > i.entry)) {
          groups.back().push_back(&i);
          continue;
        }
      }
      groups.push_back({&i});
    }
    const auto found = got.find(key);
    if (found == got.end()) {
      ADD_FAILURE() << key.first << " zone " << key.second << ": missed";
      return {};
    }
    const std::vector<FlightViolation>& mine = found->second;
    if (mine.size() != groups.size()) {
      ADD_FAILURE() << key.first << " in " << (*g_zones)[key.second].Label() << ": " << mine.size()
                    << " violations, " << groups.size() << " by GEOS";
      return {};
    }
    for (size_t g = 0; g < groups.size(); ++g) {
      const auto& first = *groups[g].front();
      const auto& last = *groups[g].back();
      const FlightViolation& v = mine[g];
      const std::string what =
          key.first + " in " + v.zone->Label() + " at " + FormatUtcTime(first.entry);
      ExpectCrossing(v.entry, first.entry, first.entry_lat, first.entry_lng, what + " entry");
      ExpectCrossing(v.exit, last.exit, last.exit_lat, last.exit_lng, what + " exit");
      EXPECT_EQ(v.lost_inside, last.lost) << what;
      EXPECT_EQ(v.entry.kind == CrossingKind::kTrackStart, first.from_track_start) << what;
      EXPECT_EQ(v.exit.kind == CrossingKind::kInForce, last.rule_ended) << what;
      size_t fixes = 0;
      for (const auto* i : groups[g]) fixes += i->fixes_inside;
      EXPECT_EQ(v.positions_inside, fixes) << what;
      EXPECT_EQ(static_cast<size_t>(v.incursions), groups[g].size()) << what;
      crossings +=
          (v.entry.kind == CrossingKind::kBoundary) + (v.exit.kind == CrossingKind::kBoundary);
      ++per_zone[v.zone->Label()];
    }
    n_violations += groups.size();
  }
  size_t total = 0;
  for (const auto& [key, list] : got) total += list.size();
  EXPECT_EQ(total, n_violations) << "violations the oracle does not have";
  EXPECT_GE(n_stays, min_stays);
  std::cout << sample << ": " << n_stays << " stays by GEOS, " << n_violations
            << " violations without hysteresis, " << crossings << " boundary crossings; per zone:";
  for (const auto& [zone, n] : per_zone) std::cout << " " << zone << "=" << n;
  std::cout << "\n";
  return violations;
}

TEST_F(FlightsRealDataTest, ReadsTheSamples) {
  TRUCE_REQUIRE_SHARED_DATA(kSwiss);
  TRUCE_REQUIRE_SHARED_DATA(kSavan);
  const Sample& swiss = Load(kSwiss);
  EXPECT_EQ(swiss.batch.records, 139098u);
  EXPECT_EQ(swiss.batch.positions.size(), 139098u);
  EXPECT_TRUE(swiss.batch.rejected.empty());
  EXPECT_EQ(swiss.stats.aircraft, 842u);
  EXPECT_EQ(swiss.stats.duplicates, 0u);
  // The file is not in time order for 174 aircraft; gaps of an hour or more split 402 tracks.
  EXPECT_EQ(swiss.stats.gap_splits, 402u);
  EXPECT_EQ(swiss.stats.tracks, 1244u);
  const Sample& savan = Load(kSavan);
  EXPECT_EQ(savan.batch.records, 193447u);
  EXPECT_EQ(savan.batch.without_position, 128u);  // null latitude and longitude
  EXPECT_TRUE(savan.batch.rejected.empty());
  EXPECT_EQ(savan.stats.aircraft, 1u);
  // A state vector repeats its last fix until a new one comes: same last_position, dropped.
  EXPECT_EQ(savan.stats.duplicates, 35848u);
  // 18 flights separated by nights on the ground; one flight has a 10+ minute hole in
  // reception between fixes (by fix time), which splits it.
  EXPECT_EQ(savan.stats.tracks, 19u);
  for (const Track& t : savan.tracks) {
    for (size_t i = 1; i < t.positions.size(); ++i) {
      ASSERT_LT(t.positions[i - 1].time, t.positions[i].time);
      ASSERT_LE(t.positions[i].time - t.positions[i - 1].time, std::chrono::minutes(10));
    }
  }
}

TEST_F(FlightsRealDataTest, SwitzerlandCrossingsEqualGeos) {
  TRUCE_REQUIRE_SHARED_DATA(kSwiss);
  const std::vector<FlightViolation> v = CompareRaw(kSwiss, 2000);
  // The sample exercises every kind of entry and exit.
  std::map<std::string, size_t> kinds;
  for (const FlightViolation& x : v) {
    ++kinds[std::string("entry ") + std::string(CrossingKindName(x.entry.kind))];
    ++kinds[std::string("exit ") + std::string(CrossingKindName(x.exit.kind))];
  }
  for (const char* k :
       {"entry boundary", "exit boundary", "entry altitude_band", "exit altitude_band",
        "entry in_force", "exit in_force", "entry track_start", "exit lost"}) {
    EXPECT_GT(kinds[k], 0u) << k;
  }
  // At 12:00 alps version 1 ends and version 2 begins: every aircraft inside both at that
  // instant leaves one and enters the other at the same place.
  const UtcTime noon = *ParseUtcTime("2018-08-01T12:00:00Z");
  size_t handovers = 0;
  for (const FlightViolation& x : v) {
    if (x.exit.kind != CrossingKind::kInForce) continue;
    EXPECT_EQ(x.exit.time, noon);
    EXPECT_EQ(x.zone->zone(), "alps");
    for (const FlightViolation& y : v) {
      if (y.icao24 == x.icao24 && y.entry.kind == CrossingKind::kInForce &&
          y.entry.where == x.exit.where) {
        ++handovers;
      }
    }
  }
  EXPECT_GT(handovers, 0u);
  // Across the seam at 7.0 E the exit from one Jura zone is the entry into the other, in
  // both directions.
  size_t seams = 0, matched = 0;
  for (const FlightViolation& x : v) {
    const std::string& from = x.zone->zone();
    if ((from != "jura-west" && from != "jura-east") || x.exit.kind != CrossingKind::kBoundary ||
        std::abs(x.exit.where.lng() - 7.0) > 1e-9 || x.exit.where.lat() <= 46.8 ||
        x.exit.where.lat() >= 47.5) {
      continue;
    }
    ++seams;
    const std::string to = from == "jura-west" ? "jura-east" : "jura-west";
    for (const FlightViolation& y : v) {
      matched += y.icao24 == x.icao24 && y.zone->zone() == to && y.entry.time == x.exit.time &&
                 y.entry.where == x.exit.where;
    }
  }
  EXPECT_GT(seams, 50u);
  EXPECT_EQ(matched, seams);
  std::cout << "alps version handovers at 12:00: " << handovers
            << ", crossings of the jura seam: " << seams << "\n";
}

TEST_F(FlightsRealDataTest, SavanCrossingsEqualGeos) {
  TRUCE_REQUIRE_SHARED_DATA(kSavan);
  CompareRaw(kSavan, 20);
}

// With the default hysteresis every violation is a run of consecutive raw stays: its entry
// is the first stay's entry, its exit the last one's exit, and no stay is left out.
void CompareMerged(const char* sample) {
  const Sample& s = FlightsRealDataTest::Load(sample);
  auto locator = MakeZoneLocator(*g_zones);
  const FlightMonitor monitor(*g_zones, *locator);
  const std::vector<FlightViolation> all = monitor.Detect(s.tracks);
  auto got = ByKey(all);
  const auto stays = OracleStays(s);
  size_t n_stays = 0, merged_away = 0;
  for (const auto& [key, list] : stays) {
    n_stays += list.size();
    const auto found = got.find(key);
    ASSERT_NE(found, got.end());
    size_t next = 0;
    for (const FlightViolation& v : found->second) {
      ASSERT_LT(next, list.size());
      const auto& first = list[next];
      const auto& last = list[next + static_cast<size_t>(v.incursions) - 1];
      const std::string what = key.first + " in " + v.zone->Label();
      ExpectCrossing(v.entry, first.entry, first.entry_lat, first.entry_lng, what + " entry");
      ExpectCrossing(v.exit, last.exit, last.exit_lat, last.exit_lng, what + " exit");
      std::chrono::milliseconds inside{0};
      for (int k = 0; k < v.incursions; ++k) inside += list[next + k].exit - list[next + k].entry;
      EXPECT_LE(std::abs((v.inside_time - inside).count()), 2 * v.incursions) << what;
      merged_away += static_cast<size_t>(v.incursions) - 1;
      next += static_cast<size_t>(v.incursions);
    }
    EXPECT_EQ(next, list.size()) << key.first;
  }
  size_t inside = 0, lost = 0;
  for (const FlightViolation& v : all) {
    inside += v.verdict == Verdict::kInside;
    lost += v.lost_inside;
  }
  EXPECT_EQ(all.size() + merged_away, n_stays);
  std::cout << sample << ": " << all.size() << " violations with hysteresis (" << inside
            << " inside, " << all.size() - inside << " possible, " << lost << " lost inside), "
            << merged_away << " re-entries merged\n";
}

TEST_F(FlightsRealDataTest, SwitzerlandHysteresisMergesOnlyConsecutiveStays) {
  TRUCE_REQUIRE_SHARED_DATA(kSwiss);
  CompareMerged(kSwiss);
}

TEST_F(FlightsRealDataTest, SavanHysteresisMergesOnlyConsecutiveStays) {
  TRUCE_REQUIRE_SHARED_DATA(kSavan);
  CompareMerged(kSavan);
}

TEST_F(FlightsRealDataTest, LiveEqualsBatchOnTheSwissFeed) {
  TRUCE_REQUIRE_SHARED_DATA(kSwiss);
  const Sample& s = Load(kSwiss);
  auto locator = MakeZoneLocator(*g_zones);
  const FlightMonitor monitor(*g_zones, *locator);
  const std::vector<FlightViolation> batch = monitor.Detect(s.tracks);
  // As a feed would deliver them: in time order, each up to 15 s late.
  std::vector<std::pair<UtcTime, const Position*>> feed;
  std::mt19937_64 rng(2018);
  std::uniform_int_distribution<int> late(0, 15000);
  for (const Position& p : s.batch.positions)
    feed.emplace_back(p.time + std::chrono::milliseconds(late(rng)), &p);
  std::stable_sort(feed.begin(), feed.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  LiveFlightMonitor live(monitor);
  std::vector<FlightAlert> alerts;
  for (const auto& [t, p] : feed) live.Add(*p, alerts);
  live.Finish(alerts);
  std::vector<FlightViolation> streamed;
  for (FlightAlert& a : alerts)
    if (a.kind == FlightAlert::Kind::kExit) streamed.push_back(std::move(a.violation));
  EXPECT_EQ(live.stats().late, 0u);
  EXPECT_EQ(live.stats().processed, s.batch.positions.size());
  auto a = ByKey(batch), b = ByKey(streamed);
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [key, list] : a) {
    const auto& other = b[key];
    ASSERT_EQ(list.size(), other.size()) << key.first;
    for (size_t i = 0; i < list.size(); ++i) {
      EXPECT_EQ(list[i].entry.time, other[i].entry.time);
      EXPECT_EQ(list[i].exit.time, other[i].exit.time);
      EXPECT_EQ(list[i].verdict, other[i].verdict);
      EXPECT_EQ(list[i].lost_inside, other[i].lost_inside);
    }
  }
  std::cout << "live: " << streamed.size() << " violations, at most " << live.stats().max_active
            << " aircraft and " << live.stats().max_buffered << " positions held at once\n";
  EXPECT_LT(live.stats().max_active, 842u);
}

}  // namespace
}  // namespace truce
