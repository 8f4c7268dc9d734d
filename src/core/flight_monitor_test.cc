// Track building and no-fly detection on small readable cases: each case is zones as text,
// fixes as (seconds, lat, lng[, altitude]) rows, and the violations expected. Every case runs
// through both ZoneLocator implementations (GEOS reference and the ZoneIndex) and through both
// the batch and the live monitor, which must agree.
#include "truce/flight_monitor.h"

#include <algorithm>
#include <map>
#include <random>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "truce/text_format.h"
#include "truce/zone_index.h"

namespace truce {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const UtcTime kT0 = *MakeUtcTime(2017, 6, 1);
UtcTime At(double s) { return kT0 + milliseconds(static_cast<int64_t>(std::llround(s * 1000))); }
double Secs(UtcTime t) { return static_cast<double>((t - kT0).count()) / 1000; }

struct ZoneSpec {
  std::string id;
  std::string text;  // lat:lng rings
  int version = 1;
  double from_s = -1e6, to_s = 1e9;  // validity, seconds after kT0
  AltitudeBand band{};
  bool no_fly = true;
};

ZoneVersion MakeZone(const ZoneSpec& z) {
  ZoneVersionSpec spec;
  spec.origin = "test";
  spec.zone = z.id;
  spec.version = z.version;
  spec.valid_from = At(z.from_s);
  spec.valid_to = At(z.to_s);
  spec.shape = MakeMultiPolygonOrDie(z.text);
  spec.altitude = z.band;
  spec.rules.push_back(Rule{z.no_fly ? RuleKind::kNoFly : RuleKind::kCeasefire, "", "", {}});
  auto v = ZoneVersion::Create(std::move(spec));
  EXPECT_TRUE(v.ok()) << (v.ok() ? "" : v.error().message);
  return std::move(v).value();
}

struct Fix {
  double s;
  double lat, lng;
  std::optional<double> baro = 1000;
  bool on_ground = false;
  std::optional<double> geo = std::nullopt;
  std::string icao24 = "abc123";
};

Position ToPosition(const Fix& f) {
  Position p;
  p.icao24 = f.icao24;
  p.time = At(f.s);
  p.where = LatLng(f.lat, f.lng);
  if (f.baro) p.baro_altitude = Meters{*f.baro};
  if (f.geo) p.geo_altitude = Meters{*f.geo};
  p.callsign = "TEST1";
  p.on_ground = f.on_ground;
  return p;
}

// A square zone lat [0, 0.1] x lng [0, 0.1] (about 11 km a side) used by most cases.
const char* kSquare = "0:0, 0:0.1, 0.1:0.1, 0.1:0";

class World {
 public:
  World(std::vector<ZoneSpec> specs, bool index, FlightMonitorOptions options = {},
        std::vector<Exemption> exemptions = {}) {
    for (const ZoneSpec& s : specs) zones_.push_back(MakeZone(s));
    if (index) {
      locator_ = MakeZoneLocator(zones_);
    } else {
      locator_ = std::make_unique<GeosZoneLocator>(zones_);
    }
    monitor_ = std::make_unique<FlightMonitor>(zones_, *locator_, std::move(exemptions), options);
  }
  const FlightMonitor& monitor() const { return *monitor_; }

