#include "truce/verdict.h"

#include <array>
#include <cmath>
#include <cstdlib>
#include <iomanip>
#include <numbers>
#include <random>

#include <gtest/gtest.h>

#include "truce/summary.h"
#include "truce/text_format.h"

namespace truce {
namespace {

UtcTime T(const char* s) { return *ParseUtcTime(s); }

// One zone: a 1-degree square with a hole, whose east edge is the meridian 37 E (a meridian is
// a geodesic, so the share of a disc beyond it has a closed form).
Scenario MakeScenario(const char* valid_from = "2017-05-06") {
  ScenarioSpec spec;
  spec.origin = "test";
  spec.has_register = true;
  spec.parties = {
      {"gov", "Government", "state", "", {"Military Forces of Syria (2000-)"}},
      {"opp", "Opposition", "armed_group", "", {}},
      {"hts", "Hayat Tahrir al-Sham", "armed_group", "", {"HTS: Hayat Tahrir al Sham"}}};
  Agreement memo;
  memo.id = "memo";
  memo.parties = {"gov", "opp"};
  memo.clauses = {{"2", "cessation of hostilities"}};
  spec.agreements = {memo};
  ZoneVersionSpec z;
  z.origin = "test";
  z.zone = "square";
  z.valid_from = T(valid_from);
  z.shape = MakeMultiPolygonOrDie(
      "34.5:36, 34.5:37, 35.5:37, 35.5:36; 34.9:36.4, 34.9:36.6, 35.1:36.6, 35.1:36.4");
  z.rules = {Rule{RuleKind::kCeasefire, "memo", "2", {}},
             Rule{RuleKind::kNoFly, "memo", "2", {"gov"}}};
  spec.zone_versions.push_back(std::move(ZoneVersion::Create(z)).value());
  return std::move(Scenario::Create(std::move(spec))).value();
}

Report MakeReport(double lat, double lng, double radius_m, const char* day = "2017-08-21",
                  const char* actor = "Military Forces of Syria (2000-)",
                  const char* type = "Battles", const char* sub = "Armed clash") {
  ReportSpec s;
  s.origin = "test";
  s.event_id = "R";
  s.event_date = T(day);
  s.event_type = type;
  s.sub_event_type = sub;
  s.actor1 = actor;
  s.latitude = lat;
  s.longitude = lng;
  s.uncertainty = Meters{radius_m};
  return std::move(Report::Create(s)).value();
}

// Metres per degree of longitude at `lat` on WGS84.
double MetresPerDegreeLng(double lat) {
  const double a = 6378137.0, e2 = 0.00669437999014;
  const double phi = lat * std::numbers::pi / 180;
  return std::numbers::pi / 180 * a * std::cos(phi) /
         std::sqrt(1 - e2 * std::sin(phi) * std::sin(phi));
}

TEST(CoverDisc, WhollyInsideOutsideAndStraddling) {
  const Scenario s = MakeScenario();
  const MultiPolygon& shape = s.zone_versions()[0].shape();
  const DiscCoverage in = CoverDisc(shape, LatLng(34.7, 36.2), Meters{5000});
  EXPECT_TRUE(in.wholly_inside);
  EXPECT_EQ(in.fraction, 1.0);
  const DiscCoverage out = CoverDisc(shape, LatLng(34.7, 37.5), Meters{5000});
  EXPECT_FALSE(out.meets);
  EXPECT_EQ(out.fraction, 0.0);
  // Centred on the east edge: half inside.
  const DiscCoverage half = CoverDisc(shape, LatLng(35.0, 37.0), Meters{10000});
  EXPECT_TRUE(half.meets);
  EXPECT_FALSE(half.wholly_inside);
  EXPECT_NEAR(half.fraction, 0.5, 0.002);
  // Inside the hole: no part of the disc is in the zone.
  EXPECT_FALSE(CoverDisc(shape, LatLng(35.0, 36.5), Meters{2000}).meets);
  // A point report (radius 0) on the boundary is inside (covers).
  EXPECT_TRUE(CoverDisc(shape, LatLng(35.0, 37.0), Meters{0}).wholly_inside);
}

TEST(CoverDisc, FractionMatchesTheCircularSegmentFormula) {
  const Scenario s = MakeScenario();
  const MultiPolygon& shape = s.zone_versions()[0].shape();
  const double r = 10000;
  for (double d_over_r : {-0.9, -0.5, -0.2, 0.3, 0.7}) {
    // Centre d metres west (inside) of the meridian 37 E; negative d is east (outside).
    const double d = d_over_r * r;
    const double lng = 37.0 - d / MetresPerDegreeLng(35.0);
    const double x = std::abs(d) / r;
    const double segment = (std::acos(x) - x * std::sqrt(1 - x * x)) / std::numbers::pi;
    const double expected = d >= 0 ? 1 - segment : segment;
    // The share of the true disc (docs/reports.md): within 7e-8 of the closed form here (it
    // was 0.002 for the 128-gon's share).
    EXPECT_NEAR(CoverDisc(shape, LatLng(35.0, lng), Meters{r}).fraction, expected, 1e-6)
        << "d/r = " << d_over_r;
  }
}

TEST(EvaluateReports, VerdictsFractionsAndCitations) {
  const Scenario s = MakeScenario();
  const std::vector<Report> reports = {
      MakeReport(34.7, 36.2, 5000),   // inside
      MakeReport(35.0, 37.0, 10000),  // straddles the edge
      MakeReport(34.7, 38.0, 5000),   // outside
      MakeReport(35.0, 36.5, 2000),   // in the hole
  };
  const auto v = EvaluateReports(s, reports);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].report, &reports[0]);
  EXPECT_EQ(v[0].verdict, Verdict::kInside);
  EXPECT_EQ(v[0].rule, RuleKind::kCeasefire);
  EXPECT_EQ(v[0].clause, "memo clause 2");
  EXPECT_EQ(v[0].party, "gov");
  EXPECT_EQ(v[1].report, &reports[1]);
  EXPECT_EQ(v[1].verdict, Verdict::kPossible);
  EXPECT_NEAR(v[1].fraction, 0.5, 0.002);
}

