// Incident report intake: ACLED-style CSV, GeoJSON Features, JSON objects keyed by the CSV
// column names (the HTTP API's form), and the Syrian Archive CSV export. See docs/reports.md.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "formats/csv.h"
#include "truce/report.h"
#include "truce/result.h"

namespace truce::formats {

// A row or feature that was refused, with every reason.
struct RejectedReport {
  std::string origin;  // "reports.csv:12" or "reports.geojson feature 3"
  std::vector<std::string> reasons;
  std::string raw;  // the offending row or feature as given
};

struct ReportBatch {
  std::vector<Report> reports;
  std::vector<RejectedReport> rejected;
};

// Reads a reports file: CSV (ACLED columns, or the Syrian Archive export, detected from the
// header) or GeoJSON (a FeatureCollection of Point features whose properties use the CSV
// column names). A file whose structure is unreadable (bad CSV quoting, JSON syntax, missing
// required columns) is an error. Bad rows are returned in `rejected`; the caller decides
// whether to reject the whole file (the default) or keep the good rows (--skip-invalid).
[[nodiscard]] Result<ReportBatch> ParseReports(std::string_view text, const std::string& file);

// Reads a reports CSV (either kind ParseReports reads) one row at a time, keeping nothing: what
// ParseReports does for CSV, for callers that stream files larger than memory (`truce
// evaluate`). Not thread-safe; `text` must outlive the reader.
class ReportCsvReader {
 public:
  ReportCsvReader(std::string_view text, std::string file);

  // Reads the header row; call once, first. Errors as ParseReports's for the header.
  [[nodiscard]] Status ReadHeader();

  // One data row: the report, or the reasons it was refused.
  struct Row {
    std::optional<Report> report;
    std::optional<RejectedReport> rejected;
  };
  // Reads the next row into `row`; false at the end. Errors: the CSV structure (ParseReports's).
  [[nodiscard]] Result<bool> Next(Row& row);

  // Bytes of the text consumed so far (every byte before it is done with).
  size_t offset() const noexcept { return reader_.offset(); }

 private:
  CsvReader reader_;
  std::string file_;
  bool syrian_archive_ = false;
  std::vector<std::optional<size_t>> archive_columns_;  // of kArchiveColumns (reports.cc)
  CsvRecord row_;
};

// One report from a JSON object keyed by the CSV column names; values may be strings or
// numbers. Problems name `origin` and the field.
[[nodiscard]] Result<Report> ReportFromJson(const nlohmann::json& object,
                                            const std::string& origin);

nlohmann::json ReportToJson(const Report& report);

// ReportToJson(report).dump() without the tree: the same bytes, appended to `out`
// (docs/performance.md "Entries written from the report"). Report::Create's text policy makes
// every string valid UTF-8.
void AppendReportJson(std::string& out, const Report& report);

// Parses an ACLED event_date: "2017-05-04", "04 May 2017", "4-May-2017", "04-May-2017".
[[nodiscard]] Result<UtcTime> ParseEventDate(std::string_view text);

// Collapses revisions: reports with the same event_id and the same content as an earlier one
// are dropped (re-importing is a no-op); a different content is a new revision. Returns, per
// event_id, the latest revision, in order of first appearance, with its revision number.
struct Revision {
  const Report* report;
  int revision;  // 1 for the first version of an event_id
};
std::vector<Revision> LatestRevisions(const std::vector<Report>& reports);

}  // namespace truce::formats
