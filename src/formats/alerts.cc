#include "alerts.h"

#include <cmath>

namespace truce::formats {
namespace {

double Round(double x, double scale) { return std::round(x * scale) / scale; }

}  // namespace

nlohmann::ordered_json AlertToJson(const Alert& a) {
  using nlohmann::ordered_json;
  const bool report = a.cause == AlertCause::kReport;
  ordered_json j;
  j["kind"] = NotificationKindName(a.kind);
  j["target"] = a.target;
  if (report) {
    j["report"] = a.report;
  } else {
    j["icao24"] = a.icao24;
  }
  j["distance_m"] = Round(a.distance.value, 100);  // centimetres
  j["verdict"] = VerdictName(a.verdict);
  j["time"] = FormatUtcTime(a.time);
  j["id"] = a.id;
  j["cause"] = AlertCauseName(a.cause);
  if (report) j["until"] = a.until ? ordered_json(FormatUtcTime(*a.until)) : ordered_json(nullptr);
  j["nearest_m"] = Round(a.nearest.value, 100);
  if (report) j["radius_m"] = a.radius.value;
  j["alert_distance_m"] = a.alert_distance.value;
  j["organisation"] = a.organisation;
  if (!report) {
    j["callsign"] = a.callsign;
    j["altitude_m"] =
        a.altitude ? ordered_json(Round(a.altitude->value, 10)) : ordered_json(nullptr);
    j["time_ms"] = a.time.time_since_epoch().count();
  }
  j["lat"] = Round(a.where.lat(), 1e7);
  j["lon"] = Round(a.where.lng(), 1e7);
  j["after_notice"] = a.after_notice ? ordered_json(*a.after_notice) : ordered_json(nullptr);
  return j;
}

nlohmann::ordered_json AlertToFeature(const Alert& a) {
  nlohmann::ordered_json f;
  f["type"] = "Feature";
  f["properties"] = AlertToJson(a);
  f["geometry"] = {{"type", "Point"},
                   {"coordinates", {Round(a.where.lng(), 1e7), Round(a.where.lat(), 1e7)}}};
  return f;
}

}  // namespace truce::formats
