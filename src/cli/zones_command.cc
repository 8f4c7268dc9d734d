// truce zones PATH [--at T] [--summary]: the zone versions in force, as GeoJSON or a table.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "command.h"
#include "formats/geojson.h"
#include "formats/scenario_reader.h"

namespace truce::cli {
namespace {

struct ZonesOptions {
  std::string path;
  std::string at;
  bool summary = false;
};

int Run(const ZonesOptions& o) {
  std::optional<UtcTime> at;
  if (!o.at.empty()) {
    auto t = ParseUtcTime(o.at);
    if (!t.ok()) return ReportError(Error{t.error().code, "--at: " + t.error().message, {}});
    at = *t;
  }
  auto scenario = formats::LoadScenario(o.path);
  if (!scenario.ok()) return ReportError(scenario.error());
  std::vector<const ZoneVersion*> versions;
  if (at) {
    versions = scenario->InForceAt(*at);
  } else {
    for (const ZoneVersion& v : scenario->zone_versions()) versions.push_back(&v);
  }
  if (!o.summary) {
    fmt::print("{}\n", formats::ZoneVersionsToGeoJson(versions).dump());
    return kExitOk;
  }
  fmt::print("{} zone version{} {}\n", versions.size(), versions.size() == 1 ? "" : "s",
             at ? "in force at " + FormatUtcTime(*at) : std::string("in all"));
  fmt::print("{:<16} {:>3}  {:<20} {:<20} {:>9} {:>8}  {}\n", "zone", "ver", "valid_from",
             "valid_to", "area_km2", "vertices", "rules (clause)");
  for (const ZoneVersion* v : versions) {
    std::string rules;
    for (const Rule& r : v->rules()) {
      rules += fmt::format("{}{}{}", rules.empty() ? "" : ", ", RuleKindName(r.kind),
                           r.Citation().empty() ? "" : " (" + r.Citation() + ")");
    }
    fmt::print("{:<16} {:>3}  {:<20} {:<20} {:>9.0f} {:>8}  {}\n", v->zone(), v->version(),
               FormatUtcTime(v->validity().begin()),
               v->validity().open_ended() ? "open" : FormatUtcTime(v->validity().end()),
               GeodesicArea(v->shape()).value / 1e6, v->shape().VertexCount(), rules);
  }
  return kExitOk;
}

}  // namespace

void AddZonesCommand(CLI::App& app, Action& action) {
  CLI::App* cmd = app.add_subcommand(
      "zones",
      "Print the zone versions of a scenario as a GeoJSON FeatureCollection (all of "
      "them, or those in force at --at)");
  auto o = std::make_shared<ZonesOptions>();
  cmd->add_option("PATH", o->path, "Scenario directory or zones GeoJSON file")->required();
  cmd->add_option("--at", o->at,
                  "Only versions in force at T (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ)");
  cmd->add_flag("--summary", o->summary, "A table for people instead of GeoJSON");
  cmd->callback([&action, o] { action = [o] { return Run(*o); }; });
}

}  // namespace truce::cli