 private:
  std::vector<ZoneVersion> zones_;
  std::unique_ptr<ZoneLocator> locator_;
  std::unique_ptr<FlightMonitor> monitor_;
};

std::vector<Position> ToPositions(const std::vector<Fix>& fixes) {
  std::vector<Position> out;
  for (const Fix& f : fixes) out.push_back(ToPosition(f));
  return out;
}

std::vector<FlightViolation> Batch(const FlightMonitor& m, const std::vector<Position>& positions) {
  TrackOptions t;
  t.max_gap = m.options().max_gap;
  return m.Detect(BuildTracks(positions, t));
}

std::vector<FlightViolation> Live(const FlightMonitor& m, const std::vector<Position>& positions,
                                  std::vector<FlightAlert>* all = nullptr) {
  LiveFlightMonitor live(m);
  std::vector<FlightAlert> alerts;
  for (const Position& p : positions) live.Add(p, alerts);
  live.Finish(alerts);
  std::vector<FlightViolation> out;
  for (const FlightAlert& a : alerts)
    if (a.kind == FlightAlert::Kind::kExit) out.push_back(a.violation);
  if (all) *all = alerts;
  std::stable_sort(out.begin(), out.end(), [](const FlightViolation& x, const FlightViolation& y) {
    return std::tie(x.icao24, x.entry.time) < std::tie(y.icao24, y.entry.time);
  });
  return out;
}

// A violation reduced to what the cases state.
struct Expect {
  std::string zone;
  int version = 1;
  double entry_s, exit_s;
  CrossingKind entry_kind, exit_kind;
  Verdict verdict;
  bool lost = false;
  size_t inside_fixes = 0;
  int incursions = 1;
};

std::string Describe(const std::vector<FlightViolation>& got) {
  std::string out;
  for (const FlightViolation& v : got) {
    out += v.zone->Label() + " " + std::to_string(Secs(v.entry.time)) + " (" +
           std::string(CrossingKindName(v.entry.kind)) + ") to " +
           std::to_string(Secs(v.exit.time)) + " (" + std::string(CrossingKindName(v.exit.kind)) +
           "), " + std::to_string(v.positions_inside) + " fixes, " + std::to_string(v.incursions) +
           " incursions\n";
  }
  return out;
}

void ExpectSame(const std::vector<FlightViolation>& got, const std::vector<Expect>& want,
                const std::string& label) {
  ASSERT_EQ(got.size(), want.size()) << label << "\n" << Describe(got);
  for (size_t i = 0; i < want.size(); ++i) {
    SCOPED_TRACE(label + " violation " + std::to_string(i));
    const FlightViolation& v = got[i];
    EXPECT_EQ(v.zone->zone(), want[i].zone);
    EXPECT_EQ(v.zone->version(), want[i].version);
    EXPECT_EQ(v.rule->kind, RuleKind::kNoFly);
    EXPECT_NEAR(Secs(v.entry.time), want[i].entry_s, 0.0011);
    EXPECT_NEAR(Secs(v.exit.time), want[i].exit_s, 0.0011);
    EXPECT_EQ(CrossingKindName(v.entry.kind), CrossingKindName(want[i].entry_kind));
    EXPECT_EQ(CrossingKindName(v.exit.kind), CrossingKindName(want[i].exit_kind));
    EXPECT_EQ(VerdictName(v.verdict), VerdictName(want[i].verdict));
    EXPECT_EQ(v.lost_inside, want[i].lost);
    EXPECT_EQ(v.positions_inside, want[i].inside_fixes);
    EXPECT_EQ(v.incursions, want[i].incursions);
  }
}

// Runs a case through both locators and both monitors.
void RunCase(const std::vector<ZoneSpec>& zones, const std::vector<Fix>& fixes,
             const std::vector<Expect>& want, FlightMonitorOptions options = {},
             std::vector<Exemption> exemptions = {}) {
  const std::vector<Position> positions = ToPositions(fixes);
  for (bool index : {false, true}) {
    World w(zones, index, options, exemptions);
    const std::string label = index ? "ZoneIndex" : "GeosZoneLocator";
    ExpectSame(Batch(w.monitor(), positions), want, label + " batch");
    ExpectSame(Live(w.monitor(), positions), want, label + " live");
  }
}

// Fixes every 10 s along lat `lat` from lng `lng0` in steps of `step` degrees.
std::vector<Fix> Line(double lat, double lng0, double step, int n, double t0 = 0) {
  std::vector<Fix> out;
  for (int k = 0; k < n; ++k) out.push_back(Fix{t0 + 10.0 * k, lat, lng0 + step * k});
  return out;
}

TEST(BuildTracksTest, SortsDropsDuplicatesAndSplitsAtGaps) {
  std::vector<Fix> fixes = {{20, 0, 0.2},
                            {0, 0, 0},
                            {10, 0, 0.1},
                            {10, 5, 5},     // dup at 10 s
                            {700, 0, 0.3},  // 690 s gap
                            {5, 1, 1, 1000, false, std::nullopt, "ffffff"}};
  TrackStats stats;
  const std::vector<Track> tracks = BuildTracks(ToPositions(fixes), {}, &stats);
  ASSERT_EQ(tracks.size(), 3u);
  EXPECT_EQ(tracks[0].icao24, "abc123");
  ASSERT_EQ(tracks[0].positions.size(), 3u);
  EXPECT_EQ(tracks[0].positions[1].where, LatLng(0, 0.1));  // the first of the duplicates
  EXPECT_EQ(tracks[0].positions[2].time, At(20));
  ASSERT_EQ(tracks[1].positions.size(), 1u);
  EXPECT_EQ(tracks[1].positions[0].time, At(700));
  EXPECT_EQ(tracks[2].icao24, "ffffff");
  EXPECT_EQ(stats.positions, 6u);
  EXPECT_EQ(stats.duplicates, 1u);
  EXPECT_EQ(stats.aircraft, 2u);
  EXPECT_EQ(stats.tracks, 3u);
  EXPECT_EQ(stats.gap_splits, 1u);
  TrackOptions longer;
  longer.max_gap = std::chrono::minutes(15);
  EXPECT_EQ(BuildTracks(ToPositions(fixes), longer).size(), 2u);
}

// BuildTracks as it was before it sorted by integer keys: a stable sort of indices by the
// icao24 string, then time. The faster one must give exactly these tracks.
std::vector<Track> ReferenceBuildTracks(std::vector<Position> positions,
                                        const TrackOptions& options, TrackStats& s) {
  s = TrackStats{};
  s.positions = positions.size();
  std::vector<size_t> order(positions.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (positions[a].icao24 != positions[b].icao24)
      return positions[a].icao24 < positions[b].icao24;
    return positions[a].time < positions[b].time;
  });
  std::vector<Track> tracks;
  for (size_t i : order) {
    Position& p = positions[i];
    const Position* previous = tracks.empty() ? nullptr : &tracks.back().positions.back();
    const bool same_aircraft = previous && previous->icao24 == p.icao24;
    if (same_aircraft && previous->time == p.time) {
      ++s.duplicates;
      continue;
    }
    if (!same_aircraft) ++s.aircraft;
    if (!same_aircraft || p.time - previous->time > options.max_gap) {
      if (same_aircraft) ++s.gap_splits;
      tracks.push_back(Track{p.icao24, {}});
    }
    tracks.back().positions.push_back(std::move(p));
  }
  s.tracks = tracks.size();
  return tracks;
}

