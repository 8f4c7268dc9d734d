// Air-ground fusion on authored tracks: which tracks a strike report links to, at what
// distance and time, and what the coverage says when none does.
#include <gtest/gtest.h>

#include "space_time_grid.h"
#include "truce/air_ground.h"

namespace truce {
namespace {

Report Strike(std::string id, std::string sub = "Air/drone strike") {
  ReportSpec s;
  s.origin = id;
  s.event_id = std::move(id);
  s.event_date = *ParseUtcTime("2017-08-21");
  s.event_type = "Explosions/Remote violence";
  s.sub_event_type = std::move(sub);
  s.latitude = 35.93;
  s.longitude = 36.63;
  s.geo_precision = 1;  // 2 km disc, the whole UTC day
  return *Report::Create(std::move(s));
}

// A track flying north along a meridian `east_m` east of the report, one fix a minute from
// `start`, k = -10..10 hundredths of a degree of latitude around it.
Track NorthBound(std::string icao24, double east_m, const char* start, double altitude = 4000) {
  Track t;
  t.icao24 = icao24;
  const double lng = 36.63 + east_m / (111'320 * std::cos(35.93 * M_PI / 180));
  for (int k = -10; k <= 10; ++k) {
    Position p;
    p.icao24 = icao24;
    p.time = *ParseUtcTime(start) + std::chrono::minutes(k + 10);
    p.where = LatLng(35.93 + k * 0.01, lng);
    p.baro_altitude = Meters{altitude};
    p.callsign = k < 0 ? "" : "SYR" + icao24.substr(0, 3);
    t.positions.push_back(p);
  }
  return t;
}

TEST(AirGround, StrikeLinksToTheTracksNearItsDiscDuringItsInterval) {
  const Report strike = Strike("S1");
  ASSERT_TRUE(IsAirStrike(strike));
  EXPECT_FALSE(IsAirStrike(Strike("S2", "Shelling/artillery/missile attack")));
  const std::vector<Track> tracks = {
      NorthBound("aaaaaa", 5'000, "2017-08-21T09:50:00Z"),   // 5 km east: linked
      NorthBound("bbbbbb", 30'000, "2017-08-21T11:00:00Z"),  // 30 km east: too far
      NorthBound("cccccc", 0, "2017-08-22T09:50:00Z")};      // overhead, the next day
  const AirPicture picture(tracks);
  EXPECT_EQ(picture.positions(), 63u);
  std::vector<TrackLink> links;
  StrikeCoverage coverage;
  picture.Fuse(strike, Meters{10'000}, links, coverage);
  ASSERT_EQ(links.size(), 1u);
  const TrackLink& l = links[0];
  EXPECT_EQ(l.report, "S1");
  EXPECT_EQ(l.icao24, "aaaaaa");
  EXPECT_EQ(l.callsign, "SYRaaa");  // the first callsign the track gave near the strike
  EXPECT_EQ(FormatUtcTime(l.time), "2017-08-21T10:00:00Z");
  EXPECT_NEAR(l.from_centre.value, 5'000, 25);
  EXPECT_NEAR(l.distance.value, 3'000, 25);  // from the 2 km disc's edge
  ASSERT_TRUE(l.altitude);
  EXPECT_EQ(l.altitude->value, 4000);
  // Within 12 km of the centre: the fixes up to 9 hundredths of a degree north or south.
  EXPECT_EQ(l.positions, 19u);
  EXPECT_EQ(coverage.positions_in_area, 19u);
  EXPECT_EQ(coverage.aircraft_in_area, 1u);
  EXPECT_EQ(coverage.positions_in_interval, 42u);
  EXPECT_EQ(coverage.area_radius.value, 12'000);
  EXPECT_EQ(coverage.statement,
            "19 positions of 1 aircraft within 12.0 km of the report's centre during its interval");
}

TEST(AirGround, NoTrackSeenSaysWhatCoverageThereWas) {
  const Report strike = Strike("S1");
  std::vector<TrackLink> links;
  StrikeCoverage coverage;
  const std::vector<Track> far = {NorthBound("bbbbbb", 30'000, "2017-08-21T11:00:00Z")};
  AirPicture(far).Fuse(strike, Meters{10'000}, links, coverage);
  EXPECT_TRUE(links.empty());
  EXPECT_EQ(coverage.positions_in_area, 0u);
  EXPECT_EQ(coverage.positions_in_interval, 21u);
  EXPECT_EQ(coverage.statement,
            "no aircraft position within 12.0 km of the report's centre during its interval, "
            "though the position data holds 21 positions elsewhere in that interval: the area "
            "may lie outside receiver coverage, and military aircraft often fly without "
            "transponders, so this is not evidence that no aircraft flew");
  const std::vector<Track> none;
  AirPicture(none).Fuse(strike, Meters{10'000}, links, coverage);
  EXPECT_EQ(coverage.positions_in_interval, 0u);
  EXPECT_EQ(coverage.statement,
            "no position data at all for the report's interval: nothing can be said about flights");
}

TEST(AirGround, IncidentsGetTracksOnlyForTheirStrikeReports) {
  std::vector<Incident> incidents(2);
  const Report strike = Strike("S1");
  const Report shelling = Strike("S2", "Shelling/artillery/missile attack");
  incidents[0].reports = {&strike, &shelling};
  incidents[1].reports = {&shelling};
  const std::vector<Track> tracks = {NorthBound("aaaaaa", 0, "2017-08-21T09:50:00Z")};
  AirPicture(tracks).Fuse(incidents, Meters{10'000});
  ASSERT_EQ(incidents[0].tracks.size(), 1u);
  EXPECT_EQ(incidents[0].tracks[0].distance.value, 0);  // overhead: inside the disc
  ASSERT_EQ(incidents[0].coverage.size(), 1u);
  EXPECT_EQ(incidents[0].coverage[0].report, "S1");
  EXPECT_TRUE(incidents[1].tracks.empty());
  EXPECT_TRUE(incidents[1].coverage.empty());
}

}  // namespace
}  // namespace truce
