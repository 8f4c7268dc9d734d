#include "scenario_reader.h"

#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "formats/corroboration_settings.h"
#include "geojson.h"
#include "text_file.h"
#include "truce/text_policy.h"

namespace truce::formats {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

constexpr const char* kFormat = "truce-scenario/1";

// A string member acceptable as `field` (truce/text_policy.h); "" with a problem otherwise.
std::string Str(const json& obj, const char* key, TextField field, const std::string& at,
                bool required, std::vector<std::string>& problems) {
  const auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    if (required) problems.push_back(fmt::format("{}.{}: required string", at, key));
    return "";
  }
  if (!it->is_string()) {
    problems.push_back(fmt::format("{}.{}: expected a string, got {}", at, key, QuoteJson(*it)));
    return "";
  }
  if (auto p = TextProblem(it->get_ref<const std::string&>(), field)) {
    problems.push_back(fmt::format("{}.{}: {}", at, key, *p));
    return "";
  }
  return it->get<std::string>();
}

std::vector<std::string> StrList(const json& obj, const char* key, TextField field,
                                 const std::string& at, std::vector<std::string>& problems) {
  std::vector<std::string> out;
  const auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return out;
  if (!it->is_array()) {
    problems.push_back(fmt::format("{}.{}: expected an array of strings", at, key));
    return out;
  }
  for (size_t i = 0; i < it->size(); ++i) {
    const json& e = (*it)[i];
    if (!e.is_string()) {
      problems.push_back(
          fmt::format("{}.{}[{}]: expected a string, got {}", at, key, i, QuoteJson(e)));
    } else if (auto p = TextProblem(e.get_ref<const std::string&>(), field)) {
      problems.push_back(fmt::format("{}.{}[{}]: {}", at, key, i, *p));
    } else {
      out.push_back(e.get<std::string>());
    }
  }
  return out;
}

std::optional<UtcTime> Date(const json& obj, const char* key, const std::string& at,
                            std::vector<std::string>& problems) {
  const std::string text = Str(obj, key, kIdField, at, false, problems);
  if (text.empty()) return std::nullopt;
  auto t = ParseUtcTime(text);
  if (!t.ok()) {
    problems.push_back(fmt::format("{}.{}: {}", at, key, t.error().message));
    return std::nullopt;
  }
  return *t;
}

template <typename F>
void EachObject(const json& doc, const char* key, const std::string& file,
                std::vector<std::string>& problems, F&& each) {
  const auto it = doc.find(key);
  if (it == doc.end() || it->is_null()) return;
  if (!it->is_array()) {
    problems.push_back(fmt::format("{}: {}: expected an array of objects", file, key));
    return;
  }
  if (it->size() > kMaxRegisterEntries) {
    problems.push_back(fmt::format("{}: {}: {} entries, more than {}, the limit", file, key,
                                   it->size(), kMaxRegisterEntries));
    return;
  }
  for (size_t i = 0; i < it->size(); ++i) {
    const std::string at = fmt::format("{}: {}[{}]", file, key, i);
    if (!(*it)[i].is_object()) {
      problems.push_back(at + ": expected an object");
      continue;
    }
    each((*it)[i], at);
  }
}

Result<Scenario> Finish(ScenarioSpec spec, std::vector<std::string> problems) {
  auto scenario = Scenario::Create(std::move(spec));
  if (!scenario.ok()) {
    for (const Problem& p : scenario.error().problems) problems.push_back(p.ToString());
  }
  if (!problems.empty()) {
    return MakeProblemsError("invalid scenario", std::move(problems));
  }
  return scenario;
}

// Reads one zones file into spec.zone_versions; problems appended. Returns false if the file
// itself could not be read or parsed.
// Whether `path` lies strictly inside `dir` (both canonical).
bool Inside(const fs::path& dir, const fs::path& path) {
  auto p = path.begin();
  for (auto d = dir.begin(); d != dir.end(); ++d, ++p) {
    if (p == path.end() || *d != *p) return false;
  }
  return p != path.end();
}

