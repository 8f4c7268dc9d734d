#include "truce/deconfliction.h"

#include <gtest/gtest.h>
#include <GeographicLib/Geodesic.hpp>

#include "truce/text_format.h"

namespace truce {
namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

UtcTime T(const char* text) { return *ParseUtcTime(text); }

LatLng Direct(LatLng p, double azimuth, double metres) {
  double lat = 0, lng = 0;
  GeographicLib::Geodesic::WGS84().Direct(p.lat(), p.lng(), azimuth, metres, lat, lng);
  return LatLng(lat, lng);
}

double Azimuth(LatLng a, LatLng b) {
  double s12 = 0, azi1 = 0, azi2 = 0;
  GeographicLib::Geodesic::WGS84().Inverse(a.lat(), a.lng(), b.lat(), b.lng(), s12, azi1, azi2);
  return azi1;
}

// Jabriyeh, Aleppo: an OCHA city neighbourhood point (tests/deconfliction_real_data_test.cc
// reads the whole gazetteer).
const LatLng kJabriyeh(36.21542276617, 37.16382144122);

ProtectedSite Site(LatLng where, const char* valid_from = "2017-06-01",
                   std::optional<const char*> valid_to = std::nullopt) {
  ProtectedSiteSpec s;
  s.origin = "test";
  s.id = "hospital-1";
  s.type = "hospital";
  s.organisation = "SAMS";
  s.point = where;
  s.valid_from = T(valid_from);
  if (valid_to) s.valid_to = T(*valid_to);
  s.notified_at = T("2017-06-01");
  auto site = ProtectedSite::Create(s);
  EXPECT_TRUE(site.ok()) << site.error().message;
  return std::move(site).value();
}

// A strike: an air strike on 2017-07-01 (or at HH:MM that day) at `where`, with the disc's
// radius given as uncertainty_m.
Report Strike(const std::string& id, LatLng where, double radius_m,
              std::optional<minutes> time_of_day = std::nullopt,
              const char* type = "Explosions/Remote violence", const char* day = "2017-07-01") {
  ReportSpec r;
  r.origin = "test";
  r.event_id = id;
  r.event_date = T(day);
  r.time_of_day = time_of_day;
  r.event_type = type;
  r.sub_event_type = "Air/drone strike";
  r.actor1 = "Military Forces of Syria (2000-)";
  r.latitude = where.lat();
  r.longitude = where.lng();
  r.uncertainty = Meters{radius_m};
  r.source = "test";
  auto report = Report::Create(r);
  EXPECT_TRUE(report.ok()) << report.error().message;
  return std::move(report).value();
}

TEST(DeconflictionTest, StrikesAtKnownDistancesFromAPointSite) {
  const std::vector<ProtectedSite> sites = {Site(kJabriyeh)};
  const DeconflictionMonitor monitor(sites, {});  // 1,000 m alert distance
  auto alerts = [&](double distance_m, double radius_m, double azimuth = 37) {
    return monitor.ForReport(Strike("s", Direct(kJabriyeh, azimuth, distance_m), radius_m));
  };
  // A point report (radius 0) just inside and just outside.
  auto in = alerts(999.9, 0);
  ASSERT_EQ(in.size(), 1u);
  EXPECT_EQ(in[0].verdict, Verdict::kInside);
  EXPECT_NEAR(in[0].distance.value, 999.9, 1e-6);
  EXPECT_TRUE(alerts(1000.1, 0).empty());
  // A 500 m disc: wholly within 1 km when its centre is within 500 m ...
  EXPECT_EQ(alerts(499.9, 500)[0].verdict, Verdict::kInside);
  EXPECT_EQ(alerts(500.1, 500)[0].verdict, Verdict::kPossible);
  // ... straddling the alert distance up to 1,500 m, beyond it after.
  auto straddling = alerts(1200, 500, 200);
  ASSERT_EQ(straddling.size(), 1u);
  EXPECT_EQ(straddling[0].verdict, Verdict::kPossible);
  EXPECT_NEAR(straddling[0].nearest.value, 700, 1e-6);
  EXPECT_EQ(straddling[0].radius.value, 500);
  EXPECT_EQ(alerts(1499.9, 500).size(), 1u);
  EXPECT_TRUE(alerts(1500.1, 500).empty());
}

TEST(DeconflictionTest, OnlyHostilitiesRaiseAlerts) {
  const std::vector<ProtectedSite> sites = {Site(kJabriyeh)};
  const DeconflictionMonitor monitor(sites, {});
  EXPECT_EQ(monitor.ForReport(Strike("b", kJabriyeh, 0, std::nullopt, "Battles")).size(), 1u);
  EXPECT_EQ(monitor.ForReport(Strike("v", kJabriyeh, 0, std::nullopt, "Violence against civilians"))
                .size(),
            1u);
  EXPECT_TRUE(monitor.ForReport(Strike("p", kJabriyeh, 0, std::nullopt, "Protests")).empty());
  EXPECT_TRUE(
      monitor.ForReport(Strike("d", kJabriyeh, 0, std::nullopt, "Strategic developments")).empty());
}

TEST(DeconflictionTest, SiteValidityIsHalfOpen) {
  // The strike is reported for the whole day 2017-07-01: [07-01, 07-02).
  const Report strike = Strike("s", kJabriyeh, 0);
  auto count = [&](const char* from, std::optional<const char*> to) {
    const std::vector<ProtectedSite> sites = {Site(kJabriyeh, from, to)};
    return DeconflictionMonitor(sites, {}).ForReport(strike);
  };
  EXPECT_TRUE(count("2017-07-02", std::nullopt).empty());  // protected from the day after
  EXPECT_TRUE(count("2017-06-01", "2017-07-01").empty());  // protection ended that midnight
  auto last_ms = count("2017-06-01", "2017-07-01T00:00:01Z");
  ASSERT_EQ(last_ms.size(), 1u);
  EXPECT_EQ(last_ms[0].verdict, Verdict::kPossible);  // the strike may have come after
  EXPECT_EQ(last_ms[0].time, T("2017-07-01"));
  EXPECT_EQ(*last_ms[0].until, T("2017-07-01T00:00:01Z"));
  auto whole = count("2017-06-01", std::nullopt);
  ASSERT_EQ(whole.size(), 1u);
  EXPECT_EQ(whole[0].verdict, Verdict::kInside);
  EXPECT_EQ(whole[0].time, T("2017-07-01"));
  EXPECT_EQ(*whole[0].until, T("2017-07-02"));
  EXPECT_EQ(whole[0].after_notice, std::optional<bool>(true));
}

Movement Convoy(std::vector<LatLng> route, const char* start = "2017-07-01T06:00:00Z",
                const char* end = "2017-07-01T18:00:00Z") {
  MovementSpec m;
  m.origin = "test";
  m.id = "convoy-17";
  m.organisation = "SARC";
  m.route = std::move(route);
  m.window_start = T(start);
  m.window_end = T(end);
  m.notified_at = T("2017-06-28");
  auto movement = Movement::Create(m);
  EXPECT_TRUE(movement.ok()) << movement.error().message;
  return std::move(movement).value();
}

TEST(DeconflictionTest, MovementWindowsAtTheirEdges) {
  // Damascus to Douma (GeoNames), the strike on the route's midpoint.
  const LatLng damascus(33.5102, 36.29128), douma(33.57175, 36.4027);
  const std::vector<Movement> movements = {Convoy({damascus, douma})};
  const DeconflictionMonitor monitor({}, movements);
  const LatLng mid(0.5 * (damascus.lat() + douma.lat()), 0.5 * (damascus.lng() + douma.lng()));
  auto at = [&](int hh, int mm) {
    return monitor.ForReport(Strike("s", mid, 0, minutes(hh * 60 + mm)));
  };
  EXPECT_TRUE(at(5, 59).empty());  // [05:59, 06:00) ends as the window opens
  ASSERT_EQ(at(6, 0).size(), 1u);
  EXPECT_EQ(at(6, 0)[0].verdict, Verdict::kInside);
  EXPECT_EQ(at(6, 0)[0].kind, NotificationKind::kMovement);
  EXPECT_EQ(at(17, 59).size(), 1u);
  EXPECT_TRUE(at(18, 0).empty());  // the window is closed at 18:00
  // A report of the whole day overlaps the window: possible, from 06:00 to 18:00.
  auto day = monitor.ForReport(Strike("d", mid, 0));
  ASSERT_EQ(day.size(), 1u);
  EXPECT_EQ(day[0].verdict, Verdict::kPossible);
  EXPECT_EQ(day[0].time, T("2017-07-01T06:00:00Z"));
  EXPECT_EQ(*day[0].until, T("2017-07-01T18:00:00Z"));
  EXPECT_NEAR(day[0].distance.value, 0, 0.001);
}

TEST(DeconflictionTest, StrikesAtKnownDistancesFromARoute) {
  const LatLng homs(34.72682, 36.72339), hama(35.13179, 36.75783);  // GeoNames
  const std::vector<Movement> movements = {Convoy({homs, hama})};
  const DeconflictionMonitor monitor({}, movements);
  // At right angles to the route, a third of the way along.
  const LatLng on = LatLng(homs.lat() + (hama.lat() - homs.lat()) / 3,
                           homs.lng() + (hama.lng() - homs.lng()) / 3);
  const double along = Azimuth(homs, hama);
  for (double side : {90.0, -90.0}) {
    auto in = monitor.ForReport(Strike("s", Direct(on, along + side, 999.5), 0, minutes(600)));
    ASSERT_EQ(in.size(), 1u) << side;
    EXPECT_NEAR(in[0].distance.value, 999.5, 0.05);
    EXPECT_TRUE(
        monitor.ForReport(Strike("s", Direct(on, along + side, 1000.5), 0, minutes(600))).empty());
  }
  // A strike 3 km beyond Hama, on the route's line: 3 km from the route's end.
  auto beyond = monitor.ForReport(Strike("s", Direct(hama, along, 3'000), 2'500, minutes(600)));
  ASSERT_EQ(beyond.size(), 1u);
  EXPECT_NEAR(beyond[0].distance.value, 3'000, 0.01);
  EXPECT_NEAR(beyond[0].nearest.value, 500, 0.01);
  // Its own alert distance overrides the default.
  MovementSpec spec = movements[0].spec();
  spec.alert_distance = Meters{5'000};
  const std::vector<Movement> wide = {*Movement::Create(spec)};
  auto far = DeconflictionMonitor({}, wide).ForReport(
      Strike("s", Direct(hama, along, 3'000), 1'000, minutes(600)));
  ASSERT_EQ(far.size(), 1u);
  EXPECT_EQ(far[0].verdict, Verdict::kInside);  // 3 km + 1 km <= 5 km
  EXPECT_EQ(far[0].alert_distance.value, 5'000);
}

TEST(DeconflictionTest, PolygonSitesCountTheirInside) {
  ProtectedSiteSpec s;
  s.origin = "test";
  s.id = "camp-1";
  s.type = "camp";
  s.organisation = "UNHCR";
  // A camp about 4.4 km by 3.6 km.
  s.area = MakeMultiPolygonOrDie("36.00:37.00, 36.00:37.04, 36.04:37.04, 36.04:37.00").polygons[0];
  s.valid_from = T("2017-01-01");
  const std::vector<ProtectedSite> sites = {*ProtectedSite::Create(s)};
  const DeconflictionMonitor monitor(sites, {});
  const LatLng centre(36.02, 37.02);  // ~1.8 km from the nearest edge
  auto small = monitor.ForReport(Strike("a", centre, 1'500));
  ASSERT_EQ(small.size(), 1u);
  EXPECT_EQ(small[0].distance.value, 0);
  EXPECT_EQ(small[0].verdict, Verdict::kInside);  // the whole disc is in the camp
  // A 3.5 km disc pokes out of the camp by ~1.7 km, beyond the alert distance.
  auto wide = monitor.ForReport(Strike("b", centre, 3'500));
  ASSERT_EQ(wide.size(), 1u);
  EXPECT_EQ(wide[0].verdict, Verdict::kPossible);
  // Outside the camp, 800 m west of its western edge.
  auto west = monitor.ForReport(Strike("c", Direct(LatLng(36.02, 37.0), 270, 800), 0));
  ASSERT_EQ(west.size(), 1u);
  EXPECT_NEAR(west[0].distance.value, 800, 0.01);
}

TEST(DeconflictionTest, AlertIdsAreStableAndDistinct) {
  const std::vector<ProtectedSite> sites = {Site(kJabriyeh)};
  const std::vector<Movement> movements = {
      Convoy({kJabriyeh, Direct(kJabriyeh, 90, 5'000)}, "2017-07-01", "2017-07-02")};
  const std::vector<Report> reports = {Strike("SYR1", kJabriyeh, 0), Strike("SYR2", kJabriyeh, 0)};
  const DeconflictionMonitor monitor(sites, movements);
  std::vector<Alert> a = monitor.ForReports(reports);
  std::vector<Alert> b = DeconflictionMonitor(sites, movements).ForReports(reports);
  ASSERT_EQ(a.size(), 4u);
  std::set<std::string> ids;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].id, b[i].id);
    EXPECT_EQ(a[i].id.size(), 19u);
    EXPECT_TRUE(a[i].id.starts_with("al_"));
    ids.insert(a[i].id);
  }
  EXPECT_EQ(ids.size(), 4u);
  // A revision of a report (same event_id, moved) keeps its alert's id.
  const Report moved = Strike("SYR1", Direct(kJabriyeh, 0, 300), 0);
  EXPECT_EQ(monitor.ForReport(moved)[0].id, a[0].id);
}

// ---- flights ----

Position Fix(const char* icao24, UtcTime t, LatLng where, std::optional<double> altitude_m,
             bool on_ground = false) {
  Position p;
  p.icao24 = icao24;
  p.time = t;
  p.where = where;
  if (altitude_m) p.baro_altitude = Meters{*altitude_m};
  p.callsign = "SYR501";
  p.on_ground = on_ground;
  return p;
}

// A jet at 250 m/s due north with fixes a minute (15 km) apart, the site 7.5 km past the first
// fix: no fix is near it, the line between them passes right over it.
Track FastJet(LatLng site, double altitude_m = 1'500, double offset_m = 0) {
  const LatLng abeam = Direct(site, 90, offset_m);
  Track t;
  t.icao24 = "7380c3";
  const UtcTime t0 = T("2017-07-01T10:00:00Z");
  for (int k = -2; k <= 2; ++k) {
    t.positions.push_back(
        Fix("7380c3", t0 + minutes(k + 2), Direct(abeam, 0, 15'000.0 * k + 7'500), altitude_m));
  }
  return t;
}

TEST(DeconflictionTest, AFastAircraftBetweenFixesIsNotMissed) {
  const std::vector<ProtectedSite> sites = {Site(kJabriyeh)};
  const DeconflictionMonitor monitor(sites, {});  // 2 km, 4,500 m
  std::vector<Alert> alerts = monitor.ForTrack(FastJet(kJabriyeh));
  ASSERT_EQ(alerts.size(), 1u);
  const Alert& a = alerts[0];
  EXPECT_EQ(a.cause, AlertCause::kFlight);
  EXPECT_EQ(a.icao24, "7380c3");
  EXPECT_EQ(a.callsign, "SYR501");
  EXPECT_LT(a.distance.value, 20);  // the straight lon/lat line vs the geodesic north
  // Half way between the fixes at 10:01 and 10:02.
  EXPECT_NEAR(std::chrono::duration<double>(a.time - T("2017-07-01T10:01:30Z")).count(), 0, 0.1);
  EXPECT_EQ(a.verdict, Verdict::kPossible);  // no fix near: it rests on the interpolation
  EXPECT_EQ(a.altitude->value, 1'500);
  EXPECT_EQ(a.after_notice, std::optional<bool>(true));
  // 1.9 km abeam: still over it; 2.1 km: not.
  EXPECT_EQ(monitor.ForTrack(FastJet(kJabriyeh, 1'500, 1'900)).size(), 1u);
  EXPECT_TRUE(monitor.ForTrack(FastJet(kJabriyeh, 1'500, 2'100)).empty());
  // Above the altitude limit: transit, no alert.
  EXPECT_TRUE(monitor.ForTrack(FastJet(kJabriyeh, 4'600)).empty());
  EXPECT_EQ(monitor.ForTrack(FastJet(kJabriyeh, 4'500)).size(), 1u);
}

TEST(DeconflictionTest, AFixOverTheSiteMakesItInside) {
  const std::vector<ProtectedSite> sites = {Site(kJabriyeh)};
  const DeconflictionMonitor monitor(sites, {});
  Track t;
  t.icao24 = "7380c3";
  const UtcTime t0 = T("2017-07-01T10:00:00Z");
  for (int k = -3; k <= 3; ++k) {
    t.positions.push_back(
        Fix("7380c3", t0 + seconds(10 * (k + 3)), Direct(kJabriyeh, 0, 400.0 * k), 900));
  }
  auto alerts = monitor.ForTrack(t);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].verdict, Verdict::kInside);
  EXPECT_EQ(alerts[0].time, t0 + seconds(30));
  EXPECT_NEAR(alerts[0].distance.value, 0, 0.01);
  // The same pass on the ground (a taxiing aircraft, say) is no alert.
  for (Position& p : t.positions) p.on_ground = true;
  EXPECT_TRUE(monitor.ForTrack(t).empty());
}

TEST(DeconflictionTest, ClimbingThroughTheCeilingAndLeavingTheWindow) {
  const std::vector<ProtectedSite> sites = {Site(kJabriyeh)};
  const DeconflictionMonitor monitor(sites, {});
  // From 3,000 m to 6,000 m between the two fixes around the site: at the site (half way) it
  // is at 4,500 m, just at the limit.
  Track t;
  t.icao24 = "7380c3";
  const UtcTime t0 = T("2017-07-01T10:00:00Z");
  t.positions = {Fix("7380c3", t0, Direct(kJabriyeh, 180, 7'500), 3'000),
                 Fix("7380c3", t0 + minutes(1), Direct(kJabriyeh, 0, 7'500), 6'000)};
  auto alerts = monitor.ForTrack(t);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_NEAR(alerts[0].altitude->value, 4'500, 1);
  // From 3,800 m: it passes 4,500 m 2.7 km before the site, out of reach.
  t.positions[0].baro_altitude = Meters{3'800};
  EXPECT_TRUE(monitor.ForTrack(t).empty());
  // From 3,600 m: it passes 4,500 m 1.9 km before the site, within reach.
  t.positions[0].baro_altitude = Meters{3'600};
  auto low = monitor.ForTrack(t);
  ASSERT_EQ(low.size(), 1u);
  EXPECT_NEAR(low[0].distance.value, 1'875, 1);
  EXPECT_NEAR(low[0].altitude->value, 4'500, 1);
  // The site's validity ends at 10:00:20: only the part before counts (out of reach).
  const std::vector<ProtectedSite> ending = {Site(kJabriyeh, "2017-06-01", "2017-07-01T10:00:20Z")};
  t.positions[0].baro_altitude = Meters{3'000};
  EXPECT_TRUE(DeconflictionMonitor(ending, {}).ForTrack(t).empty());
}

TEST(DeconflictionTest, EachPassIsOneAlert) {
  // Over the site, away 20 km, back over it: two passes, two alerts with distinct ids.
  const std::vector<ProtectedSite> sites = {Site(kJabriyeh)};
  const DeconflictionMonitor monitor(sites, {});
  Track t;
  t.icao24 = "7380c3";
  const UtcTime t0 = T("2017-07-01T10:00:00Z");
  int k = 0;
  for (double d : {-1'000.0, 0.0, 1'000.0, 10'000.0, 20'000.0, 10'000.0, 1'000.0, 0.0}) {
    t.positions.push_back(Fix("7380c3", t0 + seconds(20 * k++), Direct(kJabriyeh, 0, d), 800));
  }
  auto alerts = monitor.ForTrack(t);
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_EQ(alerts[0].time, t0 + seconds(20));
  EXPECT_EQ(alerts[1].time, t0 + seconds(140));
  EXPECT_NE(alerts[0].id, alerts[1].id);
}

TEST(DeconflictionTest, FlightsOverARoute) {
  const LatLng damascus(33.5102, 36.29128), douma(33.57175, 36.4027);
  const std::vector<Movement> movements = {Convoy({damascus, douma})};
  const DeconflictionMonitor monitor({}, movements);
  // A helicopter crossing the route at right angles between two fixes 8 km apart.
  const LatLng mid(0.5 * (damascus.lat() + douma.lat()), 0.5 * (damascus.lng() + douma.lng()));
  const double across = Azimuth(damascus, douma) + 90;
  Track t;
  t.icao24 = "7380c4";
  const UtcTime t0 = T("2017-07-01T09:00:00Z");
  t.positions = {Fix("7380c4", t0, Direct(mid, across, -4'000), 600),
                 Fix("7380c4", t0 + minutes(2), Direct(mid, across, 4'000), 600)};
  auto alerts = monitor.ForTrack(t);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].kind, NotificationKind::kMovement);
  EXPECT_EQ(alerts[0].distance.value, 0);
  EXPECT_NEAR(std::chrono::duration<double>(alerts[0].time - (t0 + minutes(1))).count(), 0, 0.5);
  // Outside the movement window: nothing.
  for (Position& p : t.positions) p.time += std::chrono::hours(12);
  EXPECT_TRUE(monitor.ForTrack(t).empty());
}

TEST(DeconflictionTest, SortAlertsByTimeThenTarget) {
  std::vector<Alert> alerts(3);
  alerts[0].time = T("2017-07-02");
  alerts[1].time = T("2017-07-01");
  alerts[1].target = "b";
  alerts[2].time = T("2017-07-01");
  alerts[2].target = "a";
  SortAlerts(alerts);
  EXPECT_EQ(alerts[0].target, "a");
  EXPECT_EQ(alerts[1].target, "b");
  EXPECT_EQ(alerts[2].time, T("2017-07-02"));
}

}  // namespace
}  // namespace truce
