// truce flights PATH --positions FILE... | --follow: which aircraft entered which no-fly zone
// version, when, where and for how long (docs/flights.md).
#include <unistd.h>

#include <cctype>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "app/flights.h"
#include "command.h"
#include "formats/flight_json.h"
#include "formats/positions.h"
#include "formats/scenario_reader.h"
#include "formats/text_file.h"
#include "truce/flight_monitor.h"
#include "truce/zone_index.h"

namespace truce::cli {
namespace {

// Keys keep the order of docs/flights.md: the required ones first, then the evidence.
using json = nlohmann::ordered_json;

struct FlightsOptions {
  std::string path;
  std::vector<std::string> positions;
  std::string format = "jsonl";
  std::string exemptions;
  std::string skip_invalid;
  bool follow = false;
  double max_gap_s = 600;
  double min_dwell_s = 30;
  double tolerance_m = 100;
  double reorder_window_s = 30;
  size_t max_held = app::FlightJudgeOptions{}.held_budget;
};

Result<FlightMonitorOptions> MonitorOptions(const FlightsOptions& o) {
  std::vector<std::string> problems;
  // Bounded, so that the conversion to milliseconds cannot overflow.
  constexpr double kMaxSeconds = 1e9;
  auto seconds = [&](double s, const char* flag, double min) {
    if (!std::isfinite(s) || s < min || s > kMaxSeconds) {
      problems.push_back(fmt::format("{}: expected a number of seconds in [{}, {}], got {}", flag,
                                     min, kMaxSeconds, s));
      return std::chrono::milliseconds(0);
    }
    return std::chrono::milliseconds(std::llround(s * 1000));
  };
  FlightMonitorOptions m;
  m.max_gap = seconds(o.max_gap_s, "--max-gap", 1);
  m.min_dwell = seconds(o.min_dwell_s, "--min-dwell", 0);
  m.reorder_window = seconds(o.reorder_window_s, "--reorder-window", 0);
  if (!std::isfinite(o.tolerance_m) || o.tolerance_m < 0 || o.tolerance_m > 1e6) {
    problems.push_back(
        fmt::format("--boundary-tolerance: expected metres in [0, 1e+06], got {}", o.tolerance_m));
  }
  m.boundary_tolerance = Meters{o.tolerance_m};
  if (!problems.empty()) {
    Error e = MakeError(ErrorCode::kInvalidArgument, problems.front());
    e.problems = ProblemsFromLines(std::move(problems));
    return e;
  }
  return m;
}

// One line of the rejects file; never throws, whatever bytes the raw record holds.
std::string RejectLine(const formats::RejectedPosition& r) {
  return formats::SafeDump({{"origin", r.origin}, {"reasons", r.reasons}, {"raw", r.raw}});
}

// Reads one line of `in` into `line` (without its '\n'), keeping at most `max` + 1 bytes of
// it so that an endless line cannot exhaust memory; the rest of the line is skipped. False at
// the end of the input.
bool ReadBoundedLine(std::istream& in, std::string& line, size_t max) {
  line.clear();
  std::streambuf* buf = in.rdbuf();
  bool any = false;
  for (;;) {
    const int c = buf->sbumpc();
    if (c == std::char_traits<char>::eof()) return any;
    any = true;
    if (c == '\n') return true;
    if (line.size() <= max) line.push_back(static_cast<char>(c));
  }
}

// --skip-invalid FILE: each refused record written as it is read (one JSON line) to a file
// beside FILE, begun again if the files are read again whole, and put in FILE's place only
// when the run succeeds: a run that fails leaves FILE as it was. Created even when nothing is
// refused. A FILE that is a device, a pipe or a symbolic link (/dev/stdout) is written
// directly, as before: putting a file in its place would replace it.
class RejectsFile final : public app::RejectedSink {
 public:
  explicit RejectsFile(std::string path)
      : path_(std::move(path)), partial_(fmt::format("{}.partial-{}", path_, ::getpid())) {
    std::error_code ec;
    const auto status = std::filesystem::symlink_status(path_, ec);
    if (!ec && std::filesystem::exists(status) && !std::filesystem::is_regular_file(status)) {
      partial_ = path_;
    }
  }
  ~RejectsFile() override {
    if (!closed_ && partial_ != path_) {
      out_.close();
      std::remove(partial_.c_str());
    }
  }

