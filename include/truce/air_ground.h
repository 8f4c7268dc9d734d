// Air-ground fusion: an air or drone strike report linked to the aircraft tracks that came
// within a documented distance of its disc during its interval, with what the position data
// could see of that area and time (docs/corroboration.md).
//
// A link is evidence on the incident (the aircraft, the distance, the time), never a verdict:
// an aircraft nearby did not necessarily strike, and no track seen is not evidence that no
// aircraft flew (military aircraft often fly without transponders, and receivers do not cover
// everywhere). StrikeCoverage says which of these the data can speak to.
// Distances are geodesic on WGS84 (GeographicLib). AirPicture is immutable once built: its
// const methods are safe to call from several threads.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "truce/flight.h"
#include "truce/incident.h"
#include "truce/report.h"

namespace truce {

// Whether the report is an air or drone strike (ACLED sub_event_type "Air/drone strike").
bool IsAirStrike(const Report& report);

class AirPicture {
 public:
  // Indexes every fix of `tracks` by time. REQUIRES: `tracks` outlive this object.
  explicit AirPicture(std::span<const Track> tracks);

  // The tracks with a fix within `distance` of the report's disc (so within radius + distance
  // of its centre) during its interval, ordered by distance then icao24, one link per track
  // (its closest fix); and the coverage of that area and interval.
  void Fuse(const Report& report, Meters distance, std::vector<TrackLink>& links,
            StrikeCoverage& coverage) const;
  // For every air or drone strike report of every incident: sets the incident's `tracks` and
  // `coverage` (empty for incidents without strike reports).
  void Fuse(std::span<Incident> incidents, Meters distance) const;

  size_t positions() const noexcept { return by_time_.size(); }

 private:
  struct Fix {
    int64_t time;  // Unix milliseconds
    uint32_t track;
    uint32_t index;
  };
  std::span<const Track> tracks_;
  std::vector<Fix> by_time_;
};

// The evidence of one strike report from aircraft positions, as `truce corroborate --positions`
// and the server both compute it (docs/corroboration.md "Air-ground fusion"): the positions
// within the report's interval (the others cannot change it), grouped into tracks by
// BuildTracks with `options` (the first of two fixes of one aircraft at one time is kept, in
// the order given; a silence longer than max_gap starts a new track), then AirPicture::Fuse.
// Appends the links to `links`.
void FuseStrike(const Report& report, std::span<const Position> positions, Meters distance,
                const TrackOptions& options, std::vector<TrackLink>& links,
                StrikeCoverage& coverage);

// Sets `tracks` and `coverage` of every incident: FuseStrike for each of its air or drone
// strike reports, in the incident's report order, over `positions` (in the order given).
void FuseIncidents(std::span<Incident> incidents, std::span<const Position> positions,
                   Meters distance, const TrackOptions& options = {});

}  // namespace truce
