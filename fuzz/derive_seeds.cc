// derive_seeds SHARED_DATA SOURCE_DIR OUT: cuts small fuzzing seeds out of the real-data
// corpus (../shared/data) and the shipped scenario into OUT/TARGET/, at run time, so that no
// copy of the shared data is ever committed (scripts/fuzz.sh runs it into a temporary
// directory). Missing corpus files are skipped; prints how many seeds each target got.
#include <zlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "formats/csv.h"
#include "formats/text_file.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

fs::path g_out;
std::map<std::string, size_t> g_counts;

void Seed(const std::string& target, const std::string& name, const std::string& bytes) {
  fs::create_directories(g_out / target);
  std::ofstream(g_out / target / name, std::ios::binary) << bytes;
  ++g_counts[target];
}

void GzipSeed(const std::string& target, const std::string& name, const std::string& bytes) {
  const fs::path path = g_out / target / name;
  fs::create_directories(g_out / target);
  gzFile f = gzopen(path.c_str(), "wb9");
  if (f == nullptr) return;
  gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
  gzclose(f);
  ++g_counts[target];
}

std::optional<std::string> Read(const fs::path& path) {
  auto text = truce::formats::ReadTextFile(path.string());
  if (!text.ok()) {
    std::fprintf(stderr, "derive_seeds: skipping %s: %s\n", path.c_str(),
                 text.error().message.c_str());
    return std::nullopt;
  }
  return std::move(text).value();
}

std::optional<json> ReadJson(const fs::path& path) {
  auto text = Read(path);
  if (!text) return std::nullopt;
  auto doc = truce::formats::ParseJson(*text, path.string());
  if (!doc.ok()) return std::nullopt;
  return std::move(doc).value();
}

// Seeds of `rows_per_seed` records each (with the header) from the head of a CSV file.
void CsvSlices(const fs::path& path, const std::string& target, size_t rows_per_seed,
               size_t seeds) {
  auto text = Read(path);
  if (!text) return;
  auto table = truce::formats::ParseCsv(*text, path.string());
  if (!table.ok()) return;
  const std::string header = truce::formats::CsvJoin(table->header) + "\n";
  for (size_t s = 0; s < seeds && s * rows_per_seed < table->records.size(); ++s) {
    std::string out = header;
    for (size_t r = s * rows_per_seed; r < std::min(table->records.size(), (s + 1) * rows_per_seed);
         ++r) {
      out += truce::formats::CsvJoin(table->records[r].fields) + "\n";
    }
    Seed(target, fmt::format("{}-{}.csv", path.stem().string(), s), out);
  }
}

void Zones(const fs::path& data) {
  auto doc = ReadJson(data / "zones/deescalation_2017_approx_adm3.geojson");
  if (!doc || !(*doc)["features"].is_array()) return;
  size_t i = 0;
  for (json& f : (*doc)["features"]) {
    if (i >= 40) break;
    json props = {{"zone", f["properties"].value("zone", "zone")},
                  {"version", 1},
                  {"valid_from", "2017-05-06"},
                  {"rules", {"ceasefire", "no_fly"}}};
    json fc = {
        {"type", "FeatureCollection"},
        {"features", {{{"type", "Feature"}, {"properties", props}, {"geometry", f["geometry"]}}}}};
    const std::string text = fc.dump();
    if (text.size() > 64 * 1024) continue;
    Seed("zones", fmt::format("adm3-{}.geojson", i), text);
    Seed("json", fmt::format("adm3-{}.json", i), text);
    ++i;
  }
}

