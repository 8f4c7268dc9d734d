// The server as a live flight-ban monitor, on real ADS-B tracks (../shared/data/flights, the
// Switzerland sample, against the test zones of flight_test_zones.h): positions posted in
// shuffled batches of random sizes, with duplicates and late fixes, give exactly the violations
// `truce flights` prints for the same positions, record by record; as_of and a restart in the
// middle of the feed lose nothing; exemptions submitted through the API are judged as the CLI's
// exemptions file; bad filters and bad exemptions are 400s naming the parameter or field.
#include <algorithm>
#include <cmath>
#include <map>
#include <random>

#include "cli_harness.h"
#include "flight_test_zones.h"
#include "formats/positions.h"
#include "server_harness.h"
#include "shared_data.h"

namespace truce::testing {
namespace {

constexpr const char* kSwiss = "flights/traffic_collections_switzerland.json.gz";

// The Switzerland sample's records that carry a position fix (the server refuses a record
// without one; the CLI skips it), in the file's order.
std::vector<json> SwissRecords() {
  auto text = formats::ReadTextFile(SharedDataPath(kSwiss));
  EXPECT_TRUE(text.ok());
  if (!text.ok()) return {};
  json all = json::parse(*text);
  std::vector<json> out;
  for (json& r : all) {
    std::vector<std::string> reasons;
    if (formats::PositionFromJson(r, "test", reasons)) out.push_back(std::move(r));
  }
  return out;
}

json ZonesBundle() {
  return {{"format", "truce-scenario-bundle/1"},
          {"zones", {{"zones.geojson", json::parse(kFlightTestZones)}}}};
}

// The feed as a monitoring centre gets it: the records in batches of random sizes (1 to 4000)
// in shuffled order, 1% of them sent again in a later batch, and 2% held back and sent at the
// very end (late fixes).
std::vector<std::vector<json>> Feed(std::vector<json> records, uint32_t seed) {
  std::mt19937 rng(seed);
  // The sample is grouped by flight; a feed comes in time order.
  std::stable_sort(records.begin(), records.end(), [](const json& a, const json& b) {
    return a["timestamp"].get<int64_t>() < b["timestamp"].get<int64_t>();
  });
  std::vector<json> late, on_time;
  for (json& r : records) (rng() % 50 == 0 ? late : on_time).push_back(std::move(r));
  // Mostly in time order, as a feed is, but each batch shuffled within itself.
  std::vector<std::vector<json>> batches;
  size_t i = 0;
  while (i < on_time.size()) {
    const size_t n = std::min<size_t>(1 + rng() % 4000, on_time.size() - i);
    std::vector<json> b(on_time.begin() + i, on_time.begin() + i + n);
    std::shuffle(b.begin(), b.end(), rng);
    if (!batches.empty()) {
      for (size_t k = 0; k < b.size() / 100; ++k) {
        const auto& prev = batches[rng() % batches.size()];
        b.push_back(prev[rng() % prev.size()]);  // a duplicate of an earlier fix
      }
    }
    batches.push_back(std::move(b));
    i += n;
  }
  std::shuffle(late.begin(), late.end(), rng);
  for (size_t k = 0; k < late.size(); k += 3000) {
    batches.emplace_back(late.begin() + k, late.begin() + std::min(late.size(), k + 3000));
  }
  return batches;
}

class ServerFlightsTest : public CliHarness {
 protected:
  void SetUp() override {
    CliHarness::SetUp();
    server_ = std::make_unique<ServerHarness>((dir_ / "truce.db").string());
    admin_ = server_->Token(app::Role::kAdmin);
    monitor_ = server_->Token(app::Role::kMonitor);
    Reply r = server_->Post("/api/v1/scenario", ZonesBundle(), admin_);
    ASSERT_EQ(r.status, 201) << r.text;
    zones_ = Write("zones.geojson", kFlightTestZones);
  }
  void TearDown() override {
    server_.reset();
    CliHarness::TearDown();
  }

  void Post(const std::vector<json>& batch) {
    Reply r = server_->Post("/api/v1/positions", json(batch), monitor_);
    ASSERT_EQ(r.status, 201) << r.text.substr(0, 500);
  }

