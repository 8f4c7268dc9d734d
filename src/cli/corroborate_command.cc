// truce corroborate PATH --reports FILE... [--claims FILE...] [--decisions FILE...]
// [--positions FILE...]: reports grouped into incidents, independent sources counted, claims
// linked, incidents graded with their reason; or, with --side-by-side, each party's alleged
// violations in a zone and period against the independently established count
// (docs/corroboration.md).
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "command.h"
#include "formats/claims.h"
#include "formats/decisions.h"
#include "formats/incident_json.h"
#include "formats/positions.h"
#include "formats/scenario_reader.h"
#include "formats/text_file.h"
#include "report_input.h"
#include "truce/air_ground.h"
#include "truce/incident.h"
#include "truce/side_by_side.h"
#include "truce/zone_index.h"

namespace truce::cli {
namespace {

struct CorroborateOptions {
  std::string path;
  std::vector<std::string> reports;
  std::vector<std::string> claims;
  std::vector<std::string> decisions;
  std::vector<std::string> positions;
  std::string format = "jsonl";
  std::string skip_invalid;
  bool side_by_side = false;
  std::string zone;
  std::string from;
  std::string to;
};

// Reads each file and concatenates what `parse(text, file)` makes of it.
template <typename T, typename Parse>
Result<std::vector<T>> ParseFiles(const std::vector<std::string>& files, Parse parse) {
  std::vector<T> out;
  for (const std::string& file : files) {
    auto text = formats::ReadTextFile(file);
    if (!text.ok()) return std::move(text).error();
    Result<std::vector<T>> parsed = parse(*text, file);
    if (!parsed.ok()) return std::move(parsed).error();
    std::move(parsed->begin(), parsed->end(), std::back_inserter(out));
  }
  return out;
}

// Claims name scenario parties and zones, as the server requires.
Result<std::vector<Claim>> LoadClaims(const CorroborateOptions& o, const Scenario& scenario) {
  auto claims = ParseFiles<Claim>(o.claims, formats::ParseClaims);
  if (!claims.ok()) return claims;
  std::vector<std::string> problems;
  for (const Claim& c : *claims) {
    if (scenario.has_register()) {
      for (const auto& [field, id] : {std::pair("party", &c.party), {"about", &c.responsible}}) {
        if (!id->empty() && scenario.FindParty(*id) == nullptr) {
          problems.push_back(
              fmt::format("{}: {}: '{}' is not a party of the scenario", c.id, field, *id));
        }
      }
    }
    if (!c.alleged.zone.empty() &&
        std::none_of(scenario.zone_versions().begin(), scenario.zone_versions().end(),
                     [&](const ZoneVersion& v) { return v.zone() == c.alleged.zone; })) {
      problems.push_back(
          fmt::format("{}: zone: '{}' is not a zone of the scenario", c.id, c.alleged.zone));
    }
  }
  if (!problems.empty()) return MakeProblemsError("claims", std::move(problems));
  return claims;
}

Result<std::vector<Position>> LoadPositions(const CorroborateOptions& o) {
  std::vector<Position> positions;
  std::vector<std::string> problems;
  for (const std::string& file : o.positions) {
    auto text = formats::ReadTextFile(file);
    if (!text.ok()) return std::move(text).error();
    auto batch = formats::ParsePositions(*text, file);
    if (!batch.ok()) return std::move(batch).error();
    for (const auto& r : batch->rejected) {
      problems.insert(problems.end(), r.reasons.begin(), r.reasons.end());
    }
    std::move(batch->positions.begin(), batch->positions.end(), std::back_inserter(positions));
  }
  if (!problems.empty()) return MakeProblemsError("positions", std::move(problems));
  return positions;
}

Result<TimeInterval> Period(const CorroborateOptions& o, const Scenario& scenario) {
  std::vector<std::string> problems;
  if (std::none_of(scenario.zone_versions().begin(), scenario.zone_versions().end(),
                   [&](const ZoneVersion& v) { return v.zone() == o.zone; })) {
    std::set<std::string> zones;
    for (const ZoneVersion& v : scenario.zone_versions()) zones.insert(v.zone());
    problems.push_back(fmt::format("--zone: '{}' is not a zone of the scenario (zones: {})", o.zone,
                                   fmt::join(zones, ", ")));
  }
  auto from = ParseUtcTime(o.from);
  auto to = ParseUtcTime(o.to);
  if (!from.ok()) problems.push_back("--from: " + from.error().message);
  if (!to.ok()) problems.push_back("--to: " + to.error().message);
  if (!problems.empty()) return MakeProblemsError("--side-by-side", std::move(problems));
  auto period = TimeInterval::Create(*from, *to + std::chrono::days(1));
  if (!period.ok()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     fmt::format("--from {} is after --to {}", o.from, o.to));
  }
  return *period;
}

int Run(const CorroborateOptions& o) {
  if (o.side_by_side != !o.zone.empty() || o.side_by_side != !o.from.empty() ||
      o.side_by_side != !o.to.empty()) {
    fmt::print(stderr, "error: --side-by-side goes with --zone, --from and --to, all four\n");
    return kExitUsage;
  }
  auto scenario = formats::LoadScenario(o.path);
  if (!scenario.ok()) return ReportError(scenario.error());
  std::optional<TimeInterval> period;
  if (o.side_by_side) {
    auto p = Period(o, *scenario);
    if (!p.ok()) return ReportError(p.error());
    period = *p;
  }
  auto input = LoadReportInput(o.reports, o.skip_invalid);
  if (!input.ok()) return ReportError(input.error());
  auto claims = LoadClaims(o, *scenario);
  if (!claims.ok()) return ReportError(claims.error());
  auto decisions = ParseFiles<Decision>(o.decisions, formats::ParseDecisions);
  if (!decisions.ok()) return ReportError(decisions.error());
  std::vector<Position> positions;
  if (!o.positions.empty()) {
    auto loaded = LoadPositions(o);
    if (!loaded.ok()) return ReportError(loaded.error());
    positions = std::move(loaded).value();
  }

  // The latest revision of each event id, arriving in the order its id first appeared.
  const ReportInput& in = **input;
  std::vector<Report> latest;
  for (const auto& r : in.latest) latest.push_back(*r.report);
  std::vector<ReportEntry> entries;
  for (size_t i = 0; i < latest.size(); ++i)
    entries.push_back(ReportEntry{&latest[i], i, "", false});
  Corroborator corroborator(*scenario);
  corroborator.AddReports(entries);
  corroborator.AddClaims(*claims);
  for (Decision& d : *decisions) {
    const std::string id = d.id;
    if (Status st = corroborator.AddDecision(std::move(d)); !st.ok()) {
      Error e = st.error();
      e.message = fmt::format("{}: {}", id, e.message);
      return ReportError(e);
    }
  }

  std::vector<Incident> incidents;
  for (const Incident* i : corroborator.Incidents()) incidents.push_back(*i);
  AttachViolations(incidents, EvaluateReports(*scenario, latest));
  size_t links = 0;
  if (!o.positions.empty()) {
    // The server computes the same from the positions in its log (app/air_evidence.h).
    FuseIncidents(incidents, positions, scenario->corroboration().track_distance);
    for (const Incident& i : incidents) links += i.tracks.size();
  }
  const CorroborationStats stats = corroborator.Stats();

  if (period) {
    const std::unique_ptr<ZoneLocator> locator = MakeZoneLocator(scenario->zone_versions());
    std::vector<const Incident*> pointers;
    for (const Incident& i : incidents) pointers.push_back(&i);
    const std::vector<const Claim*> unlinked = corroborator.UnlinkedClaims();
    const SideBySide s = CompareClaims(o.zone, *period, pointers, unlinked, locator.get());
    fmt::print("{}\n", formats::SideBySideToJson(s).dump());
  } else if (o.format == "geojson") {
    nlohmann::ordered_json features = nlohmann::ordered_json::array();
    for (const Incident& i : incidents) {
      features.push_back(
          {{"type", "Feature"},
           {"properties", formats::IncidentToJson(i)},
           {"geometry", {{"type", "Point"}, {"coordinates", {i.where.lng(), i.where.lat()}}}}});
    }
    fmt::print(
        "{}\n",
        nlohmann::ordered_json{{"type", "FeatureCollection"}, {"features", features}}.dump());
  } else {
    std::string out;
    for (const Incident& i : incidents) out += formats::IncidentToJson(i).dump() + "\n";
    fmt::print("{}", out);
  }

  std::map<std::string_view, size_t> grades;
  for (const Incident& i : incidents) ++grades[GradeName(i.grade)];
  std::vector<std::string> by_grade;
  for (const auto& [grade, n] : grades) by_grade.push_back(fmt::format("{} {}", n, grade));
  fmt::print(stderr,
             "corroborate: {} report{} ({} rejected, {} identical re-imports dropped, {} too vague "
             "to link) in {} incident{} ({}); {} claim{} ({} linked to an incident), {} "
             "decision{}, {} track link{}\n",
             stats.reports, stats.reports == 1 ? "" : "s", in.rejected, in.duplicates,
             stats.too_vague, incidents.size(), incidents.size() == 1 ? "" : "s",
             fmt::join(by_grade, ", "), stats.claims, stats.claims == 1 ? "" : "s",
             stats.claims_linked, stats.decisions, stats.decisions == 1 ? "" : "s", links,
             links == 1 ? "" : "s");
  return kExitOk;
}

}  // namespace

