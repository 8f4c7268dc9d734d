// Shared by the OGC API tests (ogc_test.cc) and the real-client tests (interop_test.cc): a
// server with the shipped scenario and real reports (the Syrian Archive's chemical-weapons
// incidents, moved four years later into 2017-2018 so that they fall in the de-escalation
// zones' time and give violations and incidents), tokens, and helpers to read a collection
// through its paging links and to run an external program.
#pragma once

#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "formats/positions.h"
#include "formats/reports.h"
#include "formats/text_file.h"
#include "server_harness.h"
#include "shared_data.h"

namespace truce::testing {

inline constexpr char kSyrianArchive[] = "incidents/syrian_archive_chemical_weapons_2013_2014.csv";
inline constexpr char kSwissFlights[] = "flights/traffic_collections_switzerland.json.gz";

// The Syrian Archive reports as the API takes them, each event date moved four years later.
inline json SyrianArchiveIn2017() {
  auto text = formats::ReadTextFile(SharedDataPath(kSyrianArchive));
  EXPECT_TRUE(text.ok());
  if (!text.ok()) return json::array();
  auto parsed = formats::ParseReports(*text, kSyrianArchive);
  EXPECT_TRUE(parsed.ok()) << (parsed.ok() ? "" : parsed.error().message);
  if (!parsed.ok()) return json::array();
  json batch = json::array();
  for (const Report& report : parsed->reports) {
    json r = formats::ReportToJson(report);
    std::string date = r["event_date"];
    date.replace(0, 4, std::to_string(std::stoi(date.substr(0, 4)) + 4));
    r["event_date"] = date;
    batch.push_back(std::move(r));
  }
  return batch;
}

// The fixes of aircraft `icao24` of the Switzerland sample (real ADS-B, 2018-08-01), moved so
// that their centre is (lat, lon) and their first fix is at `start_ms`: real tracks over a
// zone of the shipped scenario.
inline std::vector<json> SwissAircraftMoved(const std::string& icao24, double lat, double lon,
                                            int64_t start_ms) {
  auto text = formats::ReadTextFile(SharedDataPath(kSwissFlights));
  EXPECT_TRUE(text.ok());
  if (!text.ok()) return {};
  std::vector<json> fixes;
  for (json& r : json::parse(*text)) {
    std::vector<std::string> reasons;
    if (r.value("icao24", "") == icao24 && formats::PositionFromJson(r, "test", reasons)) {
      fixes.push_back(std::move(r));
    }
  }
  if (fixes.empty()) return fixes;
  std::stable_sort(fixes.begin(), fixes.end(), [](const json& a, const json& b) {
    return a["timestamp"].get<int64_t>() < b["timestamp"].get<int64_t>();
  });
  double mean_lat = 0, mean_lon = 0;
  for (const json& f : fixes) {
    mean_lat += f["latitude"].get<double>() / static_cast<double>(fixes.size());
    mean_lon += f["longitude"].get<double>() / static_cast<double>(fixes.size());
  }
  const int64_t t0 = fixes.front()["timestamp"];
  for (json& f : fixes) {
    f["latitude"] = f["latitude"].get<double>() - mean_lat + lat;
    f["longitude"] = f["longitude"].get<double>() - mean_lon + lon;
    f["timestamp"] = f["timestamp"].get<int64_t>() - t0 + start_ms;
  }
  return fixes;
}

// One server for a whole test suite: the shipped scenario, the moved Syrian Archive reports
// (when the corpus is present) and every fifth incident published; real flight tracks moved
// onto Idlib (when the flight sample is present); and notified sites and a movement.
class OgcServer {
 public:
  OgcServer() : server_((dir_.path() / "truce.db").string()) {
    server_.LoadShippedScenario();
    admin = server_.Token(app::Role::kAdmin);
    monitor = server_.Token(app::Role::kMonitor);
    humanitarian = server_.Token(app::Role::kHumanitarian);
    Notify();
    if (std::filesystem::exists(SharedDataPath(kSwissFlights))) {
      // Two aircraft over Idlib (no_fly) on 15 and 16 June 2018: several tracks each.
      for (const auto& [icao24, start] :
           {std::pair<std::string, int64_t>{"4ca97b", 1529038800000}, {"440005", 1529125200000}}) {
        Reply r = server_.Post("/api/v1/positions",
                               json(SwissAircraftMoved(icao24, 35.85, 36.65, start)), monitor);
        EXPECT_EQ(r.status, 201) << r.text.substr(0, 300);
      }
      has_flights = true;
    }
    if (!std::filesystem::exists(SharedDataPath(kSyrianArchive))) return;
    Reply r = server_.Post("/api/v1/reports", SyrianArchiveIn2017(), monitor);
    EXPECT_EQ(r.status, 201) << r.text.substr(0, 300);
    Reply incidents = server_.Get("/api/v1/incidents?limit=1000", monitor);
    size_t i = 0;
    for (const json& item : incidents.body["items"]) {
      if (i++ % 5 != 0) continue;
      const std::string id = item["id"];
      EXPECT_EQ(server_.Post("/api/v1/incidents/publish", {{"incident", id}}, monitor).status, 201);
      published.insert(id);
    }
    has_reports = true;
  }

