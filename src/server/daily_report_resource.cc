// /api/v1/report?zone=Z&day=D[&as_of=T]: the daily report of a zone as an HTML page
// (formats/daily_report.h), what `truce report` writes; as the caller's role may read it.
#include <fmt/format.h>

#include "server/routing.h"

namespace truce::server {
namespace {

ApiResponse GetDailyReport(const Call& c) {
  QueryReader q(c);
  app::DailyReportQuery query;
  query.zone = q.Text("zone");
  const auto day = q.Time("day");
  query.as_of = q.Time("as_of");
  if (!q.ok()) return ErrorResponse(q.error());
  if (query.zone.empty()) q.Fail("zone", "a zone is required", "a zone id such as idlib");
  if (!day || *day != std::chrono::floor<std::chrono::days>(*day)) {
    q.Fail("day", "a day is required", "a day YYYY-MM-DD");
  }
  if (!q.ok()) return ErrorResponse(q.error());
  query.day = *day;
  auto report = c.app.DailyReport(c.who, query);
  if (!report.ok()) return ErrorResponse(report.error());
  ApiResponse r;
  r.content_type = "text/html; charset=utf-8";
  r.body = formats::DailyReportToHtml(*report);
  return r;
}

constexpr Route kRoutes[] = {
    {"GET", "/api/v1/report", app::Action::kReadSummary, &GetDailyReport},
};

}  // namespace

std::span<const Route> DailyReportRoutes() { return kRoutes; }

}  // namespace truce::server
