// Positions and distances on the WGS84 ellipsoid, with their units in their types.
//
// Latitude comes first in truce's API; GeoJSON's lon,lat order lives only in the GeoJSON
// adapter. All types are immutable values, safe to share between threads.
#pragma once

#include <cassert>
#include <cmath>
#include <compare>

#include "truce/result.h"

namespace truce {

// A distance in metres.
struct Meters {
  double value = 0;
  friend constexpr auto operator<=>(const Meters&, const Meters&) = default;
};

// A WGS84 position in degrees. Latitude in [-90, 90], longitude in [-180, 180], never NaN.
class LatLng {
 public:
  constexpr LatLng() = default;
  // REQUIRES: the coordinates are in range (checked in debug builds). Use Create() for input.
  constexpr LatLng(double lat, double lng) noexcept : lat_(lat), lng_(lng) {
    assert(IsValid(lat, lng));
  }
  // Validates user input; the error names the value and the range it missed.
  [[nodiscard]] static Result<LatLng> Create(double lat, double lng);

  static constexpr bool IsValid(double lat, double lng) noexcept {
    return lat >= -90.0 && lat <= 90.0 && lng >= -180.0 && lng <= 180.0;  // false for NaN
  }

  constexpr double lat() const noexcept { return lat_; }
  constexpr double lng() const noexcept { return lng_; }

  friend constexpr bool operator==(const LatLng&, const LatLng&) = default;

 private:
  double lat_ = 0;
  double lng_ = 0;
};

// An axis-aligned box in lon/lat degrees (no antimeridian crossing: truce's zones are regional).
struct LatLngRect {
  double lat_lo = 90, lat_hi = -90, lng_lo = 180, lng_hi = -180;  // empty

  constexpr bool empty() const noexcept { return lat_lo > lat_hi; }
  constexpr void Extend(LatLng p) noexcept {
    lat_lo = std::fmin(lat_lo, p.lat()), lat_hi = std::fmax(lat_hi, p.lat());
    lng_lo = std::fmin(lng_lo, p.lng()), lng_hi = std::fmax(lng_hi, p.lng());
  }
  constexpr void Extend(const LatLngRect& r) noexcept {
    if (r.empty()) return;
    Extend(LatLng(r.lat_lo, r.lng_lo));
    Extend(LatLng(r.lat_hi, r.lng_hi));
  }
  // Closed: a point on the edge of the box is inside it.
  constexpr bool Contains(LatLng p) const noexcept {
    return p.lat() >= lat_lo && p.lat() <= lat_hi && p.lng() >= lng_lo && p.lng() <= lng_hi;
  }
};

}  // namespace truce
