// Exports: the list operations' records, through the same permission check and the same
// redaction (they are the list operations' output), encoded by formats/export.h.
#include <fmt/format.h>

#include "app/app.h"

namespace truce::app {

Result<ExportDocument> App::Export(const Principal& who, const ExportQuery& query) {
  const bool incidents = query.record == formats::ExportRecord::kIncident;
  auto records = incidents ? Incidents(who, query.incidents) : Violations(who, query.violations);
  if (!records.ok()) return records.error();
  ExportDocument doc;
  doc.records = records->size();
  doc.media_type = std::string(formats::ExportMediaType(query.format));
  const std::string_view ext = query.format == formats::ExportFormat::kGeoJson ? "geojson" : "csv";
  doc.filename = fmt::format("truce-{}{}.{}", incidents ? "incidents" : "violations",
                             query.format == formats::ExportFormat::kHxl ? "-hxl" : "", ext);
  doc.body = query.format == formats::ExportFormat::kGeoJson
                 ? formats::RecordsToGeoJson(query.record, *records)
                 : formats::RecordsToCsv(query.record, *records,
                                         query.format == formats::ExportFormat::kHxl);
  return doc;
}

}  // namespace truce::app