// Random positions over a few aircraft whose icao24s differ only in case, in length (a prefix
// of another, a trailing NUL), in bytes above 0x7f, or are longer than the integer key holds;
// times repeat (duplicates) and jump (gap splits). Each position's callsign is its input index,
// so the comparison sees which duplicate was kept.
void ExpectSameTracksAsReference(const std::vector<std::string>& names, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<Position> positions;
  for (int i = 0; i < 3000; ++i) {
    Position p;
    p.icao24 = names[rng() % names.size()];
    // Two hours of minutes with a silence of 40 minutes in the middle.
    const double minute = static_cast<double>(rng() % 40) + (rng() % 2 == 0 ? 0.0 : 80.0);
    p.time = At(minute * 60.0 + (rng() % 3 == 0 ? 0.0 : 0.5));
    p.where = LatLng(static_cast<double>(rng() % 90), static_cast<double>(rng() % 180));
    p.callsign = std::to_string(i);
    positions.push_back(p);
  }
  TrackStats want_stats, got_stats;
  const std::vector<Track> want = ReferenceBuildTracks(positions, {}, want_stats);
  const std::vector<Track> got = BuildTracks(positions, {}, &got_stats);
  ASSERT_EQ(got.size(), want.size());
  for (size_t t = 0; t < want.size(); ++t) {
    EXPECT_EQ(got[t].icao24, want[t].icao24) << "track " << t;
    ASSERT_EQ(got[t].positions.size(), want[t].positions.size()) << "track " << t;
    for (size_t k = 0; k < want[t].positions.size(); ++k) {
      EXPECT_EQ(got[t].positions[k].icao24, want[t].positions[k].icao24);
      EXPECT_EQ(got[t].positions[k].time, want[t].positions[k].time);
      EXPECT_EQ(got[t].positions[k].callsign, want[t].positions[k].callsign);
    }
  }
  EXPECT_EQ(got_stats.positions, want_stats.positions);
  EXPECT_EQ(got_stats.duplicates, want_stats.duplicates);
  EXPECT_EQ(got_stats.aircraft, want_stats.aircraft);
  EXPECT_EQ(got_stats.tracks, want_stats.tracks);
  EXPECT_EQ(got_stats.gap_splits, want_stats.gap_splits);
  EXPECT_GT(want_stats.duplicates, 0u);
  EXPECT_GT(want_stats.gap_splits, 0u);
}

TEST(BuildTracksTest, SameOrderAsStringSortOnMixedCaseAndEqualTimes) {
  // Fits the integer key (at most 7 bytes): normalised, upper and mixed case, prefixes.
  const std::vector<std::string> keyed = {"3c6444",   "3C6444", "3c6445",  "3C6444",
                                          "abcdef",   "ABCDEF", "aBcDeF",  "4b1814",
                                          "",         "3c",     "3c6444a", std::string("3c\0", 3),
                                          "\xff\x80", "0",      "00",      "000000"};
  for (uint32_t seed = 1; seed <= 5; ++seed) ExpectSameTracksAsReference(keyed, seed);
  // One longer than the key holds: the string sort, the same answer.
  std::vector<std::string> mixed = keyed;
  mixed.push_back("3c6444-too-long");
  for (uint32_t seed = 1; seed <= 5; ++seed) ExpectSameTracksAsReference(mixed, seed);
}

TEST(NormalizeTest, Icao24AndCallsign) {
  EXPECT_EQ(NormalizeIcao24(" 3C6444 "), "3c6444");
  EXPECT_EQ(NormalizeIcao24("3c644"), std::nullopt);
  EXPECT_EQ(NormalizeIcao24("3c644g"), std::nullopt);
  EXPECT_EQ(NormalizeCallsign("dlh8jw  "), "DLH8JW");
  EXPECT_EQ(NormalizeCallsign("   "), "");
}

