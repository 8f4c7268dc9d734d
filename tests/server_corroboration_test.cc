// Corroboration in the server, over HTTP: reports from several sources grouped into one graded
// incident, claims changing grades, analysts' decisions logged and surviving new reports and a
// restart, ids that keep resolving after a merge, as_of, side by side, and who may do what.
#include <set>
#include <thread>

#include <fmt/format.h>

#include "formats/decisions.h"
#include "server_harness.h"

namespace truce::testing {
namespace {

using app::Role;

// A shelling report in Eastern Ghouta on `date` at a place offset `dlat` degrees north.
json Shelling(const std::string& id, const std::string& date, const std::string& source,
              double dlat = 0) {
  json r = ReportJson(id, date, 33.55 + dlat, 36.42);
  r["source"] = source;
  r["source_group"] = source;
  return r;
}

class CorroborationServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<ServerHarness>((dir_.path() / "truce.db").string());
    server_->LoadShippedScenario();
    admin_ = server_->Token(Role::kAdmin);
    monitor_ = server_->Token(Role::kMonitor);
    guarantor_ = server_->Token(Role::kGuarantor);
    party_ = server_->Token(Role::kParty, "syrian-government");
    public_ = server_->Token(Role::kPublic);
  }

  json Incident(const std::string& id, const std::string& token, const std::string& query = "") {
    const Reply r = server_->Get("/api/v1/incidents/" + id + query, token);
    EXPECT_EQ(r.status, 200) << r.text;
    return r.body;
  }
  size_t IncidentCount(const std::string& token, const std::string& query = "") {
    return server_->Get("/api/v1/incidents?limit=1000" + query, token).body["items"].size();
  }
  Reply Decide(const std::string& id, const json& body, const std::string& token) {
    return server_->Post("/api/v1/incidents/" + id + "/decisions", body, token);
  }

  TempDir dir_;
  std::unique_ptr<ServerHarness> server_;
  std::string admin_, monitor_, guarantor_, party_, public_;
};

TEST_F(CorroborationServerTest, IndependentSourcesMakeOneCorroboratedIncident) {
  // Two outlets repeating one channel count once; a second, independent source corroborates.
  json a = Shelling("A-1", "2017-06-01", "Channel-X");
  json b = Shelling("A-2", "2017-06-01", "Outlet-Y");
  b["source_group"] = "Channel-X";
  ASSERT_EQ(server_->Post("/api/v1/reports", json::array({a, b}), admin_).status, 201);
  json one = Incident("INC-A-1", admin_);
  EXPECT_EQ(one["reports"].size(), 2u);
  EXPECT_EQ(one["independent_groups"], 1);
  EXPECT_EQ(one["grade"], "single-source");
  ASSERT_EQ(
      server_->Post("/api/v1/reports", Shelling("A-3", "2017-06-01", "SNHR"), guarantor_).status,
      201);
  one = Incident("INC-A-1", admin_);
  EXPECT_EQ(one["reports"].size(), 3u);
  EXPECT_EQ(one["independent_groups"], 2);
  EXPECT_EQ(one["grade"], "corroborated");
  EXPECT_NE(one["reason"].get<std::string>().find("SNHR"), std::string::npos) << one["reason"];
  EXPECT_EQ(IncidentCount(admin_), 1u);
  // A report by the monitor role is the monitor's verification.
  server_->SetNow("2024-01-02T00:00:00Z");
  ASSERT_EQ(server_->Post("/api/v1/reports", Shelling("A-4", "2017-06-01", "JMC"), monitor_).status,
            201);
  EXPECT_EQ(Incident("INC-A-1", admin_)["grade"], "confirmed");
  // As of before the monitor's report, it was corroborated.
  EXPECT_EQ(Incident("INC-A-1", admin_, "?as_of=2024-01-01T12:00:00Z")["grade"], "corroborated");
  EXPECT_EQ(IncidentCount(admin_), 1u);
}

