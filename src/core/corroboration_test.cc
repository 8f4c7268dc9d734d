// The corroboration engine: the link criterion, the grid against all pairs, stable ids,
// grades on authored multi-source cases, analysts' decisions, and the properties the server
// relies on (order independence, incremental == batch, decisions surviving new reports).
#include <algorithm>
#include <map>
#include <random>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "space_time_grid.h"
#include "truce/incident.h"
#include "truce/side_by_side.h"

namespace truce {
namespace {

using std::chrono::hours;

struct R {
  std::string id;
  std::string date = "2017-08-21";
  double lat = 35.93, lng = 36.63;  // Khan Shaykhun
  int geo = 1;                      // 2 km disc
  std::string source = "";
  std::string group = "";
  std::string actor1 = "";
  std::string type = "Explosions/Remote violence";
  std::string sub = "Air/drone strike";
  std::optional<int> minute_of_day = std::nullopt;
  int time_precision = 1;
};

Report Make(const R& r) {
  ReportSpec s;
  s.origin = r.id;
  s.event_id = r.id;
  s.event_date = *ParseUtcTime(r.date);
  s.time_precision = r.time_precision;
  if (r.minute_of_day) s.time_of_day = std::chrono::minutes(*r.minute_of_day);
  s.event_type = r.type;
  s.sub_event_type = r.sub;
  s.actor1 = r.actor1;
  s.latitude = r.lat;
  s.longitude = r.lng;
  s.geo_precision = r.geo;
  s.source = r.source.empty() ? "Source of " + r.id : r.source;
  s.source_group = r.group;
  auto report = Report::Create(std::move(s));
  EXPECT_TRUE(report.ok()) << report.error().message;
  return std::move(report).value();
}

Scenario MakeScenario(CorroborationSettings settings = {}) {
  ScenarioSpec spec;
  spec.origin = "test";
  spec.id = "test";
  spec.has_register = true;
  spec.corroboration = std::move(settings);
  for (const char* id :
       {"syrian-government", "armed-opposition", "hts", "russia", "turkey", "un"}) {
    spec.parties.push_back(Party{id, id, "state", "", {}});
  }
  spec.parties[0].aliases = {"Military Forces of Syria (2000-)"};
  auto scenario = Scenario::Create(std::move(spec));
  EXPECT_TRUE(scenario.ok()) << scenario.error().message;
  return std::move(scenario).value();
}

// Reports held for the test's lifetime, with arrival keys in the order they were given.
struct Fixture {
  explicit Fixture(std::vector<R> specs) {
    for (const R& r : specs) reports.push_back(Make(r));
    for (size_t i = 0; i < reports.size(); ++i) {
      entries.push_back(ReportEntry{&reports[i], 10 * (i + 1), "", false});
    }
  }
  std::vector<Report> reports;  // never resized after construction
  std::vector<ReportEntry> entries;
};

// What two runs must agree on, as text: ids, members, groups, grade and reason, history.
std::string Describe(Corroborator& c) {
  std::string out;
  for (const Incident* i : c.Incidents()) {
    std::vector<std::string> ids;
    for (const Report* r : i->reports) ids.push_back(r->event_id());
    std::vector<std::string> claims;
    for (const Claim* cl : i->claims) claims.push_back(cl->id);
    out += fmt::format("{} [{}] groups={} {} | {} | merged={} split_from={} claims={}\n", i->id,
                       fmt::join(ids, ","), i->groups.size(), GradeName(i->grade), i->reason,
                       fmt::join(i->merged, ","), fmt::join(i->split_from, ","),
                       fmt::join(claims, ","));
  }
  return out;
}

std::vector<std::string> Members(const Incident* i) {
  std::vector<std::string> ids;
  for (const Report* r : i->reports) ids.push_back(r->event_id());
  return ids;
}

Claim MakeClaim(std::string id, std::string party, ClaimKind kind, std::string incident,
                std::string responsible = "") {
  Claim c;
  c.id = std::move(id);
  c.party = std::move(party);
  c.kind = kind;
  c.incident = std::move(incident);
  c.responsible = std::move(responsible);
  c.text = "statement " + c.id;
  return c;
}

Decision MakeDecision(std::string id, DecisionKind kind, std::vector<std::string> reports,
                      std::vector<std::string> rest = {}) {
  Decision d;
  d.id = std::move(id);
  d.kind = kind;
  d.reports = std::move(reports);
  d.rest = std::move(rest);
  d.reason = "analyst's reason";
  d.by = "analyst-1";
  d.at = *ParseUtcTime("2017-09-01T10:00:00Z");
  return d;
}

// --- the link criterion ------------------------------------------------------------------------

TEST(LinkCriterion, TimeToleranceAndTouchingIntervals) {
  CorroborationSettings s;
  // Consecutive days touch: the gap is 0, under any positive tolerance.
  EXPECT_TRUE(ReportsLinked(Make({"a"}), Make({"b", "2017-08-22"}), s));
  EXPECT_FALSE(ReportsLinked(Make({"a"}), Make({"b", "2017-08-23"}), s));
  // Minute-precise times link within the 3 h tolerance, not beyond.
  EXPECT_TRUE(ReportsLinked(Make({.id = "a", .minute_of_day = 600}),
                            Make({.id = "b", .minute_of_day = 600 + 179}), s));
  EXPECT_FALSE(ReportsLinked(Make({.id = "a", .minute_of_day = 600}),
                             Make({.id = "b", .minute_of_day = 600 + 181}), s));
  // Tolerance 0: intervals must overlap; touching days no longer link.
  s.time_tolerance = hours(0);
  EXPECT_FALSE(ReportsLinked(Make({"a"}), Make({"b", "2017-08-22"}), s));
  EXPECT_TRUE(ReportsLinked(Make({"a"}), Make({"b"}), s));
}

TEST(LinkCriterion, OneCentreWithinTheOtherDiscPlusTheTolerance) {
  const CorroborationSettings s;  // 1 km tolerance; geo_precision 1 is a 2 km disc
  const double km = 1 / 111.2;    // about one kilometre of latitude, in degrees
  EXPECT_TRUE(ReportsLinked(Make({.id = "a"}), Make({.id = "b", .lat = 35.93 + 2.9 * km}), s));
  EXPECT_FALSE(ReportsLinked(Make({.id = "a"}), Make({.id = "b", .lat = 35.93 + 3.1 * km}), s));
  // A 10 km disc (geo_precision 2) reaches 11 km, whichever report has it.
  EXPECT_TRUE(
      ReportsLinked(Make({.id = "a"}), Make({.id = "b", .lat = 35.93 + 10.9 * km, .geo = 2}), s));
  EXPECT_TRUE(
      ReportsLinked(Make({.id = "a", .geo = 2}), Make({.id = "b", .lat = 35.93 + 10.9 * km}), s));
  EXPECT_FALSE(
      ReportsLinked(Make({.id = "a"}), Make({.id = "b", .lat = 35.93 + 11.2 * km, .geo = 2}), s));
}

TEST(LinkCriterion, EventTypesAndVagueReports) {
  CorroborationSettings s;
  EXPECT_TRUE(ReportsLinked(Make({"a"}), Make({.id = "b", .type = "Battles", .sub = ""}), s));
  EXPECT_FALSE(ReportsLinked(Make({"a"}), Make({.id = "b", .type = "Protests", .sub = ""}), s));
  EXPECT_TRUE(ReportsLinked(Make({.id = "a", .type = "Riots", .sub = ""}),
                            Make({.id = "b", .type = "Protests", .sub = ""}), s));
  s.compatible_types.clear();
  EXPECT_FALSE(ReportsLinked(Make({"a"}), Make({.id = "b", .type = "Battles", .sub = ""}), s));
  // A district-level place (50 km) or a week-long interval links to nothing.
  EXPECT_FALSE(ReportsLinked(Make({"a"}), Make({.id = "b", .geo = 3}), CorroborationSettings{}));
  EXPECT_FALSE(
      ReportsLinked(Make({"a"}), Make({.id = "b", .time_precision = 2}), CorroborationSettings{}));
}

TEST(LinkCriterion, SphericalEstimateIsWithinOnePercentOfTheGeodesic) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> lat(-89, 89), lng(-180, 180), off(-0.5, 0.5);
  for (int i = 0; i < 20000; ++i) {
    const double a = lat(rng), b = lng(rng);
    const double c = std::clamp(a + off(rng), -90.0, 90.0);
    const double d = std::remainder(b + off(rng) / std::max(0.02, std::cos(a * M_PI / 180)), 360.0);
    const double exact = detail::GeodesicDistance(a, b, c, d);
    const double dlat = (c - a) * M_PI / 180, dlng = (d - b) * M_PI / 180;
    const double h = std::pow(std::sin(dlat / 2), 2) + std::cos(a * M_PI / 180) *
                                                           std::cos(c * M_PI / 180) *
                                                           std::pow(std::sin(dlng / 2), 2);
    const double estimate = 2 * 6'371'008.8 * std::asin(std::min(1.0, std::sqrt(h)));
    if (exact > 1) {
      EXPECT_NEAR(estimate / exact, 1.0, 0.0075) << a << "," << b << " " << c << "," << d;
    }
  }
}

// --- the grid against every pair
// ------------------------------------------------------------------

// Random reports over `spread` degrees and ten days, at mid latitudes, near a pole and across
// the antimeridian, from a few sources some of which repeat one channel.
std::vector<R> RandomReports(std::mt19937& rng, size_t n, double lat0, double lng0,
                             double spread = 1.5) {
  std::uniform_real_distribution<double> unit(0, 1);
  std::vector<R> out;
  for (size_t i = 0; i < n; ++i) {
    R r;
    r.id = fmt::format("R{:04}", i);
    r.date = fmt::format("2017-08-{:02}", 10 + static_cast<int>(unit(rng) * 10));
    r.lat = std::clamp(lat0 + (unit(rng) - 0.5) * spread, -89.9, 89.9);
    r.lng = std::remainder(
        lng0 + (unit(rng) - 0.5) * spread / std::max(0.05, std::cos(lat0 * M_PI / 180)), 360.0);
    r.geo = unit(rng) < 0.7 ? 1 : unit(rng) < 0.9 ? 2 : 3;
    if (unit(rng) < 0.3) r.minute_of_day = static_cast<int>(unit(rng) * 1440);
    r.type = unit(rng) < 0.8 ? "Explosions/Remote violence" : "Protests";
    const int source = static_cast<int>(unit(rng) * 6);
    r.source = fmt::format("Outlet {}", source);
    if (source >= 4) r.group = "Channel X";  // outlets 4 and 5 repeat one channel
    if (source == 0) r.actor1 = "Military Forces of Syria (2000-)";
    out.push_back(r);
  }
  return out;
}

TEST(Clustering, GridFindsExactlyTheComponentsOfAllPairs) {
  std::mt19937 rng(42);
  for (const auto& [lat, lng] : {std::pair(35.5, 36.8), std::pair(-0.1, 179.95),
                                 std::pair(88.9, 20.0), std::pair(-70.0, -179.9)}) {
    Fixture f(RandomReports(rng, 400, lat, lng));
    const Scenario scenario = MakeScenario();
    Corroborator c(scenario);
    c.AddReports(f.entries);
    std::vector<const Report*> pointers;
    for (const Report& r : f.reports) pointers.push_back(&r);
    std::set<std::vector<std::string>> expected, got;
    for (const auto& group : ClusterAllPairs(pointers, scenario.corroboration())) {
      std::vector<std::string> ids;
      for (size_t i : group) ids.push_back(f.reports[i].event_id());
      expected.insert(ids);
    }
    for (const Incident* i : c.Incidents()) got.insert(Members(i));
    EXPECT_EQ(got, expected) << lat << "," << lng;
    EXPECT_LT(expected.size(), 400u) << "the test data should link something";
  }
}

// --- ids -----------------------------------------------------------------------------------------

TEST(Clustering, IdsComeFromTheEarliestReportAndSurviveMerges) {
  const double km = 1 / 111.2;
  // a and c lie 5 km apart (no link); b, between them, arrives last and links both.
  Fixture f(
      {{.id = "a"}, {.id = "c", .lat = 35.93 + 5 * km}, {.id = "b", .lat = 35.93 + 2.5 * km}});
  const Scenario scenario = MakeScenario();
  Corroborator c(scenario);
  c.AddReports(std::span(f.entries).first(2));
  auto incidents = c.Incidents();
  ASSERT_EQ(incidents.size(), 2u);
  EXPECT_EQ(incidents[0]->id, "INC-a");
  EXPECT_EQ(incidents[1]->id, "INC-c");
  c.AddReports(std::span(f.entries).subspan(2));
  incidents = c.Incidents();
  ASSERT_EQ(incidents.size(), 1u);
  EXPECT_EQ(incidents[0]->id, "INC-a");
  EXPECT_EQ(Members(incidents[0]), (std::vector<std::string>{"a", "c", "b"}));
  EXPECT_EQ(incidents[0]->merged, std::vector<std::string>{"INC-c"});
  // The old id still finds the incident; an unknown one does not.
  EXPECT_EQ(c.Find("INC-c"), incidents[0]);
  EXPECT_EQ(c.Find("INC-a"), incidents[0]);
  EXPECT_EQ(c.Find("INC-zzz"), nullptr);
  EXPECT_EQ(c.Find("a"), nullptr);
  EXPECT_EQ(c.IncidentOfReport("b"), incidents[0]);
}

// --- grades on authored multi-source cases ----------------------------------------------------

// A strike reported by a monitor and by two outlets repeating one Telegram channel, attributed
// to the government, which denies it.
std::vector<R> MonitorAndTwoOutlets() {
  return {
      {.id = "monitor-1", .source = "UN observers", .actor1 = "Military Forces of Syria (2000-)"},
      {.id = "outlet-a",
       .source = "Outlet A",
       .group = "Telegram: Idlib Now",
       .actor1 = "Military Forces of Syria (2000-)"},
      {.id = "outlet-b", .source = "Outlet B", .group = "telegram:  idlib now"}};
}

TEST(Grades, MonitorVerifiedStrikeIsConfirmedDespiteTheDenial) {
  Fixture f(MonitorAndTwoOutlets());
  f.entries[0].monitor = true;
  const Scenario scenario = MakeScenario();
  Corroborator c(scenario);
  c.AddReports(f.entries);
  const Claim denial = MakeClaim("C1", "syrian-government", ClaimKind::kDenyIncident, "outlet-a");
  c.AddClaims(std::span(&denial, 1));
  const auto incidents = c.Incidents();
  ASSERT_EQ(incidents.size(), 1u);
  const Incident& i = *incidents[0];
  EXPECT_EQ(i.id, "INC-monitor-1");
  // The two outlets repeat one channel: they count once.
  EXPECT_EQ(i.groups, (std::vector<std::string>{"Telegram: Idlib Now", "UN observers"}));
  EXPECT_EQ(i.sources, (std::vector<std::string>{"Outlet A", "Outlet B", "UN observers"}));
  EXPECT_EQ(i.accused, std::vector<std::string>{"syrian-government"});
  EXPECT_EQ(i.monitors, std::vector<std::string>{"monitor-1"});
  EXPECT_EQ(i.grade, Grade::kConfirmed);
  EXPECT_EQ(i.reason,
            "confirmed: a monitor verified it (report monitor-1 from UN observers); 2 "
            "independence groups (Telegram: Idlib Now; UN observers) across 3 reports; other "
            "claim: syrian-government denies it happened (claim C1)");
  // The public reason names no source and no claimant.
  EXPECT_EQ(i.public_reason,
            "confirmed: a monitor verified it; 2 independence groups across 3 reports");
  ASSERT_EQ(i.claims.size(), 1u);
  EXPECT_EQ(i.claims[0]->id, "C1");
}

TEST(Grades, WithoutTheMonitorTheDenialContestsTwoGroupsAndDeniesOne) {
  Fixture f(MonitorAndTwoOutlets());
  const Scenario scenario = MakeScenario();
  const Claim denial =
      MakeClaim("C1", "syrian-government", ClaimKind::kDenyIncident, "INC-monitor-1");
  {
    Corroborator c(scenario);
    c.AddReports(f.entries);
    c.AddClaims(std::span(&denial, 1));
    const Incident& i = *c.Incidents().at(0);
    EXPECT_EQ(i.grade, Grade::kContested);
    EXPECT_EQ(i.reason,
              "contested: denied by the accused (syrian-government denies it happened (claim C1)), "
              "but reported by 2 independence groups (Telegram: Idlib Now; UN observers) across 3 "
              "reports");
  }
  {
    Corroborator c(scenario);
    c.AddReports(std::span(f.entries).subspan(1));  // only the two outlets
    c.AddClaims(std::span(&denial, 1));             // names INC-monitor-1: no such report here
    EXPECT_EQ(c.Incidents().at(0)->grade, Grade::kSingleSource);
    ASSERT_EQ(c.UnlinkedClaims().size(), 1u);
    const Claim by_report =
        MakeClaim("C2", "syrian-government", ClaimKind::kDenyIncident, "outlet-b");
    c.AddClaims(std::span(&by_report, 1));
    const Incident& i = *c.Incidents().at(0);
    EXPECT_EQ(i.grade, Grade::kDenied);
    EXPECT_EQ(i.reason,
              "denied: denied by the accused (syrian-government denies it happened (claim C2)), "
              "and nothing independent corroborates it: one independence group (Telegram: Idlib "
              "Now) across 2 reports");
  }
}

TEST(Grades, AdmissionConfirms) {
  Fixture f(std::vector<R>{{.id = "r1", .source = "SOHR"}});
  const Scenario scenario = MakeScenario();
  Corroborator c(scenario);
  c.AddReports(f.entries);
  EXPECT_EQ(c.Incidents().at(0)->grade, Grade::kSingleSource);
  EXPECT_EQ(c.Incidents().at(0)->reason,
            "single-source: one independence group (SOHR) across 1 report");
  const Claim admission =
      MakeClaim("C1", "russia", ClaimKind::kAssignResponsibility, "r1", "russia");
  c.AddClaims(std::span(&admission, 1));
  const Incident& i = *c.Incidents().at(0);
  EXPECT_EQ(i.grade, Grade::kConfirmed);
  EXPECT_EQ(i.reason,
            "confirmed: the accused admitted it: russia admits responsibility (claim C1); one "
            "independence group (SOHR) across 1 report");
  EXPECT_EQ(i.accused, std::vector<std::string>{"russia"});
}

TEST(Grades, ResponsibilityAssignedDifferentlyIsContested) {
  Fixture f({{.id = "r1", .source = "Anadolu"}, {.id = "r2", .source = "TASS"}});
  const Scenario scenario = MakeScenario();
  Corroborator c(scenario);
  c.AddReports(f.entries);
  const std::vector<Claim> claims = {
      MakeClaim("C1", "turkey", ClaimKind::kAssignResponsibility, "r1", "syrian-government"),
      MakeClaim("C2", "russia", ClaimKind::kAssignResponsibility, "r2", "hts")};
  c.AddClaims(claims);
  const Incident& i = *c.Incidents().at(0);
  EXPECT_EQ(i.grade, Grade::kContested);
  EXPECT_EQ(i.reason,
            "contested: responsibility is assigned differently: russia holds hts responsible "
            "(claim C2); turkey holds syrian-government responsible (claim C1); 2 independence "
            "groups (Anadolu; TASS) across 2 reports");
  EXPECT_EQ(i.accused, (std::vector<std::string>{"hts", "syrian-government"}));
  EXPECT_EQ(i.public_reason,
            "contested: claims hold 2 different parties responsible; 2 independence groups "
            "across 2 reports");
}

TEST(Grades, AThirdPartyDenyingTheAccusedsResponsibilityContests) {
  Fixture f(std::vector<R>{{.id = "r1", .source = "Anadolu"}});
  const Scenario scenario = MakeScenario();
  Corroborator c(scenario);
  c.AddReports(f.entries);
  const std::vector<Claim> claims = {
      MakeClaim("C1", "turkey", ClaimKind::kAssignResponsibility, "r1", "syrian-government"),
      MakeClaim("C2", "russia", ClaimKind::kDenyResponsibility, "r1", "syrian-government")};
  c.AddClaims(claims);
  const Incident& i = *c.Incidents().at(0);
  EXPECT_EQ(i.grade, Grade::kContested);
  EXPECT_EQ(i.reason,
            "contested: turkey holds syrian-government responsible (claim C1), but russia denies "
            "that syrian-government is responsible (claim C2); one independence group (Anadolu) "
            "across 1 report");
}

TEST(Grades, APartysOwnReportsAreOneGroup) {
  Fixture f({{.id = "r1", .source = "russia"}, {.id = "r2", .source = "Ministry briefing"}});
  f.entries[1].party = "russia";  // submitted by the party itself
  const Scenario scenario = MakeScenario();
  Corroborator c(scenario);
  c.AddReports(f.entries);
  const Incident& i = *c.Incidents().at(0);
  EXPECT_EQ(i.groups, std::vector<std::string>{"party russia"});
  EXPECT_EQ(i.grade, Grade::kSingleSource);
}

TEST(Grades, MonitorsNamedInTheScenarioVerify) {
  CorroborationSettings s;
  s.monitors = {"UN Observers"};
  Fixture f(MonitorAndTwoOutlets());
  const Scenario scenario = MakeScenario(s);
  Corroborator c(scenario);
  c.AddReports(f.entries);
  EXPECT_EQ(c.Incidents().at(0)->grade, Grade::kConfirmed);
}

TEST(Claims, AccusationsMatchByTimePlaceAndTypeOrStayUnlinked) {
  Fixture f(std::vector<R>{{.id = "r1"}});
  const Scenario scenario = MakeScenario();
  Corroborator c(scenario);
  c.AddReports(f.entries);
  Claim near = MakeClaim("C1", "turkey", ClaimKind::kAccuse, "", "syrian-government");
  near.alleged.when = *TimeInterval::Create(*ParseUtcTime("2017-08-21T06:00:00Z"),
                                            *ParseUtcTime("2017-08-21T07:00:00Z"));
  near.alleged.where = LatLng(35.935, 36.63);
  Claim far = near;
  far.id = "C2";
  far.alleged.where = LatLng(36.5, 37.0);
  Claim zone_only = MakeClaim("C3", "russia", ClaimKind::kAccuse, "", "armed-opposition");
  zone_only.alleged.zone = "idlib";
  zone_only.alleged.count = 25;
  c.AddClaims(std::vector<Claim>{near, far, zone_only});
  const Incident& i = *c.Incidents().at(0);
  ASSERT_EQ(i.claims.size(), 1u);
  EXPECT_EQ(i.claims[0]->id, "C1");
  EXPECT_EQ(i.accused, std::vector<std::string>{"syrian-government"});
  const auto unlinked = c.UnlinkedClaims();
  ASSERT_EQ(unlinked.size(), 2u);
  EXPECT_EQ(unlinked[0]->id, "C2");
  EXPECT_EQ(unlinked[1]->id, "C3");
  EXPECT_EQ(c.Stats().claims_linked, 1u);
}

// --- decisions -------------------------------------------------------------------------------

// Two strikes 5 km apart on one day: two incidents.
std::vector<R> TwoStrikes() {
  const double km = 1 / 111.2;
  return {{.id = "a1", .source = "S1"},
          {.id = "a2", .source = "S2"},
          {.id = "b1", .lat = 35.93 + 5 * km, .source = "S3"},
          {.id = "b2", .lat = 35.93 + 5 * km, .source = "S4"}};
}

TEST(Decisions, MergeSplitAndGradeAreRecordedWithWhoAndWhen) {
  Fixture f(TwoStrikes());
  const Scenario scenario = MakeScenario();
  Corroborator c(scenario);
  c.AddReports(f.entries);
  ASSERT_EQ(c.Incidents().size(), 2u);
  ASSERT_TRUE(c.AddDecision(MakeDecision("D1", DecisionKind::kMerge, {"a1", "b1"})).ok());
  auto incidents = c.Incidents();
  ASSERT_EQ(incidents.size(), 1u);
  EXPECT_EQ(incidents[0]->id, "INC-a1");
  EXPECT_EQ(incidents[0]->merged, std::vector<std::string>{"INC-b1"});
  ASSERT_EQ(incidents[0]->decisions.size(), 1u);
  EXPECT_EQ(incidents[0]->decisions[0].by, "analyst-1");

  auto split = c.CompleteDecision(MakeDecision("D2", DecisionKind::kSplit, {"a1", "a2"}));
  ASSERT_TRUE(split.ok()) << split.error().message;
  EXPECT_EQ(split->rest, (std::vector<std::string>{"b1", "b2"}));
  ASSERT_TRUE(c.AddDecision(*split).ok());
  incidents = c.Incidents();
  ASSERT_EQ(incidents.size(), 2u);
  EXPECT_EQ(incidents[1]->id, "INC-b1");
  EXPECT_EQ(incidents[1]->split_from, std::vector<std::string>{"INC-a1"});
  EXPECT_TRUE(incidents[0]->split_from.empty());

  Decision grade = MakeDecision("D3", DecisionKind::kGrade, {"b2"});
  grade.grade = Grade::kDiscounted;
  grade.reason = "the video predates the strike";
  ASSERT_TRUE(c.AddDecision(grade).ok());
  const Incident* b = c.Find("INC-b1");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->grade, Grade::kDiscounted);
  EXPECT_EQ(b->computed_grade, Grade::kCorroborated);
  EXPECT_EQ(b->reason,
            "discounted by analyst-1 at 2017-09-01T10:00:00Z (decision D3): the video predates "
            "the strike (computed: corroborated: 2 independence groups (S3; S4) across 2 "
            "reports)");
  EXPECT_EQ(b->public_reason,
            "discounted by an analyst's decision (computed: corroborated: 2 independence groups "
            "across 2 reports)");
}

