// The incident record: the exact keys, in order, that the CLI prints and the server serves.
#include "formats/incident_json.h"

#include <gtest/gtest.h>

namespace truce::formats {
namespace {

TEST(IncidentJson, KeysInOrder) {
  ReportSpec s;
  s.event_id = "R1";
  s.event_date = *ParseUtcTime("2017-08-21");
  s.event_type = "Explosions/Remote violence";
  s.latitude = 35.93;
  s.longitude = 36.63;
  const Report r = *Report::Create(s);
  Claim claim;
  claim.id = "C1";
  claim.party = "russia";
  claim.kind = ClaimKind::kAccuse;
  claim.responsible = "hts";
  claim.text = "t";
  claim.alleged.count = 3;
  Incident i;
  i.id = "INC-R1";
  i.reports = {&r};
  i.sources = {"SOHR"};
  i.groups = {"SOHR"};
  i.grade = Grade::kSingleSource;
  i.reason = "single-source: one independence group (SOHR) across 1 report";
  i.claims = {&claim};
  i.when = r.when();
  i.where = r.location();
  i.radius = r.radius();
  i.event_types = {"Explosions/Remote violence"};
  i.tracks.push_back(TrackLink{"R1", "aaaaaa", "SYR1", *ParseUtcTime("2017-08-21T10:00:00Z"),
                               Meters{3000.04}, Meters{5000.04}, std::nullopt, 19});
  i.violations.push_back(IncidentViolation{
      "idlib", 2, RuleKind::kCeasefire, Verdict::kPossible, "astana clause 2", {"hts"}, {"R1"}});
  i.decisions.push_back(DecisionRef{"D1", DecisionKind::kGrade, "a", UtcTime{}, "why"});
  const auto j = IncidentToJson(i);
  std::vector<std::string> keys;
  for (const auto& [key, value] : j.items()) keys.push_back(key);
  EXPECT_EQ(keys,
            (std::vector<std::string>{"incident", "reports",    "sources",     "independent_groups",
                                      "groups",   "grade",      "reason",      "computed_grade",
                                      "claims",   "tracks",     "coverage",    "violations",
                                      "accused",  "monitors",   "event_types", "time_begin",
                                      "time_end", "latitude",   "longitude",   "radius_m",
                                      "merged",   "split_from", "decisions"}));
  EXPECT_EQ(j["independent_groups"], 1);
  EXPECT_EQ(
      j["claims"][0].dump(),
      R"({"id":"C1","party":"russia","kind":"accuse","stance":"assert","incident":"","about":"hts","text":"t","made_at":"","source":"","count":3})");
  EXPECT_EQ(
      j["tracks"][0].dump(),
      R"({"report":"R1","icao24":"aaaaaa","callsign":"SYR1","time":"2017-08-21T10:00:00Z","distance_m":3000.0,"centre_distance_m":5000.0,"altitude_m":null,"positions":19})");
  EXPECT_EQ(
      j["violations"][0].dump(),
      R"({"zone":"idlib","version":2,"rule":"ceasefire","verdict":"possible","clause":"astana clause 2","parties":["hts"],"reports":["R1"]})");
  EXPECT_EQ(j["time_begin"], "2017-08-21T00:00:00Z");
  EXPECT_EQ(j["time_end"], "2017-08-22T00:00:00Z");

  i.public_reason = "single-source: one independence group across 1 report";
  const auto p = IncidentToPublicJson(i);
  keys.clear();
  for (const auto& [key, value] : p.items()) keys.push_back(key);
  EXPECT_EQ(keys, (std::vector<std::string>{"incident", "reports", "independent_groups", "grade",
                                            "reason", "violations", "event_types", "time_begin",
                                            "time_end", "latitude", "longitude", "radius_m",
                                            "merged", "split_from"}));
  EXPECT_EQ(p["reason"], "single-source: one independence group across 1 report");
}

TEST(IncidentJson, SideBySide) {
  SideBySide s;
  s.zone = "idlib";
  s.period = *TimeInterval::Create(*ParseUtcTime("2017-09-01"), *ParseUtcTime("2017-09-08"));
  s.incidents = 4;
  s.established = 1;
  s.by_grade = {{Grade::kSingleSource, 3}, {Grade::kCorroborated, 1}};
  s.parties.push_back(PartyAllegations{"russia", 26, 1, 0, {{"armed-opposition", 26}}});
  EXPECT_EQ(
      SideBySideToJson(s).dump(),
      R"({"zone":"idlib","from":"2017-09-01T00:00:00Z","to":"2017-09-08T00:00:00Z","incidents":4,"established":1,"by_grade":{"single-source":3,"corroborated":1},"parties":[{"party":"russia","alleged":26,"matched":1,"established":0,"against":{"armed-opposition":26}}]})");
}

}  // namespace
}  // namespace truce::formats
