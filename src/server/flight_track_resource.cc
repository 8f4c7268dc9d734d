// /api/v1/flight-tracks: the tracks of the positions the server holds, as GeoJSON, each
// aircraft's track followed by its violating segments (docs/server.md "Flight tracks").
// Derived from the log like the flight violations, never stored.
#include <fmt/format.h>

#include "server/routing.h"

namespace truce::server {
namespace {

using nlohmann::json;

// ?from=&to=&bbox=&icao24=&as_of=&limit=&cursor=: limit and the cursor count tracks; each
// page holds the tracks and the violating segments of those tracks.
ApiResponse GetFlightTracks(const Call& c) {
  QueryReader q(c);
  app::FlightTrackFilter f;
  f.as_of = q.Time("as_of");
  f.from = q.Time("from");
  f.to = q.Time("to");
  f.bbox = q.Bbox();
  f.icao24 = q.Text("icao24");
  const app::PageRequest page = q.Page();
  if (q.ok() && f.from && f.to && *f.from >= *f.to) {
    q.Fail("to",
           fmt::format("the window ends at {}, not after it starts at {}", FormatUtcTime(*f.to),
                       FormatUtcTime(*f.from)),
           "a time after from");
  }
  if (!q.ok()) return ErrorResponse(q.error());
  auto tracks = c.app.FlightTracks(c.who, f);
  if (!tracks.ok()) return ErrorResponse(tracks.error());
  // One window over the tracks: each with its segments, so a page never splits them.
  std::vector<json> groups;
  groups.reserve(tracks->size());
  for (app::FlightTrackRecord& t : *tracks) {
    json group = json::array({std::move(t.track.feature)});
    for (json& segment : t.violations) group.push_back(std::move(segment));
    groups.push_back(std::move(group));
  }
  auto window = Window(std::move(groups), page);
  if (!window.ok()) return ErrorResponse(window.error());
  json features = json::array();
  for (json& group : window->items) {
    for (json& feature : group) features.push_back(std::move(feature));
  }
  return JsonResponse({{"type", "FeatureCollection"},
                       {"features", std::move(features)},
                       {"tracks", window->items.size()},
                       {"next", window->next.empty() ? json(nullptr) : json(window->next)}},
                      200, "application/geo+json");
}

constexpr Route kRoutes[] = {
    {"GET", "/api/v1/flight-tracks", app::Action::kReadFlightTracks, &GetFlightTracks},
};

}  // namespace

std::span<const Route> FlightTrackRoutes() { return kRoutes; }

}  // namespace truce::server