TEST(FlightMonitorTest, StraightCrossingIsInterpolatedAtTheBoundary) {
  // Along lat 0.05 eastwards, 0.01 degree per 10 s, from lng -0.025: fixes at -0.005 (20 s)
  // and 0.005 (30 s) bracket the west edge, crossed at 25 s; 0.095 (120 s) and 0.105 (130 s)
  // bracket the east edge, crossed at 125 s. Ten fixes inside, the deepest 5 km in.
  const std::vector<Fix> fixes = Line(0.05, -0.025, 0.01, 20);
  RunCase({{"sq", kSquare}}, fixes,
          {{"sq", 1, 25, 125, CrossingKind::kBoundary, CrossingKind::kBoundary, Verdict::kInside,
            false, 10}});
  World w({{"sq", kSquare}}, false);
  const auto v = Batch(w.monitor(), ToPositions(fixes));
  ASSERT_EQ(v.size(), 1u);
  EXPECT_NEAR(v[0].entry.where.lat(), 0.05, 1e-12);
  EXPECT_NEAR(v[0].entry.where.lng(), 0.0, 1e-12);
  EXPECT_NEAR(v[0].exit.where.lng(), 0.1, 1e-12);
  EXPECT_EQ(v[0].entry.bracket, seconds(10));
  EXPECT_EQ(v[0].duration(), seconds(100));
  EXPECT_EQ(v[0].inside_time, seconds(100));
  EXPECT_EQ(v[0].icao24, "abc123");
  EXPECT_EQ(v[0].callsign, "TEST1");
  ASSERT_TRUE(v[0].min_altitude && v[0].max_altitude);
  EXPECT_EQ(v[0].min_altitude->value, 1000);
  EXPECT_EQ(v[0].path.size(), 12u);  // entry, ten fixes, exit
}

TEST(FlightMonitorTest, CornerClippedBetweenFixesIsPossible) {
  // From (-0.01, 0.085) to (0.015, 0.11) in 10 s: in through the south edge at s = 0.4,
  // out through the east edge at s = 0.6; no fix inside.
  RunCase({{"sq", kSquare}}, {{0, -0.01, 0.085}, {10, 0.015, 0.11}},
          {{"sq", 1, 4, 6, CrossingKind::kBoundary, CrossingKind::kBoundary, Verdict::kPossible,
            false, 0}});
}

TEST(FlightMonitorTest, TrackStartingAndEndingInside) {
  // Starts at the centre, flies east 3 fixes: begins inside, ends inside (lost).
  RunCase({{"sq", kSquare}}, Line(0.05, 0.05, 0.001, 3),
          {{"sq", 1, 0, 20, CrossingKind::kTrackStart, CrossingKind::kLost, Verdict::kInside, true,
            3}});
  // A single fix inside is a violation of zero duration.
  RunCase(
      {{"sq", kSquare}}, {{7, 0.05, 0.05}},
      {{"sq", 1, 7, 7, CrossingKind::kTrackStart, CrossingKind::kLost, Verdict::kInside, true, 1}});
  // A fix 50 m inside the edge is within the position uncertainty: possible.
  RunCase({{"sq", kSquare}}, {{7, 0.05, 0.00045}},
          {{"sq", 1, 7, 7, CrossingKind::kTrackStart, CrossingKind::kLost, Verdict::kPossible, true,
            1}});
}

TEST(FlightMonitorTest, OnlyNoFlyZonesCount) {
  ZoneSpec ceasefire{"cf", kSquare};
  ceasefire.no_fly = false;
  RunCase({ceasefire}, Line(0.05, -0.025, 0.01, 20), {});
}

TEST(FlightMonitorTest, AltitudeBandCrossingIsInterpolated) {
  ZoneSpec low{"low", kSquare};
  low.band.max = Meters{3000};
  // Inside throughout, climbing 100 m per 10 s from 2750 m: leaves the band at 3000 m, 25 s.
  std::vector<Fix> climb = Line(0.05, 0.05, 0.0005, 10);
  for (size_t k = 0; k < climb.size(); ++k) climb[k].baro = 2750 + 100.0 * k;
  RunCase({low}, climb,
          {{"low", 1, 0, 25, CrossingKind::kTrackStart, CrossingKind::kAltitude, Verdict::kInside,
            false, 3}});
  // Barometric altitude missing: the geometric one is used (here above the band: no violation).
  std::vector<Fix> geo = Line(0.05, 0.05, 0.0005, 4);
  for (Fix& f : geo) {
    f.baro.reset();
    f.geo = 3500;
  }
  RunCase({low}, geo, {});
  // No altitude at all under a banded rule: possible.
  for (Fix& f : geo) f.geo.reset();
  RunCase({low}, geo,
          {{"low", 1, 0, 30, CrossingKind::kTrackStart, CrossingKind::kLost, Verdict::kPossible,
            true, 4}});
  // Within 30 m of the ceiling at every fix: possible.
  for (Fix& f : geo) f.baro = 2980;
  RunCase({low}, geo,
          {{"low", 1, 0, 30, CrossingKind::kTrackStart, CrossingKind::kLost, Verdict::kPossible,
            true, 4}});
}

TEST(FlightMonitorTest, ValidityEndsAndNextVersionBegins) {
  ZoneSpec v1{"sq", kSquare, 1, -1e6, 65};
  ZoneSpec v2{"sq", kSquare, 2, 65, 1e9};
  RunCase(
      {v1, v2}, Line(0.05, 0.05, 0.0001, 13),
      {{"sq", 1, 0, 65, CrossingKind::kTrackStart, CrossingKind::kInForce, Verdict::kInside, false,
        7},
       {"sq", 2, 65, 120, CrossingKind::kInForce, CrossingKind::kLost, Verdict::kInside, true, 6}});
}

