#include "report_input.h"

#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "formats/text_file.h"

namespace truce::cli {

Result<std::unique_ptr<ReportInput>> LoadReportInput(const std::string& file,
                                                     const std::string& skip_invalid) {
  auto text = formats::ReadTextFile(file);
  if (!text.ok()) return std::move(text).error();
  auto batch = formats::ParseReports(*text, file);
  if (!batch.ok()) return std::move(batch).error();
  if (!batch->rejected.empty() && skip_invalid.empty()) {
    Error e = MakeError(
        ErrorCode::kInvalidInput,
        fmt::format("{}: {} bad record{} (nothing was evaluated; use "
                    "--skip-invalid FILE to process the good ones)",
                    file, batch->rejected.size(), batch->rejected.size() == 1 ? "" : "s"));
    for (const auto& r : batch->rejected) {
      for (const auto& reason : r.reasons) e.problems.push_back(reason);
    }
    return e;
  }
  auto input = std::make_unique<ReportInput>();
  input->rejected = batch->rejected.size();
  if (!skip_invalid.empty()) {
    std::ofstream out(skip_invalid);
    for (const auto& r : batch->rejected) {
      out << formats::SafeDump({{"origin", r.origin}, {"reasons", r.reasons}, {"raw", r.raw}})
          << '\n';
    }
    if (!out) {
      return MakeError(ErrorCode::kIo, fmt::format("{}: cannot write the rejects", skip_invalid));
    }
  }
  input->reports = std::move(batch->reports);
  input->latest = formats::LatestRevisions(input->reports);
  size_t versions = 0;
  for (const auto& r : input->latest) versions += static_cast<size_t>(r.revision);
  input->duplicates = input->reports.size() - versions;
  return input;
}

}  // namespace truce::cli