TEST(Decisions, BadDecisionsAreRefusedWithTheField) {
  Fixture f(TwoStrikes());
  const Scenario scenario = MakeScenario();
  Corroborator c(scenario);
  c.AddReports(f.entries);
  auto expect_error = [&](Decision d, const std::string& message) {
    auto r = c.CompleteDecision(std::move(d));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, message);
  };
  Decision d = MakeDecision("D", DecisionKind::kMerge, {"a1", "b1"});
  d.reason = "";
  expect_error(d, "reason: a decision needs a reason");
  d = MakeDecision("D", DecisionKind::kMerge, {"a1", "zz", "yy"});
  expect_error(d, "reports: no report zz, yy");
  expect_error(MakeDecision("D", DecisionKind::kMerge, {"a1", "a2"}),
               "reports: already one incident (INC-a1)");
  expect_error(MakeDecision("D", DecisionKind::kSplit, {"a1", "a2"}),
               "reports: all of INC-a1's reports; a split leaves some behind");
  expect_error(MakeDecision("D", DecisionKind::kSplit, {"a1", "b1"}),
               "reports: b1 is in INC-b1, not in INC-a1: a split takes reports out of one "
               "incident");
  expect_error(MakeDecision("D", DecisionKind::kGrade, {"a1", "b1"}),
               "reports: a grade names exactly one report of the incident");
  EXPECT_FALSE(c.AddDecision(MakeDecision("D", DecisionKind::kMerge, {"a1"})).ok());
  EXPECT_EQ(c.Stats().decisions, 0u);
}

