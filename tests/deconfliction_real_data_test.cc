// Deconfliction alerts on real places and a real track (../shared/data):
//   - every OCHA city neighbourhood point (414) and GeoNames place (309) in Syria as a
//     protected site, strikes authored with GeographicLib Direct just inside and just outside
//     the alert distance and with discs straddling it, checked pair by pair against
//     GeographicLib Inverse as the oracle;
//   - OCHA neighbourhood polygons as Polygon sites, strikes off their boundary, checked against
//     the distance to the densely sampled boundary;
//   - a route along the M5 through GeoNames' Homs, Ar Rastan and Hamah, strikes at known
//     distances at right angles to it;
//   - the real in-flight refuelling track (ADS-B, traffic sample) shifted so that one of its
//     low segments crosses the route, checked against the track sampled densely.
#include <cmath>
#include <iostream>
#include <map>
#include <random>
#include <set>

#include <gtest/gtest.h>
#include <GeographicLib/Geodesic.hpp>

#include "formats/csv.h"
#include "formats/notifications.h"
#include "formats/positions.h"
#include "formats/text_file.h"
#include "shared_data.h"
#include "truce/deconfliction.h"

namespace truce {
namespace {

constexpr const char* kNeighbourhoods = "gazetteer/ocha_city_neighbourhoods_points.csv";
constexpr const char* kGeoNames = "gazetteer/geonames_cities_SY.json";
constexpr const char* kNeighbourhoodPolygons =
    "boundaries/ocha_cod_ab_syr_2016/city_neighbourhoods.geojson";
constexpr const char* kRefuelling = "flights/traffic_military_inflight_refuelling.json.gz";

UtcTime T(const char* text) { return *ParseUtcTime(text); }

const GeographicLib::Geodesic& Wgs84() { return GeographicLib::Geodesic::WGS84(); }

LatLng Direct(LatLng p, double azimuth, double metres) {
  double lat = 0, lng = 0;
  Wgs84().Direct(p.lat(), p.lng(), azimuth, metres, lat, lng);
  return LatLng(lat, lng);
}

double Inverse(LatLng a, LatLng b) {
  double s12 = 0;
  Wgs84().Inverse(a.lat(), a.lng(), b.lat(), b.lng(), s12);
  return s12;
}

struct Place {
  std::string id;
  LatLng where;
};

std::vector<Place> LoadPlaces() {
  std::vector<Place> places;
  auto text = formats::ReadTextFile(testing::SharedDataPath(kNeighbourhoods));
  EXPECT_TRUE(text.ok());
  auto table = formats::ParseCsv(*text, kNeighbourhoods);
  EXPECT_TRUE(table.ok());
  const size_t pcode = *table->Column("PCODE"), lat = *table->Column("LATITUDE"),
               lng = *table->Column("LONGITUDE");
  for (const formats::CsvRecord& r : table->records) {
    places.push_back(Place{"ocha-" + r.fields[pcode],
                           LatLng(std::stod(r.fields[lat]), std::stod(r.fields[lng]))});
  }
  const nlohmann::json geonames = testing::LoadSharedJson(kGeoNames);
  for (size_t i = 0; i < geonames.size(); ++i) {
    places.push_back(Place{"geonames-" + std::to_string(i),
                           LatLng(std::stod(geonames[i]["lat"].get<std::string>()),
                                  std::stod(geonames[i]["lng"].get<std::string>()))});
  }
  return places;
}

ProtectedSite PointSite(const Place& p) {
  ProtectedSiteSpec s;
  s.origin = "gazetteer";
  s.id = p.id;
  s.type = "hospital";
  s.organisation = "test";
  s.point = p.where;
  s.valid_from = T("2017-05-06");
  return *ProtectedSite::Create(s);
}

Report Strike(const std::string& id, LatLng where, double radius_m,
              const char* day = "2017-08-21") {
  ReportSpec r;
  r.origin = "authored";
  r.event_id = id;
  r.event_date = T(day);
  r.event_type = "Explosions/Remote violence";
  r.sub_event_type = "Shelling/artillery/missile attack";
  r.latitude = where.lat();
  r.longitude = where.lng();
  r.uncertainty = Meters{radius_m};
  return *Report::Create(r);
}

TEST(DeconflictionRealDataTest, StrikesNearEveryGazetteerPlace) {
  TRUCE_REQUIRE_SHARED_DATA(kNeighbourhoods);
  TRUCE_REQUIRE_SHARED_DATA(kGeoNames);
  const std::vector<Place> places = LoadPlaces();
  ASSERT_EQ(places.size(), 414u + 309u);
  std::vector<ProtectedSite> sites;
  for (const Place& p : places) sites.push_back(PointSite(p));
  const double d = 1000;
  // Four strikes at every third place, in random directions: 0.5 m inside and outside the
  // alert distance (point reports), a 400 m disc straddling it, a 400 m disc wholly within.
  std::mt19937 rng(20170821);
  std::uniform_real_distribution<double> azimuth(0, 360);
  std::vector<Report> reports;
  for (size_t i = 0; i < places.size(); i += 3) {
    const LatLng c = places[i].where;
    const std::string id = places[i].id;
    reports.push_back(Strike(id + "/in", Direct(c, azimuth(rng), d - 0.5), 0));
    reports.push_back(Strike(id + "/out", Direct(c, azimuth(rng), d + 0.5), 0));
    reports.push_back(Strike(id + "/straddle", Direct(c, azimuth(rng), d + 200), 400));
    reports.push_back(Strike(id + "/within", Direct(c, azimuth(rng), d - 401), 400));
  }
  const DeconflictionMonitor monitor(sites, {});
  const std::vector<Alert> alerts = monitor.ForReports(reports);
  std::map<std::pair<std::string, std::string>, const Alert*> got;
  for (const Alert& a : alerts) {
    EXPECT_TRUE(got.emplace(std::pair(a.target, a.report), &a).second) << "duplicate " << a.id;
  }
  // The oracle: every (site, strike) pair, by GeographicLib Inverse.
  size_t expected = 0, inside = 0;
  for (const Report& r : reports) {
    for (const Place& p : places) {
      const double dist = Inverse(r.location(), p.where);
      const double radius = r.radius().value;
      const auto it = got.find({p.id, r.event_id()});
      if (dist > d + radius) {
        EXPECT_TRUE(it == got.end()) << p.id << " " << r.event_id() << " at " << dist;
        continue;
      }
      ++expected;
      ASSERT_TRUE(it != got.end()) << p.id << " " << r.event_id() << " at " << dist;
      EXPECT_NEAR(it->second->distance.value, dist, 1e-6);
      const Verdict verdict = dist + radius <= d ? Verdict::kInside : Verdict::kPossible;
      EXPECT_EQ(it->second->verdict, verdict) << p.id << " " << r.event_id();
      inside += verdict == Verdict::kInside;
    }
  }
  EXPECT_EQ(alerts.size(), expected);
  // The authored pairs themselves.
  for (size_t i = 0; i < places.size(); i += 3) {
    const std::string& id = places[i].id;
    EXPECT_EQ(got.at({id, id + "/in"})->verdict, Verdict::kInside);
    EXPECT_EQ(got.count({id, id + "/out"}), 0u);
    EXPECT_EQ(got.at({id, id + "/straddle"})->verdict, Verdict::kPossible);
    EXPECT_EQ(got.at({id, id + "/within"})->verdict, Verdict::kInside);
  }
  std::cout << "[ figures  ] " << sites.size() << " sites, " << reports.size()
            << " strikes: " << alerts.size() << " alerts (" << inside
            << " inside), as the oracle\n";
}

// The distance from p to a ring sampled every ~1 m along its lon/lat edges.
double SampledDistance(LatLng p, const Ring& ring) {
  double best = 1e300;
  for (size_t i = 0; i + 1 < ring.size(); ++i) {
    const int n = std::max(1, static_cast<int>(std::ceil(Inverse(ring[i], ring[i + 1]))));
    for (int k = 0; k <= n; ++k) {
      const double s = static_cast<double>(k) / n;
      const LatLng q(ring[i].lat() + s * (ring[i + 1].lat() - ring[i].lat()),
                     ring[i].lng() + s * (ring[i + 1].lng() - ring[i].lng()));
      best = std::min(best, Inverse(p, q));
    }
  }
  return best;
}

TEST(DeconflictionRealDataTest, StrikesOffNeighbourhoodPolygons) {
  TRUCE_REQUIRE_SHARED_DATA(kNeighbourhoodPolygons);
  const nlohmann::json doc = testing::LoadSharedJson(kNeighbourhoodPolygons);
  std::vector<ProtectedSite> sites;
  size_t invalid = 0;
  for (size_t i = 0; i < doc["features"].size() && sites.size() < 25; i += 16) {
    nlohmann::json f = doc["features"][i];
    f["properties"] = {{"id", f["properties"]["PCODE"]},
                       {"type", "camp"},
                       {"organisation", "test"},
                       {"valid_from", "2017-05-06"}};
    auto site = formats::SiteFromFeature(f, kNeighbourhoodPolygons);
    if (!site.ok()) {
      ++invalid;  // OCHA's polygons are not all valid (GEOS isValid)
      continue;
    }
    sites.push_back(std::move(site).value());
  }
  ASSERT_GE(sites.size(), 20u);
  std::mt19937 rng(7);
  size_t checked = 0, inside = 0;
  for (const ProtectedSite& site : sites) {
    const std::vector<ProtectedSite> one = {site};
    const DeconflictionMonitor single(one, {});
    const Ring& ring = site.area().rings[0];
    // Out from a vertex, away from the polygon's middle, by 300, 990 and 1,010 m.
    const LatLngRect& box = site.bounds();
    const LatLng middle(0.5 * (box.lat_lo + box.lat_hi), 0.5 * (box.lng_lo + box.lng_hi));
    const LatLng vertex = ring[std::uniform_int_distribution<size_t>(0, ring.size() - 2)(rng)];
    double s12 = 0, azi1 = 0, azi2 = 0;
    Wgs84().Inverse(middle.lat(), middle.lng(), vertex.lat(), vertex.lng(), s12, azi1, azi2);
    for (double out : {300.0, 990.0, 1010.0}) {
      const LatLng p = Direct(vertex, azi2, out);
      const std::vector<Alert> alerts = single.ForReport(Strike("x", p, 0));
      if (!alerts.empty() && alerts[0].distance.value == 0) {
        ++inside;  // a concave polygon wraps round the point: no boundary distance to compare
        continue;
      }
      double truth = 1e300;
      for (const Ring& r : site.area().rings) truth = std::min(truth, SampledDistance(p, r));
      if (truth > 1000.05) {
        EXPECT_TRUE(alerts.empty()) << site.id() << " " << truth;
      } else if (truth < 999.95) {
        ASSERT_EQ(alerts.size(), 1u) << site.id() << " " << truth;
        EXPECT_NEAR(alerts[0].distance.value, truth, 0.05) << site.id();
      }
      ++checked;
    }
    // A strike at the polygon's own reference point, with a disc small enough to stay inside.
    const std::vector<Alert> at_middle = single.ForReport(Strike("m", middle, 0));
    ASSERT_EQ(at_middle.size(), 1u);
    if (at_middle[0].distance.value == 0) {
      EXPECT_EQ(at_middle[0].verdict, Verdict::kInside);
    }
  }
  std::cout << "[ figures  ] " << sites.size() << " neighbourhood polygons (" << invalid
            << " invalid skipped), " << checked << " strikes checked against the sampled "
            << "boundary, " << inside << " fell inside\n";
}

// The M5 through GeoNames' Homs, Ar Rastan and Hamah.
const std::vector<LatLng> kM5 = {LatLng(34.72405, 36.72559), LatLng(34.92667, 36.73241),
                                 LatLng(35.13179, 36.75783)};

Movement M5Convoy(const char* start, const char* end) {
  MovementSpec m;
  m.origin = "authored";
  m.id = "m5-convoy";
  m.organisation = "WFP";
  m.route = kM5;
  m.window_start = T(start);
  m.window_end = T(end);
  return *Movement::Create(m);
}

TEST(DeconflictionRealDataTest, StrikesAtRightAnglesToTheM5) {
  const std::vector<Movement> movements = {
      M5Convoy("2017-08-21T06:00:00Z", "2017-08-21T18:00:00Z")};
  const DeconflictionMonitor monitor({}, movements);
  std::mt19937 rng(5);
  std::uniform_real_distribution<double> along(0.02, 0.98);
  for (int i = 0; i < 40; ++i) {
    const size_t edge = i % 2;
    const double s = along(rng);
    const LatLng a = kM5[edge], b = kM5[edge + 1];
    const LatLng on(a.lat() + s * (b.lat() - a.lat()), a.lng() + s * (b.lng() - a.lng()));
    const LatLng ahead(a.lat() + (s + 1e-4) * (b.lat() - a.lat()),
                       a.lng() + (s + 1e-4) * (b.lng() - a.lng()));
    double s12 = 0, azi1 = 0, azi2 = 0;
    Wgs84().Inverse(on.lat(), on.lng(), ahead.lat(), ahead.lng(), s12, azi1, azi2);
    const double side = i % 4 < 2 ? 90 : -90;
    const auto in = monitor.ForReport(Strike("in", Direct(on, azi1 + side, 999.5), 0));
    ASSERT_EQ(in.size(), 1u) << i;
    EXPECT_NEAR(in[0].distance.value, 999.5, 0.05) << i;
    EXPECT_EQ(in[0].verdict, Verdict::kPossible);  // a whole day against a 12 h window
    EXPECT_EQ(in[0].time, T("2017-08-21T06:00:00Z"));
    EXPECT_TRUE(monitor.ForReport(Strike("out", Direct(on, azi1 + side, 1000.5), 0)).empty());
    // The day before and the day after the window: nothing.
    EXPECT_TRUE(monitor.ForReport(Strike("before", on, 0, "2017-08-20")).empty());
    EXPECT_TRUE(monitor.ForReport(Strike("after", on, 0, "2017-08-22")).empty());
  }
}

// The shifted track's closest approach to `target`, sampled: each segment (both fixes
// airborne) at 2,000 points, those in `window` and at or below `ceiling` kept.
double SampledApproach(const Track& track, LatLng target, const TimeInterval& window,
                       double ceiling) {
  double best = 1e300;
  const auto& ps = track.positions;
  for (size_t i = 0; i + 1 < ps.size(); ++i) {
    const Position& a = ps[i];
    const Position& b = ps[i + 1];
    if (a.on_ground || b.on_ground) continue;
    if (std::min(Inverse(a.where, target), Inverse(b.where, target)) > 400'000) continue;
    for (int k = 0; k <= 2000; ++k) {
      const double s = k / 2000.0;
      const UtcTime t =
          a.time + std::chrono::milliseconds(std::llround(s * (b.time - a.time).count()));
      if (!window.Contains(t)) continue;
      const auto alt_a = a.altitude(), alt_b = b.altitude();
      if (alt_a && alt_b && alt_a->value + s * (alt_b->value - alt_a->value) > ceiling) continue;
      const LatLng q(a.where.lat() + s * (b.where.lat() - a.where.lat()),
                     a.where.lng() + s * (b.where.lng() - a.where.lng()));
      best = std::min(best, Inverse(q, target));
    }
  }
  return best;
}

TEST(DeconflictionRealDataTest, ARealTrackShiftedOntoTheM5) {
  TRUCE_REQUIRE_SHARED_DATA(kRefuelling);
  auto text = formats::ReadTextFile(testing::SharedDataPath(kRefuelling));
  ASSERT_TRUE(text.ok());
  auto batch = formats::ParsePositions(*text, kRefuelling);
  ASSERT_TRUE(batch.ok()) << batch.error().message;
  std::vector<Track> tracks = BuildTracks(batch->positions);
  ASSERT_FALSE(tracks.empty());
  const Track* longest = &tracks[0];
  for (const Track& t : tracks) {
    if (t.positions.size() > longest->positions.size()) longest = &t;
  }
  // The tanker reports every second; keep one fix in 30, so that the segments are a few
  // kilometres long and the pass over the road falls between fixes.
  Track thinned;
  thinned.icao24 = longest->icao24;
  for (size_t i = 0; i < longest->positions.size(); i += 30) {
    thinned.positions.push_back(longest->positions[i]);
  }
  // A low segment (both fixes airborne between 300 and 2,000 m, over 1 km apart) to put on the
  // road.
  const auto& ps = thinned.positions;
  size_t k = ps.size();
  for (size_t i = 0; i + 1 < ps.size(); ++i) {
    const auto alt_a = ps[i].altitude(), alt_b = ps[i + 1].altitude();
    if (!ps[i].on_ground && !ps[i + 1].on_ground && alt_a && alt_b && alt_a->value < 2'000 &&
        alt_b->value < 2'000 && alt_a->value > 300 && alt_b->value > 300 &&
        Inverse(ps[i].where, ps[i + 1].where) > 1'000) {
      k = i;
      break;
    }
  }
  ASSERT_LT(k, ps.size()) << "no low segment in the refuelling track";
  // Ar Rastan, the M5's middle vertex, as a site; the segment's lon/lat midpoint moved onto it.
  const LatLng rastan = kM5[1];
  const LatLng mid(0.5 * (ps[k].where.lat() + ps[k + 1].where.lat()),
                   0.5 * (ps[k].where.lng() + ps[k + 1].where.lng()));
  const UtcTime t_mid = ps[k].time + (ps[k + 1].time - ps[k].time) / 2;
  const TimeInterval window =
      *TimeInterval::Create(ps.front().time, ps.back().time + std::chrono::seconds(1));
  for (double north_m : {0.0, 1'500.0, 1'950.0, 2'100.0, 5'000.0, 300'000.0}) {
    const double dlat = rastan.lat() - mid.lat() + north_m / 110'900.0;
    const double dlng = rastan.lng() - mid.lng();
    Track shifted = thinned;
    for (Position& p : shifted.positions)
      p.where = LatLng(p.where.lat() + dlat, p.where.lng() + dlng);
    ProtectedSiteSpec s;
    s.origin = "authored";
    s.id = "rastan-hospital";
    s.type = "hospital";
    s.organisation = "test";
    s.point = rastan;
    s.valid_from = window.begin();
    s.valid_to = window.end();
    const std::vector<ProtectedSite> sites = {*ProtectedSite::Create(s)};
    const DeconflictionMonitor monitor(sites, {});
    const std::vector<Alert> alerts = monitor.ForTrack(shifted);
    const double oracle = SampledApproach(shifted, rastan, window, 4'500);
    double closest = 1e300;
    for (const Alert& a : alerts) closest = std::min(closest, a.distance.value);
    if (oracle > 2'000.5) {
      EXPECT_TRUE(alerts.empty()) << north_m << ": " << alerts.size() << " alerts, oracle "
                                  << oracle;
    } else {
      ASSERT_FALSE(alerts.empty()) << north_m << ": oracle " << oracle;
      // The sampled line is at most a few metres off the closest point (its spacing).
      EXPECT_LE(closest, oracle + 1e-3) << north_m;
      EXPECT_GE(closest, oracle - 1.0) << north_m;
    }
    std::cout << "[ figures  ] shifted " << north_m << " m north: oracle closest approach "
              << oracle << " m, " << alerts.size() << " alert(s)"
              << (alerts.empty() ? std::string() : ", closest " + std::to_string(closest) + " m")
              << "\n";
    if (north_m == 0) {
      ASSERT_FALSE(alerts.empty());
      const Alert* over = nullptr;
      for (const Alert& a : alerts) {
        if (a.distance.value < 0.01) over = &a;
      }
      ASSERT_NE(over, nullptr);
      EXPECT_LE(std::abs((over->time - t_mid).count()), 1);
      EXPECT_NEAR(over->altitude->value,
                  0.5 * (ps[k].altitude()->value + ps[k + 1].altitude()->value), 0.01);
      // And over the road itself, as a movement in its window.
      const std::vector<Movement> convoy = {
          M5Convoy(FormatUtcTime(window.begin()).c_str(), FormatUtcTime(window.end()).c_str())};
      const std::vector<Alert> on_road = DeconflictionMonitor({}, convoy).ForTrack(shifted);
      ASSERT_FALSE(on_road.empty());
      EXPECT_EQ(on_road[0].kind, NotificationKind::kMovement);
      double road = 1e300;
      for (const Alert& a : on_road) road = std::min(road, a.distance.value);
      EXPECT_LT(road, 0.01);
      // A window that closed before the pass: nothing from it.
      const std::vector<Movement> earlier = {
          M5Convoy(FormatUtcTime(window.begin() - std::chrono::hours(48)).c_str(),
                   FormatUtcTime(window.begin() - std::chrono::hours(24)).c_str())};
      EXPECT_TRUE(DeconflictionMonitor({}, earlier).ForTrack(shifted).empty());
      std::cout << "[ figures  ] " << longest->icao24 << ": " << longest->positions.size()
                << " fixes, 1 in 30 kept, segment " << k << " ("
                << std::lround(Inverse(ps[k].where, ps[k + 1].where)) << " m) at "
                << FormatUtcTime(t_mid) << " over Ar Rastan; " << alerts.size()
                << " site alert(s), " << on_road.size() << " route alert(s)\n";
    }
  }
}

}  // namespace
}  // namespace truce
