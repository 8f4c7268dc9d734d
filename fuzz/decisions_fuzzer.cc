// formats::ParseDecisions: a decisions file (JSON array or JSON lines), as `serve --seed`
// and `truce corroborate --decisions` read it; the same reader checks every decision posted
// to /api/v1/incidents/{id}/decisions. Invariants: a refusal names the file and stays
// bounded; every decision read writes out (DecisionToJson) and reads back to the same output.
#include <cstddef>
#include <cstdint>

#include "formats/decisions.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace truce::formats;
  auto decisions = ParseDecisions(truce::fuzz::Text(data, size), "fuzz.json");
  if (!decisions.ok()) {
    FUZZ_CHECK(decisions.error().message.find("fuzz.json") != std::string::npos);
    FUZZ_CHECK(decisions.error().message.size() < 4000);
    return 0;
  }
  for (const truce::Decision& d : *decisions) {
    const nlohmann::ordered_json out = DecisionToJson(d);
    auto again = DecisionFromJson(nlohmann::json::parse(out.dump()), "again", "");
    FUZZ_CHECK(again.ok());
    FUZZ_CHECK(DecisionToJson(*again) == out);
  }
  return 0;
}