  ServerHarness& server() { return server_; }
  std::string Ogc() const { return server_.base_url() + "/ogc"; }

  std::string admin, monitor, humanitarian;
  std::set<std::string> published;
  bool has_reports = false;
  bool has_flights = false;

 private:
  // Three hospitals (GeoNames places: Idlib, Douma, Daraa) and a convoy to Douma, notified by
  // the humanitarian cell.
  void Notify() {
    const json sites = json::parse(R"({"type":"FeatureCollection","features":[
      {"type":"Feature","properties":{"id":"idlib-hospital","type":"hospital",
       "organisation":"SAMS","valid_from":"2017-06-01"},
       "geometry":{"type":"Point","coordinates":[36.63393,35.93062]}},
      {"type":"Feature","properties":{"id":"douma-hospital","type":"hospital",
       "organisation":"MSF","valid_from":"2017-06-01","valid_to":"2018-04-14"},
       "geometry":{"type":"Point","coordinates":[36.4027,33.57175]}},
      {"type":"Feature","properties":{"id":"daraa-hospital","type":"hospital",
       "organisation":"ICRC","valid_from":"2018-01-01"},
       "geometry":{"type":"Point","coordinates":[36.10628,32.61889]}}]})");
    Reply r = server_.Post("/api/v1/sites", sites, humanitarian);
    EXPECT_EQ(r.status, 201) << r.text.substr(0, 300);
    const json convoy = json::parse(R"({"type":"Feature","properties":{"id":"convoy-douma",
       "organisation":"SARC","window_start":"2018-03-05T06:00:00Z",
       "window_end":"2018-03-05T18:00:00Z","destination_zone":"eastern-ghouta"},
       "geometry":{"type":"LineString","coordinates":[[36.29132,33.53098],[36.4027,33.57175]]}})");
    r = server_.Post("/api/v1/movements", convoy, humanitarian);
    EXPECT_EQ(r.status, 201) << r.text.substr(0, 300);
  }

  TempDir dir_;
  ServerHarness server_;
};

// The ids of every feature of `path` (an items URL path with its query), read page by page
// through the `next` links, and the numberMatched of the first page. Fails the test on a
// duplicate, a page over the limit, or numberMatched changing between pages.
struct AllFeatures {
  std::vector<std::string> ids;
  size_t matched = 0;
  size_t pages = 0;
};
inline AllFeatures ReadAllFeatures(ServerHarness& server, std::string path,
                                   const std::string& token) {
  AllFeatures out;
  std::set<std::string> seen;
  const std::string base = server.base_url();
  for (int guard = 0; guard < 1000 && !path.empty(); ++guard) {
    Reply page = server.Get(path, token);
    EXPECT_EQ(page.status, 200) << path << ": " << page.text.substr(0, 300);
    if (page.status != 200) break;
    ++out.pages;
    if (out.pages == 1) out.matched = page.body["numberMatched"];
    EXPECT_EQ(page.body["numberMatched"], out.matched) << path;
    for (const json& f : page.body["features"]) {
      const std::string id = f["id"];
      EXPECT_TRUE(seen.insert(id).second) << "feature " << id << " twice, at " << path;
      out.ids.push_back(id);
    }
    path.clear();
    for (const json& l : page.body["links"]) {
      if (l["rel"] != "next") continue;
      const std::string href = l["href"];
      EXPECT_EQ(href.rfind(base, 0), 0u) << href;
      path = href.substr(base.size());
    }
  }
  return out;
}

// --- External programs ------------------------------------------------------------------------

struct ToolRun {
  int status = -1;     // the exit status, -1 when it did not exit normally
  std::string output;  // stdout
  std::string errors;  // stderr
};

// Runs `command` with /bin/sh, stdout and stderr captured (stderr through a temporary file).
inline ToolRun RunTool(const std::string& command) {
  TempDir dir;
  const std::string err = (dir.path() / "stderr").string();
  ToolRun run;
  FILE* pipe = popen((command + " 2>'" + err + "'").c_str(), "r");
  if (!pipe) return run;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) run.output.append(buffer, n);
  const int status = pclose(pipe);
  run.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream in(err);
  run.errors.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return run;
}

// Whether `program` is on PATH.
inline bool HaveTool(const std::string& program) {
  return RunTool("command -v '" + program + "'").status == 0;
}

// Writes `text` to `path`.
inline void WriteFile(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

}  // namespace truce::testing
