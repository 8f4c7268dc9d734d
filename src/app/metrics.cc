#include "app/metrics.h"

#include <fmt/format.h>

namespace truce::app {

void Metrics::CountRequest(std::string_view method, std::string_view route, int status,
                           double seconds) {
  std::lock_guard lock(mu_);
  ++requests_[{std::string(method), std::string(route), status}];
  auto& d = durations_[{std::string(method), std::string(route)}];
  d.first += seconds;
  ++d.second;
}

void Metrics::Add(std::string_view counter, uint64_t n) {
  std::lock_guard lock(mu_);
  counters_[std::string(counter)] += n;
}

std::string Metrics::Render(const std::map<std::string, double>& gauges) const {
  std::lock_guard lock(mu_);
  std::string out;
  out += "# HELP truce_http_requests_total HTTP requests served, by route and status.\n";
  out += "# TYPE truce_http_requests_total counter\n";
  for (const auto& [key, n] : requests_) {
    const auto& [method, route, status] = key;
    out += fmt::format("truce_http_requests_total{{method=\"{}\",route=\"{}\",code=\"{}\"}} {}\n",
                       method, route, status, n);
  }
  out += "# HELP truce_http_request_duration_seconds Time spent serving requests.\n";
  out += "# TYPE truce_http_request_duration_seconds summary\n";
  for (const auto& [key, d] : durations_) {
    out += fmt::format(
        "truce_http_request_duration_seconds_sum{{method=\"{}\",route=\"{}\"}} {:.6f}\n", key.first,
        key.second, d.first);
    out +=
        fmt::format("truce_http_request_duration_seconds_count{{method=\"{}\",route=\"{}\"}} {}\n",
                    key.first, key.second, d.second);
  }
  for (const auto& [name, n] : counters_) {
    out += fmt::format("# TYPE {} counter\n{} {}\n", name, name, n);
  }
  for (const auto& [name, v] : gauges) {
    out += fmt::format("# TYPE {} gauge\n{} {}\n", name, name, v);
  }
  return out;
}

}  // namespace truce::app
