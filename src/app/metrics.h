// Prometheus metrics for /metrics (text exposition format 0.0.4, as `promtool check metrics`
// accepts it): request counts and durations, submission counters, store commit latency, the
// gauges the application passes in, and the process's own (memory, open files, CPU, start
// time, read from /proc). Thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>

namespace truce::app {

class Metrics {
 public:
  // One served request: its route pattern ("/api/v1/reports"), status and duration.
  void CountRequest(std::string_view method, std::string_view route, int status, double seconds);
  // Adds to a counter named in Prometheus style ("truce_reports_accepted_total"). Names in
  // metrics.cc's table get their own help text; others a generic one.
  void Add(std::string_view counter, uint64_t n = 1);
  // One durable commit of the store (the ledger's append): its duration.
  void ObserveCommit(double seconds);
  // Every metric family with # HELP and # TYPE. Gauges are passed in at render time (they are
  // read from the log, not counted); process metrics are read from /proc now.
  std::string Render(const std::map<std::string, double>& gauges) const;

  // The upper bounds of the commit latency histogram's buckets, in seconds (+Inf implied).
  static constexpr std::array<double, 12> kCommitBuckets = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};

 private:
  mutable std::mutex mu_;
  std::map<std::tuple<std::string, std::string, int>, uint64_t> requests_;
  std::map<std::pair<std::string, std::string>, std::pair<double, uint64_t>> durations_;
  std::map<std::string, uint64_t> counters_;
  std::array<uint64_t, kCommitBuckets.size()> commit_buckets_{};  // per bucket, not cumulative
  uint64_t commit_count_ = 0;
  double commit_sum_ = 0;
};

}  // namespace truce::app