TEST_F(CorroborationServerTest, ADenialBecomesPartOfTheIncident) {
  json r = Shelling("D-1", "2017-06-02", "SOHR");
  r["actor1"] = "Military Forces of Syria (2000-)";
  ASSERT_EQ(server_->Post("/api/v1/reports", r, admin_).status, 201);
  ASSERT_EQ(server_
                ->Post("/api/v1/claims",
                       {{"stance", "deny"}, {"incident", "D-1"}, {"text", "No shelling."}}, party_)
                .status,
            201);
  const json incident = Incident("INC-D-1", admin_);
  EXPECT_EQ(incident["grade"], "denied") << incident.dump();
  ASSERT_EQ(incident["claims"].size(), 1u);
  EXPECT_EQ(incident["claims"][0]["party"], "syrian-government");
  // The public's form names no claimant and no source.
  ASSERT_EQ(server_->Post("/api/v1/incidents/publish", {{"incident", "INC-D-1"}}, monitor_).status,
            201);
  const json seen = Incident("INC-D-1", public_);
  EXPECT_EQ(seen["grade"], "denied");
  EXPECT_FALSE(seen.contains("claims"));
  EXPECT_EQ(seen.dump().find("SOHR"), std::string::npos) << seen.dump();
  EXPECT_EQ(seen.dump().find("syrian-government\",\"stance"), std::string::npos);
}

TEST_F(CorroborationServerTest, DecisionsAreLoggedAndSurviveNewReportsAndRestarts) {
  // Two incidents days apart, and one that links to the first.
  ASSERT_EQ(server_
                ->Post("/api/v1/reports",
                       json::array({Shelling("M-1", "2017-07-01", "SOHR"),
                                    Shelling("M-2", "2017-07-05", "SNHR"),
                                    Shelling("S-1", "2017-07-01", "Reuters")}),
                       admin_)
                .status,
            201);
  EXPECT_EQ(Incident("INC-M-1", admin_)["reports"].size(), 2u);
  const size_t before = server_->ledger().size();

  // Split S-1 off M-1's incident; a new report linking both does not undo it.
  Reply r = Decide("INC-M-1",
                   {{"action", "split"}, {"reports", {"S-1"}}, {"reason", "a different strike"}},
                   monitor_);
  ASSERT_EQ(r.status, 201) << r.text;
  EXPECT_EQ(r.body["incident"]["reports"].size(), 1u);
  ASSERT_EQ(server_->Post("/api/v1/reports", Shelling("S-2", "2017-07-01", "AFP"), admin_).status,
            201);
  EXPECT_EQ(Incident("INC-S-1", admin_)["split_from"], json::array({"INC-M-1"}));
  std::set<std::string> reports;
  // The incident held in a local: a range-for over a temporary's member reads freed memory.
  const json m1 = Incident("INC-M-1", admin_);
  ASSERT_FALSE(m1["reports"].empty());
  for (const json& id : m1["reports"]) reports.insert(id.get<std::string>());
  EXPECT_FALSE(reports.contains("S-1"));

  // Merge M-2's incident into M-1's: the old id resolves to the survivor.
  r = Decide("INC-M-1", {{"action", "merge"}, {"with", {"INC-M-2"}}, {"reason", "same raid"}},
             monitor_);
  ASSERT_EQ(r.status, 201) << r.text;
  EXPECT_EQ(Incident("INC-M-2", admin_)["incident"], "INC-M-1");
  EXPECT_EQ(Incident("INC-M-1", admin_)["merged"], json::array({"INC-M-2"}));

  // Grade with a reason.
  r = Decide("INC-M-1",
             {{"action", "grade"}, {"grade", "discounted"}, {"reason", "staged footage"}},
             monitor_);
  ASSERT_EQ(r.status, 201) << r.text;
  json m = Incident("INC-M-1", admin_);
  EXPECT_EQ(m["grade"], "discounted");
  ASSERT_EQ(m["decisions"].size(), 3u) << m.dump();
  EXPECT_EQ(m["decisions"][2]["reason"], "staged footage");

  // Each decision is a log entry of kind "decision" with who made it.
  const Reply entries = server_->Get(fmt::format("/api/v1/log/entries?from={}", before), admin_);
  int decisions = 0;
  for (const json& e : entries.body["items"]) decisions += e["kind"] == "decision";
  EXPECT_EQ(decisions, 3);

  // As of before the grade, it was not discounted; after a restart, all of it is replayed.
  server_->Restart();
  m = Incident("INC-M-1", admin_);
  EXPECT_EQ(m["grade"], "discounted");
  EXPECT_EQ(Incident("INC-M-2", admin_)["incident"], "INC-M-1");
}

