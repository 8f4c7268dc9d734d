// Operations on incident reports: submitting revisions, listing them.
#include <map>

#include <fmt/format.h>

#include "app/app.h"
#include "app/intake.h"
#include "formats/reports.h"
#include "formats/text_file.h"

namespace truce::app {
namespace {

using nlohmann::json;

std::string ItemPath(bool batch, size_t i) { return batch ? fmt::format("/{}", i) : ""; }

}  // namespace

Result<SubmitOutcome> App::SubmitReports(const Principal& who, std::vector<json> items,
                                         bool batch) {
  if (Status st = Check(who, Action::kSubmitReports); !st.ok()) return st.error();
  if (items.empty()) return MakeError(ErrorCode::kInvalidInput, "an empty batch of reports");
  if (items.size() > limits_.max_reports_per_batch) {
    return MakeError(ErrorCode::kTooLarge,
                     fmt::format("{} reports in one batch; the limit is {}", items.size(),
                                 limits_.max_reports_per_batch));
  }
  const bool as_party = who.Is(Role::kParty);
  std::vector<Problem> problems;
  std::vector<std::shared_ptr<const Report>> reports;
  reports.reserve(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    const std::string path = ItemPath(batch, i);
    json& item = items[i];
    if (as_party && item.is_object()) {
      // A party submits only as itself: it is the source of what it sends.
      const auto source = item.find("source");
      if (source != item.end() && !source->is_null() && *source != "" && *source != who.party) {
        Error e = MakeError(
            ErrorCode::kForbidden,
            fmt::format("a {} token submits only as party '{}'", RoleName(who.role), who.party));
        e.problems.push_back(
            {JsonPointer(path, "source"), fmt::format("must be '{}' or absent", who.party)});
        return e;
      }
      item["source"] = who.party;
    }
    if (auto report = ReportFromBody(item, path, problems)) {
      reports.push_back(std::make_shared<const Report>(std::move(*report)));
    }
  }
  if (!problems.empty()) {
    metrics_.Add("truce_submissions_rejected_total");
    return RejectedSubmission("reports", std::move(problems));
  }

  std::lock_guard lock(submit_mu_);
  // The latest known revision of each event: from the views, then from earlier in this batch.
  struct Latest {
    std::shared_ptr<const Report> report;
    int revision = 0;
    std::string party;
    size_t pending = SIZE_MAX;  // index into `subs` of the revision this batch adds
    uint64_t entry = 0;
  };
  std::map<std::string, Latest> latest;
  std::vector<Submission> subs;
  subs.reserve(reports.size());
  SubmitOutcome out;
  out.items.resize(reports.size());
  std::vector<size_t> pending_of_item(reports.size(), SIZE_MAX);
  for (size_t i = 0; i < reports.size(); ++i) {
    const Report& r = *reports[i];
    auto [it, fresh] = latest.try_emplace(r.event_id());
    Latest& l = it->second;
    if (fresh) {
      if (auto stored = views_.LatestRevision(r.event_id())) {
        l.report = stored->report;
        l.revision = stored->revision;
        l.party = stored->party;
        l.entry = stored->entry;
      }
    }
    if (as_party && l.revision > 0 && l.party != who.party) {
      Error e = MakeError(ErrorCode::kForbidden,
                          fmt::format("report {} was submitted by another source; a party may "
                                      "revise only its own reports",
                                      r.event_id()));
      e.problems.push_back({JsonPointer(ItemPath(batch, i), "event_id_cnty"), "not yours"});
      return e;
    }
    ItemOutcome& item = out.items[i];
    item.id = r.event_id();
    if (l.report && l.report->SameContent(r)) {
      item.revision = l.revision;
      item.created = false;
      item.log_index = l.entry;
      pending_of_item[i] = l.pending;  // an identical duplicate of a revision in this batch
      continue;
    }
    l.revision += 1;
    l.report = reports[i];
    l.party = as_party ? who.party : "";
    l.pending = subs.size();
    item.revision = l.revision;
    item.created = true;
    pending_of_item[i] = subs.size();
    // The body is written from the report itself, without a tree (Submission::report).
    subs.push_back(SubmissionBy(who, SubmissionKind::kReport, nullptr, l.revision));
    subs.back().report = reports[i];
  }
  if (!subs.empty()) {
    auto entries = AppendLocked(std::move(subs));
    if (!entries.ok()) return entries.error();
    std::vector<Receipt> receipts = ReceiptsOf(*entries);
    for (size_t i = 0; i < out.items.size(); ++i) {
      if (pending_of_item[i] == SIZE_MAX) continue;
      out.items[i].log_index = (*entries)[pending_of_item[i]].index;
      if (out.items[i].created) out.items[i].receipt = std::move(receipts[pending_of_item[i]]);
    }
  }
  for (const ItemOutcome& item : out.items) ++(item.created ? out.accepted : out.unchanged);
  metrics_.Add("truce_reports_accepted_total", out.accepted);
  metrics_.Add("truce_reports_unchanged_total", out.unchanged);
  out.head = ledger_.Head();
  return out;
}

Result<JsonPage> App::ListReports(const Principal& who, const ReportFilter& f,
                                  const PageRequest& page) {
  if (Status st = Check(who, Action::kReadReports); !st.ok()) return st.error();
  store::ReportQuery q;
  q.as_of = f.as_of;
  q.from = f.from;
  q.to = f.to;
  q.bbox = f.bbox;
  q.event_id = f.event_id;
  q.event_type = f.type;
  q.party = f.party;
  q.all_revisions = f.all_revisions;
  if (who.Is(Role::kParty)) {
    // A party sees what it submitted, not other sources' reports.
    if (!q.party.empty() && q.party != who.party) {
      return MakeError(ErrorCode::kForbidden, "a party token sees only its own reports");
    }
    q.party = who.party;
  }
  if (page.cursor) {
    auto after = ParseEntryCursor(*page.cursor);
    if (!after.ok()) return after.error();
    q.after = *after;
  }
  q.limit = page.limit + 1;  // one more tells whether there is a next page
  auto rows = store_.QueryReports(q);
  if (!rows.ok()) return rows.error();
  const bool more = rows->size() == q.limit;
  if (more) rows->pop_back();
  JsonPage out;
  for (const auto& r : *rows) {
    const Provenance provenance{r.row.party, false};
    if (!Sees(who, RecordKind::kReport, provenance)) continue;
    auto data = formats::ParseJson(r.data, "stored report");
    json item = {{"log_index", r.row.entry},
                 {"event_id", r.row.event_id},
                 {"revision", r.row.revision},
                 {"received_at", FormatTimestamp(r.row.received_at)},
                 {"submitted_by_party", r.row.party},
                 {"time_begin", FormatTimestamp(r.row.time_begin)},
                 {"time_end", FormatTimestamp(r.row.time_end)},
                 {"report", data.ok() ? data->value("body", json()) : json()}};
    Redact(who, RecordKind::kReport, provenance, item);
    out.items.push_back(std::move(item));
  }
  if (more && !rows->empty()) out.next = std::to_string(rows->back().row.entry);
  return out;
}

Result<std::vector<json>> App::ReportRecords(const Principal& who, const EventFilter& f) {
  auto all = ReportRecords(who, f, Slice{});
  if (!all.ok()) return all.error();
  return std::move(all->items);
}

Result<CountedItems> App::ReportRecords(const Principal& who, const EventFilter& f,
                                        const Slice& slice) {
  if (Status st = Check(who, Action::kReadReports); !st.ok()) return st.error();
  auto snap = SnapshotAsOf(f.as_of);
  if (!snap.ok()) return snap.error();
  CountedItems out;
  for (const StoredReport* stored : (*snap)->reports) {
    const Report& r = *stored->report;
    if (f.from && r.when().end() <= *f.from) continue;
    if (f.to && r.when().begin() >= *f.to) continue;
    if (f.bbox && !f.bbox->Contains(r.location())) continue;
    if (!f.type.empty() && r.spec().event_type != f.type) continue;
    const Provenance provenance{stored->party, false};
    if (!Sees(who, RecordKind::kReport, provenance)) continue;
    if (!slice.Holds(out.matched++)) continue;
    json props = formats::ReportToJson(r);
    props["revision"] = stored->revision;
    Redact(who, RecordKind::kReport, provenance, props);
    out.items.push_back({{"id", r.event_id()},
                         {"latitude", r.location().lat()},
                         {"longitude", r.location().lng()},
                         {"properties", std::move(props)}});
  }
  return out;
}

}  // namespace truce::app
