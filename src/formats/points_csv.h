// The point list of `truce locate --points`: CSV with a header naming id, lat, lon, time
// (any order, extra columns ignored). time is YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ; an empty
// time cell takes the default time, when one is given.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "truce/geo.h"
#include "truce/result.h"
#include "truce/time.h"

namespace truce::formats {

struct LocatePoint {
  std::string id;
  LatLng position;
  UtcTime time{};
};

// Errors list every bad row (file:line, column, problem); no partial result is returned.
[[nodiscard]] Result<std::vector<LocatePoint>> ParsePointsCsv(std::string_view text,
                                                              std::string_view file,
                                                              std::optional<UtcTime> default_time);

// Parses a decimal number, the whole of `text` (surrounding spaces allowed).
std::optional<double> ParseNumber(std::string_view text);

}  // namespace truce::formats