TEST_F(CorroborationServerTest, DecisionsAreCheckedAndOnlyForStaff) {
  ASSERT_EQ(server_->Post("/api/v1/reports", Shelling("C-1", "2017-08-01", "SOHR"), admin_).status,
            201);
  const json grade = {{"action", "grade"}, {"grade", "discounted"}, {"reason", "r"}};
  EXPECT_EQ(Decide("INC-C-1", grade, party_).status, 403);
  EXPECT_EQ(Decide("INC-C-1", grade, guarantor_).status, 403);
  EXPECT_EQ(Decide("INC-C-1", grade, "").status, 401);
  EXPECT_EQ(Decide("INC-NOPE", grade, monitor_).status, 404);
  Reply r = Decide("INC-C-1", {{"action", "grade"}, {"grade", "discounted"}}, monitor_);
  EXPECT_EQ(r.status, 400) << r.text;
  r = Decide("INC-C-1", {{"action", "explode"}, {"reason", "r"}}, monitor_);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body["error"]["problems"][0]["path"], "/action");
  r = Decide("INC-C-1", {{"action", "merge"}, {"with", {"INC-NOPE"}}, {"reason", "r"}}, monitor_);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body["error"]["problems"][0]["path"], "/with/0");
  // Splitting off every report of an incident is refused by the engine (nothing stored).
  const size_t size = server_->ledger().size();
  r = Decide("INC-C-1", {{"action", "split"}, {"reports", {"C-1"}}, {"reason", "r"}}, monitor_);
  EXPECT_EQ(r.status, 409) << r.text;
  EXPECT_EQ(server_->ledger().size(), size);
}

