#include "geojson.h"

#include <cmath>

#include <fmt/format.h>

#include "json_reader.h"
#include "truce/text_policy.h"

namespace truce::formats {
namespace {

using nlohmann::json;

const char* TypeName(const json& j) { return j.type_name(); }

bool ParseRing(const json& ring, const std::string& where, const std::string& path, Ring& out,
               std::vector<std::string>& problems) {
  if (!ring.is_array()) {
    problems.push_back(
        fmt::format("{}: {}: expected an array of positions, got {}", where, path, TypeName(ring)));
    return false;
  }
  bool ok = true;
  out.reserve(ring.size());
  for (size_t i = 0; i < ring.size(); ++i) {
    const json& pos = ring[i];
    const std::string at = fmt::format("{}[{}]", path, i);
    if (!pos.is_array() || pos.size() < 2 || !pos[0].is_number() || !pos[1].is_number()) {
      problems.push_back(
          fmt::format("{}: {}: expected a position [lon, lat], got {}", where, at, QuoteJson(pos)));
      ok = false;
      continue;
    }
    const double lng = pos[0].get<double>(), lat = pos[1].get<double>();
    if (!LatLng::IsValid(lat, lng)) {
      problems.push_back(fmt::format(
          "{}: {}: position {} out of range (lon in [-180, 180], lat in [-90, 90], finite)", where,
          at, QuoteJson(pos)));
      ok = false;
      continue;
    }
    out.emplace_back(lat, lng);
  }
  return ok;
}

bool ParsePolygon(const json& rings, const std::string& where, const std::string& path,
                  Polygon& out, std::vector<std::string>& problems) {
  if (!rings.is_array() || rings.empty()) {
    problems.push_back(fmt::format("{}: {}: expected a non-empty array of rings, got {}", where,
                                   path, rings.is_array() ? "[]" : TypeName(rings)));
    return false;
  }
  bool ok = true;
  for (size_t r = 0; r < rings.size(); ++r) {
    Ring ring;
    ok &= ParseRing(rings[r], where, fmt::format("{}[{}]", path, r), ring, problems);
    out.rings.push_back(std::move(ring));
  }
  return ok;
}

// Optional string property; problem if present and not a string (null counts as absent) or
// not acceptable as a `field` (truce/text_policy.h), and then "".
std::string StringProp(const json& props, const char* key, TextField field,
                       const std::string& where, std::vector<std::string>& problems) {
  const auto it = props.find(key);
  if (it == props.end() || it->is_null()) return "";
  if (!it->is_string()) {
    problems.push_back(
        fmt::format("{}: properties.{}: expected a string, got {}", where, key, QuoteJson(*it)));
    return "";
  }
  if (auto p = TextProblem(it->get_ref<const std::string&>(), field)) {
    problems.push_back(fmt::format("{}: properties.{}: {}", where, key, *p));
    return "";
  }
  return it->get<std::string>();
}

std::optional<UtcTime> TimeProp(const json& props, const char* key, const std::string& where,
                                std::vector<std::string>& problems) {
  const auto it = props.find(key);
  if (it == props.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) {
    problems.push_back(
        fmt::format("{}: properties.{}: expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ, got {}", where,
                    key, QuoteJson(*it)));
    return std::nullopt;
  }
  auto t = ParseUtcTime(it->get<std::string>());
  if (!t.ok()) {
    problems.push_back(fmt::format("{}: properties.{}: {}", where, key, t.error().message));
    return std::nullopt;
  }
  return *t;
}

std::optional<Meters> MetersProp(const json& props, const char* key, const std::string& where,
                                 std::vector<std::string>& problems) {
  const auto it = props.find(key);
  if (it == props.end() || it->is_null()) return std::nullopt;
  if (!it->is_number() || !std::isfinite(it->get<double>())) {
    problems.push_back(fmt::format("{}: properties.{}: expected a number of metres, got {}", where,
                                   key, QuoteJson(*it)));
    return std::nullopt;
  }
  return Meters{it->get<double>()};
}

std::vector<Rule> RulesProp(const json& props, const std::string& where,
                            std::vector<std::string>& problems) {
  std::vector<Rule> rules;
  const auto it = props.find("rules");
  if (it == props.end() || it->is_null()) return rules;
  if (!it->is_array()) {
    problems.push_back(
        fmt::format("{}: properties.rules: expected an array, got {}", where, TypeName(*it)));
    return rules;
  }
  const std::string kinds = "\"ceasefire\", \"no_fly\" or \"humanitarian_access\"";
  for (size_t i = 0; i < it->size(); ++i) {
    const json& entry = (*it)[i];
    const std::string at = fmt::format("{}: properties.rules[{}]", where, i);
    const json* kind = nullptr;
    Rule rule;
    if (entry.is_string()) {
      kind = &entry;
    } else if (entry.is_object()) {
      const auto k = entry.find("kind");
      if (k == entry.end()) {
        problems.push_back(fmt::format("{}: missing 'kind' ({})", at, kinds));
        continue;
      }
      kind = &*k;
      std::vector<std::string> rule_problems;
      rule.agreement = StringProp(entry, "agreement", kIdField, at, rule_problems);
      rule.clause = StringProp(entry, "clause", kIdField, at, rule_problems);
      if (const auto b = entry.find("bound"); b != entry.end() && !b->is_null()) {
        if (!b->is_array()) {
          rule_problems.push_back(fmt::format("{}.bound: expected an array of party ids", at));
        } else {
          for (const json& party : *b) {
            if (!party.is_string() || party.get<std::string>().empty()) {
              rule_problems.push_back(
                  fmt::format("{}.bound: expected party id strings, got {}", at, QuoteJson(party)));
            } else if (auto p = TextProblem(party.get_ref<const std::string&>(), kIdField)) {
              rule_problems.push_back(fmt::format("{}.bound: party id {}", at, *p));
            } else {
              rule.bound.push_back(party.get<std::string>());
            }
          }
        }
      }
      for (std::string& p : rule_problems) problems.push_back(std::move(p));
    } else {
      problems.push_back(
          fmt::format("{}: expected a rule kind ({}) or an object with 'kind', got {}", at, kinds,
                      QuoteJson(entry)));
      continue;
    }
    const auto parsed = kind->is_string() ? ParseRuleKind(kind->get<std::string>()) : std::nullopt;
    if (!parsed) {
      problems.push_back(
          fmt::format("{}: unknown rule kind {}: expected {}", at, QuoteJson(*kind), kinds));
      continue;
    }
    rule.kind = *parsed;
    rules.push_back(std::move(rule));
  }
  return rules;
}

}  // namespace

bool ParseGeometry(const json& geometry, const std::string& where, MultiPolygon& out,
                   std::vector<std::string>& problems) {
  if (!geometry.is_object()) {
    problems.push_back(fmt::format("{}: geometry: expected a Polygon or MultiPolygon, got {}",
                                   where, TypeName(geometry)));
    return false;
  }
  const auto type = geometry.find("type");
  const auto coords = geometry.find("coordinates");
  const std::string type_name =
      (type != geometry.end() && type->is_string()) ? type->get<std::string>() : "";
  if (type_name != "Polygon" && type_name != "MultiPolygon") {
    problems.push_back(
        fmt::format("{}: geometry.type: expected \"Polygon\" or \"MultiPolygon\", got {}", where,
                    type == geometry.end() ? "nothing" : QuoteJson(*type)));
    return false;
  }
  if (coords == geometry.end()) {
    problems.push_back(fmt::format("{}: geometry.coordinates: missing", where));
    return false;
  }
  out.polygons.clear();
  if (type_name == "Polygon") {
    Polygon p;
    const bool ok = ParsePolygon(*coords, where, "geometry.coordinates", p, problems);
    out.polygons.push_back(std::move(p));
    return ok;
  }
  if (!coords->is_array() || coords->empty()) {
    problems.push_back(
        fmt::format("{}: geometry.coordinates: expected a non-empty array of polygons", where));
    return false;
  }
  bool ok = true;
  for (size_t i = 0; i < coords->size(); ++i) {
    Polygon p;
    ok &=
        ParsePolygon((*coords)[i], where, fmt::format("geometry.coordinates[{}]", i), p, problems);
    out.polygons.push_back(std::move(p));
  }
  return ok;
}

void SwapAxes(json& coordinates) {
  if (!coordinates.is_array() || coordinates.empty()) return;
  if (coordinates[0].is_number()) {
    if (coordinates.size() >= 2) std::swap(coordinates[0], coordinates[1]);
    return;
  }
  for (json& c : coordinates) SwapAxes(c);
}

json GeometryToJson(const MultiPolygon& shape) {
  json polygons = json::array();
  for (const Polygon& polygon : shape.polygons) {
    json rings = json::array();
    for (const Ring& ring : polygon.rings) {
      json positions = json::array();
      for (const LatLng& v : ring) positions.push_back({v.lng(), v.lat()});
      rings.push_back(std::move(positions));
    }
    polygons.push_back(std::move(rings));
  }
  if (shape.polygons.size() == 1) {
    return {{"type", "Polygon"}, {"coordinates", std::move(polygons[0])}};
  }
  return {{"type", "MultiPolygon"}, {"coordinates", std::move(polygons)}};
}

Result<std::vector<ZoneVersion>> ReadZoneVersions(const json& doc, const std::string& file) {
  std::vector<std::string> problems;
  std::vector<ZoneVersion> versions;
  const auto type = doc.is_object() ? doc.find("type") : doc.end();
  if (!doc.is_object() || type == doc.end() || *type != "FeatureCollection" ||
      !doc.contains("features") || !doc["features"].is_array()) {
    return MakeError(
        ErrorCode::kInvalidInput,
        fmt::format("{}: expected a GeoJSON FeatureCollection with a \"features\" array", file));
  }
  const json& features = doc["features"];
  if (features.size() > kMaxZoneVersions) {
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("{}: {} features, more than {}, the limit of zone versions in a "
                                 "scenario",
                                 file, features.size(), kMaxZoneVersions));
  }
  for (size_t i = 0; i < features.size(); ++i) {
    const json& f = features[i];
    std::string where = fmt::format("{} feature {}", file, i);
    if (!f.is_object() || f.value("type", json()) != "Feature") {
      problems.push_back(fmt::format("{}: expected a GeoJSON Feature object", where));
      continue;
    }
    const auto props_it = f.find("properties");
    const json props = (props_it != f.end() && props_it->is_object()) ? *props_it : json::object();
    const size_t before = problems.size();
    ZoneVersionSpec spec;
    spec.origin = where;
    spec.zone = StringProp(props, "zone", kIdField, where, problems);
    if (!spec.zone.empty()) where += fmt::format(" (zone {})", Quote(spec.zone));
    if (spec.zone.empty() && problems.size() == before) {
      problems.push_back(where + ": properties.zone: required, expected a non-empty string id");
    }
    spec.name = StringProp(props, "name", kNameField, where, problems);
    if (const auto v = props.find("version"); v != props.end() && !v->is_null()) {
      if (v->is_number_integer() && v->get<long long>() >= 1 && v->get<long long>() < 1000000) {
        spec.version = v->get<int>();
      } else {
        problems.push_back(fmt::format("{}: properties.version: expected an integer >= 1, got {}",
                                       where, QuoteJson(*v)));
      }
    }
    const auto from = TimeProp(props, "valid_from", where, problems);
    if (!from && props.value("valid_from", json()).is_null()) {
      problems.push_back(where +
                         ": properties.valid_from: required (YYYY-MM-DD or "
                         "YYYY-MM-DDTHH:MM:SSZ)");
    }
    spec.valid_to = TimeProp(props, "valid_to", where, problems);
    spec.rules = RulesProp(props, where, problems);
    spec.altitude.min = MetersProp(props, "min_alt_m", where, problems);
    spec.altitude.max = MetersProp(props, "max_alt_m", where, problems);
    spec.agreement = StringProp(props, "agreement", kIdField, where, problems);
    spec.source = StringProp(props, "source", kTextField, where, problems);
    spec.note = StringProp(props, "note", kTextField, where, problems);
    const auto geometry = f.find("geometry");
    const bool shape_ok =
        ParseGeometry(geometry == f.end() ? json() : *geometry, where, spec.shape, problems);
    if (from) spec.valid_from = *from;
    if (problems.size() != before) {
      // The fields are already wrong; still report what is wrong with the geometry.
      if (shape_ok) {
        if (Status s = ValidateMultiPolygon(spec.shape, where); !s.ok()) {
          for (const Problem& p : s.error().problems) problems.push_back(p.ToString());
        }
      }
      continue;
    }
    auto version = ZoneVersion::Create(std::move(spec));
    if (!version.ok()) {
      for (const Problem& p : version.error().problems) problems.push_back(p.ToString());
      continue;
    }
    versions.push_back(std::move(version).value());
  }
  if (!problems.empty()) {
    return MakeProblemsError(file, std::move(problems));
  }
  return versions;
}

