// Operations on what reports add up to: violations, incidents, publication, summaries. All are
// derived from the snapshot (views.h), never stored, so a corrected scenario re-evaluates them.
#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "app/app.h"
#include "app/intake.h"
#include "formats/decisions.h"
#include "formats/incident_json.h"
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
  // The views may hold entries still being committed (App::AppendLocked): cut at the durable.
  return views_.SnapshotAt(std::min(views_.SizeAsOf(as_of), ledger_.size()));
}

Result<std::vector<json>> App::Violations(const Principal& who, const ViolationFilter& f) {
  auto all = Violations(who, f, Slice{});
  if (!all.ok()) return all.error();
  return std::move(all->items);
}

Result<CountedItems> App::Violations(const Principal& who, const ViolationFilter& f,
                                     const Slice& slice) {
  if (Status st = Check(who, Action::kReadViolations); !st.ok()) return st.error();
  auto snap = SnapshotAsOf(f.as_of);
  if (!snap.ok()) return snap.error();
  const Snapshot& s = **snap;
  CountedItems out;
  for (const Violation& v : s.violations) {
    if (!Keeps(f, *v.report)) continue;
    if (!f.zone.empty() && v.version->zone() != f.zone) continue;
    if (!f.party.empty() && v.party != f.party) continue;
    if (f.verdict && v.verdict != *f.verdict) continue;
    if (!f.rule.empty() && RuleKindName(v.rule) != f.rule) continue;
    const StoredReport& stored = s.RevisionOf(v);
    const Provenance provenance{stored.party, s.published.contains(stored.report->event_id())};
    if (!Sees(who, RecordKind::kViolation, provenance)) continue;
    if (!slice.Holds(out.matched++)) continue;
    json item = formats::ViolationToJson(v, stored.revision);
    Redact(who, RecordKind::kViolation, provenance, item);
    out.items.push_back(std::move(item));
  }
  return out;
}

namespace {

// The party that submitted every report of the incident, "" when none did or several did:
// only that party reads the incident's raw material (policy.h).
std::string OwnerOf(const Snapshot& s, const Incident& i) {
  std::string owner;
  for (size_t k = 0; k < i.reports.size(); ++k) {
    const std::string& party = s.RevisionOf(i.reports[k]).party;
    if (party.empty() || (k > 0 && party != owner)) return "";
    owner = party;
  }
  return owner;
}

// The incident as the API serves it: the corroboration record (formats/incident_json.h), in
// the form the caller may read, plus the single-report keys the API served before incidents
// grouped reports (id, event_date, ..., zones), described by the anchor report.
json IncidentRecord(const Principal& who, const Snapshot& s, const Incident& i,
                    const Provenance& provenance) {
  const bool raw = SeesRaw(who, provenance);
  json item =
      formats::Unordered(raw ? formats::IncidentToJson(i) : formats::IncidentToPublicJson(i));
  if (!raw) {
    // The track evidence names no source: the policy decides what of it the caller reads.
    const json full = formats::Unordered(formats::IncidentToJson(i));
    item["tracks"] = full["tracks"];
    item["coverage"] = full["coverage"];
  }
  const StoredReport& anchor = s.RevisionOf(i.reports.front());
  const ReportSpec& spec = anchor.report->spec();
  std::set<std::string> parties;
  json zones = json::array();
  for (const IncidentViolation& v : i.violations) {
    for (const std::string& p : v.parties) parties.insert(p);
    zones.push_back({{"zone", v.zone},
                     {"version", v.version},
                     {"rule", RuleKindName(v.rule)},
                     {"verdict", VerdictName(v.verdict)}});
  }
  std::optional<int> fatalities;
  for (const Report* r : i.reports) {
    if (r->spec().fatalities) fatalities = std::max(fatalities.value_or(0), *r->spec().fatalities);
  }
  item["id"] = i.id;
  item["event_date"] = FormatUtcDate(spec.event_date);
  item["event_type"] = spec.event_type;
  item["sub_event_type"] = spec.sub_event_type;
  item["fatalities"] = fatalities ? json(*fatalities) : json();
  item["alleged_parties"] = parties;
  item["zones"] = std::move(zones);
  item["published"] = provenance.published;
  // The transparency-log entry that published it: with /api/v1/log/inclusion and the signed
  // head, anyone can check the publication is in the log (the dashboard does, in the browser).
  const std::optional<uint64_t> published_at = s.PublicationEntry(i);
  item["log_entry"] = published_at ? json(*published_at) : json();
  if (raw) {
    // The entries of the report revisions it stands on, for checking each of them as well.
    json entries = json::array();
    for (const Report* r : i.reports) {
      const StoredReport& stored = s.RevisionOf(r);
      entries.push_back(
          {{"report", r->event_id()}, {"revision", stored.revision}, {"entry", stored.entry}});
    }
    item["report_entries"] = std::move(entries);
    item["revision"] = anchor.revision;
    item["actors"] = {spec.actor1, spec.actor2};
    item["source"] = spec.source;
    item["source_group"] = spec.source_group;
    item["notes"] = spec.notes;
    item["submitted_by_party"] = anchor.party;
  }
  Redact(who, RecordKind::kIncident, provenance, item);
  return item;
}

// Whether `imported` is the decision stored as `stored`, as the log holds it (DecisionToJson:
// its time to the second, as the entry was written). A split stored with the rest its
// incident left (completed) is the same as one imported without it.
bool SameDecision(const Decision& stored, Decision imported) {
  if (imported.kind == DecisionKind::kSplit && imported.rest.empty()) imported.rest = stored.rest;
  return formats::DecisionToJson(stored) == formats::DecisionToJson(imported);
}

bool KeepsIncident(const IncidentFilter& f, const Incident& i, bool published) {
  if (f.published_only && !published) return false;
  if (f.from && i.when.end() <= *f.from) return false;
  if (f.to && i.when.begin() >= *f.to) return false;
  if (f.bbox && !f.bbox->Contains(i.where)) return false;
  if (!f.type.empty() &&
      std::find(i.event_types.begin(), i.event_types.end(), f.type) == i.event_types.end()) {
    return false;
  }
  if (!f.grade.empty() && GradeName(i.grade) != f.grade) return false;
  if (!f.zone.empty() &&
      std::none_of(i.violations.begin(), i.violations.end(),
                   [&](const IncidentViolation& v) { return v.zone == f.zone; })) {
    return false;
  }
  if (!f.party.empty()) {
    const bool named = std::any_of(i.violations.begin(), i.violations.end(),
                                   [&](const IncidentViolation& v) {
                                     return std::find(v.parties.begin(), v.parties.end(),
                                                      f.party) != v.parties.end();
                                   }) ||
                       std::find(i.accused.begin(), i.accused.end(), f.party) != i.accused.end();
    if (!named) return false;
  }
  return true;
}

}  // namespace

