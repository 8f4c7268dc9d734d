#include "formats/records.h"

#include <cmath>

#include <fmt/format.h>

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

namespace {

// A JSON string as nlohmann's dump writes it (ensure_ascii off): the quote, the backslash and
// the C0 controls escaped, every other byte as it is.
void AppendJsonString(std::string& out, std::string_view text) {
  out += '"';
  size_t run = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(text.substr(run, i - run));
    run = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out += fmt::format("\\u{:04x}", c);
    }
  }
  out.append(text.substr(run));
  out += '"';
}

// A number as nlohmann's dump writes it (its own shortest-digits algorithm and layout).
void AppendJsonNumber(std::string& out, double x) {
  if (!std::isfinite(x)) {
    out += "null";
    return;
  }
  char buffer[64];
  char* end = nlohmann::detail::to_chars(buffer, buffer + sizeof buffer, x);
  out.append(buffer, end);
}

void AppendKey(std::string& out, std::string_view key) {
  out += '"';
  out += key;
  out += "\":";
}

}  // namespace

void AppendViolationJson(std::string& out, const Violation& v, int revision) {
  const Report& r = *v.report;
  // ViolationToJson's keys in nlohmann::json's (sorted) order.
  out += '{';
  AppendKey(out, "clause");
  AppendJsonString(out, v.clause);
  AppendKey(out += ',', "event_date");
  AppendJsonString(out, FormatUtcDate(r.spec().event_date));
  AppendKey(out += ',', "event_type");
  AppendJsonString(out, r.spec().event_type);
  AppendKey(out += ',', "fraction");
  AppendJsonNumber(out, RoundTo4(v.fraction));
  AppendKey(out += ',', "latitude");
  AppendJsonNumber(out, r.location().lat());
  AppendKey(out += ',', "longitude");
  AppendJsonNumber(out, r.location().lng());
  AppendKey(out += ',', "party");
  AppendJsonString(out, v.party);
  AppendKey(out += ',', "radius_m");
  AppendJsonNumber(out, r.radius().value);
  AppendKey(out += ',', "report");
  AppendJsonString(out, r.event_id());
  AppendKey(out += ',', "revision");
  out += fmt::format_int(revision).str();
  AppendKey(out += ',', "rule");
  AppendJsonString(out, RuleKindName(v.rule));
  AppendKey(out += ',', "time_begin");
  AppendJsonString(out, FormatTimestamp(r.when().begin()));
  AppendKey(out += ',', "time_end");
  AppendJsonString(out, FormatTimestamp(r.when().end()));
  AppendKey(out += ',', "verdict");
  AppendJsonString(out, VerdictName(v.verdict));
  AppendKey(out += ',', "version");
  out += fmt::format_int(v.version->version()).str();
  AppendKey(out += ',', "zone");
  AppendJsonString(out, v.version->zone());
  out += '}';
}

}  // namespace truce::formats
