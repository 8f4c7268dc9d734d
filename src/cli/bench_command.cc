// truce bench zones [PATH]: truce's zone index against GEOS on the user's own zones.
//
// Uniform random points in the zones' bounding box, each at the start of a randomly chosen
// version's validity (so the time filter matters as it does in use), located by both engines
// through the ZoneLocator port, one point at a time, on one thread. The answers must agree on
// every point: otherwise the command names the first point where they differ and exits 1.
// Ends with three machine-readable lines: truce_lookups_per_s=N, geos_lookups_per_s=N,
// ratio_vs_geos=X.
#include <time.h>

#include <algorithm>
#include <random>

#include <fmt/format.h>

#include "command.h"
#include "formats/scenario_reader.h"
#include "truce/zone_index.h"
#include "truce/zone_lookup.h"

namespace truce::cli {
namespace {

struct BenchOptions {
  std::string path = "scenarios/astana-2017";
  size_t points = 1'000'000;
  uint64_t seed = 20170504;
};

// CPU time of this thread: lookups per second per core, whatever else the machine runs.
double ThreadSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

struct Probe {
  LatLng p;
  UtcTime t;
};

// Locates every probe once, repeating the whole pass until at least `min_seconds` of CPU time
// have gone by; returns lookups per second and the answers of the last pass.
double Measure(const ZoneLocator& locator, const std::vector<Probe>& probes, double min_seconds,
               std::vector<std::vector<const ZoneVersion*>>& answers) {
  answers.assign(probes.size(), {});
  std::vector<const ZoneVersion*> hits;
  size_t lookups = 0, checksum = 0;
  const double start = ThreadSeconds();
  double elapsed = 0;
  do {
    for (const Probe& probe : probes) {
      locator.Locate(probe.p, probe.t, hits);
      checksum += hits.size();
    }
    lookups += probes.size();
    elapsed = ThreadSeconds() - start;
  } while (elapsed < min_seconds);
  for (size_t i = 0; i < probes.size(); ++i) locator.Locate(probes[i].p, probes[i].t, answers[i]);
  volatile size_t sink = checksum;  // keeps the timed loop from being optimised away
  (void)sink;
  return static_cast<double>(lookups) / std::max(elapsed, 1e-9);
}

std::string Names(const std::vector<const ZoneVersion*>& versions) {
  std::string out;
  for (const ZoneVersion* v : versions) out += (out.empty() ? "" : ", ") + v->Label();
  return out.empty() ? "none" : out;
}

int Run(const BenchOptions& o) {
  auto scenario = formats::LoadScenario(o.path);
  if (!scenario.ok()) return ReportError(scenario.error());
  const std::vector<ZoneVersion>& versions = scenario->zone_versions();
  if (versions.empty()) {
    return ReportError(
        MakeError(ErrorCode::kInvalidInput, o.path + ": no zone versions to benchmark"));
  }
  LatLngRect box;
  size_t vertices = 0;
  std::vector<UtcTime> starts;
  for (const ZoneVersion& v : versions) {
    box.Extend(v.bounds());
    vertices += v.shape().VertexCount();
    starts.push_back(v.validity().begin());
  }
  std::sort(starts.begin(), starts.end());
  starts.erase(std::unique(starts.begin(), starts.end()), starts.end());

  std::mt19937_64 rng(o.seed);
  std::uniform_real_distribution<double> lat(box.lat_lo, box.lat_hi), lng(box.lng_lo, box.lng_hi);
  std::uniform_int_distribution<size_t> pick(0, starts.size() - 1);
  std::vector<Probe> probes;
  probes.reserve(o.points);
  for (size_t i = 0; i < o.points; ++i) {
    probes.push_back(Probe{LatLng(lat(rng), lng(rng)), starts[pick(rng)]});
  }

  double t0 = ThreadSeconds();
  const ZoneIndex index(versions);
  const double truce_build = ThreadSeconds() - t0;
  t0 = ThreadSeconds();
  const GeosZoneLocator geos(versions);
  const double geos_build = ThreadSeconds() - t0;

  std::vector<std::vector<const ZoneVersion*>> truce_answers, geos_answers;
  // GEOS first: its prepared indexes are built on first use, inside its timed pass.
  const double geos_rate = Measure(geos, probes, 0.0, geos_answers);
  const double truce_rate = Measure(index, probes, 0.5, truce_answers);

  fmt::print("zones: {}: {} versions, {} vertices, lat {:.4f}..{:.4f}, lon {:.4f}..{:.4f}\n",
             o.path, versions.size(), vertices, box.lat_lo, box.lat_hi, box.lng_lo, box.lng_hi);
  fmt::print("points: {} uniform in that box (seed {}), each at one of the {} validity starts\n",
             probes.size(), o.seed, starts.size());
  fmt::print("\n{:<34} {:>10} {:>12} {:>16} {:>8}\n", "engine", "build ms", "index MiB",
             "lookups/s/core", "x GEOS");
  fmt::print("{:<34} {:>10.1f} {:>12.2f} {:>16.0f} {:>8.1f}\n", "truce ZoneIndex",
             truce_build * 1e3, index.stats().bytes / 1048576.0, truce_rate,
             truce_rate / geos_rate);
  fmt::print("{:<34} {:>10.1f} {:>12} {:>16.0f} {:>8.1f}\n", "GEOS prepared geometry + STRtree",
             geos_build * 1e3, "-", geos_rate, 1.0);
  fmt::print("(GEOS builds its prepared indexes during its first lookups, inside its timing.)\n");

  size_t covered = 0;
  for (size_t i = 0; i < probes.size(); ++i) {
    if (truce_answers[i] != geos_answers[i]) {
      fmt::print(stderr,
                 "error: truce and GEOS disagree at point {} (lat {:.17g}, lon {:.17g}) at {}: "
                 "truce {}, GEOS {}\n",
                 i + 1, probes[i].p.lat(), probes[i].p.lng(), FormatUtcTime(probes[i].t),
                 Names(truce_answers[i]), Names(geos_answers[i]));
      return kExitBadInput;
    }
    covered += !truce_answers[i].empty();
  }
  fmt::print("\nanswers: identical on all {} points ({} in a zone version in force)\n",
             probes.size(), covered);
  fmt::print("truce_lookups_per_s={:.0f}\ngeos_lookups_per_s={:.0f}\nratio_vs_geos={:.2f}\n",
             truce_rate, geos_rate, truce_rate / geos_rate);
  return kExitOk;
}

}  // namespace

void AddBenchCommand(CLI::App& app, Action& action) {
  CLI::App* bench = app.add_subcommand("bench", "Benchmarks on your own data");
  bench->require_subcommand(1);
  CLI::App* cmd = bench->add_subcommand(
      "zones",
      "Zone lookup speed of truce's index against GEOS on uniform random points over the "
      "zones, with every answer checked to agree");
  auto o = std::make_shared<BenchOptions>();
  cmd->add_option("PATH", o->path, "Scenario directory or zones GeoJSON file")
      ->capture_default_str();
  cmd->add_option("--points", o->points, "How many random points")
      ->check(CLI::Range(size_t{1}, size_t{100'000'000}))
      ->capture_default_str();
  cmd->add_option("--seed", o->seed, "Seed of the random points")->capture_default_str();
  cmd->callback([&action, o] { action = [o] { return Run(*o); }; });
  AddBenchIngestCommand(*bench, action);
}

}  // namespace truce::cli
