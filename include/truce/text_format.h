// A compact text form for geometry in tests and examples (after S2's s2textformat):
//   "lat:lng, lat:lng, lat:lng"                 one ring, closed automatically
//   "outer ring; hole ring"                     rings of one polygon, ';'-separated
//   "polygon | polygon"                         polygons of a multipolygon, '|'-separated
#pragma once

#include <string_view>

#include "truce/geometry.h"
#include "truce/result.h"

namespace truce {

[[nodiscard]] Result<MultiPolygon> ParseMultiPolygonText(std::string_view text);

// REQUIRES: `text` is well-formed (for fixtures; aborts otherwise).
MultiPolygon MakeMultiPolygonOrDie(std::string_view text);

}  // namespace truce
