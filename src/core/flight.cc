#include "truce/flight.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
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

namespace {

// An icao24 of at most 7 bytes as a number that orders exactly as the string does
// (std::string compares bytes as unsigned char): the bytes big-endian, zero-padded, then the
// length, so a string that is a prefix of another (padded with zeros) comes first. Distinct
// strings get distinct keys. A normalised icao24 (6 hex digits) always fits.
constexpr size_t kMaxKeyBytes = 7;

uint64_t AircraftKey(std::string_view icao24) {
  uint64_t key = 0;
  for (size_t i = 0; i < kMaxKeyBytes; ++i) {
    key = (key << 8) | (i < icao24.size() ? static_cast<unsigned char>(icao24[i]) : 0u);
  }
  return (key << 8) | icao24.size();
}

// One position in the sort: its aircraft key, time and place in the input.
struct SortEntry {
  uint64_t key;
  int64_t time;
  size_t index;
};

// Walks `order` (indices into positions, sorted by aircraft then time, input order among
// equals) and cuts it into tracks. `same(i, j)`: positions i and j are the same aircraft.
template <typename Same>
std::vector<Track> CutTracks(std::vector<Position>& positions, std::vector<size_t>& order,
                             const TrackOptions& options, TrackStats& s, Same same) {
  // First the cuts: keep the first of each (aircraft, time) and note where tracks begin, so
  // that every track's positions are reserved once.
  std::vector<size_t> starts;  // into the kept part of `order`
  size_t kept = 0;
  for (size_t k = 0; k < order.size(); ++k) {
    const size_t i = order[k];
    const Position& p = positions[i];
    const Position* previous = kept == 0 ? nullptr : &positions[order[kept - 1]];
    const bool same_aircraft = previous && same(order[kept - 1], i);
    if (same_aircraft && previous->time == p.time) {
      ++s.duplicates;
      continue;
    }
    if (!same_aircraft) ++s.aircraft;
    if (!same_aircraft || p.time - previous->time > options.max_gap) {
      if (same_aircraft) ++s.gap_splits;
      starts.push_back(kept);
    }
    order[kept++] = i;
  }
  starts.push_back(kept);
  std::vector<Track> tracks(starts.size() - 1);
  for (size_t t = 0; t + 1 < starts.size(); ++t) {
    Track& track = tracks[t];
    track.icao24 = positions[order[starts[t]]].icao24;
    track.positions.reserve(starts[t + 1] - starts[t]);
    for (size_t k = starts[t]; k < starts[t + 1]; ++k) {
      track.positions.push_back(std::move(positions[order[k]]));
    }
  }
  return tracks;
}

}  // namespace

std::vector<Track> BuildTracks(std::vector<Position> positions, const TrackOptions& options,
                               TrackStats* stats) {
  TrackStats local;
  TrackStats& s = stats ? *stats : local;
  s = TrackStats{};
  s.positions = positions.size();
  const bool keyed = std::all_of(positions.begin(), positions.end(),
                                 [](const Position& p) { return p.icao24.size() <= kMaxKeyBytes; });
  std::vector<size_t> order(positions.size());
  if (!keyed) {
    // Sorting indices keeps the input order among equal (icao24, time), so "first in input
    // order" decides which duplicate survives.
    std::iota(order.begin(), order.end(), size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      const Position& pa = positions[a];
      const Position& pb = positions[b];
      if (pa.icao24 != pb.icao24) return pa.icao24 < pb.icao24;
      return pa.time < pb.time;
    });
    std::vector<Track> tracks = CutTracks(positions, order, options, s, [&](size_t a, size_t b) {
      return positions[a].icao24 == positions[b].icao24;
    });
    s.tracks = tracks.size();
    return tracks;
  }
  // The same order by integer keys: (key, time, input index) is a total order, so any sort
  // by it gives exactly the stable sort by (icao24, time). Feeds come grouped by aircraft or
  // ordered by time, so the entries are a few ascending runs: merged pairwise (a natural merge
  // sort), they cost a few passes instead of a full sort.
  std::vector<SortEntry> entries(positions.size());
  for (size_t i = 0; i < positions.size(); ++i) {
    entries[i] = SortEntry{AircraftKey(positions[i].icao24),
                           positions[i].time.time_since_epoch().count(), i};
  }
  auto less = [](const SortEntry& a, const SortEntry& b) {
    if (a.key != b.key) return a.key < b.key;
    if (a.time != b.time) return a.time < b.time;
    return a.index < b.index;
  };
  std::vector<size_t> runs = {0};  // run k is [runs[k], runs[k + 1])
  for (size_t i = 1; i < entries.size(); ++i) {
    if (less(entries[i], entries[i - 1])) runs.push_back(i);
  }
  runs.push_back(entries.size());
  if (runs.size() > 2) {
    std::vector<SortEntry> merged(entries.size());
    std::vector<size_t> merged_runs;
    while (runs.size() > 2) {
      merged_runs.assign(1, 0);
      for (size_t k = 0; k + 1 < runs.size(); k += 2) {
        const size_t lo = runs[k], mid = runs[k + 1];
        const size_t hi = k + 2 < runs.size() ? runs[k + 2] : mid;
        std::merge(entries.begin() + lo, entries.begin() + mid, entries.begin() + mid,
                   entries.begin() + hi, merged.begin() + lo, less);
        merged_runs.push_back(hi);
      }
      entries.swap(merged);
      runs.swap(merged_runs);
    }
  }
  std::vector<uint64_t> keys(positions.size());
  for (size_t k = 0; k < entries.size(); ++k) {
    order[k] = entries[k].index;
    keys[entries[k].index] = entries[k].key;
  }
  entries = {};
  std::vector<Track> tracks = CutTracks(positions, order, options, s,
                                        [&](size_t a, size_t b) { return keys[a] == keys[b]; });
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
