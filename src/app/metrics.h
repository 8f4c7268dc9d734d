// Prometheus-style counters for /metrics (text exposition format 0.0.4). Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

namespace truce::app {

class Metrics {
 public:
  // One served request: its route pattern ("/api/v1/reports"), status and duration.
  void CountRequest(std::string_view method, std::string_view route, int status, double seconds);
  // Adds to a counter named in Prometheus style ("truce_reports_accepted_total").
  void Add(std::string_view counter, uint64_t n = 1);
  // Gauges are passed in at render time (they are read from the log, not counted).
  std::string Render(const std::map<std::string, double>& gauges) const;

 private:
  mutable std::mutex mu_;
  std::map<std::tuple<std::string, std::string, int>, uint64_t> requests_;
  std::map<std::pair<std::string, std::string>, std::pair<double, uint64_t>> durations_;
  std::map<std::string, uint64_t> counters_;
};

}  // namespace truce::app
