// kind "acknowledgement": a party's answer to a notification it was told of,
// {"kind", "notification", "party", "response", "reason"} (formats::AcknowledgementFromJson);
// when it answered is the entry's received_at.
#include <fmt/format.h>

#include "app/submission.h"
#include "formats/notifications.h"

namespace truce::app {
namespace {

using nlohmann::json;

Result<store::EntryIndex> Derive(const store::LogEntry& entry, const ParsedEntry& parsed) {
  const json& data = parsed.data;
  const json& body = data.value("body", json());
  auto answer = formats::AcknowledgementFromJson(body, "acknowledgement", entry.received_at);
  if (!answer.ok() || body.contains("at")) {
    std::string why = answer.ok() ? "carries its own time" : answer.error().message;
    if (!answer.ok()) {
      for (const Problem& p : answer.error().problems) why += "; " + p.ToString();
    }
    return detail::Malformed(entry, "not a valid acknowledgement: " + why);
  }
  return store::EntryIndex{};  // answers are read from the log itself; no query rows
}

std::string Describe(const json& data) {
  const json& body = data.value("body", json());
  return fmt::format("{} of {} {} by {}", detail::StringField(body, "response"),
                     detail::StringField(body, "kind"), detail::StringField(body, "notification"),
                     detail::StringField(body, "party"));
}

}  // namespace

extern const KindSpec kAcknowledgementKind = {SubmissionKind::kAcknowledgement, "acknowledgement",
                                              "", &Derive, &Describe};

}  // namespace truce::app