TEST(Decisions, ALaterDecisionWins) {
  Fixture f(TwoStrikes());
  const Scenario scenario = MakeScenario();
  Corroborator c(scenario);
  c.AddReports(f.entries);
  // Merge, then split one report off: it leaves the merge, the rest stays merged.
  ASSERT_TRUE(c.AddDecision(MakeDecision("D1", DecisionKind::kMerge, {"a1", "b1"})).ok());
  ASSERT_TRUE(c.AddDecision(MakeDecision("D2", DecisionKind::kSplit, {"b2"})).ok());
  auto incidents = c.Incidents();
  ASSERT_EQ(incidents.size(), 2u);
  EXPECT_EQ(Members(incidents[0]), (std::vector<std::string>{"a1", "a2", "b1"}));
  EXPECT_EQ(Members(incidents[1]), std::vector<std::string>{"b2"});
  // Merging across that split lifts it.
  ASSERT_TRUE(c.AddDecision(MakeDecision("D3", DecisionKind::kMerge, {"a1", "b2"})).ok());
  incidents = c.Incidents();
  ASSERT_EQ(incidents.size(), 1u);
  EXPECT_EQ(incidents[0]->decisions.size(), 3u);
  // Replayed, a merge of reports already together is recorded all the same (a fresh one is
  // refused by CompleteDecision, as BadDecisionsAreRefusedWithTheField shows).
  ASSERT_TRUE(c.AddDecision(MakeDecision("D4", DecisionKind::kMerge, {"a1", "a2"})).ok());
  incidents = c.Incidents();
  ASSERT_EQ(incidents[0]->decisions.size(), 4u);
  EXPECT_EQ(incidents[0]->decisions[3].id, "D4");
}

