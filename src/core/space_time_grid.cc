#include "space_time_grid.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include <GeographicLib/Geodesic.hpp>

namespace truce::detail {
namespace {

constexpr double kDegree = std::numbers::pi / 180;
// A degree of latitude is at least 110,574 m on WGS84 (at the equator); rounded down.
constexpr double kMinMetresPerDegreeLat = 110'000;
// The spherical estimate uses the mean radius; against WGS84 geodesics it is within 0.6%
// (space_time_grid_test.cc checks 1% over all latitudes), so it decides everything farther
// than 1% from the threshold and GeographicLib the rest.
constexpr double kMeanRadius = 6'371'008.8;
constexpr double kEstimateError = 0.01;
// For the columns around a point: a sphere no larger than the ellipsoid anywhere.
constexpr double kMinRadius = 6'356'000;

double Haversine(double lat1, double lng1, double lat2, double lng2) {
  const double dlat = (lat2 - lat1) * kDegree;
  const double dlng = (lng2 - lng1) * kDegree;
  const double s = std::sin(dlat / 2), t = std::sin(dlng / 2);
  const double h = s * s + std::cos(lat1 * kDegree) * std::cos(lat2 * kDegree) * t * t;
  return 2 * kMeanRadius * std::asin(std::min(1.0, std::sqrt(h)));
}

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// The longitude span, degrees, within which points `reach` metres from a point at latitudes
// up to |lat_max| can lie: 2 asin(sin(d / 2R) / cos(lat)) on a sphere of radius kMinRadius.
double LongitudeReach(double reach, double lat_max) {
  if (reach >= std::numbers::pi * kMinRadius) return 360;  // half the globe or more
  const double c = std::cos(std::min(90.0, lat_max) * kDegree);
  const double s = std::sin(reach / (2 * kMinRadius));
  if (c <= s) return 360;
  return 2 * std::asin(s / c) / kDegree;
}

}  // namespace

uint8_t EventTypeIndex(std::string_view event_type) {
  const auto type = FindAcledEventType(event_type);
  if (!type) return kAnyType;
  const auto& types = AcledEventTypes();
  return static_cast<uint8_t>(std::find(types.begin(), types.end(), *type) - types.begin());
}

Footprint FootprintOf(const Report& report) {
  Footprint f;
  f.begin = report.when().begin().time_since_epoch().count();
  f.end = report.when().end().time_since_epoch().count();
  f.lat = report.location().lat();
  f.lng = report.location().lng();
  f.radius = report.radius().value;
  f.type = EventTypeIndex(report.spec().event_type);
  return f;
}

double GeodesicDistance(double lat1, double lng1, double lat2, double lng2) {
  double s12 = 0;
  GeographicLib::Geodesic::WGS84().Inverse(lat1, lng1, lat2, lng2, s12);
  return s12;
}

LinkCriterion::LinkCriterion(const CorroborationSettings& s)
    : tolerance_(s.time_tolerance.count()),
      distance_(s.distance.value),
      max_radius_(s.max_radius.value),
      max_interval_(s.max_interval.count()) {
  for (uint8_t i = 0; i <= kAnyType; ++i) {
    compatible_[i][i] = true;
    compatible_[i][kAnyType] = compatible_[kAnyType][i] = true;
  }
  for (const auto& [a, b] : s.compatible_types) {
    const uint8_t x = EventTypeIndex(a), y = EventTypeIndex(b);
    compatible_[x][y] = compatible_[y][x] = true;
  }
}

bool LinkCriterion::Linked(const Footprint& a, const Footprint& b) const {
  if (!compatible_[a.type][b.type] || !TimeCompatible(a, b)) return false;
  const double threshold = std::max(a.radius, b.radius) + distance_;
  if (std::fabs(a.lat - b.lat) * kMinMetresPerDegreeLat > threshold) return false;
  if (a.lat == b.lat && a.lng == b.lng) return true;
  const double estimate = Haversine(a.lat, a.lng, b.lat, b.lng);
  if (estimate * (1 - kEstimateError) > threshold) return false;
  if (estimate * (1 + kEstimateError) <= threshold) return true;
  return GeodesicDistance(a.lat, a.lng, b.lat, b.lng) <= threshold;
}

SpaceTimeGrid::SpaceTimeGrid(const LinkCriterion& criterion)
    // Cells no smaller than 100 m and one minute: smaller ones only cost memory.
    : reach_m_(std::max(criterion.reach_m(), 100.0)),
      slot_ms_(std::max<int64_t>(criterion.reach_ms(), 60'000)),
      row_deg_(reach_m_ / kMinMetresPerDegreeLat),
      rows_(static_cast<int32_t>(std::ceil(180 / row_deg_)) + 1) {
  columns_.resize(static_cast<size_t>(rows_));
  for (int32_t r = 0; r < rows_; ++r) {
    const double lo = -90 + r * row_deg_, hi = lo + row_deg_;
    const double span = LongitudeReach(reach_m_, std::max(std::fabs(lo), std::fabs(hi)));
    columns_[static_cast<size_t>(r)] =
        static_cast<int32_t>(std::clamp(std::floor(360 / span), 1.0, double{1 << 22}));
  }
}

int64_t SpaceTimeGrid::Slot(int64_t ms) const noexcept { return FloorDiv(ms, slot_ms_); }

int32_t SpaceTimeGrid::Row(double lat) const noexcept {
  return std::clamp(static_cast<int32_t>(std::floor((lat + 90) / row_deg_)), 0, rows_ - 1);
}

int32_t SpaceTimeGrid::ColumnsInRow(int32_t row) const noexcept {
  return columns_[static_cast<size_t>(row)];
}

int32_t SpaceTimeGrid::Column(int32_t row, double lng) const noexcept {
  const int32_t n = ColumnsInRow(row);
  return std::clamp(static_cast<int32_t>(std::floor((lng + 180) / 360 * n)), 0, n - 1);
}

void SpaceTimeGrid::Columns(int32_t row, const Footprint& f, int32_t& lo,
                            int32_t& hi) const noexcept {
  const int32_t n = ColumnsInRow(row);
  const double row_lo = -90 + row * row_deg_, row_hi = row_lo + row_deg_;
  // The path between two points stays between their latitudes (give or take the bulge of a
  // short geodesic, covered by one more row's height).
  const double lat_max =
      std::max({std::fabs(f.lat), std::fabs(row_lo), std::fabs(row_hi)}) + row_deg_;
  const double span = LongitudeReach(reach_m_, lat_max);
  if (span >= 180) {
    lo = 0, hi = n - 1;
    return;
  }
  const double width = 360.0 / n;
  lo = static_cast<int32_t>(std::floor((f.lng - span + 180) / width)) - 1;
  hi = static_cast<int32_t>(std::floor((f.lng + span + 180) / width)) + 1;
  if (hi - lo + 1 >= n) lo = 0, hi = n - 1;
}

SpaceTimeGrid::Key SpaceTimeGrid::KeyOf(const Footprint& f) const noexcept {
  const int32_t row = Row(f.lat);
  return Key{row, Column(row, f.lng), Slot(f.begin)};
}

void SpaceTimeGrid::Insert(uint32_t id, const Footprint& f) { cells_[KeyOf(f)].push_back(id); }

void SpaceTimeGrid::Erase(uint32_t id, const Footprint& f) {
  const auto it = cells_.find(KeyOf(f));
  if (it == cells_.end()) return;
  auto& ids = it->second;
  ids.erase(std::remove(ids.begin(), ids.end(), id), ids.end());
  if (ids.empty()) cells_.erase(it);
}

}  // namespace truce::detail
