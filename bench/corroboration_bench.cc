// Reports per second clustered into incidents, against the all-pairs method on a sample in the
// same run (docs/corroboration.md).
//
// Data: the Syrian Archive's 136 located chemical-weapons reports (33 sources, 13 places,
// August 2013), replicated: each copy is moved to a random place in Syria and a random day of
// 2011-2030, and each report in it jittered by up to 300 m, a quarter given a minute-precise
// time of day. A copy forms about three incidents, as the original does; copies that land close
// in place and time merge, as real events would.
// Engines:
//   grid/batch        Corroborator::AddReports over all reports at once (the space-time grid
//                     and union-find);
//   grid/incremental  the same, one report per call, in arrival order (the server's case);
//   grid/graded       AddReports and Incidents(): every incident built and graded;
//   allpairs          ClusterAllPairs: every pair tested with the same criterion (the baseline),
//                     on a sample, with grid/batch on the same sample for the ratio.
// Prints Google Benchmark's table, then reports per second per engine (CPU time, one thread),
// the ratio to all pairs on the sample, and what all pairs would take on the full set (it is
// quadratic). Fails if the grid and all pairs disagree on the sample. `--smoke` runs
// everything once on 5,000 reports (a 1,000-report sample).
#include <cstdio>
#include <filesystem>
#include <random>
#include <set>

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include "bench_support.h"
#include "formats/reports.h"
#include "formats/text_file.h"
#include "truce/incident.h"

namespace truce::bench {
namespace {

constexpr const char* kArchive = "incidents/syrian_archive_chemical_weapons_2013_2014.csv";

size_t total_reports = 1'000'000;
size_t sample_reports = 20'000;

struct Data {
  Scenario scenario = OrDie(Scenario::Create(ScenarioSpec{}));
  std::vector<Report> reports;
  std::vector<ReportEntry> entries;
};

Data& TheData() {
  static Data* data = [] {
    auto* d = new Data;
    const auto archive =
        OrDie(formats::ParseReports(OrDie(formats::ReadTextFile(DataPath(kArchive))), kArchive));
    std::mt19937_64 rng(2017);
    std::uniform_real_distribution<double> unit(0, 1);
    const UtcTime first_day = *ParseUtcTime("2011-01-01");
    d->reports.reserve(total_reports);
    for (size_t copy = 0; d->reports.size() < total_reports; ++copy) {
      // Syria lies within about 32.5-37.0 N, 36.0-42.0 E; the archive centres on 33.5 N 36.3 E.
      const double dlat = 32.7 + unit(rng) * 4.1 - 33.5;
      const double dlng = 36.0 + unit(rng) * 5.8 - 36.3;
      const auto day = std::chrono::days(static_cast<int>(unit(rng) * 7300));
      for (const Report& original : archive.reports) {
        if (d->reports.size() == total_reports) break;
        ReportSpec s = original.spec();
        s.origin = "";
        s.notes.clear();
        s.extra.clear();
        s.event_id = fmt::format("{}/{}", original.event_id(), copy);
        s.event_date = first_day + day + (s.event_date - *ParseUtcTime("2013-08-20"));
        s.latitude += dlat + (unit(rng) - 0.5) * 0.0054;   // +-300 m
        s.longitude += dlng + (unit(rng) - 0.5) * 0.0065;  // +-300 m at 35 N
        if (unit(rng) < 0.25)
          s.time_of_day = std::chrono::minutes(static_cast<int>(unit(rng) * 1440));
        d->reports.push_back(OrDie(Report::Create(std::move(s))));
      }
    }
    for (size_t i = 0; i < d->reports.size(); ++i) {
      d->entries.push_back(ReportEntry{&d->reports[i], i, "", false});
    }
    return d;
  }();
  return *data;
}

void BM_GridBatch(benchmark::State& state) {
  Data& d = TheData();
  const size_t n = static_cast<size_t>(state.range(0));
  size_t components = 0;
  for (auto _ : state) {
    Corroborator c(d.scenario);
    c.AddReports(std::span(d.entries).first(n));
    state.PauseTiming();
    components = c.Stats().components;  // builds the incidents: not what is timed here
    state.ResumeTiming();
  }
  state.counters["reports"] = static_cast<double>(n);
  state.counters["components"] = static_cast<double>(components);
}

void BM_GridIncremental(benchmark::State& state) {
  Data& d = TheData();
  const size_t n = static_cast<size_t>(state.range(0));
  for (auto _ : state) {
    Corroborator c(d.scenario);
    for (size_t i = 0; i < n; ++i) c.AddReports(std::span(d.entries).subspan(i, 1));
  }
  state.counters["reports"] = static_cast<double>(n);
}

void BM_GridGraded(benchmark::State& state) {
  Data& d = TheData();
  const size_t n = static_cast<size_t>(state.range(0));
  size_t incidents = 0;
  for (auto _ : state) {
    Corroborator c(d.scenario);
    c.AddReports(std::span(d.entries).first(n));
    incidents = c.Incidents().size();
  }
  state.counters["reports"] = static_cast<double>(n);
  state.counters["incidents"] = static_cast<double>(incidents);
}

void BM_AllPairs(benchmark::State& state) {
  Data& d = TheData();
  const size_t n = static_cast<size_t>(state.range(0));
  std::vector<const Report*> sample;
  for (size_t i = 0; i < n; ++i) sample.push_back(&d.reports[i]);
  size_t groups = 0;
  for (auto _ : state) {
    groups = ClusterAllPairs(sample, d.scenario.corroboration()).size();
  }
  state.counters["reports"] = static_cast<double>(n);
  state.counters["components"] = static_cast<double>(groups);
}

// The grid and all pairs must find the same groups on the sample.
bool SameGroupsOnTheSample() {
  Data& d = TheData();
  std::vector<const Report*> sample;
  for (size_t i = 0; i < sample_reports; ++i) sample.push_back(&d.reports[i]);
  std::set<std::vector<std::string>> pairs, grid;
  for (const auto& g : ClusterAllPairs(sample, d.scenario.corroboration())) {
    std::vector<std::string> ids;
    for (size_t i : g) ids.push_back(d.reports[i].event_id());
    pairs.insert(std::move(ids));
  }
  Corroborator c(d.scenario);
  c.AddReports(std::span(d.entries).first(sample_reports));
  for (const Incident* i : c.Incidents()) {
    std::vector<std::string> ids;
    for (const Report* r : i->reports) ids.push_back(r->event_id());
    std::sort(ids.begin(), ids.end(),
              [&](const std::string& a, const std::string& b) { return a < b; });
    grid.insert(std::move(ids));
  }
  // ClusterAllPairs lists indices in input order; compare as sets of sorted ids.
  std::set<std::vector<std::string>> pairs_sorted;
  for (auto ids : pairs) {
    std::sort(ids.begin(), ids.end());
    pairs_sorted.insert(std::move(ids));
  }
  std::printf("sample of %zu reports: %zu groups by all pairs, %zu by the grid\n", sample_reports,
              pairs_sorted.size(), grid.size());
  return pairs_sorted == grid;
}

}  // namespace
}  // namespace truce::bench