// New reports that would join both sides of a split, or link a merge's reports, arrive after
// the decisions: the split holds and the merge holds, whatever order they come in.
TEST(Decisions, SurviveReClusteringWhenNewReportsArrive) {
  const double km = 1 / 111.2;
  std::vector<R> specs = TwoStrikes();
  specs.push_back({.id = "c1", .lat = 35.93 + 20 * km, .source = "S5"});
  specs.push_back({.id = "c2", .lat = 35.93 + 20 * km, .source = "S6"});
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> unit(0, 1);
  for (int i = 0; i < 30; ++i) {
    specs.push_back({.id = fmt::format("n{:02}", i),
                     .lat = 35.93 + unit(rng) * 22 * km,
                     .source = fmt::format("N{}", i % 4)});
  }
  Fixture f(specs);
  const Scenario scenario = MakeScenario();
  for (int trial = 0; trial < 20; ++trial) {
    Corroborator c(scenario);
    c.AddReports(std::span(f.entries).first(6));
    // b1 and b2 are the same event as a1 and a2 (merge); c2 is a different one than c1 (split).
    ASSERT_TRUE(c.AddDecision(MakeDecision("D1", DecisionKind::kMerge, {"a1", "b1"})).ok());
    ASSERT_TRUE(c.AddDecision(MakeDecision("D2", DecisionKind::kSplit, {"c2"}, {"c1"})).ok());
    std::vector<ReportEntry> later(f.entries.begin() + 6, f.entries.end());
    std::shuffle(later.begin(), later.end(), rng);
    for (size_t k = 0; k < later.size(); k += 1 + k % 3) {
      c.AddReports(std::span(later).subspan(k, std::min<size_t>(1 + k % 3, later.size() - k)));
      EXPECT_EQ(c.IncidentOfReport("a1"), c.IncidentOfReport("b2"));
      EXPECT_NE(c.IncidentOfReport("c1"), c.IncidentOfReport("c2"));
    }
    // The same as all reports first and the decisions after.
    Corroborator batch(scenario);
    batch.AddReports(f.entries);
    ASSERT_TRUE(batch.AddDecision(MakeDecision("D1", DecisionKind::kMerge, {"a1", "b1"})).ok());
    ASSERT_TRUE(batch.AddDecision(MakeDecision("D2", DecisionKind::kSplit, {"c2"}, {"c1"})).ok());
    EXPECT_EQ(Describe(c), Describe(batch));
  }
}

