#include "formats/export.h"

#include <algorithm>
#include <optional>
#include <vector>

#include <fmt/format.h>

namespace truce::formats {
namespace {

using nlohmann::json;

// One column: its header (ACLED's name where ACLED has the field), its HXL tag, the record key
// it comes from and whether the policy may withhold it (then it appears only when present).
struct Column {
  std::string_view name;
  std::string_view hxl;
  std::string_view key;
  int element = -1;  // for array fields read one element (actors: 0 actor1, 1 actor2)
  bool raw = false;
};

constexpr Column kIncidentColumns[] = {
    {"event_id_cnty", "#event+code", "id"},
    {"event_date", "#date+occurred", "event_date"},
    {"event_type", "#event+type", "event_type"},
    {"sub_event_type", "#event+type+sub", "sub_event_type"},
    {"actor1", "#group+name+first", "actors", 0, true},
    {"actor2", "#group+name+second", "actors", 1, true},
    {"latitude", "#geo+lat", "latitude"},
    {"longitude", "#geo+lon", "longitude"},
    {"source", "#meta+source", "sources", -1, true},
    {"notes", "#description", "notes", -1, true},
    {"fatalities", "#affected+killed", "fatalities"},
    {"time_begin", "#date+start", "time_begin"},
    {"time_end", "#date+end", "time_end"},
    {"radius_m", "#geo+radius", "radius_m"},
    {"grade", "#status+grade", "grade"},
    {"reason", "#status+reason", "reason"},
    {"reports", "#event+code+reports", "reports"},
    {"independent_groups", "#indicator+num+groups", "independent_groups"},
    {"zones", "#loc+zone", "zones"},
    {"alleged_parties", "#group+name+alleged", "alleged_parties"},
    {"published", "#status+published", "published"},
    {"log_entry", "#meta+log", "log_entry"},
    {"aircraft_tracks", "#meta+aircraft", "tracks"},
    {"track_coverage", "#meta+coverage", "coverage"},
};

constexpr Column kViolationColumns[] = {
    {"event_id_cnty", "#event+code", "report"},
    {"event_date", "#date+occurred", "event_date"},
    {"event_type", "#event+type", "event_type"},
    {"latitude", "#geo+lat", "latitude"},
    {"longitude", "#geo+lon", "longitude"},
    {"time_begin", "#date+start", "time_begin"},
    {"time_end", "#date+end", "time_end"},
    {"radius_m", "#geo+radius", "radius_m"},
    {"revision", "#meta+revision", "revision"},
    {"zone", "#loc+zone", "zone"},
    {"zone_version", "#loc+zone+version", "version"},
    {"rule", "#status+rule", "rule"},
    {"verdict", "#status+verdict", "verdict"},
    {"fraction_inside", "#indicator+pct+inside", "fraction"},
    {"clause", "#meta+clause", "clause"},
    {"party", "#group+name+bound", "party"},
};

std::span<const Column> ColumnsOf(ExportRecord kind) {
  if (kind == ExportRecord::kIncident) return kIncidentColumns;
  return kViolationColumns;
}

std::string Quote(std::string_view cell) {
  if (cell.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(cell);
  std::string out = "\"";
  for (char c : cell) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// A JSON value as one cell: strings as they are, numbers as JSON writes them, arrays joined
// with "; " (zones as "zone vN rule verdict"), null as empty.
std::string Cell(const json& v) {
  if (v.is_null()) return "";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_array()) {
    std::string out;
    for (const json& e : v) {
      if (!out.empty()) out += "; ";
      if (e.is_object() && e.contains("zone")) {
        out += fmt::format("{} v{} {} {}", e.value("zone", ""), e.value("version", 0),
                           e.value("rule", ""), e.value("verdict", ""));
      } else if (e.is_object() && e.contains("statement")) {
        // A strike report's coverage: "REPORT: statement".
        out += fmt::format("{}: {}", e.value("report", ""), e.value("statement", ""));
      } else if (e.is_object() && e.contains("centre_distance_m")) {
        // A track link: "REPORT: ICAO24 CALLSIGN at TIME, D m from the disc" (the identity
        // only when the policy left it in).
        std::string aircraft = e.value("icao24", "aircraft");
        if (!e.value("callsign", "").empty()) aircraft += " " + e.value("callsign", "");
        out += fmt::format("{}: {} at {}, {} m from the disc", e.value("report", ""), aircraft,
                           e.value("time", ""), Cell(e.value("distance_m", json())));
      } else {
        out += Cell(e);
      }
    }
    return out;
  }
  return v.dump();
}

std::string Value(const json& record, const Column& c) {
  const auto it = record.find(c.key);
  if (it == record.end()) return "";
  if (c.element >= 0) {
    if (!it->is_array() || it->size() <= static_cast<size_t>(c.element)) return "";
    return Cell((*it)[c.element]);
  }
  return Cell(*it);
}

}  // namespace

std::optional<ExportFormat> ParseExportFormat(std::string_view name) noexcept {
  if (name == "csv") return ExportFormat::kCsv;
  if (name == "hxl") return ExportFormat::kHxl;
  if (name == "geojson") return ExportFormat::kGeoJson;
  return std::nullopt;
}

std::string_view ExportFormatName(ExportFormat format) noexcept {
  switch (format) {
    case ExportFormat::kCsv:
      return "csv";
    case ExportFormat::kHxl:
      return "hxl";
    case ExportFormat::kGeoJson:
      return "geojson";
  }
  return "csv";
}

std::string_view ExportMediaType(ExportFormat format) noexcept {
  return format == ExportFormat::kGeoJson ? "application/geo+json" : "text/csv; charset=utf-8";
}

std::string RecordsToCsv(ExportRecord kind, std::span<const json> records, bool hxl) {
  std::vector<const Column*> columns;
  for (const Column& c : ColumnsOf(kind)) {
    const bool present = std::any_of(records.begin(), records.end(),
                                     [&](const json& r) { return r.contains(c.key); });
    if (!c.raw || present) columns.push_back(&c);
  }
  std::string out;
  const auto row = [&](auto&& cell) {
    for (size_t k = 0; k < columns.size(); ++k) {
      if (k) out += ',';
      out += Quote(cell(*columns[k]));
    }
    out += "\r\n";
  };
  row([](const Column& c) { return std::string(c.name); });
  if (hxl) row([](const Column& c) { return std::string(c.hxl); });
  for (const json& r : records) row([&](const Column& c) { return Value(r, c); });
  return out;
}

std::string RecordsToGeoJson(ExportRecord kind, std::span<const json> records) {
  json features = json::array();
  const char* id_key = kind == ExportRecord::kIncident ? "id" : "report";
  for (const json& r : records) {
    json f = {{"type", "Feature"},
              {"geometry",
               {{"type", "Point"},
                {"coordinates", {r.value("longitude", 0.0), r.value("latitude", 0.0)}}}},
              {"properties", r}};
    if (kind == ExportRecord::kIncident) {
      f["id"] = r.value(id_key, "");
    } else {
      // A report can violate several zones and rules: the feature id names all three.
      f["id"] =
          fmt::format("{}.{}.{}", r.value(id_key, ""), r.value("zone", ""), r.value("rule", ""));
    }
    features.push_back(std::move(f));
  }
  return json{{"type", "FeatureCollection"}, {"features", std::move(features)}}.dump() + "\n";
}

}  // namespace truce::formats
