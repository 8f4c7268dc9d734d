#include "truce/notification.h"

#include <gtest/gtest.h>

#include "truce/text_format.h"

namespace truce {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;

UtcTime T(const char* text) { return *ParseUtcTime(text); }

bool Mentions(const Error& e, const std::string& text) {
  for (const Problem& p : e.problems) {
    if (p.ToString().find(text) != std::string::npos) return true;
  }
  return e.message.find(text) != std::string::npos;
}

ProtectedSiteSpec Hospital() {
  ProtectedSiteSpec s;
  s.origin = "sites.geojson feature 0";
  s.id = "dar-al-shifa";
  s.name = "Dar al-Shifa hospital";
  s.type = "hospital";
  s.organisation = "SAMS";
  s.point = LatLng(36.2154, 37.1638);  // Jabriyeh, Aleppo (OCHA neighbourhood point)
  s.valid_from = T("2017-06-01");
  return s;
}

MovementSpec Convoy() {
  MovementSpec m;
  m.origin = "movements.geojson feature 0";
  m.id = "convoy-17";
  m.organisation = "SARC";
  m.route = {LatLng(33.5138, 36.2765), LatLng(33.5717, 36.4027)};  // Damascus to Douma
  m.window_start = T("2017-08-10T06:00:00Z");
  m.window_end = T("2017-08-10T18:00:00Z");
  m.destination_zone = "eastern-ghouta";
  m.vehicles = 40;
  m.cargo = "food, medicine";
  return m;
}

TEST(ProtectedSiteTest, CreatesAPointSite) {
  auto site = ProtectedSite::Create(Hospital());
  ASSERT_TRUE(site.ok()) << site.error().message;
  EXPECT_EQ(site->type(), SiteType::kHospital);
  EXPECT_TRUE(site->is_point());
  EXPECT_EQ(site->validity().begin(), T("2017-06-01"));
  EXPECT_TRUE(site->validity().open_ended());
}

TEST(ProtectedSiteTest, ListsEveryProblemWithItsPlace) {
  ProtectedSiteSpec s = Hospital();
  s.type = "bunker";
  s.organisation = "";
  s.valid_to = T("2017-05-01");
  s.alert_distance = Meters{-5};
  auto site = ProtectedSite::Create(s);
  ASSERT_FALSE(site.ok());
  EXPECT_EQ(site.error().problems.size(), 4u);
  EXPECT_TRUE(Mentions(site.error(),
                       "sites.geojson feature 0 (site 'dar-al-shifa'): type: "
                       "expected one of hospital, clinic"));
  EXPECT_TRUE(Mentions(site.error(), "got 'bunker'"));
  EXPECT_TRUE(Mentions(site.error(), "organisation: expected a non-empty string"));
  EXPECT_TRUE(Mentions(site.error(), "valid_to: 2017-05-01T00:00:00Z is not after valid_from"));
  EXPECT_TRUE(Mentions(site.error(), "alert_distance_m: expected metres > 0, got -5"));
}

TEST(ProtectedSiteTest, PolygonSitesAreValidatedAndNormalised) {
  ProtectedSiteSpec s = Hospital();
  s.point.reset();
  // Clockwise: normalised to counter-clockwise.
  s.area = MakeMultiPolygonOrDie("36.21:37.16, 36.22:37.16, 36.22:37.17, 36.21:37.17").polygons[0];
  auto site = ProtectedSite::Create(s);
  ASSERT_TRUE(site.ok()) << site.error().message;
  EXPECT_GT(SignedArea(site->area().rings[0]), 0);
  s.area = MakeMultiPolygonOrDie("36.21:37.16, 36.22:37.17, 36.22:37.16, 36.21:37.17").polygons[0];
  auto bow_tie = ProtectedSite::Create(s);
  ASSERT_FALSE(bow_tie.ok());
  EXPECT_TRUE(Mentions(bow_tie.error(), "(site 'dar-al-shifa'): polygon 0: Self-intersection"))
      << bow_tie.error().problems[0].ToString();
  s.point = LatLng(36.2, 37.1);
  auto both = ProtectedSite::Create(s);
  ASSERT_FALSE(both.ok());
  EXPECT_TRUE(Mentions(both.error(), "geometry: expected exactly one Point or Polygon"));
}

TEST(MovementTest, CreatesAndValidates) {
  auto m = Movement::Create(Convoy());
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->window().end(), T("2017-08-10T18:00:00Z"));
  MovementSpec bad = Convoy();
  bad.route = {LatLng(33.5, 36.3), LatLng(33.5, 36.3)};
  bad.window_end = bad.window_start;
  bad.vehicles = -1;
  bad.id = "";
  auto r = Movement::Create(bad);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().problems.size(), 4u);
  EXPECT_TRUE(Mentions(r.error(), "movements.geojson feature 0 (movement ''): id:"));
  EXPECT_TRUE(Mentions(r.error(), "a route needs at least 2 distinct positions, got 1"));
  EXPECT_TRUE(Mentions(r.error(), "window_end: 2017-08-10T06:00:00Z is not after window_start"));
  EXPECT_TRUE(Mentions(r.error(), "vehicles: expected >= 0, got -1"));
}

