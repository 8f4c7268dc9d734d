#include "report_input.h"

#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "formats/text_file.h"

namespace truce::cli {

Error BadRecordsError(const std::vector<std::string>& files, size_t count,
                      std::vector<std::string> reasons) {
  Error e = MakeError(ErrorCode::kInvalidInput,
                      fmt::format("{}: {} bad record{} (nothing was evaluated; use "
                                  "--skip-invalid FILE to process the good ones)",
                                  fmt::join(files, ", "), count, count == 1 ? "" : "s"));
  for (std::string& reason : reasons) e.problems.push_back(Problem{"", std::move(reason)});
  return e;
}

Result<std::unique_ptr<ReportInput>> LoadReportInput(const std::string& file,
                                                     const std::string& skip_invalid) {
  return LoadReportInput(std::vector<std::string>{file}, skip_invalid);
}

Result<std::unique_ptr<ReportInput>> LoadReportInput(const std::vector<std::string>& files,
                                                     const std::string& skip_invalid) {
  formats::ReportBatch all;
  for (const std::string& file : files) {
    auto text = formats::ReadTextFile(file);
    if (!text.ok()) return std::move(text).error();
    auto batch = formats::ParseReports(*text, file);
    if (!batch.ok()) return std::move(batch).error();
    std::move(batch->reports.begin(), batch->reports.end(), std::back_inserter(all.reports));
    std::move(batch->rejected.begin(), batch->rejected.end(), std::back_inserter(all.rejected));
  }
  if (!all.rejected.empty() && skip_invalid.empty()) {
    std::vector<std::string> reasons;
    for (const auto& r : all.rejected)
      reasons.insert(reasons.end(), r.reasons.begin(), r.reasons.end());
    return BadRecordsError(files, all.rejected.size(), std::move(reasons));
  }
  auto input = std::make_unique<ReportInput>();
  input->rejected = all.rejected.size();
  if (!skip_invalid.empty()) {
    std::ofstream out(skip_invalid);
    for (const auto& r : all.rejected) {
      out << formats::SafeDump({{"origin", r.origin}, {"reasons", r.reasons}, {"raw", r.raw}})
          << '\n';
    }
    if (!out) {
      return MakeError(ErrorCode::kIo, fmt::format("{}: cannot write the rejects", skip_invalid));
    }
  }
  input->reports = std::move(all.reports);
  input->latest = formats::LatestRevisions(input->reports);
  size_t versions = 0;
  for (const auto& r : input->latest) versions += static_cast<size_t>(r.revision);
  input->duplicates = input->reports.size() - versions;
  return input;
}

}  // namespace truce::cli