void AddCorroborateCommand(CLI::App& app, Action& action) {
  CLI::App* cmd = app.add_subcommand(
      "corroborate",
      "Incidents from reports: independent sources counted once, claims linked, graded with "
      "the reason; one incident per line");
  auto o = std::make_shared<CorroborateOptions>();
  cmd->add_option("PATH", o->path, "Scenario directory or zones GeoJSON file")->required();
  cmd->add_option("--reports", o->reports, "Reports: ACLED-style CSV or GeoJSON, in arrival order")
      ->required();
  cmd->add_option("--claims", o->claims, "Parties' claims: JSON array or JSON lines");
  cmd->add_option("--decisions", o->decisions,
                  "Analysts' merge, split and grade decisions: JSON array or JSON lines");
  cmd->add_option("--positions", o->positions,
                  "Aircraft positions (OpenSky CSV, traffic JSON[.gz], JSON lines) for strike "
                  "reports");
  cmd->add_option("--format", o->format, "Output format")
      ->check(CLI::IsMember({"jsonl", "geojson"}));
  cmd->add_option("--skip-invalid", o->skip_invalid,
                  "Process the good reports and write the rejects (JSON lines) to this file");
  cmd->add_flag("--side-by-side", o->side_by_side,
                "Print each party's alleged violations against the independently established "
                "count for --zone, --from, --to");
  cmd->add_option("--zone", o->zone, "--side-by-side: the zone id");
  cmd->add_option("--from", o->from, "--side-by-side: first day of the period");
  cmd->add_option("--to", o->to, "--side-by-side: last day of the period, inclusive");
  cmd->callback([&action, o] { action = [o] { return Run(*o); }; });
}

}  // namespace truce::cli
