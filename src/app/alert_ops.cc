// Producing alerts from the log as each entry is applied (alerts.h), and reading them: the list
// and the subscriptions the event stream and the webhooks take them from.
#include <set>

#include <fmt/format.h>

#include "app/app.h"
#include "app/intake.h"
#include "app/submission.h"
#include "formats/alerts.h"
#include "formats/records.h"
#include "formats/text_file.h"
#include "truce/deconfliction.h"
#include "truce/verdict.h"

namespace truce::app {
namespace {

using nlohmann::json;

// Humanitarian deconfliction in the stream (docs/deconfliction.md "Alerts in the stream"):
// the latest revision of every notified site and movement and the monitor over them (built
// again after a notification changed), the latest revision of each event that describes
// hostilities, and what has been alerted.
struct DeconflictionState {
  std::vector<ProtectedSite> sites;
  std::vector<Movement> movements;
  std::map<std::string, size_t> site_at, movement_at;  // id -> index
  std::unique_ptr<DeconflictionMonitor> monitor;       // null: to be built again
  // By event id; shared with the views' entry, not copied (docs/performance.md "Entries
  // written from the report").
  std::map<std::string, std::shared_ptr<const Report>> hostilities;

  // A (target, report) pair alerted, with the verdict it was alerted with.
  std::map<std::string, Verdict> reported;  // by the core alert id
  // The passes of an aircraft over a target alerted: a pass's closest approach (and so its
  // core id) moves as fixes arrive, so a pass is known by the span of its fixes.
  struct Pass {
    UtcTime begin{}, end{};
    Verdict verdict = Verdict::kPossible;
  };
  std::map<std::string, std::vector<Pass>> passes;  // by "KIND/TARGET/ICAO24"

  bool empty() const { return sites.empty() && movements.empty(); }
  const DeconflictionMonitor& Monitor() {
    if (!monitor) monitor = std::make_unique<DeconflictionMonitor>(sites, movements);
    return *monitor;
  }
  template <typename T>
  const T& Upsert(T item, std::vector<T>& all, std::map<std::string, size_t>& at) {
    monitor.reset();
    const auto [it, fresh] = at.emplace(item.id(), all.size());
    if (fresh) {
      all.push_back(std::move(item));
    } else {
      all[it->second] = std::move(item);
    }
    return all[it->second];
  }