Result<std::vector<json>> App::Incidents(const Principal& who, const IncidentFilter& f) {
  auto all = Incidents(who, f, Slice{});
  if (!all.ok()) return all.error();
  return std::move(all->items);
}

Result<CountedItems> App::Incidents(const Principal& who, const IncidentFilter& f,
                                    const Slice& slice) {
  if (Status st = Check(who, Action::kReadIncidents); !st.ok()) return st.error();
  auto snap = SnapshotAsOf(f.as_of);
  if (!snap.ok()) return snap.error();
  auto set = views_.IncidentsAt(**snap);
  if (!set.ok()) return set.error();
  CountedItems out;
  for (const Incident& i : (*set)->incidents) {
    const Provenance provenance{OwnerOf(**snap, i), (*snap)->IsPublished(i)};
    if (!Sees(who, RecordKind::kIncident, provenance)) continue;
    if (!KeepsIncident(f, i, provenance.published)) continue;
    if (!slice.Holds(out.matched++)) continue;
    out.items.push_back(IncidentRecord(who, **snap, i, provenance));
  }
  return out;
}

Result<json> App::GetIncident(const Principal& who, const std::string& id,
                              std::optional<UtcTime> as_of) {
  if (Status st = Check(who, Action::kReadIncidents); !st.ok()) return st.error();
  auto snap = SnapshotAsOf(as_of);
  if (!snap.ok()) return snap.error();
  auto set = views_.IncidentsAt(**snap);
  if (!set.ok()) return set.error();
  const auto it = (*set)->by_id.find(id);
  // An incident the caller may not see is "not found", not "forbidden": its existence is
  // itself unpublished.
  const Error missing = MakeError(ErrorCode::kNotFound, fmt::format("no incident '{}'", id));
  if (it == (*set)->by_id.end()) return missing;
  const Incident& i = (*set)->incidents[it->second];
  const Provenance provenance{OwnerOf(**snap, i), (*snap)->IsPublished(i)};
  if (!Sees(who, RecordKind::kIncident, provenance)) return missing;
  return IncidentRecord(who, **snap, i, provenance);
}