// An imported decision's id names one decision, as a claim's does: importing the same file
// again changes nothing, and other content under a stored id is refused rather than counted as
// "unchanged" and dropped (the import once compared the ids alone). Ids of digits alone are the
// log's, given to decisions made over HTTP.
TEST_F(CorroborationServerTest, AnImportedDecisionIdNamesOneDecision) {
  ASSERT_EQ(server_
                ->Post("/api/v1/reports",
                       json::array({Shelling("D-1", "2017-07-01", "SOHR"),
                                    Shelling("D-2", "2017-07-01", "SNHR")}),
                       admin_)
                .status,
            201);
  const app::Principal op{Role::kAdmin, "", "seed"};
  auto read = [](const std::string& text) {
    auto d = formats::ParseDecisions(text, "decisions.jsonl");
    EXPECT_TRUE(d.ok()) << d.error().message;
    return d.ok() ? *d : std::vector<Decision>{};
  };
  // A time with a fraction of a second is stored to the second (DecisionToJson): the same file
  // again is still the same decision.
  const std::string grade =
      R"({"id":"g1","action":"grade","reports":["D-1"],"grade":"discounted","reason":"staged","by":"a","at":"2017-09-01T10:00:00.500Z"})";
  const std::string split =
      R"({"id":"s1","action":"split","reports":["D-2"],"reason":"two strikes","by":"a","at":"2017-09-02"})";
  auto first = server_->application().ImportDecisions(op, read(grade + "\n" + split));
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first->accepted, 2u);
  const size_t size = server_->ledger().size();

  // Again: nothing new (the split was stored completed with the rest it left; still the same).
  auto again = server_->application().ImportDecisions(op, read(grade + "\n" + split));
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->accepted, 0u);
  EXPECT_EQ(again->unchanged, 2u);
  EXPECT_EQ(server_->ledger().size(), size);

  // The same id, another grade: refused, naming the id and the entry; nothing stored, not even
  // the new decision before it in the file.
  std::string regraded = grade;
  regraded.replace(regraded.find("discounted"), 10, "confirmed");
  const std::string fresh =
      R"({"id":"g2","action":"grade","reports":["D-2"],"grade":"denied","reason":"r","by":"a","at":"2017-09-05"})";
  auto other = server_->application().ImportDecisions(op, read(fresh + "\n" + regraded));
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().code, ErrorCode::kConflict);
  EXPECT_NE(other.error().message.find("decision 'g1': log entry "), std::string::npos)
      << other.error().message;
  EXPECT_NE(other.error().message.find("holds another decision under this id"), std::string::npos);
  EXPECT_EQ(server_->ledger().size(), size);
  EXPECT_EQ(Incident("INC-D-1", admin_)["grade"], "discounted");

  // A decision made over HTTP takes no id of the client's, and is known by its log index
  // (every one was once stored as "new").
  EXPECT_EQ(
      Decide("INC-D-1",
             {{"id", "g1"}, {"action", "grade"}, {"grade", "confirmed"}, {"reason", "r"}}, monitor_)
          .status,
      400);
  EXPECT_EQ(server_->ledger().size(), size);
  const Reply made =
      Decide("INC-D-1", {{"action", "grade"}, {"grade", "confirmed"}, {"reason", "r"}}, monitor_);
  ASSERT_EQ(made.status, 201) << made.text;
  const std::string index = std::to_string(made.body["log_index"].get<uint64_t>());
  auto decision_ids = [&] {
    const json incident = Incident("INC-D-1", admin_);
    std::set<std::string> ids;
    for (const json& d : incident["decisions"]) ids.insert(d["id"].get<std::string>());
    return ids;
  };
  EXPECT_EQ(decision_ids(), (std::set<std::string>{"g1", "s1", index}));
  server_->Restart();
  EXPECT_EQ(decision_ids(), (std::set<std::string>{"g1", "s1", index}));
  // Digits alone could be that index: refused before anything is stored.
  auto digits = server_->application().ImportDecisions(
      op,
      read(
          R"({"id":")" + index +
          R"(","action":"grade","reports":["D-1"],"grade":"denied","reason":"r","by":"a","at":"2017-09-03"})"));
  ASSERT_FALSE(digits.ok());
  EXPECT_EQ(digits.error().code, ErrorCode::kInvalidInput);
  EXPECT_EQ(digits.error().message,
            "decision '" + index +
                "': an id of digits alone is reserved for the log index of a decision made "
                "without one");
  EXPECT_EQ(Incident("INC-D-1", admin_)["grade"], "confirmed");
}

TEST_F(CorroborationServerTest, SideBySideCountsEachPartysAllegations) {
  ASSERT_EQ(server_
                ->Post("/api/v1/reports",
                       json::array({Shelling("X-1", "2017-09-01", "SOHR"),
                                    Shelling("X-2", "2017-09-01", "SNHR"),
                                    Shelling("X-3", "2017-09-04", "SOHR")}),
                       admin_)
                .status,
            201);
  const std::string other = server_->Token(Role::kParty, "armed-opposition");
  ASSERT_EQ(server_
                ->Post("/api/v1/claims",
                       json::array({{{"stance", "assert"},
                                     {"incident", "X-1"},
                                     {"about", "syrian-government"},
                                     {"text", "Regime shelling."}},
                                    {{"stance", "assert"},
                                     {"incident", "X-3"},
                                     {"about", "syrian-government"},
                                     {"text", "Regime shelling again."}}}),
                       other)
                .status,
            201);
  const std::string path =
      "/api/v1/claims/side-by-side?zone=eastern-ghouta&from=2017-09-01&to=2017-09-08";
  Reply r = server_->Get(path, admin_);
  ASSERT_EQ(r.status, 200) << r.text;
  EXPECT_EQ(r.body["incidents"], 2);
  EXPECT_EQ(r.body["established"], 1);
  ASSERT_EQ(r.body["parties"].size(), 1u) << r.text;
  EXPECT_EQ(r.body["parties"][0]["party"], "armed-opposition");
  EXPECT_EQ(r.body["parties"][0]["alleged"], 2);
  EXPECT_EQ(r.body["parties"][0]["established"], 1);
  EXPECT_EQ(server_->Get(path, party_).status, 200);
  EXPECT_EQ(server_->Get(path, public_).status, 403);
  EXPECT_EQ(server_->Get("/api/v1/claims/side-by-side?zone=nowhere", admin_).status, 404);
  EXPECT_EQ(server_->Get("/api/v1/claims/side-by-side", admin_).status, 400);
}

