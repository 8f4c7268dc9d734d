// truce scenario check PATH: validate a scenario and summarise it.

#include <fmt/format.h>

#include "command.h"
#include "formats/scenario_reader.h"

namespace truce::cli {
namespace {

std::string Day(UtcTime t) { return t == kEndOfTime ? "open" : FormatUtcDate(t); }

void PrintSummary(const Scenario& s) {
  size_t vertices = 0;
  for (const ZoneVersion& v : s.zone_versions()) vertices += v.shape().VertexCount();
  const size_t zones = s.Zones().size();
  fmt::print("ok: {}\n", s.origin());
  if (!s.id().empty())
    fmt::print("scenario: {}{}\n", s.id(), s.name().empty() ? "" : " (" + s.name() + ")");
  fmt::print("parties: {}, agreements: {}, zones: {}, zone versions: {}, vertices: {}\n",
             s.parties().size(), s.agreements().size(), zones, s.zone_versions().size(), vertices);
  for (const ZoneVersion& v : s.zone_versions()) {
    std::string rules;
    for (const Rule& r : v.rules())
      rules += (rules.empty() ? "" : ",") + std::string(RuleKindName(r.kind));
    fmt::print("  {:<16} v{:<2} {} .. {:<10} {}\n", v.zone(), v.version(),
               Day(v.validity().begin()), Day(v.validity().end()), rules);
  }
}

}  // namespace

void AddScenarioCommand(CLI::App& app, Action& action) {
  CLI::App* scenario = app.add_subcommand("scenario", "Work with scenario files");
  scenario->require_subcommand(1);
  CLI::App* check = scenario->add_subcommand(
      "check",
      "Validate a scenario (directory, scenario.json or zones GeoJSON); exit 0 and a "
      "summary when valid, exit 1 and every problem otherwise");
  auto path = std::make_shared<std::string>();
  check->add_option("PATH", *path, "Scenario directory or zones GeoJSON file")->required();
  check->callback([&action, path] {
    action = [path] {
      auto scenario = formats::LoadScenario(*path);
      if (!scenario.ok()) return ReportError(scenario.error());
      PrintSummary(*scenario);
      return kExitOk;
    };
  });
}

}  // namespace truce::cli
