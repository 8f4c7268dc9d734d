#include "formats/claims.h"

#include <fmt/format.h>

#include "formats/json_records.h"

namespace truce::formats {
namespace {

using nlohmann::json;

// The claim kind a server-style object means, from its stance and what it names.
ClaimKind KindFromStance(bool asserts, bool names_incident, bool names_party) {
  if (names_incident && !names_party) {
    return asserts ? ClaimKind::kAssertIncident : ClaimKind::kDenyIncident;
  }
  if (names_incident) {
    return asserts ? ClaimKind::kAssignResponsibility : ClaimKind::kDenyResponsibility;
  }
  return asserts ? ClaimKind::kAccuse : ClaimKind::kDenyResponsibility;
}

// An accusation's when, where, event type, zone and count.
void ReadAlleged(const json& o, const std::string& origin, AllegedEvent& a,
                 std::vector<std::string>& problems) {
  const auto from = OptionalTime(o, "from", origin, problems);
  const auto to = OptionalTime(o, "to", origin, problems);
  const auto day = OptionalTime(o, "event_date", origin, problems);
  if (day && (from || to)) {
    problems.push_back(origin + ": event_date: give either event_date or from and to");
  } else if (day) {
    a.when = *TimeInterval::Create(*day, *day + std::chrono::days(1));
  } else if (from && to) {
    auto when = TimeInterval::Create(*from, *to);
    if (!when.ok()) {
      problems.push_back(fmt::format("{}: to: {} is not after from {}", origin, FormatUtcTime(*to),
                                     FormatUtcTime(*from)));
    } else {
      a.when = *when;
    }
  } else if (from || to) {
    problems.push_back(
        fmt::format("{}: {}: from and to come together", origin, from ? "to" : "from"));
  }
  const auto lat = OptionalNumber(o, "latitude", origin, problems);
  const auto lng = OptionalNumber(o, "longitude", origin, problems);
  if (lat && !(*lat >= -90 && *lat <= 90)) {
    problems.push_back(
        fmt::format("{}: latitude: expected a number in [-90, 90], got {}", origin, *lat));
  } else if (lng && !(*lng >= -180 && *lng <= 180)) {
    problems.push_back(
        fmt::format("{}: longitude: expected a number in [-180, 180], got {}", origin, *lng));
  } else if (lat && lng) {
    a.where = LatLng(*lat, *lng);
  } else if (lat || lng) {
    problems.push_back(fmt::format("{}: {}: latitude and longitude come together", origin,
                                   lat ? "longitude" : "latitude"));
  }
  if (const auto r = OptionalNumber(o, "radius_m", origin, problems)) a.radius = Meters{*r};
  if (const auto t = OptionalString(o, "event_type", origin, problems)) {
    if (const auto type = FindAcledEventType(*t)) {
      a.event_type = std::string(*type);
    } else {
      problems.push_back(
          fmt::format("{}: event_type: unknown '{}', expected an ACLED event type", origin, *t));
    }
  }
  if (const auto z = OptionalString(o, "zone", origin, problems)) a.zone = *z;
  if (const auto it = o.find("count"); it != o.end() && !it->is_null()) {
    if (!it->is_number_integer() || it->get<int64_t>() < 1 || it->get<int64_t>() > 1'000'000) {
      problems.push_back(fmt::format("{}: count: expected an integer from 1 to 1000000, got {}",
                                     origin, it->dump()));
    } else {
      a.count = static_cast<int>(it->get<int64_t>());
    }
  }
}

}  // namespace

Result<Claim> ClaimFromJson(const json& o, const std::string& origin, const std::string& default_id,
                            ClaimReading reading) {
  std::vector<std::string> problems;
  if (!o.is_object()) {
    return MakeProblemsError(origin, {origin + ": expected a claim object"});
  }
  Claim c;
  c.id = OptionalString(o, "id", origin, problems).value_or(default_id);
  c.party = RequiredString(o, "party", origin, problems);
  c.text = RequiredString(o, "text", origin, problems);
  const auto incident = OptionalString(o, "incident", origin, problems);
  const auto about = OptionalString(o, "about", origin, problems);
  c.incident = incident.value_or("");
  c.responsible = about.value_or("");
  c.source = OptionalString(o, "source", origin, problems).value_or("");
  // ClaimToJson writes "" for a claim whose time is unknown: read back as absent.
  if (const auto it = o.find("made_at");
      it == o.end() || !it->is_string() || !it->get_ref<const std::string&>().empty()) {
    c.made_at = OptionalTime(o, "made_at", origin, problems);
  }
  const auto stance = o.find("stance");
  const bool stance_ok =
      stance != o.end() && stance->is_string() && (*stance == "assert" || *stance == "deny");
  if (!stance_ok) {
    problems.push_back(fmt::format("{}: stance: expected \"assert\" or \"deny\", got {}", origin,
                                   stance == o.end() ? "nothing" : stance->dump()));
  }
  const bool asserts = stance_ok && *stance == "assert";
  // Whether the claim names an incident, a party: a null names none, as the server's intake
  // drops it. A logged claim is read by the keys present, as it was accepted.
  auto names = [&](const char* key) {
    const auto it = o.find(key);
    return it != o.end() && (reading == ClaimReading::kLogged || !it->is_null());
  };
  if (!names("incident") && !names("about")) {
    problems.push_back(origin +
                       ": a claim is about an incident (\"incident\") or a party (\"about\")");
  }
  const auto kind = OptionalString(o, "kind", origin, problems);
  if (kind) {
    if (const auto k = ParseClaimKind(*kind); !k) {
      problems.push_back(
          fmt::format("{}: kind: expected assert_incident, deny_incident, assign_responsibility, "
                      "deny_responsibility or accuse, got \"{}\"",
                      origin, *kind));
    } else if (stance_ok && ClaimAsserts(*k) != asserts) {
      problems.push_back(fmt::format("{}: stance: \"{}\" does not agree with kind \"{}\"", origin,
                                     stance->get<std::string>(), *kind));
    } else {
      c.kind = *k;
    }
  } else {
    // As the server reads it: by the keys present, whatever their values.
    c.kind = KindFromStance(asserts, names("incident"), names("about"));
  }
  ReadAlleged(o, origin, c.alleged, problems);
  // The kind's required fields, in both forms: a claim taken without them (deny_incident of
  // an empty incident) would be written with its kind and then refused when read back. A
  // logged claim in the server's form is read as it was accepted (ClaimReading).
  const bool extended = kind || c.alleged.when || c.alleged.where ||
                        !c.alleged.event_type.empty() || !c.alleged.zone.empty() ||
                        c.alleged.count != 1;
  if (problems.empty() && (extended || reading == ClaimReading::kSubmitted)) {
    problems = ClaimProblems(c, origin);
  }
  if (!problems.empty()) return MakeProblemsError(origin, std::move(problems));
  return c;
}

Result<std::vector<Claim>> ParseClaims(std::string_view text, const std::string& file) {
  return ReadJsonObjects<Claim>(
      text, file, [](const json& o, const std::string& origin, const std::string& default_id) {
        return ClaimFromJson(o, origin, default_id);
      });
}

nlohmann::ordered_json ClaimToJson(const Claim& c) {
  nlohmann::ordered_json j = {{"id", c.id},
                              {"party", c.party},
                              {"kind", ClaimKindName(c.kind)},
                              {"stance", ClaimAsserts(c.kind) ? "assert" : "deny"},
                              {"incident", c.incident},
                              {"about", c.responsible},
                              {"text", c.text},
                              {"made_at", c.made_at ? FormatUtcTime(*c.made_at) : ""},
                              {"source", c.source}};
  const AllegedEvent& a = c.alleged;
  if (a.when) {
    j["from"] = FormatUtcTime(a.when->begin());
    j["to"] = FormatUtcTime(a.when->end());
  }
  if (a.where) {
    j["latitude"] = a.where->lat();
    j["longitude"] = a.where->lng();
    j["radius_m"] = a.radius.value;
  }
  if (!a.event_type.empty()) j["event_type"] = a.event_type;
  if (!a.zone.empty()) j["zone"] = a.zone;
  if (c.kind == ClaimKind::kAccuse) j["count"] = a.count;
  return j;
}

}  // namespace truce::formats
