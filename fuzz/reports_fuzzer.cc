// A reports file, CSV (ACLED or Syrian Archive) or GeoJSON: formats::ParseReports.
// Invariants: every accepted report serialises as JSON (its text passed the text policy) and
// reads back through ReportFromJson; every rejected one names where and why.
#include <cstddef>
#include <cstdint>

#include <nlohmann/json.hpp>

#include "formats/reports.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace truce;
  auto batch = formats::ParseReports(fuzz::Text(data, size), "reports.csv");
  if (!batch.ok()) {
    FUZZ_CHECK(batch.error().message.rfind("reports.csv", 0) == 0);
    return 0;
  }
  for (const Report& r : batch->reports) {
    const nlohmann::json j = formats::ReportToJson(r);
    (void)j.dump();  // throws on invalid UTF-8: accepted text must be clean
    auto back = formats::ReportFromJson(j, "again");
    FUZZ_CHECK(back.ok());
    FUZZ_CHECK(back->SameContent(r));
  }
  for (const formats::RejectedReport& r : batch->rejected) {
    FUZZ_CHECK(!r.reasons.empty());
    for (const std::string& reason : r.reasons) FUZZ_CHECK(reason.rfind(r.origin, 0) == 0);
  }
  (void)formats::LatestRevisions(batch->reports);
  return 0;
}
