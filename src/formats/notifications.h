// Humanitarian notifications in and out (docs/formats.md, "Deconfliction"): protected sites
// as GeoJSON Point or Polygon Features, movements as GeoJSON LineString Features, and the JSON
// objects of acknowledgements and delivery outcomes, with the status and verdict objects
// computed from them. GeoJSON's [lon, lat] order lives only here.
//
// Readers list every problem, each naming the file, the feature or item index, the id when
// there is one, and the field ("sites.geojson feature 3 (site 'h-12'): properties.valid_from:
// ..."). Functions are pure over their arguments; safe to call from any thread.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "truce/access.h"
#include "truce/notification.h"
#include "truce/result.h"

namespace truce::formats {

// ---- sites ----

// A FeatureCollection of sites, or one Feature. Ids must be unique within the document.
[[nodiscard]] Result<std::vector<ProtectedSite>> ReadSites(const nlohmann::json& doc,
                                                           const std::string& file);
// One site Feature; `where` labels messages ("sites.geojson feature 3", "body").
[[nodiscard]] Result<ProtectedSite> SiteFromFeature(const nlohmann::json& feature,
                                                    const std::string& where);
nlohmann::json SiteToFeature(const ProtectedSite& site);
// A FeatureCollection that reads back as the same sites.
nlohmann::json SitesToGeoJson(std::span<const ProtectedSite> sites);

// ---- movements ----

[[nodiscard]] Result<std::vector<Movement>> ReadMovements(const nlohmann::json& doc,
                                                          const std::string& file);
[[nodiscard]] Result<Movement> MovementFromFeature(const nlohmann::json& feature,
                                                   const std::string& where);
nlohmann::json MovementToFeature(const Movement& movement);
nlohmann::json MovementsToGeoJson(std::span<const Movement> movements);
// {"movement","emergency","required_h","given_h","late"}: the notice check of a movement.
nlohmann::json NoticeCheckToJson(const Movement& movement);

// ---- acknowledgements ----

// {"kind": "site"|"movement", "notification": ID, "party": ID, "response": "acknowledged"|
// "rejected", "reason": TEXT, "at": TIME}. `at` may be omitted when `default_at` is given (the
// server's receipt time).
[[nodiscard]] Result<Acknowledgement> AcknowledgementFromJson(
    const nlohmann::json& object, const std::string& where,
    std::optional<UtcTime> default_at = std::nullopt);
nlohmann::json AcknowledgementToJson(const Acknowledgement& answer);
// {"kind","notification","party","state","notified_at","due","answered_at","reason","late"}.
nlohmann::json AcknowledgementStatusToJson(const AcknowledgementStatus& status);

// ---- delivery outcomes and access ----

// {"movement": ID, "status": "delivered"|"partial"|"blocked"|"delayed", "reason": TEXT,
// "reported_by": PARTY, "reported_at": TIME, "note": TEXT}. `reported_at` may be omitted
// when `default_at` is given.
[[nodiscard]] Result<DeliveryOutcome> DeliveryOutcomeFromJson(
    const nlohmann::json& object, const std::string& where,
    std::optional<UtcTime> default_at = std::nullopt);
nlohmann::json DeliveryOutcomeToJson(const DeliveryOutcome& outcome);
// The humanitarian_access verdict of one zone and period (docs/deconfliction.md).
nlohmann::json AccessVerdictToJson(const AccessVerdict& verdict);

// Reads a JSON array of objects (or one object) with `read` (AcknowledgementFromJson,
// DeliveryOutcomeFromJson), every problem of every item listed, items named "FILE item N".
template <typename T, typename Read>
[[nodiscard]] Result<std::vector<T>> ReadJsonItems(const nlohmann::json& doc,
                                                   const std::string& file, Read&& read) {
  std::vector<T> out;
  std::vector<std::string> problems;
  const bool single = doc.is_object();
  if (!single && !doc.is_array()) {
    return MakeProblemsError(file, {file + ": expected a JSON array of objects"});
  }
  const size_t n = single ? 1 : doc.size();
  for (size_t i = 0; i < n; ++i) {
    auto item = read(single ? doc : doc[i], file + " item " + std::to_string(i));
    if (!item.ok()) {
      for (const Problem& p : item.error().problems) problems.push_back(p.ToString());
      continue;
    }
    out.push_back(std::move(item).value());
  }
  if (!problems.empty()) return MakeProblemsError(file, std::move(problems));
  return out;
}

}  // namespace truce::formats
