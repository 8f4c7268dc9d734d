// truce evaluate PATH --reports FILE: which reports violate which rule of which zone version.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "command.h"
#include "formats/csv.h"
#include "formats/records.h"
#include "formats/scenario_reader.h"
#include "report_input.h"
#include "truce/verdict.h"

namespace truce::cli {
namespace {

struct EvaluateOptions {
  std::string path;
  std::string reports;
  std::string format = "jsonl";
  std::string skip_invalid;
};

int Run(const EvaluateOptions& o) {
  auto scenario = formats::LoadScenario(o.path);
  if (!scenario.ok()) return ReportError(scenario.error());
  auto input = LoadReportInput(o.reports, o.skip_invalid);
  if (!input.ok()) return ReportError(input.error());
  const ReportInput& in = **input;

  std::vector<Report> latest;
  std::vector<int> revision;
  for (const auto& r : in.latest) {
    latest.push_back(*r.report);
    revision.push_back(r.revision);
  }
  const std::vector<Violation> violations = EvaluateReports(*scenario, latest);

  size_t inside = 0;
  std::string out;
  if (o.format == "csv") {
    out = "report,zone,version,rule,verdict,fraction,clause,party,revision,event_date\n";
  }
  nlohmann::json features = nlohmann::json::array();
  for (const Violation& v : violations) {
    inside += v.verdict == Verdict::kInside;
    const int rev = revision[static_cast<size_t>(v.report - latest.data())];
    if (o.format == "jsonl") {
      out += formats::ViolationToJson(v, rev).dump() + "\n";
    } else if (o.format == "csv") {
      out += fmt::format(
          "{},{},{},{},{},{},{},{},{},{}\n", formats::CsvField(v.report->event_id()),
          formats::CsvField(v.version->zone()), v.version->version(), RuleKindName(v.rule),
          VerdictName(v.verdict), formats::RoundTo4(v.fraction), formats::CsvField(v.clause),
          formats::CsvField(v.party), rev, FormatUtcDate(v.report->spec().event_date));
    } else {
      features.push_back(
          {{"type", "Feature"},
           {"properties", formats::ViolationToJson(v, rev)},
           {"geometry",
            {{"type", "Point"},
             {"coordinates", {v.report->location().lng(), v.report->location().lat()}}}}});
    }
  }
  if (o.format == "geojson") {
    out = nlohmann::json{{"type", "FeatureCollection"}, {"features", features}}.dump() + "\n";
  }
  fmt::print("{}", out);
  fmt::print(stderr,
             "evaluated {} report{} ({} rejected, {} identical re-imports dropped, {} revised): "
             "{} violation{} ({} inside, {} possible)\n",
             latest.size(), latest.size() == 1 ? "" : "s", in.rejected, in.duplicates,
             std::count_if(in.latest.begin(), in.latest.end(),
                           [](const formats::Revision& r) { return r.revision > 1; }),
             violations.size(), violations.size() == 1 ? "" : "s", inside,
             violations.size() - inside);
  return kExitOk;
}

}  // namespace

void AddEvaluateCommand(CLI::App& app, Action& action) {
  CLI::App* cmd = app.add_subcommand(
      "evaluate", "Ceasefire and flight-ban verdicts for incident reports: one violation per line");
  auto o = std::make_shared<EvaluateOptions>();
  cmd->add_option("PATH", o->path, "Scenario directory or zones GeoJSON file")->required();
  cmd->add_option("--reports", o->reports, "Reports: ACLED-style CSV or GeoJSON")->required();
  cmd->add_option("--format", o->format, "Output format")
      ->check(CLI::IsMember({"jsonl", "geojson", "csv"}));
  cmd->add_option("--skip-invalid", o->skip_invalid,
                  "Process the good records and write the rejects (JSON lines) to this file");
  cmd->callback([&action, o] { action = [o] { return Run(*o); }; });
}

}  // namespace truce::cli
