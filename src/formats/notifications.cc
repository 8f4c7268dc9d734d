#include "notifications.h"

#include <cmath>
#include <map>

#include <fmt/format.h>

#include "geojson.h"

namespace truce::formats {
namespace {

using nlohmann::json;

constexpr const char* kTimeForms = "YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ";

// Reads the fields of one JSON object, appending a problem per bad field, each naming `where`
// and the field's path (`prefix` + key: "properties.valid_from", or "at").
class Fields {
 public:
  Fields(const json& object, std::string where, std::string prefix,
         std::vector<std::string>& problems)
      : object_(object),
        where_(std::move(where)),
        prefix_(std::move(prefix)),
        problems_(problems) {}

  void Rename(std::string where) { where_ = std::move(where); }

  std::string Str(const char* key, bool required) {
    const json* v = Find(key);
    if (v == nullptr) {
      if (required) Problem(key, "required, expected a non-empty string");
      return "";
    }
    if (!v->is_string()) {
      Problem(key, fmt::format("expected a string, got {}", v->dump()));
      return "";
    }
    if (required && v->get<std::string>().empty()) {
      Problem(key, "required, expected a non-empty string");
    }
    return v->get<std::string>();
  }

  std::optional<UtcTime> Time(const char* key, bool required) {
    const json* v = Find(key);
    if (v == nullptr) {
      if (required) Problem(key, fmt::format("required ({})", kTimeForms));
      return std::nullopt;
    }
    if (!v->is_string()) {
      Problem(key, fmt::format("expected {}, got {}", kTimeForms, v->dump()));
      return std::nullopt;
    }
    auto t = ParseUtcTime(v->get<std::string>());
    if (!t.ok()) {
      Problem(key, t.error().message);
      return std::nullopt;
    }
    return *t;
  }

  std::optional<Meters> Metres(const char* key) {
    const json* v = Find(key);
    if (v == nullptr) return std::nullopt;
    if (!v->is_number() || !std::isfinite(v->get<double>())) {
      Problem(key, fmt::format("expected a number of metres, got {}", v->dump()));
      return std::nullopt;
    }
    return Meters{v->get<double>()};
  }

  std::optional<int> Count(const char* key) {
    const json* v = Find(key);
    if (v == nullptr) return std::nullopt;
    if (!v->is_number_integer() || v->get<int64_t>() < 0 || v->get<int64_t>() > 1'000'000) {
      Problem(key, fmt::format("expected a whole number >= 0, got {}", v->dump()));
      return std::nullopt;
    }
    return v->get<int>();
  }

  bool Flag(const char* key) {
    const json* v = Find(key);
    if (v == nullptr) return false;
    if (!v->is_boolean()) {
      Problem(key, fmt::format("expected true or false, got {}", v->dump()));
      return false;
    }
    return v->get<bool>();
  }

  void Problem(const char* key, const std::string& what) {
    problems_.push_back(fmt::format("{}: {}{}: {}", where_, prefix_, key, what));
  }

 private:
  // The value of `key`; null counts as absent.
  const json* Find(const char* key) const {
    const auto it = object_.find(key);
    return it == object_.end() || it->is_null() ? nullptr : &*it;
  }