// The shortcuts (EvaluatorOptions) against the reference computation: discs of many sizes at
// many places across the square's edges, its hole and its corners. The bit-equal shortcuts
// give bit-equal fractions; the plane share gives the same violations and verdicts, with the
// share of the true disc rather than of the 128-gon: within 0.001 of it (docs/reports.md).
TEST(ReportEvaluator, ShortcutsGiveTheReferenceVerdictsAndItsFractionsToTheLastBit) {
  const Scenario s = MakeScenario();
  const ReportEvaluator fast(s), polygon(s, EvaluatorOptions{.plane_share = false}),
      reference(s, EvaluatorOptions::Reference());
  size_t partial = 0, decided_by_share = 0;
  double worst = 0;
  for (int i = 0; i < 400; ++i) {
    const double lat = 34.4 + 1.2 * ((i * 37) % 101) / 100.0;
    const double lng = 35.9 + 1.2 * ((i * 53) % 103) / 102.0;
    const Report r = MakeReport(lat, lng, 500.0 + 97.0 * (i % 300));
    const std::vector<Violation> a = fast.Evaluate(r), p = polygon.Evaluate(r),
                                 b = reference.Evaluate(r);
    ASSERT_EQ(a.size(), b.size()) << lat << " " << lng;
    ASSERT_EQ(p.size(), b.size()) << lat << " " << lng;
    for (size_t k = 0; k < a.size(); ++k) {
      EXPECT_EQ(a[k].verdict, b[k].verdict) << lat << " " << lng;
      EXPECT_EQ(p[k].verdict, b[k].verdict) << lat << " " << lng;
      EXPECT_EQ(p[k].fraction, b[k].fraction) << lat << " " << lng;  // bit for bit
      EXPECT_NEAR(a[k].fraction, b[k].fraction, 1e-3) << lat << " " << lng;
      worst = std::max(worst, std::abs(a[k].fraction - b[k].fraction));
      partial += b[k].fraction > 0 && b[k].fraction < 1;
      decided_by_share += a[k].fraction > 1e-4 && a[k].fraction < 1 - 1e-4;
    }
  }
  EXPECT_GT(partial, 20u);
  EXPECT_GT(decided_by_share, 20u);
  EXPECT_GT(worst, 0.0);  // the two definitions do differ, below the 4 decimals' grain mostly
}

TEST(EvaluateReports, IntervalStraddlingValidFromIsPossible) {
  const Scenario s = MakeScenario("2017-08-21T12:00:00Z");
  const std::vector<Report> reports = {MakeReport(34.7, 36.2, 5000, "2017-08-21"),
                                       MakeReport(34.7, 36.2, 5000, "2017-08-20"),
                                       MakeReport(34.7, 36.2, 5000, "2017-08-22")};
  const auto v = EvaluateReports(s, reports);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].report, &reports[0]);
  EXPECT_EQ(v[0].verdict, Verdict::kPossible);  // the day began before the zone did
  EXPECT_EQ(v[0].fraction, 1.0);
  EXPECT_EQ(v[1].report, &reports[2]);
  EXPECT_EQ(v[1].verdict, Verdict::kInside);
}

