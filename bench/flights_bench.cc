// Positions per second through the whole no-fly monitor, against GEOS baselines on the same
// tracks and zones in the same run.
//
// Traffic: the Switzerland sample (842 aircraft, 139,098 positions, 1,244 tracks). Zones:
//   swiss  the test zones of tests/flight_test_zones.h over the sample's area (9 no-fly
//          versions, simple polygons, a hole, a band, a version change);
//   adm3   the 272 OCHA sub-districts of Syria (129,060 vertices) as no-fly zones, with the
//          same traffic moved onto Syria (its shape and spacing kept).
// Engines:
//   monitor/ZoneIndex        FlightMonitor::Detect over all tracks, with MakeZoneLocator();
//   monitor/GeosZoneLocator  the same monitor with the GEOS reference locator;
//   live/ZoneIndex           LiveFlightMonitor, positions one at a time in time order;
//   geos/naive               the baseline a GEOS user writes: every fix located with prepared
//                            covers (bounding-box prefilter), and where the status changes
//                            between fixes, the crossing from GEOS intersection of the segment
//                            with the boundary (misses corners clipped between fixes; no band,
//                            ground, or hysteresis);
//   geos/exact               the test oracle: every segment intersected with every boundary
//                            it may meet (what truce computes, done with GEOS).
// And the intake of the same file (docs/performance.md), each against the decompression floor:
//   intake/gunzip            zlib inflating the .json.gz alone (what `gzip -dc` does);
//   intake/parse             read, inflate and parse with ReadPositionsFile on one thread (the
//                            fast readers, the text streamed through a window);
//   intake/parse_whole       the same with the whole text inflated first (ReadTextFile, then
//                            ParsePositions);
//   intake/parse_reference   the same with ParsePositionsReference (nlohmann, record by record);
//   intake/tracks            intake/parse, then BuildTracks (end_to_end without the monitor);
//   intake/end_to_end        read, inflate, parse, build tracks and run the monitor over the
//                            swiss zones, on one thread;
//   intake/parse_ahead,      the same as what `truce flights` does: read and inflate on a second
//   intake/end_to_end_ahead  thread (ReadTextFileChunksAhead) while the first parses; measured in
//                            wall-clock time, and in CPU time of the whole process;
//   intake/judged_ahead      what `truce flights` does now: app::JudgeFlightFiles, the positions
//                            judged as they are read (at most --max-held's default held);
//   intake/judged_held4000   the same with at most about 4,000 positions held (the budget
//                            pressed all the time: tracks judged as the file's order allows);
//   intake/csv, csv_reference  the same positions as uncompressed OpenSky CSV, parsed.
// Prints Google Benchmark's table, then positions per second per engine (CPU time, one
// thread) and the ratio to geos/naive, then the intake's times against intake/gunzip: CPU
// time, and for the read-ahead engines wall-clock time (the goal, `truce flights` within 2x
// of `gzip -dc`, is a wall-clock one) and the CPU time of both threads. `--smoke` runs everything
// once on 100 tracks.
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>

#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bench_support.h"

#include "app/flights.h"
#include "flight_oracle.h"
#include "flight_test_zones.h"
#include "formats/geojson.h"
#include "formats/positions.h"
#include "formats/text_file.h"
#include "truce/flight_monitor.h"
#include "truce/zone_index.h"

