// Reading a reports file for the CLI commands that take --reports, with the rejection policy
// shared by all of them: a bad file is refused whole, listing every bad row, unless
// --skip-invalid names a file to receive the rejects.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "formats/reports.h"
#include "truce/result.h"

namespace truce::cli {

struct ReportInput {
  std::vector<Report> reports;            // every valid row, in file order
  std::vector<formats::Revision> latest;  // the latest revision of each event_id
  size_t rejected = 0;
  size_t duplicates = 0;  // identical re-imports dropped
};

// REQUIRES: the returned value is not moved from while `latest` is in use (it points into
// `reports`). Writes rejects as JSON lines {"origin","reasons","raw"} to `skip_invalid`.
[[nodiscard]] Result<std::unique_ptr<ReportInput>> LoadReportInput(const std::string& file,
                                                                   const std::string& skip_invalid);
// The error for bad records without --skip-invalid: how many, in which files, every reason.
Error BadRecordsError(const std::vector<std::string>& files, size_t count,
                      std::vector<std::string> reasons);

// Several files read as one, in the order given (revisions and ties follow that order); a bad
// record in any of them refuses them all unless `skip_invalid` is given.
[[nodiscard]] Result<std::unique_ptr<ReportInput>> LoadReportInput(
    const std::vector<std::string>& files, const std::string& skip_invalid);

}  // namespace truce::cli
