#include "formats/records.h"

#include <cmath>

#include "formats/json_text.h"

namespace truce::formats {

nlohmann::json Unordered(const nlohmann::ordered_json& doc) {
  switch (doc.type()) {
    case nlohmann::ordered_json::value_t::object: {
      nlohmann::json out = nlohmann::json::object();
      for (const auto& [key, value] : doc.items()) out[key] = Unordered(value);
      return out;
    }
    case nlohmann::ordered_json::value_t::array: {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& value : doc) out.push_back(Unordered(value));
      return out;
    }
    case nlohmann::ordered_json::value_t::string:
      return doc.get<std::string>();
    case nlohmann::ordered_json::value_t::boolean:
      return doc.get<bool>();
    case nlohmann::ordered_json::value_t::number_integer:
      return doc.get<int64_t>();
    case nlohmann::ordered_json::value_t::number_unsigned:
      return doc.get<uint64_t>();
    case nlohmann::ordered_json::value_t::number_float:
      return doc.get<double>();
    default:
      return nullptr;
  }
}

double RoundTo4(double x) noexcept { return std::round(x * 1e4) / 1e4; }

std::string EscapeHtml(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

nlohmann::json ViolationToJson(const Violation& v, int revision) {
  const Report& r = *v.report;
  return {{"report", r.event_id()},
          {"revision", revision},
          {"zone", v.version->zone()},
          {"version", v.version->version()},
          {"rule", RuleKindName(v.rule)},
          {"verdict", VerdictName(v.verdict)},
          {"fraction", RoundTo4(v.fraction)},
          {"clause", v.clause},
          {"party", v.party},
          {"event_date", FormatUtcDate(r.spec().event_date)},
          {"event_type", r.spec().event_type},
          {"time_begin", FormatTimestamp(r.when().begin())},
          {"time_end", FormatTimestamp(r.when().end())},
          {"latitude", r.location().lat()},
          {"longitude", r.location().lng()},
          {"radius_m", r.radius().value}};
}

void AppendViolationJson(std::string& out, const Violation& v, int revision) {
  const Report& r = *v.report;
  // ViolationToJson's keys in nlohmann::json's (sorted) order.
  out += '{';
  AppendJsonKey(out, "clause");
  AppendJsonString(out, v.clause);
  AppendJsonKey(out += ',', "event_date");
  AppendJsonString(out, FormatUtcDate(r.spec().event_date));
  AppendJsonKey(out += ',', "event_type");
  AppendJsonString(out, r.spec().event_type);
  AppendJsonKey(out += ',', "fraction");
  AppendJsonNumber(out, RoundTo4(v.fraction));
  AppendJsonKey(out += ',', "latitude");
  AppendJsonNumber(out, r.location().lat());
  AppendJsonKey(out += ',', "longitude");
  AppendJsonNumber(out, r.location().lng());
  AppendJsonKey(out += ',', "party");
  AppendJsonString(out, v.party);
  AppendJsonKey(out += ',', "radius_m");
  AppendJsonNumber(out, r.radius().value);
  AppendJsonKey(out += ',', "report");
  AppendJsonString(out, r.event_id());
  AppendJsonKey(out += ',', "revision");
  AppendJsonInteger(out, revision);
  AppendJsonKey(out += ',', "rule");
  AppendJsonString(out, RuleKindName(v.rule));
  AppendJsonKey(out += ',', "time_begin");
  AppendJsonString(out, FormatTimestamp(r.when().begin()));
  AppendJsonKey(out += ',', "time_end");
  AppendJsonString(out, FormatTimestamp(r.when().end()));
  AppendJsonKey(out += ',', "verdict");
  AppendJsonString(out, VerdictName(v.verdict));
  AppendJsonKey(out += ',', "version");
  AppendJsonInteger(out, v.version->version());
  AppendJsonKey(out += ',', "zone");
  AppendJsonString(out, v.version->zone());
  out += '}';
}

}  // namespace truce::formats