// --- order independence and incremental == batch -----------------------------------------------

std::vector<Claim> SomeClaims() {
  std::vector<Claim> claims = {
      MakeClaim("K1", "turkey", ClaimKind::kAssignResponsibility, "R0003", "syrian-government"),
      MakeClaim("K2", "syrian-government", ClaimKind::kDenyIncident, "R0003"),
      MakeClaim("K3", "russia", ClaimKind::kAssignResponsibility, "R0010", "hts"),
      MakeClaim("K4", "turkey", ClaimKind::kAssignResponsibility, "R0010", "syrian-government"),
      MakeClaim("K5", "hts", ClaimKind::kAssertIncident, "R0020")};
  Claim accuse = MakeClaim("K6", "russia", ClaimKind::kAccuse, "", "armed-opposition");
  accuse.alleged.when =
      *TimeInterval::Create(*ParseUtcTime("2017-08-12"), *ParseUtcTime("2017-08-13"));
  accuse.alleged.where = LatLng(35.5, 36.8);
  accuse.alleged.radius = Meters{5000};
  claims.push_back(accuse);
  return claims;
}

// Decisions on the current incidents: merge the first two incidents of two or more reports,
// split the second report off the next one of three or more, grade a third. Returns them as
// completed, to replay elsewhere.
std::vector<Decision> MakeSomeDecisions(Corroborator& c) {
  std::vector<const Incident*> big;
  for (const Incident* i : c.Incidents()) {
    if (i->reports.size() >= 3) big.push_back(i);
  }
  EXPECT_GE(big.size(), 3u) << "the test data should make incidents of several reports";
  if (big.size() < 3) return {};
  std::vector<Decision> out;
  out.push_back(*c.CompleteDecision(
      MakeDecision("D1", DecisionKind::kMerge,
                   {big[0]->reports[0]->event_id(), big[1]->reports[0]->event_id()})));
  out.push_back(*c.CompleteDecision(
      MakeDecision("D2", DecisionKind::kSplit, {big[2]->reports[1]->event_id()})));
  Decision grade = MakeDecision("D3", DecisionKind::kGrade, {big[2]->reports[0]->event_id()});
  grade.grade = Grade::kDiscounted;
  out.push_back(grade);
  for (const Decision& d : out) EXPECT_TRUE(c.AddDecision(d).ok());
  return out;
}

