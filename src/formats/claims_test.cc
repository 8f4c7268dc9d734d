// Claims and decisions files: every claim the server accepts reads here with the same meaning,
// the new kinds extend it, and every bad record is named by file, line or record, and field.
#include "formats/claims.h"

#include <gtest/gtest.h>

#include "formats/decisions.h"

namespace truce::formats {
namespace {

using nlohmann::json;

Claim ReadOne(const std::string& line) {
  auto claims = ParseClaims(line, "dir/claims.jsonl");
  EXPECT_TRUE(claims.ok()) << (claims.ok() ? "" : claims.error().problems.at(0).ToString());
  return claims.ok() && !claims->empty() ? claims->front() : Claim{};
}

std::vector<std::string> Problems(const std::string& text, const std::string& file = "c.jsonl") {
  auto claims = ParseClaims(text, file);
  EXPECT_FALSE(claims.ok());
  return claims.ok() ? std::vector<std::string>{} : ProblemLines(claims.error());
}

TEST(Claims, EveryServerClaimReadsWithItsMeaning) {
  Claim c = ReadOne(
      R"({"party":"syrian-government","stance":"deny","text":"No strike took place","incident":"SYR-1"})");
  EXPECT_EQ(c.kind, ClaimKind::kDenyIncident);
  EXPECT_EQ(c.party, "syrian-government");
  EXPECT_EQ(c.incident, "SYR-1");
  EXPECT_EQ(c.id, "claims.jsonl:1");
  c = ReadOne(R"({"party":"turkey","stance":"assert","text":"t","incident":"SYR-1"})");
  EXPECT_EQ(c.kind, ClaimKind::kAssertIncident);
  c = ReadOne(
      R"({"party":"turkey","stance":"assert","text":"t","incident":"SYR-1","about":"syrian-government"})");
  EXPECT_EQ(c.kind, ClaimKind::kAssignResponsibility);
  EXPECT_EQ(c.responsible, "syrian-government");
  c = ReadOne(
      R"({"party":"russia","stance":"deny","text":"t","incident":"SYR-1","about":"syrian-government"})");
  EXPECT_EQ(c.kind, ClaimKind::kDenyResponsibility);
  c = ReadOne(R"({"party":"russia","stance":"assert","text":"t","about":"hts"})");
  EXPECT_EQ(c.kind, ClaimKind::kAccuse);
  EXPECT_EQ(c.responsible, "hts");
  c = ReadOne(R"({"party":"russia","stance":"deny","text":"t","about":"syrian-government"})");
  EXPECT_EQ(c.kind, ClaimKind::kDenyResponsibility);
  c = ReadOne(
      R"({"party":"russia","stance":"deny","text":"t","incident":"X","made_at":"2017-05-04T12:00:00.123Z","source":"https://tass.com/1"})");
  EXPECT_EQ(c.made_at->time_since_epoch().count() % 1000, 123);
  EXPECT_EQ(FormatUtcTime(*c.made_at), "2017-05-04T12:00:00Z");
  EXPECT_EQ(c.source, "https://tass.com/1");
  c = ReadOne(
      R"({"party":"russia","stance":"deny","text":"t","incident":"X","made_at":"2017-05-04"})");
  EXPECT_EQ(FormatUtcTime(*c.made_at), "2017-05-04T00:00:00Z");
  // An empty or null incident names none, here as in the server (both once took it as a claim
  // linked to nothing; AnEmptyIncidentOrPartyIsNotWhatAClaimIsAbout).
  EXPECT_EQ(Problems(R"({"party":"russia","stance":"assert","text":"t","incident":""})"),
            std::vector<std::string>{"c.jsonl:1: incident: required for assert_incident: the "
                                     "report or incident it is about"});
  EXPECT_EQ(Problems(R"({"party":"russia","stance":"deny","text":"t","incident":null,"about":""})"),
            std::vector<std::string>{
                "c.jsonl:1: a claim is about an incident (\"incident\") or a party (\"about\")"});
}

TEST(Claims, WhatTheServerRefusesIsRefusedWithTheField) {
  EXPECT_EQ(Problems(R"({"stance":"deny","text":"t","incident":"X"})"),
            std::vector<std::string>{"c.jsonl:1: party: required string"});
  EXPECT_EQ(Problems(R"({"party":"p","stance":"maybe","text":"t","incident":"X"})"),
            std::vector<std::string>{
                "c.jsonl:1: stance: expected \"assert\" or \"deny\", got \"maybe\""});
  EXPECT_EQ(Problems(R"({"party":"p","stance":"deny","text":"","incident":"X"})"),
            std::vector<std::string>{"c.jsonl:1: text: expected a non-empty string, got \"\""});
  EXPECT_EQ(Problems(R"({"party":"p","stance":"deny","text":"t"})"),
            std::vector<std::string>{
                "c.jsonl:1: a claim is about an incident (\"incident\") or a party (\"about\")"});
  EXPECT_EQ(Problems(R"({"party":"p","stance":"deny","text":"t","incident":7})"),
            std::vector<std::string>{"c.jsonl:1: incident: expected a string, got 7"});
  EXPECT_EQ(
      Problems(R"({"party":"p","stance":"deny","text":"t","incident":"X","made_at":"yesterday"})"),
      std::vector<std::string>{"c.jsonl:1: made_at: expected YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ or "
                               "YYYY-MM-DDTHH:MM:SS.sssZ, got 'yesterday'"});
}

TEST(Claims, KindsAndAccusationsExtendTheServerClaim) {
  Claim c = ReadOne(
      R"({"id":"ru-2017-09-12","party":"russia","stance":"assert","kind":"accuse","about":"armed-opposition","text":"25 violations in Idlib","zone":"idlib","count":25,"event_date":"2017-09-11"})");
  EXPECT_EQ(c.id, "ru-2017-09-12");
  EXPECT_EQ(c.kind, ClaimKind::kAccuse);
  EXPECT_EQ(c.alleged.zone, "idlib");
  EXPECT_EQ(c.alleged.count, 25);
  EXPECT_EQ(FormatUtcTime(c.alleged.when->begin()), "2017-09-11T00:00:00Z");
  EXPECT_EQ(FormatUtcTime(c.alleged.when->end()), "2017-09-12T00:00:00Z");
  c = ReadOne(
      R"({"party":"turkey","stance":"assert","kind":"accuse","about":"syrian-government","text":"t","from":"2017-09-11T10:00:00Z","to":"2017-09-11T11:00:00Z","latitude":35.9,"longitude":36.6,"radius_m":5000,"event_type":"explosions/remote violence"})");
  EXPECT_EQ(c.alleged.where->lat(), 35.9);
  EXPECT_EQ(c.alleged.radius.value, 5000);
  EXPECT_EQ(c.alleged.event_type, "Explosions/Remote violence");
  c = ReadOne(
      R"({"party":"hts","stance":"deny","kind":"deny_responsibility","incident":"X","text":"t"})");
  EXPECT_EQ(c.kind, ClaimKind::kDenyResponsibility);
  EXPECT_EQ(c.responsible, "");  // its own
  const auto j = ClaimToJson(c);
  EXPECT_EQ(
      j.dump(),
      R"({"id":"claims.jsonl:1","party":"hts","kind":"deny_responsibility","stance":"deny","incident":"X","about":"","text":"t","made_at":"","source":""})");
}

TEST(Claims, BadKindsAndAccusationsNameTheField) {
  EXPECT_EQ(
      Problems(R"({"party":"p","stance":"deny","kind":"accuse","about":"q","text":"t"})"),
      std::vector<std::string>{"c.jsonl:1: stance: \"deny\" does not agree with kind \"accuse\""});
  EXPECT_EQ(Problems(R"({"party":"p","stance":"deny","kind":"shrug","about":"q","text":"t"})"),
            std::vector<std::string>{
                "c.jsonl:1: kind: expected assert_incident, deny_incident, assign_responsibility, "
                "deny_responsibility or accuse, got \"shrug\""});
  EXPECT_EQ(
      Problems(
          R"({"party":"p","stance":"assert","kind":"assign_responsibility","incident":"X","text":"t"})"),
      std::vector<std::string>{
          "c.jsonl:1: about: required for assign_responsibility: the party held "
          "responsible"});
  EXPECT_EQ(
      Problems(
          R"({"party":"p","stance":"assert","kind":"assert_incident","about":"q","text":"t"})"),
      std::vector<std::string>{
          "c.jsonl:1: incident: required for assert_incident: the report or incident it "
          "is about"});
  EXPECT_EQ(Problems(R"({"party":"p","stance":"assert","incident":"X","text":"t","count":3})"),
            std::vector<std::string>{
                "c.jsonl:1: kind: only an accusation (\"accuse\") carries when, where, event "
                "type, zone or count"});
  EXPECT_EQ(
      Problems(
          R"({"party":"p","stance":"assert","about":"q","text":"t","count":0,"latitude":95,"longitude":1,"from":"2017-01-01","event_type":"Picnic"})"),
      (std::vector<std::string>{
          "c.jsonl:1: to: from and to come together",
          "c.jsonl:1: latitude: expected a number in [-90, 90], got 95",
          "c.jsonl:1: event_type: unknown 'Picnic', expected an ACLED event type",
          "c.jsonl:1: count: expected an integer from 1 to 1000000, got 0"}));
}

TEST(Claims, ArraysLinesAndSyntaxErrors) {
  auto claims = ParseClaims(R"([{"party":"p","stance":"deny","text":"t","incident":"X"},
                                {"party":"q","stance":"assert","text":"t","incident":"X"}])",
                            "a/b.json");
  ASSERT_TRUE(claims.ok());
  ASSERT_EQ(claims->size(), 2u);
  EXPECT_EQ((*claims)[1].id, "b.json record 1");
  EXPECT_EQ(
      Problems(R"([{"party":"p","stance":"deny","text":"t","incident":"X"}, 5, {"party":""}])",
               "c.json"),
      (std::vector<std::string>{
          "c.json record 1: expected a JSON object, got 5",
          "c.json record 2: party: expected a non-empty string, got \"\"",
          "c.json record 2: text: required string",
          "c.json record 2: stance: expected \"assert\" or \"deny\", got nothing",
          "c.json record 2: a claim is about an incident (\"incident\") or a party "
          "(\"about\")"}));
  auto syntax = ParseClaims("[{\"party\": \"p\",\n \"stance\" \"deny\"}]", "c.json");
  ASSERT_FALSE(syntax.ok());
  EXPECT_EQ(syntax.error().message.rfind("c.json:2:16: invalid JSON", 0), 0u)
      << syntax.error().message;
  EXPECT_EQ(
      Problems("\n{\"party\":\"p\",\"stance\":\"deny\",\"text\":\"t\",\"incident\":\"X\"}\n{oops\n["
               "1]\n"),
      (std::vector<std::string>{"c.jsonl:3: invalid JSON (expected one JSON object per line)",
                                "c.jsonl:4: expected a JSON object (one per line), got [1]"}));
  auto empty = ParseClaims("  \n", "c.jsonl");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

// An id names one claim (one decision) in a file too: a second object with an earlier one's
// id is refused, naming both, whether the ids were given or one was a default.
TEST(Claims, AnIdNamesOneRecordInAFile) {
  EXPECT_EQ(
      Problems(
          "{\"id\":\"c1\",\"party\":\"p\",\"stance\":\"deny\",\"text\":\"t\",\"incident\":\"X\"}\n"
          "{\"id\":\"c1\",\"party\":\"q\",\"stance\":\"assert\",\"text\":\"u\",\"incident\":\"X\"}"
          "\n"
          "{\"id\":\"c.jsonl:1\",\"party\":\"q\",\"stance\":\"assert\",\"text\":\"u\",\"incident\":"
          "\"X\"}\n"),
      (std::vector<std::string>{
          "c.jsonl:2: id: 'c1' is already the id of c.jsonl:1; an id names one record"}));
  auto d = ParseDecisions(
      R"({"id":"d1","action":"grade","reports":["A"],"grade":"discounted","reason":"r","by":"a","at":"2017-09-03"}
{"id":"d1","action":"grade","reports":["B"],"grade":"confirmed","reason":"r","by":"a","at":"2017-09-04"})",
      "d.jsonl");
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(ProblemLines(d.error()),
            (std::vector<std::string>{
                "d.jsonl:2: id: 'd1' is already the id of d.jsonl:1; an id names one record"}));
}

TEST(Decisions, ReadWithWhoWhenAndWhy) {
  auto d = ParseDecisions(
      R"({"action":"merge","reports":["A","B"],"reason":"same strike","by":"analyst-7","at":"2017-09-01T10:00:00Z"}
{"id":"x","action":"split","reports":["C"],"rest":["A"],"reason":"other day","by":"analyst-7","at":"2017-09-02"}
{"action":"grade","reports":["A"],"grade":"discounted","reason":"staged","by":"analyst-7","at":"2017-09-03"})",
      "d/decisions.jsonl");
  ASSERT_TRUE(d.ok()) << d.error().problems.at(0).ToString();
  ASSERT_EQ(d->size(), 3u);
  EXPECT_EQ((*d)[0].kind, DecisionKind::kMerge);
  EXPECT_EQ((*d)[0].id, "decisions.jsonl:1");
  EXPECT_EQ((*d)[1].id, "x");
  EXPECT_EQ((*d)[1].rest, std::vector<std::string>{"A"});
  EXPECT_EQ((*d)[2].grade, Grade::kDiscounted);
  EXPECT_EQ(
      DecisionToJson((*d)[1]).dump(),
      R"({"id":"x","action":"split","reports":["C"],"rest":["A"],"reason":"other day","by":"analyst-7","at":"2017-09-02T00:00:00Z"})");
}

