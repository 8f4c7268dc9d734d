// Operations on what reports add up to: violations, incidents, publication, summaries. All are
// derived from the snapshot (views.h), never stored, so a corrected scenario re-evaluates them.
#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "app/app.h"
#include "formats/records.h"

namespace truce::app {
namespace {

using nlohmann::json;

bool Keeps(const EventFilter& f, const Report& r) {
  if (f.from && r.when().end() <= *f.from) return false;
  if (f.to && r.when().begin() >= *f.to) return false;
  if (f.bbox && !f.bbox->Contains(r.location())) return false;
  if (!f.type.empty() && r.spec().event_type != f.type) return false;
  return true;
}

}  // namespace

Result<std::shared_ptr<const Snapshot>> App::SnapshotAsOf(std::optional<UtcTime> as_of) {
  return views_.SnapshotAt(views_.SizeAsOf(as_of));
}

Result<std::vector<json>> App::Violations(const Principal& who, const ViolationFilter& f) {
  if (Status st = Check(who, Action::kReadViolations); !st.ok()) return st.error();
  auto snap = SnapshotAsOf(f.as_of);
  if (!snap.ok()) return snap.error();
  const Snapshot& s = **snap;
  std::vector<json> out;
  for (const Violation& v : s.violations) {
    if (!Keeps(f, *v.report)) continue;
    if (!f.zone.empty() && v.version->zone() != f.zone) continue;
    if (!f.party.empty() && v.party != f.party) continue;
    if (f.verdict && v.verdict != *f.verdict) continue;
    if (!f.rule.empty() && RuleKindName(v.rule) != f.rule) continue;
    const StoredReport& stored = s.RevisionOf(v);
    const Provenance provenance{stored.party, s.published.contains(stored.report.event_id())};
    if (!Sees(who, RecordKind::kViolation, provenance)) continue;
    json item = formats::ViolationToJson(v, stored.revision);
    Redact(who, RecordKind::kViolation, provenance, item);
    out.push_back(std::move(item));
  }
  return out;
}

// One incident per reported event (the latest revision of each event_id) until the
// corroboration engine groups reports from several sources. Graded "single-source", or
// "contested" when a party has denied it in a claim.
Result<std::vector<json>> App::Incidents(const Principal& who, const IncidentFilter& f) {
  if (Status st = Check(who, Action::kReadIncidents); !st.ok()) return st.error();
  auto snap = SnapshotAsOf(f.as_of);
  if (!snap.ok()) return snap.error();
  const Snapshot& s = **snap;
  std::map<const Report*, std::vector<const Violation*>> by_report;
  for (const Violation& v : s.violations) by_report[v.report].push_back(&v);
  std::vector<json> out;
  for (const StoredReport* stored : s.reports) {
    const Report& r = stored->report;
    const ReportSpec& spec = r.spec();
    const bool published = s.published.contains(r.event_id());
    const Provenance provenance{stored->party, published};
    if (!Sees(who, RecordKind::kIncident, provenance)) continue;
    if (f.published_only && !published) continue;
    if (!Keeps(f, r)) continue;
    const auto& violations = by_report[&r];
    if (!f.zone.empty() &&
        std::none_of(violations.begin(), violations.end(),
                     [&](const Violation* v) { return v->version->zone() == f.zone; })) {
      continue;
    }
    const auto claims = s.claims.find(r.event_id());
    const int denials = claims == s.claims.end() ? 0 : claims->second.second;
    const std::string grade = denials > 0 ? "contested" : "single-source";
    if (!f.grade.empty() && f.grade != grade) continue;
    json zones = json::array();
    std::set<std::string> parties;
    for (const Violation* v : violations) {
      zones.push_back({{"zone", v->version->zone()},
                       {"version", v->version->version()},
                       {"rule", RuleKindName(v->rule)},
                       {"verdict", VerdictName(v->verdict)},
                       {"fraction", formats::RoundTo4(v->fraction)}});
      if (!v->party.empty()) parties.insert(v->party);
    }
    if (!f.party.empty() && !parties.contains(f.party)) continue;
    json item = {
        {"id", r.event_id()},
        {"event_date", FormatUtcDate(spec.event_date)},
        {"event_type", spec.event_type},
        {"sub_event_type", spec.sub_event_type},
        {"time_begin", FormatTimestamp(r.when().begin())},
        {"time_end", FormatTimestamp(r.when().end())},
        {"latitude", r.location().lat()},
        {"longitude", r.location().lng()},
        {"radius_m", r.radius().value},
        {"fatalities", spec.fatalities ? json(*spec.fatalities) : json()},
        {"alleged_parties", parties},
        {"zones", std::move(zones)},
        {"grade", grade},
        {"published", published},
        {"revision", stored->revision},
        {"actors", {spec.actor1, spec.actor2}},
        {"source", spec.source},
        {"source_group", spec.source_group},
        {"notes", spec.notes},
        {"submitted_by_party", stored->party},
        {"claims",
         {{"assert", claims == s.claims.end() ? 0 : claims->second.first}, {"deny", denials}}}};
    Redact(who, RecordKind::kIncident, provenance, item);
    out.push_back(std::move(item));
  }
  return out;
}

Result<SubmitOutcome> App::PublishIncident(const Principal& who, const std::string& incident) {
  if (Status st = Check(who, Action::kPublishIncident); !st.ok()) return st.error();
  if (incident.empty()) {
    Error e = MakeError(ErrorCode::kInvalidInput, "expected {\"incident\": \"EVENT_ID\"}");
    e.problems.push_back({"/incident", "required string"});
    return e;
  }
  std::lock_guard lock(submit_mu_);
  if (!views_.LatestRevision(incident)) {
    return MakeError(ErrorCode::kNotFound, fmt::format("no incident '{}'", incident));
  }
  SubmitOutcome out;
  uint64_t entry = 0;
  if (views_.IsPublished(incident, &entry)) {
    out.items.push_back(ItemOutcome{incident, 0, false, entry, std::nullopt});
    out.unchanged = 1;
    out.head = ledger_.Head();
    return out;
  }
  auto entries = AppendLocked({Submission{SubmissionKind::kPublication, who.token_id, "",
                                          json{{"incident", incident}}, 0}});
  if (!entries.ok()) return entries.error();
  const store::LogEntry& e = entries->front();
  out.items.push_back(ItemOutcome{incident, 0, true, e.index, ReceiptOf(e)});
  out.accepted = 1;
  out.head = ledger_.Head();
  return out;
}

Result<PeriodSummary> App::Summary(const Principal& who, const SummaryQuery& q) {
  if (Status st = Check(who, Action::kReadSummary); !st.ok()) return st.error();
  auto snap = SnapshotAsOf(q.as_of);
  if (!snap.ok()) return snap.error();
  if (!(*snap)->scenario) return MakeError(ErrorCode::kNotFound, "no scenario has been loaded");
  std::vector<std::string> zones;
  for (const ZoneVersion& v : (*snap)->scenario->scenario->zone_versions()) {
    if ((q.zone.empty() || v.zone() == q.zone) &&
        std::find(zones.begin(), zones.end(), v.zone()) == zones.end()) {
      zones.push_back(v.zone());
    }
  }
  if (!q.zone.empty() && zones.empty()) {
    return MakeError(ErrorCode::kNotFound, fmt::format("no zone '{}'", q.zone));
  }
  // Aggregates only: counts carry no source, so every role reads the same summary.
  return SummarizeViolations((*snap)->violations, zones, q.period);
}

}  // namespace truce::app