// A claim with its own id is stored once: the same party's same words again change nothing
// (a claims file can be loaded twice); another party reusing the id is refused, naming it.
TEST_F(CorroborationServerTest, AClaimIdNamesOneClaim) {
  ASSERT_EQ(server_->Post("/api/v1/reports", Shelling("C-1", "2017-07-01", "SOHR"), admin_).status,
            201);
  const json claim = {{"id", "SG-2017-07-01"},
                      {"stance", "deny"},
                      {"incident", "C-1"},
                      {"text", "No shelling took place."}};
  Reply first = server_->Post("/api/v1/claims", claim, party_);
  ASSERT_EQ(first.status, 201) << first.text;
  const size_t size = server_->Get("/api/v1/log/head", admin_).body["tree_size"].get<size_t>();
  Reply again = server_->Post("/api/v1/claims", claim, party_);
  // Nothing new is stored, so there is no new receipt: the answer names the entry the claim
  // already is. (Encoding the missing receipt was undefined behaviour; the api fuzz target's
  // leak check, which runs an input twice, found it.)
  ASSERT_EQ(again.status, 200) << again.text;
  EXPECT_EQ(again.body["accepted"], 0);
  EXPECT_EQ(again.body["unchanged"], 1);
  ASSERT_EQ(again.body["results"].size(), 1u) << again.text;
  EXPECT_EQ(again.body["results"][0]["status"], "unchanged");
  EXPECT_EQ(again.body["results"][0]["id"], "SG-2017-07-01");
  EXPECT_EQ(again.body["results"][0]["log_index"], first.body["results"][0]["log_index"]);
  EXPECT_FALSE(again.body["results"][0].contains("receipt")) << again.text;
  EXPECT_EQ(server_->Get("/api/v1/log/head", admin_).body["tree_size"].get<size_t>(), size);
  // A batch of the stored claim and a new one stores the new one only.
  json fresh = claim;
  fresh["id"] = "SG-2017-07-02";
  Reply mixed = server_->Post("/api/v1/claims", json::array({claim, fresh}), party_);
  ASSERT_EQ(mixed.status, 201) << mixed.text;
  EXPECT_EQ(mixed.body["accepted"], 1);
  EXPECT_EQ(mixed.body["unchanged"], 1);
  ASSERT_EQ(mixed.body["results"].size(), 2u) << mixed.text;
  EXPECT_EQ(mixed.body["results"][0]["status"], "created");
  EXPECT_TRUE(mixed.body["results"][0].contains("receipt")) << mixed.text;
  EXPECT_EQ(mixed.body["results"][1]["status"], "unchanged");
  EXPECT_EQ(server_->Get("/api/v1/log/head", admin_).body["tree_size"].get<size_t>(), size + 1);
  const std::string other = server_->Token(Role::kParty, "armed-opposition");
  json shadow = claim;
  shadow["stance"] = "assert";
  shadow["text"] = "It did.";
  Reply refused = server_->Post("/api/v1/claims", shadow, other);
  EXPECT_EQ(refused.status, 400) << refused.text;
  EXPECT_NE(refused.text.find("/id"), std::string::npos) << refused.text;
  EXPECT_NE(refused.text.find("SG-2017-07-01"), std::string::npos) << refused.text;
  EXPECT_EQ(server_->Get("/api/v1/log/head", admin_).body["tree_size"].get<size_t>(), size + 1);
  // The same party, words and incident with another stance, or another party held responsible,
  // is another claim: refused, not answered "unchanged" and dropped (the check once compared
  // party, text and incident only).
  json turned = claim;
  turned["stance"] = "assert";
  json blamed = claim;
  blamed["about"] = "hts";
  for (const json& changed : {turned, blamed}) {
    SCOPED_TRACE(changed.dump());
    Reply r = server_->Post("/api/v1/claims", changed, party_);
    EXPECT_EQ(r.status, 400) << r.text;
    EXPECT_NE(r.text.find("is already claim entry"), std::string::npos) << r.text;
  }
  EXPECT_EQ(server_->Get("/api/v1/log/head", admin_).body["tree_size"].get<size_t>(), size + 1);
  // Text a party sends goes through the text policy: control characters are refused.
  json bad = {{"stance", "deny"}, {"incident", "C-1"}, {"text", std::string("No\x01 shelling")}};
  Reply control = server_->Post("/api/v1/claims", bad, party_);
  EXPECT_EQ(control.status, 400) << control.text;
  EXPECT_NE(control.text.find("text"), std::string::npos) << control.text;
}