TEST(MovementTest, NoticeDeadlinesAtTheirEdges) {
  MovementSpec spec = Convoy();
  auto check = [&](std::optional<UtcTime> notified, bool emergency) {
    spec.notified_at = notified;
    spec.emergency = emergency;
    return CheckNotice(*Movement::Create(spec));
  };
  const UtcTime start = spec.window_start;
  NoticeCheck c = check(start - hours(48), false);
  EXPECT_EQ(c.required, hours(48));
  EXPECT_FALSE(c.late);  // exactly 48 h is enough
  EXPECT_EQ(*c.given, hours(48));
  EXPECT_TRUE(check(start - hours(48) + milliseconds(1), false).late);
  EXPECT_FALSE(check(start - hours(24), true).late);  // an emergency needs 24 h
  EXPECT_TRUE(check(start - hours(24) + milliseconds(1), true).late);
  EXPECT_TRUE(check(start + hours(1), false).late);  // notified after it set off
  c = check(std::nullopt, false);
  EXPECT_FALSE(c.late);
  EXPECT_FALSE(c.given.has_value());
}

TEST(MovementTest, DestinationsMustBeScenarioZones) {
  ZoneVersionSpec z;
  z.origin = "zones.geojson feature 0";
  z.zone = "eastern-ghouta";
  z.valid_from = T("2017-05-06");
  z.shape = MakeMultiPolygonOrDie("33.5:36.3, 33.5:36.6, 33.7:36.6, 33.7:36.3");
  ScenarioSpec spec;
  spec.origin = "zones.geojson";
  spec.zone_versions.push_back(*ZoneVersion::Create(z));
  const Scenario scenario = *Scenario::Create(spec);
  std::vector<Movement> movements = {*Movement::Create(Convoy())};
  EXPECT_TRUE(CheckDestinations(scenario, movements).ok());
  MovementSpec lost = Convoy();
  lost.destination_zone = "ghouta";
  movements.push_back(*Movement::Create(lost));
  const Status s = CheckDestinations(scenario, movements);
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(Mentions(s.error(), "(movement 'convoy-17'): destination_zone: no zone 'ghouta'"));
}

AcknowledgementSpec Answer(const char* party, const char* response, UtcTime at,
                           const char* reason = "") {
  AcknowledgementSpec a;
  a.origin = "acknowledgements.json";
  a.kind = NotificationKind::kMovement;
  a.notification = "convoy-17";
  a.party = party;
  a.response = response;
  a.reason = reason;
  a.at = at;
  return a;
}

TEST(AcknowledgementTest, ARejectionNeedsAReason) {
  auto a = Acknowledgement::Create(Answer("russia", "rejected", T("2017-08-08")));
  ASSERT_FALSE(a.ok());
  EXPECT_TRUE(Mentions(a.error(), "(movement 'convoy-17', party 'russia'): reason: a rejection"));
  auto b = Acknowledgement::Create(Answer("russia", "maybe", T("2017-08-08")));
  ASSERT_FALSE(b.ok());
  EXPECT_TRUE(Mentions(b.error(),
                       "response: expected \"acknowledged\" or \"rejected\", got "
                       "'maybe'"));
}

