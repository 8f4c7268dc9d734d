#include "truce/text_format.h"

#include <charconv>
#include <cstdlib>
#include <string>

#include <fmt/format.h>

namespace truce {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\n' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

template <typename F>
void Split(std::string_view text, char sep, F&& each) {
  size_t start = 0;
  while (true) {
    const size_t end = text.find(sep, start);
    each(Trim(text.substr(start, end == std::string_view::npos ? end : end - start)));
    if (end == std::string_view::npos) return;
    start = end + 1;
  }
}

bool ParseDouble(std::string_view s, double& out) {
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

}  // namespace

Result<MultiPolygon> ParseMultiPolygonText(std::string_view text) {
  MultiPolygon shape;
  std::string problem;
  Split(text, '|', [&](std::string_view polygon_text) {
    Polygon polygon;
    Split(polygon_text, ';', [&](std::string_view ring_text) {
      Ring ring;
      Split(ring_text, ',', [&](std::string_view vertex) {
        const size_t colon = vertex.find(':');
        double lat = 0, lng = 0;
        if (colon == std::string_view::npos || !ParseDouble(Trim(vertex.substr(0, colon)), lat) ||
            !ParseDouble(Trim(vertex.substr(colon + 1)), lng) || !LatLng::IsValid(lat, lng)) {
          if (problem.empty()) problem = fmt::format("bad vertex '{}': expected lat:lng", vertex);
          return;
        }
        ring.emplace_back(lat, lng);
      });
      if (!ring.empty() && !(ring.front() == ring.back())) ring.push_back(ring.front());
      polygon.rings.push_back(std::move(ring));
    });
    shape.polygons.push_back(std::move(polygon));
  });
  if (!problem.empty()) return MakeError(ErrorCode::kInvalidArgument, problem);
  return shape;
}

MultiPolygon MakeMultiPolygonOrDie(std::string_view text) {
  auto shape = ParseMultiPolygonText(text);
  if (!shape.ok()) {
    fmt::print(stderr, "MakeMultiPolygonOrDie: {}\n", shape.error().message);
    std::abort();
  }
  return std::move(shape).value();
}

}  // namespace truce
