// The daily report of a zone: the summary, incidents and zones operations (each with its own
// permission check and redaction), as they stood at one signed tree head.
#include <fmt/format.h>

#include "app/app.h"
#include "formats/geojson.h"

namespace truce::app {

Result<formats::DailyReportData> App::DailyReport(const Principal& who, const DailyReportQuery& q) {
  if (Status st = Check(who, Action::kReadSummary); !st.ok()) return st.error();
  // The head the report is made from: the current one, or the latest signed at or before
  // as_of. The report then reads the log as of that head's time.
  store::TreeHead head = ledger_.Head();
  if (q.as_of) {
    auto heads = store_.TreeHeads();
    if (!heads.ok()) return heads.error();
    std::optional<store::TreeHead> chosen;
    for (const store::TreeHead& h : *heads) {
      if (h.timestamp <= *q.as_of && (!chosen || h.size >= chosen->size)) chosen = h;
    }
    if (!chosen) {
      return MakeError(
          ErrorCode::kNotFound,
          fmt::format("the log has no signed head as early as {}", FormatUtcTime(*q.as_of)));
    }
    head = *chosen;
  }
  using std::chrono::days;
  formats::DailyReportData r;
  r.zone = q.zone;
  r.day = q.day;
  r.as_of = head.timestamp;
  r.role = std::string(RoleName(who.role));
  r.head = TreeHeadToJson(head, ledger_.public_key());

  SummaryQuery summary;
  summary.as_of = r.as_of;
  summary.zone = q.zone;
  summary.period = *TimeInterval::Create(q.day, q.day + days(1));
  auto day = Summary(who, summary);
  if (!day.ok()) return day.error();
  summary.period = *TimeInterval::Create(q.day - days(6), q.day + days(1));
  auto week = Summary(who, summary);
  if (!week.ok()) return week.error();
  if (day->zones.empty() || week->zones.empty()) {
    return MakeError(ErrorCode::kNotFound, fmt::format("no zone '{}'", q.zone));
  }
  r.day_summary = day->zones.front();
  r.week_summary = week->zones.front();

  IncidentFilter incidents;
  incidents.as_of = r.as_of;
  incidents.from = q.day;
  incidents.to = q.day + days(1);
  incidents.zone = q.zone;
  auto found = Incidents(who, incidents);
  if (!found.ok()) return found.error();
  r.incidents = std::move(found).value();

  auto zones = Zones(who, q.day, r.as_of);
  if (!zones.ok()) return zones.error();
  if (zones->scenario) r.scenario = zones->scenario->scenario->name();
  std::vector<const ZoneVersion*> in_force;
  for (const ZoneVersion* v : zones->versions) {
    if (v->zone() == q.zone) in_force.push_back(v);
  }
  if (!in_force.empty()) {
    r.zone_version = formats::ZoneVersionsToGeoJson({in_force.front()})["features"][0];
  }
  return r;
}

}  // namespace truce::app