TEST(AcknowledgementTest, StatesAsTheDeadlinePasses) {
  MovementSpec spec = Convoy();
  spec.notified_at = T("2017-08-07T12:00:00Z");
  const Movement m = *Movement::Create(spec);
  const DeconflictionPolicy policy;  // 24 h
  const UtcTime due = AcknowledgementDue(m, policy);
  EXPECT_EQ(due, T("2017-08-08T12:00:00Z"));
  std::vector<Acknowledgement> answers = {
      *Acknowledgement::Create(
          Answer("syrian-government", "acknowledged", T("2017-08-08T09:00:00Z"))),
      *Acknowledgement::Create(Answer("armed-opposition", "rejected", T("2017-08-08T10:00:00Z"),
                                      "route crosses an active front line")),
      *Acknowledgement::Create(Answer("russia", "acknowledged", T("2017-08-09T08:00:00Z"))),
      // An answer to an earlier revision, before this one was notified: does not count.
      *Acknowledgement::Create(Answer("jaysh-al-islam", "acknowledged", T("2017-08-06"))),
  };
  auto at = [&](const char* party, UtcTime now) {
    return AcknowledgementAt(NotificationKind::kMovement, "convoy-17", party, NotifiedAt(m), due,
                             answers, now);
  };
  EXPECT_EQ(at("russia", due - milliseconds(1)).state, AckState::kPending);
  EXPECT_EQ(at("russia", due).state, AckState::kOverdue);  // the deadline is exclusive
  const AcknowledgementStatus late = at("russia", T("2017-08-09T08:00:00Z"));
  EXPECT_EQ(late.state, AckState::kAcknowledged);
  EXPECT_TRUE(late.late);
  EXPECT_EQ(*late.answered_at, T("2017-08-09T08:00:00Z"));
  const AcknowledgementStatus gov = at("syrian-government", T("2017-08-10"));
  EXPECT_EQ(gov.state, AckState::kAcknowledged);
  EXPECT_FALSE(gov.late);
  const AcknowledgementStatus opp = at("armed-opposition", T("2017-08-10"));
  EXPECT_EQ(opp.state, AckState::kRejected);
  EXPECT_EQ(opp.reason, "route crosses an active front line");
  // Before its answer was given, the opposition's was still pending.
  EXPECT_EQ(at("armed-opposition", T("2017-08-08T09:59:59Z")).state, AckState::kPending);
  EXPECT_EQ(at("jaysh-al-islam", T("2017-08-10")).state, AckState::kOverdue);
  // A later answer replaces an earlier one.
  answers.push_back(*Acknowledgement::Create(
      Answer("armed-opposition", "acknowledged", T("2017-08-09T07:00:00Z"))));
  EXPECT_EQ(at("armed-opposition", T("2017-08-10")).state, AckState::kAcknowledged);
}

TEST(AcknowledgementTest, MovementAnswersAreDueBeforeTheWindowOpens) {
  MovementSpec spec = Convoy();
  spec.notified_at = spec.window_start - hours(10);
  spec.emergency = true;
  const Movement m = *Movement::Create(spec);
  EXPECT_EQ(AcknowledgementDue(m, DeconflictionPolicy{}), spec.window_start);
  const ProtectedSite site = *ProtectedSite::Create(Hospital());
  // No notified_at: notified when its validity began.
  EXPECT_EQ(AcknowledgementDue(site, DeconflictionPolicy{}), T("2017-06-02"));
}

// A scenario with two zones: Eastern Ghouta binding the government and the opposition, and a
// southern zone binding only the government; plus a party bound by nothing.
Scenario TwoZones(DeconflictionPolicy policy = {}) {
  ScenarioSpec spec;
  spec.origin = "scenario.json";
  spec.id = "test";
  spec.has_register = true;
  spec.parties = {Party{"syrian-government", "", "state", "", {}},
                  Party{"armed-opposition", "", "armed_group", "", {}},
                  Party{"iran", "", "state", "", {}}};
  auto zone = [](const char* id, const char* shape, std::vector<std::string> bound) {
    ZoneVersionSpec z;
    z.origin = "zones.geojson";
    z.zone = id;
    z.valid_from = T("2017-05-06");
    z.valid_to = T("2018-04-14");
    z.shape = MakeMultiPolygonOrDie(shape);
    z.rules = {Rule{RuleKind::kCeasefire, "", "", std::move(bound)}};
    return *ZoneVersion::Create(z);
  };
  spec.zone_versions.push_back(zone("eastern-ghouta", "33.5:36.3, 33.5:36.6, 33.7:36.6, 33.7:36.3",
                                    {"syrian-government", "armed-opposition"}));
  spec.zone_versions.push_back(
      zone("south", "32.6:35.9, 32.6:36.4, 33.1:36.4, 33.1:35.9", {"syrian-government"}));
  spec.deconfliction = std::move(policy);
  auto s = Scenario::Create(std::move(spec));
  EXPECT_TRUE(s.ok()) << s.error().message;
  return std::move(s).value();
}

