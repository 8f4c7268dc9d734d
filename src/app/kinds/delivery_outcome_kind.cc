// kind "delivery_outcome": what became of a notified movement, {"movement", "status", "reason",
// "reported_by", "note"} (formats::DeliveryOutcomeFromJson); when it was reported is the
// entry's received_at.
#include <fmt/format.h>

#include "app/submission.h"
#include "formats/notifications.h"

namespace truce::app {
namespace {

using nlohmann::json;

Result<store::EntryIndex> Derive(const store::LogEntry& entry, const ParsedEntry& parsed) {
  const json& data = parsed.data;
  const json& body = data.value("body", json());
  auto outcome = formats::DeliveryOutcomeFromJson(body, "delivery outcome", entry.received_at);
  if (!outcome.ok() || body.contains("reported_at")) {
    std::string why = outcome.ok() ? "carries its own time" : outcome.error().message;
    if (!outcome.ok()) {
      for (const Problem& p : outcome.error().problems) why += "; " + p.ToString();
    }
    return detail::Malformed(entry, "not a valid delivery outcome: " + why);
  }
  return store::EntryIndex{};  // outcomes are read from the log itself; no query rows
}

std::string Describe(const json& data) {
  const json& body = data.value("body", json());
  return fmt::format("delivery outcome '{}' of movement {}", detail::StringField(body, "status"),
                     detail::StringField(body, "movement"));
}

}  // namespace

extern const KindSpec kDeliveryOutcomeKind = {SubmissionKind::kDeliveryOutcome, "delivery_outcome",
                                              "", &Derive, &Describe};

}  // namespace truce::app