  // Every page of /api/v1/flight-violations with `query`.
  std::vector<json> ServerViolations(const std::string& query = "", const std::string& token = "") {
    std::vector<json> out;
    std::string cursor;
    for (;;) {
      std::string path = "/api/v1/flight-violations?limit=250" + query;
      if (!cursor.empty()) path += "&cursor=" + cursor;
      Reply r = server_->Get(path, token.empty() ? admin_ : token);
      EXPECT_EQ(r.status, 200) << r.text;
      if (r.status != 200) return out;
      for (const json& v : r.body["items"]) out.push_back(v);
      if (r.body["next"].is_null()) return out;
      cursor = r.body["next"].get<std::string>();
    }
  }

  // `truce flights` over the same records, in the order they were posted.
  std::vector<json> CliViolations(const std::vector<std::vector<json>>& batches,
                                  const std::string& extra = "") {
    std::string lines;
    for (const auto& b : batches)
      for (const json& r : b) lines += r.dump() + "\n";
    const std::string file = Write("posted.jsonl", lines);
    CliRun run = Truce("flights " + zones_ + " --positions " + file + extra);
    EXPECT_EQ(run.exit_code, 0) << run.err;
    return JsonLines(run.out);
  }

  std::unique_ptr<ServerHarness> server_;
  std::string admin_, monitor_, zones_;
};

// The server's record is the CLI's plus id, open and last_contact; an open one (the aircraft
// inside at the end of the feed) is the CLI's lost-inside violation with its exit unknown yet.
void ExpectSame(const std::vector<json>& server, const std::vector<json>& cli) {
  ASSERT_EQ(server.size(), cli.size());
  size_t open = 0;
  for (size_t i = 0; i < server.size(); ++i) {
    json s = server[i];
    const json& c = cli[i];
    SCOPED_TRACE(c.dump());
    EXPECT_EQ(s["id"], fmt::format("{}.{}.v{}.{}", c["icao24"].get<std::string>(),
                                   c["zone"].get<std::string>(), c["version"].get<int>(),
                                   c["entry_ms"].get<int64_t>()));
    if (s["open"] == true) {
      ++open;
      EXPECT_TRUE(c["lost_inside"].get<bool>());
      EXPECT_EQ(s["last_contact"], c["exit_time"]);
      for (const char* key : {"exit_time", "exit_lat", "exit_lon", "exit_ms", "exit_kind"}) {
        EXPECT_TRUE(s[key].is_null()) << key;
        s[key] = c[key];
      }
      s["exit_gap_s"] = c["exit_gap_s"];
      s["lost_inside"] = true;
    } else {
      EXPECT_TRUE(s["last_contact"].is_null());
    }
    s.erase("id");
    s.erase("open");
    s.erase("last_contact");
    EXPECT_EQ(s, c);
  }
  std::cerr << server.size() << " violations, " << open << " open\n";
}

TEST_F(ServerFlightsTest, ShuffledBatchesGiveExactlyTheCliVerdicts) {
  TRUCE_REQUIRE_SHARED_DATA(kSwiss);
  const auto batches = Feed(SwissRecords(), 12);
  size_t n = 0;
  for (const auto& b : batches) {
    Post(b);
    n += b.size();
  }
  const std::vector<json> cli = CliViolations(batches);
  ASSERT_GT(cli.size(), 20u) << "the test zones must catch real violations";
  ExpectSame(ServerViolations(), cli);
  std::cerr << batches.size() << " batches, " << n << " positions\n";

  // Filters: zone, icao24, from/to, bbox, each against the full list.
  const std::vector<json> all = ServerViolations();
  const std::string zone = all.front()["zone"], icao = all.front()["icao24"];
  for (const json& v : ServerViolations("&zone=" + zone)) EXPECT_EQ(v["zone"], zone);
  const auto by_icao = ServerViolations("&icao24=" + icao);
  ASSERT_FALSE(by_icao.empty());
  for (const json& v : by_icao) EXPECT_EQ(v["icao24"], icao);
  const auto later = ServerViolations("&from=2018-08-01T12:00:00Z");
  EXPECT_LT(later.size(), all.size());
  for (const json& v : later) {
    EXPECT_TRUE(v["open"] == true || v["exit_time"].get<std::string>() >= "2018-08-01T12:00:00Z");
  }
  const auto zurich = ServerViolations("&bbox=8.2,47.2,8.9,47.65");
  EXPECT_FALSE(zurich.empty());
  for (const json& v : zurich) EXPECT_NE(v["zone"], "alps");

  // Each violation entered once: the feed's clock moving on while an aircraft is inside and
  // silent closes its violation at most, it never announces the entry again.
  std::map<std::string, int> entries;
  std::string cursor;
  for (;;) {
    Reply r = server_->Get(
        "/api/v1/alerts?kind=flight_entry&limit=1000" + (cursor.empty() ? "" : "&cursor=" + cursor),
        admin_);
    ASSERT_EQ(r.status, 200) << r.text;
    for (const json& a : r.body["items"]) ++entries[a["record"]["id"].get<std::string>()];
    if (r.body["next"].is_null()) break;
    cursor = r.body["next"].get<std::string>();
  }
  EXPECT_GE(entries.size(), all.size());
  for (const auto& [id, n] : entries) EXPECT_EQ(n, 1) << id;
}

TEST_F(ServerFlightsTest, AsOfAndRestartMidFeedLoseNoVerdict) {
  TRUCE_REQUIRE_SHARED_DATA(kSwiss);
  const auto batches = Feed(SwissRecords(), 7);
  const size_t half = batches.size() / 2;
  int64_t second = 0;
  auto tick = [&] {
    server_->SetNow(fmt::format("2024-01-01T00:{:02}:{:02}Z", second / 60, second % 60).c_str());
    ++second;
  };
  for (size_t i = 0; i < half; ++i) {
    tick();
    Post(batches[i]);
  }
  const std::string cut =
      fmt::format("2024-01-01T00:{:02}:{:02}Z", (second - 1) / 60, (second - 1) % 60);
  const std::vector<json> before = ServerViolations();
  ExpectSame(before, CliViolations({batches.begin(), batches.begin() + half}));

  server_->Restart();  // in the middle of flights: open violations must come back open
  EXPECT_EQ(ServerViolations(), before);
  for (size_t i = half; i < batches.size(); ++i) {
    tick();
    Post(batches[i]);
  }
  ExpectSame(ServerViolations(), CliViolations(batches));
  // As of the cut: what was known then, judged as then.
  EXPECT_EQ(ServerViolations("&as_of=" + cut), before);
  size_t open = 0;
  for (const json& v : before) open += v["open"] == true;
  EXPECT_GT(open, 0u) << "the cut must fall in the middle of flights";
}

TEST_F(ServerFlightsTest, ExemptionsThroughTheApiAreJudgedAsTheCliFile) {
  TRUCE_REQUIRE_SHARED_DATA(kSwiss);
  const auto batches = Feed(SwissRecords(), 3);
  for (const auto& b : batches) Post(b);
  const std::vector<json> before = ServerViolations();
  ASSERT_FALSE(before.empty());
  const std::string icao = before.front()["icao24"];
  const std::string zone = before.front()["zone"];
  // A humanitarian (the deconfliction cell) notifies the flight for that zone, that day.
  const std::string cell = server_->Token(app::Role::kHumanitarian);
  Reply r = server_->Post("/api/v1/exemptions",
                          {{"icao24", icao},
                           {"from", "2018-08-01"},
                           {"to", "2018-08-02"},
                           {"zone", zone},
                           {"note", "medevac, notified 07:10"}},
                          cell);
  ASSERT_EQ(r.status, 201) << r.text;
  const std::vector<json> after = ServerViolations();
  EXPECT_LT(after.size(), before.size());
  for (const json& v : after) EXPECT_FALSE(v["icao24"] == icao && v["zone"] == zone);
  const std::string csv = Write("exempt.csv", fmt::format("icao24,callsign,from,to,zone,note\n"
                                                          "{},,2018-08-01,2018-08-02,{},medevac\n",
                                                          icao, zone));
  ExpectSame(after, CliViolations(batches, " --exemptions " + csv));
  // Listed for those who may read them; the log holds them.
  Reply list = server_->Get("/api/v1/exemptions", cell);
  ASSERT_EQ(list.status, 200);
  ASSERT_EQ(list.body["items"].size(), 1u);
  EXPECT_EQ(list.body["items"][0]["icao24"], icao);
  EXPECT_EQ(list.body["items"][0]["notified_by"], "humanitarian");
  // The exemption is in the log: a restart judges with it.
  server_->Restart();
  EXPECT_EQ(ServerViolations().size(), after.size());
}

// The flight ban per zone, as `truce flights` prints the violations: those whose entry falls on
// `day` (current) and on the day before (previous), and their time inside in ms.
struct FlightBan {
  int flights = 0, previous = 0;
  int64_t inside_ms = 0, previous_ms = 0;
};
std::map<std::string, FlightBan> FlightBanOf(const std::vector<json>& cli, const std::string& day,
                                             const std::string& day_before) {
  std::map<std::string, FlightBan> out;
  for (const json& v : cli) {
    const std::string entry = v["entry_time"];
    const int64_t ms = std::llround(v["inside_s"].get<double>() * 1000);
    FlightBan& f = out[v["zone"]];
    if (entry.starts_with(day)) {
      ++f.flights;
      f.inside_ms += ms;
    } else if (entry.starts_with(day_before)) {
      ++f.previous;
      f.previous_ms += ms;
    }
  }
  return out;
}
double Minutes(int64_t ms) { return std::round(static_cast<double>(ms) / 6000.0) / 10.0; }

// The summary's flight_ban equals, zone by zone, the count and the summed inside_s of the
// violations `truce flights` prints for the same positions.
void ExpectFlightBan(const json& summary, const std::map<std::string, FlightBan>& want) {
  ASSERT_TRUE(summary.contains("zones")) << summary.dump().substr(0, 300);
  int zones_with_flights = 0;
  for (const json& z : summary["zones"]) {
    SCOPED_TRACE(z["zone"].get<std::string>());
    const auto it = want.find(z["zone"]);
    const FlightBan f = it == want.end() ? FlightBan{} : it->second;
    const json& ban = z["flight_ban"];
    EXPECT_EQ(ban["flights"]["count"], f.flights);
    EXPECT_EQ(ban["flights"]["previous"], f.previous);
    EXPECT_EQ(ban["flights"]["change"], f.flights - f.previous);
    EXPECT_DOUBLE_EQ(ban["minutes_inside"]["count"].get<double>(), Minutes(f.inside_ms));
    EXPECT_DOUBLE_EQ(ban["minutes_inside"]["previous"].get<double>(), Minutes(f.previous_ms));
    EXPECT_DOUBLE_EQ(ban["minutes_inside"]["change"].get<double>(),
                     Minutes(f.inside_ms - f.previous_ms));
    zones_with_flights += f.flights > 0 && f.previous > 0;
  }
  EXPECT_GE(zones_with_flights, 3) << "the test zones must see flights on both days";
}

// The Switzerland sample, and a third of its aircraft flying the same tracks 24 hours earlier
// (so that the previous day has flights too), posted in shuffled batches: the summary's flight
// ban (GET /api/v1/summary, `truce summary --positions`) counts exactly the violations and
// minutes inside `truce flights` reports; as_of answers as then; the daily report shows the
// same figures, and regenerates byte for byte as of a past head, from the server and from
// `truce report --db`.
TEST_F(ServerFlightsTest, SummaryFlightBanEqualsTheCliViolations) {
  TRUCE_REQUIRE_SHARED_DATA(kSwiss);
  std::vector<json> records = SwissRecords();
  const size_t n = records.size();
  for (size_t i = 0; i < n; ++i) {
    const std::string icao = records[i]["icao24"];
    if (std::stoi(icao.substr(5), nullptr, 16) % 3 != 0) continue;
    json earlier = records[i];
    earlier["timestamp"] = earlier["timestamp"].get<int64_t>() - 86'400'000;
    records.push_back(std::move(earlier));
  }
  const auto batches = Feed(std::move(records), 21);
  const size_t half = batches.size() / 2;
  for (size_t i = 0; i < batches.size(); ++i) {
    server_->SetNow(fmt::format("2024-01-01T00:{:02}:{:02}Z", i / 60, i % 60).c_str());
    Post(batches[i]);
  }
  const std::string cut =
      fmt::format("2024-01-01T00:{:02}:{:02}Z", (half - 1) / 60, (half - 1) % 60);
  const std::vector<json> cli = CliViolations(batches);
  const auto want = FlightBanOf(cli, "2018-08-01", "2018-07-31");
  const Reply summary = server_->Get("/api/v1/summary?from=2018-08-01&to=2018-08-02", admin_);
  ASSERT_EQ(summary.status, 200) << summary.text;
  ExpectFlightBan(summary.body, want);
  // Every role reads the same figures (aggregates of fields the public reads too).
  EXPECT_EQ(server_->Get("/api/v1/summary?from=2018-08-01&to=2018-08-02").text, summary.text);

  // The CLI over the same positions file prints the same summary.
  std::string lines;
  for (const auto& b : batches)
    for (const json& r : b) lines += r.dump() + "\n";
  const std::string file = Write("all.jsonl", lines);
  CliRun run = Truce("summary " + zones_ + " --positions " + file +
                     " --from 2018-08-01 --to 2018-08-01 --format json");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(json::parse(run.out), summary.body);
  CliRun table = Truce("summary " + zones_ + " --positions " + file);
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_EQ(table.out.rfind("Violations 2018-07-31 .. ", 0), 0u) << table.out;
  EXPECT_NE(table.out.find("aircraft violations"), std::string::npos) << table.out;
  // A bad record refuses the whole input, naming the file, the line and the field.
  const std::string bad =
      Write("bad.jsonl",
            lines + R"({"timestamp":1533110000000,"icao24":"4b1805","latitude":95,"longitude":7.4})"
                    "\n");
  CliRun refused = Truce("summary " + zones_ + " --positions " + file + " --positions " + bad);
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_TRUE(refused.out.empty()) << refused.out;
  EXPECT_NE(refused.err.find("1 bad position record (nothing was summarised)"), std::string::npos)
      << refused.err;
  EXPECT_NE(refused.err.find(bad + ":" +
                             std::to_string(std::count(lines.begin(), lines.end(), '\n') + 1) +
                             ": latitude: expected a latitude in [-90, 90], got 95"),
            std::string::npos)
      << refused.err;

  // As of the cut: the flight ban of what the server held then.
  const auto want_then = FlightBanOf(CliViolations({batches.begin(), batches.begin() + half}),
                                     "2018-08-01", "2018-07-31");
  const Reply then =
      server_->Get("/api/v1/summary?from=2018-08-01&to=2018-08-02&as_of=" + cut, admin_);
  ASSERT_EQ(then.status, 200) << then.text;
  ExpectFlightBan(then.body, want_then);
  EXPECT_NE(then.text, summary.text);

  // The daily report: the day's flight ban of the zone, byte-identical as of the cut from the
  // server and from the database.
  const std::string zone = "zurich";
  const std::string path = "/api/v1/report?zone=" + zone + "&day=2018-08-01&as_of=" + cut;
  const Reply report = server_->Get(path);
  ASSERT_EQ(report.status, 200) << report.text.substr(0, 300);
  EXPECT_NE(report.text.find("<h2>Flight ban</h2>"), std::string::npos);
  const FlightBan& z = want_then.at(zone);
  EXPECT_NE(report.text.find(fmt::format("{} aircraft violation(s) of the no-fly rule began that "
                                         "day ({} the day before",
                                         z.flights, z.previous)),
            std::string::npos)
      << report.text;
  EXPECT_NE(report.text.find(fmt::format("<td>minutes inside</td><td class=\"n\">{:.1f}</td>",
                                         Minutes(z.inside_ms))),
            std::string::npos);
  const std::string out = (dir_ / "report.html").string();
  CliRun local = Truce("report --db " + (dir_ / "truce.db").string() + " --zone " + zone +
                       " --day 2018-08-01 --as-of " + cut + " --out " + out);
  ASSERT_EQ(local.exit_code, 0) << local.err;
  EXPECT_EQ(*formats::ReadTextFile(out), report.text);
  EXPECT_EQ(server_->Get(path).text, report.text);
}

TEST_F(ServerFlightsTest, BadFiltersAndBadExemptionsName400s) {
  for (const auto& [query, name] :
       std::vector<std::pair<std::string, std::string>>{{"icao24=xyz", "?icao24"},
                                                        {"from=yesterday", "?from"},
                                                        {"to=2018-13-01", "?to"},
                                                        {"as_of=soon", "?as_of"},
                                                        {"bbox=1,2,3", "?bbox"},
                                                        {"limit=0", "?limit"},
                                                        {"cursor=zz", "?cursor"}}) {
    Reply r = server_->Get("/api/v1/flight-violations?" + query, admin_);
    EXPECT_EQ(r.status, 400) << query << " " << r.text;
    EXPECT_NE(r.text.find(name), std::string::npos) << query << " " << r.text;
  }
  for (const auto& [body, pointer] : std::vector<std::pair<json, std::string>>{
           {{{"from", "2018-08-01"}, {"to", "2018-08-02"}}, "/icao24"},
           {{{"icao24", "4b1803"}, {"to", "2018-08-02"}}, "/from"},
           {{{"icao24", "4b1803"}, {"from", "2018-08-03"}, {"to", "2018-08-02"}}, "/to"},
           {{{"icao24", "nothex"}, {"from", "2018-08-01"}, {"to", "2018-08-02"}}, "/icao24"},
           {{{"icao24", "4b1803"},
             {"from", "2018-08-01"},
             {"to", "2018-08-02"},
             {"zone", "atlantis"}},
            "/zone"},
           {{{"icao24", "4b1803"}, {"from", "2018-08-01"}, {"to", "2018-08-02"}, {"colour", 1}},
            "/colour"},
       }) {
    Reply r = server_->Post("/api/v1/exemptions", body, monitor_);
    EXPECT_EQ(r.status, 400) << body.dump() << " " << r.text;
    EXPECT_NE(r.text.find("\"" + pointer + "\""), std::string::npos) << body.dump() << r.text;
  }
  // Nothing of a refused exemption was stored.
  EXPECT_EQ(server_->Get("/api/v1/exemptions", admin_).body["items"].size(), 0u);
}

}  // namespace
}  // namespace truce::testing

