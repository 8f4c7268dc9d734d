// A zones GeoJSON document: formats::ReadZoneVersions (and so ParseGeometry and
// ZoneVersion::Create). Invariant: what is accepted writes back as GeoJSON that reads back to
// as many versions.
#include <cstddef>
#include <cstdint>

#include "formats/geojson.h"
#include "formats/json_reader.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace truce;
  auto doc = formats::ParseJson(fuzz::Text(data, size), "zones.geojson");
  if (!doc.ok()) return 0;
  if (doc->is_object() && doc->contains("coordinates")) {
    // A bare geometry object exercises ParseGeometry alone.
    MultiPolygon shape;
    std::vector<std::string> problems;
    formats::ParseGeometry(*doc, "geometry", shape, problems);
  }
  auto versions = formats::ReadZoneVersions(*doc, "zones.geojson");
  if (!versions.ok()) return 0;
  std::vector<const ZoneVersion*> all;
  for (const ZoneVersion& v : *versions) all.push_back(&v);
  const std::string out = formats::ZoneVersionsToGeoJson(all).dump();
  auto again = formats::ParseJson(out, "out.geojson");
  FUZZ_CHECK(again.ok());
  auto reread = formats::ReadZoneVersions(*again, "out.geojson");
  FUZZ_CHECK(reread.ok() && reread->size() == versions->size());
  return 0;
}