Result<SubmitOutcome> App::DecideIncident(const Principal& who, const std::string& id,
                                          const json& body) {
  if (Status st = Check(who, Action::kDecideIncidents); !st.ok()) return st.error();
  auto snap = SnapshotAsOf(std::nullopt);
  if (!snap.ok()) return snap.error();
  auto set = views_.IncidentsAt(**snap);
  if (!set.ok()) return set.error();
  const auto it = (*set)->by_id.find(id);
  if (it == (*set)->by_id.end()) {
    return MakeError(ErrorCode::kNotFound, fmt::format("no incident '{}'", id));
  }
  const Incident& incident = (*set)->incidents[it->second];
  // The decision as the engine takes it, on report event ids: a merge names the incidents to
  // join this one ("with"), a split the reports to take out, a grade this incident.
  if (!body.is_object()) {
    Error e = MakeError(ErrorCode::kInvalidInput, "expected a decision object");
    e.problems.push_back({"", "expected {\"action\": \"merge\"|\"split\"|\"grade\", ...}"});
    return e;
  }
  // A decision made here is known by its log index (the entry is stored without an id): an
  // id of the client's could be any other decision's. Decisions with ids of their own are
  // imported (serve --seed), where an id names one decision.
  if (body.contains("id")) {
    Error e = MakeError(ErrorCode::kInvalidInput,
                        "a decision made here is known by its log index; it takes no \"id\"");
    e.problems.push_back({"/id", "not taken: the decision is known by its log index"});
    return e;
  }
  json decision = body;
  const std::string action =
      body.value("action", json()).is_string() ? body["action"].get<std::string>() : "";
  std::vector<Problem> problems;
  if (action == "merge") {
    json reports = json::array({incident.reports.front()->event_id()});
    const json with = body.value("with", json());
    if (!with.is_array() || with.empty()) {
      problems.push_back({"/with", "expected the ids of the incidents to merge with this one"});
    } else {
      for (size_t k = 0; k < with.size(); ++k) {
        const auto other = with[k].is_string() ? (*set)->by_id.find(with[k].get<std::string>())
                                               : (*set)->by_id.end();
        if (other == (*set)->by_id.end()) {
          problems.push_back({fmt::format("/with/{}", k), "not an incident"});
        } else {
          reports.push_back((*set)->incidents[other->second].reports.front()->event_id());
        }
      }
    }
    decision["reports"] = std::move(reports);
    decision.erase("with");
  } else if (action == "grade") {
    decision["reports"] = json::array({incident.reports.front()->event_id()});
  } else if (action != "split") {
    problems.push_back({"/action", "expected \"merge\", \"split\" or \"grade\""});
  }
  if (!problems.empty()) return RejectedSubmission("decision", std::move(problems));
  decision["by"] = who.token_id;
  decision["at"] = FormatUtcTime(clock_());
  auto parsed = formats::DecisionFromJson(decision, "body", "new");
  if (!parsed.ok()) {
    Error e = std::move(parsed).error();
    e.code = ErrorCode::kInvalidInput;
    return e;
  }
  if (parsed->kind == DecisionKind::kSplit) {
    // The reports split off must be this incident's.
    for (size_t k = 0; k < parsed->reports.size(); ++k) {
      const bool mine =
          std::any_of(incident.reports.begin(), incident.reports.end(),
                      [&](const Report* r) { return r->event_id() == parsed->reports[k]; });
      if (!mine)
        problems.push_back(
            {fmt::format("/reports/{}", k), fmt::format("not a report of {}", incident.id)});
    }
    if (!problems.empty()) return RejectedSubmission("decision", std::move(problems));
  }
  std::lock_guard lock(submit_mu_);
  auto completed = views_.CompleteDecision(std::move(parsed).value());
  if (!completed.ok()) return completed.error();
  // Without an id the log's reader names the decision by its entry's index (Views::Apply).
  // (Until 2026-11-29 every decision made here was stored as "new".)
  json entry = formats::Unordered(formats::DecisionToJson(*completed));
  entry.erase("id");
  auto entries = AppendLocked({SubmissionBy(who, SubmissionKind::kDecision, std::move(entry))});
  if (!entries.ok()) return entries.error();
  metrics_.Add("truce_decisions_total");
  const store::LogEntry& e = entries->front();
  SubmitOutcome out;
  out.items.push_back(ItemOutcome{incident.id, 0, true, e.index, ReceiptOf(e)});
  out.accepted = 1;
  out.head = ledger_.Head();
  return out;
}

