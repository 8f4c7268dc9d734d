// truce deconflict PATH --sites FILE --movements FILE --reports FILE [--positions FILE...]:
// alerts for hostilities reported near notified protected sites and convoy routes, and for
// aircraft passing low over them (docs/deconfliction.md). One alert per line.
#include <cmath>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "command.h"
#include "formats/alerts.h"
#include "formats/notifications.h"
#include "formats/positions.h"
#include "formats/scenario_reader.h"
#include "formats/text_file.h"
#include "report_input.h"
#include "truce/deconfliction.h"

namespace truce::cli {
namespace {

struct DeconflictOptions {
  std::string path;
  std::string sites;
  std::string movements;
  std::string reports;
  std::vector<std::string> positions;
  std::string format = "jsonl";
  std::string at;
  std::string skip_invalid;
  double site_distance_m = AlertOptions{}.site_distance.value;
  double route_distance_m = AlertOptions{}.route_distance.value;
  double flight_distance_m = AlertOptions{}.flight_distance.value;
  double flight_altitude_m = AlertOptions{}.flight_altitude.value;
  double max_gap_s = 600;
};

std::string Plural(size_t n, const char* word) {
  return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s");
}

Result<AlertOptions> Options(const DeconflictOptions& o) {
  std::vector<std::string> problems;
  auto metres = [&](double m, const char* flag) {
    if (!std::isfinite(m) || m <= 0) {
      problems.push_back(fmt::format("{}: expected metres > 0, got {}", flag, m));
    }
    return Meters{m};
  };
  AlertOptions a;
  a.site_distance = metres(o.site_distance_m, "--alert-distance");
  a.route_distance = metres(o.route_distance_m, "--route-distance");
  a.flight_distance = metres(o.flight_distance_m, "--flight-distance");
  a.flight_altitude = metres(o.flight_altitude_m, "--flight-altitude");
  if (!std::isfinite(o.max_gap_s) || o.max_gap_s < 1) {
    problems.push_back(
        fmt::format("--max-gap: expected a number of seconds >= 1, got {}", o.max_gap_s));
  }
  if (problems.empty()) return a;
  Error e = MakeError(ErrorCode::kInvalidArgument, problems.front());
  e.problems = ProblemsFromLines(std::move(problems));
  return e;
}

template <typename T, typename Read>
Result<std::vector<T>> ReadNotifications(const std::string& file, Read&& read) {
  if (file.empty()) return std::vector<T>{};
  auto text = formats::ReadTextFile(file);
  if (!text.ok()) return std::move(text).error();
  auto doc = formats::ParseJson(*text, file);
  if (!doc.ok()) return std::move(doc).error();
  return read(*doc, file);
}

// Positions from every file; rejected records refuse the run unless --skip-invalid names a
// file, to which they are appended (after the rejected reports).
Result<std::vector<Position>> LoadPositions(const DeconflictOptions& o, size_t& rejected) {
  std::vector<Position> positions;
  std::vector<formats::RejectedPosition> rejects;
  for (const std::string& file : o.positions) {
    auto text = formats::ReadTextFile(file);
    if (!text.ok()) return std::move(text).error();
    auto batch = formats::ParsePositions(*text, file);
    if (!batch.ok()) return std::move(batch).error();
    std::move(batch->positions.begin(), batch->positions.end(), std::back_inserter(positions));
    std::move(batch->rejected.begin(), batch->rejected.end(), std::back_inserter(rejects));
  }
  rejected = rejects.size();
  if (rejects.empty()) return positions;
  if (o.skip_invalid.empty()) {
    Error e = MakeError(ErrorCode::kInvalidInput,
                        fmt::format("{} (nothing was evaluated; use --skip-invalid FILE to "
                                    "process the good ones)",
                                    Plural(rejects.size(), "bad position record")));
    for (const auto& r : rejects)
      for (const auto& reason : r.reasons) e.problems.push_back(Problem{"", reason});
    return e;
  }
  std::ofstream out(o.skip_invalid, std::ios::app);
  for (const auto& r : rejects) {
    out << nlohmann::json{{"origin", r.origin}, {"reasons", r.reasons}, {"raw", r.raw}}.dump()
        << '\n';
  }
  if (!out) {
    return MakeError(ErrorCode::kIo, fmt::format("{}: cannot write the rejects", o.skip_invalid));
  }
  return positions;
}

// Notifications not yet made at `at` were unknown then: the view as known at that time.
template <typename T>
void KnownAt(std::vector<T>& items, std::optional<UtcTime> at) {
  if (!at) return;
  std::erase_if(items, [&](const T& x) { return x.notified_at() && *x.notified_at() > *at; });
}

int Run(const DeconflictOptions& o) {
  if (o.sites.empty() && o.movements.empty()) {
    fmt::print(stderr, "error: give the notifications: --sites FILE and/or --movements FILE\n");
    return kExitUsage;
  }
  if (o.reports.empty() && o.positions.empty()) {
    fmt::print(stderr, "error: give the evidence: --reports FILE and/or --positions FILE...\n");
    return kExitUsage;
  }
  auto options = Options(o);
  if (!options.ok()) return ReportError(options.error());
  std::optional<UtcTime> at;
  if (!o.at.empty()) {
    auto t = ParseUtcTime(o.at);
    if (!t.ok()) return ReportError(Error{t.error().code, "--at: " + t.error().message, {}});
    at = *t;
  }
  auto scenario = formats::LoadScenario(o.path);
  if (!scenario.ok()) return ReportError(scenario.error());
  auto sites = ReadNotifications<ProtectedSite>(o.sites, formats::ReadSites);
  if (!sites.ok()) return ReportError(sites.error());
  auto movements = ReadNotifications<Movement>(o.movements, formats::ReadMovements);
  if (!movements.ok()) return ReportError(movements.error());
  if (Status s = CheckDestinations(*scenario, *movements); !s.ok()) return ReportError(s.error());
  KnownAt(*sites, at);
  KnownAt(*movements, at);

  std::vector<Report> reports;
  size_t report_rows = 0, rejected_reports = 0;
  if (!o.reports.empty()) {
    auto input = LoadReportInput(o.reports, o.skip_invalid);
    if (!input.ok()) return ReportError(input.error());
    report_rows = (*input)->reports.size();
    rejected_reports = (*input)->rejected;
    // As known at T: the revisions recorded by then (a report without recorded_at is known
    // once its interval begins), and of those the latest of each event.
    std::vector<Report> known;
    for (const Report& r : (*input)->reports) {
      const auto& recorded = r.spec().recorded_at;
      if (!at || (recorded ? *recorded <= *at : r.when().begin() <= *at)) known.push_back(r);
    }
    for (const formats::Revision& r : formats::LatestRevisions(known)) {
      reports.push_back(*r.report);
    }
  }
  if (o.reports.empty() && !o.skip_invalid.empty()) {
    std::ofstream truncate(o.skip_invalid);  // LoadPositions appends; start it empty
  }
  size_t rejected_positions = 0;
  auto positions = LoadPositions(o, rejected_positions);
  if (!positions.ok()) return ReportError(positions.error());
  const size_t position_count = positions->size();
  if (at) std::erase_if(*positions, [&](const Position& p) { return p.time > *at; });
  TrackOptions track_options;
  track_options.max_gap = std::chrono::milliseconds(std::llround(o.max_gap_s * 1000));
  TrackStats stats;
  const DeconflictionMonitor monitor(*sites, *movements, *options);
  std::vector<Alert> alerts = monitor.ForReports(reports);
  const size_t from_reports = alerts.size();
  // The server's overflight alerts are the same call (docs/deconfliction.md).
  std::vector<Alert> flights = monitor.ForPositions(std::move(*positions), track_options, &stats);
  std::move(flights.begin(), flights.end(), std::back_inserter(alerts));
  SortAlerts(alerts);

  std::string out;
  nlohmann::ordered_json features = nlohmann::ordered_json::array();
  size_t inside = 0;
  for (const Alert& a : alerts) {
    inside += a.verdict == Verdict::kInside;
    if (o.format == "jsonl") {
      out += formats::AlertToJson(a).dump() + "\n";
    } else {
      features.push_back(formats::AlertToFeature(a));
    }
  }
  if (o.format == "geojson") {
    nlohmann::ordered_json fc;
    fc["type"] = "FeatureCollection";
    fc["features"] = std::move(features);
    out = fc.dump() + "\n";
  }
  fmt::print("{}", out);

  size_t late = 0;
  for (const Movement& m : *movements) {
    const NoticeCheck check = CheckNotice(m);
    if (!check.late) continue;
    ++late;
    const double hours = std::chrono::duration<double, std::ratio<3600>>(*check.given).count();
    fmt::print(stderr,
               "warning: {} (movement '{}'): late notice: notified {:.1f} h before its window, "
               "{} h required{}\n",
               m.spec().origin, m.id(), hours, check.required.count(),
               m.emergency() ? " for an emergency" : "");
  }
  size_t hostilities = 0;
  for (const Report& r : reports) hostilities += IsHostility(r);
  fmt::print(stderr,
             "deconflict: {}, {} ({} with late notice); {} ({} rows, {} rejected, {} "
             "describing hostilities), {} ({} rejected) in {}; {} ({} inside, {} possible): {} "
             "from reports, {} from flights\n",
             Plural(sites->size(), "site"), Plural(movements->size(), "movement"), late,
             Plural(reports.size(), "report"), report_rows, rejected_reports, hostilities,
             Plural(position_count, "position"), rejected_positions, Plural(stats.tracks, "track"),
             Plural(alerts.size(), "alert"), inside, alerts.size() - inside, from_reports,
             alerts.size() - from_reports);
  return kExitOk;
}

}  // namespace

void AddDeconflictCommand(CLI::App& app, Action& action) {
  CLI::App* cmd = app.add_subcommand(
      "deconflict",
      "Humanitarian deconfliction: hostilities and low flights near notified sites and convoy "
      "routes, one alert per line");
  auto o = std::make_shared<DeconflictOptions>();
  cmd->add_option("PATH", o->path, "Scenario directory or zones GeoJSON file")->required();
  cmd->add_option("--sites", o->sites,
                  "Protected sites: GeoJSON Point or Polygon Features (id, type, organisation, "
                  "valid_from[, valid_to])");
  cmd->add_option("--movements", o->movements,
                  "Movements: GeoJSON LineString Features (id, organisation, window_start, "
                  "window_end)");
  cmd->add_option("--reports", o->reports, "Reports: ACLED-style CSV or GeoJSON");
  cmd->add_option("--positions", o->positions,
                  "Aircraft positions: OpenSky CSV, traffic JSON (.json, .json.gz) or JSON lines");
  cmd->add_option("--format", o->format, "Output format")
      ->check(CLI::IsMember({"jsonl", "geojson"}));
  cmd->add_option("--at", o->at,
                  "As known at this time: notifications, reports and positions after it are "
                  "left out");
  cmd->add_option("--alert-distance", o->site_distance_m,
                  "Alert distance of sites without their own alert_distance_m (m)")
      ->capture_default_str();
  cmd->add_option("--route-distance", o->route_distance_m,
                  "Alert distance of routes without their own alert_distance_m (m)")
      ->capture_default_str();
  cmd->add_option("--flight-distance", o->flight_distance_m,
                  "An aircraft this close horizontally passes over a target (m)")
      ->capture_default_str();
  cmd->add_option("--flight-altitude", o->flight_altitude_m,
                  "... at or below this altitude above mean sea level (m)")
      ->capture_default_str();
  cmd->add_option("--max-gap", o->max_gap_s, "Split tracks at silences longer than this (s)")
      ->capture_default_str();
  cmd->add_option("--skip-invalid", o->skip_invalid,
                  "Process the good reports and positions and write the rejects (JSON lines) "
                  "to this file");
  cmd->callback([&action, o] { action = [o] { return Run(*o); }; });
}

}  // namespace truce::cli
