// truce summary PATH --reports FILE [--from D --to D]: violations per zone, event type and
// actor for a period against the period of equal length before it.
#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "command.h"
#include "formats/scenario_reader.h"
#include "formats/summary_json.h"
#include "report_input.h"
#include "truce/summary.h"

namespace truce::cli {
namespace {

struct SummaryOptions {
  std::string path;
  std::string reports;
  std::string from;
  std::string to;
  std::string format = "table";
  std::string skip_invalid;
};

std::string Signed(int n) { return n > 0 ? fmt::format("+{}", n) : fmt::format("{}", n); }

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
  auto input = LoadReportInput(o.reports, o.skip_invalid);
  if (!input.ok()) return ReportError(input.error());
  std::vector<Report> latest;
  for (const auto& r : (*input)->latest) latest.push_back(*r.report);
  if (latest.empty() && (!from || !to)) {
    return ReportError(MakeError(ErrorCode::kInvalidInput,
                                 o.reports + ": no reports, and no --from/--to period given"));
  }
  if (!from || !to) {
    auto [lo, hi] = std::minmax_element(
        latest.begin(), latest.end(),
        [](const Report& a, const Report& b) { return a.spec().event_date < b.spec().event_date; });
    if (!from) from = lo->spec().event_date;
    if (!to) to = hi->spec().event_date;
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
  const PeriodSummary s = SummarizeViolations(violations, zones, *period);
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
      "Violations per zone, event type and actor for a period, against the period of "
      "equal length before it");
  auto o = std::make_shared<SummaryOptions>();
  cmd->add_option("PATH", o->path, "Scenario directory or zones GeoJSON file")->required();
  cmd->add_option("--reports", o->reports, "Reports: ACLED-style CSV or GeoJSON")->required();
  cmd->add_option("--from", o->from,
                  "First day of the period (YYYY-MM-DD; default: earliest report)");
  cmd->add_option("--to", o->to, "Last day of the period, inclusive (default: latest report)");
  cmd->add_option("--format", o->format, "Output format")->check(CLI::IsMember({"table", "json"}));
  cmd->add_option("--skip-invalid", o->skip_invalid,
                  "Process the good records and write the rejects (JSON lines) to this file");
  cmd->callback([&action, o] { action = [o] { return Run(*o); }; });
}

}  // namespace truce::cli
