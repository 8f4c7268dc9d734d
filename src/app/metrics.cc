#include "app/metrics.h"

#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <vector>

#include <fmt/format.h>

namespace truce::app {
namespace {

// The help text of every counter and gauge the application names (docs/server.md "Metrics").
struct Family {
  std::string_view name, help;
};
constexpr Family kFamilies[] = {
    {"truce_reports_accepted_total", "Report revisions stored."},
    {"truce_reports_unchanged_total", "Reports resubmitted identical to their stored revision."},
    {"truce_positions_accepted_total", "Aircraft positions stored."},
    {"truce_claims_accepted_total", "Party claims stored."},
    {"truce_submissions_rejected_total", "Submissions refused as invalid (nothing stored)."},
    {"truce_scenario_versions_total", "Scenario versions put in force."},
    {"truce_log_entries", "Entries in the transparency log (its tree size)."},
};

std::string HelpFor(std::string_view name, std::string_view kind) {
  for (const Family& f : kFamilies) {
    if (f.name == name) return std::string(f.help);
  }
  return fmt::format("truce {} {}.", kind, name);
}

// A label value as the exposition format quotes it: backslash, double quote and newline
// escaped.
std::string Label(std::string_view value) {
  std::string out;
  for (const char ch : value) {
    if (ch == '\\' || ch == '"') {
      out.push_back('\\');
      out.push_back(ch);
    } else if (ch == '\n') {
      out += "\\n";
    } else {
      out.push_back(ch);
    }
  }
  return out;
}

// Numbers as the format writes them: integers without a fraction, others with enough digits.
std::string Number(double v) { return fmt::format("{}", v); }

void Header(std::string& out, std::string_view name, std::string_view help, std::string_view type) {
  out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

struct ProcessStats {
  std::optional<double> resident_bytes, virtual_bytes, open_fds, max_fds, cpu_seconds,
      start_time_seconds;
};

// What Linux tells about this process; a field it cannot read is left out.
ProcessStats ReadProcessStats() {
  ProcessStats s;
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  if (std::ifstream statm("/proc/self/statm"); statm) {
    double size = 0, resident = 0;
    if (statm >> size >> resident) {
      s.virtual_bytes = size * page;
      s.resident_bytes = resident * page;
    }
  }
  std::error_code ec;
  double fds = 0;
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end;
       it.increment(ec)) {
    ++fds;
  }
  if (!ec) s.open_fds = fds;
  if (rlimit limit{}; getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
    s.max_fds = static_cast<double>(limit.rlim_cur);
  }
  // /proc/self/stat: the fields after the command name in parentheses; utime and stime are
  // fields 14 and 15, starttime (clock ticks after boot) field 22.
  std::ifstream stat_file("/proc/self/stat");
  std::string stat((std::istreambuf_iterator<char>(stat_file)), std::istreambuf_iterator<char>());
  const size_t paren = stat.rfind(')');
  std::optional<double> boot;
  if (std::ifstream proc_stat("/proc/stat"); proc_stat) {
    std::string line;
    while (std::getline(proc_stat, line)) {
      if (line.starts_with("btime ")) boot = std::strtod(line.c_str() + 6, nullptr);
    }
  }
  if (paren != std::string::npos && ticks > 0) {
    std::istringstream fields(stat.substr(paren + 2));
    std::vector<std::string> f;
    for (std::string field; fields >> field;) f.push_back(field);
    // f[0] is field 3 (state): field N is f[N - 3].
    if (f.size() > 19) {
      s.cpu_seconds =
          (std::strtod(f[11].c_str(), nullptr) + std::strtod(f[12].c_str(), nullptr)) / ticks;
      if (boot) s.start_time_seconds = *boot + std::strtod(f[19].c_str(), nullptr) / ticks;
    }
  }
  return s;
}

// The method as a label: one HTTP defines, else "other". The method is the client's word
// (any token the parser accepts, and whatever bytes a caller hands over), so a label taken
// from it would let one client add series without bound, each held for the server's life.
std::string_view MethodLabel(std::string_view method) {
  static constexpr std::string_view kMethods[] = {"GET",   "HEAD",    "POST",    "PUT",  "DELETE",
                                                  "PATCH", "OPTIONS", "CONNECT", "TRACE"};
  for (const std::string_view m : kMethods) {
    if (m == method) return m;
  }
  return "other";
}

}  // namespace

void Metrics::CountRequest(std::string_view method, std::string_view route, int status,
                           double seconds) {
  const std::string_view label = MethodLabel(method);
  std::lock_guard lock(mu_);
  ++requests_[{std::string(label), std::string(route), status}];
  auto& d = durations_[{std::string(label), std::string(route)}];
  d.first += seconds;
  ++d.second;
}

void Metrics::Add(std::string_view counter, uint64_t n) {
  std::lock_guard lock(mu_);
  counters_[std::string(counter)] += n;
}

void Metrics::ObserveCommit(double seconds) {
  std::lock_guard lock(mu_);
  for (size_t i = 0; i < kCommitBuckets.size(); ++i) {
    if (seconds <= kCommitBuckets[i]) {
      ++commit_buckets_[i];
      break;
    }
  }
  ++commit_count_;
  commit_sum_ += seconds;
}

std::string Metrics::Render(const std::map<std::string, double>& gauges) const {
  const ProcessStats process = ReadProcessStats();
  std::lock_guard lock(mu_);
  std::string out;
  Header(out, "truce_http_requests_total", "HTTP requests served, by method, route and status.",
         "counter");
  for (const auto& [key, n] : requests_) {
    const auto& [method, route, status] = key;
    out += fmt::format("truce_http_requests_total{{method=\"{}\",route=\"{}\",code=\"{}\"}} {}\n",
                       Label(method), Label(route), status, n);
  }
  Header(out, "truce_http_request_duration_seconds", "Time spent serving requests, by route.",
         "summary");
  for (const auto& [key, d] : durations_) {
    const std::string labels =
        fmt::format("method=\"{}\",route=\"{}\"", Label(key.first), Label(key.second));
    out += fmt::format("truce_http_request_duration_seconds_sum{{{}}} {:.6f}\n", labels, d.first);
    out += fmt::format("truce_http_request_duration_seconds_count{{{}}} {}\n", labels, d.second);
  }
  Header(out, "truce_store_commit_seconds",
         "Time to append submissions to the transparency log, durably committed.", "histogram");
  uint64_t cumulative = 0;
  for (size_t i = 0; i < kCommitBuckets.size(); ++i) {
    cumulative += commit_buckets_[i];
    out += fmt::format("truce_store_commit_seconds_bucket{{le=\"{}\"}} {}\n",
                       Number(kCommitBuckets[i]), cumulative);
  }
  out += fmt::format("truce_store_commit_seconds_bucket{{le=\"+Inf\"}} {}\n", commit_count_);
  out += fmt::format("truce_store_commit_seconds_sum {:.6f}\n", commit_sum_);
  out += fmt::format("truce_store_commit_seconds_count {}\n", commit_count_);
  for (const auto& [name, n] : counters_) {
    Header(out, name, HelpFor(name, "counter"), "counter");
    out += fmt::format("{} {}\n", name, n);
  }
  for (const auto& [name, v] : gauges) {
    Header(out, name, HelpFor(name, "gauge"), "gauge");
    out += fmt::format("{} {}\n", name, Number(v));
  }
  auto gauge = [&](std::string_view name, std::string_view help, std::string_view type,
                   const std::optional<double>& v) {
    if (!v) return;
    Header(out, name, help, type);
    out += fmt::format("{} {}\n", name, Number(*v));
  };
  gauge("process_resident_memory_bytes", "Resident memory size in bytes.", "gauge",
        process.resident_bytes);
  gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.", "gauge",
        process.virtual_bytes);
  gauge("process_open_fds", "Number of open file descriptors.", "gauge", process.open_fds);
  gauge("process_max_fds", "Maximum number of open file descriptors.", "gauge", process.max_fds);
  gauge("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", "counter",
        process.cpu_seconds);
  gauge("process_start_time_seconds", "Start time of the process since unix epoch in seconds.",
        "gauge", process.start_time_seconds);
  if (process.start_time_seconds) {
    const double now =
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    gauge("truce_uptime_seconds", "Seconds since the process started.", "gauge",
          std::max(0.0, now - *process.start_time_seconds));
  }
  return out;
}

}  // namespace truce::app
