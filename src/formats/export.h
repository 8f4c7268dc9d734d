// Exports of report-derived records for other tools: CSV with ACLED's column names, the same
// CSV with an HXL hashtag row (the Humanitarian Exchange Language, for HDX), and GeoJSON.
// The records come in already redacted for the caller (app/policy.h): an export never holds
// more than the list it was made from. A column the policy calls raw appears only when some
// record carries it, so a public export has no empty "source" or "notes" column that could be
// read as "no source". Pure functions; thread-safe.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace truce::formats {

// The records an export holds: the API's incident records or violation records.
enum class ExportRecord { kIncident, kViolation };

enum class ExportFormat { kCsv, kHxl, kGeoJson };

// "csv", "hxl", "geojson"; nullopt otherwise.
std::optional<ExportFormat> ParseExportFormat(std::string_view name) noexcept;
std::string_view ExportFormatName(ExportFormat format) noexcept;
// "text/csv; charset=utf-8" (CSV and HXL), "application/geo+json".
std::string_view ExportMediaType(ExportFormat format) noexcept;

// The header row (ACLED names first, then truce's own), the HXL tag row when `hxl`, then one
// row per record, RFC 4180 quoted, CRLF line ends.
std::string RecordsToCsv(ExportRecord kind, std::span<const nlohmann::json> records, bool hxl);

// A FeatureCollection: each record a Point feature at its latitude/longitude, the record as
// its properties, its id as the feature id.
std::string RecordsToGeoJson(ExportRecord kind, std::span<const nlohmann::json> records);

}  // namespace truce::formats