void Flights(const fs::path& data) {
  for (const char* name : {"traffic_collections_switzerland.json.gz",
                           "traffic_military_inflight_refuelling.json.gz"}) {
    auto text = Read(data / "flights" / name);
    if (!text) continue;
    // Only the head of the file: parse a prefix of whole records.
    const size_t cut = text->find("},", 200 * 1024);
    std::string head = text->substr(0, cut == std::string::npos ? text->size() : cut + 1);
    if (cut != std::string::npos) head += "]";
    auto doc = truce::formats::ParseJson(head, name);
    if (!doc.ok() || !doc->is_array()) continue;
    const std::string stem = fs::path(name).stem().stem().string();
    for (size_t s = 0; s < 10 && (s + 1) * 8 <= doc->size(); ++s) {
      json array = json::array();
      std::string lines, csv = "time,icao24,lat,lon,callsign,onground,baroaltitude,lastposupdate\n",
                         exemptions = "icao24,callsign,from,to,zone,note\n";
      for (size_t r = s * 8; r < (s + 1) * 8; ++r) {
        const json& rec = (*doc)[r * 37 % doc->size()];
        array.push_back(rec);
        lines += rec.dump() + "\n";
        const double t = rec.value("timestamp", 0.0) / 1000;
        csv +=
            fmt::format("{},{},{},{},{},{},{},{}\n", t, rec.value("icao24", ""),
                        rec.value("latitude", json()).dump(), rec.value("longitude", json()).dump(),
                        rec.value("callsign", ""), rec.value("onground", false),
                        rec.value("altitude", json()).dump(), t - 0.5);
        exemptions += fmt::format("{},{},2018-08-01,2018-08-02,,notified\n",
                                  rec.value("icao24", ""), rec.value("callsign", ""));
      }
      Seed("positions", fmt::format("{}-{}.json", stem, s), array.dump());
      Seed("positions", fmt::format("{}-{}.jsonl", stem, s), lines);
      Seed("positions", fmt::format("{}-{}.csv", stem, s), csv);
      Seed("exemptions", fmt::format("{}-{}.csv", stem, s), exemptions);
      GzipSeed("gzip", fmt::format("{}-{}.json.gz", stem, s), array.dump());
    }
  }
}

void Places(const fs::path& data) {
  auto doc = ReadJson(data / "gazetteer/geonames_cities_SY.json");
  if (!doc || !doc->is_array()) return;
  for (size_t s = 0; s < 10 && (s + 1) * 20 <= doc->size(); ++s) {
    std::string csv = "id,lat,lon,time\n";
    json reports = json::array();
    for (size_t r = s * 20; r < (s + 1) * 20; ++r) {
      const json& place = (*doc)[r];
      const std::string name = place.value("name", "");
      const std::string lat = place.value("lat", "0"), lng = place.value("lng", "0");
      csv += fmt::format("{},{},{},2017-08-{:02d}\n", truce::formats::CsvField(name), lat, lng,
                         1 + r % 28);
      reports.push_back(
          {{"type", "Feature"},
           {"geometry",
            {{"type", "Point"}, {"coordinates", {std::atof(lng.c_str()), std::atof(lat.c_str())}}}},
           {"properties",
            {{"event_id_cnty", fmt::format("SYR{}", r)},
             {"event_date", "2017-08-21"},
             {"time_precision", 1 + r % 3},
             {"event_type", "Battles"},
             {"geo_precision", 1 + r % 3},
             {"notes", name}}}});
    }
    Seed("points", fmt::format("geonames-{}.csv", s), csv);
    const json fc = {{"type", "FeatureCollection"}, {"features", reports}};
    Seed("reports", fmt::format("geonames-{}.geojson", s), fc.dump());
    Seed("report_json", fmt::format("geonames-{}.json", s), reports[0]["properties"].dump());
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: derive_seeds SHARED_DATA SOURCE_DIR OUT\n");
    return 2;
  }
  const fs::path data = argv[1], source = argv[2];
  g_out = argv[3];
  fs::create_directories(g_out);
  for (const char* file : {"scenario.json", "zones.geojson"}) {
    if (auto text = Read(source / "scenarios/astana-2017" / file)) {
      Seed(std::string(file) == "scenario.json" ? "scenario" : "zones", file, *text);
      Seed("json", file, *text);
    }
  }
  if (fs::is_directory(data)) {
    Zones(data);
    Flights(data);
    Places(data);
    CsvSlices(data / "incidents/syrian_archive_chemical_weapons_2013_2014.csv", "reports", 3, 10);
    CsvSlices(data / "incidents/syrian_archive_chemical_weapons_2013_2014.csv", "csv", 3, 5);
    CsvSlices(data / "incidents/vdc_casualties_by_cause_by_day_2011_2018.csv", "csv", 10, 5);
    CsvSlices(data / "gazetteer/ocha_city_neighbourhoods_points.csv", "csv", 10, 5);
  } else {
    std::fprintf(stderr, "derive_seeds: %s not found; only the shipped scenario is used\n",
                 data.c_str());
  }
  for (const auto& [target, n] : g_counts) std::printf("%s: %zu seeds\n", target.c_str(), n);
  return 0;
}
