// Zone lookup, truce's index against its peers, in one process on the same points.
//
// Zones: the 272 OCHA adm3 sub-districts of Syria (129,060 vertices), all in force.
// Points: uniform in Syria's bounding box; real ADS-B positions (the Swiss and French
// traffic samples moved onto Syria, as in tests/zone_lookup_real_data_test.cc); real places
// (GeoNames towns and OCHA city neighbourhoods).
// Engines: truce::ZoneIndex through the ZoneLocator port, one point per call ("truce"), and
// through its batch form ZoneIndex::LocateAll ("truce-batch"); GEOS prepared geometry behind an
// STRtree (GeosZoneLocator, the reference); S2 (MutableS2ShapeIndex + S2ContainsPointQuery,
// closed vertex model); Boost.Geometry (an R*-tree of bounding boxes, then covered_by on the
// candidates).
//
// S2's edges are geodesics, not straight lon/lat lines, so S2 is a speed peer and not an
// oracle: its disagreements with GEOS are reported, not asserted. Boost.Geometry's side
// predicate is not exact either. truce must agree with GEOS on every point.
//
// Output: Google Benchmark's table (one benchmark per engine and point set, plus index
// builds), then a summary with lookups per second per core (CPU time, one thread), the ratio
// to GEOS, build time, index memory and disagreements. `--smoke` runs everything on a few
// thousand points, for CI. Reads ../shared/data (TRUCE_SHARED_DATA); exits 0 with a message
// when the corpus is absent.
#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include <s2/mutable_s2shape_index.h>
#include <s2/s2contains_point_query.h>
#include <s2/s2latlng.h>
#include <s2/s2lax_polygon_shape.h>
#include "bench_support.h"

#include <boost/geometry.hpp>
#include <boost/geometry/index/rtree.hpp>

#include "formats/csv.h"
#include "formats/geojson.h"
#include "formats/text_file.h"
#include "truce/zone_index.h"
#include "truce/zone_lookup.h"