  // Whether `a` is news: a pair or pass not alerted before, or one alerted possible that is
  // now inside. Records it.
  bool Novel(const truce::Alert& a) {
    if (a.cause == AlertCause::kReport) {
      const auto [it, fresh] = reported.emplace(a.id, a.verdict);
      if (fresh) return true;
      if (it->second == Verdict::kInside || a.verdict != Verdict::kInside) return false;
      it->second = Verdict::kInside;
      return true;
    }
    std::vector<Pass>& seen =
        passes[fmt::format("{}/{}/{}", NotificationKindName(a.kind), a.target, a.icao24)];
    for (Pass& p : seen) {
      if (a.pass_end < p.begin || p.end < a.pass_begin) continue;  // another pass
      p.begin = std::min(p.begin, a.pass_begin);
      p.end = std::max(p.end, a.pass_end);
      if (p.verdict == Verdict::kInside || a.verdict != Verdict::kInside) return false;
      p.verdict = Verdict::kInside;
      return true;
    }
    seen.push_back(Pass{a.pass_begin, a.pass_end, a.verdict});
    return true;
  }
};

AlertKind DeconflictionKind(const truce::Alert& a) {
  const bool site = a.kind == NotificationKind::kSite;
  if (a.cause == AlertCause::kReport) {
    return site ? AlertKind::kSiteReport : AlertKind::kMovementReport;
  }
  return site ? AlertKind::kSiteOverflight : AlertKind::kMovementOverflight;
}

// The news among `found` as stream alerts of `entry`, each with the parties told of its
// target under `audience` (null: no scenario, nobody told).
void PublishDeconfliction(DeconflictionState& d, std::vector<truce::Alert> found,
                          const store::LogEntry& entry, const NotificationAudience* audience,
                          std::vector<Alert>& out) {
  SortAlerts(found);
  for (const truce::Alert& a : found) {
    if (!d.Novel(a)) continue;
    Alert alert;
    alert.kind = DeconflictionKind(a);
    alert.time = entry.received_at;
    alert.log_index = entry.index;
    alert.record_kind = RecordKind::kAlert;
    alert.record = json(formats::AlertToJson(a));
    if (audience != nullptr) {
      if (a.kind == NotificationKind::kSite) {
        const auto it = d.site_at.find(a.target);
        if (it != d.site_at.end()) alert.told = audience->Audience(d.sites[it->second]);
      } else {
        const auto it = d.movement_at.find(a.target);
        if (it != d.movement_at.end()) alert.told = audience->Audience(d.movements[it->second]);
      }
    }
    out.push_back(std::move(alert));
  }
}

template <typename T>
std::vector<truce::Alert> Concat(std::vector<truce::Alert> a, std::vector<T> b) {
  std::move(b.begin(), b.end(), std::back_inserter(a));
  return a;
}

}  // namespace

struct App::AlertState {
  // Report violations: one evaluator for the scenario version in force, and the (zone,
  // version, rule) an event's latest revision already violated, so that a revision alerts
  // only for what is new.
  std::shared_ptr<const StoredScenario> scenario;
  std::unique_ptr<ReportEvaluator> evaluator;
  std::map<std::string, std::set<std::string>> violated;
  DeconflictionState deconfliction;
};

std::shared_ptr<App::AlertState> App::MakeAlertState() { return std::make_shared<AlertState>(); }

void App::ProduceAlerts(const store::LogEntry& entry, bool live, const ParsedEntry* parsed) {
  const KindSpec* kind = FindKind(entry.kind);
  if (!kind) return;
  std::vector<Alert> out;
  const auto scenario = views_.ScenarioAt(entry.index + 1);
  DeconflictionState& d = alert_state_->deconfliction;
  std::vector<truce::Alert> deconfliction;
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
      // Aircraft low over notified sites and routes: the aircraft this batch named, judged
      // whole (as `truce deconflict --positions` judges a file).
      if (kind->kind == SubmissionKind::kPositions && !d.empty()) {
        for (auto& [icao, fixes] : flights_.LatestBatchAircraft()) {
          deconfliction = Concat(std::move(deconfliction), d.Monitor().ForPositions(fixes));
        }
      }
      break;
    }
    case SubmissionKind::kReport: {
      ParsedEntry read;
      if (!parsed) {
        auto data = formats::ParseJson(entry.data, "log entry");
        if (!data.ok()) break;
        read = ParsedEntryOf(entry.kind, std::move(data).value());
        parsed = &read;
      }
      if (!parsed->report) break;
      const Report* report = parsed->report.get();
      // Hostilities near notified sites and routes.
      if (IsHostility(*report)) {
        d.hostilities.insert_or_assign(report->event_id(), parsed->report);
        if (!d.empty()) deconfliction = d.Monitor().ForReport(*report);
      } else {
        d.hostilities.erase(report->event_id());
      }
      if (!scenario) break;
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
        a.record = formats::ViolationToJson(v, detail::IntField(parsed->data, "revision"));
        out.push_back(std::move(a));
      }
      seen = std::move(now);
      break;
    }
    // A site or movement notified (or revised) after the evidence: the hostilities already
    // reported and the aircraft already seen near it alert now, so that the stream carries
    // every alert /api/v1/deconfliction-alerts lists.
    case SubmissionKind::kSite:
    case SubmissionKind::kMovement: {
      std::unique_ptr<DeconflictionMonitor> one;
      if (kind->kind == SubmissionKind::kSite) {
        auto site = views_.notifications().SiteOf(entry.index);
        if (!site) break;
        const ProtectedSite& s = d.Upsert(std::move(*site), d.sites, d.site_at);
        one = std::make_unique<DeconflictionMonitor>(std::span<const ProtectedSite>(&s, 1),
                                                     std::span<const Movement>());
      } else {
        auto movement = views_.notifications().MovementOf(entry.index);
        if (!movement) break;
        const Movement& m = d.Upsert(std::move(*movement), d.movements, d.movement_at);
        one = std::make_unique<DeconflictionMonitor>(std::span<const ProtectedSite>(),
                                                     std::span<const Movement>(&m, 1));
      }
      for (const auto& [id, report] : d.hostilities) {
        deconfliction = Concat(std::move(deconfliction), one->ForReport(*report));
      }
      deconfliction = Concat(std::move(deconfliction),
                             one->ForPositions(flights_.Positions(0, entry.index + 1)));
      break;
    }
    case SubmissionKind::kClaim:
    case SubmissionKind::kPublication:
    case SubmissionKind::kDecision:
    case SubmissionKind::kAcknowledgement:
    case SubmissionKind::kDeliveryOutcome:
    case SubmissionKind::kDisclosure:
    case SubmissionKind::kTokenRevocation:
      break;
  }
  if (!deconfliction.empty()) {
    const auto audience =
        scenario ? views_.notifications().AudienceFor(scenario->entry, *scenario->scenario)
                 : nullptr;
    PublishDeconfliction(d, std::move(deconfliction), entry, audience.get(), out);
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
