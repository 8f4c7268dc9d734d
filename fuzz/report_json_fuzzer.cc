// One report as a JSON object (the HTTP API's form): formats::ReportFromJson, plus the date
// and time parsers it relies on, fed the raw input.
#include <cstddef>
#include <cstdint>

#include "formats/json_reader.h"
#include "formats/reports.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace truce;
  const std::string_view text = fuzz::Text(data, size);
  (void)formats::ParseEventDate(text);
  (void)ParseUtcTime(text);
  auto doc = formats::ParseJson(text, "body");
  if (!doc.ok()) return 0;
  auto report = formats::ReportFromJson(*doc, "body");
  if (!report.ok()) {
    FUZZ_CHECK(!report.error().problems.empty() || !report.error().message.empty());
    return 0;
  }
  (void)formats::ReportToJson(*report).dump();
  return 0;
}
