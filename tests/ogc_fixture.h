// Shared by the OGC API tests (ogc_test.cc) and the real-client tests (interop_test.cc): a
// server with the shipped scenario and real reports (the Syrian Archive's chemical-weapons
// incidents, moved four years later into 2017-2018 so that they fall in the de-escalation
// zones' time and give violations and incidents), tokens, and helpers to read a collection
// through its paging links and to run an external program.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "formats/reports.h"
#include "formats/text_file.h"
#include "server_harness.h"
#include "shared_data.h"

namespace truce::testing {

inline constexpr char kSyrianArchive[] = "incidents/syrian_archive_chemical_weapons_2013_2014.csv";

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

// One server for a whole test suite: the shipped scenario, the moved Syrian Archive reports
// (when the corpus is present) and every fifth incident published.
class OgcServer {
 public:
  OgcServer() : server_((dir_.path() / "truce.db").string()) {
    server_.LoadShippedScenario();
    admin = server_.Token(app::Role::kAdmin);
    monitor = server_.Token(app::Role::kMonitor);
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

  std::string admin, monitor;
  std::set<std::string> published;
  bool has_reports = false;

 private:
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