namespace truce::bench {
namespace {

namespace fs = std::filesystem;
constexpr const char* kSwiss = "flights/traffic_collections_switzerland.json.gz";
constexpr const char* kAdm3 = "boundaries/ocha_cod_ab_syr_2016/syr_admin3.geojson";
// Moves the Swiss traffic (centred near 46.8 N 8.2 E) onto Syria (35.0 N 38.0 E).
constexpr double kShiftLat = 35.0 - 46.8, kShiftLng = 38.0 - 8.2;

std::vector<ZoneVersion> SwissZones() {
  auto doc = OrDie(formats::ParseJson(testing::kFlightTestZones, "flight_test_zones.h"));
  return OrDie(formats::ReadZoneVersions(doc, "flight_test_zones.h"));
}

std::vector<ZoneVersion> Adm3Zones() {
  const auto doc = OrDie(formats::ParseJson(OrDie(formats::ReadTextFile(DataPath(kAdm3))), kAdm3));
  std::vector<ZoneVersion> out;
  for (const auto& f : doc["features"]) {
    ZoneVersionSpec spec;
    spec.origin = kAdm3;
    spec.zone = f["properties"]["PCODE"].get<std::string>();
    spec.valid_from = *ParseUtcTime("2018-01-01");
    spec.rules.push_back(Rule{RuleKind::kNoFly, "", "", {}});
    std::vector<std::string> problems;
    if (!formats::ParseGeometry(f["geometry"], spec.origin, spec.shape, problems)) std::exit(1);
    out.push_back(OrDie(ZoneVersion::Create(std::move(spec))));
  }
  return out;
}

// The same traffic for both scenarios: truce's tracks and the oracle's.
struct Traffic {
  std::vector<Track> tracks;
  std::vector<Position> feed;  // every fix, in time order (for live mode)
  std::vector<testing::OracleTrack> oracle;
  size_t positions = 0;
};

Traffic LoadTraffic(size_t max_tracks, bool shift) {
  const std::string text = OrDie(formats::ReadTextFile(DataPath(kSwiss)));
  Traffic t;
  auto batch = OrDie(formats::ParsePositions(text, kSwiss));
  t.tracks = BuildTracks(std::move(batch.positions));
  t.oracle = testing::OracleTracksFromTraffic(text, std::chrono::minutes(10));
  if (t.tracks.size() > max_tracks) t.tracks.resize(max_tracks);
  if (t.oracle.size() > max_tracks) t.oracle.resize(max_tracks);
  for (Track& track : t.tracks) {
    for (Position& p : track.positions) {
      if (shift) p.where = LatLng(p.where.lat() + kShiftLat, p.where.lng() + kShiftLng);
      t.feed.push_back(p);
    }
    t.positions += track.positions.size();
  }
  if (shift) {
    for (auto& track : t.oracle) {
      for (auto& f : track.fixes) f.lat += kShiftLat, f.lng += kShiftLng;
    }
  }
  std::stable_sort(t.feed.begin(), t.feed.end(),
                   [](const Position& a, const Position& b) { return a.time < b.time; });
  return t;
}

struct Scenario {
  std::string name;
  std::vector<ZoneVersion> zones;
  Traffic traffic;
  std::unique_ptr<ZoneLocator> index, geos;
  std::unique_ptr<FlightMonitor> with_index, with_geos;
  std::unique_ptr<testing::GeosOracle> oracle;
};

int Main(int argc, char** argv) {
  const bool smoke = InitializeWithSmokeFlag(argc, argv);
  for (const char* needed : {kSwiss, kAdm3}) {
    if (!fs::exists(DataPath(needed))) {
      std::printf("flights_bench: skipped, corpus file %s not found (set TRUCE_SHARED_DATA)\n",
                  DataPath(needed).c_str());
      return 0;
    }
  }
  const size_t max_tracks = smoke ? 100 : SIZE_MAX;
  std::vector<std::unique_ptr<Scenario>> scenarios;
  for (const bool syria : {false, true}) {
    auto s = std::make_unique<Scenario>();
    s->name = syria ? "adm3" : "swiss";
    s->zones = syria ? Adm3Zones() : SwissZones();
    s->traffic = LoadTraffic(max_tracks, syria);
    s->index = MakeZoneLocator(s->zones);
    s->geos = std::make_unique<GeosZoneLocator>(s->zones);
    s->with_index = std::make_unique<FlightMonitor>(s->zones, *s->index);
    s->with_geos = std::make_unique<FlightMonitor>(s->zones, *s->geos);
    s->oracle = std::make_unique<testing::GeosOracle>(s->zones);
    size_t vertices = 0;
    for (const ZoneVersion& v : s->zones) vertices += v.shape().VertexCount();
    // Both locators must give the same violations; the counts say what the run computed.
    const auto a = s->with_index->Detect(s->traffic.tracks);
    const auto b = s->with_geos->Detect(s->traffic.tracks);
    std::vector<UtcTime> times;
    size_t naive = 0;
    for (const auto& t : s->traffic.oracle) naive += s->oracle->NaiveCrossings(t, times);
    std::vector<testing::OracleInterval> stays;
    for (const auto& t : s->traffic.oracle) s->oracle->Intervals(t, stays);
    std::printf(
        "%s: %zu zone versions (%zu vertices), %zu tracks, %zu positions; violations "
        "%zu (ZoneIndex) %zu (GEOS locator); GEOS exact stays %zu, naive crossings %zu\n",
        s->name.c_str(), s->zones.size(), vertices, s->traffic.tracks.size(), s->traffic.positions,
        a.size(), b.size(), stays.size(), naive);
    if (a.size() != b.size()) {
      std::fprintf(stderr, "flights_bench: the two locators disagree\n");
      return 1;
    }
    scenarios.push_back(std::move(s));
  }

  for (auto& sp : scenarios) {
    Scenario* s = sp.get();
    const double n = static_cast<double>(s->traffic.positions);
    auto reg = [&](const std::string& engine, auto body) {
      benchmark::RegisterBenchmark((s->name + "/" + engine).c_str(), [s, n, body](
                                                                         benchmark::State& state) {
        for (auto _ : state) benchmark::DoNotOptimize(body(*s));
        state.counters["positions"] = n;
        state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * static_cast<int64_t>(n)));
      })->Unit(benchmark::kMillisecond);
    };
    reg("monitor/ZoneIndex",
        [](Scenario& x) { return x.with_index->Detect(x.traffic.tracks).size(); });
    reg("monitor/GeosZoneLocator",
        [](Scenario& x) { return x.with_geos->Detect(x.traffic.tracks).size(); });
    reg("live/ZoneIndex", [](Scenario& x) {
      LiveFlightMonitor live(*x.with_index);
      std::vector<FlightAlert> alerts;
      size_t count = 0;
      for (const Position& p : x.traffic.feed) {
        live.Add(p, alerts);
        count += alerts.size();
        alerts.clear();
      }
      live.Finish(alerts);
      return count + alerts.size();
    });
    reg("geos/naive", [](Scenario& x) {
      std::vector<UtcTime> times;
      size_t count = 0;
      for (const auto& t : x.traffic.oracle) count += x.oracle->NaiveCrossings(t, times);
      return count;
    });
    reg("geos/exact", [](Scenario& x) {
      std::vector<testing::OracleInterval> stays;
      for (const auto& t : x.traffic.oracle) x.oracle->Intervals(t, stays);
      return stays.size();
    });
  }

