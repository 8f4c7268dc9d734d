// A positions file in any of its forms (OpenSky CSV, traffic JSON array, JSON lines):
// formats::ParsePositions and ParsePositionLines, then tracks from what was accepted.
#include <cstddef>
#include <cstdint>

#include "formats/json_reader.h"
#include "formats/positions.h"
#include "fuzz_support.h"
#include "truce/text_policy.h"

namespace {

void CheckBatch(const truce::formats::PositionBatch& batch) {
  using namespace truce;
  FUZZ_CHECK(batch.records ==
             batch.positions.size() + batch.rejected.size() + batch.without_position);
  for (const Position& p : batch.positions) {
    FUZZ_CHECK(p.icao24.size() == 6);
    FUZZ_CHECK(!TextProblem(p.callsign, kCallsignField));
    FUZZ_CHECK(LatLng::IsValid(p.where.lat(), p.where.lng()));
  }
  for (const formats::RejectedPosition& r : batch.rejected) {
    FUZZ_CHECK(!r.reasons.empty());
    (void)formats::SafeDump(nlohmann::json{{"raw", r.raw}, {"reasons", r.reasons}});
  }
  (void)BuildTracks(batch.positions);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace truce;
  const std::string_view text = fuzz::Text(data, size);
  auto batch = formats::ParsePositions(text, "positions");
  if (batch.ok()) CheckBatch(*batch);
  CheckBatch(formats::ParsePositionLines(text, "stdin"));
  return 0;
}
