#include "truce/verdict.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <numbers>
#include <optional>

#include <GeographicLib/Geodesic.hpp>
#include <GeographicLib/GeodesicLine.hpp>

#include "disc_share.h"
#include "geos_bridge.h"

namespace truce {

std::string_view VerdictName(Verdict v) noexcept {
  return v == Verdict::kInside ? "inside" : "possible";
}

namespace {

// The disc is approximated by a geodesic polygon of this many vertices (docs/reports.md).
constexpr int kDiscVertices = 128;

std::string Lower(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  std::string out(s);
  // ASCII letters only, as std::tolower in the "C" locale truce runs in, without its call.
  for (char& c : out) c = c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  return out;
}

// Vertex i of a disc polygon lies at this azimuth from the centre: azimuths run clockwise from
// north, and walking them backwards gives a CCW ring.
double VertexAzimuth(int i) { return 360.0 - 360.0 * i / kDiscVertices; }

MultiPolygon RingPolygon(Ring ring) {
  ring.push_back(ring.front());
  return MultiPolygon{{Polygon{{std::move(ring)}}}};
}

// A ring of kDiscVertices points at geodesic distance `radius` from `centre`, counter-clockwise:
// the reference computation, one Geodesic::Direct per vertex.
MultiPolygon DiscPolygon(LatLng centre, double radius_m) {
  const GeographicLib::Geodesic& wgs84 = GeographicLib::Geodesic::WGS84();
  Ring ring;
  ring.reserve(kDiscVertices + 1);
  for (int i = 0; i < kDiscVertices; ++i) {
    double lat = 0, lng = 0;
    wgs84.Direct(centre.lat(), centre.lng(), VertexAzimuth(i), radius_m, lat, lng);
    ring.emplace_back(std::clamp(lat, -90.0, 90.0), std::clamp(lng, -180.0, 180.0));
  }
  return RingPolygon(std::move(ring));
}

// The same polygons from one geodesic line per azimuth, shared by the radii of one centre.
// Geodesic::Direct(lat, lng, azimuth, s) is, in GeographicLib, GeodesicLine(lat, lng, azimuth,
// LATITUDE | LONGITUDE | DISTANCE_IN) followed by GenPosition(false, s, the same mask): the
// line's set-up (a third of Direct's cost) depends on the azimuth, not on s. The vertices are
// the reference's to the last bit (evaluate_bench and verdict_test check it).
class DiscLines {
 public:
  explicit DiscLines(LatLng centre) {
    lines_.reserve(kDiscVertices);
    for (int i = 0; i < kDiscVertices; ++i) {
      lines_.emplace_back(GeographicLib::Geodesic::WGS84(), centre.lat(), centre.lng(),
                          VertexAzimuth(i), kMask);
    }
  }
  MultiPolygon Polygon(double radius_m) const {
    Ring ring;
    ring.reserve(kDiscVertices + 1);
    for (const GeographicLib::GeodesicLine& line : lines_) {
      double lat = 0, lng = 0, unused = 0;
      line.GenPosition(false, radius_m, kMask, lat, lng, unused, unused, unused, unused, unused,
                       unused);
      ring.emplace_back(std::clamp(lat, -90.0, 90.0), std::clamp(lng, -180.0, 180.0));
    }
    return RingPolygon(std::move(ring));
  }

 private:
  static constexpr unsigned kMask = GeographicLib::GeodesicLine::LATITUDE |
                                    GeographicLib::GeodesicLine::LONGITUDE |
                                    GeographicLib::GeodesicLine::DISTANCE_IN;
  std::vector<GeographicLib::GeodesicLine> lines_;
};

// The radius of the circumscribed polygon's vertices: r / cos(pi / n), so that its chords
// touch the circle of r in the plane, and more by the depth its lon/lat chords dip towards the
// equator (detail::CircumscribedPolygonDip: 4 mm for 10 km at 35 degrees, 14 m for 200 km at
// 80), so that it holds the true disc there too.
double OuterReach(LatLng centre, Meters radius) {
  return radius.value / std::cos(std::numbers::pi / kDiscVertices) *
         (1 + detail::CircumscribedPolygonDip(centre, radius));
}

// One report's disc in the forms Cover needs, each built on first use and shared by every zone
// version the report is judged against.
class DiscShapes {
 public:
  DiscShapes(const detail::GeosContext& ctx, LatLng centre, Meters radius, bool fast)
      : ctx_(ctx), centre_(centre), radius_(radius), fast_(fast) {}
  LatLng centre() const { return centre_; }
  Meters radius() const { return radius_; }

