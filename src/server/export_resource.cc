// /api/v1/export/{incidents,violations}: the list's records as CSV (ACLED's columns),
// HXL-tagged CSV or GeoJSON, chosen by `f=csv|hxl|geojson` or else the Accept header
// (text/csv, application/geo+json); CSV when neither says. The same filters and the same
// policy as /api/v1/incidents and /api/v1/violations.
#include <algorithm>

#include <fmt/format.h>

#include "server/routing.h"

namespace truce::server {
namespace {

// The format `f=` names, else the first the Accept header names; "" for a bad `f=`.
std::optional<formats::ExportFormat> FormatOf(const Call& c, QueryReader& q) {
  const std::string f = q.OneOf("f", {"csv", "hxl", "geojson"});
  if (!q.ok()) return std::nullopt;
  if (!f.empty()) return formats::ParseExportFormat(f);
  const std::string& accept = c.req.accept;
  const size_t csv = accept.find("text/csv");
  const size_t geo = std::min(accept.find("application/geo+json"), accept.find("application/json"));
  if (geo != std::string::npos && (csv == std::string::npos || geo < csv)) {
    return formats::ExportFormat::kGeoJson;
  }
  if (csv != std::string::npos && accept.find("hxl", csv) != std::string::npos) {
    return formats::ExportFormat::kHxl;
  }
  return formats::ExportFormat::kCsv;
}

ApiResponse Encode(const Call& c, const app::ExportQuery& query) {
  auto doc = c.app.Export(c.who, query);
  if (!doc.ok()) return ErrorResponse(doc.error());
  ApiResponse r;
  r.content_type = doc->media_type;
  r.body = std::move(doc->body);
  r.headers.emplace_back("Content-Disposition",
                         fmt::format("attachment; filename=\"{}\"", doc->filename));
  return r;
}

ApiResponse GetIncidents(const Call& c) {
  QueryReader q(c);
  app::ExportQuery query;
  query.record = formats::ExportRecord::kIncident;
  static_cast<app::EventFilter&>(query.incidents) = q.Events();
  query.incidents.grade = q.Text("grade");
  query.incidents.published_only = q.OneOf("published", {"true", "false"}) == "true";
  const auto format = FormatOf(c, q);
  if (!q.ok()) return ErrorResponse(q.error());
  query.format = *format;
  return Encode(c, query);
}

ApiResponse GetViolations(const Call& c) {
  QueryReader q(c);
  app::ExportQuery query;
  query.record = formats::ExportRecord::kViolation;
  static_cast<app::EventFilter&>(query.violations) = q.Events();
  const std::string verdict = q.OneOf("verdict", {"inside", "possible"});
  if (!verdict.empty()) {
    query.violations.verdict = verdict == "inside" ? Verdict::kInside : Verdict::kPossible;
  }
  query.violations.rule = q.Text("rule");
  const auto format = FormatOf(c, q);
  if (!q.ok()) return ErrorResponse(q.error());
  query.format = *format;
  return Encode(c, query);
}

constexpr Route kRoutes[] = {
    {"GET", "/api/v1/export/incidents", app::Action::kReadIncidents, &GetIncidents},
    {"GET", "/api/v1/export/violations", app::Action::kReadViolations, &GetViolations},
};

}  // namespace

std::span<const Route> ExportRoutes() { return kRoutes; }

}  // namespace truce::server
