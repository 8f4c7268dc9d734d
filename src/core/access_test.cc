#include "truce/access.h"

#include <gtest/gtest.h>

#include "truce/text_format.h"

namespace truce {
namespace {

using std::chrono::hours;

UtcTime T(const char* text) { return *ParseUtcTime(text); }

Scenario Ghouta() {
  ScenarioSpec spec;
  spec.origin = "scenario.json";
  spec.id = "test";
  ZoneVersionSpec z;
  z.origin = "zones.geojson";
  z.zone = "eastern-ghouta";
  z.valid_from = T("2017-07-22");
  z.valid_to = T("2018-04-14");
  z.shape = MakeMultiPolygonOrDie("33.5:36.3, 33.5:36.6, 33.7:36.6, 33.7:36.3");
  z.rules = {Rule{RuleKind::kHumanitarianAccess, "eastern-ghouta-2017", "3", {}},
             Rule{RuleKind::kCeasefire, "", "", {}}};
  spec.zone_versions.push_back(*ZoneVersion::Create(z));
  z.zone = "south";
  z.rules = {Rule{RuleKind::kCeasefire, "", "", {}}};
  z.shape = MakeMultiPolygonOrDie("32.6:35.9, 32.6:36.4, 33.1:36.4, 33.1:35.9");
  spec.zone_versions.push_back(*ZoneVersion::Create(z));
  return *Scenario::Create(spec);
}

Movement Into(const char* id, const char* zone, const char* start, bool late = false) {
  MovementSpec m;
  m.origin = "movements.geojson";
  m.id = id;
  m.organisation = "SARC";
  m.route = {LatLng(33.5102, 36.29128), LatLng(33.57175, 36.4027)};
  m.window_start = T(start);
  m.window_end = m.window_start + hours(12);
  m.destination_zone = zone;
  m.notified_at = m.window_start - (late ? hours(12) : hours(72));
  return *Movement::Create(m);
}

DeliveryOutcome Outcome(const char* movement, const char* status, const char* at,
                        const char* reason = "") {
  DeliveryOutcomeSpec o;
  o.origin = "outcomes.json";
  o.movement = movement;
  o.status = status;
  o.reason = reason;
  o.reported_by = "sarc";
  o.reported_at = T(at);
  auto r = DeliveryOutcome::Create(o);
  EXPECT_TRUE(r.ok()) << r.error().message;
  return std::move(r).value();
}

TEST(DeliveryOutcomeTest, ValidatesStatusAndReason) {
  DeliveryOutcomeSpec o;
  o.origin = "outcomes.json item 2";
  o.movement = "convoy-17";
  o.status = "blocked";
  auto r = DeliveryOutcome::Create(o);
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.error().problems.size(), 2u);
  EXPECT_EQ(r.error().problems[0].ToString(),
            "outcomes.json item 2 (movement 'convoy-17'): reason: required when the status is "
            "'blocked'");
  EXPECT_EQ(r.error().problems[1].ToString(),
            "outcomes.json item 2 (movement 'convoy-17'): reported_by: expected the reporting "
            "party or organisation");
  o.status = "stolen";
  o.reported_by = "sarc";
  r = DeliveryOutcome::Create(o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().problems[0].ToString().find("status: expected \"delivered\", \"partial\", "
                                                  "\"blocked\" or \"delayed\", got 'stolen'"),
            std::string::npos);
}

TEST(DeliveryOutcomeTest, TheLatestOutcomeKnownHolds) {
  const std::vector<DeliveryOutcome> outcomes = {
      Outcome("c1", "delayed", "2017-08-10T20:00:00Z", "held at the Wafideen checkpoint"),
      Outcome("c1", "delivered", "2017-08-11T09:00:00Z"),
      Outcome("c2", "blocked", "2017-08-10T12:00:00Z", "turned back")};
  EXPECT_EQ(LatestOutcome("c1", outcomes, T("2017-08-10T19:59:59Z")), nullptr);
  EXPECT_EQ(LatestOutcome("c1", outcomes, T("2017-08-10T20:00:00Z"))->status(),
            DeliveryStatus::kDelayed);
  EXPECT_EQ(LatestOutcome("c1", outcomes, T("2017-08-12"))->status(), DeliveryStatus::kDelivered);
  EXPECT_EQ(LatestOutcome("c3", outcomes, T("2017-08-12")), nullptr);
}

TEST(AccessTest, CountsWhatGotThroughPerZoneAndPeriod) {
  const Scenario scenario = Ghouta();
  const std::vector<Movement> movements = {
      Into("c1", "eastern-ghouta", "2017-08-10T06:00:00Z"),
      Into("c2", "eastern-ghouta", "2017-08-12T06:00:00Z", /*late=*/true),
      Into("c3", "eastern-ghouta", "2017-08-14T06:00:00Z"),
      Into("c4", "eastern-ghouta", "2017-08-20T06:00:00Z"),  // the next period
      Into("c5", "south", "2017-08-11T06:00:00Z")};
  const std::vector<DeliveryOutcome> outcomes = {
      Outcome("c1", "delivered", "2017-08-10T17:00:00Z"),
      Outcome("c2", "partial", "2017-08-12T18:00:00Z", "medical supplies removed at checkpoint"),
      Outcome("c5", "blocked", "2017-08-11T10:00:00Z", "road closed by fighting")};
  const TimeInterval week = *TimeInterval::Create(T("2017-08-07"), T("2017-08-14T06:00:00Z"));
  const std::vector<AccessVerdict> verdicts =
      EvaluateAccess(scenario, movements, outcomes, week, T("2017-09-01"));
  ASSERT_EQ(verdicts.size(), 2u);
  const AccessVerdict& ghouta = verdicts[0];
  EXPECT_EQ(ghouta.zone, "eastern-ghouta");
  EXPECT_TRUE(ghouta.rule_in_force);
  EXPECT_EQ(ghouta.clauses, std::vector<std::string>{"eastern-ghouta-2017 clause 3"});
  EXPECT_EQ(ghouta.notified, 2u);  // c3 starts at the period's (exclusive) end
  EXPECT_EQ(ghouta.delivered, 1u);
  EXPECT_EQ(ghouta.partial, 1u);
  EXPECT_EQ(ghouta.got_through(), 2u);
  EXPECT_EQ(ghouta.late_notice, 1u);
  EXPECT_EQ(ghouta.rating, AccessRating::kImpeded);
  ASSERT_EQ(ghouta.movements.size(), 2u);
  EXPECT_EQ(ghouta.movements[1].movement->id(), "c2");
  EXPECT_TRUE(ghouta.movements[1].late_notice);
  const AccessVerdict& south = verdicts[1];
  EXPECT_FALSE(south.rule_in_force);  // no humanitarian_access rule there
  EXPECT_EQ(south.blocked, 1u);
  EXPECT_EQ(south.rating, AccessRating::kDenied);
  // As known before any outcome: unreported.
  const auto early = EvaluateAccess(scenario, movements, outcomes, week, T("2017-08-10"));
  EXPECT_EQ(early[0].rating, AccessRating::kUnreported);
  EXPECT_EQ(early[0].unreported, 2u);
  // A period with no movements still has a verdict for the zone with the rule.
  const TimeInterval later = *TimeInterval::Create(T("2017-10-01"), T("2017-10-08"));
  const auto none = EvaluateAccess(scenario, movements, outcomes, later, T("2017-11-01"));
  ASSERT_EQ(none.size(), 1u);
  EXPECT_EQ(none[0].rating, AccessRating::kNoMovements);
  // Everything delivered: respected.
  const std::vector<DeliveryOutcome> good = {Outcome("c1", "delivered", "2017-08-10T17:00:00Z"),
                                             Outcome("c2", "delivered", "2017-08-12T17:00:00Z")};
  EXPECT_EQ(EvaluateAccess(scenario, movements, good, week, T("2017-09-01"))[0].rating,
            AccessRating::kRespected);
}

}  // namespace
}  // namespace truce