TEST(Properties, ShuffledInputGivesTheSameIncidents) {
  std::mt19937 rng(11);
  Fixture f(RandomReports(rng, 300, 35.5, 36.8));
  const Scenario scenario = MakeScenario();
  const std::vector<Claim> claims = SomeClaims();
  Corroborator reference(scenario);
  reference.AddReports(f.entries);
  reference.AddClaims(claims);
  const std::vector<Decision> decisions = MakeSomeDecisions(reference);
  const std::string expected = Describe(reference);
  // The data exercises what it should: several grades, history, claims.
  for (const char* word : {"corroborated", "single-source", "contested", "discounted", "merged=INC",
                           "split_from=INC", "claims=K"}) {
    EXPECT_NE(expected.find(word), std::string::npos) << word << " in\n" << expected;
  }
  for (int trial = 0; trial < 10; ++trial) {
    std::vector<ReportEntry> shuffled = f.entries;
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    std::vector<Claim> claims_shuffled = claims;
    std::shuffle(claims_shuffled.begin(), claims_shuffled.end(), rng);
    Corroborator c(scenario);
    c.AddReports(shuffled);
    c.AddClaims(claims_shuffled);
    for (const Decision& d : decisions) ASSERT_TRUE(c.AddDecision(d).ok());
    EXPECT_EQ(Describe(c), expected) << "trial " << trial;
  }
}

