// Producing alerts from the log as each entry is applied (alerts.h), and reading them: the list
// and the subscriptions the event stream and the webhooks take them from.
#include <set>

#include <fmt/format.h>

#include "app/app.h"
#include "app/intake.h"
#include "app/submission.h"
#include "formats/records.h"
#include "formats/text_file.h"
#include "truce/verdict.h"

namespace truce::app {
namespace {

using nlohmann::json;

}  // namespace

struct App::AlertState {
  // Report violations: one evaluator for the scenario version in force, and the (zone,
  // version, rule) an event's latest revision already violated, so that a revision alerts
  // only for what is new.
  std::shared_ptr<const StoredScenario> scenario;
  std::unique_ptr<ReportEvaluator> evaluator;
  std::map<std::string, std::set<std::string>> violated;
};

std::shared_ptr<App::AlertState> App::MakeAlertState() { return std::make_shared<AlertState>(); }

void App::ProduceAlerts(const store::LogEntry& entry, bool live) {
  const KindSpec* kind = FindKind(entry.kind);
  if (!kind) return;
  std::vector<Alert> out;
  const auto scenario = views_.ScenarioAt(entry.index + 1);
  switch (kind->kind) {
    case SubmissionKind::kPositions:
    case SubmissionKind::kExemption:
    case SubmissionKind::kScenario: {
      // The flight ban: entries and exits this entry made (new positions, a new exemption, a
      // new scenario version re-judging every aircraft).
      for (const FlightChange& c : flights_.Advance(entry.index, scenario)) {
        Alert a;
        a.kind =
            c.kind == FlightChange::Kind::kEntry ? AlertKind::kFlightEntry : AlertKind::kFlightExit;
        a.time = entry.received_at;
        a.log_index = entry.index;
        a.record_kind = RecordKind::kFlightViolation;
        a.record = FlightViolationRecord(c.violation, c.open);
        out.push_back(std::move(a));
      }
      break;
    }
    case SubmissionKind::kReport: {
      if (!scenario) break;
      auto parsed = formats::ParseJson(entry.data, "log entry");
      if (!parsed.ok()) break;
      std::vector<Problem> problems;
      auto report = ReportFromBody(parsed->value("body", json()), "", problems);
      if (!report) break;
      AlertState& s = *alert_state_;
      if (s.scenario != scenario) {
        s.scenario = scenario;
        s.evaluator = std::make_unique<ReportEvaluator>(*scenario->scenario);
      }
      std::set<std::string>& seen = s.violated[report->event_id()];
      std::set<std::string> now;
      for (const Violation& v : s.evaluator->Evaluate(*report)) {
        if (v.verdict != Verdict::kInside) continue;
        const std::string key =
            fmt::format("{}.v{}.{}", v.version->zone(), v.version->version(), RuleKindName(v.rule));
        now.insert(key);
        if (seen.contains(key)) continue;
        Alert a;
        a.kind = AlertKind::kReportViolation;
        a.time = entry.received_at;
        a.log_index = entry.index;
        a.record_kind = RecordKind::kViolation;
        a.provenance = Provenance{entry.party, false};
        a.record = formats::ViolationToJson(v, detail::IntField(*parsed, "revision"));
        out.push_back(std::move(a));
      }
      seen = std::move(now);
      break;
    }
    case SubmissionKind::kClaim:
    case SubmissionKind::kPublication:
    case SubmissionKind::kDecision:
    // Humanitarian deconfliction: its alerts are computed on request
    // (/api/v1/deconfliction-alerts) and not yet produced here.
    case SubmissionKind::kSite:
    case SubmissionKind::kMovement:
    case SubmissionKind::kAcknowledgement:
    case SubmissionKind::kDeliveryOutcome:
    case SubmissionKind::kDisclosure:
    case SubmissionKind::kTokenRevocation:
      break;
  }
  if (!out.empty()) {
    for (const Alert& a : out) {
      if (live) metrics_.Add(fmt::format("truce_alerts_{}_total", AlertKindName(a.kind)));
    }
    alerts_.Publish(std::move(out));
  }
}

Result<JsonPage> App::ListAlerts(const Principal& who, std::optional<AlertKind> kind,
                                 const PageRequest& page) {
  if (Status st = Check(who, Action::kReadAlerts); !st.ok()) return st.error();
  uint64_t after = 0;
  if (page.cursor) {
    auto id = ParseEntryCursor(*page.cursor);
    if (!id.ok()) return id.error();
    after = *id;
  }
  JsonPage out;
  uint64_t last = after;
  for (;;) {
    const std::vector<Alert> batch = alerts_.After(last, 1000, kind);
    if (batch.empty()) break;
    for (const Alert& a : batch) {
      last = a.id;
      if (auto j = AlertForReader(who, a)) out.items.push_back(std::move(*j));
      if (out.items.size() == page.limit) break;
    }
    if (out.items.size() == page.limit) break;
  }
  if (out.items.size() == page.limit && !alerts_.After(last, 1, kind).empty()) {
    out.next = std::to_string(last);
  }
  return out;
}

Result<std::shared_ptr<AlertSubscription>> App::SubscribeAlerts(const Principal& who,
                                                                std::optional<uint64_t> after,
                                                                std::optional<AlertKind> kind) {
  if (Status st = Check(who, Action::kReadAlerts); !st.ok()) return st.error();
  const uint64_t last = alerts_.last_id();
  if (after && *after > last) {
    Error e =
        MakeError(ErrorCode::kInvalidArgument,
                  fmt::format("Last-Event-ID {} is beyond the last alert ({})", *after, last));
    e.problems.push_back({"Last-Event-ID", "an id this server sent"});
    return e;
  }
  return std::make_shared<AlertSubscription>(alerts_, who, after.value_or(last), kind);
}

}  // namespace truce::app
