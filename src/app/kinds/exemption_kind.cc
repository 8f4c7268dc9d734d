// kind "exemption": a notified flight (humanitarian, medical evacuation, monitoring) that may
// enter no-fly zones during a window, in the form formats::ExemptionToJson gives it.
#include <fmt/format.h>

#include "app/submission.h"
#include "formats/flight_json.h"

namespace truce::app {
namespace {

using nlohmann::json;

Result<store::EntryIndex> Derive(const store::LogEntry& entry, const ParsedEntry& parsed) {
  const json& data = parsed.data;
  std::vector<Problem> problems;
  if (!formats::ExemptionFromJson(data.value("body", json()), "", problems)) {
    std::string why;
    for (const Problem& p : problems) why += (why.empty() ? "" : "; ") + p.ToString();
    return detail::Malformed(entry, "not a valid exemption: " + why);
  }
  return store::EntryIndex{};  // exemptions are read from the log itself; no query rows
}

std::string Describe(const json& data) {
  const json& body = data.value("body", json());
  const std::string icao = detail::StringField(body, "icao24");
  return fmt::format("exemption of {}",
                     icao.empty() ? detail::StringField(body, "callsign") : icao);
}

}  // namespace

extern const KindSpec kExemptionKind = {SubmissionKind::kExemption, "exemption", "", &Derive,
                                        &Describe};

}  // namespace truce::app
