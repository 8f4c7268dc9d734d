// truce summary PATH --reports FILE [--positions FILE...] [--from D --to D]: violations per
// zone, event type and actor, and the flight ban (aircraft violations and minutes inside), for
// a period against the period of equal length before it.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "app/flights.h"
#include "command.h"
#include "formats/positions.h"
#include "formats/scenario_reader.h"
#include "formats/summary_json.h"
#include "formats/text_file.h"
#include "report_input.h"
#include "truce/summary.h"
#include "truce/zone_index.h"

namespace truce::cli {
namespace {

struct SummaryOptions {
  std::string path;
  std::string reports;
  std::vector<std::string> positions;
  std::string exemptions;
  std::string from;
  std::string to;
  std::string format = "table";
  std::string skip_invalid;
};

std::string Signed(int n) { return n > 0 ? fmt::format("+{}", n) : fmt::format("{}", n); }

std::string SignedMinutes(std::chrono::milliseconds ms) {
  const double m = std::round(static_cast<double>(ms.count()) / 6000.0) / 10.0;
  return m > 0 ? fmt::format("+{:.1f}", m) : fmt::format("{:.1f}", m);
}

// The no-fly violations of the positions files, judged as `truce flights` judges them (default
// monitor options, the exemptions file if given, the positions judged as the files are read).
// A bad record refuses the whole input.
Result<std::vector<FlightViolation>> JudgePositionFiles(const SummaryOptions& o,
                                                        const Scenario& scenario) {
  std::vector<Exemption> exemptions;
  if (!o.exemptions.empty()) {
    auto text = formats::ReadTextFile(o.exemptions);
    if (!text.ok()) return std::move(text).error();
    auto parsed = formats::ParseExemptionsCsv(*text, o.exemptions);
    if (!parsed.ok()) return std::move(parsed).error();
    exemptions = std::move(parsed).value();
  }
  const std::unique_ptr<ZoneLocator> locator = MakeZoneLocator(scenario.zone_versions());
  const FlightMonitor monitor(scenario.zone_versions(), *locator, std::move(exemptions));
  auto judged = app::JudgeFlightFiles(o.positions, monitor);
  if (!judged.ok()) return std::move(judged).error();
  if (judged->rejected > 0) return app::RefusedPositionsError(*judged, "nothing was summarised");
  return std::move(judged->violations);
}

void PrintTable(const PeriodSummary& s) {
  const auto last_day = [](const TimeInterval& i) {
    return FormatUtcDate(i.end() - std::chrono::days(1));
  };
  fmt::print("Violations {} .. {} (previous period {} .. {})\n", FormatUtcDate(s.period.begin()),
             last_day(s.period), FormatUtcDate(s.previous.begin()), last_day(s.previous));
  fmt::print("All zones: {} reports ({} vs previous)\n\n", s.reports.current,
             Signed(s.reports.change()));
  for (const ZoneSummary& z : s.zones) {
    fmt::print("{}: {} reports, {} inside ({} vs previous {})\n", z.zone, z.reports.current,
               z.inside.current, Signed(z.reports.change()), z.reports.previous);
    auto section = [](const char* title, const std::map<std::string, CountChange>& m) {
      for (const auto& [k, c] : m) {
        if (c.current == 0 && c.previous == 0) continue;
        fmt::print("  {:<10} {:<44} {:>5} {:>6}\n", title, k, c.current, Signed(c.change()));
      }
    };
    section("rule", z.by_rule);
    section("type", z.by_event_type);
    section("actor", z.by_actor);
    for (const auto& [day, n] : z.daily) fmt::print("  {:<10} {:<44} {:>5}\n", "day", day, n);
    const FlightBanSummary& f = z.flight_ban;
    if (f.flights.current != 0 || f.flights.previous != 0) {
      fmt::print("  {:<10} {:<44} {:>5} {:>6}\n", "flights", "aircraft violations",
                 f.flights.current, Signed(f.flights.change()));
      fmt::print("  {:<10} {:<44} {:>5.1f} {:>6}\n", "flights", "minutes inside",
                 std::round(static_cast<double>(f.inside.current.count()) / 6000.0) / 10.0,
                 SignedMinutes(f.inside.change()));
    }
  }
}

int Run(const SummaryOptions& o) {
  std::optional<UtcTime> from, to;
  for (const auto& [text, out, name] :
       {std::tuple{&o.from, &from, "--from"}, std::tuple{&o.to, &to, "--to"}}) {
    if (text->empty()) continue;
    auto t = ParseUtcTime(*text);
    if (!t.ok() || *t != std::chrono::floor<std::chrono::days>(*t)) {
      return ReportError(
          MakeError(ErrorCode::kInvalidArgument,
                    fmt::format("{}: expected a day YYYY-MM-DD, got '{}'", name, *text)));
    }
    *out = *t;
  }
  auto scenario = formats::LoadScenario(o.path);
  if (!scenario.ok()) return ReportError(scenario.error());
  if (o.reports.empty() && o.positions.empty()) {
    fmt::print(stderr, "error: give --reports FILE, --positions FILE..., or both\n");
    return kExitUsage;
  }
  std::vector<Report> latest;
  std::unique_ptr<ReportInput> input;
  if (!o.reports.empty()) {
    auto loaded = LoadReportInput(o.reports, o.skip_invalid);
    if (!loaded.ok()) return ReportError(loaded.error());
    input = std::move(loaded).value();
    for (const auto& r : input->latest) latest.push_back(*r.report);
  }
  std::vector<FlightViolation> flights;
  if (!o.positions.empty()) {
    auto judged = JudgePositionFiles(o, *scenario);
    if (!judged.ok()) return ReportError(judged.error());
    flights = std::move(judged).value();
  }
  // The default period: the days of the reports and of the flights' entries.
  std::vector<UtcTime> days;
  for (const Report& r : latest) days.push_back(r.spec().event_date);
  for (const FlightViolation& v : flights) {
    days.push_back(std::chrono::floor<std::chrono::days>(v.entry.time));
  }
  if (days.empty() && (!from || !to)) {
    return ReportError(MakeError(
        ErrorCode::kInvalidInput,
        fmt::format("{}: no reports and no flight violations, and no --from/--to period given",
                    o.reports.empty() ? o.positions.front() : o.reports)));
  }
  if (!from || !to) {
    auto [lo, hi] = std::minmax_element(days.begin(), days.end());
    if (!from) from = *lo;
    if (!to) to = *hi;
  }
  auto period = TimeInterval::Create(*from, *to + std::chrono::days(1));
  if (!period.ok()) {
    return ReportError(MakeError(
        ErrorCode::kInvalidArgument,
        fmt::format("--from {} is after --to {}", FormatUtcDate(*from), FormatUtcDate(*to))));
  }
  const std::vector<Violation> violations = EvaluateReports(*scenario, latest);
  std::vector<std::string> zones;
  for (const Zone& z : scenario->Zones()) zones.push_back(z.id);
  PeriodSummary s = SummarizeViolations(violations, zones, *period);
  SummarizeFlights(flights, s);
  if (o.format == "table") {
    PrintTable(s);
    return kExitOk;
  }
  fmt::print("{}\n", formats::SummaryToJson(s).dump(2));
  return kExitOk;
}

}  // namespace

void AddSummaryCommand(CLI::App& app, Action& action) {
  CLI::App* cmd = app.add_subcommand(
      "summary",
      "Violations per zone, event type and actor, and the flight ban, for a period, against "
      "the period of equal length before it");
  auto o = std::make_shared<SummaryOptions>();
  cmd->add_option("PATH", o->path, "Scenario directory or zones GeoJSON file")->required();
  cmd->add_option("--reports", o->reports, "Reports: ACLED-style CSV or GeoJSON");
  cmd->add_option("--positions", o->positions,
                  "Aircraft positions for the flight ban, judged as `truce flights` does: "
                  "OpenSky CSV, traffic JSON (.json, .json.gz) or JSON lines");
  cmd->add_option("--exemptions", o->exemptions,
                  "Exempted flights: CSV icao24,callsign,from,to[,zone,note]");
  cmd->add_option("--from", o->from,
                  "First day of the period (YYYY-MM-DD; default: the earliest report or "
                  "flight violation)");
  cmd->add_option("--to", o->to,
                  "Last day of the period, inclusive (default: the latest report or flight "
                  "violation)");
  cmd->add_option("--format", o->format, "Output format")->check(CLI::IsMember({"table", "json"}));
  cmd->add_option("--skip-invalid", o->skip_invalid,
                  "Process the good records and write the rejects (JSON lines) to this file");
  cmd->callback([&action, o] { action = [o] { return Run(*o); }; });
}

}  // namespace truce::cli
