#include "truce/flight.h"

#include <algorithm>
#include <cctype>
#include <numeric>

namespace truce {

std::optional<std::string> NormalizeIcao24(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  if (text.size() != 6) return std::nullopt;
  std::string out(text);
  for (char& c : out) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return std::nullopt;
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

std::string NormalizeCallsign(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
    text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
    text.remove_suffix(1);
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::vector<Track> BuildTracks(std::vector<Position> positions, const TrackOptions& options,
                               TrackStats* stats) {
  TrackStats local;
  TrackStats& s = stats ? *stats : local;
  s = TrackStats{};
  s.positions = positions.size();
  // Sorting indices keeps the input order among equal (icao24, time), so "first in input
  // order" decides which duplicate survives.
  std::vector<size_t> order(positions.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const Position& pa = positions[a];
    const Position& pb = positions[b];
    if (pa.icao24 != pb.icao24) return pa.icao24 < pb.icao24;
    return pa.time < pb.time;
  });
  std::vector<Track> tracks;
  for (size_t i : order) {
    Position& p = positions[i];
    const Position* previous = tracks.empty() ? nullptr : &tracks.back().positions.back();
    const bool same_aircraft = previous && previous->icao24 == p.icao24;
    if (same_aircraft && previous->time == p.time) {
      ++s.duplicates;
      continue;
    }
    if (!same_aircraft) ++s.aircraft;
    if (!same_aircraft || p.time - previous->time > options.max_gap) {
      if (same_aircraft) ++s.gap_splits;
      tracks.push_back(Track{p.icao24, {}});
    }
    tracks.back().positions.push_back(std::move(p));
  }
  s.tracks = tracks.size();
  return tracks;
}

bool Exemption::Covers(std::string_view icao24_of, std::string_view callsign_of,
                       std::string_view zone_of) const noexcept {
  if (!zone.empty() && zone != zone_of) return false;
  if (!icao24.empty() && icao24 != icao24_of) return false;
  if (!callsign.empty() && callsign != callsign_of) return false;
  return !icao24.empty() || !callsign.empty();
}

}  // namespace truce
