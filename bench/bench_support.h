// What truce's benchmark programs share: a `--smoke` flag taken out before Google Benchmark
// sees the arguments, a console reporter that also records items per CPU second per
// benchmark for the ratio tables printed at the end, and finding the real-data corpus.
#pragma once

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "truce/result.h"

namespace truce::bench {

// The path of a file of the real-data corpus: under $TRUCE_SHARED_DATA if set, else the
// TRUCE_SHARED_DATA the benchmark was built with.
inline std::string DataPath(const char* relative) {
  const char* env = std::getenv("TRUCE_SHARED_DATA");
  return ((env && *env) ? std::filesystem::path(env) : std::filesystem::path(TRUCE_SHARED_DATA)) /
         relative;
}

// The value, or the error on stderr and exit 1: benchmarks have no one to return errors to.
template <typename T>
T OrDie(Result<T> r) {
  if (!r.ok()) {
    std::fprintf(stderr, "error: %s\n", r.error().message.c_str());
    std::exit(1);
  }
  return std::move(r).value();
}

// Removes `--smoke` from the arguments, initialises Google Benchmark with the rest, and says
// whether it was given (smoke runs use small inputs: CI runs each benchmark once).
inline bool InitializeWithSmokeFlag(int argc, char** argv) {
  bool smoke = false;
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    if (std::strcmp(argv[i], "--smoke") == 0) {
      smoke = true;
    } else {
      args.push_back(argv[i]);
    }
  }
  int bench_argc = static_cast<int>(args.size());
  benchmark::Initialize(&bench_argc, args.data());
  return smoke;
}

// Prints as the console reporter does and keeps, per benchmark name, the rate of the user
// counter `counter` (items per iteration) per CPU second of one thread.
class RateReporter : public benchmark::ConsoleReporter {
 public:
  // Colours only on a terminal, so that logs stay readable.
  explicit RateReporter(std::string counter)
      : ConsoleReporter(isatty(fileno(stdout)) ? OO_Defaults : OO_Tabular),
        counter_(std::move(counter)) {}

  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& r : runs) {
      if (r.error_occurred || r.run_type != Run::RT_Iteration) continue;
      const auto n = r.counters.find(counter_);
      if (n == r.counters.end() || r.cpu_accumulated_time <= 0) continue;
      rates[r.benchmark_name()] =
          n->second.value * static_cast<double>(r.iterations) / r.cpu_accumulated_time;
      if (r.real_accumulated_time > 0) {
        wall_rates[r.benchmark_name()] =
            n->second.value * static_cast<double>(r.iterations) / r.real_accumulated_time;
      }
    }
  }

  // Per CPU second (of the benchmark's thread, or of the process where the benchmark measures
  // process CPU time), and per second of wall-clock time.
  std::map<std::string, double> rates, wall_rates;

 private:
  std::string counter_;
};

}  // namespace truce::bench