TEST(EvaluateReports, OnlyBoundActorsAndHostileEventsViolate) {
  const Scenario s = MakeScenario();
  const std::vector<Report> reports = {
      MakeReport(34.7, 36.2, 5000, "2017-08-21", "HTS: Hayat Tahrir al Sham"),  // not bound
      MakeReport(34.7, 36.2, 5000, "2017-08-21", "Unidentified Armed Group (Syria)"),
      MakeReport(34.7, 36.2, 5000, "2017-08-21", "Military Forces of Syria (2000-)", "Protests",
                 "Peaceful protest"),
      MakeReport(34.7, 36.2, 5000, "2017-08-21", "Military Forces of Syria (2000-)",
                 "Explosions/Remote violence", "Air/drone strike"),
      MakeReport(34.7, 36.2, 5000, "2017-08-21", "opposition", "Explosions/Remote violence",
                 "Air/drone strike"),
  };
  const auto v = EvaluateReports(s, reports);
  ASSERT_EQ(v.size(), 4u);
  // The unidentified actor might be bound: reported, with no party.
  EXPECT_EQ(v[0].report, &reports[1]);
  EXPECT_EQ(v[0].party, "");
  // The government's air strike breaks both rules.
  EXPECT_EQ(v[1].report, &reports[3]);
  EXPECT_EQ(v[1].rule, RuleKind::kCeasefire);
  EXPECT_EQ(v[2].report, &reports[3]);
  EXPECT_EQ(v[2].rule, RuleKind::kNoFly);
  // The opposition is bound by the ceasefire but not by the no_fly rule (bound: gov only).
  EXPECT_EQ(v[3].report, &reports[4]);
  EXPECT_EQ(v[3].rule, RuleKind::kCeasefire);
  EXPECT_EQ(v[3].party, "opp");
}

TEST(EvaluateReports, BeforeTheZoneExistedNothing) {
  const Scenario s = MakeScenario();
  const std::vector<Report> reports = {MakeReport(34.7, 36.2, 5000, "2013-08-21")};
  EXPECT_TRUE(EvaluateReports(s, reports).empty());
}

TEST(SummarizeViolations, CountsAgainstThePreviousPeriod) {
  const Scenario s = MakeScenario();
  const std::vector<Report> reports = {
      MakeReport(34.7, 36.2, 5000, "2017-08-21", "Military Forces of Syria (2000-)",
                 "Explosions/Remote violence", "Air/drone strike"),
      MakeReport(34.7, 36.2, 5000, "2017-08-22", "opposition"),
      MakeReport(34.7, 36.2, 5000, "2017-08-20", "opposition"),
      MakeReport(34.7, 36.2, 5000, "2017-08-10", "opposition"),  // outside both periods
  };
  const auto v = EvaluateReports(s, reports);
  const std::vector<std::string> zones = {"square", "other"};
  const PeriodSummary sum =
      SummarizeViolations(v, zones, *TimeInterval::Create(T("2017-08-21"), T("2017-08-23")));
  EXPECT_EQ(sum.previous, *TimeInterval::Create(T("2017-08-19"), T("2017-08-21")));
  EXPECT_EQ(sum.reports.current, 2);
  EXPECT_EQ(sum.reports.previous, 1);
  ASSERT_EQ(sum.zones.size(), 2u);
  EXPECT_EQ(sum.zones[0].zone, "other");
  EXPECT_EQ(sum.zones[0].reports.current, 0);
  const ZoneSummary& z = sum.zones[1];
  EXPECT_EQ(z.reports.current, 2);  // the air strike counts once despite two rules
  EXPECT_EQ(z.by_rule.at("ceasefire").current, 2);
  EXPECT_EQ(z.by_rule.at("no_fly").current, 1);
  EXPECT_EQ(z.by_actor.at("opp").current, 1);
  EXPECT_EQ(z.by_actor.at("opp").previous, 1);
  EXPECT_EQ(z.by_actor.at("gov").change(), 1);
  EXPECT_EQ(z.by_event_type.at("Battles").current, 1);
  EXPECT_EQ(z.daily.at("2017-08-22"), 1);
}