int main(int argc, char** argv) {
  using namespace truce::bench;
  const bool smoke = InitializeWithSmokeFlag(argc, argv);
  if (!std::filesystem::exists(DataPath(kArchive))) {
    std::printf("corroboration_bench: skipped, corpus not found: %s\n", DataPath(kArchive).c_str());
    return 0;
  }
  if (smoke) total_reports = 5'000, sample_reports = 1'000;
  const auto n = static_cast<int64_t>(total_reports);
  const auto s = static_cast<int64_t>(sample_reports);
  benchmark::RegisterBenchmark("grid/batch", BM_GridBatch)
      ->Arg(n)
      ->Arg(s)
      ->Iterations(1)
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("grid/incremental", BM_GridIncremental)
      ->Arg(n)
      ->Iterations(1)
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("grid/graded", BM_GridGraded)
      ->Arg(n)
      ->Iterations(1)
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("allpairs", BM_AllPairs)
      ->Arg(s)
      ->Iterations(1)
      ->Unit(benchmark::kMillisecond);
  TheData();  // build the reports before anything is timed
  RateReporter reporter("reports");
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();

  const auto rate = [&](const std::string& name) {
    const auto it = reporter.rates.find(name);
    return it == reporter.rates.end() ? 0.0 : it->second;
  };
  const double batch = rate(fmt::format("grid/batch/{}/iterations:1", n));
  const double batch_sample = rate(fmt::format("grid/batch/{}/iterations:1", s));
  const double pairs = rate(fmt::format("allpairs/{}/iterations:1", s));
  std::printf("\nreports per CPU second, one thread:\n");
  for (const auto& [name, r] : reporter.rates) std::printf("  %-40s %12.0f\n", name.c_str(), r);
  if (batch > 0) {
    std::printf("grid/batch: %zu reports in %.2f s\n", total_reports,
                static_cast<double>(total_reports) / batch);
  }
  if (pairs > 0) {
    std::printf(
        "on the %zu-report sample: grid %.0f reports/s, all pairs %.0f reports/s, "
        "ratio %.1f\n",
        sample_reports, batch_sample, pairs, batch_sample / pairs);
    const double pairs_full =
        static_cast<double>(sample_reports) / pairs *
        std::pow(static_cast<double>(total_reports) / static_cast<double>(sample_reports), 2);
    std::printf(
        "all pairs on all %zu reports would take about %.0f s (quadratic), the grid "
        "%.2f s\n",
        total_reports, pairs_full, static_cast<double>(total_reports) / batch);
  }
  if (!SameGroupsOnTheSample()) {
    std::fprintf(stderr, "corroboration_bench: the grid and all pairs disagree on the sample\n");
    return 1;
  }
  return 0;
}
