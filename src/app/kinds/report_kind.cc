// kind "report": one revision of one incident report, its body keyed by the CSV column names
// (formats::ReportToJson), its revision number in the entry data.
#include <fmt/format.h>

#include "app/intake.h"
#include "app/submission.h"

namespace truce::app {
namespace {

using nlohmann::json;

std::string ProblemsText(const std::vector<Problem>& problems) {
  std::string out;
  for (const Problem& p : problems) out += (out.empty() ? "" : "; ") + p.ToString();
  return out;
}

Result<store::EntryIndex> Derive(const store::LogEntry& entry, const ParsedEntry& parsed) {
  const int revision = detail::IntField(parsed.data, "revision");
  if (!parsed.report || revision < 1) {
    // Read again for the problems to name.
    std::vector<Problem> problems;
    (void)ReportFromBody(parsed.data.value("body", json()), "", problems);
    return detail::Malformed(entry, "not a valid report revision: " + ProblemsText(problems));
  }
  const Report* report = parsed.report.get();
  store::ReportRow r;
  r.entry = entry.index;
  r.event_id = report->event_id();
  r.revision = revision;
  r.received_at = entry.received_at;
  r.party = entry.party;
  r.event_type = report->spec().event_type;
  r.source = report->spec().source;
  r.time_begin = report->when().begin();
  r.time_end = report->when().end();
  r.latitude = report->location().lat();
  r.longitude = report->location().lng();
  store::EntryIndex rows;
  rows.reports.push_back(std::move(r));
  return rows;
}

std::string Describe(const json& data) {
  return fmt::format("report {} revision {}",
                     detail::StringField(data.value("body", json()), "event_id_cnty"),
                     detail::IntField(data, "revision"));
}

}  // namespace

extern const KindSpec kReportKind = {SubmissionKind::kReport, "report", "revision", &Derive,
                                     &Describe};

}  // namespace truce::app
