// The point list of `truce locate --points`: formats::ParsePointsCsv.
#include <cstddef>
#include <cstdint>

#include <nlohmann/json.hpp>

#include "formats/points_csv.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace truce;
  const auto at = MakeUtcTime(2017, 8, 21);
  auto points = formats::ParsePointsCsv(fuzz::Text(data, size), "points.csv", at);
  if (!points.ok()) return 0;
  for (const formats::LocatePoint& p : *points) {
    FUZZ_CHECK(LatLng::IsValid(p.position.lat(), p.position.lng()));
    (void)nlohmann::json(p.id).dump();
  }
  return 0;
}
