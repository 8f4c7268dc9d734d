// kind "scenario": a scenario version as one bundle of its files (scenario_bundle.h), its
// version number in the entry data.
#include <fmt/format.h>

#include "app/submission.h"
#include "truce/merkle_log.h"

namespace truce::app {
namespace {

using nlohmann::json;

Result<store::EntryIndex> Derive(const store::LogEntry& entry, const ParsedEntry& parsed) {
  const json& data = parsed.data;
  const json& body = data.value("body", json());
  const int version = detail::IntField(data, "version");
  if (!body.is_object() || version < 1) {
    return detail::Malformed(entry, "not a valid scenario version");
  }
  const json& scenario = body.value("scenario", json());
  store::EntryIndex rows;
  rows.scenarios.push_back(store::ScenarioRow{
      entry.index, detail::StringField(scenario, "id"), version,
      HashToHex(Sha256(body.dump(-1, ' ', false, json::error_handler_t::replace))),
      entry.received_at});
  return rows;
}

std::string Describe(const json& data) {
  return fmt::format("scenario version {}", detail::IntField(data, "version"));
}

}  // namespace

extern const KindSpec kScenarioKind = {SubmissionKind::kScenario, "scenario", "version", &Derive,
                                       &Describe};

}  // namespace truce::app
