// Reports per CPU second through ReportEvaluator (the verdicts of `truce evaluate`), the fast
// path against the reference computation in the same run (docs/performance.md "Report
// evaluation").
//
// Data: the Syrian Archive's 136 located chemical-weapons reports (Eastern Ghouta, August
// 2013; 10 km discs), replicated: each copy on one random day from 2017-05-06 over 600 days
// (so that the zones are in force), each report in it jittered by up to ~300 m. Seed 2017:
// the same reports on every run.
//   evaluate_bench --write-csv FILE [--reports N]   writes them as the archive's CSV (the input
//                                                   of `truce evaluate`), N = 1,000,000 by
//                                                   default, and exits;
//   evaluate_bench [--smoke] [benchmark flags]      the benchmarks below.
// Engines:
//   evaluate/fast       ReportEvaluator with the default options (the share in the disc's
//                       equal-area plane, src/core/disc_share.h);
//   evaluate/polygon    the default options but the plane share: the 128-gon's share, with
//                       the shortcuts that keep it bit-equal to the reference;
//   evaluate/reference  EvaluatorOptions::Reference(): every disc polygon by 128 Direct calls,
//                       no planar prefilter, on the same reports;
//   evaluate/fast_ocha_adm1, evaluate/reference_ocha_adm1
//                       the two on a tenth of the reports, against zones with real boundaries
//                       of thousands of vertices (tests/ocha_damascus.h).
// Prints Google Benchmark's table, then reports per CPU second per engine (one thread), the
// ratio, and the CPU seconds a million reports take. Fails unless the three engines give the
// same violations and verdicts on the first 20,000 reports, `polygon` the reference's fractions
// to the last bit and `fast` within 0.001 of them (it prints how many of them would be written
// differently, at 4 decimals). `--smoke` runs everything once on 1,000 reports.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <string>

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include "bench_support.h"
#include "formats/csv.h"
#include "formats/records.h"
#include "formats/reports.h"
#include "formats/scenario_reader.h"
#include "formats/text_file.h"
#include "ocha_damascus.h"
#include "truce/verdict.h"