TEST(Properties, IncrementalEqualsBatchInAnyArrivalOrder) {
  std::mt19937 rng(5);
  Fixture f(RandomReports(rng, 300, 35.5, 36.8));
  const Scenario scenario = MakeScenario();
  const std::vector<Claim> claims = SomeClaims();
  Corroborator batch(scenario);
  batch.AddReports(f.entries);
  batch.AddClaims(claims);
  const std::vector<Decision> decisions = MakeSomeDecisions(batch);
  const std::string expected = Describe(batch);
  for (int trial = 0; trial < 6; ++trial) {
    std::vector<ReportEntry> order = f.entries;
    // Half the trials in arrival order (the server's case), half in any order.
    if (trial % 2 == 1) std::shuffle(order.begin(), order.end(), rng);
    Corroborator c(scenario);
    c.AddClaims(claims);
    for (size_t i = 0; i < order.size();) {
      const size_t n = std::min<size_t>(1 + rng() % 7, order.size() - i);
      c.AddReports(std::span(order).subspan(i, n));
      if (rng() % 4 == 0) c.Incidents();  // refreshes in between must not matter
      i += n;
    }
    for (const Decision& d : decisions) ASSERT_TRUE(c.AddDecision(d).ok());
    EXPECT_EQ(Describe(c), expected) << "trial " << trial;
  }
}

TEST(Properties, RevisionsMoveAReportOutOfItsIncident) {
  const double km = 1 / 111.2;
  Fixture f({{.id = "a"}, {.id = "b", .lat = 35.93 + 1 * km}, {.id = "c", .lat = 35.93 + 2 * km}});
  const Report moved = Make({.id = "b", .lat = 35.0});
  const Scenario scenario = MakeScenario();
  Corroborator c(scenario);
  c.AddReports(f.entries);
  ASSERT_EQ(c.Incidents().size(), 1u);
  const ReportEntry revision{&moved, 999, "", false};
  c.AddReports(std::span(&revision, 1));
  const auto incidents = c.Incidents();
  ASSERT_EQ(incidents.size(), 2u);
  EXPECT_EQ(Members(incidents[0]), (std::vector<std::string>{"a", "c"}));
  EXPECT_EQ(Members(incidents[1]), std::vector<std::string>{"b"});
  // The revision keeps the first arrival: b's incident is ordered by it, and named after it.
  EXPECT_EQ(incidents[1]->arrival, 20u);
  EXPECT_EQ(incidents[1]->reports[0], &moved);
}

// Revisions of one event given in one call (as the server's live engine is fed everything
// logged since its last read) are applied in the order given, however many entries the call
// sorts: the latest is the one an incident holds. (With an unstable sort, and more than 16
// entries, an earlier revision could win; the api fuzz target found it as a revision missing
// from the snapshot.)
TEST(Properties, RevisionsInOneCallApplyInTheirOrder) {
  const double km = 1 / 111.2;
  std::vector<R> specs;
  for (int i = 0; i < 40; ++i) specs.push_back({.id = fmt::format("e{}", i), .lat = 30.0 + i});
  Fixture f(specs);
  // 30 revisions of e0 and of e1, alternating places, all after the first arrivals.
  std::vector<Report> revisions;
  revisions.reserve(60);
  for (int k = 0; k < 30; ++k) {
    revisions.push_back(Make({.id = "e0", .lat = 30 + (k % 3) * km}));
    revisions.push_back(Make({.id = "e1", .lat = 31 + (k % 2) * km}));
  }
  std::vector<ReportEntry> entries = f.entries;
  for (size_t k = 0; k < revisions.size(); ++k) {
    // A revision keeps its event's first arrival (app::Views' EntryOf).
    entries.push_back(ReportEntry{&revisions[k], k % 2 == 0 ? 10u : 20u, "", false});
  }
  const Scenario scenario = MakeScenario();
  Corroborator c(scenario);
  c.AddReports(entries);
  const Report* latest_e0 = &revisions[58];
  const Report* latest_e1 = &revisions[59];
  bool saw_e0 = false, saw_e1 = false;
  for (const Incident* i : c.Incidents()) {
    for (const Report* r : i->reports) {
      if (r->event_id() == "e0") {
        EXPECT_EQ(r, latest_e0) << "e0 is held in an earlier revision";
        saw_e0 = true;
      }
      if (r->event_id() == "e1") {
        EXPECT_EQ(r, latest_e1) << "e1 is held in an earlier revision";
        saw_e1 = true;
      }
    }
  }
  EXPECT_TRUE(saw_e0 && saw_e1);
}

