#include "truce/scenario.h"

#include <gtest/gtest.h>

#include "truce/text_format.h"

namespace truce {
namespace {

UtcTime T(const char* s) { return *ParseUtcTime(s); }

ZoneVersionSpec Spec(std::string zone, int version, const char* from, const char* to = nullptr) {
  ZoneVersionSpec s;
  s.origin = "test feature";
  s.zone = std::move(zone);
  s.version = version;
  s.valid_from = T(from);
  if (to) s.valid_to = T(to);
  s.shape = MakeMultiPolygonOrDie("33.4:36.3, 33.4:36.6, 33.7:36.6, 33.7:36.3");
  s.rules = {Rule{RuleKind::kCeasefire, "", "", {}}};
  return s;
}

bool AnyProblemContains(const Error& e, const std::string& needle) {
  for (const Problem& p : e.problems) {
    if (p.ToString().find(needle) != std::string::npos) return true;
  }
  return false;
}

TEST(RuleKind, NamesRoundTrip) {
  for (RuleKind k : {RuleKind::kCeasefire, RuleKind::kNoFly, RuleKind::kHumanitarianAccess}) {
    EXPECT_EQ(ParseRuleKind(RuleKindName(k)), k);
  }
  EXPECT_FALSE(ParseRuleKind("safe_zone").has_value());
}

TEST(ZoneVersion, CreateValidatesEverythingAtOnce) {
  ZoneVersionSpec s = Spec("", 0, "2017-07-22", "2017-05-06");
  s.altitude.min = Meters{5000};
  s.altitude.max = Meters{1000};
  s.rules.push_back(s.rules[0]);
  s.shape = MakeMultiPolygonOrDie("0:0, 10:10, 10:0, 0:10");
  auto v = ZoneVersion::Create(s);
  ASSERT_FALSE(v.ok());
  const Error& e = v.error();
  EXPECT_TRUE(AnyProblemContains(e, "zone: expected a non-empty id"));
  EXPECT_TRUE(AnyProblemContains(e, "version: expected an integer >= 1, got 0"));
  EXPECT_TRUE(AnyProblemContains(e, "valid_to: 2017-05-06T00:00:00Z is not after valid_from"));
  EXPECT_TRUE(AnyProblemContains(e, "min_alt_m 5000 must be below max_alt_m 1000"));
  EXPECT_TRUE(AnyProblemContains(e, "rules: 'ceasefire' appears more than once"));
  EXPECT_TRUE(AnyProblemContains(e, "no no_fly rule"));
  EXPECT_TRUE(AnyProblemContains(e, "Self-intersection"));
  EXPECT_EQ(e.problems.size(), 7u);
}

TEST(ZoneVersion, NormalisesOrientationAndKeepsFields) {
  ZoneVersionSpec s = Spec("ghouta", 2, "2017-07-22");
  s.shape = MakeMultiPolygonOrDie("33.4:36.3, 33.7:36.3, 33.7:36.6, 33.4:36.6");  // clockwise
  auto v = ZoneVersion::Create(s);
  ASSERT_TRUE(v.ok());
  EXPECT_GT(SignedArea(v->shape().polygons[0].rings[0]), 0);
  EXPECT_TRUE(v->validity().open_ended());
  EXPECT_EQ(v->Label(), "zone 'ghouta' version 2");
  EXPECT_NE(v->FindRule(RuleKind::kCeasefire), nullptr);
  EXPECT_EQ(v->FindRule(RuleKind::kNoFly), nullptr);
}

ScenarioSpec Register() {
  ScenarioSpec s;
  s.origin = "scenario.json";
  s.has_register = true;
  s.parties = {{"syrian-government", "Government", "state", "", {}},
               {"armed-opposition", "Opposition", "armed_group", "", {}},
               {"hts", "HTS", "armed_group", "excluded", {}},
               {"russia", "Russia", "state", "", {}}};
  Agreement a;
  a.id = "memo";
  a.parties = {"syrian-government", "armed-opposition"};
  a.guarantors = {"russia"};
  a.clauses = {{"2", "cessation of hostilities"}};
  s.agreements.push_back(a);
  return s;
}

TEST(Scenario, FindsVersionsInForceAndBinding) {
  ScenarioSpec s = Register();
  ZoneVersionSpec v1 = Spec("ghouta", 1, "2017-05-06", "2017-07-22");
  v1.rules = {Rule{RuleKind::kCeasefire, "memo", "2", {}}};
  ZoneVersionSpec v2 = Spec("ghouta", 2, "2017-07-22", "2018-04-14");
  v2.rules = {Rule{RuleKind::kCeasefire, "memo", "2", {"armed-opposition"}}};
  s.zone_versions.push_back(*ZoneVersion::Create(v2));
  s.zone_versions.push_back(*ZoneVersion::Create(v1));
  auto scenario = Scenario::Create(std::move(s));
  ASSERT_TRUE(scenario.ok()) << scenario.error().message;
  EXPECT_EQ(scenario->zone_versions()[0].version(), 1);  // sorted
  EXPECT_TRUE(scenario->InForceAt(T("2017-05-05")).empty());
  ASSERT_EQ(scenario->InForceAt(T("2017-07-22")).size(), 1u);
  EXPECT_EQ(scenario->InForceAt(T("2017-07-22"))[0]->version(), 2);
  EXPECT_TRUE(scenario->InForceAt(T("2018-04-14")).empty());
  const std::vector<Zone> zones = scenario->Zones();
  ASSERT_EQ(zones.size(), 1u);
  EXPECT_EQ(zones[0].id, "ghouta");
  ASSERT_EQ(zones[0].versions.size(), 2u);
  EXPECT_EQ(zones[0].At(T("2017-08-01"))->version(), 2);
  EXPECT_EQ(zones[0].At(T("2017-01-01")), nullptr);
  const Rule& r1 = scenario->zone_versions()[0].rules()[0];
  EXPECT_TRUE(scenario->Binds(r1, "syrian-government"));
  EXPECT_FALSE(scenario->Binds(r1, "hts"));
  const Rule& r2 = scenario->zone_versions()[1].rules()[0];
  EXPECT_FALSE(scenario->Binds(r2, "syrian-government"));
  EXPECT_EQ(r1.Citation(), "memo clause 2");
}

TEST(Scenario, ReportsEveryCrossReferenceProblem) {
  ScenarioSpec s = Register();
  s.parties.push_back(s.parties[0]);
  s.agreements[0].guarantors.push_back("atlantis");
  ZoneVersionSpec a = Spec("idlib", 1, "2017-05-06");
  a.rules = {Rule{RuleKind::kCeasefire, "memo", "9", {"nobody"}},
             Rule{RuleKind::kNoFly, "sochi", "1", {}}};
  ZoneVersionSpec b = Spec("idlib", 2, "2017-09-15");
  ZoneVersionSpec c = Spec("idlib", 2, "2019-01-01", "2019-02-01");
  for (auto* spec : {&a, &b, &c}) s.zone_versions.push_back(*ZoneVersion::Create(*spec));
  auto scenario = Scenario::Create(std::move(s));
  ASSERT_FALSE(scenario.ok());
  const Error& e = scenario.error();
  EXPECT_TRUE(AnyProblemContains(e, "'syrian-government' declared twice"));
  EXPECT_TRUE(AnyProblemContains(e, "guarantors: unknown party 'atlantis'"));
  EXPECT_TRUE(AnyProblemContains(e, "agreement 'memo' has no clause '9'"));
  EXPECT_TRUE(AnyProblemContains(e, "bound: unknown party 'nobody'"));
  EXPECT_TRUE(AnyProblemContains(e, "unknown agreement 'sochi'"));
  EXPECT_TRUE(AnyProblemContains(e, "version 2 is declared twice"));
  EXPECT_TRUE(AnyProblemContains(e, "overlaps version 1 [2017-05-06T00:00:00Z, )"));
}

TEST(Scenario, BareZonesFileSkipsPartyChecks) {
  ScenarioSpec s;
  s.origin = "zones.geojson";
  ZoneVersionSpec a = Spec("z", 1, "2017-05-06");
  a.rules = {Rule{RuleKind::kCeasefire, "", "", {"anyone"}}};
  s.zone_versions.push_back(*ZoneVersion::Create(a));
  auto scenario = Scenario::Create(std::move(s));
  ASSERT_TRUE(scenario.ok());
  EXPECT_TRUE(scenario->Binds(scenario->zone_versions()[0].rules()[0], "anyone"));
}

}  // namespace
}  // namespace truce