namespace truce::bench {
namespace {

constexpr const char* kArchive = "incidents/syrian_archive_chemical_weapons_2013_2014.csv";

size_t total_reports = 20'000;
size_t sample_reports = 20'000;

// The archive's CSV text replicated and jittered: `n` data rows after the archive's header.
std::string ReplicatedArchive(size_t n) {
  const std::string text = OrDie(formats::ReadTextFile(DataPath(kArchive)));
  formats::CsvReader reader(text, kArchive);
  if (auto h = reader.ReadHeader(); !h.ok()) OrDie(Result<int>(h.error()));
  const size_t id = *reader.Column("unique_event_ID"), lat = *reader.Column("geo_latitude"),
               lng = *reader.Column("geo_longitude"), when = *reader.Column("date_time");
  std::vector<std::vector<std::string>> rows;
  for (formats::CsvRecord row; OrDie(reader.Next(row));) {
    // The 136 located rows (two have no coordinates, and the reader would refuse them).
    if (!row.fields[lat].empty() && !row.fields[lng].empty()) rows.push_back(row.fields);
  }
  std::string out = formats::CsvJoin(reader.header()) + "\n";
  std::mt19937_64 rng(2017);
  std::uniform_real_distribution<double> unit(0, 1);
  const std::chrono::sys_days first_day =
      std::chrono::year_month_day{std::chrono::year{2017}, std::chrono::May, std::chrono::day{6}};
  for (size_t copy = 0, written = 0; written < n; ++copy) {
    const std::chrono::year_month_day day{first_day +
                                          std::chrono::days(static_cast<int>(unit(rng) * 600))};
    for (std::vector<std::string> fields : rows) {
      if (written == n) break;
      fields[id] = fmt::format("{}/{}", fields[id], copy);
      fields[lat] = fmt::format("{:.7f}", std::stod(fields[lat]) + (unit(rng) - 0.5) * 0.0054);
      fields[lng] = fmt::format("{:.7f}", std::stod(fields[lng]) + (unit(rng) - 0.5) * 0.0065);
      fields[when] = fmt::format("{:02d}/{:02d}/{:02d} 12:00 AM", unsigned{day.month()},
                                 unsigned{day.day()}, int{day.year()} % 100);
      out += formats::CsvJoin(fields) + "\n";
      ++written;
    }
  }
  return out;
}

struct Data {
  Scenario scenario = OrDie(formats::LoadScenario(TRUCE_SOURCE_DIR "/scenarios/astana-2017"));
  Scenario ocha = OrDie(testing::OchaDamascusScenario(
      OrDie(formats::ReadTextFile(DataPath(testing::kOchaAdmin1))), testing::kOchaAdmin1));
  std::vector<Report> reports;
};

Data& TheData() {
  static Data* data = [] {
    auto* d = new Data;
    auto batch = OrDie(formats::ParseReports(ReplicatedArchive(total_reports), "replicated"));
    if (!batch.rejected.empty()) {
      std::fprintf(stderr, "error: %s\n", batch.rejected.front().reasons.front().c_str());
      std::exit(1);
    }
    d->reports = std::move(batch.reports);
    return d;
  }();
  return *data;
}

void Evaluate(benchmark::State& state, EvaluatorOptions options, size_t n, bool ocha = false) {
  Data& d = TheData();
  n = std::min(n, d.reports.size());
  size_t violations = 0;
  for (auto _ : state) {
    const ReportEvaluator evaluator(ocha ? d.ocha : d.scenario, options);
    violations = 0;
    for (size_t i = 0; i < n; ++i) violations += evaluator.Evaluate(d.reports[i]).size();
  }
  state.counters["reports"] = static_cast<double>(n);
  state.counters["violations"] = static_cast<double>(violations);
}

void BM_Fast(benchmark::State& state) { Evaluate(state, {}, total_reports); }
void BM_Polygon(benchmark::State& state) { Evaluate(state, {.plane_share = false}, total_reports); }
void BM_Reference(benchmark::State& state) {
  Evaluate(state, EvaluatorOptions::Reference(), total_reports);
}
// The OCHA zones: the reference is slow there, so both run on a tenth of the reports.
void BM_FastOcha(benchmark::State& state) { Evaluate(state, {}, total_reports / 10, true); }
void BM_ReferenceOcha(benchmark::State& state) {
  Evaluate(state, EvaluatorOptions::Reference(), total_reports / 10, true);
}

// The engines on the sample: the same violations and verdicts, in the same order; `polygon`'s
// fractions bit-equal to the reference's, `fast`'s within 0.001.
bool SameVerdictsOnTheSample() {
  Data& d = TheData();
  const ReportEvaluator fast(d.scenario), polygon(d.scenario, {.plane_share = false}),
      reference(d.scenario, EvaluatorOptions::Reference());
  size_t compared = 0, written_apart = 0;
  double worst = 0;
  for (size_t i = 0; i < std::min(sample_reports, d.reports.size()); ++i) {
    const auto a = fast.Evaluate(d.reports[i]), p = polygon.Evaluate(d.reports[i]),
               b = reference.Evaluate(d.reports[i]);
    bool same = a.size() == b.size() && p.size() == b.size();
    for (size_t j = 0; same && j < a.size(); ++j) {
      same = a[j].version == b[j].version && a[j].rule == b[j].rule &&
             a[j].verdict == b[j].verdict && p[j].verdict == b[j].verdict &&
             std::memcmp(&p[j].fraction, &b[j].fraction, sizeof(double)) == 0 &&
             std::abs(a[j].fraction - b[j].fraction) <= 1e-3;
      worst = std::max(worst, std::abs(a[j].fraction - b[j].fraction));
      written_apart += formats::RoundTo4(a[j].fraction) != formats::RoundTo4(b[j].fraction);
    }
    if (!same) {
      std::fprintf(stderr, "error: report %s: the engines differ\n",
                   d.reports[i].event_id().c_str());
      return false;
    }
    compared += a.size();
  }
  std::printf(
      "fast = polygon = reference on %zu reports (%zu violations, the same verdicts; polygon's "
      "fractions bit-equal; fast's at most %.2g apart, %zu written differently at 4 decimals)\n",
      std::min(sample_reports, d.reports.size()), compared, worst, written_apart);
  return true;
}

int Main(int argc, char** argv) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--write-csv") != 0) continue;
    size_t n = 1'000'000;
    for (int j = 1; j + 1 < argc; ++j) {
      if (std::strcmp(argv[j], "--reports") == 0) n = std::stoul(argv[j + 1]);
    }
    std::ofstream out(argv[i + 1], std::ios::binary);
    out << ReplicatedArchive(n);
    if (!out.flush()) {
      std::fprintf(stderr, "error: %s: cannot write\n", argv[i + 1]);
      return 1;
    }
    return 0;
  }
  const bool smoke = InitializeWithSmokeFlag(argc, argv);
  for (const char* needed : {kArchive, testing::kOchaAdmin1}) {
    if (!std::filesystem::exists(DataPath(needed))) {
      std::printf("skipped: %s not found (TRUCE_SHARED_DATA)\n", DataPath(needed).c_str());
      return 0;
    }
  }
  if (smoke) {
    total_reports = 1'000;
    sample_reports = 1'000;
  }
  if (!SameVerdictsOnTheSample()) return 1;
  benchmark::RegisterBenchmark("evaluate/fast", BM_Fast)->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("evaluate/polygon", BM_Polygon)->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("evaluate/fast_ocha_adm1", BM_FastOcha)
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("evaluate/reference_ocha_adm1", BM_ReferenceOcha)
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("evaluate/reference", BM_Reference)->Unit(benchmark::kMillisecond);
  RateReporter reporter("reports");
  benchmark::RunSpecifiedBenchmarks(&reporter);
  const double fast = reporter.rates["evaluate/fast"];
  const double reference = reporter.rates["evaluate/reference"];
  if (fast > 0 && reference > 0) {
    std::printf("\nreports per CPU second (one thread), %zu reports:\n", total_reports);
    std::printf("  evaluate/fast       %10.0f   %6.1f s per million\n", fast, 1e6 / fast);
    const double polygon = reporter.rates["evaluate/polygon"];
    if (polygon > 0) {
      std::printf("  evaluate/polygon    %10.0f   %6.1f s per million\n", polygon, 1e6 / polygon);
    }
    std::printf("  evaluate/reference  %10.0f   %6.1f s per million\n", reference, 1e6 / reference);
    std::printf("  fast / reference    %10.1fx\n", fast / reference);
    const double fast_ocha = reporter.rates["evaluate/fast_ocha_adm1"];
    const double reference_ocha = reporter.rates["evaluate/reference_ocha_adm1"];
    if (fast_ocha > 0 && reference_ocha > 0) {
      std::printf("OCHA adm1 zones (1,336 and 2,329 vertices), %zu reports:\n", total_reports / 10);
      std::printf("  evaluate/fast       %10.0f   %6.1f s per million\n", fast_ocha,
                  1e6 / fast_ocha);
      std::printf("  evaluate/reference  %10.0f   %6.1f s per million\n", reference_ocha,
                  1e6 / reference_ocha);
      std::printf("  fast / reference    %10.1fx\n", fast_ocha / reference_ocha);
    }
  }
  return 0;
}

}  // namespace
}  // namespace truce::bench

int main(int argc, char** argv) {
  try {
    return truce::bench::Main(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "evaluate_bench: %s\n", e.what());
    return 1;
  }
}