TEST(VisibilityTest, DefaultIsTheZonesBindingThePartyPlusTheBuffer) {
  const Scenario scenario = TwoZones();
  const NotificationAudience audience(scenario);
  ProtectedSiteSpec s = Hospital();
  s.point = LatLng(33.5717, 36.4027);  // Douma, inside Eastern Ghouta
  const ProtectedSite douma = *ProtectedSite::Create(s);
  EXPECT_EQ(audience.Audience(douma),
            (std::vector<std::string>{"syrian-government", "armed-opposition"}));
  EXPECT_FALSE(audience.Sees("iran", douma));
  EXPECT_FALSE(audience.Sees("nobody", douma));
  // 9 km and 11 km west of the zone's western edge (the default buffer is 10 km).
  s.point = LatLng(33.6, 36.3 - 9'000 / (111'319.0 * std::cos(33.6 * 3.14159265358979 / 180)));
  EXPECT_TRUE(audience.Sees("armed-opposition", *ProtectedSite::Create(s)));
  s.point = LatLng(33.6, 36.3 - 11'000 / (111'319.0 * std::cos(33.6 * 3.14159265358979 / 180)));
  EXPECT_FALSE(audience.Sees("armed-opposition", *ProtectedSite::Create(s)));
  // In the south only the government is bound.
  s.point = LatLng(32.8, 36.1);
  EXPECT_EQ(audience.Audience(*ProtectedSite::Create(s)),
            (std::vector<std::string>{"syrian-government"}));
  // A site notified after the zones ended is nobody's business under the default.
  s.point = LatLng(33.5717, 36.4027);
  s.valid_from = T("2018-05-01");
  EXPECT_TRUE(audience.Audience(*ProtectedSite::Create(s)).empty());
  // A convoy route into the zone, with no vertex inside it.
  MovementSpec m = Convoy();
  m.route = {LatLng(33.45, 36.45), LatLng(33.8, 36.45)};
  EXPECT_EQ(audience.Audience(*Movement::Create(m)),
            (std::vector<std::string>{"syrian-government", "armed-opposition"}));
}

TEST(VisibilityTest, GrantsOverrideTheDefault) {
  DeconflictionPolicy policy;
  policy.buffer = Meters{0};
  policy.grants = {NotificationGrant{"iran", true, std::nullopt, std::nullopt},
                   NotificationGrant{"armed-opposition", false, std::vector<std::string>{"south"},
                                     Meters{60'000}}};
  const Scenario scenario = TwoZones(policy);
  const NotificationAudience audience(scenario);
  ProtectedSiteSpec s = Hospital();
  s.point = LatLng(33.5717, 36.4027);  // Douma
  const ProtectedSite douma = *ProtectedSite::Create(s);
  EXPECT_TRUE(audience.Sees("iran", douma));
  EXPECT_TRUE(audience.Sees("syrian-government", douma));
  // Douma is ~52 km north of the southern zone's northern edge: within the 60 km granted.
  EXPECT_TRUE(audience.Sees("armed-opposition", douma));
  s.point = LatLng(36.2, 37.1);  // Aleppo: far from both zones
  const ProtectedSite aleppo = *ProtectedSite::Create(s);
  EXPECT_EQ(audience.Audience(aleppo), (std::vector<std::string>{"iran"}));
}

TEST(VisibilityTest, ThePolicyBlockIsChecked) {
  DeconflictionPolicy policy;
  policy.buffer = Meters{-1};
  policy.acknowledgement_due = hours(0);
  policy.grants = {NotificationGrant{"hezbollah", false, std::nullopt, std::nullopt},
                   NotificationGrant{"iran", false, std::vector<std::string>{"idlib"}, Meters{-2}},
                   NotificationGrant{"iran", true, std::nullopt, std::nullopt}};
  ScenarioSpec spec;
  spec.origin = "scenario.json";
  spec.has_register = true;
  spec.parties = {Party{"iran", "", "state", "", {}}};
  spec.deconfliction = policy;
  auto s = Scenario::Create(spec);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().problems.size(), 6u);
  EXPECT_TRUE(Mentions(s.error(), "scenario.json: deconfliction.buffer_m: expected metres >= 0"));
  EXPECT_TRUE(
      Mentions(s.error(), "deconfliction.acknowledgement_hours: expected hours > 0, got 0"));
  EXPECT_TRUE(Mentions(s.error(), "deconfliction.parties[0].party: unknown party 'hezbollah'"));
  EXPECT_TRUE(Mentions(s.error(), "deconfliction.parties[1].zones: unknown zone 'idlib'"));
  EXPECT_TRUE(Mentions(s.error(), "deconfliction.parties[1].buffer_m: expected metres >= 0"));
  EXPECT_TRUE(Mentions(s.error(), "deconfliction.parties[2].party: 'iran' has more than one"));
}

}  // namespace
}  // namespace truce