// A claim id names one claim within a batch too, and when two parties send it at the same
// moment: the stored claims are read under the submission lock (they were read before it, so
// that both requests could append).
TEST_F(CorroborationServerTest, AClaimIdNamesOneClaimWithinABatchAndUnderRaces) {
  ASSERT_EQ(server_->Post("/api/v1/reports", Shelling("C-2", "2017-07-02", "SOHR"), admin_).status,
            201);
  auto tree_size = [&] {
    return server_->Get("/api/v1/log/head", admin_).body["tree_size"].get<size_t>();
  };
  const json a = {{"id", "B-1"}, {"stance", "deny"}, {"incident", "C-2"}, {"text", "No."}};
  json b = a;
  b["text"] = "Something else.";
  size_t size = tree_size();
  Reply both = server_->Post("/api/v1/claims", json::array({a, b}), party_);
  EXPECT_EQ(both.status, 400) << both.text;
  EXPECT_NE(both.text.find("/1/id"), std::string::npos) << both.text;
  EXPECT_NE(both.text.find("earlier in this batch"), std::string::npos) << both.text;
  EXPECT_EQ(tree_size(), size);
  Reply twice = server_->Post("/api/v1/claims", json::array({a, a}), party_);
  ASSERT_EQ(twice.status, 201) << twice.text;
  EXPECT_EQ(twice.body["accepted"], 1);
  EXPECT_EQ(tree_size(), size + 1);

  // Digits alone are the ids the log gives claims sent without one.
  json numeric = a;
  numeric["id"] = "4000";
  Reply reserved = server_->Post("/api/v1/claims", numeric, party_);
  EXPECT_EQ(reserved.status, 400) << reserved.text;
  EXPECT_NE(reserved.text.find("/id"), std::string::npos) << reserved.text;
  EXPECT_NE(reserved.text.find("reserved"), std::string::npos) << reserved.text;

  const std::string other = server_->Token(Role::kParty, "armed-opposition");
  for (int round = 0; round < 12; ++round) {
    size = tree_size();
    json mine = a, theirs = a;
    mine["id"] = theirs["id"] = fmt::format("RACE-{}", round);
    theirs["stance"] = "assert";
    theirs["text"] = "It happened.";
    Reply first, second;
    std::thread t1([&] { first = server_->Post("/api/v1/claims", mine, party_); });
    std::thread t2([&] { second = server_->Post("/api/v1/claims", theirs, other); });
    t1.join();
    t2.join();
    const std::multiset<int> statuses = {first.status, second.status};
    EXPECT_EQ(statuses, (std::multiset<int>{201, 400}))
        << "round " << round << ": " << first.text << " / " << second.text;
    EXPECT_EQ(tree_size(), size + 1) << "round " << round;
  }
}

TEST_F(CorroborationServerTest, AnUnpublishedIncidentIsNotFoundForThePublic) {
  ASSERT_EQ(server_->Post("/api/v1/reports", Shelling("U-1", "2017-10-01", "SOHR"), admin_).status,
            201);
  EXPECT_EQ(server_->Get("/api/v1/incidents/INC-U-1", public_).status, 404);
  EXPECT_EQ(server_->Get("/api/v1/incidents/INC-U-1", "").status, 404);
  EXPECT_EQ(server_->Get("/api/v1/incidents/INC-U-1", party_).status, 200);
}

}  // namespace
}  // namespace truce::testing