  const json& object_;
  std::string where_;
  std::string prefix_;
  std::vector<std::string>& problems_;
};

std::optional<LatLng> ParsePosition(const json& pos, const std::string& where,
                                    const std::string& path, std::vector<std::string>& problems) {
  if (!pos.is_array() || pos.size() < 2 || !pos[0].is_number() || !pos[1].is_number()) {
    problems.push_back(
        fmt::format("{}: {}: expected a position [lon, lat], got {}", where, path, pos.dump()));
    return std::nullopt;
  }
  const double lng = pos[0].get<double>(), lat = pos[1].get<double>();
  auto p = LatLng::Create(lat, lng);
  if (!p.ok()) {
    problems.push_back(
        fmt::format("{}: {}: {} (position {})", where, path, p.error().message, pos.dump()));
    return std::nullopt;
  }
  return *p;
}

// The geometry object of a feature and its type, or a problem naming what was expected.
const json* Geometry(const json& feature, const std::string& where, const char* expected,
                     std::string& type, std::vector<std::string>& problems) {
  const auto g = feature.find("geometry");
  if (g == feature.end() || !g->is_object()) {
    problems.push_back(fmt::format("{}: geometry: expected a {} geometry", where, expected));
    return nullptr;
  }
  const auto t = g->find("type");
  type = t != g->end() && t->is_string() ? t->get<std::string>() : "";
  if (!g->contains("coordinates")) {
    problems.push_back(fmt::format("{}: geometry.coordinates: missing", where));
    return nullptr;
  }
  return &*g;
}

// The properties object of a Feature, or a problem.
const json* Properties(const json& feature, const std::string& where,
                       std::vector<std::string>& problems) {
  if (!feature.is_object() || feature.value("type", json()) != "Feature") {
    problems.push_back(where + ": expected a GeoJSON Feature object");
    return nullptr;
  }
  const auto props = feature.find("properties");
  if (props == feature.end() || !props->is_object()) {
    problems.push_back(where + ": properties: expected an object");
    return nullptr;
  }
  return &*props;
}

template <typename T, typename Read>
Result<std::vector<T>> ReadFeatures(const json& doc, const std::string& file, const char* noun,
                                    Read&& read) {
  const bool single = doc.is_object() && doc.value("type", json()) == "Feature";
  const bool collection = doc.is_object() && doc.value("type", json()) == "FeatureCollection" &&
                          doc.contains("features") && doc["features"].is_array();
  if (!single && !collection) {
    return MakeProblemsError(
        file, {fmt::format("{}: expected a GeoJSON FeatureCollection with a \"features\" array "
                           "(or one Feature)",
                           file)});
  }
  const json& features = single ? doc : doc["features"];
  const size_t n = single ? 1 : features.size();
  std::vector<T> out;
  std::vector<std::string> problems;
  std::map<std::string, size_t> first_use;
  for (size_t i = 0; i < n; ++i) {
    const std::string where = fmt::format("{} feature {}", file, i);
    auto item = read(single ? features : features[i], where);
    if (!item.ok()) {
      for (const Problem& p : item.error().problems) problems.push_back(p.ToString());
      continue;
    }
    const auto [it, fresh] = first_use.emplace(item->id(), i);
    if (!fresh) {
      problems.push_back(
          fmt::format("{} ({} '{}'): properties.id: '{}' is already the id of "
                      "feature {}",
                      where, noun, item->id(), item->id(), it->second));
      continue;
    }
    out.push_back(std::move(item).value());
  }
  if (!problems.empty()) return MakeProblemsError(file, std::move(problems));
  return out;
}

json PositionJson(LatLng p) { return json::array({p.lng(), p.lat()}); }

void PutTime(json& j, const char* key, const std::optional<UtcTime>& t) {
  if (t) j[key] = FormatUtcTime(*t);
}

}  // namespace

// ---- sites ----

Result<ProtectedSite> SiteFromFeature(const json& feature, const std::string& where) {
  std::vector<std::string> problems;
  const json* props = Properties(feature, where, problems);
  if (props == nullptr) return MakeProblemsError(where, std::move(problems));
  ProtectedSiteSpec spec;
  spec.origin = where;
  Fields f(*props, where, "properties.", problems);
  spec.id = f.Str("id", true);
  if (!spec.id.empty()) f.Rename(fmt::format("{} (site '{}')", where, spec.id));
  const std::string at = spec.id.empty() ? where : fmt::format("{} (site '{}')", where, spec.id);
  spec.name = f.Str("name", false);
  spec.type = f.Str("type", true);
  spec.organisation = f.Str("organisation", true);
  const auto from = f.Time("valid_from", true);
  spec.valid_to = f.Time("valid_to", false);
  spec.notified_at = f.Time("notified_at", false);
  spec.alert_distance = f.Metres("alert_distance_m");
  spec.note = f.Str("note", false);
  std::string type;
  if (const json* g = Geometry(feature, at, "Point or Polygon", type, problems)) {
    if (type == "Point") {
      spec.point = ParsePosition(g->at("coordinates"), at, "geometry.coordinates", problems);
    } else if (type == "Polygon") {
      MultiPolygon shape;
      if (ParseGeometry(*g, at, shape, problems)) spec.area = std::move(shape.polygons[0]);
    } else {
      problems.push_back(fmt::format("{}: geometry.type: expected \"Point\" or \"Polygon\", got {}",
                                     at, g->contains("type") ? g->at("type").dump() : "nothing"));
    }
  }
  if (!problems.empty()) return MakeProblemsError(at, std::move(problems));
  spec.valid_from = *from;
  return ProtectedSite::Create(std::move(spec));
}

Result<std::vector<ProtectedSite>> ReadSites(const json& doc, const std::string& file) {
  return ReadFeatures<ProtectedSite>(doc, file, "site", SiteFromFeature);
}

json SiteToFeature(const ProtectedSite& site) {
  const ProtectedSiteSpec& s = site.spec();
  json props = {{"id", s.id},
                {"type", SiteTypeName(site.type())},
                {"organisation", s.organisation},
                {"valid_from", FormatUtcTime(site.validity().begin())}};
  if (!s.name.empty()) props["name"] = s.name;
  if (!site.validity().open_ended()) props["valid_to"] = FormatUtcTime(site.validity().end());
  PutTime(props, "notified_at", s.notified_at);
  if (s.alert_distance) props["alert_distance_m"] = s.alert_distance->value;
  if (!s.note.empty()) props["note"] = s.note;
  const json geometry = site.is_point()
                            ? json{{"type", "Point"}, {"coordinates", PositionJson(site.point())}}
                            : GeometryToJson(MultiPolygon{{site.area()}});
  return {{"type", "Feature"}, {"properties", std::move(props)}, {"geometry", geometry}};
}

json SitesToGeoJson(std::span<const ProtectedSite> sites) {
  json features = json::array();
  for (const ProtectedSite& s : sites) features.push_back(SiteToFeature(s));
  return {{"type", "FeatureCollection"}, {"features", std::move(features)}};
}

// ---- movements ----

Result<Movement> MovementFromFeature(const json& feature, const std::string& where) {
  std::vector<std::string> problems;
  const json* props = Properties(feature, where, problems);
  if (props == nullptr) return MakeProblemsError(where, std::move(problems));
  MovementSpec spec;
  spec.origin = where;
  Fields f(*props, where, "properties.", problems);
  spec.id = f.Str("id", true);
  if (!spec.id.empty()) f.Rename(fmt::format("{} (movement '{}')", where, spec.id));
  const std::string at =
      spec.id.empty() ? where : fmt::format("{} (movement '{}')", where, spec.id);
  spec.organisation = f.Str("organisation", true);
  const auto start = f.Time("window_start", true);
  const auto end = f.Time("window_end", true);
  spec.vehicles = f.Count("vehicles");
  spec.cargo = f.Str("cargo", false);
  spec.destination_zone = f.Str("destination_zone", false);
  spec.emergency = f.Flag("emergency");
  spec.notified_at = f.Time("notified_at", false);
  spec.alert_distance = f.Metres("alert_distance_m");
  spec.note = f.Str("note", false);
  std::string type;
  if (const json* g = Geometry(feature, at, "LineString", type, problems)) {
    const json& coords = g->at("coordinates");
    if (type != "LineString") {
      problems.push_back(fmt::format("{}: geometry.type: expected \"LineString\", got {}", at,
                                     g->contains("type") ? g->at("type").dump() : "nothing"));
    } else if (!coords.is_array() || coords.size() < 2) {
      problems.push_back(
          fmt::format("{}: geometry.coordinates: expected an array of at least 2 positions", at));
    } else {
      for (size_t i = 0; i < coords.size(); ++i) {
        const auto p =
            ParsePosition(coords[i], at, fmt::format("geometry.coordinates[{}]", i), problems);
        if (p) spec.route.push_back(*p);
      }
    }
  }
  if (!problems.empty()) return MakeProblemsError(at, std::move(problems));
  spec.window_start = *start;
  spec.window_end = *end;
  return Movement::Create(std::move(spec));
}

Result<std::vector<Movement>> ReadMovements(const json& doc, const std::string& file) {
  return ReadFeatures<Movement>(doc, file, "movement", MovementFromFeature);
}

json MovementToFeature(const Movement& movement) {
  const MovementSpec& m = movement.spec();
  json props = {{"id", m.id},
                {"organisation", m.organisation},
                {"window_start", FormatUtcTime(movement.window().begin())},
                {"window_end", FormatUtcTime(movement.window().end())}};
  if (m.vehicles) props["vehicles"] = *m.vehicles;
  if (!m.cargo.empty()) props["cargo"] = m.cargo;
  if (!m.destination_zone.empty()) props["destination_zone"] = m.destination_zone;
  if (m.emergency) props["emergency"] = true;
  PutTime(props, "notified_at", m.notified_at);
  if (m.alert_distance) props["alert_distance_m"] = m.alert_distance->value;
  if (!m.note.empty()) props["note"] = m.note;
  json coordinates = json::array();
  for (const LatLng& p : m.route) coordinates.push_back(PositionJson(p));
  return {{"type", "Feature"},
          {"properties", std::move(props)},
          {"geometry", {{"type", "LineString"}, {"coordinates", std::move(coordinates)}}}};
}

json MovementsToGeoJson(std::span<const Movement> movements) {
  json features = json::array();
  for (const Movement& m : movements) features.push_back(MovementToFeature(m));
  return {{"type", "FeatureCollection"}, {"features", std::move(features)}};
}

json NoticeCheckToJson(const Movement& movement) {
  const NoticeCheck check = CheckNotice(movement);
  auto hours = [](std::chrono::milliseconds ms) {
    return std::round(std::chrono::duration<double, std::ratio<3600>>(ms).count() * 1000) / 1000;
  };
  return {{"movement", movement.id()},
          {"emergency", movement.emergency()},
          {"required_h", check.required.count()},
          {"given_h", check.given ? json(hours(*check.given)) : json(nullptr)},
          {"late", check.late}};
}

// ---- acknowledgements ----

Result<Acknowledgement> AcknowledgementFromJson(const json& object, const std::string& where,
                                                std::optional<UtcTime> default_at) {
  std::vector<std::string> problems;
  if (!object.is_object()) {
    return MakeProblemsError(where, {where + ": expected a JSON object"});
  }
  Fields f(object, where, "", problems);
  AcknowledgementSpec spec;
  spec.origin = where;
  const std::string kind = f.Str("kind", true);
  if (const auto k = ParseNotificationKind(kind)) {
    spec.kind = *k;
  } else if (!kind.empty()) {
    f.Problem("kind", fmt::format("expected \"site\" or \"movement\", got '{}'", kind));
  }
  spec.notification = f.Str("notification", true);
  spec.party = f.Str("party", true);
  spec.response = f.Str("response", true);
  spec.reason = f.Str("reason", false);
  const auto at = f.Time("at", !default_at);
  if (!problems.empty()) return MakeProblemsError(where, std::move(problems));
  spec.at = at ? *at : *default_at;
  return Acknowledgement::Create(std::move(spec));
}

json AcknowledgementToJson(const Acknowledgement& answer) {
  json j = {
      {"kind", NotificationKindName(answer.kind())},
      {"notification", answer.notification()},
      {"party", answer.party()},
      {"response", answer.response() == AckResponse::kAcknowledged ? "acknowledged" : "rejected"},
      {"at", FormatUtcTime(answer.at())}};
  if (!answer.reason().empty()) j["reason"] = answer.reason();
  return j;
}

json AcknowledgementStatusToJson(const AcknowledgementStatus& s) {
  return {{"kind", NotificationKindName(s.kind)},
          {"notification", s.notification},
          {"party", s.party},
          {"state", AckStateName(s.state)},
          {"notified_at", FormatUtcTime(s.notified_at)},
          {"due", FormatUtcTime(s.due)},
          {"answered_at", s.answered_at ? json(FormatUtcTime(*s.answered_at)) : json(nullptr)},
          {"reason", s.reason},
          {"late", s.late}};
}

// ---- delivery outcomes and access ----

Result<DeliveryOutcome> DeliveryOutcomeFromJson(const json& object, const std::string& where,
                                                std::optional<UtcTime> default_at) {
  std::vector<std::string> problems;
  if (!object.is_object()) {
    return MakeProblemsError(where, {where + ": expected a JSON object"});
  }
  Fields f(object, where, "", problems);
  DeliveryOutcomeSpec spec;
  spec.origin = where;
  spec.movement = f.Str("movement", true);
  spec.status = f.Str("status", true);
  spec.reason = f.Str("reason", false);
  spec.reported_by = f.Str("reported_by", true);
  spec.note = f.Str("note", false);
  const auto at = f.Time("reported_at", !default_at);
  if (!problems.empty()) return MakeProblemsError(where, std::move(problems));
  spec.reported_at = at ? *at : *default_at;
  return DeliveryOutcome::Create(std::move(spec));
}

json DeliveryOutcomeToJson(const DeliveryOutcome& o) {
  json j = {{"movement", o.movement()},
            {"status", DeliveryStatusName(o.status())},
            {"reason", o.reason()},
            {"reported_by", o.reported_by()},
            {"reported_at", FormatUtcTime(o.reported_at())}};
  if (!o.spec().note.empty()) j["note"] = o.spec().note;
  return j;
}

json AccessVerdictToJson(const AccessVerdict& v) {
  json movements = json::array();
  for (const MovementAccess& m : v.movements) {
    json entry = {{"movement", m.movement->id()},
                  {"organisation", m.movement->organisation()},
                  {"window_start", FormatUtcTime(m.movement->window().begin())},
                  {"window_end", FormatUtcTime(m.movement->window().end())},
                  {"late_notice", m.late_notice},
                  {"status", nullptr},
                  {"reason", ""},
                  {"reported_by", ""},
                  {"reported_at", nullptr}};
    if (m.outcome != nullptr) {
      entry["status"] = DeliveryStatusName(m.outcome->status());
      entry["reason"] = m.outcome->reason();
      entry["reported_by"] = m.outcome->reported_by();
      entry["reported_at"] = FormatUtcTime(m.outcome->reported_at());
    }
    movements.push_back(std::move(entry));
  }
  return {{"zone", v.zone},
          {"rule", "humanitarian_access"},
          {"from", FormatUtcTime(v.period.begin())},
          {"to", FormatUtcTime(v.period.end())},
          {"verdict", AccessRatingName(v.rating)},
          {"rule_in_force", v.rule_in_force},
          {"clauses", v.clauses},
          {"notified", v.notified},
          {"got_through", v.got_through()},
          {"delivered", v.delivered},
          {"partial", v.partial},
          {"blocked", v.blocked},
          {"delayed", v.delayed},
          {"unreported", v.unreported},
          {"late_notice", v.late_notice},
          {"movements", std::move(movements)}};
}

}  // namespace truce::formats