TEST(FlightMonitorTest, ExemptionWindowIsHonoured) {
  Exemption by_icao{"abc123", "", *TimeInterval::Create(At(-100), At(60)), "", "notified"};
  // Exempt until 60 s: the violation starts at the exemption's end.
  RunCase({{"sq", kSquare}}, Line(0.05, 0.05, 0.0001, 13),
          {{"sq", 1, 60, 120, CrossingKind::kExemption, CrossingKind::kLost, Verdict::kInside, true,
            7}},
          {}, {by_icao});
  // By callsign, for the whole flight: nothing.
  Exemption by_callsign{"", "TEST1", *TimeInterval::Create(At(-100), At(1000)), "", ""};
  RunCase({{"sq", kSquare}}, Line(0.05, 0.05, 0.0001, 13), {}, {}, {by_callsign});
  // For another zone or another aircraft: no effect.
  Exemption elsewhere{"abc123", "", *TimeInterval::Create(At(-100), At(1000)), "other", ""};
  Exemption other_aircraft{"abc124", "", *TimeInterval::Create(At(-100), At(1000)), "", ""};
  RunCase({{"sq", kSquare}}, Line(0.05, 0.05, 0.0001, 13),
          {{"sq", 1, 0, 120, CrossingKind::kTrackStart, CrossingKind::kLost, Verdict::kInside, true,
            13}},
          {}, {elsewhere, other_aircraft});
}

// Northwards along the west edge (lng 0), alternately 33 m inside and 33 m outside, then away.
std::vector<Fix> AlongEdge(double edge_lng) {
  std::vector<Fix> fixes;
  for (int k = 0; k < 80; ++k) {
    fixes.push_back(Fix{10.0 * k, 0.01 + 0.001 * k, edge_lng + (k % 2 == 0 ? -0.0003 : 0.0003)});
  }
  for (int k = 1; k <= 8; ++k) fixes.push_back(Fix{790.0 + 10 * k, 0.09, edge_lng - 0.002 * k});
  return fixes;
}

TEST(FlightMonitorTest, HysteresisStopsAStormAlongABoundary) {
  const std::vector<Fix> fixes = AlongEdge(0);
  // 40 fixes inside, each a separate incursion: one violation, possible.
  RunCase({{"sq", kSquare}}, fixes,
          {{"sq", 1, 5, 790 + 10 * 0.0003 / 0.0023, CrossingKind::kBoundary,
            CrossingKind::kBoundary, Verdict::kPossible, false, 40, 40}});
  // Without hysteresis and dwell, the same track is a storm of 40 violations.
  FlightMonitorOptions raw;
  raw.boundary_tolerance = Meters{0};
  raw.min_dwell = milliseconds(0);
  World w({{"sq", kSquare}}, false, raw);
  EXPECT_EQ(Batch(w.monitor(), ToPositions(fixes)).size(), 40u);
}

TEST(FlightMonitorTest, SeamBetweenAdjacentZones) {
  const char* west = "0:0, 0:0.1, 0.1:0.1, 0.1:0";
  const char* east = "0:0.1, 0:0.2, 0.1:0.2, 0.1:0.1";
  // Zigzag along the shared edge: one violation in each zone, not forty. The track ends on the
  // east side: lost inside the east zone, out of the west one since 785 s.
  std::vector<Fix> zigzag = AlongEdge(0.1);
  for (int k = 0; k < 8; ++k) zigzag.pop_back();
  RunCase({{"w", west}, {"e", east}}, zigzag,
          {{"w", 1, 0, 785, CrossingKind::kTrackStart, CrossingKind::kBoundary, Verdict::kPossible,
            false, 40, 40},
           {"e", 1, 5, 790, CrossingKind::kBoundary, CrossingKind::kLost, Verdict::kPossible, true,
            40, 40}});
  // Straight across the seam: the exit from one is the entry into the other.
  RunCase({{"w", west}, {"e", east}}, Line(0.05, 0.0505, 0.01, 10),
          {{"w", 1, 0, 49.5, CrossingKind::kTrackStart, CrossingKind::kBoundary, Verdict::kInside,
            false, 5},
           {"e", 1, 49.5, 90, CrossingKind::kBoundary, CrossingKind::kLost, Verdict::kInside, true,
            5}});
}

