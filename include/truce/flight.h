// Aircraft positions (ADS-B and multilateration state vectors), the tracks they form, and the
// exemptions a no_fly rule allows (notified humanitarian flights).
//
// A Position is one fix of one aircraft; a Track is one aircraft's fixes in time order with no
// gap longer than a threshold (docs/flights.md gives the reasoning for the default). All types
// here are values, safe to share between threads; BuildTracks is a pure function.
#pragma once

#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "truce/geo.h"
#include "truce/time.h"

namespace truce {

// One fix of one aircraft.
struct Position {
  // The 24-bit ICAO address as 6 lower-case hex digits (see NormalizeIcao24).
  std::string icao24;
  // When the aircraft was at `where`. Readers take the time of the position fix (OpenSky's
  // lastposupdate, traffic's last_position) when the record has one, since a state vector
  // repeats its last fix until a new one arrives; otherwise the record's time.
  UtcTime time{};
  LatLng where;
  // Barometric (pressure) altitude and geometric (GNSS) altitude, metres. Either may be absent.
  std::optional<Meters> baro_altitude;
  std::optional<Meters> geo_altitude;
  // Trimmed and upper-cased (see NormalizeCallsign); empty when the record had none.
  std::string callsign;
  bool on_ground = false;

  // The altitude compared with altitude bands: barometric, which is what air traffic control
  // and airspace limits use (flight levels), else geometric, else none.
  std::optional<Meters> altitude() const noexcept {
    return baro_altitude ? baro_altitude : geo_altitude;
  }
};

// "3C6444" or " 3c6444 " -> "3c6444"; nullopt unless exactly 6 hex digits remain.
std::optional<std::string> NormalizeIcao24(std::string_view text);

// Trims spaces (ADS-B pads callsigns to 8 characters) and upper-cases.
std::string NormalizeCallsign(std::string_view text);

// One aircraft's fixes in strictly increasing time, no two consecutive ones further apart
// than the max_gap the track was built with.
struct Track {
  std::string icao24;
  std::vector<Position> positions;
};

struct TrackOptions {
  // A longer silence ends the track: what the aircraft did in between is unknown, and a
  // straight line across it would invent a path (docs/flights.md).
  std::chrono::milliseconds max_gap = std::chrono::minutes(10);
};

struct TrackStats {
  size_t positions = 0;   // positions given
  size_t duplicates = 0;  // dropped: same aircraft, same time as an earlier one
  size_t aircraft = 0;    // distinct icao24
  size_t tracks = 0;
  size_t gap_splits = 0;  // tracks started because of a gap longer than max_gap
};

// Groups `positions` by icao24, sorts each aircraft's fixes by time, drops duplicates (the
// same icao24 at the same time: the first in input order is kept) and splits at gaps longer
// than options.max_gap. Tracks are ordered by icao24, then time. `stats` may be null.
std::vector<Track> BuildTracks(std::vector<Position> positions, const TrackOptions& options = {},
                               TrackStats* stats = nullptr);

// A notified flight that may enter no-fly zones during a time window. It names the aircraft
// by icao24, by callsign, or by both (then both must match); an empty zone means every zone.
struct Exemption {
  std::string icao24;    // normalised, or empty
  std::string callsign;  // normalised, or empty
  TimeInterval window = TimeInterval::Instant(UtcTime{});
  std::string zone;  // a zone id, or empty for all zones
  std::string note;  // free text: who notified it, the reference

  // Whether the exemption covers this aircraft in `zone` (the time is checked separately
  // against `window`). REQUIRES: icao24 or callsign non-empty (the reader checks).
  bool Covers(std::string_view icao24_of, std::string_view callsign_of,
              std::string_view zone_of) const noexcept;
};

}  // namespace truce