// --- violations and side by side --------------------------------------------------------------

TEST(SideBySide, AllegedAgainstEstablished) {
  Fixture f({{.id = "r1", .source = "SOHR"},
             {.id = "r2", .source = "Anadolu"},
             {.id = "s1", .date = "2017-08-25", .source = "TASS"}});
  const Scenario scenario = MakeScenario();
  Corroborator c(scenario);
  c.AddReports(f.entries);
  std::vector<Claim> claims = {
      MakeClaim("C1", "turkey", ClaimKind::kAssignResponsibility, "r1", "syrian-government"),
      MakeClaim("C2", "turkey", ClaimKind::kAccuse, "r2", "syrian-government"),
      MakeClaim("C3", "russia", ClaimKind::kAssertIncident, "s1"),
      MakeClaim("C4", "syrian-government", ClaimKind::kDenyIncident, "r1")};
  Claim tally = MakeClaim("C5", "russia", ClaimKind::kAccuse, "", "armed-opposition");
  tally.alleged.zone = "idlib";
  tally.alleged.count = 25;
  tally.alleged.when =
      *TimeInterval::Create(*ParseUtcTime("2017-08-21"), *ParseUtcTime("2017-08-22"));
  Claim elsewhere = tally;
  elsewhere.id = "C6";
  elsewhere.alleged.zone = "south";
  claims.push_back(tally);
  claims.push_back(elsewhere);
  c.AddClaims(claims);
  std::vector<Incident> incidents;
  for (const Incident* i : c.Incidents()) incidents.push_back(*i);
  ASSERT_EQ(incidents.size(), 2u);
  // Both incidents broke a ceasefire in "idlib" (as AttachViolations would say).
  for (Incident& i : incidents) {
    i.violations.push_back(IncidentViolation{
        "idlib", 1, RuleKind::kCeasefire, Verdict::kPossible, "", {}, {i.reports[0]->event_id()}});
  }
  std::vector<const Incident*> pointers = {&incidents[0], &incidents[1]};
  const auto unlinked = c.UnlinkedClaims();
  const auto period =
      *TimeInterval::Create(*ParseUtcTime("2017-08-21"), *ParseUtcTime("2017-08-28"));
  const SideBySide s = CompareClaims("idlib", period, pointers, unlinked, nullptr);
  EXPECT_EQ(s.incidents, 2);
  EXPECT_EQ(s.established, 1);  // r1+r2 (contested, two groups); s1 is single-source
  EXPECT_EQ(s.by_grade.at(Grade::kContested), 1);
  EXPECT_EQ(s.by_grade.at(Grade::kSingleSource), 1);
  ASSERT_EQ(s.parties.size(), 2u);
  EXPECT_EQ(s.parties[0].party, "russia");
  EXPECT_EQ(s.parties[0].alleged, 26);  // s1, and a tally of 25 with no report
  EXPECT_EQ(s.parties[0].matched, 1);
  EXPECT_EQ(s.parties[0].established, 0);
  EXPECT_EQ(s.parties[0].against, (std::map<std::string, int>{{"", 1}, {"armed-opposition", 25}}));
  EXPECT_EQ(s.parties[1].party, "turkey");
  EXPECT_EQ(s.parties[1].alleged, 1);  // two claims about one incident count once
  EXPECT_EQ(s.parties[1].established, 1);
  EXPECT_EQ(s.parties[1].against, (std::map<std::string, int>{{"syrian-government", 1}}));
  // A period before everything sees nothing.
  const auto before =
      *TimeInterval::Create(*ParseUtcTime("2017-07-01"), *ParseUtcTime("2017-07-02"));
  const SideBySide none = CompareClaims("idlib", before, pointers, unlinked, nullptr);
  EXPECT_EQ(none.incidents, 0);
  EXPECT_TRUE(none.parties.empty());
}

// A party that names two parties about one incident (an accusation of one, responsibility
// assigned to another) is counted against the first named; before, against the second
// whenever it named two, and against the first only when it also asserted the incident.
TEST(SideBySide, TwoPartiesNamedCountAgainstTheFirst) {
  Fixture f(std::vector<R>{{.id = "r1", .source = "SOHR"}});
  const Scenario scenario = MakeScenario();
  for (const bool also_asserted : {false, true}) {
    Corroborator c(scenario);
    c.AddReports(f.entries);
    std::vector<Claim> claims = {
        MakeClaim("C1", "turkey", ClaimKind::kAccuse, "r1", "hts"),
        MakeClaim("C2", "turkey", ClaimKind::kAssignResponsibility, "r1", "syrian-government")};
    if (also_asserted)
      claims.push_back(MakeClaim("C3", "turkey", ClaimKind::kAssertIncident, "r1"));
    c.AddClaims(claims);
    std::vector<Incident> incidents;
    for (const Incident* i : c.Incidents()) incidents.push_back(*i);
    ASSERT_EQ(incidents.size(), 1u);
    incidents[0].violations.push_back(
        IncidentViolation{"idlib", 1, RuleKind::kCeasefire, Verdict::kPossible, "", {}, {"r1"}});
    const std::vector<const Incident*> pointers = {&incidents[0]};
    const auto period =
        *TimeInterval::Create(*ParseUtcTime("2017-08-21"), *ParseUtcTime("2017-08-28"));
    const SideBySide s = CompareClaims("idlib", period, pointers, c.UnlinkedClaims(), nullptr);
    ASSERT_EQ(s.parties.size(), 1u);
    EXPECT_EQ(s.parties[0].against, (std::map<std::string, int>{{"hts", 1}}))
        << (also_asserted ? "with" : "without") << " the incident asserted";
  }
}

}  // namespace
}  // namespace truce