TEST(FlightMonitorTest, MinimumDwellMergesShortExcursions) {
  // Out through the east edge at 15 s, 550 m outside, back in at 35 s: 20 s out, merged.
  const std::vector<Fix> short_out = {{0, 0.05, 0.05},   {10, 0.05, 0.095}, {20, 0.05, 0.105},
                                      {30, 0.05, 0.105}, {40, 0.05, 0.095}, {50, 0.05, 0.05}};
  RunCase({{"sq", kSquare}}, short_out,
          {{"sq", 1, 0, 50, CrossingKind::kTrackStart, CrossingKind::kLost, Verdict::kInside, true,
            4, 2}});
  // 40 s out: two violations.
  const std::vector<Fix> long_out = {{0, 0.05, 0.05},   {10, 0.05, 0.095}, {20, 0.05, 0.105},
                                     {30, 0.05, 0.105}, {40, 0.05, 0.105}, {50, 0.05, 0.105},
                                     {60, 0.05, 0.095}, {70, 0.05, 0.05}};
  RunCase(
      {{"sq", kSquare}}, long_out,
      {{"sq", 1, 0, 15, CrossingKind::kTrackStart, CrossingKind::kBoundary, Verdict::kInside, false,
        2},
       {"sq", 1, 55, 70, CrossingKind::kBoundary, CrossingKind::kLost, Verdict::kInside, true, 2}});
}

TEST(FlightMonitorTest, ZoneWithAHole) {
  // The hole spans lng 0.04..0.06 at lat 0.05. Eastwards 0.005 degree per 10 s from lng
  // 0.0025: into the hole at 75 s, out of it at 115 s (40 s, 190 m and more from its edge).
  const char* holed = "0:0, 0:0.1, 0.1:0.1, 0.1:0; 0.04:0.04, 0.06:0.04, 0.06:0.06, 0.04:0.06";
  RunCase({{"h", holed}}, Line(0.05, 0.0025, 0.005, 20),
          {{"h", 1, 0, 75, CrossingKind::kTrackStart, CrossingKind::kBoundary, Verdict::kInside,
            false, 8},
           {"h", 1, 115, 190, CrossingKind::kBoundary, CrossingKind::kLost, Verdict::kInside, true,
            8}});
}

TEST(FlightMonitorTest, LandingInsideEndsTheViolationAtTheLastAirborneFix) {
  std::vector<Fix> fixes = Line(0.05, 0.05, 0.0002, 10);
  for (size_t k = 5; k < fixes.size(); ++k) fixes[k].on_ground = true;
  RunCase({{"sq", kSquare}}, fixes,
          {{"sq", 1, 0, 40, CrossingKind::kTrackStart, CrossingKind::kGround, Verdict::kInside,
            false, 5}});
}

TEST(FlightMonitorTest, FixesOutOfOrderWithinATrackAreSkipped) {
  World w({{"sq", kSquare}}, false);
  Track t{"abc123", ToPositions({{0, 0.05, 0.05}, {10, 0.05, 0.051}, {5, 0.05, 0.2}})};
  const auto v = w.monitor().Detect(t);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].positions_inside, 2u);
  EXPECT_TRUE(v[0].lost_inside);
}

// Many aircraft crossing two adjacent zones and a holed one, with jittered timing.
std::vector<Position> Traffic(int aircraft, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<Position> out;
  for (int a = 0; a < aircraft; ++a) {
    char icao[7];
    std::snprintf(icao, sizeof icao, "%06x", 0x100000 + a);
    const double lat0 = -0.05 + 0.2 * u(rng), lng0 = -0.05 + 0.3 * u(rng);
    const double heading = 2 * 3.14159265 * u(rng);
    const double t0 = 3000 * u(rng);
    const int n = 20 + static_cast<int>(60 * u(rng));
    for (int k = 0; k < n; ++k) {
      Fix f{t0 + 5.0 * k + u(rng), lat0 + 0.0012 * k * std::sin(heading),
            lng0 + 0.0012 * k * std::cos(heading)};
      f.icao24 = icao;
      f.baro = 500 + 40.0 * k;
      out.push_back(ToPosition(f));
    }
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const Position& x, const Position& y) { return x.time < y.time; });
  return out;
}

std::vector<ZoneSpec> TrafficZones() {
  ZoneSpec banded{
      "hole", "0.12:0.0, 0.12:0.2, 0.2:0.2, 0.2:0.0; 0.14:0.05, 0.18:0.05, 0.18:0.15, 0.14:0.15"};
  banded.band.max = Meters{2000};
  return {{"w", "0:0, 0:0.1, 0.1:0.1, 0.1:0"}, {"e", "0:0.1, 0:0.2, 0.1:0.2, 0.1:0.1"}, banded};
}

void ExpectEqualViolations(std::vector<FlightViolation> a, std::vector<FlightViolation> b) {
  auto key = [](const FlightViolation& v) {
    return std::tie(v.icao24, v.entry.time, v.zone, v.exit.time);
  };
  auto by_key = [&](const FlightViolation& x, const FlightViolation& y) { return key(x) < key(y); };
  std::sort(a.begin(), a.end(), by_key);
  std::sort(b.begin(), b.end(), by_key);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].icao24, b[i].icao24);
    EXPECT_EQ(a[i].zone, b[i].zone);
    EXPECT_EQ(a[i].entry.time, b[i].entry.time);
    EXPECT_EQ(a[i].exit.time, b[i].exit.time);
    EXPECT_EQ(a[i].entry.where, b[i].entry.where);
    EXPECT_EQ(a[i].exit.where, b[i].exit.where);
    EXPECT_EQ(a[i].verdict, b[i].verdict);
    EXPECT_EQ(a[i].lost_inside, b[i].lost_inside);
    EXPECT_EQ(a[i].positions_inside, b[i].positions_inside);
    EXPECT_EQ(a[i].incursions, b[i].incursions);
  }
}