  // The intake, on the whole file whatever --smoke says (one iteration is a fraction of a second).
  static std::string compressed, csv;
  {
    std::ifstream in(DataPath(kSwiss), std::ios::binary);
    compressed.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    const std::string text = OrDie(formats::ReadTextFile(DataPath(kSwiss)));
    csv =
        "time,icao24,lat,lon,velocity,heading,vertrate,callsign,onground,alert,spi,squawk,"
        "baroaltitude,geoaltitude,lastposupdate,lastcontact\n";
    for (const auto& r : OrDie(formats::ParseJson(text, kSwiss))) {
      auto field = [](const nlohmann::json& v, double scale) {
        return v.is_null() ? std::string() : fmt::format("{}", v.get<double>() * scale);
      };
      csv += fmt::format("{},{},{},{},,,,{},False,,,,{},,,\n", field(r["timestamp"], 1e-3),
                         r["icao24"].get<std::string>(), field(r["latitude"], 1),
                         field(r["longitude"], 1), r.value("callsign", std::string()),
                         field(r.value("altitude", nlohmann::json()), 0.3048));
    }
  }
  const double intake_n = static_cast<double>(OrDie(formats::ParsePositions(csv, "s.csv")).records);
  auto intake = [&](const char* name, auto body, bool two_threads = false) {
    auto* b = benchmark::RegisterBenchmark(name, [intake_n, body](benchmark::State& state) {
      for (auto _ : state) benchmark::DoNotOptimize(body());
      state.counters["positions"] = intake_n;
      state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(intake_n));
    });
    b->Unit(benchmark::kMillisecond);
    if (two_threads) b->UseRealTime()->MeasureProcessCPUTime();
  };
  static const formats::PositionStreamOptions kOneThread{.read_ahead = false};
  const FlightMonitor* swiss_monitor = scenarios.front()->with_index.get();
  intake("intake/gunzip",
         [] { return OrDie(formats::Gunzip(compressed, kSwiss, formats::ReadLimits{})).size(); });
  intake("intake/parse", [] {
    return OrDie(formats::ReadPositionsFile(DataPath(kSwiss), kOneThread)).positions.size();
  });
  intake("intake/parse_whole", [] {
    return OrDie(formats::ParsePositions(OrDie(formats::ReadTextFile(DataPath(kSwiss))), kSwiss))
        .positions.size();
  });
  intake("intake/parse_reference", [] {
    return OrDie(formats::ParsePositionsReference(OrDie(formats::ReadTextFile(DataPath(kSwiss))),
                                                  kSwiss))
        .positions.size();
  });
  intake("intake/tracks", [] {
    auto batch = OrDie(formats::ReadPositionsFile(DataPath(kSwiss), kOneThread));
    return BuildTracks(std::move(batch.positions)).size();
  });
  intake("intake/end_to_end", [swiss_monitor] {
    auto batch = OrDie(formats::ReadPositionsFile(DataPath(kSwiss), kOneThread));
    return swiss_monitor->Detect(BuildTracks(std::move(batch.positions))).size();
  });
  intake(
      "intake/parse_ahead",
      [] { return OrDie(formats::ReadPositionsFile(DataPath(kSwiss))).positions.size(); }, true);
  intake(
      "intake/end_to_end_ahead",
      [swiss_monitor] {
        auto batch = OrDie(formats::ReadPositionsFile(DataPath(kSwiss)));
        return swiss_monitor->Detect(BuildTracks(std::move(batch.positions))).size();
      },
      true);
  for (const auto& [name, budget] : {std::pair{"intake/judged_ahead", app::FlightJudgeOptions{}},
                                     {"intake/judged_held4000", app::FlightJudgeOptions{4000}}}) {
    intake(
        name,
        [swiss_monitor, budget] {
          auto judged = OrDie(app::JudgeFlightFiles({DataPath(kSwiss)}, *swiss_monitor, budget));
          if (judged.read_whole) throw std::runtime_error("the judge was spoiled");
          return judged.violations.size();
        },
        true);
  }
  intake("intake/csv",
         [] { return OrDie(formats::ParsePositions(csv, "s.csv")).positions.size(); });
  intake("intake/csv_reference",
         [] { return OrDie(formats::ParsePositionsReference(csv, "s.csv")).positions.size(); });

  RateReporter reporter("positions");
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();

  std::printf(
      "\nsummary: positions per second per core (CPU time, one thread), ratio to "
      "geos/naive\n");
  for (const auto& s : scenarios) {
    const auto base = reporter.rates.find(s->name + "/geos/naive");
    for (const char* engine : {"monitor/ZoneIndex", "monitor/GeosZoneLocator", "live/ZoneIndex",
                               "geos/naive", "geos/exact"}) {
      const auto r = reporter.rates.find(s->name + "/" + engine);
      if (r == reporter.rates.end()) continue;
      std::printf("  %-6s %-24s %12.0f  x%.2f\n", s->name.c_str(), engine, r->second,
                  base == reporter.rates.end() ? 0.0 : r->second / base->second);
    }
  }
  const auto floor = reporter.rates.find("intake/gunzip");
  std::printf("\nintake: positions per second per core, and time relative to intake/gunzip\n");
  for (const char* engine :
       {"intake/gunzip", "intake/parse", "intake/parse_whole", "intake/parse_reference",
        "intake/tracks", "intake/end_to_end", "intake/csv", "intake/csv_reference"}) {
    const auto r = reporter.rates.find(engine);
    if (r == reporter.rates.end()) continue;
    std::printf("  %-24s %12.0f  %.2fx the gunzip time\n", engine, r->second,
                floor == reporter.rates.end() ? 0.0 : floor->second / r->second);
  }
  // gunzip runs on one thread, so its wall-clock time is its CPU time give or take the
  // machine's other load; both are printed.
  const auto wall_floor = reporter.wall_rates.find("intake/gunzip");
  std::printf(
      "\nintake, reading ahead on a second thread: wall-clock time relative to intake/gunzip's "
      "wall-clock time, and CPU time of the process relative to gunzip's CPU time\n");
  // Google Benchmark names a run by its options too.
  auto named = [](const std::map<std::string, double>& rates, const std::string& engine) {
    const auto r = rates.find(engine);
    return r != rates.end() ? r : rates.find(engine + "/process_time/real_time");
  };
  for (const char* engine : {"intake/gunzip", "intake/parse_ahead", "intake/end_to_end_ahead",
                             "intake/judged_ahead", "intake/judged_held4000"}) {
    const auto wall = named(reporter.wall_rates, engine);
    const auto cpu = named(reporter.rates, engine);
    if (wall == reporter.wall_rates.end() || cpu == reporter.rates.end()) continue;
    std::printf("  %-24s %12.0f  %.2fx the gunzip wall time, %.2fx its CPU time\n", engine,
                wall->second,
                wall_floor == reporter.wall_rates.end() ? 0.0 : wall_floor->second / wall->second,
                floor == reporter.rates.end() ? 0.0 : floor->second / cpu->second);
  }
  if (const auto e2e = named(reporter.wall_rates, "intake/end_to_end_ahead");
      e2e != reporter.wall_rates.end() && wall_floor != reporter.wall_rates.end()) {
    std::printf("ratio_end_to_end_vs_gunzip_wall=%.2f\n", wall_floor->second / e2e->second);
  }
  if (const auto judged = named(reporter.wall_rates, "intake/judged_ahead");
      judged != reporter.wall_rates.end() && wall_floor != reporter.wall_rates.end()) {
    std::printf("ratio_judged_vs_gunzip_wall=%.2f\n", wall_floor->second / judged->second);
  }
  return 0;
}

}  // namespace
}  // namespace truce::bench

int main(int argc, char** argv) {
  try {
    return truce::bench::Main(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "flights_bench: %s\n", e.what());
    return 1;
  }
}