Result<SubmitOutcome> App::ImportDecisions(const Principal& who, std::vector<Decision> decisions) {
  if (Status st = Check(who, Action::kDecideIncidents); !st.ok()) return st.error();
  SubmitOutcome out;
  std::lock_guard lock(submit_mu_);
  // Every id first, so that a refused file stores none of its decisions. A decision made over
  // HTTP is known by its log index: an id of digits alone could be one logged before or after
  // this one. Importing the same file again is a no-op; other content under a stored id is
  // refused, not dropped as if it were the stored decision.
  for (const Decision& d : decisions) {
    if (!d.id.empty() && d.id.find_first_not_of("0123456789") == std::string::npos) {
      return MakeError(ErrorCode::kInvalidInput,
                       fmt::format("decision '{}': an id of digits alone is reserved for the log "
                                   "index of a decision made without one",
                                   d.id));
    }
    if (const auto stored = views_.DecisionWithId(d.id);
        stored && !SameDecision(stored->decision, d)) {
      return MakeError(ErrorCode::kConflict,
                       fmt::format("decision '{}': log entry {} holds another decision under "
                                   "this id; an id names one decision",
                                   d.id, stored->entry));
    }
  }
  for (Decision& d : decisions) {
    const std::string id = d.id;
    if (const auto stored = views_.DecisionWithId(id)) {
      out.items.push_back(ItemOutcome{id, 0, false, stored->entry, std::nullopt});
      ++out.unchanged;
      continue;
    }
    auto completed = views_.CompleteDecision(std::move(d));
    if (!completed.ok()) {
      Error e = std::move(completed).error();
      e.message = fmt::format("decision '{}': {}", id, e.message);
      return e;
    }
    auto entries = AppendLocked({SubmissionBy(
        who, SubmissionKind::kDecision, formats::Unordered(formats::DecisionToJson(*completed)))});
    if (!entries.ok()) return entries.error();
    const store::LogEntry& e = entries->front();
    out.items.push_back(ItemOutcome{id, 0, true, e.index, ReceiptOf(e)});
    ++out.accepted;
  }
  metrics_.Add("truce_decisions_total", out.accepted);
  out.head = ledger_.Head();
  return out;
}

Result<SideBySide> App::ClaimsSideBySide(const Principal& who, const SideBySideQuery& q) {
  if (Status st = Check(who, Action::kReadClaims); !st.ok()) return st.error();
  auto snap = SnapshotAsOf(q.as_of);
  if (!snap.ok()) return snap.error();
  if (!(*snap)->scenario) return MakeError(ErrorCode::kNotFound, "no scenario has been loaded");
  const Scenario& scenario = *(*snap)->scenario->scenario;
  if (std::none_of(scenario.zone_versions().begin(), scenario.zone_versions().end(),
                   [&](const ZoneVersion& v) { return v.zone() == q.zone; })) {
    return MakeError(ErrorCode::kNotFound, fmt::format("no zone '{}'", q.zone));
  }
  auto set = views_.IncidentsAt(**snap);
  if (!set.ok()) return set.error();
  std::vector<const Incident*> incidents;
  for (const Incident& i : (*set)->incidents) incidents.push_back(&i);
  return CompareClaims(q.zone, q.period, incidents, (*set)->unlinked,
                       (*snap)->scenario->locator.get());
}

Result<SubmitOutcome> App::PublishIncident(const Principal& who, const std::string& incident) {
  if (Status st = Check(who, Action::kPublishIncident); !st.ok()) return st.error();
  if (incident.empty()) {
    Error e = MakeError(ErrorCode::kInvalidInput, "expected {\"incident\": \"EVENT_ID\"}");
    e.problems.push_back({"/incident", "required string"});
    return e;
  }
  // An incident id (any it has had) or, as before incidents grouped reports, a report's
  // event id: either publishes the incident (Snapshot::IsPublished).
  auto snap = SnapshotAsOf(std::nullopt);
  if (!snap.ok()) return snap.error();
  auto set = views_.IncidentsAt(**snap);
  if (!set.ok()) return set.error();
  std::lock_guard lock(submit_mu_);
  if (!(*set)->by_id.contains(incident) && !views_.LatestRevision(incident)) {
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
  auto entries =
      AppendLocked({SubmissionBy(who, SubmissionKind::kPublication, json{{"incident", incident}})});
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
  PeriodSummary summary = SummarizeViolations((*snap)->violations, zones, q.period);
  // The flight ban at the same log size, of the violations the reader sees; the summary uses
  // only their derived fields (zone, entry time, time inside).
  const auto verdicts = flights_.At((*snap)->log_size, views_.ScenarioAt((*snap)->log_size));
  // Positions carry no party's provenance, so one answer of the policy covers them all.
  if (Sees(who, RecordKind::kFlightViolation, Provenance{"", true})) {
    SummarizeFlights(verdicts->violations, summary);
  }
  return summary;
}

}  // namespace truce::app