TEST(LiveFlightMonitorTest, OutOfOrderWithinTheWindowGivesTheBatchResult) {
  const std::vector<Position> ordered = Traffic(300, 7);
  World w(TrafficZones(), true);
  const std::vector<FlightViolation> batch = Batch(w.monitor(), ordered);
  ASSERT_GT(batch.size(), 50u);
  // Shuffle arrivals: each position delayed by up to 20 s (the window is 30 s), plus exact
  // duplicates as a second receiver would send them.
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> delay(0, 20);
  std::vector<std::pair<double, Position>> arrivals;
  for (size_t i = 0; i < ordered.size(); ++i) {
    const double t = Secs(ordered[i].time) + delay(rng);
    arrivals.emplace_back(t, ordered[i]);
    if (i % 7 == 0) arrivals.emplace_back(Secs(ordered[i].time) + delay(rng), ordered[i]);
  }
  std::stable_sort(arrivals.begin(), arrivals.end(),
                   [](const auto& x, const auto& y) { return x.first < y.first; });
  std::vector<Position> shuffled;
  for (auto& [t, p] : arrivals) shuffled.push_back(p);
  ASSERT_FALSE(
      std::is_sorted(shuffled.begin(), shuffled.end(),
                     [](const Position& x, const Position& y) { return x.time < y.time; }));
  LiveFlightMonitor live(w.monitor());
  std::vector<FlightAlert> alerts;
  for (const Position& p : shuffled) live.Add(p, alerts);
  live.Finish(alerts);
  std::vector<FlightViolation> streamed;
  size_t entries = 0;
  for (const FlightAlert& a : alerts) {
    if (a.kind == FlightAlert::Kind::kExit) {
      streamed.push_back(a.violation);
    } else {
      ++entries;
    }
  }
  EXPECT_EQ(entries, streamed.size());
  ExpectEqualViolations(batch, streamed);
  EXPECT_EQ(live.stats().late, 0u);
  EXPECT_EQ(live.stats().duplicates, (ordered.size() + 6) / 7);
  EXPECT_EQ(live.stats().processed, ordered.size());
}

// After every fix, a growing track gives what Detect gives for the fixes so far: every field
// of every violation (lost inside at the last fix while a stay is open), in Detect's order.
TEST(GrowingTrackTest, AfterEveryFixExactlyDetectOfThePrefix) {
  const std::vector<Position> traffic = Traffic(60, 5);
  World w(TrafficZones(), true);
  std::map<std::string, std::vector<Position>> by_aircraft;
  for (const Position& p : traffic) by_aircraft[p.icao24].push_back(p);
  size_t checked = 0, open = 0;
  for (const auto& [icao, fixes] : by_aircraft) {
    GrowingTrack growing(w.monitor(), icao);
    Track prefix{icao, {}};
    for (const Position& p : fixes) {
      growing.Add(p);
      prefix.positions.push_back(p);
      const std::vector<FlightViolation> want = w.monitor().Detect(prefix);
      const std::vector<FlightViolation> got = growing.Violations();
      ASSERT_EQ(got.size(), want.size()) << icao;
      for (size_t i = 0; i < want.size(); ++i) {
        EXPECT_EQ(got[i].zone, want[i].zone);
        EXPECT_EQ(got[i].entry.time, want[i].entry.time);
        EXPECT_EQ(got[i].entry.where, want[i].entry.where);
        EXPECT_EQ(got[i].exit.time, want[i].exit.time);
        EXPECT_EQ(got[i].exit.kind, want[i].exit.kind);
        EXPECT_EQ(got[i].verdict, want[i].verdict);
        EXPECT_EQ(got[i].lost_inside, want[i].lost_inside);
        EXPECT_EQ(got[i].inside_time, want[i].inside_time);
        EXPECT_EQ(got[i].incursions, want[i].incursions);
        EXPECT_EQ(got[i].positions_inside, want[i].positions_inside);
        EXPECT_EQ(got[i].path.size(), want[i].path.size());
        EXPECT_EQ(got[i].callsign, want[i].callsign);
        open += got[i].lost_inside;
      }
      ++checked;
    }
  }
  EXPECT_GT(checked, 1000u);
  EXPECT_GT(open, 100u) << "stays in progress must be checked too";
}

