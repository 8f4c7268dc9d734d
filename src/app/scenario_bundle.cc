#include "app/scenario_bundle.h"

#include <filesystem>

#include <fmt/format.h>

#include "formats/geojson.h"
#include "formats/scenario_reader.h"
#include "formats/text_file.h"

namespace truce::app {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

constexpr const char* kBundleFormat = "truce-scenario-bundle/1";

Result<json> ReadJsonFile(const std::string& path) {
  auto text = formats::ReadTextFile(path);
  if (!text.ok()) return std::move(text).error();
  return formats::ParseJson(*text, path);
}

Error Invalid(std::vector<std::string> problems) {
  return MakeProblemsError("invalid scenario", std::move(problems));
}

}  // namespace

Result<json> ReadScenarioBundle(const std::string& path) {
  // LoadScenario gives the precise messages (files, lines, features) for a bad scenario.
  auto loaded = formats::LoadScenario(path);
  if (!loaded.ok()) return std::move(loaded).error();
  fs::path file = path;
  std::error_code ec;
  if (fs::is_directory(file, ec)) file /= "scenario.json";
  auto doc = ReadJsonFile(file.string());
  if (!doc.ok()) return std::move(doc).error();
  json bundle = {{"format", kBundleFormat}, {"zones", json::object()}};
  if (doc->is_object() && doc->value("type", json()) == "FeatureCollection") {
    bundle["zones"][file.filename().string()] = std::move(doc).value();
  } else {
    bundle["scenario"] = *doc;
    for (const json& name : doc->value("zones", json::array())) {
      if (!name.is_string()) continue;
      auto zones = ReadJsonFile((file.parent_path() / name.get<std::string>()).string());
      if (!zones.ok()) return std::move(zones).error();
      bundle["zones"][name.get<std::string>()] = std::move(zones).value();
    }
  }
  auto rebuilt = ScenarioFromBundle(bundle, path);
  if (!rebuilt.ok()) return std::move(rebuilt).error();
  return bundle;
}

Result<Scenario> ScenarioFromBundle(const json& bundle, const std::string& origin) {
  std::vector<std::string> problems;
  if (!bundle.is_object() || bundle.value("format", std::string()) != kBundleFormat) {
    return Invalid({fmt::format("{}: format: expected \"{}\"", origin, kBundleFormat)});
  }
  const json& zones = bundle.value("zones", json());
  if (!zones.is_object() || zones.empty()) {
    return Invalid({origin + ": zones: expected an object of zones FeatureCollections by name"});
  }
  ScenarioSpec spec;
  spec.origin = origin;
  std::vector<std::string> names;
  if (const auto it = bundle.find("scenario"); it != bundle.end() && !it->is_null()) {
    names = formats::ReadScenarioRegister(*it, origin + " scenario", spec, problems);
  } else {
    for (const auto& [name, doc] : zones.items()) names.push_back(name);
  }
  for (const std::string& name : names) {
    const auto it = zones.find(name);
    if (it == zones.end()) {
      problems.push_back(fmt::format("{}: zones: no FeatureCollection named '{}'", origin, name));
      continue;
    }
    auto versions = formats::ReadZoneVersions(*it, name);
    if (!versions.ok()) {
      if (versions.error().problems.empty()) problems.push_back(versions.error().message);
      for (const Problem& p : versions.error().problems) problems.push_back(p.ToString());
      continue;
    }
    for (ZoneVersion& v : *versions) spec.zone_versions.push_back(std::move(v));
  }
  if (!problems.empty()) return Invalid(std::move(problems));
  auto scenario = Scenario::Create(std::move(spec));
  if (!scenario.ok()) {
    Error e = std::move(scenario).error();
    if (e.problems.empty()) return Invalid({e.message});
    return MakeProblemsError("invalid scenario", std::move(e.problems));
  }
  return scenario;
}

}  // namespace truce::app