  // A rectangle in degrees that holds the circumscribed polygon (every vertex is at geodesic
  // distance OuterRadius from the centre, and the rectangle is convex, so it holds the edges
  // too): detail::DiscBounds, no geodesic computed. Null near a pole or the antimeridian.
  const GEOSGeometry* Box() {
    if (!box_done_) {
      box_done_ = true;
      if (const auto b = detail::DiscBounds(centre_, Meters{OuterRadius()})) {
        Ring ring = {{b->lat_lo, b->lng_lo},
                     {b->lat_lo, b->lng_hi},
                     {b->lat_hi, b->lng_hi},
                     {b->lat_hi, b->lng_lo},
                     {b->lat_lo, b->lng_lo}};
        box_ = std::move(detail::ToGeos(ctx_, MultiPolygon{{Polygon{{std::move(ring)}}}})).value();
      }
    }
    return box_.get();
  }
  // The circumscribed polygon: contains the true disc, so "wholly inside" is never overstated
  // and "meets" never missed.
  const GEOSGeometry& Outer() {
    if (!outer_) outer_ = std::move(detail::ToGeos(ctx_, Disc(OuterRadius()))).value();
    return *outer_;
  }
  // The equal-area polygon for the share: same area as the true disc, so the ratio is unbiased.
  const MultiPolygon& EqualArea() {
    if (!equal_area_) {
      const double step = std::numbers::pi / kDiscVertices;
      equal_area_ = Disc(radius_.value *
                         std::sqrt(2 * std::numbers::pi / (kDiscVertices * std::sin(2 * step))));
      equal_area_geos_ = std::move(detail::ToGeos(ctx_, *equal_area_)).value();
      equal_area_m2_ = GeodesicArea(*equal_area_).value;
    }
    return *equal_area_;
  }
  const GEOSGeometry& EqualAreaGeos() {
    EqualArea();
    return *equal_area_geos_;
  }
  double EqualAreaSquareMetres() {
    EqualArea();
    return equal_area_m2_;
  }

 private:
  double OuterRadius() const { return OuterReach(centre_, radius_); }
  MultiPolygon Disc(double radius_m) {
    if (!fast_) return DiscPolygon(centre_, radius_m);
    if (!lines_) lines_.emplace(centre_);
    return lines_->Polygon(radius_m);
  }

  const detail::GeosContext& ctx_;
  const LatLng centre_;
  const Meters radius_;
  const bool fast_;
  std::optional<DiscLines> lines_;
  bool box_done_ = false;
  detail::GeomPtr box_, outer_, equal_area_geos_;
  std::optional<MultiPolygon> equal_area_;
  double equal_area_m2_ = 0;
};

// Zone versions in GEOS form, built once per evaluation.
class ZoneShapes {
 public:
  ZoneShapes(const detail::GeosContext& ctx, std::span<const ZoneVersion> versions) : ctx_(ctx) {
    for (const ZoneVersion& v : versions) {
      versions_.push_back(&v);
      shapes_.push_back(std::move(detail::ToGeos(ctx, v.shape())).value());
      prepared_.push_back(detail::Prepare(ctx, *shapes_.back()));
    }
  }
  // `prefilter`: decide from DiscShapes::Box alone when the rectangle misses the zone or lies
  // wholly inside it. The outcome is the full computation's by construction (the rectangle
  // holds the circumscribed polygon); it only skips the geodesics and the polygon predicates.
  // `plane_share`: see EvaluatorOptions.
  DiscCoverage Cover(size_t i, DiscShapes& disc, bool prefilter, bool plane_share) const;