// Reads zones[index], the zones file `name` listed in `scenario_file`, into
// spec.zone_versions; problems appended. The file must resolve (symlinks included) to a
// regular file inside the scenario's directory: a scenario names its own files, never
// /dev/zero or ../../etc/passwd.
void ReadZonesFile(const fs::path& scenario_file, size_t index, const std::string& name,
                   ScenarioSpec& spec, std::vector<std::string>& problems) {
  const std::string at = fmt::format("{}: zones[{}]", scenario_file.string(), index);
  const fs::path listed = scenario_file.parent_path() / name;
  std::error_code ec;
  const fs::path dir = fs::canonical(
      scenario_file.parent_path().empty() ? fs::path(".") : scenario_file.parent_path(), ec);
  if (ec) {
    problems.push_back(
        fmt::format("{}: cannot resolve the scenario directory: {}", at, ec.message()));
    return;
  }
  // weakly_canonical resolves the symbolic links of the part that exists, so a path that
  // leaves the directory is refused as such whether or not its target exists.
  const fs::path resolved = fs::weakly_canonical(dir / name, ec);
  if (!ec && resolved == dir) {
    problems.push_back(fmt::format("{}: {} is not a regular file", at, Quote(name)));
    return;
  }
  if (ec || !Inside(dir, resolved)) {
    problems.push_back(
        fmt::format("{}: {} is outside the scenario directory {} (zone files must be inside it, "
                    "symbolic links resolved)",
                    at, Quote(name), dir.string()));
    return;
  }
  if (!fs::exists(resolved, ec)) {
    problems.push_back(fmt::format("{}: no such file", listed.string()));
    return;
  }
  if (!fs::is_regular_file(resolved, ec)) {
    problems.push_back(fmt::format("{}: {} is not a regular file", at, Quote(name)));
    return;
  }
  auto text = ReadTextFile(resolved.string(), ReadLimits{kMaxScenarioFileBytes});
  if (!text.ok()) {
    problems.push_back(text.error().message);
    return;
  }
  auto doc = ParseJson(*text, listed.string());
  if (!doc.ok()) {
    problems.push_back(doc.error().message);
    return;
  }
  auto versions = ReadZoneVersions(*doc, listed.string());
  if (!versions.ok()) {
    if (versions.error().problems.empty()) problems.push_back(versions.error().message);
    for (const Problem& p : versions.error().problems) problems.push_back(p.ToString());
    return;
  }
  for (ZoneVersion& v : *versions) spec.zone_versions.push_back(std::move(v));
}

// The optional "deconfliction" block (docs/deconfliction.md, visibility policy).
void ReadDeconflictionPolicy(const json& doc, const std::string& file, DeconflictionPolicy& policy,
                             std::vector<std::string>& problems) {
  const auto block = doc.find("deconfliction");
  if (block == doc.end() || block->is_null()) return;
  const std::string at = file + ": deconfliction";
  if (!block->is_object()) {
    problems.push_back(at + ": expected an object");
    return;
  }
  auto metres = [&](const json& obj, const std::string& where) -> std::optional<Meters> {
    const auto it = obj.find("buffer_m");
    if (it == obj.end() || it->is_null()) return std::nullopt;
    if (!it->is_number()) {
      problems.push_back(
          fmt::format("{}.buffer_m: expected a number of metres, got {}", where, it->dump()));
      return std::nullopt;
    }
    return Meters{it->get<double>()};
  };
  if (const auto m = metres(*block, at)) policy.buffer = *m;
  if (const auto it = block->find("acknowledgement_hours"); it != block->end() && !it->is_null()) {
    if (!it->is_number_integer()) {
      problems.push_back(fmt::format(
          "{}.acknowledgement_hours: expected a whole number of hours, got {}", at, it->dump()));
    } else {
      policy.acknowledgement_due = std::chrono::hours(it->get<int64_t>());
    }
  }
  EachObject(*block, "parties", at, problems, [&](const json& g, const std::string& gat) {
    NotificationGrant grant;
    grant.party = Str(g, "party", kIdField, gat, true, problems);
    if (const auto all = g.find("all"); all != g.end() && !all->is_null()) {
      if (!all->is_boolean()) {
        problems.push_back(fmt::format("{}.all: expected true or false, got {}", gat, all->dump()));
      } else {
        grant.all = all->get<bool>();
      }
    }
    if (const auto zones = g.find("zones"); zones != g.end() && !zones->is_null()) {
      grant.zones = StrList(g, "zones", kIdField, gat, problems);
    }
    grant.buffer = metres(g, gat);
    policy.grants.push_back(std::move(grant));
  });
}

}  // namespace

