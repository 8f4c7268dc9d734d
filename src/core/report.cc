#include "truce/report.h"

#include <algorithm>
#include <cctype>
#include <cmath>

#include <fmt/format.h>

#include "truce/text_policy.h"

namespace truce {

using std::chrono::days;
using std::chrono::minutes;

Meters RadiusForGeoPrecision(int geo_precision) noexcept {
  // docs/reports.md: a Syrian town's built-up extent; the outskirts and nearby villages of the
  // named town; a district (Syria's 62 districts average ~3,000 km2, a 31 km equivalent radius,
  // governorate capitals stand in for larger areas).
  switch (geo_precision) {
    case 1:
      return Meters{2'000};
    case 2:
      return Meters{10'000};
    default:
      return Meters{50'000};
  }
}

TimeInterval IntervalForTimePrecision(UtcTime day, int time_precision,
                                      std::optional<minutes> time_of_day) {
  // ACLED codes the middle of the week (2) or of the month (3) when only those are known, or
  // the first/last day when the source says "early"/"late": a window centred on the coded day
  // and as long as the period covers both readings.
  switch (time_precision) {
    case 1:
      if (time_of_day) {
        const UtcTime t = day + *time_of_day;
        return *TimeInterval::Create(t, t + minutes(1));
      }
      return *TimeInterval::Create(day, day + days(1));
    case 2:
      return *TimeInterval::Create(day - days(3), day + days(4));
    default:
      return *TimeInterval::Create(day - days(15), day + days(16));
  }
}

const std::vector<std::string_view>& AcledEventTypes() {
  static const std::vector<std::string_view> kTypes = {
      "Battles", "Explosions/Remote violence", "Violence against civilians", "Protests",
      "Riots",   "Strategic developments"};
  return kTypes;
}

namespace {

// ASCII letters only, as std::tolower in the "C" locale truce runs in, without its call.
char AsciiLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return AsciiLower(x) == AsciiLower(y);
         });
}

// The text policy for every text field, and the size of the whole.
void CheckText(const ReportSpec& spec, std::vector<std::string>& problems) {
  const std::string& at = spec.origin;
  const std::pair<const char*, std::pair<const std::string*, TextField>> fields[] = {
      {"event_id_cnty", {&spec.event_id, kIdField}},
      {"source", {&spec.source, kSourceField}},
      {"source_group", {&spec.source_group, kIdField}},
      {"event_type", {&spec.event_type, kNameField}},
      {"sub_event_type", {&spec.sub_event_type, kNameField}},
      {"actor1", {&spec.actor1, kNameField}},
      {"actor2", {&spec.actor2, kNameField}},
      {"notes", {&spec.notes, kTextField}}};
  size_t total = 0;
  for (const auto& [name, field] : fields) {
    const auto& [value, policy] = field;
    total += value->size();
    if (auto p = TextProblem(*value, policy)) {
      problems.push_back(fmt::format("{}: {}: {}", at, name, *p));
    }
  }
  for (const auto& [key, value] : spec.extra) {
    total += key.size() + value.size();
    if (auto p = TextProblem(key, kIdField)) {
      problems.push_back(fmt::format("{}: column name {}: {}", at, Quote(key), *p));
    } else if (auto q = TextProblem(value, kTextField)) {
      problems.push_back(fmt::format("{}: {}: {}", at, key, *q));
    }
  }
  if (total > kMaxReportBytes) {
    problems.push_back(fmt::format("{}: the report's text is {} bytes, at most {} allowed", at,
                                   total, kMaxReportBytes));
  }
}

}  // namespace

std::optional<std::string_view> FindAcledEventType(std::string_view name) {
  const auto& types = AcledEventTypes();
  const auto it = std::find_if(types.begin(), types.end(),
                               [&](std::string_view t) { return EqualsIgnoreCase(t, name); });
  if (it == types.end()) return std::nullopt;
  return *it;
}

std::vector<RuleKind> RulesBrokenBy(std::string_view event_type, std::string_view sub_event_type) {
  const auto& types = AcledEventTypes();
  const bool hostilities = EqualsIgnoreCase(event_type, types[0]) ||
                           EqualsIgnoreCase(event_type, types[1]) ||
                           EqualsIgnoreCase(event_type, types[2]);
  if (!hostilities) return {};
  if (EqualsIgnoreCase(sub_event_type, "Air/drone strike")) {
    return {RuleKind::kCeasefire, RuleKind::kNoFly};
  }
  return {RuleKind::kCeasefire};
}

Result<Report> Report::Create(ReportSpec spec) {
  std::vector<std::string> problems;
  const std::string& at = spec.origin;
  if (spec.event_id.empty()) problems.push_back(at + ": event_id_cnty: required, non-empty");
  CheckText(spec, problems);
  if (spec.time_precision < kMinPrecision || spec.time_precision > kMaxPrecision) {
    problems.push_back(
        fmt::format("{}: time_precision: expected 1, 2 or 3, got {}", at, spec.time_precision));
  }
  if (spec.geo_precision < kMinPrecision || spec.geo_precision > kMaxPrecision) {
    problems.push_back(
        fmt::format("{}: geo_precision: expected 1, 2 or 3, got {}", at, spec.geo_precision));
  }
  if (!std::isfinite(spec.latitude) || spec.latitude < -90 || spec.latitude > 90) {
    problems.push_back(
        fmt::format("{}: latitude: expected a number in [-90, 90], got {}", at, spec.latitude));
  }
  if (!std::isfinite(spec.longitude) || spec.longitude < -180 || spec.longitude > 180) {
    problems.push_back(
        fmt::format("{}: longitude: expected a number in [-180, 180], got {}", at, spec.longitude));
  }
  const auto& types = AcledEventTypes();
  const auto type = std::find_if(types.begin(), types.end(), [&](std::string_view t) {
    return EqualsIgnoreCase(t, spec.event_type);
  });
  if (type == types.end()) {
    problems.push_back(fmt::format(
        "{}: event_type: unknown {}, expected one of Battles, Explosions/Remote violence, "
        "Violence against civilians, Protests, Riots, Strategic developments",
        at, Quote(spec.event_type)));
  } else {
    spec.event_type = std::string(*type);  // codebook spelling
  }
  if (spec.fatalities && *spec.fatalities < 0) {
    problems.push_back(fmt::format("{}: fatalities: expected >= 0, got {}", at, *spec.fatalities));
  }
  if (spec.uncertainty &&
      !(spec.uncertainty->value >= 0 && spec.uncertainty->value <= kMaxUncertaintyMeters)) {
    problems.push_back(fmt::format("{}: uncertainty_m: expected metres in [0, {}], got {}", at,
                                   kMaxUncertaintyMeters, spec.uncertainty->value));
  }
  if (spec.time_of_day && (spec.time_of_day->count() < 0 || spec.time_of_day->count() >= 24 * 60)) {
    problems.push_back(at + ": time: expected HH:MM between 00:00 and 23:59");
  }
  if (!problems.empty()) {
    Error e = MakeError(ErrorCode::kInvalidInput, fmt::format("{}: invalid report", at));
    e.problems = ProblemsFromLines(std::move(problems));
    return e;
  }
  const Meters radius =
      spec.uncertainty ? *spec.uncertainty : RadiusForGeoPrecision(spec.geo_precision);
  const TimeInterval when =
      IntervalForTimePrecision(spec.event_date, spec.time_precision,
                               spec.time_precision == 1 ? spec.time_of_day : std::nullopt);
  const LatLng location(spec.latitude, spec.longitude);
  return Report(std::move(spec), location, radius, when);
}

bool Report::SameContent(const Report& o) const {
  const ReportSpec& a = spec_;
  const ReportSpec& b = o.spec_;
  auto meters = [](const std::optional<Meters>& m) { return m ? m->value : -1.0; };
  return a.event_id == b.event_id && a.event_date == b.event_date &&
         a.time_precision == b.time_precision && a.time_of_day == b.time_of_day &&
         a.event_type == b.event_type && a.sub_event_type == b.sub_event_type &&
         a.actor1 == b.actor1 && a.actor2 == b.actor2 && a.latitude == b.latitude &&
         a.longitude == b.longitude && a.geo_precision == b.geo_precision &&
         meters(a.uncertainty) == meters(b.uncertainty) && a.source == b.source &&
         a.source_group == b.source_group && a.notes == b.notes && a.fatalities == b.fatalities &&
         a.extra == b.extra;
}

}  // namespace truce