 private:
  const detail::GeosContext& ctx_;
  // The versions' shapes prepared for the plane share, built when a disc first reaches them
  // (ReportEvaluator is single-threaded): a scenario's other versions cost nothing.
  std::vector<const ZoneVersion*> versions_;
  mutable std::vector<std::unique_ptr<detail::DiscShareZone>> zones_;
  std::vector<detail::GeomPtr> shapes_;
  std::vector<detail::PreparedPtr> prepared_;
};

// A plane share strictly between this and 1 - this decides the verdict without a polygon: at
// least this much of the true disc lies inside the zone, and as much outside it (the share is
// good to 1e-7), so the circumscribed polygon, which holds the true disc (OuterReach), meets
// the zone and is not covered by it. Should the dip's bound fall short somewhere, the polygon
// would miss slivers of at most 4/3 of its depth of the disc's area: the window is ten times
// that where it exceeds 1e-4 (large discs near 80 degrees). Nearer 0 or 1, the polygon
// predicates decide, as they always did.
double ShareDecides(LatLng centre, Meters radius) {
  return std::max(1e-4, 10 * 4.0 / 3.0 * detail::CircumscribedPolygonDip(centre, radius));
}

DiscCoverage ZoneShapes::Cover(size_t i, DiscShapes& disc, bool prefilter, bool plane_share) const {
  GEOSContextHandle_t h = ctx_.handle();
  DiscCoverage out;
  if (disc.radius().value <= 0) {
    auto point = detail::MakePoint(ctx_, disc.centre());
    const bool in = GEOSPreparedIntersects_r(h, prepared_[i].get(), point.get()) == 1;
    return DiscCoverage{in, in ? 1.0 : 0.0, in};
  }
  if (prefilter) {
    if (const GEOSGeometry* box = disc.Box()) {
      if (GEOSPreparedIntersects_r(h, prepared_[i].get(), box) != 1) return out;
      if (GEOSPreparedCovers_r(h, prepared_[i].get(), box) == 1) {
        return DiscCoverage{true, 1.0, true};
      }
    }
  }
  std::optional<detail::DiscShareResult> plane;
  if (plane_share) {
    if (zones_.size() < versions_.size()) zones_.resize(versions_.size());
    if (!zones_[i]) zones_[i] = std::make_unique<detail::DiscShareZone>(versions_[i]->shape());
    plane = detail::DiscShare(*zones_[i], disc.centre(), disc.radius());
  }
  if (plane) {
    const double window = ShareDecides(disc.centre(), disc.radius());
    if (plane->share > window && plane->share < 1 - window) {
      return DiscCoverage{true, plane->share, false};
    }
  }
  // The circumscribed polygon lies within OuterReach of the centre (its vertices on that
  // geodesic circle, its edges lon/lat chords that bow inwards), which the plane shows about
  // the share's circle's centre to 1e-4 of r (disc_share_test.cc): with the zone's boundary
  // clearly beyond that, the disc is wholly on one side of it, and the share says which.
  const double outer_reach = OuterReach(disc.centre(), disc.radius());
  if (plane && plane->clearance > outer_reach * (1 + 1e-4) + 1e-3) {
    if (plane->share < 0.5) return out;
    return DiscCoverage{true, 1.0, true};
  }
  if (GEOSPreparedIntersects_r(h, prepared_[i].get(), &disc.Outer()) != 1) return out;
  out.meets = true;
  if (GEOSPreparedCovers_r(h, prepared_[i].get(), &disc.Outer()) == 1) {
    return DiscCoverage{true, 1.0, true};
  }
  if (plane) {
    out.fraction = plane->share;
    return out;
  }
  // Outside the plane share's domain (a radius over 200 km, a centre beyond 80 degrees), or
  // asked for: the 128-gon of equal area, clipped by GEOS.
  detail::GeomPtr common(GEOSIntersection_r(h, shapes_[i].get(), &disc.EqualAreaGeos()),
                         detail::GeomDeleter{h});
  if (common) {
    const double inside = GeodesicArea(detail::PolygonalParts(ctx_, *common)).value;
    out.fraction = std::clamp(inside / disc.EqualAreaSquareMetres(), 0.0, 1.0);
  }
  return out;
}

bool IsCivilianActor(std::string_view actor) {
  // ACLED names victims and demonstrators as actors too; they cannot break a ceasefire.
  const std::string a = Lower(actor);
  return a.starts_with("civilians") || a.starts_with("protesters") || a.starts_with("rioters");
}

}  // namespace

ActorResolver::ActorResolver(const Scenario& scenario) {
  for (const Party& p : scenario.parties()) {
    names_.emplace_back(Lower(p.id), p.id);
    if (!p.name.empty()) names_.emplace_back(Lower(p.name), p.id);
    for (const std::string& alias : p.aliases) names_.emplace_back(Lower(alias), p.id);
  }
}

std::string ActorResolver::Resolve(std::string_view actor) const {
  const std::string key = Lower(actor);
  if (key.empty()) return "";
  for (const auto& [name, id] : names_) {
    if (name == key) return id;
  }
  return "";
}

DiscCoverage CoverDisc(const MultiPolygon& shape, LatLng centre, Meters radius) {
  detail::GeosContext ctx;
  ZoneVersionSpec spec;
  spec.zone = "disc-test";
  spec.shape = shape;
  auto v = ZoneVersion::Create(spec);
  if (!v.ok()) return {};
  const ZoneVersion versions[] = {std::move(v).value()};
  DiscShapes disc(ctx, centre, radius, /*fast=*/true);
  return ZoneShapes(ctx, versions).Cover(0, disc, /*prefilter=*/true, /*plane_share=*/true);
}

struct ReportEvaluator::Impl {
  Impl(const Scenario& s, EvaluatorOptions o)
      : scenario(s), options(o), shapes(ctx, s.zone_versions()), resolver(s) {}
  const Scenario& scenario;
  const EvaluatorOptions options;
  detail::GeosContext ctx;
  const ZoneShapes shapes;
  const ActorResolver resolver;
};

ReportEvaluator::ReportEvaluator(const Scenario& scenario, EvaluatorOptions options)
    : impl_(std::make_unique<Impl>(scenario, options)) {}

ReportEvaluator::~ReportEvaluator() = default;

std::vector<Violation> ReportEvaluator::Evaluate(const Report& report) const {
  const Scenario& scenario = impl_->scenario;
  const auto& versions = scenario.zone_versions();
  std::vector<Violation> out;
  const std::vector<RuleKind> kinds =
      RulesBrokenBy(report.spec().event_type, report.spec().sub_event_type);
  if (kinds.empty()) return out;
  // The perpetrator is unknown (ACLED's actor order is not directional): every actor that is
  // not a victim is a candidate.
  std::vector<std::string> parties;
  bool unresolved = false;
  for (const std::string* actor : {&report.spec().actor1, &report.spec().actor2}) {
    if (actor->empty() || IsCivilianActor(*actor)) continue;
    const std::string party = impl_->resolver.Resolve(*actor);
    if (party.empty()) {
      unresolved = true;
    } else {
      parties.push_back(party);
    }
  }
  if (parties.empty()) unresolved = true;
  // Bounding box of the disc, generously: one degree of latitude is >= 110.5 km.
  const double dlat = report.radius().value / 110'000.0 + 1e-9;
  const double dlng =
      dlat / std::max(0.01, std::cos(report.location().lat() * std::numbers::pi / 180));
  DiscShapes disc(impl_->ctx, report.location(), report.radius(), impl_->options.fast_discs);
  for (size_t i = 0; i < versions.size(); ++i) {
    const ZoneVersion& v = versions[i];
    if (!v.validity().Overlaps(report.when())) continue;
    const LatLngRect& b = v.bounds();
    if (report.location().lat() + dlat < b.lat_lo || report.location().lat() - dlat > b.lat_hi ||
        report.location().lng() + dlng < b.lng_lo || report.location().lng() - dlng > b.lng_hi) {
      continue;
    }
    std::optional<DiscCoverage> coverage;
    for (const Rule& rule : v.rules()) {
      if (std::find(kinds.begin(), kinds.end(), rule.kind) == kinds.end()) continue;
      std::string bound_party;
      for (const std::string& p : parties) {
        if (scenario.Binds(rule, p)) {
          bound_party = p;
          break;
        }
      }
      // Known actors all outside the rule, and no unknown one: not a violation of it.
      if (bound_party.empty() && !unresolved) continue;
      if (!coverage) {
        coverage = impl_->shapes.Cover(i, disc, impl_->options.planar_prefilter,
                                       impl_->options.plane_share);
      }
      if (!coverage->meets) continue;
      const bool inside = coverage->wholly_inside && v.validity().Contains(report.when());
      out.push_back(Violation{&report, &v, rule.kind,
                              inside ? Verdict::kInside : Verdict::kPossible, coverage->fraction,
                              rule.Citation(), bound_party});
    }
  }
  return out;
}

std::vector<Violation> EvaluateReports(const Scenario& scenario, std::span<const Report> reports) {
  const ReportEvaluator evaluator(scenario);
  std::vector<Violation> out;
  for (const Report& report : reports) {
    std::vector<Violation> v = evaluator.Evaluate(report);
    out.insert(out.end(), std::make_move_iterator(v.begin()), std::make_move_iterator(v.end()));
  }
  return out;
}

}  // namespace truce