TEST(LiveFlightMonitorTest, EntryAlertComesFirstAndExitAfterTheDwell) {
  World w({{"sq", kSquare}}, false);
  LiveFlightMonitor live(w.monitor());
  std::vector<FlightAlert> alerts;
  const std::vector<Position> positions = ToPositions(Line(0.05, -0.025, 0.01, 40));
  std::vector<double> entry_seen_at, exit_seen_at;
  for (const Position& p : positions) {
    const size_t before = alerts.size();
    live.Add(p, alerts);
    for (size_t i = before; i < alerts.size(); ++i) {
      (alerts[i].kind == FlightAlert::Kind::kEntry ? entry_seen_at : exit_seen_at)
          .push_back(Secs(p.time));
    }
  }
  // The entry at 25 s is known once the fix at 30 s leaves the 30 s reorder window (60 s);
  // the exit at 125 s once a fix 30 s later, clearly outside, leaves it (160 + 30 s).
  ASSERT_EQ(entry_seen_at.size(), 1u);
  EXPECT_EQ(entry_seen_at[0], 60);
  ASSERT_EQ(exit_seen_at.size(), 1u);
  EXPECT_EQ(exit_seen_at[0], 190);
  EXPECT_EQ(alerts[0].kind, FlightAlert::Kind::kEntry);
  EXPECT_NEAR(Secs(alerts[0].violation.entry.time), 25, 0.001);
  EXPECT_NEAR(Secs(alerts[1].violation.exit.time), 125, 0.001);
}

// Aircraft whose last fixes share a time are finished (and evicted) in icao24 order, whatever
// order they first appeared in: the order of their alerts is the input's, not the heap's.
TEST(LiveFlightMonitorTest, AircraftIdleSinceTheSameInstantFinishInIcaoOrder) {
  World w({{"sq", kSquare}}, false);
  for (const bool evict : {false, true}) {
    LiveFlightMonitor live(w.monitor());
    std::vector<FlightAlert> alerts;
    // Inside the square, the same fix times; "ffff0N" for N = 9..0 first seen in that order.
    for (int k = 0; k < 3; ++k) {
      for (int n = 9; n >= 0; --n) {
        Fix f{10.0 * k, 0.05, 0.02 + 0.01 * k};
        f.icao24 = fmt::format("ffff0{}", n);
        live.Add(ToPosition(f), alerts);
      }
    }
    if (evict) {
      // A fix of another aircraft an hour later evicts the ten, idle since 20 s.
      Fix later{3600, 0.5, 0.5};
      later.icao24 = "eeeeee";
      live.Add(ToPosition(later), alerts);
    } else {
      live.Finish(alerts);
    }
    std::vector<std::string> exits;
    for (const FlightAlert& a : alerts) {
      if (a.kind == FlightAlert::Kind::kExit) exits.push_back(a.violation.icao24);
    }
    ASSERT_EQ(exits.size(), 10u) << (evict ? "evicted" : "finished");
    EXPECT_TRUE(std::is_sorted(exits.begin(), exits.end()))
        << (evict ? "evicted: " : "finished: ") << fmt::format("{}", fmt::join(exits, " "));
  }
}

TEST(LiveFlightMonitorTest, LateAndDuplicatePositionsAreDroppedAndCounted) {
  World w({{"sq", kSquare}}, false);
  LiveFlightMonitor live(w.monitor());
  std::vector<FlightAlert> alerts;
  for (const Position& p : ToPositions(Line(0.05, -0.025, 0.01, 10))) live.Add(p, alerts);
  // 90 s is the latest; fixes up to 60 s have been released. 40 s is too late, 90 s a repeat.
  live.Add(ToPosition({40, 0.05, 0.5}), alerts);
  EXPECT_EQ(live.stats().late, 1u);
  live.Add(ToPosition({90, 0.05, 0.5}), alerts);
  live.Finish(alerts);
  EXPECT_EQ(live.stats().duplicates, 1u);
  EXPECT_EQ(live.stats().processed, 10u);
}

TEST(LiveFlightMonitorTest, MemoryStaysBoundedOverALongStream) {
  // 20,000 aircraft over about 55 hours, each seen for a few minutes: idle ones are forgotten.
  World w({{"sq", kSquare}}, true);
  LiveFlightMonitor live(w.monitor());
  std::vector<FlightAlert> alerts;
  size_t exits = 0;
  for (int a = 0; a < 20000; ++a) {
    char icao[7];
    std::snprintf(icao, sizeof icao, "%06x", a);
    for (int k = 0; k < 4; ++k) {
      Fix f{10.0 * a + 30.0 * k, 0.05, -0.02 + 0.03 * k};
      f.icao24 = icao;
      live.Add(ToPosition(f), alerts);
    }
    for (const FlightAlert& x : alerts) exits += x.kind == FlightAlert::Kind::kExit;
    alerts.clear();
  }
  live.Finish(alerts);
  for (const FlightAlert& x : alerts) exits += x.kind == FlightAlert::Kind::kExit;
  EXPECT_EQ(exits, 20000u);  // each entered the square once (and was lost inside)
  EXPECT_EQ(live.stats().processed, 80000u);
  // Active aircraft: those seen within max_gap (600 s) plus the window, at one per 10 s.
  EXPECT_LE(live.stats().max_active, 80u);
  EXPECT_LE(live.stats().max_buffered, 20u);
  EXPECT_GE(live.stats().evicted, 19900u);
}

}  // namespace
}  // namespace truce
