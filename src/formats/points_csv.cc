#include "points_csv.h"

#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "csv.h"
#include "truce/text_policy.h"

namespace truce::formats {

std::optional<double> ParseNumber(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  double value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() ||
      !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

Result<std::vector<LocatePoint>> ParsePointsCsv(std::string_view text, std::string_view file,
                                                std::optional<UtcTime> default_time) {
  auto table = ParseCsv(text, file);
  if (!table.ok()) return std::move(table).error();
  std::vector<std::string> problems;
  const auto id = table->Column("id"), lat = table->Column("lat"), lon = table->Column("lon"),
             time = table->Column("time");
  for (const auto& [col, name] :
       {std::pair{id, "id"}, std::pair{lat, "lat"}, std::pair{lon, "lon"}}) {
    if (!col)
      problems.push_back(
          fmt::format("{}:1: header: missing column '{}' (expected id,lat,lon,time)", file, name));
  }
  if (!time && !default_time) {
    problems.push_back(fmt::format("{}:1: header: missing column 'time' and no --at given", file));
  }
  std::vector<LocatePoint> points;
  if (problems.empty()) {
    for (const CsvRecord& r : table->records) {
      const std::string at = fmt::format("{}:{}", file, r.line);
      const size_t before = problems.size();
      const auto la = ParseNumber(r.fields[*lat]);
      const auto lo = ParseNumber(r.fields[*lon]);
      if (!la || *la < -90 || *la > 90) {
        problems.push_back(fmt::format("{}: column lat: expected a latitude in [-90, 90], got {}",
                                       at, Quote(r.fields[*lat])));
      }
      if (!lo || *lo < -180 || *lo > 180) {
        problems.push_back(
            fmt::format("{}: column lon: expected a longitude in [-180, 180], got {}", at,
                        Quote(r.fields[*lon])));
      }
      if (auto p = TextProblem(r.fields[*id], kIdField)) {
        problems.push_back(fmt::format("{}: column id: {}", at, *p));
      }
      std::optional<UtcTime> t = default_time;
      if (time && !r.fields[*time].empty()) {
        auto parsed = ParseUtcTime(r.fields[*time]);
        if (parsed.ok()) {
          t = *parsed;
        } else {
          problems.push_back(fmt::format("{}: column time: {}", at, parsed.error().message));
        }
      } else if (!t) {
        problems.push_back(fmt::format("{}: column time: empty and no --at given", at));
      }
      if (problems.size() == before) {
        points.push_back(LocatePoint{r.fields[*id], LatLng(*la, *lo), *t});
      }
    }
  }
  if (!problems.empty()) {
    return MakeProblemsError(file, std::move(problems));
  }
  return points;
}

}  // namespace truce::formats