json ZoneVersionsToGeoJson(const std::vector<const ZoneVersion*>& versions) {
  json features = json::array();
  for (const ZoneVersion* v : versions) {
    json props = {{"zone", v->zone()},
                  {"version", v->version()},
                  {"valid_from", FormatUtcTime(v->validity().begin())}};
    if (!v->name().empty()) props["name"] = v->name();
    if (!v->validity().open_ended()) props["valid_to"] = FormatUtcTime(v->validity().end());
    json rules = json::array();
    for (const Rule& r : v->rules()) {
      json rule = {{"kind", RuleKindName(r.kind)}};
      if (!r.agreement.empty()) rule["agreement"] = r.agreement;
      if (!r.clause.empty()) rule["clause"] = r.clause;
      if (!r.bound.empty()) rule["bound"] = r.bound;
      rules.push_back(std::move(rule));
    }
    props["rules"] = std::move(rules);
    if (v->altitude().min) props["min_alt_m"] = v->altitude().min->value;
    if (v->altitude().max) props["max_alt_m"] = v->altitude().max->value;
    if (!v->agreement().empty()) props["agreement"] = v->agreement();
    if (!v->source().empty()) props["source"] = v->source();
    if (!v->note().empty()) props["note"] = v->note();
    features.push_back({{"type", "Feature"},
                        {"properties", std::move(props)},
                        {"geometry", GeometryToJson(v->shape())}});
  }
  return {{"type", "FeatureCollection"}, {"features", std::move(features)}};
}

}  // namespace truce::formats
