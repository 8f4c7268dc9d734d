// RAII over the GEOS C API (reentrant _r functions), and conversion from truce geometry.
//
// GEOS is core's reference geometry engine: validation, the exact zone lookup that the fast
// index is checked against, and whatever the index does not cover. A GeosContext is not
// thread-safe; use one per thread. Geometries must be destroyed with the context that made them.
#pragma once

#include <memory>
#include <string>

#include <geos_c.h>

#include "truce/geometry.h"
#include "truce/result.h"

namespace truce::detail {

class GeosContext {
 public:
  GeosContext();
  ~GeosContext();
  GeosContext(const GeosContext&) = delete;
  GeosContext& operator=(const GeosContext&) = delete;

  GEOSContextHandle_t handle() const noexcept { return handle_; }
  // The last error or notice GEOS reported on this context ("" if none).
  const std::string& last_error() const noexcept { return last_error_; }

 private:
  static void OnMessage(const char* message, void* self);
  GEOSContextHandle_t handle_;
  std::string last_error_;
};

struct GeomDeleter {
  GEOSContextHandle_t ctx;
  void operator()(GEOSGeometry* g) const noexcept { GEOSGeom_destroy_r(ctx, g); }
};
using GeomPtr = std::unique_ptr<GEOSGeometry, GeomDeleter>;

struct PreparedDeleter {
  GEOSContextHandle_t ctx;
  void operator()(const GEOSPreparedGeometry* g) const noexcept {
    GEOSPreparedGeom_destroy_r(ctx, g);
  }
};
using PreparedPtr = std::unique_ptr<const GEOSPreparedGeometry, PreparedDeleter>;

// Builds a GEOS MultiPolygon (x = lng, y = lat). REQUIRES: every ring closed with >= 4
// positions (ValidateMultiPolygon's structural checks); errors only if GEOS refuses.
[[nodiscard]] Result<GeomPtr> ToGeos(const GeosContext& ctx, const MultiPolygon& shape);

// A GEOS point at `p`.
GeomPtr MakePoint(const GeosContext& ctx, LatLng p);

PreparedPtr Prepare(const GeosContext& ctx, const GEOSGeometry& g);

// The polygonal parts of `g` (a Polygon, MultiPolygon or a collection holding them; points and
// lines, which an intersection can produce where shapes touch, are dropped).
MultiPolygon PolygonalParts(const GeosContext& ctx, const GEOSGeometry& g);

}  // namespace truce::detail
