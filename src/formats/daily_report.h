// The daily report of one zone, in the form the OSCE Special Monitoring Mission's daily
// reports took: violations by type, by party and by rule (humanitarian access among them)
// against the previous day and week, the notable incidents of the day, a map of the day
// (SVG) and small charts, and the signed log head it was made from. One self-contained HTML
// page (no script, no external file), which Chromium prints to PDF as it is.
//
// Deterministic: the same data gives the same bytes, so a report regenerated "as of" the
// same time is byte-identical. Pure functions; thread-safe.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "truce/summary.h"
#include "truce/time.h"

namespace truce::formats {

struct DailyReportData {
  std::string scenario;  // the scenario's name
  std::string zone;      // its id
  UtcTime day{};         // midnight UTC of the day reported
  UtcTime as_of{};       // what the log held then (the head's time)
  std::string role;      // the role the report was made for ("public", "monitor", ...)
  // The zone version in force that day, a GeoJSON Feature (ZoneVersionsToGeoJson's form);
  // null when the zone was not in force that day.
  nlohmann::json zone_version;
  ZoneSummary day_summary;   // the day against the day before
  ZoneSummary week_summary;  // the 7 days to the day against the 7 before (daily counts too)
  // The day's incidents in the zone, as the role reads them (the API's records).
  std::vector<nlohmann::json> incidents;
  // The signed tree head the report was made from (ledger.h TreeHeadToJson).
  nlohmann::json head;
};

std::string DailyReportToHtml(const DailyReportData& report);

}  // namespace truce::formats