TEST(Decisions, BadDecisionsNameLineAndField) {
  auto d = ParseDecisions(
      R"({"action":"undo","reports":[],"by":"a","at":"2017-09-01"}
{"action":"grade","reports":["A","B"],"grade":"dubious","reason":"r","by":"a"}
{"action":"merge","reports":["A"],"rest":["B"],"grade":"confirmed","reason":"r","by":"a","at":"2017-09-01"})",
      "d.jsonl");
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().message, "d.jsonl: 9 problems");
  EXPECT_EQ(ProblemLines(d.error()),
            (std::vector<std::string>{
                "d.jsonl:1: action: expected \"merge\", \"split\" or \"grade\", got \"undo\"",
                "d.jsonl:1: reports: expected a non-empty array of strings, got []",
                "d.jsonl:1: reason: required string",
                "d.jsonl:2: at: required, when the decision was made",
                "d.jsonl:2: grade: expected single-source, corroborated, confirmed, contested, "
                "denied or discounted, got \"dubious\"",
                "d.jsonl:2: reports: a grade names one report of the incident",
                "d.jsonl:3: grade: only a grade decision carries a grade",
                "d.jsonl:3: rest: only a split names the reports left behind",
                "d.jsonl:3: reports: a merge names reports of two or more incidents"}));
}

