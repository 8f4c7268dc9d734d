#include "formats/decisions.h"

#include <fmt/format.h>

#include "formats/json_records.h"

namespace truce::formats {

using nlohmann::json;

Result<Decision> DecisionFromJson(const json& o, const std::string& origin,
                                  const std::string& default_id) {
  std::vector<std::string> problems;
  if (!o.is_object()) {
    return MakeProblemsError(origin, {origin + ": expected a decision object"});
  }
  Decision d;
  d.id = OptionalString(o, "id", origin, problems).value_or(default_id);
  const std::string action = RequiredString(o, "action", origin, problems);
  if (!action.empty()) {
    if (const auto kind = ParseDecisionKind(action)) {
      d.kind = *kind;
    } else {
      problems.push_back(fmt::format(
          "{}: action: expected \"merge\", \"split\" or \"grade\", got \"{}\"", origin, action));
    }
  }
  d.reports = StringList(o, "reports", origin, /*required=*/true, problems);
  d.rest = StringList(o, "rest", origin, /*required=*/false, problems);
  d.reason = RequiredString(o, "reason", origin, problems);
  d.by = RequiredString(o, "by", origin, problems);
  if (const auto at = OptionalTime(o, "at", origin, problems)) {
    d.at = *at;
  } else if (!o.contains("at") || o["at"].is_null()) {
    problems.push_back(origin + ": at: required, when the decision was made");
  }
  const auto grade = OptionalString(o, "grade", origin, problems);
  if (d.kind == DecisionKind::kGrade && action == "grade") {
    if (!grade) {
      problems.push_back(origin + ": grade: required for a grade decision");
    } else if (const auto g = ParseGrade(*grade)) {
      d.grade = *g;
    } else {
      problems.push_back(fmt::format(
          "{}: grade: expected single-source, corroborated, confirmed, contested, denied or "
          "discounted, got \"{}\"",
          origin, *grade));
    }
    if (d.reports.size() > 1) {
      problems.push_back(origin + ": reports: a grade names one report of the incident");
    }
  } else if (grade) {
    problems.push_back(origin + ": grade: only a grade decision carries a grade");
  }
  if (!d.rest.empty() && d.kind != DecisionKind::kSplit) {
    problems.push_back(origin + ": rest: only a split names the reports left behind");
  }
  if (d.kind == DecisionKind::kMerge && d.reports.size() == 1) {
    problems.push_back(origin + ": reports: a merge names reports of two or more incidents");
  }
  if (!problems.empty()) return MakeProblemsError(origin, std::move(problems));
  return d;
}

Result<std::vector<Decision>> ParseDecisions(std::string_view text, const std::string& file) {
  return ReadJsonObjects<Decision>(text, file, DecisionFromJson);
}

nlohmann::ordered_json DecisionToJson(const Decision& d) {
  nlohmann::ordered_json j = {
      {"id", d.id}, {"action", DecisionKindName(d.kind)}, {"reports", d.reports}};
  if (d.kind == DecisionKind::kSplit) j["rest"] = d.rest;
  if (d.kind == DecisionKind::kGrade) j["grade"] = GradeName(d.grade);
  j["reason"] = d.reason;
  j["by"] = d.by;
  j["at"] = FormatUtcTime(d.at);
  return j;
}

}  // namespace truce::formats