TEST(SummarizeFlights, CountsStaysByTheirEntryAgainstThePreviousPeriod) {
  const Scenario s = MakeScenario();
  const ZoneVersion* square = &s.zone_versions().front();
  auto stay = [&](const char* entry, int minutes_inside) {
    FlightViolation v;
    v.icao24 = "4b1805";
    v.zone = square;
    v.rule = &square->rules()[1];
    v.entry.time = T(entry);
    v.exit.time = v.entry.time + std::chrono::minutes(minutes_inside + 1);
    v.inside_time = std::chrono::minutes(minutes_inside);
    return v;
  };
  const std::vector<FlightViolation> flights = {
      stay("2017-08-21T23:50:00Z", 20),  // across midnight: all of it on the day it began
      stay("2017-08-22T08:00:00Z", 5), stay("2017-08-20T08:00:00Z", 7),  // the previous period
      stay("2017-08-10T08:00:00Z", 60),                                  // outside both
  };
  const std::vector<std::string> zones = {"square", "other"};
  PeriodSummary sum =
      SummarizeViolations({}, zones, *TimeInterval::Create(T("2017-08-21"), T("2017-08-23")));
  SummarizeFlights(flights, sum);
  ASSERT_EQ(sum.zones.size(), 2u);
  EXPECT_EQ(sum.zones[0].flight_ban.flights.current, 0);
  const FlightBanSummary& f = sum.zones[1].flight_ban;
  EXPECT_EQ(f.flights.current, 2);
  EXPECT_EQ(f.flights.previous, 1);
  EXPECT_EQ(f.inside.current, std::chrono::minutes(25));
  EXPECT_EQ(f.inside.previous, std::chrono::minutes(7));
  EXPECT_EQ(f.inside.change(), std::chrono::minutes(18));
  // A summary of one zone skips the others' flights.
  PeriodSummary other =
      SummarizeViolations({}, std::vector<std::string>{"other"},
                          *TimeInterval::Create(T("2017-08-21"), T("2017-08-23")));
  SummarizeFlights(flights, other);
  EXPECT_EQ(other.zones.front().flight_ban.flights.current, 0);
}

Scenario ScenarioOf(const MultiPolygon& shape) {
  ScenarioSpec spec;
  spec.origin = "test";
  spec.has_register = true;
  spec.parties = {{"gov", "Government", "state", "", {"Military Forces of Syria (2000-)"}}};
  Agreement memo;
  memo.id = "memo";
  memo.parties = {"gov"};
  memo.clauses = {{"2", "cessation of hostilities"}};
  spec.agreements = {memo};
  ZoneVersionSpec z;
  z.origin = "test";
  z.zone = "z";
  z.valid_from = T("2017-05-06");
  z.shape = shape;
  z.rules = {Rule{RuleKind::kCeasefire, "memo", "2", {}}};
  auto v = ZoneVersion::Create(z);
  if (!v.ok()) {
    ADD_FAILURE() << v.error().message;
    for (const auto& p : v.error().problems) ADD_FAILURE() << p.where << " " << p.message;
  }
  spec.zone_versions.push_back(std::move(v).value());
  return std::move(Scenario::Create(std::move(spec))).value();
}

// Counts the discs whose verdict differs between the default options and the reference.
int Disagreements(const MultiPolygon& shape, const std::vector<std::array<double, 3>>& discs) {
  const Scenario s = ScenarioOf(shape);
  const ReportEvaluator fast(s), reference(s, EvaluatorOptions::Reference());
  int bad = 0;
  for (const auto& [lat, lng, r] : discs) {
    const Report report = MakeReport(lat, lng, r);
    const std::vector<Violation> a = fast.Evaluate(report), b = reference.Evaluate(report);
    const bool same = a.size() == b.size() && (a.empty() || a[0].verdict == b[0].verdict);
    if (!same) {
      ++bad;
      ADD_FAILURE() << std::setprecision(17) << lat << " " << lng << " r=" << r << " fast "
                    << a.size() << (a.empty() ? -1 : static_cast<int>(a[0].verdict))
                    << " f=" << (a.empty() ? -1 : a[0].fraction) << " ref " << b.size()
                    << (b.empty() ? -1 : static_cast<int>(b[0].verdict))
                    << " f=" << (b.empty() ? -1 : b[0].fraction);
    }
  }
  return bad;
}