namespace truce::bench {
namespace {

namespace bg = boost::geometry;
namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kAdm3 = "boundaries/ocha_cod_ab_syr_2016/syr_admin3.geojson";

std::string DataPath(const std::string& relative) {
  if (const char* env = std::getenv("TRUCE_SHARED_DATA"); env && *env) {
    return (fs::path(env) / relative).string();
  }
  return (fs::path(TRUCE_SHARED_DATA) / relative).string();
}

json LoadJson(const std::string& relative) {
  auto text = formats::ReadTextFile(DataPath(relative));
  if (!text.ok()) throw std::runtime_error(text.error().message);
  auto doc = formats::ParseJson(*text, relative);
  if (!doc.ok()) throw std::runtime_error(doc.error().message);
  return std::move(doc).value();
}

UtcTime T(const char* s) { return *ParseUtcTime(s); }

std::vector<ZoneVersion> LoadAdm3() {
  const json doc = LoadJson(kAdm3);
  std::vector<ZoneVersion> out;
  for (size_t i = 0; i < doc["features"].size(); ++i) {
    const json& f = doc["features"][i];
    ZoneVersionSpec spec;
    spec.origin = "adm3 feature " + std::to_string(i);
    spec.zone = f["properties"]["PCODE"].get<std::string>();
    spec.valid_from = T("2017-01-01");
    std::vector<std::string> problems;
    if (!formats::ParseGeometry(f["geometry"], spec.origin, spec.shape, problems)) {
      throw std::runtime_error(problems.at(0));
    }
    auto v = ZoneVersion::Create(std::move(spec));
    if (!v.ok()) throw std::runtime_error(v.error().message);
    out.push_back(std::move(v).value());
  }
  return out;
}

void AddShiftedFlights(const char* relative, double dlat, double dlng, std::vector<LatLng>& out) {
  for (const json& r : LoadJson(relative)) {
    if (!r["latitude"].is_number() || !r["longitude"].is_number()) continue;
    const double lat = r["latitude"].get<double>() + dlat,
                 lng = r["longitude"].get<double>() + dlng;
    if (LatLng::IsValid(lat, lng)) out.emplace_back(lat, lng);
  }
}

struct PointSet {
  std::string name;
  std::vector<LatLng> points;
};

std::vector<PointSet> LoadPointSets(size_t limit) {
  std::vector<PointSet> sets;
  std::mt19937_64 rng(20170504);
  {
    PointSet s{"uniform", {}};
    std::uniform_real_distribution<double> lat(32.3, 37.4), lng(35.6, 42.4);
    for (size_t i = 0; i < std::min<size_t>(limit, 1'000'000); ++i) {
      s.points.emplace_back(lat(rng), lng(rng));
    }
    sets.push_back(std::move(s));
  }
  {
    PointSet s{"adsb", {}};
    AddShiftedFlights("flights/traffic_collections_switzerland.json.gz", 35.0 - 46.8, 38.0 - 8.2,
                      s.points);
    AddShiftedFlights("flights/traffic_collections_savan.json.gz", 35.0 - 44.0, 38.0 - 4.0,
                      s.points);
    if (s.points.size() > limit) s.points.resize(limit);  // in file order: tracks stay whole
    sets.push_back(std::move(s));
  }
  {
    PointSet s{"gazetteer", {}};
    std::vector<LatLng> places;
    for (const json& g : LoadJson("gazetteer/geonames_cities_SY.json")) {
      places.emplace_back(std::stod(g["lat"].get<std::string>()),
                          std::stod(g["lng"].get<std::string>()));
    }
    auto text = formats::ReadTextFile(DataPath("gazetteer/ocha_city_neighbourhoods_points.csv"));
    if (!text.ok()) throw std::runtime_error(text.error().message);
    auto table = formats::ParseCsv(*text, "neighbourhoods");
    if (!table.ok()) throw std::runtime_error(table.error().message);
    const size_t lat = *table->Column("LATITUDE"), lng = *table->Column("LONGITUDE");
    for (const auto& r : table->records) {
      places.emplace_back(std::stod(r.fields[lat]), std::stod(r.fields[lng]));
    }
    // The 723 places, each queried many times in random order (a feed of reports).
    std::uniform_int_distribution<size_t> pick(0, places.size() - 1);
    for (size_t i = 0; i < std::min<size_t>(limit, 200'000); ++i)
      s.points.push_back(places[pick(rng)]);
    sets.push_back(std::move(s));
  }
  return sets;
}

// One way of answering "which zones cover this point". Ids are indices into the versions.
class Engine {
 public:
  virtual ~Engine() = default;
  virtual const char* name() const = 0;
  virtual void Build(std::span<const ZoneVersion> versions) = 0;
  // Appends the covering ids to `ids` (cleared first), in ascending order.
  virtual void Locate(LatLng p, std::vector<uint32_t>& ids) = 0;
  // Every point's ids, for the agreement check.
  virtual std::vector<std::vector<uint32_t>> Answers(const std::vector<LatLng>& points) {
    std::vector<std::vector<uint32_t>> out(points.size());
    for (size_t i = 0; i < points.size(); ++i) Locate(points[i], out[i]);
    return out;
  }
  // The lookup loop timed by the benchmark: returns a checksum so nothing is optimised away.
  virtual size_t CountAll(const std::vector<LatLng>& points) {
    std::vector<uint32_t> ids;
    size_t n = 0;
    for (const LatLng& p : points) {
      Locate(p, ids);
      n += ids.size();
    }
    return n;
  }
};

const UtcTime kQueryTime = T("2017-06-01");

// truce and GEOS behind the ZoneLocator port, called exactly as truce's verdicts call it.
class LocatorEngine : public Engine {
 public:
  size_t CountAll(const std::vector<LatLng>& points) override {
    std::vector<const ZoneVersion*> hits;
    size_t n = 0;
    for (const LatLng& p : points) {
      locator_->Locate(p, kQueryTime, hits);
      n += hits.size();
    }
    return n;
  }
  void Locate(LatLng p, std::vector<uint32_t>& ids) override {
    locator_->Locate(p, kQueryTime, hits_);
    ids.clear();
    for (const ZoneVersion* v : hits_) ids.push_back(static_cast<uint32_t>(v - base_));
  }

 protected:
  std::unique_ptr<ZoneLocator> locator_;
  const ZoneVersion* base_ = nullptr;
  std::vector<const ZoneVersion*> hits_;
};

class TruceEngine final : public LocatorEngine {
 public:
  const char* name() const override { return "truce"; }
  void Build(std::span<const ZoneVersion> versions) override {
    base_ = versions.data();
    auto index = std::make_unique<ZoneIndex>(versions);
    stats_ = index->stats();
    locator_ = std::move(index);
  }
  const ZoneLocator* locator() const { return locator_.get(); }
  ZoneIndexStats stats_;
};

// truce's batch form, ZoneIndex::LocateAll, over chunks of 4096 points (as a flight replay
// or `truce locate --points` would feed it).
class TruceBatchEngine final : public Engine {
 public:
  static constexpr size_t kChunk = 4096;
  const char* name() const override { return "truce-batch"; }
  void Build(std::span<const ZoneVersion> versions) override {
    base_ = versions.data();
    index_ = std::make_unique<ZoneIndex>(versions);
  }
  void Locate(LatLng p, std::vector<uint32_t>& ids) override {
    ids.clear();
    index_->LocateAll(std::span<const LatLng>(&p, 1), times_, offsets_, hits_);
    for (const ZoneVersion* v : hits_) ids.push_back(static_cast<uint32_t>(v - base_));
  }
  std::vector<std::vector<uint32_t>> Answers(const std::vector<LatLng>& points) override {
    std::vector<std::vector<uint32_t>> out(points.size());
    for (size_t b = 0; b < points.size(); b += kChunk) {
      const size_t n = std::min(kChunk, points.size() - b);
      index_->LocateAll(std::span<const LatLng>(points).subspan(b, n), times_, offsets_, hits_);
      for (size_t i = 0; i < n; ++i) {
        for (uint32_t h = offsets_[i]; h < offsets_[i + 1]; ++h) {
          out[b + i].push_back(static_cast<uint32_t>(hits_[h] - base_));
        }
      }
    }
    return out;
  }
  size_t CountAll(const std::vector<LatLng>& points) override {
    size_t n = 0;
    for (size_t b = 0; b < points.size(); b += kChunk) {
      index_->LocateAll(
          std::span<const LatLng>(points).subspan(b, std::min(kChunk, points.size() - b)), times_,
          offsets_, hits_);
      n += hits_.size();
    }
    return n;
  }

 private:
  std::unique_ptr<ZoneIndex> index_;
  const ZoneVersion* base_ = nullptr;
  const UtcTime times_[1] = {kQueryTime};
  std::vector<uint32_t> offsets_;
  std::vector<const ZoneVersion*> hits_;
};

class GeosEngine final : public LocatorEngine {
 public:
  const char* name() const override { return "geos"; }
  void Build(std::span<const ZoneVersion> versions) override {
    base_ = versions.data();
    locator_ = std::make_unique<GeosZoneLocator>(versions);
  }
};

class S2Engine final : public Engine {
 public:
  const char* name() const override { return "s2"; }
  void Build(std::span<const ZoneVersion> versions) override {
    index_ = std::make_unique<MutableS2ShapeIndex>();
    for (const ZoneVersion& v : versions) {
      // One lax polygon per version: shells counter-clockwise, holes clockwise, as S2 wants.
      std::vector<std::vector<S2Point>> loops;
      for (const Polygon& poly : v.shape().polygons) {
        for (const Ring& ring : poly.rings) {
          std::vector<S2Point> loop;
          for (size_t i = 0; i + 1 < ring.size(); ++i) {
            loop.push_back(S2LatLng::FromDegrees(ring[i].lat(), ring[i].lng()).ToPoint());
          }
          loops.push_back(std::move(loop));
        }
      }
      index_->Add(std::make_unique<S2LaxPolygonShape>(loops));
    }
    index_->ForceBuild();
    query_ = std::make_unique<S2ContainsPointQuery<MutableS2ShapeIndex>>(
        index_.get(), S2ContainsPointQueryOptions(S2VertexModel::CLOSED));
  }
  void Locate(LatLng p, std::vector<uint32_t>& ids) override {
    ids.clear();
    query_->VisitContainingShapes(S2LatLng::FromDegrees(p.lat(), p.lng()).ToPoint(),
                                  [&ids](S2Shape* shape) {
                                    ids.push_back(static_cast<uint32_t>(shape->id()));
                                    return true;
                                  });
    std::sort(ids.begin(), ids.end());
  }

 private:
  std::unique_ptr<MutableS2ShapeIndex> index_;
  std::unique_ptr<S2ContainsPointQuery<MutableS2ShapeIndex>> query_;
};

class BoostEngine final : public Engine {
 public:
  using BPoint = bg::model::d2::point_xy<double>;            // x = lng, y = lat
  using BPolygon = bg::model::polygon<BPoint, false, true>;  // counter-clockwise, closed
  using BMulti = bg::model::multi_polygon<BPolygon>;
  using BBox = bg::model::box<BPoint>;
  using Item = std::pair<BBox, uint32_t>;

  const char* name() const override { return "boost"; }
  void Build(std::span<const ZoneVersion> versions) override {
    shapes_.clear();
    std::vector<Item> items;
    for (uint32_t id = 0; id < versions.size(); ++id) {
      BMulti multi;
      for (const Polygon& poly : versions[id].shape().polygons) {
        BPolygon bp;
        for (size_t r = 0; r < poly.rings.size(); ++r) {
          auto& ring = r == 0 ? bp.outer() : (bp.inners().emplace_back(), bp.inners().back());
          for (const LatLng& p : poly.rings[r]) ring.emplace_back(p.lng(), p.lat());
        }
        multi.push_back(std::move(bp));
      }
      const LatLngRect& b = versions[id].bounds();
      items.emplace_back(BBox(BPoint(b.lng_lo, b.lat_lo), BPoint(b.lng_hi, b.lat_hi)), id);
      shapes_.push_back(std::move(multi));
    }
    tree_ = std::make_unique<bg::index::rtree<Item, bg::index::rstar<16>>>(items);
  }
  void Locate(LatLng p, std::vector<uint32_t>& ids) override {
    ids.clear();
    const BPoint q(p.lng(), p.lat());
    candidates_.clear();
    tree_->query(bg::index::intersects(q), std::back_inserter(candidates_));
    for (const Item& c : candidates_) {
      if (bg::covered_by(q, shapes_[c.second])) ids.push_back(c.second);
    }
    std::sort(ids.begin(), ids.end());
  }

 private:
  std::vector<BMulti> shapes_;
  std::unique_ptr<bg::index::rtree<Item, bg::index::rstar<16>>> tree_;
  std::vector<Item> candidates_;
};

struct EngineResult {
  double build_seconds = 0;
  size_t heap_bytes = 0;
  std::map<std::string, size_t> disagreements;  // per point set, against GEOS
  std::map<std::string, std::string> first_disagreement;
};

size_t HeapInUse() { return mallinfo2().uordblks; }

int Main(int argc, char** argv) {
  const bool smoke = InitializeWithSmokeFlag(argc, argv);
  for (const char* needed :
       {kAdm3, "flights/traffic_collections_switzerland.json.gz",
        "flights/traffic_collections_savan.json.gz", "gazetteer/geonames_cities_SY.json",
        "gazetteer/ocha_city_neighbourhoods_points.csv"}) {
    if (!fs::exists(DataPath(needed))) {
      std::printf("zone_lookup_bench: skipped, corpus file %s not found (set TRUCE_SHARED_DATA)\n",
                  DataPath(needed).c_str());
      return 0;
    }
  }

  const std::vector<ZoneVersion> zones = LoadAdm3();
  const std::vector<PointSet> sets = LoadPointSets(smoke ? 5000 : SIZE_MAX);
  size_t vertices = 0;
  for (const ZoneVersion& v : zones) vertices += v.shape().VertexCount();
  std::printf("zones: %zu OCHA adm3 sub-districts, %zu vertices\n", zones.size(), vertices);
  for (const PointSet& s : sets) std::printf("points: %-9s %zu\n", s.name.c_str(), s.points.size());

  std::vector<std::unique_ptr<Engine>> engines;
  engines.push_back(std::make_unique<TruceEngine>());
  engines.push_back(std::make_unique<TruceBatchEngine>());
  engines.push_back(std::make_unique<GeosEngine>());
  engines.push_back(std::make_unique<S2Engine>());
  engines.push_back(std::make_unique<BoostEngine>());

  // Build each engine once, timed, and check its answers. The heap growth is measured after
  // one pass over the uniform points, because GEOS builds each prepared polygon's segment
  // index on its first lookup, not in the constructor.
  std::map<std::string, EngineResult> results;
  for (auto& e : engines) {
    const size_t heap0 = HeapInUse();
    const auto t0 = std::chrono::steady_clock::now();
    e->Build(zones);
    const auto t1 = std::chrono::steady_clock::now();
    benchmark::DoNotOptimize(e->CountAll(sets[0].points));
    EngineResult& r = results[e->name()];
    r.build_seconds = std::chrono::duration<double>(t1 - t0).count();
    r.heap_bytes = HeapInUse() - heap0;
  }
  Engine& geos = *engines[2];
  for (const PointSet& s : sets) {
    const std::vector<std::vector<uint32_t>> expected = geos.Answers(s.points);
    for (auto& e : engines) {
      const std::vector<std::vector<uint32_t>> answers = e->Answers(s.points);
      size_t& bad = results[e->name()].disagreements[s.name];
      for (size_t i = 0; i < s.points.size(); ++i) {
        if (answers[i] != expected[i] && bad++ == 0) {
          char where[96];
          std::snprintf(where, sizeof where, "%.17g,%.17g", s.points[i].lat(), s.points[i].lng());
          results[e->name()].first_disagreement[s.name] = where;
        }
      }
    }
  }

  for (auto& e : engines) {
    Engine* engine = e.get();
    for (const PointSet& s : sets) {
      const std::vector<LatLng>* points = &s.points;
      benchmark::RegisterBenchmark(
          (std::string("Lookup/") + engine->name() + "/" + s.name).c_str(),
          [engine, points](benchmark::State& state) {
            for (auto _ : state) benchmark::DoNotOptimize(engine->CountAll(*points));
            state.counters["points"] = static_cast<double>(points->size());
            state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * points->size()));
          })
          ->Unit(benchmark::kMillisecond);
    }
  }
  for (auto& e : engines) {
    Engine* engine = e.get();
    const std::vector<ZoneVersion>* z = &zones;
    benchmark::RegisterBenchmark((std::string("Build/") + engine->name()).c_str(),
                                 [engine, z](benchmark::State& state) {
                                   for (auto _ : state) engine->Build(*z);
                                 })
        ->Unit(benchmark::kMillisecond);
  }

  RateReporter reporter("points");
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();

  std::printf("\nsummary: lookups per second per core (CPU time, one thread), ratio to GEOS\n");
  std::printf("%-12s", "engine");
  for (const PointSet& s : sets) std::printf(" %14s %8s", s.name.c_str(), "x GEOS");
  std::printf(" %10s %10s  disagreements with GEOS\n", "build ms", "heap MiB");
  for (auto& e : engines) {
    const EngineResult& r = results[e->name()];
    std::printf("%-12s", e->name());
    for (const PointSet& s : sets) {
      const std::string key = std::string("Lookup/") + e->name() + "/" + s.name;
      const std::string geos_key = "Lookup/geos/" + s.name;
      const double rate = reporter.rates.count(key) ? reporter.rates[key] : 0;
      const double geos_rate = reporter.rates.count(geos_key) ? reporter.rates[geos_key] : 0;
      std::printf(" %14.0f %8.2f", rate, geos_rate > 0 ? rate / geos_rate : 0.0);
    }
    std::printf(" %10.1f %10.1f ", r.build_seconds * 1e3, r.heap_bytes / 1048576.0);
    for (const PointSet& s : sets) {
      std::printf(" %s=%zu", s.name.c_str(), r.disagreements.at(s.name));
      if (r.first_disagreement.count(s.name)) {
        std::printf(" (first at %s)", r.first_disagreement.at(s.name).c_str());
      }
    }
    std::printf("\n");
  }
  std::printf(
      "(GEOS's build time leaves out the prepared indexes it builds on first use; its heap "
      "figure includes them.)\n");
  const ZoneIndexStats& st = static_cast<TruceEngine&>(*engines[0]).stats_;
  std::printf(
      "\ntruce index: %zu bytes (%.1f MiB), %zu grid cells, %zu trie blocks, %zu boundary "
      "leaves, %zu leaf entries, %zu edge refs, deepest level %d\n",
      st.bytes, st.bytes / 1048576.0, st.grid_cells, st.trie_blocks, st.boundary_leaves,
      st.leaf_entries, st.leaf_edges, st.deepest_level);
  // Where truce's lookups end: how deep in the trie, and how many need edge tests.
  const auto& truce_index =
      static_cast<const ZoneIndex&>(*static_cast<TruceEngine&>(*engines[0]).locator());
  for (const PointSet& s : sets) {
    std::vector<size_t> depth(16, 0);
    size_t outside = 0, boundary = 0, edges = 0;
    for (const LatLng& p : s.points) {
      const ZoneIndex::CellInfo c = truce_index.DescribeCell(p);
      if (c.depth < 0) {
        ++outside;
        continue;
      }
      ++depth[c.depth];
      boundary += c.boundary;
      edges += c.edges;
    }
    const double n = static_cast<double>(s.points.size());
    std::printf("truce %-9s outside box %.1f%%, ending at trie depth 0..:", s.name.c_str(),
                100 * outside / n);
    for (size_t d = 0; d < depth.size(); ++d) {
      if (depth[d]) std::printf(" %zu:%.1f%%", d, 100 * depth[d] / n);
    }
    std::printf("; in boundary cells %.2f%% (%.1f edges there on average)\n", 100 * boundary / n,
                boundary ? static_cast<double>(edges) / boundary : 0.0);
  }
  size_t truce_bad = 0;
  for (const char* name : {"truce", "truce-batch"}) {
    for (const auto& [set, n] : results[name].disagreements) truce_bad += n;
  }
  if (truce_bad != 0) {
    std::printf("error: truce disagrees with GEOS on %zu points\n", truce_bad);
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace truce::bench

int main(int argc, char** argv) {
  try {
    return truce::bench::Main(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "zone_lookup_bench: %s\n", e.what());
    return 1;
  }
}
