// GeoJSON (RFC 7946) for zones: reading a zones FeatureCollection into zone version specs,
// and writing zone versions back as a FeatureCollection. GeoJSON's [lon, lat] order lives
// only here.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "truce/geometry.h"
#include "truce/result.h"
#include "truce/scenario.h"

namespace truce::formats {

// The most zone versions a scenario may hold (in one zones file and in all of them): versions
// of one zone are compared pairwise for overlaps.
inline constexpr size_t kMaxZoneVersions = 10'000;

// Reads a Polygon or MultiPolygon geometry object. On failure appends problems, each prefixed
// with `where` and naming the JSON path ("geometry.coordinates[0][3]"), and returns false.
bool ParseGeometry(const nlohmann::json& geometry, const std::string& where, MultiPolygon& out,
                   std::vector<std::string>& problems);

nlohmann::json GeometryToJson(const MultiPolygon& shape);

// Swaps the first two numbers of every position in a geometry's `coordinates`: CRS84's
// lon,lat to EPSG:4326's lat,lon, and back (the OGC collections, `truce verify --receipt`).
void SwapAxes(nlohmann::json& coordinates);

// Reads a zones FeatureCollection (the format in docs/formats.md): each Feature one zone
// version. `file` labels messages. Every problem of every feature is listed in the error,
// each naming file, feature index, zone id and field. Text properties follow the text policy
// (truce/text_policy.h): zone, agreement, clause and party ids are identifiers, name a name,
// source and note free text. At most kMaxZoneVersions features.
[[nodiscard]] Result<std::vector<ZoneVersion>> ReadZoneVersions(const nlohmann::json& doc,
                                                                const std::string& file);

// A FeatureCollection with one Feature per version, properties as in the input format, so
// that the output reads back as a zones file.
nlohmann::json ZoneVersionsToGeoJson(const std::vector<const ZoneVersion*>& versions);

}  // namespace truce::formats