  void Take(const formats::RejectedPosition& r) override {
    if (!out_.is_open()) out_.open(partial_, std::ios::trunc);
    out_ << RejectLine(r) << '\n';
  }
  void StartOver() override {
    if (out_.is_open()) out_.close();
    out_.clear();
  }
  // The run succeeded: FILE becomes what was written.
  Status Close() {
    if (!out_.is_open()) out_.open(partial_, std::ios::trunc);
    out_.close();
    closed_ = true;
    if (partial_ == path_) {
      if (!out_)
        return MakeError(ErrorCode::kIo, fmt::format("{}: cannot write the rejects", path_));
      return Status::Ok();
    }
    if (!out_ || std::rename(partial_.c_str(), path_.c_str()) != 0) {
      std::remove(partial_.c_str());
      return MakeError(ErrorCode::kIo, fmt::format("{}: cannot write the rejects", path_));
    }
    return Status::Ok();
  }

 private:
  std::string path_, partial_;
  std::ofstream out_;
  bool closed_ = false;
};

// Reads and judges the position files (app::JudgeFlightFiles: as they are read, holding only
// the aircraft in flight when the input's order allows it); refuses them when a record is bad
// and no --skip-invalid file was given, else writes the rejects there as they come.
Result<app::JudgedFlights> JudgePositionFiles(const FlightsOptions& o,
                                              const FlightMonitor& monitor) {
  app::FlightJudgeOptions judge;
  judge.held_budget = o.max_held;
  std::optional<RejectsFile> rejects;
  if (!o.skip_invalid.empty()) rejects.emplace(o.skip_invalid);
  auto judged = app::JudgeFlightFiles(o.positions, monitor, judge, rejects ? &*rejects : nullptr);
  if (!judged.ok()) return judged;
  if (judged->rejected > 0 && !rejects) {
    return app::RefusedPositionsError(
        *judged, "nothing was evaluated; use --skip-invalid FILE to process the good ones");
  }
  if (rejects) {
    if (Status st = rejects->Close(); !st.ok()) return st.error();
  }
  return judged;
}

// How many violations are `inside`, and how many end with the aircraft lost inside.
std::pair<size_t, size_t> CountInsideAndLost(const std::vector<FlightViolation>& violations) {
  size_t inside = 0, lost = 0;
  for (const FlightViolation& v : violations) {
    inside += v.verdict == Verdict::kInside;
    lost += v.lost_inside;
  }
  return {inside, lost};
}

void PrintSummary(size_t records, size_t rejected, size_t without_position, size_t duplicates,
                  size_t aircraft, size_t tracks, const std::vector<FlightViolation>& violations,
                  size_t zones, size_t held) {
  const auto [inside, lost] = CountInsideAndLost(violations);
  fmt::print(stderr,
             "flights: {} record{} ({} rejected, {} without a position, {} duplicate{} dropped), "
             "{} aircraft, {} track{}; {} violation{} ({} inside, {} possible, {} lost inside) "
             "of {} no-fly zone version{}; at most {} position{} held at once\n",
             records, records == 1 ? "" : "s", rejected, without_position, duplicates,
             duplicates == 1 ? "" : "s", aircraft, tracks, tracks == 1 ? "" : "s",
             violations.size(), violations.size() == 1 ? "" : "s", inside,
             violations.size() - inside, lost, zones, zones == 1 ? "" : "s", held,
             held == 1 ? "" : "s");
}

int RunBatch(const FlightsOptions& o, const FlightMonitor& monitor) {
  auto judged = JudgePositionFiles(o, monitor);
  if (!judged.ok()) return ReportError(judged.error());
  const std::vector<FlightViolation>& violations = judged->violations;
  const TrackStats& stats = judged->stats;
  std::string out;
  if (o.format == "csv") out = formats::kFlightViolationCsvHeader;
  json features = json::array();
  for (const FlightViolation& v : violations) {
    if (o.format == "jsonl") {
      out += formats::FlightViolationToJson(v).dump() + "\n";
    } else if (o.format == "csv") {
      out += formats::FlightViolationCsvRow(v);
    } else {
      features.push_back({{"type", "Feature"},
                          {"properties", formats::FlightViolationToJson(v)},
                          {"geometry", formats::FlightViolationGeometry(v)}});
    }
  }
  if (o.format == "geojson") {
    out = json{{"type", "FeatureCollection"}, {"features", std::move(features)}}.dump() + "\n";
  }
  fmt::print("{}", out);
  PrintSummary(judged->records, judged->rejected, judged->without_position, stats.duplicates,
               stats.aircraft, stats.tracks, violations, monitor.no_fly_versions(),
               judged->max_held);
  return kExitOk;
}

// Live: JSON lines from stdin, an alert line as each aircraft enters or leaves a zone.
int RunFollow(const FlightsOptions& o, const FlightMonitor& monitor) {
  std::ofstream rejects;
  if (!o.skip_invalid.empty()) {
    rejects.open(o.skip_invalid);
    if (!rejects) {
      return ReportError(
          MakeError(ErrorCode::kIo, fmt::format("{}: cannot write the rejects", o.skip_invalid)));
    }
  }
  LiveFlightMonitor live(monitor);
  std::vector<FlightAlert> alerts;
  std::vector<FlightViolation> done;
  size_t line_no = 0, records = 0, rejected = 0, without_position = 0;
  auto emit = [&] {
    for (const FlightAlert& a : alerts) {
      if (a.kind == FlightAlert::Kind::kEntry) {
        fmt::print("{}\n", formats::FlightEntryAlertJson(a.violation).dump());
      } else {
        json j = {{"event", "exit"}};
        j.update(formats::FlightViolationToJson(a.violation));
        fmt::print("{}\n", j.dump());
        done.push_back(a.violation);
      }
    }
    if (!alerts.empty()) std::fflush(stdout);
    alerts.clear();
  };
  std::string line;
  formats::PositionBatch batch;
  while (ReadBoundedLine(std::cin, line, formats::kMaxPositionLineBytes)) {
    ++line_no;
    // One line at a time through the same reader as a JSON lines file.
    batch = formats::PositionBatch{};
    formats::TakeLine(line, "stdin", line_no, batch);
    if (batch.records == 0) continue;  // a blank line
    ++records;
    if (!batch.rejected.empty()) {
      ++rejected;
      formats::RejectedPosition& r = batch.rejected.front();
      if (!rejects.is_open()) {
        Error e = MakeError(ErrorCode::kInvalidInput,
                            fmt::format("{}: bad position record (use --skip-invalid FILE to "
                                        "skip such records and go on)",
                                        r.origin));
        e.problems = ProblemsFromLines(std::move(r.reasons));
        return ReportError(e);
      }
      rejects << RejectLine(r) << '\n' << std::flush;
      continue;
    }
    if (batch.positions.empty()) {
      ++without_position;
      continue;
    }
    live.Add(std::move(batch.positions.front()), alerts);
    emit();
  }
  live.Finish(alerts);
  emit();
  const LiveStats& s = live.stats();
  const auto [inside, lost] = CountInsideAndLost(done);
  fmt::print(stderr,
             "flights --follow: {} record{} ({} rejected, {} without a position), {} processed, "
             "{} duplicate{} and {} too late for the {} s reorder window dropped, {} track{}; "
             "{} violation{} ({} inside, {} possible, {} lost inside); at most {} aircraft "
             "tracked and {} positions buffered at once\n",
             records, records == 1 ? "" : "s", rejected, without_position, s.processed,
             s.duplicates, s.duplicates == 1 ? "" : "s", s.late, o.reorder_window_s, s.tracks,
             s.tracks == 1 ? "" : "s", done.size(), done.size() == 1 ? "" : "s", inside,
             done.size() - inside, lost, s.max_active, s.max_buffered);
  return kExitOk;
}

int Run(const FlightsOptions& o) {
  if (o.follow == !o.positions.empty()) {
    fmt::print(stderr,
               "error: give either --positions FILE... or --follow (JSON lines on stdin)\n");
    return kExitUsage;
  }
  if (o.follow && o.format != "jsonl") {
    fmt::print(stderr, "error: --follow writes JSON lines only (--format jsonl)\n");
    return kExitUsage;
  }
  auto options = MonitorOptions(o);
  if (!options.ok()) return ReportError(options.error());
  auto scenario = formats::LoadScenario(o.path);
  if (!scenario.ok()) return ReportError(scenario.error());
  std::vector<Exemption> exemptions;
  if (!o.exemptions.empty()) {
    auto text = formats::ReadTextFile(o.exemptions);
    if (!text.ok()) return ReportError(text.error());
    auto parsed = formats::ParseExemptionsCsv(*text, o.exemptions);
    if (!parsed.ok()) return ReportError(parsed.error());
    exemptions = std::move(parsed).value();
  }
  const std::unique_ptr<ZoneLocator> locator = MakeZoneLocator(scenario->zone_versions());
  const FlightMonitor monitor(scenario->zone_versions(), *locator, std::move(exemptions), *options);
  return o.follow ? RunFollow(o, monitor) : RunBatch(o, monitor);
}

}  // namespace

void AddFlightsCommand(CLI::App& app, Action& action) {
  CLI::App* cmd = app.add_subcommand(
      "flights",
      "No-fly violations from aircraft positions: entries and exits interpolated at the zone "
      "boundary, one violation per line");
  auto o = std::make_shared<FlightsOptions>();
  cmd->add_option("PATH", o->path, "Scenario directory or zones GeoJSON file")->required();
  cmd->add_option("--positions", o->positions,
                  "Position files: OpenSky state-vector CSV, traffic JSON array (.json, "
                  ".json.gz) or JSON lines");
  cmd->add_option("--format", o->format, "Output format (batch)")
      ->check(CLI::IsMember({"jsonl", "geojson", "csv"}));
  cmd->add_option("--exemptions", o->exemptions,
                  "Exempted flights: CSV icao24,callsign,from,to[,zone,note]");
  cmd->add_option("--skip-invalid", o->skip_invalid,
                  "Process the good records and write the rejects (JSON lines) to this file");
  cmd->add_flag("--follow", o->follow,
                "Read JSON lines from stdin and print an alert as aircraft enter and leave");
  cmd->add_option("--max-gap", o->max_gap_s, "Split tracks at silences longer than this (s)")
      ->capture_default_str();
  cmd->add_option("--min-dwell", o->min_dwell_s,
                  "An exit stands once the aircraft stayed out this long (s)")
      ->capture_default_str();
  cmd->add_option("--boundary-tolerance", o->tolerance_m,
                  "Position uncertainty: fixes closer to a boundary are not conclusive (m)")
      ->capture_default_str();
  cmd->add_option("--max-held", o->max_held,
                  "Positions held before the aircraft whose tracks are over are judged while the "
                  "files are read (memory; the answer is the same)")
      ->check(CLI::Range(0.0, 1e12))
      ->capture_default_str();
  cmd->add_option("--reorder-window", o->reorder_window_s,
                  "--follow: how far out of order positions may arrive (s)")
      ->capture_default_str();
  cmd->callback([&action, o] { action = [o] { return Run(*o); }; });
}

}  // namespace truce::cli
