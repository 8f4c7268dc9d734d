#include "app/intake.h"

#include <cmath>

#include <fmt/format.h>

#include "app/ledger.h"
#include "formats/json_reader.h"
#include "formats/positions.h"
#include "formats/reports.h"
#include "truce/flight.h"
#include "truce/text_policy.h"

namespace truce::app {
namespace {

using nlohmann::json;

// Splits a formats problem "ORIGIN: FIELD: message" into (FIELD, message); FIELD is empty when
// the problem names no field.
std::pair<std::string, std::string> SplitProblem(const std::string& problem,
                                                 const std::string& origin) {
  std::string rest = problem;
  if (rest.rfind(origin + ": ", 0) == 0) rest = rest.substr(origin.size() + 2);
  const size_t colon = rest.find(": ");
  if (colon != std::string::npos && colon > 0 &&
      rest.find_first_of(" \"'", 0) > colon) {  // a single word before ": " is a field name
    return {rest.substr(0, colon), rest.substr(colon + 2)};
  }
  return {"", rest};
}

}  // namespace

Error RejectedSubmission(std::string_view what, std::vector<Problem> problems) {
  const size_t n = problems.size();
  Error e = MakeError(
      ErrorCode::kInvalidInput,
      fmt::format("{} problem{} in the {}; nothing was stored", n, n == 1 ? "" : "s", what));
  e.problems = std::move(problems);
  return e;
}

std::optional<uint64_t> ParseCount(std::string_view text) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  uint64_t v = 0;
  for (char ch : text) {
    if (ch < '0' || ch > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(ch - '0');
  }
  return v;
}

Result<uint64_t> ParseEntryCursor(std::string_view cursor) {
  if (auto v = ParseCount(cursor)) return *v;
  Error e = MakeError(ErrorCode::kInvalidArgument, "cursor: not a cursor this server gave");
  e.problems.push_back({"?cursor", "use the 'next' value of the previous page"});
  return e;
}

std::string JsonPointer(const std::string& parent, const std::string& name) {
  std::string escaped;
  for (char c : name) {
    if (c == '~') {
      escaped += "~0";
    } else if (c == '/') {
      escaped += "~1";
    } else {
      escaped += c;
    }
  }
  return parent + "/" + escaped;
}

std::optional<Report> ReportFromBody(const json& object, const std::string& path,
                                     std::vector<Problem>& problems) {
  const std::string origin = "body" + path;
  auto report = formats::ReportFromJson(object, origin);
  if (report.ok()) return std::move(report).value();
  const Error& e = report.error();
  std::vector<std::string> lines;
  for (const Problem& p : e.problems) lines.push_back(p.ToString());
  if (lines.empty()) lines.push_back(e.message);
  for (const std::string& line : lines) {
    auto [field, message] = SplitProblem(line, origin);
    problems.push_back(Problem{field.empty() ? path : JsonPointer(path, field), message});
  }
  return std::nullopt;
}

std::optional<json> NormalizePosition(const json& in, const std::string& path,
                                      std::vector<Problem>& problems) {
  const std::string origin = "body" + path;
  std::vector<std::string> reasons;
  const std::optional<Position> p = formats::PositionFromJson(in, origin, reasons);
  if (!p) {
    // A state vector without a position fix is skipped when reading a file; a client that
    // submits one to be stored is told instead.
    if (reasons.empty()) reasons.push_back(origin + ": has no position fix (latitude, longitude)");
    for (const std::string& line : reasons) {
      auto [field, message] = SplitProblem(line, origin);
      problems.push_back(Problem{field.empty() ? path : JsonPointer(path, field), message});
    }
    return std::nullopt;
  }
  json out = {{"icao24", p->icao24},
              {"time", FormatTimestamp(p->time)},
              {"lat", p->where.lat()},
              {"lon", p->where.lng()},
              {"record", in}};
  if (p->baro_altitude) out["baro_altitude_m"] = p->baro_altitude->value;
  if (p->geo_altitude) out["geo_altitude_m"] = p->geo_altitude->value;
  if (!p->callsign.empty()) out["callsign"] = p->callsign;
  if (p->on_ground) out["on_ground"] = true;
  return out;
}

std::optional<json> NormalizeClaim(const json& in, const std::string& path,
                                   std::vector<Problem>& problems) {
  if (!in.is_object()) {
    problems.push_back({path, "expected a claim object"});
    return std::nullopt;
  }
  const size_t before = problems.size();
  auto text_field = [&](const char* key, bool required, TextField policy) {
    const auto it = in.find(key);
    if (it == in.end() || it->is_null()) {
      if (required) problems.push_back({JsonPointer(path, key), "required string"});
      return;
    }
    if (!it->is_string() || (required && it->get<std::string>().empty())) {
      problems.push_back({JsonPointer(path, key), fmt::format("expected a non-empty string, got {}",
                                                              formats::QuoteJson(*it))});
      return;
    }
    // The text policy every reader applies (truce/text_policy.h): no control, bidi or
    // invisible characters in identifiers, valid UTF-8 within limits everywhere.
    if (auto why = TextProblem(it->get<std::string>(), policy)) {
      problems.push_back({JsonPointer(path, key), *why});
    }
  };
  text_field("party", true, kIdField);
  text_field("text", true, kTextField);
  text_field("incident", false, kIdField);
  text_field("about", false, kIdField);
  text_field("source", false, kSourceField);
  text_field("id", false, kIdField);
  const auto stance = in.find("stance");
  if (stance == in.end() || !stance->is_string() || (*stance != "assert" && *stance != "deny")) {
    problems.push_back({JsonPointer(path, "stance"),
                        fmt::format("expected \"assert\" or \"deny\", got {}",
                                    stance == in.end() ? "nothing" : stance->dump())});
  }
  json out = in;
  if (const auto made = in.find("made_at"); made != in.end() && !made->is_null()) {
    auto t =
        made->is_string()
            ? ParseTimestamp(made->get<std::string>())
            : Result<UtcTime>(MakeError(ErrorCode::kInvalidArgument, "expected an ISO 8601 time"));
    if (!t.ok()) {
      problems.push_back({JsonPointer(path, "made_at"), t.error().message});
    } else {
      out["made_at"] = FormatTimestamp(*t);
    }
  }
  // By the keys present, as claims in the log were accepted (this also reads them back);
  // formats::ClaimFromJson then refuses a new claim that names nothing.
  if (!in.contains("incident") && !in.contains("about")) {
    problems.push_back(
        {path, "a claim is about an incident (\"incident\") or a party (\"about\")"});
  }
  // A null optional field is an absent one (it names no incident or party): stored without it.
  for (const char* key : {"incident", "about", "source", "id", "made_at"}) {
    if (const auto it = out.find(key); it != out.end() && it->is_null()) out.erase(it);
  }
  if (problems.size() != before) return std::nullopt;
  return out;
}

}  // namespace truce::app
