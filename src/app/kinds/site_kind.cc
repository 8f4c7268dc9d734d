// kind "site": one revision of a protected site notified to the parties, its body the site's
// GeoJSON Feature (formats::SiteToFeature) without `notified_at`: a site is notified when the
// log receives it (the entry's received_at), which no client can backdate.
#include <fmt/format.h>

#include "app/submission.h"
#include "formats/notifications.h"

namespace truce::app {
namespace {

using nlohmann::json;

Result<store::EntryIndex> Derive(const store::LogEntry& entry, const ParsedEntry& parsed) {
  const json& data = parsed.data;
  const json& body = data.value("body", json());
  auto site = formats::SiteFromFeature(body, "site");
  if (!site.ok()) {
    std::string why;
    for (const Problem& p : site.error().problems) why += (why.empty() ? "" : "; ") + p.ToString();
    return detail::Malformed(entry,
                             "not a valid site: " + (why.empty() ? site.error().message : why));
  }
  if (site->notified_at() || detail::IntField(data, "revision") < 1) {
    return detail::Malformed(entry, "a site entry has a revision and no notified_at");
  }
  return store::EntryIndex{};  // sites are read from the log itself; no query rows
}

std::string Describe(const json& data) {
  const json& body = data.value("body", json());
  return fmt::format("site {} revision {}",
                     detail::StringField(body.value("properties", json()), "id"),
                     detail::IntField(data, "revision"));
}

}  // namespace

extern const KindSpec kSiteKind = {SubmissionKind::kSite, "site", "revision", &Derive, &Describe};

}  // namespace truce::app