std::vector<std::string> ReadScenarioRegister(const json& doc, const std::string& file,
                                              ScenarioSpec& spec,
                                              std::vector<std::string>& problems) {
  spec.has_register = true;
  if (!doc.is_object()) {
    problems.push_back(file + ": expected a JSON object");
    return {};
  }
  const auto format = doc.find("format");
  if (format == doc.end() || *format != kFormat) {
    problems.push_back(fmt::format("{}: format: expected \"{}\", got {}", file, kFormat,
                                   format == doc.end() ? "nothing" : QuoteJson(*format)));
  }
  spec.id = Str(doc, "id", kIdField, file, true, problems);
  spec.name = Str(doc, "name", kNameField, file, false, problems);
  spec.description = Str(doc, "description", kTextField, file, false, problems);
  EachObject(doc, "parties", file, problems, [&](const json& p, const std::string& at) {
    spec.parties.push_back(Party{Str(p, "id", kIdField, at, true, problems),
                                 Str(p, "name", kNameField, at, false, problems),
                                 Str(p, "kind", kIdField, at, false, problems),
                                 Str(p, "note", kTextField, at, false, problems),
                                 StrList(p, "aliases", kNameField, at, problems)});
  });
  EachObject(doc, "agreements", file, problems, [&](const json& a, const std::string& at) {
    Agreement agreement;
    agreement.id = Str(a, "id", kIdField, at, true, problems);
    agreement.name = Str(a, "name", kNameField, at, false, problems);
    agreement.signed_on = Date(a, "signed", at, problems);
    agreement.effective = Date(a, "effective", at, problems);
    agreement.expires = Date(a, "expires", at, problems);
    agreement.parties = StrList(a, "parties", kIdField, at, problems);
    agreement.guarantors = StrList(a, "guarantors", kIdField, at, problems);
    agreement.observers = StrList(a, "observers", kIdField, at, problems);
    agreement.source = Str(a, "source", kTextField, at, false, problems);
    EachObject(a, "clauses", at, problems, [&](const json& c, const std::string& cat) {
      agreement.clauses.push_back(Clause{Str(c, "id", kIdField, cat, true, problems),
                                         Str(c, "text", kTextField, cat, false, problems)});
    });
    spec.agreements.push_back(std::move(agreement));
  });
  ReadDeconflictionPolicy(doc, file, spec.deconfliction, problems);
  ReadCorroborationSettings(doc, file, spec.corroboration, problems);
  const size_t before = problems.size();
  std::vector<std::string> zones = StrList(doc, "zones", kIdField, file, problems);
  if (zones.empty() && problems.size() == before) {
    problems.push_back(file + ": zones: expected a non-empty array of zones GeoJSON file names");
  }
  return zones;
}

Result<Scenario> LoadScenario(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    return MakeError(ErrorCode::kNotFound, fmt::format("{}: no such file or directory", path));
  }
  fs::path scenario_file = path;
  if (fs::is_directory(path, ec)) {
    scenario_file = fs::path(path) / "scenario.json";
    if (!fs::exists(scenario_file, ec)) {
      return MakeError(ErrorCode::kNotFound,
                       fmt::format("{}: a scenario directory needs a scenario.json", path));
    }
  }
  auto text = ReadTextFile(scenario_file.string(), ReadLimits{kMaxScenarioFileBytes});
  if (!text.ok()) return std::move(text).error();
  auto doc = ParseJson(*text, scenario_file.string());
  if (!doc.ok()) {
    Error e = std::move(doc).error();
    e.problems.push_back(Problem{"", e.message});
    return e;
  }
  ScenarioSpec spec;
  spec.origin = scenario_file.string();
  std::vector<std::string> problems;
  const bool is_zones_file = doc->is_object() && doc->value("type", json()) == "FeatureCollection";
  if (is_zones_file) {
    auto versions = ReadZoneVersions(*doc, spec.origin);
    if (!versions.ok()) {
      Error e = std::move(versions).error();
      if (e.problems.empty()) e.problems.push_back(Problem{"", e.message});
      return e;
    }
    spec.zone_versions = std::move(versions).value();
    return Finish(std::move(spec), std::move(problems));
  }
  const std::vector<std::string> zone_files =
      ReadScenarioRegister(*doc, spec.origin, spec, problems);
  const auto listed = doc->find("zones");
  for (const std::string& name : zone_files) {
    // The index in the file's own list, for messages (names that failed are left out).
    size_t index = 0;
    while (index < listed->size() && (*listed)[index] != name) ++index;
    ReadZonesFile(scenario_file, index, name, spec, problems);
    if (spec.zone_versions.size() > kMaxZoneVersions) {
      problems.push_back(fmt::format("{}: more than {} zone versions, the limit for a scenario",
                                     spec.origin, kMaxZoneVersions));
      break;
    }
  }
  return Finish(std::move(spec), std::move(problems));
}

}  // namespace truce::formats
