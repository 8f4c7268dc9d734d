// kind "movement": one revision of an aid movement notified to the parties, its body the
// LineString Feature (formats::MovementToFeature) without `notified_at`: a movement is notified
// when the log receives it (the entry's received_at), which no client can backdate.
#include <fmt/format.h>

#include "app/submission.h"
#include "formats/notifications.h"

namespace truce::app {
namespace {

using nlohmann::json;

Result<store::EntryIndex> Derive(const store::LogEntry& entry, const ParsedEntry& parsed) {
  const json& data = parsed.data;
  const json& body = data.value("body", json());
  auto movement = formats::MovementFromFeature(body, "movement");
  if (!movement.ok()) {
    std::string why;
    for (const Problem& p : movement.error().problems)
      why += (why.empty() ? "" : "; ") + p.ToString();
    return detail::Malformed(
        entry, "not a valid movement: " + (why.empty() ? movement.error().message : why));
  }
  if (movement->notified_at() || detail::IntField(data, "revision") < 1) {
    return detail::Malformed(entry, "a movement entry has a revision and no notified_at");
  }
  return store::EntryIndex{};  // movements are read from the log itself; no query rows
}

std::string Describe(const json& data) {
  const json& body = data.value("body", json());
  return fmt::format("movement {} revision {}",
                     detail::StringField(body.value("properties", json()), "id"),
                     detail::IntField(data, "revision"));
}

}  // namespace

extern const KindSpec kMovementKind = {SubmissionKind::kMovement, "movement", "revision", &Derive,
                                       &Describe};

}  // namespace truce::app