namespace truce::testing {
namespace {

// Flight tracks (GET /api/v1/flight-tracks) over the Switzerland sample fed in shuffled batches:
// every distinct fix is on exactly one track, the tracks are those `truce flights` forms
// (BuildTracks), each violation is one red segment right after the track it began on, pages
// never split a track from its segments, the filters narrow, and bad input is a 400 naming the
// parameter.
TEST_F(ServerFlightsTest, TracksHoldEveryFixAndMarkEveryViolation) {
  TRUCE_REQUIRE_SHARED_DATA(kSwiss);
  const std::vector<json> records = SwissRecords();
  for (const auto& b : Feed(records, 5)) Post(b);
  std::vector<Position> positions;
  for (const json& r : records) {
    std::vector<std::string> reasons;
    if (auto p = formats::PositionFromJson(r, "test", reasons)) positions.push_back(*p);
  }
  TrackStats stats;
  const std::vector<Track> expected = BuildTracks(positions, {}, &stats);

  // Every page of 37 tracks.
  std::vector<json> tracks, segments;
  std::string cursor;
  size_t pages = 0;
  for (;;) {
    Reply r = server_->Get(
        "/api/v1/flight-tracks?limit=37" + (cursor.empty() ? "" : "&cursor=" + cursor), monitor_);
    ASSERT_EQ(r.status, 200) << r.text.substr(0, 300);
    ++pages;
    size_t on_page = 0;
    for (const json& f : r.body["features"]) {
      if (f["properties"]["violating"] == true && f["properties"].contains("track")) {
        ASSERT_FALSE(tracks.empty());
        EXPECT_EQ(f["properties"]["track"], tracks.back()["id"]) << "a segment after its track";
        segments.push_back(f);
      } else {
        tracks.push_back(f);
        ++on_page;
      }
    }
    EXPECT_EQ(r.body["tracks"], on_page);
    if (r.body["next"].is_null()) break;
    EXPECT_EQ(on_page, 37u);
    cursor = r.body["next"].get<std::string>();
  }
  ASSERT_EQ(tracks.size(), expected.size());
  EXPECT_EQ(pages, (expected.size() + 36) / 37);
  size_t fixes = 0;
  std::set<std::string> ids;
  for (size_t i = 0; i < tracks.size(); ++i) {
    const json& t = tracks[i];
    EXPECT_TRUE(ids.insert(t["id"].get<std::string>()).second) << t["id"];
    fixes += t["properties"]["positions"].get<size_t>();
    const size_t vertices =
        t["geometry"]["type"] == "Point" ? 1 : t["geometry"]["coordinates"].size();
    EXPECT_EQ(vertices, t["properties"]["positions"].get<size_t>());
    if (i > 0) {
      EXPECT_LE(tracks[i - 1]["properties"]["start"], t["properties"]["start"]);
    }
  }
  EXPECT_EQ(fixes, stats.positions - stats.duplicates) << "every distinct fix on one track";
  // Each violation is one segment, on the track it began on, with the violation's record.
  const std::vector<json> violations = ServerViolations();
  ASSERT_GT(violations.size(), 20u);
  ASSERT_EQ(segments.size(), violations.size());
  std::map<std::string, json> by_id;
  for (const json& v : violations) by_id[v["id"]] = v;
  for (const json& s : segments) {
    ASSERT_TRUE(by_id.contains(s["id"])) << s["id"];
    const json& v = by_id[s["id"]];
    EXPECT_EQ(s["properties"]["entry_time"], v["entry_time"]);
    EXPECT_EQ(s["properties"]["zone"], v["zone"]);
    EXPECT_EQ(s["geometry"]["coordinates"].front()[0], v["entry_lon"]);
    EXPECT_EQ(s["properties"]["track"].get<std::string>().rfind(v["icao24"].get<std::string>(), 0),
              0u);
  }

  // Filters: one aircraft, a window, a box.
  const std::string icao = violations.front()["icao24"];
  Reply one = server_->Get("/api/v1/flight-tracks?limit=1000&icao24=" + icao, monitor_);
  ASSERT_EQ(one.status, 200);
  for (const json& f : one.body["features"]) EXPECT_EQ(f["properties"]["icao24"], icao);
  Reply hour = server_->Get(
      "/api/v1/flight-tracks?limit=1000&from=2018-08-01T12:00:00Z&to=2018-08-01T13:00:00Z",
      monitor_);
  ASSERT_EQ(hour.status, 200);
  EXPECT_GT(hour.body["tracks"].get<size_t>(), 0u);
  EXPECT_LT(hour.body["tracks"].get<size_t>(), tracks.size());
  for (const json& f : hour.body["features"]) {
    if (f["properties"].contains("track")) continue;
    EXPECT_LT(f["properties"]["start"].get<std::string>(), "2018-08-01T13:00:00Z");
    EXPECT_GE(f["properties"]["end"].get<std::string>(), "2018-08-01T12:00:00Z");
  }
  Reply geneva = server_->Get("/api/v1/flight-tracks?limit=1000&bbox=6.0,46.1,6.3,46.3", monitor_);
  ASSERT_EQ(geneva.status, 200);
  EXPECT_GT(geneva.body["tracks"].get<size_t>(), 0u);
  EXPECT_LT(geneva.body["tracks"].get<size_t>(), tracks.size());
  // as_of before any position: nothing.
  Reply before = server_->Get("/api/v1/flight-tracks?as_of=2000-01-01T00:00:00Z", monitor_);
  ASSERT_EQ(before.status, 200);
  EXPECT_EQ(before.body["features"].size(), 0u);

  // Bad input, each a 400 naming the parameter.
  for (const auto& [query, where] : std::vector<std::pair<std::string, std::string>>{
           {"from=2018-08-01T13:00:00Z&to=2018-08-01T12:00:00Z", "?to"},
           {"icao24=zzzzzz", "?icao24"},
           {"cursor=not-a-cursor", "?cursor"},
           {"bbox=1,2,3", "?bbox"},
           {"from=yesterday", "?from"},
           {"limit=0", "?limit"}}) {
    Reply r = server_->Get("/api/v1/flight-tracks?" + query, monitor_);
    EXPECT_EQ(r.status, 400) << query << ": " << r.text;
    EXPECT_EQ(r.body["error"]["problems"][0]["path"], where) << query << ": " << r.text;
  }
}

}  // namespace
}  // namespace truce::testing
