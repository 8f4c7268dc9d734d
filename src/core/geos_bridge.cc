#include "geos_bridge.h"

#include <vector>

namespace truce::detail {

GeosContext::GeosContext() : handle_(GEOS_init_r()) {
  GEOSContext_setErrorMessageHandler_r(handle_, &GeosContext::OnMessage, this);
  GEOSContext_setNoticeMessageHandler_r(handle_, &GeosContext::OnMessage, this);
}

GeosContext::~GeosContext() { GEOS_finish_r(handle_); }

void GeosContext::OnMessage(const char* message, void* self) {
  static_cast<GeosContext*>(self)->last_error_ = message ? message : "";
}

namespace {

GEOSGeometry* MakeRing(GEOSContextHandle_t ctx, const Ring& ring) {
  // Interleaved x,y buffer: lon first, as GEOS and GeoJSON expect.
  std::vector<double> xy;
  xy.reserve(ring.size() * 2);
  for (const LatLng& p : ring) {
    xy.push_back(p.lng());
    xy.push_back(p.lat());
  }
  GEOSCoordSequence* seq =
      GEOSCoordSeq_copyFromBuffer_r(ctx, xy.data(), static_cast<unsigned>(ring.size()), 0, 0);
  if (seq == nullptr) return nullptr;
  return GEOSGeom_createLinearRing_r(ctx, seq);  // takes ownership of seq, even on failure
}

}  // namespace

Result<GeomPtr> ToGeos(const GeosContext& ctx, const MultiPolygon& shape) {
  GEOSContextHandle_t h = ctx.handle();
  std::vector<GEOSGeometry*> polygons;
  auto fail = [&](const std::string& what) {
    for (GEOSGeometry* g : polygons) GEOSGeom_destroy_r(h, g);
    return MakeError(ErrorCode::kInvalidInput, what + ": " + ctx.last_error());
  };
  for (const Polygon& polygon : shape.polygons) {
    if (polygon.rings.empty()) return fail("polygon without rings");
    GEOSGeometry* shell = MakeRing(h, polygon.rings[0]);
    if (shell == nullptr) return fail("GEOS refused a ring");
    std::vector<GEOSGeometry*> holes;
    for (size_t i = 1; i < polygon.rings.size(); ++i) {
      GEOSGeometry* hole = MakeRing(h, polygon.rings[i]);
      if (hole == nullptr) {
        GEOSGeom_destroy_r(h, shell);
        for (GEOSGeometry* g : holes) GEOSGeom_destroy_r(h, g);
        return fail("GEOS refused a ring");
      }
      holes.push_back(hole);
    }
    GEOSGeometry* poly =
        GEOSGeom_createPolygon_r(h, shell, holes.data(), static_cast<unsigned>(holes.size()));
    if (poly == nullptr) return fail("GEOS refused a polygon");
    polygons.push_back(poly);
  }
  GEOSGeometry* multi = GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON, polygons.data(),
                                                    static_cast<unsigned>(polygons.size()));
  if (multi == nullptr) return fail("GEOS refused a multipolygon");
  return GeomPtr(multi, GeomDeleter{h});
}

GeomPtr MakePoint(const GeosContext& ctx, LatLng p) {
  return GeomPtr(GEOSGeom_createPointFromXY_r(ctx.handle(), p.lng(), p.lat()),
                 GeomDeleter{ctx.handle()});
}

PreparedPtr Prepare(const GeosContext& ctx, const GEOSGeometry& g) {
  return PreparedPtr(GEOSPrepare_r(ctx.handle(), &g), PreparedDeleter{ctx.handle()});
}

namespace {

Ring RingFromGeos(GEOSContextHandle_t h, const GEOSGeometry* ring) {
  Ring out;
  const GEOSCoordSequence* seq = GEOSGeom_getCoordSeq_r(h, ring);
  unsigned n = 0;
  if (seq == nullptr || GEOSCoordSeq_getSize_r(h, seq, &n) == 0) return out;
  out.reserve(n);
  for (unsigned i = 0; i < n; ++i) {
    double x = 0, y = 0;
    GEOSCoordSeq_getXY_r(h, seq, i, &x, &y);
    out.emplace_back(y, x);
  }
  return out;
}

void CollectPolygons(GEOSContextHandle_t h, const GEOSGeometry* g, MultiPolygon& out) {
  const int type = GEOSGeomTypeId_r(h, g);
  if (type == GEOS_POLYGON) {
    if (GEOSisEmpty_r(h, g) == 1) return;
    Polygon p;
    p.rings.push_back(RingFromGeos(h, GEOSGetExteriorRing_r(h, g)));
    const int holes = GEOSGetNumInteriorRings_r(h, g);
    for (int i = 0; i < holes; ++i)
      p.rings.push_back(RingFromGeos(h, GEOSGetInteriorRingN_r(h, g, i)));
    out.polygons.push_back(std::move(p));
  } else if (type == GEOS_MULTIPOLYGON || type == GEOS_GEOMETRYCOLLECTION) {
    const int n = GEOSGetNumGeometries_r(h, g);
    for (int i = 0; i < n; ++i) CollectPolygons(h, GEOSGetGeometryN_r(h, g, i), out);
  }
}

}  // namespace

MultiPolygon PolygonalParts(const GeosContext& ctx, const GEOSGeometry& g) {
  MultiPolygon out;
  CollectPolygons(ctx.handle(), &g, out);
  return out;
}

}  // namespace truce::detail