// Discs around a lon/lat position tangent-ish to the zone: centre offsets of (1 +- eps) r
// across every edge direction, on vertices, and beyond.
std::vector<std::array<double, 3>> DiscsNear(const MultiPolygon& shape, uint64_t seed, int n,
                                             double rmin, double rmax) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<std::array<double, 3>> out;
  const auto& rings = shape.polygons;
  for (int i = 0; i < n; ++i) {
    const Polygon& p = rings[rng() % rings.size()];
    const Ring& ring = p.rings[rng() % p.rings.size()];
    const size_t k = rng() % (ring.size() - 1);
    const LatLng a = ring[k], b = ring[k + 1];
    const double t = (i % 5 == 0) ? 0.0 : u(rng);
    const double r = rmin * std::pow(rmax / rmin, u(rng));
    double lat = a.lat() + t * (b.lat() - a.lat()), lng = a.lng() + t * (b.lng() - a.lng());
    // Offset perpendicular in metres (roughly), by a multiple of r near 1.
    const double mult = (i % 3 == 0) ? 0.0 : (u(rng) < 0.5 ? -1 : 1) * (1 + (u(rng) - 0.5) * 2e-3);
    const double ang = u(rng) * 2 * std::numbers::pi;
    lat += mult * r * std::sin(ang) / 111'000.0;
    lng += mult * r * std::cos(ang) / MetresPerDegreeLng(lat);
    if (lng > 180) lng -= 360;
    if (lng < -180) lng += 360;
    out.push_back({lat, lng, r});
  }
  return out;
}

// Discs from 1 cm to 500 km on the vertices and edges of hostile shapes, and tangent to them
// within 0.1% of r: the default options give the reference's verdicts (fractions are not
// compared: below a metre and near 80 degrees the 128-gon's share is itself far off the true
// one). TRUCE_FUZZ_SCALE=40 runs 40 times as many discs (about 8,800; none differed).
TEST(ReportEvaluator, FuzzNearEdgesGivesTheReferenceVerdicts) {
  const char* shapes[] = {
      // a long thin sliver, 600 km long, 50 m wide
      "34:30, 34:30.0005, 39:36.0005, 39:36",
      // near 80 N, long edges
      "78:10, 78:30, 80.5:30, 80.5:10; 79:15, 79.5:15, 79.5:20, 79:20",
      "-80.5:10, -78:10, -78:30, -80.5:30",
      // near the antimeridian
      "10:179.9, 10.5:179.9, 10.5:179.9999, 10:179.9999",
      "10:-179.9999, 10:-179.9, 10.5:-179.9, 10.5:-179.9999",
      // a hole touching the outer ring at a vertex
      "34:36, 34:37, 35:37, 35:36; 34:36.5, 34.5:36.8, 34.5:36.2",
  };
  std::vector<MultiPolygon> all;
  for (const char* text : shapes) all.push_back(MakeMultiPolygonOrDie(text));
  // A ring of thousands of vertices, clockwise, long edges densified.
  {
    Ring ring;
    for (int i = 0; i <= 3000; ++i) {
      const double t = 2 * std::numbers::pi * i / 3000;
      ring.emplace_back(35 + 2 * std::sin(-t) + 0.01 * std::sin(37 * t),
                        38 + 2.5 * std::cos(-t) + 0.01 * std::cos(53 * t));
    }
    ring.back() = ring.front();
    all.push_back(MultiPolygon{{Polygon{{ring}}}});
  }
  // Two polygons touching at a vertex; a hole touching the outer ring along nothing but a point.
  all.push_back(MakeMultiPolygonOrDie(
      "33:36, 33:36.5, 33.5:36.5, 33.5:36 | 33.5:36.5, 33.5:37, 34:37, 34:36.5"));
  int bad = 0;
  uint64_t seed = 1;
  for (const MultiPolygon& shape : all) {
    const int scale =
        std::getenv("TRUCE_FUZZ_SCALE") ? std::atoi(std::getenv("TRUCE_FUZZ_SCALE")) : 1;
    bad += Disagreements(shape, DiscsNear(shape, seed++, 150 * scale, 0.01, 5000));
    bad += Disagreements(shape, DiscsNear(shape, seed++, 60 * scale, 20'000, 190'000));
    bad += Disagreements(shape, DiscsNear(shape, seed++, 10 * scale, 190'000, 500'000));
  }
  EXPECT_EQ(bad, 0);
}

// A zone vertex exactly at the disc's antipode projects to (inf, NaN) in the disc's plane; it
// made the share NaN while the clearance, from the hole's edges, was 55 km: the evaluator took
// the clearance branch and called the disc wholly inside although it lies in the zone's hole
// (a review found it). The share now declines such a ring.
TEST(ReportEvaluator, AZoneVertexAtTheDiscsAntipode) {
  const MultiPolygon shape =
      MakeMultiPolygonOrDie("-1:2, 0:-179, 1:2, 1:3, -1:3; 0:0.5, 0.5:1, 0:1.5, -0.5:1");
  const DiscCoverage cover = CoverDisc(shape, LatLng(0, 1), Meters{30'000});
  EXPECT_FALSE(cover.meets);
  EXPECT_EQ(Disagreements(shape, {{0, 1, 30'000}}), 0);
}
}  // namespace
}  // namespace truce
