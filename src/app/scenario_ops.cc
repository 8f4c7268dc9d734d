// Operations on the scenario: the versions in force, adopting a new one, the zones.
#include <fmt/format.h>

#include "app/app.h"
#include "app/scenario_bundle.h"
#include "truce/merkle_log.h"

namespace truce::app {

using nlohmann::json;

Result<ScenarioDocument> App::GetScenario(const Principal& who, std::optional<UtcTime> as_of) {
  if (Status st = Check(who, Action::kReadScenario); !st.ok()) return st.error();
  auto stored = views_.ScenarioAt(views_.SizeAsOf(as_of));
  if (!stored) return MakeError(ErrorCode::kNotFound, "no scenario has been loaded");
  return ScenarioDocument{std::move(stored)};
}

Result<std::vector<std::shared_ptr<const StoredScenario>>> App::ScenarioVersions(
    const Principal& who) {
  if (Status st = Check(who, Action::kReadScenario); !st.ok()) return st.error();
  return views_.Scenarios();
}

Result<SubmitOutcome> App::SubmitScenario(const Principal& who, json bundle) {
  if (Status st = Check(who, Action::kSubmitScenario); !st.ok()) return st.error();
  // A bare zones FeatureCollection is a scenario of its zones alone.
  if (bundle.is_object() && bundle.value("type", json()) == "FeatureCollection") {
    bundle = json{{"format", "truce-scenario-bundle/1"}, {"zones", {{"zones.geojson", bundle}}}};
  }
  return AdoptScenario(std::move(bundle), who.token_id);
}

Result<SubmitOutcome> App::AdoptScenario(json bundle, std::string_view submitter) {
  auto scenario = ScenarioFromBundle(bundle, "body");
  if (!scenario.ok()) {
    Error e = std::move(scenario).error();
    e.code = ErrorCode::kInvalidInput;
    return e;
  }
  std::lock_guard lock(submit_mu_);
  return AdoptLocked(std::move(bundle), submitter);
}

Result<SubmitOutcome> App::AdoptLocked(json bundle, std::string_view submitter) {
  const std::string digest =
      HashToHex(Sha256(bundle.dump(-1, ' ', false, json::error_handler_t::replace)));
  const auto latest = views_.ScenarioAt(views_.size());
  SubmitOutcome out;
  if (latest && latest->digest == digest) {
    out.items.push_back(ItemOutcome{"", latest->version, false, latest->entry, std::nullopt});
    out.unchanged = 1;
    out.version = latest->version;
    out.head = ledger_.Head();
    return out;
  }
  const int version = latest ? latest->version + 1 : 1;
  auto entries = AppendLocked({Submission{SubmissionKind::kScenario, std::string(submitter), "",
                                          std::move(bundle), version, ""}});
  if (!entries.ok()) return entries.error();
  metrics_.Add("truce_scenario_versions_total");
  const store::LogEntry& e = entries->front();
  out.items.push_back(ItemOutcome{"", version, true, e.index, ReceiptOf(e)});
  out.accepted = 1;
  out.version = version;
  out.head = ledger_.Head();
  return out;
}

Result<ZoneSelection> App::Zones(const Principal& who, std::optional<UtcTime> at,
                                 std::optional<UtcTime> as_of) {
  if (Status st = Check(who, Action::kReadZones); !st.ok()) return st.error();
  ZoneSelection out;
  out.scenario = views_.ScenarioAt(views_.SizeAsOf(as_of));
  if (!out.scenario) return MakeError(ErrorCode::kNotFound, "no scenario has been loaded");
  if (at) {
    out.versions = out.scenario->scenario->InForceAt(*at);
  } else {
    for (const ZoneVersion& v : out.scenario->scenario->zone_versions()) out.versions.push_back(&v);
  }
  return out;
}

}  // namespace truce::app
