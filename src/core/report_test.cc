#include "truce/report.h"

#include <gtest/gtest.h>

namespace truce {
namespace {

UtcTime T(const char* s) { return *ParseUtcTime(s); }

ReportSpec Spec() {
  ReportSpec s;
  s.origin = "r.csv:2";
  s.event_id = "SYR1";
  s.event_date = T("2017-08-21");
  s.event_type = "Explosions/Remote violence";
  s.sub_event_type = "Shelling/artillery/missile attack";
  s.actor1 = "Military Forces of Syria (2000-)";
  s.latitude = 33.53;
  s.longitude = 36.36;
  return s;
}

TEST(Precision, RadiiAndIntervals) {
  EXPECT_EQ(RadiusForGeoPrecision(1).value, 2000);
  EXPECT_EQ(RadiusForGeoPrecision(2).value, 10000);
  EXPECT_EQ(RadiusForGeoPrecision(3).value, 50000);
  const UtcTime d = T("2017-08-21");
  EXPECT_EQ(IntervalForTimePrecision(d, 1, std::nullopt),
            *TimeInterval::Create(d, T("2017-08-22")));
  EXPECT_EQ(IntervalForTimePrecision(d, 1, std::chrono::minutes(150)),
            *TimeInterval::Create(T("2017-08-21T02:30:00Z"), T("2017-08-21T02:31:00Z")));
  EXPECT_EQ(IntervalForTimePrecision(d, 2, std::nullopt),
            *TimeInterval::Create(T("2017-08-18"), T("2017-08-25")));
  EXPECT_EQ(IntervalForTimePrecision(d, 3, std::nullopt),
            *TimeInterval::Create(T("2017-08-06"), T("2017-09-06")));
}

TEST(Report, CreateDerivesDiscAndInterval) {
  ReportSpec s = Spec();
  s.geo_precision = 2;
  s.time_precision = 2;
  s.event_type = "explosions/remote VIOLENCE";
  auto r = Report::Create(s);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->radius().value, 10000);
  EXPECT_EQ(r->when().begin(), T("2017-08-18"));
  EXPECT_EQ(r->spec().event_type, "Explosions/Remote violence");  // codebook spelling
  s.uncertainty = Meters{750};
  EXPECT_EQ(Report::Create(s)->radius().value, 750);  // uncertainty_m wins
}

TEST(Report, CreateListsEveryProblem) {
  ReportSpec s = Spec();
  s.event_id = "";
  s.geo_precision = 4;
  s.time_precision = 0;
  s.latitude = 95;
  s.longitude = std::nan("");
  s.event_type = "Skirmish";
  s.fatalities = -1;
  s.uncertainty = Meters{-5};
  auto r = Report::Create(s);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().problems.size(), 8u);
  EXPECT_EQ(r.error().problems[0].ToString(), "r.csv:2: event_id_cnty: required, non-empty");
  EXPECT_NE(r.error().problems[5].ToString().find("event_type: unknown 'Skirmish'"),
            std::string::npos);
}

TEST(RulesBrokenBy, HostilitiesOnly) {
  using V = std::vector<RuleKind>;
  EXPECT_EQ(RulesBrokenBy("Battles", "Armed clash"), V{RuleKind::kCeasefire});
  EXPECT_EQ(RulesBrokenBy("Explosions/Remote violence", "Shelling/artillery/missile attack"),
            V{RuleKind::kCeasefire});
  EXPECT_EQ(RulesBrokenBy("Explosions/Remote violence", "Air/drone strike"),
            (V{RuleKind::kCeasefire, RuleKind::kNoFly}));
  EXPECT_EQ(RulesBrokenBy("Violence against civilians", "Attack"), V{RuleKind::kCeasefire});
  EXPECT_TRUE(RulesBrokenBy("Protests", "Peaceful protest").empty());
  EXPECT_TRUE(RulesBrokenBy("Riots", "Mob violence").empty());
  EXPECT_TRUE(RulesBrokenBy("Strategic developments", "Agreement").empty());
}

TEST(Report, SameContentIgnoresOriginAndRecordedAt) {
  ReportSpec a = Spec(), b = Spec();
  b.origin = "other.csv:9";
  b.recorded_at = T("2017-09-01");
  EXPECT_TRUE(Report::Create(a)->SameContent(*Report::Create(b)));
  b.fatalities = 3;
  EXPECT_FALSE(Report::Create(a)->SameContent(*Report::Create(b)));
  b = Spec();
  b.extra["location"] = "Ayn Tarma";
  EXPECT_FALSE(Report::Create(a)->SameContent(*Report::Create(b)));
}

}  // namespace
}  // namespace truce
