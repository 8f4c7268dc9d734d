// /api/v1/violations, /api/v1/incidents (and publishing one), /api/v1/summary: what the
// reports add up to, derived, never stored.
#include <fmt/format.h>

#include "formats/summary_json.h"
#include "server/routing.h"

namespace truce::server {
namespace {

using nlohmann::json;

// A page of a list the application encodes a slice of: only the page is encoded, so a page
// costs its items, not the whole list's. `list` gives the slice and the count of all.
template <typename List>
ApiResponse SlicedPage(const app::PageRequest& page, List list) {
  const auto slice = SliceOf(page);
  if (!slice.ok()) return ErrorResponse(slice.error());
  auto counted = list(*slice);
  if (!counted.ok()) return ErrorResponse(counted.error());
  app::JsonPage window = CountedPage(std::move(counted).value(), *slice);
  return JsonResponse(PageJson(std::move(window.items), window.next));
}

ApiResponse GetViolations(const Call& c) {
  QueryReader q(c);
  app::ViolationFilter f;
  static_cast<app::EventFilter&>(f) = q.Events();
  const std::string verdict = q.OneOf("verdict", {"inside", "possible"});
  if (!verdict.empty()) f.verdict = verdict == "inside" ? Verdict::kInside : Verdict::kPossible;
  f.rule = q.Text("rule");
  const app::PageRequest page = q.Page();
  if (!q.ok()) return ErrorResponse(q.error());
  return SlicedPage(page,
                    [&](const app::Slice& slice) { return c.app.Violations(c.who, f, slice); });
}

ApiResponse GetIncidents(const Call& c) {
  QueryReader q(c);
  app::IncidentFilter f;
  static_cast<app::EventFilter&>(f) = q.Events();
  f.grade = q.Text("grade");
  f.published_only = q.OneOf("published", {"true", "false"}) == "true";
  const app::PageRequest page = q.Page();
  if (!q.ok()) return ErrorResponse(q.error());
  return SlicedPage(page,
                    [&](const app::Slice& slice) { return c.app.Incidents(c.who, f, slice); });
}

ApiResponse PostPublish(const Call& c) {
  auto body = JsonBody(c);
  if (!body.ok()) return ErrorResponse(body.error());
  const std::string incident = body->is_object() && body->value("incident", json()).is_string()
                                   ? (*body)["incident"].get<std::string>()
                                   : "";
  auto out = c.app.PublishIncident(c.who, incident);
  if (!out.ok()) return ErrorResponse(out.error());
  const app::ItemOutcome& item = out->items.front();
  return JsonResponse(ItemJson(item), item.created ? 201 : 200);
}

ApiResponse GetIncident(const Call& c) {
  QueryReader q(c);
  const auto as_of = q.Time("as_of");
  if (!q.ok()) return ErrorResponse(q.error());
  auto incident = c.app.GetIncident(c.who, c.params[0], as_of);
  if (!incident.ok()) return ErrorResponse(incident.error());
  return JsonResponse(*incident);
}

ApiResponse PostDecision(const Call& c) {
  auto body = JsonBody(c);
  if (!body.ok()) return ErrorResponse(body.error());
  auto out = c.app.DecideIncident(c.who, c.params[0], *body);
  if (!out.ok()) return ErrorResponse(out.error());
  const app::ItemOutcome& item = out->items.front();
  json r = ItemJson(item);
  // The incident as it stands after the decision (a merged id resolves to the survivor).
  auto after = c.app.GetIncident(c.who, c.params[0], std::nullopt);
  if (after.ok()) r["incident"] = std::move(after).value();
  r["tree_head"] = HeadJson(c.app);
  return JsonResponse(r, item.created ? 201 : 200);
}

ApiResponse GetSummary(const Call& c) {
  QueryReader q(c);
  app::SummaryQuery query;
  query.as_of = q.Time("as_of");
  auto from = q.Time("from");
  auto to = q.Time("to");
  query.zone = q.Text("zone");
  if (!q.ok()) return ErrorResponse(q.error());
  using std::chrono::days;
  if (!to) to = std::chrono::floor<days>(query.as_of.value_or(c.app.Now())) + days(1);
  if (!from) from = *to - days(1);
  const auto whole_day = [](UtcTime t) { return std::chrono::floor<days>(t) == t; };
  auto period = TimeInterval::Create(*from, *to);
  if (!period.ok() || !whole_day(*from) || !whole_day(*to)) {
    Error e = MakeError(ErrorCode::kInvalidArgument,
                        "from and to must be dates (YYYY-MM-DD) with from before to");
    e.problems.push_back({"?from", "a date before to"});
    return ErrorResponse(e);
  }
  query.period = *period;
  auto summary = c.app.Summary(c.who, query);
  if (!summary.ok()) return ErrorResponse(summary.error());
  return JsonResponse(formats::SummaryToJson(*summary));
}

constexpr Route kRoutes[] = {
    {"GET", "/api/v1/violations", app::Action::kReadViolations, &GetViolations},
    {"GET", "/api/v1/incidents", app::Action::kReadIncidents, &GetIncidents},
    {"POST", "/api/v1/incidents/publish", app::Action::kPublishIncident, &PostPublish},
    {"GET", "/api/v1/incidents/{}", app::Action::kReadIncidents, &GetIncident},
    {"POST", "/api/v1/incidents/{}/decisions", app::Action::kDecideIncidents, &PostDecision},
    {"GET", "/api/v1/summary", app::Action::kReadSummary, &GetSummary},
};

}  // namespace

std::span<const Route> IncidentRoutes() { return kRoutes; }

}  // namespace truce::server
