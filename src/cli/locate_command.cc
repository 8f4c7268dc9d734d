// truce locate PATH --at T LAT,LON ... | --points FILE: which zone versions cover each point.
#include <algorithm>
#include <span>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "command.h"
#include "formats/points_csv.h"
#include "formats/scenario_reader.h"
#include "formats/text_file.h"
#include "truce/zone_index.h"

namespace truce::cli {
namespace {

struct LocateOptions {
  std::string path;
  std::string at;
  std::string points_file;
  std::vector<std::string> points;
};

Result<std::vector<formats::LocatePoint>> PointsFromArgs(const LocateOptions& o,
                                                         std::optional<UtcTime> at) {
  std::vector<std::string> problems;
  std::vector<formats::LocatePoint> out;
  if (!at) problems.push_back("--at: required with points given as LAT,LON");
  for (size_t i = 0; i < o.points.size(); ++i) {
    const std::string& arg = o.points[i];
    const size_t comma = arg.find(',');
    const auto lat =
        comma == std::string::npos ? std::nullopt : formats::ParseNumber(arg.substr(0, comma));
    const auto lon =
        comma == std::string::npos ? std::nullopt : formats::ParseNumber(arg.substr(comma + 1));
    if (!lat || !lon) {
      problems.push_back(
          fmt::format("point {} '{}': expected LAT,LON in decimal degrees", i + 1, arg));
      continue;
    }
    auto p = LatLng::Create(*lat, *lon);
    if (!p.ok()) {
      problems.push_back(fmt::format("point {} '{}': {}", i + 1, arg, p.error().message));
      continue;
    }
    if (at) out.push_back(formats::LocatePoint{std::to_string(i + 1), *p, *at});
  }
  if (!problems.empty()) {
    Error e = MakeError(ErrorCode::kInvalidArgument, "bad points");
    e.problems = ProblemsFromLines(std::move(problems));
    return e;
  }
  return out;
}

int Run(const LocateOptions& o) {
  if (o.points_file.empty() == o.points.empty()) {
    fmt::print(stderr, "error: give either points as LAT,LON arguments or --points FILE\n");
    return kExitUsage;
  }
  std::optional<UtcTime> at;
  if (!o.at.empty()) {
    auto t = ParseUtcTime(o.at);
    if (!t.ok()) return ReportError(Error{t.error().code, "--at: " + t.error().message, {}});
    at = *t;
  }
  Result<std::vector<formats::LocatePoint>> points = std::vector<formats::LocatePoint>{};
  if (o.points_file.empty()) {
    points = PointsFromArgs(o, at);
  } else {
    auto text = formats::ReadTextFile(o.points_file);
    if (!text.ok()) return ReportError(text.error());
    points = formats::ParsePointsCsv(*text, o.points_file, at);
  }
  if (!points.ok()) return ReportError(points.error());
  auto scenario = formats::LoadScenario(o.path);
  if (!scenario.ok()) return ReportError(scenario.error());

  const std::unique_ptr<ZoneLocator> locator = MakeZoneLocator(scenario->zone_versions());
  // The points go to the index in blocks (LocateAll), which answers many points faster than
  // one at a time; the output is the same line per point, in the file's order.
  constexpr size_t kBlock = 4096;
  std::vector<LatLng> where;
  std::vector<UtcTime> when;
  std::vector<uint32_t> offsets;
  std::vector<const ZoneVersion*> hits;
  std::string out;
  for (size_t base = 0; base < points->size(); base += kBlock) {
    const std::span<const formats::LocatePoint> block =
        std::span(*points).subspan(base, std::min(kBlock, points->size() - base));
    where.clear();
    when.clear();
    for (const formats::LocatePoint& p : block) {
      where.push_back(p.position);
      when.push_back(p.time);
    }
    locator->LocateAll(where, when, offsets, hits);
    for (size_t i = 0; i < block.size(); ++i) {
      const formats::LocatePoint& p = block[i];
      nlohmann::json zones = nlohmann::json::array();
      for (uint32_t h = offsets[i]; h < offsets[i + 1]; ++h)
        zones.push_back({{"zone", hits[h]->zone()}, {"version", hits[h]->version()}});
      const nlohmann::json line = {{"id", p.id},
                                   {"lat", p.position.lat()},
                                   {"lon", p.position.lng()},
                                   {"time", FormatUtcTime(p.time)},
                                   {"zones", std::move(zones)}};
      out += line.dump();
      out += '\n';
    }
    fmt::print("{}", out);
    out.clear();
  }
  return kExitOk;
}

}  // namespace

void AddLocateCommand(CLI::App& app, Action& action) {
  CLI::App* cmd = app.add_subcommand(
      "locate",
      "For each point, the zone versions in force at its time that cover it (the "
      "boundary counts as inside); one JSON object per line");
  auto o = std::make_shared<LocateOptions>();
  cmd->add_option("PATH", o->path, "Scenario directory or zones GeoJSON file")->required();
  cmd->add_option("--at", o->at,
                  "Time of the points (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ); with --points, the "
                  "default for rows whose time is empty");
  cmd->add_option("--points", o->points_file, "CSV with header id,lat,lon,time");
  cmd->add_option("POINTS", o->points, "Points as LAT,LON in decimal degrees");
  cmd->callback([&action, o] { action = [o] { return Run(*o); }; });
}

}  // namespace truce::cli
