// kind "decision": an analyst's merge, split or grade of incidents, on report event ids
// (formats::DecisionToJson). Who decided and when are the entry's submitter and received_at.
#include <fmt/format.h>

#include "app/submission.h"
#include "formats/decisions.h"

namespace truce::app {
namespace {

using nlohmann::json;

Result<store::EntryIndex> Derive(const store::LogEntry& entry, const ParsedEntry& parsed) {
  const json& data = parsed.data;
  auto decision = formats::DecisionFromJson(data.value("body", json()), "decision",
                                            std::to_string(entry.index));
  if (!decision.ok()) {
    std::string why;
    for (const Problem& p : decision.error().problems)
      why += (why.empty() ? "" : "; ") + p.ToString();
    return detail::Malformed(
        entry, "not a valid decision: " + (why.empty() ? decision.error().message : why));
  }
  return store::EntryIndex{};  // decisions are read from the log itself; no query rows
}

std::string Describe(const json& data) {
  const json& body = data.value("body", json());
  return fmt::format("decision to {} incidents", detail::StringField(body, "action"));
}

}  // namespace

extern const KindSpec kDecisionKind = {SubmissionKind::kDecision, "decision", "", &Derive,
                                       &Describe};

}  // namespace truce::app
