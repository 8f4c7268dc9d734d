// kind "publication": a monitor's decision to show an incident to the public role.
#include <fmt/format.h>

#include "app/submission.h"

namespace truce::app {
namespace {

using nlohmann::json;

Result<store::EntryIndex> Derive(const store::LogEntry& entry, const ParsedEntry& parsed) {
  const json& data = parsed.data;
  const std::string incident = detail::StringField(data.value("body", json()), "incident");
  if (incident.empty()) return detail::Malformed(entry, "a publication names an incident");
  store::EntryIndex rows;
  rows.publications.push_back(store::PublicationRow{entry.index, incident, entry.received_at});
  return rows;
}

std::string Describe(const json& data) {
  return fmt::format("publication of incident {}",
                     detail::StringField(data.value("body", json()), "incident"));
}

}  // namespace

extern const KindSpec kPublicationKind = {SubmissionKind::kPublication, "publication", "", &Derive,
                                          &Describe};

}  // namespace truce::app
