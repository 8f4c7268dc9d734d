// The exemptions file of `truce flights --exemptions`: formats::ParseExemptionsCsv.
#include <cstddef>
#include <cstdint>

#include <nlohmann/json.hpp>

#include "formats/positions.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace truce;
  auto exemptions = formats::ParseExemptionsCsv(fuzz::Text(data, size), "exemptions.csv");
  if (!exemptions.ok()) return 0;
  for (const Exemption& e : *exemptions) {
    FUZZ_CHECK(!e.icao24.empty() || !e.callsign.empty());
    FUZZ_CHECK(e.window.begin() < e.window.end());
    (void)nlohmann::json({e.icao24, e.callsign, e.zone, e.note}).dump();
  }
  return 0;
}