// Found by the claims fuzzer: ClaimToJson writes "made_at": "" for a claim without a time,
// which the reader refused, so a written claim did not read back.
TEST(Claims, WhatClaimToJsonWritesReadsBack) {
  const Claim c = ReadOne(
      R"({"id":"a","party":"p","stance":"assert","about":"q","text":"t","from":"2017-08-21","to":"2017-08-22","latitude":33.5,"longitude":36.4,"radius_m":2000,"event_type":"Battles","count":1})");
  const auto out = ClaimToJson(c);
  EXPECT_EQ(out["made_at"], "");
  auto again = ClaimFromJson(json::parse(out.dump()), "again", "");
  ASSERT_TRUE(again.ok()) << again.error().problems.at(0).ToString();
  EXPECT_EQ(ClaimToJson(*again), out);
  EXPECT_FALSE(again->made_at.has_value());
}

// Found by the claims fuzzer: a claim in the server's form (no "kind") with an empty
// "incident" or "about" as all it named was taken, and written with its kind (deny_incident of
// ""), which the reader then refused: it did not read back. Both forms now need the kind's
// fields; a claim already in the log is still read as it was accepted.
TEST(Claims, AnEmptyIncidentOrPartyIsNotWhatAClaimIsAbout) {
  const struct {
    const char* claim;
    const char* problem;
  } kCases[] = {
      {R"({"party":"russia","stance":"deny","incident":"","text":"x"})",
       "c: incident: required for deny_incident: the report or incident it is about"},
      {R"({"party":"russia","stance":"assert","incident":"","text":"x"})",
       "c: incident: required for assert_incident: the report or incident it is about"},
      {R"({"party":"russia","stance":"deny","about":"","text":"x"})",
       "c: a claim is about an incident (\"incident\") or a party (\"about\")"},
      {R"({"party":"russia","stance":"assert","about":"","text":"x"})",
       "c: about: required for accuse: the party held responsible"},
      {R"({"party":"russia","stance":"assert","incident":"AST001","about":"","text":"x"})",
       "c: about: required for assign_responsibility: the party held responsible"},
  };
  for (const auto& k : kCases) {
    SCOPED_TRACE(k.claim);
    const json o = json::parse(k.claim);
    const auto submitted = ClaimFromJson(o, "c", "1");
    ASSERT_FALSE(submitted.ok());
    ASSERT_EQ(submitted.error().problems.size(), 1u);
    EXPECT_EQ(submitted.error().problems[0].ToString(), k.problem);
    const auto logged = ClaimFromJson(o, "c", "1", ClaimReading::kLogged);
    ASSERT_TRUE(logged.ok()) << logged.error().message;
    EXPECT_EQ(logged->party, "russia");
  }
  // A null names nothing: an incident with a null party is an incident's claim (a logged one
  // is read by its keys, as it was accepted).
  const json null_about = json::parse(
      R"({"party":"russia","stance":"assert","incident":"AST001","about":null,"text":"x"})");
  const auto asserted = ClaimFromJson(null_about, "c", "1");
  ASSERT_TRUE(asserted.ok()) << asserted.error().message;
  EXPECT_EQ(asserted->kind, ClaimKind::kAssertIncident);
  EXPECT_EQ(ClaimFromJson(null_about, "c", "1", ClaimReading::kLogged)->kind,
            ClaimKind::kAssignResponsibility);
  // What the server's form names is still read by its keys: the same claims with the party or
  // incident named are taken, and read back.
  for (const char* ok :
       {R"({"party":"russia","stance":"deny","incident":"AST001","text":"x"})",
        R"({"party":"russia","stance":"deny","about":"hts","text":"x"})",
        R"({"party":"russia","stance":"deny","incident":"AST001","about":"","text":"x"})"}) {
    SCOPED_TRACE(ok);
    const auto c = ClaimFromJson(json::parse(ok), "c", "1");
    ASSERT_TRUE(c.ok()) << c.error().message;
    const auto again = ClaimFromJson(json::parse(ClaimToJson(*c).dump()), "again", "");
    ASSERT_TRUE(again.ok()) << again.error().message;
    EXPECT_EQ(ClaimToJson(*again), ClaimToJson(*c));
  }
}

// The text policy of every reader: no control, bidi or invisible characters in ids, none but
// line ends in free text. A decision posted with a NUL in its reason was stored.
TEST(Decisions, TextPolicyAppliesToEveryField) {
  auto d = ParseDecisions(
      R"({"id":"x\u202e","action":"grade","reports":["A\u200b"],"grade":"confirmed","reason":"a\u0000b","by":"a","at":"2017-09-01"})",
      "d.jsonl");
  ASSERT_FALSE(d.ok());
  const std::vector<std::string> lines = ProblemLines(d.error());
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_NE(lines[0].find("d.jsonl:1: id: contains U+202E"), std::string::npos) << lines[0];
  EXPECT_NE(lines[1].find("d.jsonl:1: reason: contains U+0000"), std::string::npos) << lines[1];
  EXPECT_NE(lines[2].find("d.jsonl:1: reports[0]: contains U+200B"), std::string::npos) << lines[2];
}

}  // namespace
}  // namespace truce::formats
