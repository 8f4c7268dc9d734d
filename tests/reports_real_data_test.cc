// Verdicts on real incident records: the 138 Syrian Archive chemical-weapons incidents and the
// GeoNames gazetteer against the shipped 2017 scenario, checked against an independent oracle
// (points sampled on each report's disc, located with GEOS).
#include <algorithm>
#include <random>
#include <regex>

#include <gtest/gtest.h>
#include <GeographicLib/Geodesic.hpp>

#include "formats/records.h"
#include "formats/reports.h"
#include "formats/scenario_reader.h"
#include "formats/text_file.h"
#include "ocha_damascus.h"
#include "shared_data.h"
#include "truce/verdict.h"
#include "truce/zone_lookup.h"

namespace truce {
namespace {

constexpr const char* kArchive = "incidents/syrian_archive_chemical_weapons_2013_2014.csv";
const std::string kScenario = std::string(TRUCE_SOURCE_DIR) + "/scenarios/astana-2017";

std::string ArchiveText(bool move_to_2017) {
  auto text = formats::ReadTextFile(testing::SharedDataPath(kArchive));
  EXPECT_TRUE(text.ok());
  if (!move_to_2017) return *text;
  // The same incidents, four years later: inside the life of the zones.
  return std::regex_replace(*text, std::regex(R"((\d\d/\d\d/)1[34]( \d\d:\d\d [AP]M))"), "$0117$2");
}

// The oracle: does any of 720 points on the disc's rim, or its centre, fall in the version?
bool DiscMeetsBySampling(const ZoneLocator& locator, const ZoneVersion& v, const Report& r) {
  const auto& g = GeographicLib::Geodesic::WGS84();
  auto hit = [&](LatLng p) {
    for (const ZoneVersion* z : locator.Locate(p, v.validity().begin())) {
      if (z == &v) return true;
    }
    return false;
  };
  if (hit(r.location())) return true;
  for (int i = 0; i < 720; ++i) {
    double lat = 0, lng = 0;
    g.Direct(r.location().lat(), r.location().lng(), i * 0.5, r.radius().value * 0.999, lat, lng);
    if (hit(LatLng(lat, lng))) return true;
  }
  return false;
}

TEST(ReportsRealData, SyrianArchiveBeforeTheZonesViolatesNothing) {
  TRUCE_REQUIRE_SHARED_DATA(kArchive);
  auto scenario = formats::LoadScenario(kScenario);
  ASSERT_TRUE(scenario.ok());
  auto batch = formats::ParseReports(ArchiveText(false), kArchive);
  ASSERT_TRUE(batch.ok()) << batch.error().message;
  // Two of the 138 rows (CW_1131, CW_1133) carry no coordinates: refused, with their lines.
  EXPECT_EQ(batch->reports.size(), 136u);
  ASSERT_EQ(batch->rejected.size(), 2u);
  EXPECT_EQ(
      batch->rejected[0].reasons[0],
      std::string(kArchive) + ":140: latitude: expected a latitude in decimal degrees, got ''");
  EXPECT_EQ(batch->rejected[1].origin, std::string(kArchive) + ":141");
  EXPECT_EQ(batch->reports[0].spec().extra.at("location"), "Ayn Tarma");
  EXPECT_TRUE(EvaluateReports(*scenario, batch->reports).empty());
}

TEST(ReportsRealData, SyrianArchiveIn2017AgreesWithSampledDiscs) {
  TRUCE_REQUIRE_SHARED_DATA(kArchive);
  auto scenario = formats::LoadScenario(kScenario);
  ASSERT_TRUE(scenario.ok());
  auto batch = formats::ParseReports(ArchiveText(true), kArchive);
  ASSERT_TRUE(batch.ok());
  ASSERT_EQ(batch->reports.size(), 136u);
  const auto violations = EvaluateReports(*scenario, batch->reports);
  GeosZoneLocator locator(scenario->zone_versions());
  size_t checked = 0, met = 0;
  for (const Report& r : batch->reports) {
    for (const ZoneVersion& v : scenario->zone_versions()) {
      if (!v.validity().Overlaps(r.when()) || v.FindRule(RuleKind::kCeasefire) == nullptr) continue;
      const auto it = std::find_if(violations.begin(), violations.end(), [&](const Violation& x) {
        return x.report == &r && x.version == &v && x.rule == RuleKind::kCeasefire;
      });
      const bool sampled = DiscMeetsBySampling(locator, v, r);
      ++checked;
      met += sampled;
      // Sampling can miss a sliver, never invent one.
      if (sampled) {
        EXPECT_NE(it, violations.end()) << r.event_id() << " " << v.Label();
      }
      if (it != violations.end() && it->fraction > 0.01) {
        EXPECT_TRUE(sampled) << r.event_id() << " " << v.Label() << " fraction " << it->fraction;
      }
      if (it != violations.end()) {
        EXPECT_EQ(it->verdict, Verdict::kPossible);  // 10 km discs around Ghouta cross its edge
        EXPECT_GT(it->fraction, 0.0);
        EXPECT_LT(it->fraction, 1.0);
      }
    }
  }
  EXPECT_GT(checked, 100u);
  EXPECT_GT(met, 50u);  // most of the 2013 attacks were in and around Eastern Ghouta
  for (const Violation& v : violations) {
    EXPECT_EQ(v.version->zone(), "eastern-ghouta") << v.report->event_id();
  }
}

// The evaluator's shortcuts (EvaluatorOptions: the planar prefilter, which decides clear cases
// from a rectangle around the disc, the disc polygons from shared geodesic lines, and the share
// in the disc's equal-area plane, which decides discs clearly across an edge) must give exactly
// the reference computation's verdicts; with the plane share off, its fractions bit for bit,
// and with it on, the true disc's share, within 0.001 of the 128-gon's. The archive's rows,
// each copied 40 times with its centre moved up to ~40 km and its uncertainty 50 m or drawn up
// to 60 km, so that copies fall clearly inside, clearly outside and across the zones' edges.
TEST(ReportsRealData, PlanarPrefilterGivesExactlyTheFullVerdicts) {
  TRUCE_REQUIRE_SHARED_DATA(kArchive);
  auto scenario = formats::LoadScenario(kScenario);
  ASSERT_TRUE(scenario.ok());
  auto batch = formats::ParseReports(ArchiveText(true), kArchive);
  ASSERT_TRUE(batch.ok());
  std::mt19937_64 rng(13);
  std::uniform_real_distribution<double> shift(-0.4, 0.4), radius(0, 60'000);
  std::vector<Report> reports;
  for (int copy = 0; copy < 40; ++copy) {
    for (const Report& r : batch->reports) {
      ReportSpec spec = r.spec();
      spec.event_id += "-" + std::to_string(copy);
      spec.latitude += shift(rng);
      spec.longitude += shift(rng);
      if (copy % 4 != 0) spec.uncertainty = Meters{copy % 4 == 1 ? 50.0 : radius(rng)};
      auto moved = Report::Create(std::move(spec));
      ASSERT_TRUE(moved.ok()) << moved.error().message;
      reports.push_back(std::move(moved).value());
    }
  }
  const ReportEvaluator fast(*scenario), polygon(*scenario, {.plane_share = false}),
      full(*scenario, EvaluatorOptions::Reference());
  size_t violations = 0, inside = 0, possible = 0, partial = 0, rounded_apart = 0;
  double worst = 0;
  for (const Report& r : reports) {
    const std::vector<Violation> a = fast.Evaluate(r), p = polygon.Evaluate(r),
                                 b = full.Evaluate(r);
    ASSERT_EQ(a.size(), b.size()) << r.event_id();
    ASSERT_EQ(p.size(), b.size()) << r.event_id();
    for (size_t k = 0; k < a.size(); ++k) {
      EXPECT_EQ(a[k].version, b[k].version) << r.event_id();
      EXPECT_EQ(a[k].rule, b[k].rule) << r.event_id();
      EXPECT_EQ(a[k].verdict, b[k].verdict) << r.event_id();
      EXPECT_EQ(p[k].verdict, b[k].verdict) << r.event_id();
      EXPECT_EQ(p[k].fraction, b[k].fraction) << r.event_id();  // bit for bit
      EXPECT_NEAR(a[k].fraction, b[k].fraction, 1e-3) << r.event_id();
      worst = std::max(worst, std::abs(a[k].fraction - b[k].fraction));
      rounded_apart += formats::RoundTo4(a[k].fraction) != formats::RoundTo4(b[k].fraction);
      EXPECT_EQ(a[k].party, b[k].party) << r.event_id();
      (a[k].verdict == Verdict::kInside ? inside : possible)++;
      partial += a[k].fraction > 0 && a[k].fraction < 1;
    }
    violations += a.size();
  }
  std::printf(
      "plane share against the 128-gon: at most %.2g apart; %zu of %zu fractions "
      "written differently\n",
      worst, rounded_apart, violations);
  // Both kinds of clear case and the edge cases occur.
  EXPECT_GT(inside, 20u);
  EXPECT_GT(possible, 100u);
  EXPECT_GT(partial, 100u);  // discs across an edge: the fraction computed from both polygons
  EXPECT_LT(violations, reports.size() * 3);
}

TEST(ReportsRealData, GazetteerPointReportsMatchTheLookup) {
  TRUCE_REQUIRE_SHARED_DATA("gazetteer/geonames_cities_SY.json");
  auto scenario = formats::LoadScenario(kScenario);
  ASSERT_TRUE(scenario.ok());
  std::vector<Report> reports;
  for (const char* day : {"2017-05-05", "2017-06-01", "2018-05-20", "2019-01-01"}) {
    for (const auto& g : testing::LoadSharedJson("gazetteer/geonames_cities_SY.json")) {
      auto r = formats::ReportFromJson({{"event_id_cnty", g["name"].get<std::string>() + "@" + day},
                                        {"event_date", day},
                                        {"time_precision", 1},
                                        {"event_type", "Battles"},
                                        {"latitude", g["lat"]},
                                        {"longitude", g["lng"]},
                                        {"geo_precision", 1},
                                        {"uncertainty_m", 0}},
                                       "gazetteer");
      ASSERT_TRUE(r.ok()) << r.error().message;
      reports.push_back(std::move(r).value());
    }
  }
  const auto violations = EvaluateReports(*scenario, reports);
  GeosZoneLocator locator(scenario->zone_versions());
  size_t inside = 0;
  for (const Report& r : reports) {
    // A point report with a one-day interval: inside every version covering it all day.
    std::vector<std::string> expected, got;
    for (const ZoneVersion* v : locator.Locate(r.location(), r.when().begin())) {
      if (v->validity().Contains(r.when()) && v->FindRule(RuleKind::kCeasefire))
        expected.push_back(v->Label());
    }
    for (const Violation& v : violations) {
      if (v.report == &r && v.rule == RuleKind::kCeasefire && v.verdict == Verdict::kInside) {
        got.push_back(v.version->Label());
      }
    }
    std::sort(expected.begin(), expected.end());
    std::sort(got.begin(), got.end());
    got.erase(std::unique(got.begin(), got.end()), got.end());
    EXPECT_EQ(got, expected) << r.event_id();
    inside += !got.empty();
  }
  // Before 6 May 2017 nothing; Idlib's towns are in its zone throughout.
  for (const Violation& v : violations)
    EXPECT_NE(v.report->event_id().substr(v.report->event_id().size() - 10), "2017-05-05");
  EXPECT_GT(inside, 50u);
}

// Zones with real boundaries of thousands of vertices: OCHA's Damascus (1,336) and Rural
// Damascus (2,329, with Damascus as a hole), across whose shared edge the archive's Eastern
// Ghouta incidents lie. The plane share sweeps such rings by runs of edges; its verdicts must
// be the reference's and its shares within 0.001 of the 128-gon's.
TEST(ReportsRealData, ZonesOfThousandsOfVerticesGiveTheReferenceVerdicts) {
  TRUCE_REQUIRE_SHARED_DATA(kArchive);
  TRUCE_REQUIRE_SHARED_DATA(testing::kOchaAdmin1);
  const auto text = formats::ReadTextFile(testing::SharedDataPath(testing::kOchaAdmin1));
  ASSERT_TRUE(text.ok());
  auto scenario = testing::OchaDamascusScenario(*text, testing::kOchaAdmin1);
  ASSERT_TRUE(scenario.ok()) << scenario.error().message;
  EXPECT_GT(scenario->zone_versions()[1].shape().VertexCount(), 3000u);
  auto batch = formats::ParseReports(ArchiveText(true), kArchive);
  ASSERT_TRUE(batch.ok());
  std::mt19937_64 rng(29);
  std::uniform_real_distribution<double> shift(-0.05, 0.05), radius(50, 20'000);
  std::vector<Report> reports;
  for (int copy = 0; copy < 6; ++copy) {
    for (const Report& r : batch->reports) {
      ReportSpec moved = r.spec();
      moved.latitude += shift(rng);
      moved.longitude += shift(rng);
      moved.uncertainty = Meters{copy == 0 ? 10'000 : radius(rng)};
      reports.push_back(std::move(Report::Create(std::move(moved))).value());
    }
  }
  const ReportEvaluator fast(*scenario), reference(*scenario, EvaluatorOptions::Reference());
  size_t partial = 0, violations = 0;
  double worst = 0;
  for (const Report& r : reports) {
    const std::vector<Violation> a = fast.Evaluate(r), b = reference.Evaluate(r);
    ASSERT_EQ(a.size(), b.size()) << r.event_id();
    for (size_t k = 0; k < a.size(); ++k) {
      EXPECT_EQ(a[k].version, b[k].version) << r.event_id();
      EXPECT_EQ(a[k].verdict, b[k].verdict) << r.event_id();
      EXPECT_NEAR(a[k].fraction, b[k].fraction, 1e-3) << r.event_id();
      worst = std::max(worst, std::abs(a[k].fraction - b[k].fraction));
      partial += b[k].fraction > 0 && b[k].fraction < 1;
    }
    violations += a.size();
  }
  std::printf("%zu violations, %zu across an edge; plane share at most %.2g from the 128-gon's\n",
              violations, partial, worst);
  EXPECT_GT(partial, 100u);
}

TEST(ReportsRealData, ReEvaluationAgainstACorrectedBoundary) {
  TRUCE_REQUIRE_SHARED_DATA(kArchive);
  auto scenario = formats::LoadScenario(kScenario);
  ASSERT_TRUE(scenario.ok());
  auto batch = formats::ParseReports(ArchiveText(true), kArchive);
  ASSERT_TRUE(batch.ok());
  // A corrected Eastern Ghouta: the same zone, its boundary moved 0.05 degrees east.
  ScenarioSpec spec;
  spec.origin = "corrected";
  for (const ZoneVersion& v : scenario->zone_versions()) {
    ZoneVersionSpec z;
    z.origin = v.origin();
    z.zone = v.zone();
    z.version = v.version();
    z.valid_from = v.validity().begin();
    if (!v.validity().open_ended()) z.valid_to = v.validity().end();
    z.rules = v.rules();
    z.shape = v.shape();
    if (v.zone() == "eastern-ghouta") {
      for (Polygon& p : z.shape.polygons) {
        for (Ring& ring : p.rings) {
          for (LatLng& x : ring) x = LatLng(x.lat(), x.lng() + 0.05);
        }
      }
    }
    spec.zone_versions.push_back(std::move(ZoneVersion::Create(std::move(z))).value());
  }
  auto corrected = Scenario::Create(std::move(spec));
  ASSERT_TRUE(corrected.ok());
  const auto before = EvaluateReports(*scenario, batch->reports);
  const auto after = EvaluateReports(*corrected, batch->reports);
  ASSERT_FALSE(before.empty());
  ASSERT_FALSE(after.empty());
  // Moving the zone away from the western attack sites (Ayn Tarma, Zamalka) lowers their share.
  double before_sum = 0, after_sum = 0;
  for (const auto& v : before) before_sum += v.fraction;
  for (const auto& v : after) after_sum += v.fraction;
  EXPECT_LT(after_sum, before_sum);
  EXPECT_NE(before.size() == after.size() ? before_sum : 0, after_sum);
}

}  // namespace
}  // namespace truce
