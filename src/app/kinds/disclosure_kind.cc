// kind "disclosure": one read of a list of notified sites or movements, logged because a
// no-strike list can become a target list. Who read is the entry's submitter (token), party and
// role; when, its received_at; what, the body: {"resource": "sites"|"movements", "query": the
// request's filters, "items": [{"id", "revision"}] shown, "digest": SHA-256 (hex) of the items
// as served, canonical JSON}. The reader gets the entry back, so it can prove what it was shown
// and the cell can prove whom it told (docs/deconfliction.md "The server").
#include <fmt/format.h>

#include "app/submission.h"

namespace truce::app {
namespace {

using nlohmann::json;

Result<store::EntryIndex> Derive(const store::LogEntry& entry, const ParsedEntry& parsed) {
  const json& data = parsed.data;
  const json& body = data.value("body", json());
  const std::string resource = detail::StringField(body, "resource");
  if (resource != "sites" && resource != "movements") {
    return detail::Malformed(entry, "a disclosure names the resource read (sites or movements)");
  }
  const auto items = body.find("items");
  if (items == body.end() || !items->is_array() ||
      detail::StringField(body, "digest").size() != 64) {
    return detail::Malformed(entry, "a disclosure lists the items shown and their digest");
  }
  for (const json& item : *items) {
    if (detail::StringField(item, "id").empty() || detail::IntField(item, "revision") < 1) {
      return detail::Malformed(entry, "a disclosed item has an id and a revision");
    }
  }
  return store::EntryIndex{};
}

std::string Describe(const json& data) {
  const json& body = data.value("body", json());
  const auto items = body.find("items");
  return fmt::format("disclosure of {} {} to {}",
                     items != body.end() && items->is_array() ? items->size() : 0,
                     detail::StringField(body, "resource"), detail::StringField(data, "submitter"));
}

}  // namespace

extern const KindSpec kDisclosureKind = {SubmissionKind::kDisclosure, "disclosure", "", &Derive,
                                         &Describe};

}  // namespace truce::app
