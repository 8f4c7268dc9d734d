// Air-ground fusion in the server, on real ADS-B tracks (../shared/data/flights, the Switzerland
// sample) moved so that a real aircraft's fix lies on Khan Shaykhun: for the same strike reports
// and positions, the server's incidents carry exactly the `tracks` and `coverage` that `truce
// corroborate --positions` prints, record by record, whether the positions arrive before or
// after the reports, as of any point of the feed, and after a restart.
#include <algorithm>
#include <random>

#include "cli_harness.h"
#include "formats/positions.h"
#include "server_harness.h"
#include "shared_data.h"

namespace truce::testing {
namespace {

constexpr const char* kSwiss = "flights/traffic_collections_switzerland.json.gz";
constexpr double kStrikeLat = 35.4378, kStrikeLng = 36.6508;  // Khan Shaykhun

struct Row {
  const char* id;
  const char* sub_event_type;
  double lat, lng;
  const char* source;
  int day_offset;  // from the day of the moved fix
};

// Two strike reports of one strike on Khan Shaykhun (the aircraft's fix), one in Daraa where
// no moved track flies, one two days later (no position data), a shelling (no fusion).
constexpr Row kRows[] = {
    {"AIR-1", "Air/drone strike", kStrikeLat, kStrikeLng, "SOHR", 0},
    {"AIR-2", "Air/drone strike", kStrikeLat + 0.004, kStrikeLng, "Idlib Now", 0},
    {"AIR-3", "Air/drone strike", 32.6189, 36.1021, "SNHR", 0},
    {"AIR-4", "Air/drone strike", kStrikeLat, kStrikeLng, "SOHR", 2},
    {"SHL-1", "Shelling/artillery/missile attack", 35.8626, 36.8064, "Anadolu", 0},
};

class AirEvidenceServerTest : public CliHarness {
 protected:
  void SetUp() override {
    CliHarness::SetUp();
    server_ = std::make_unique<ServerHarness>((dir_ / "truce.db").string());
    server_->LoadShippedScenario();
    admin_ = server_->Token(app::Role::kAdmin);
    monitor_ = server_->Token(app::Role::kMonitor);
  }
  void TearDown() override {
    server_.reset();
    CliHarness::TearDown();
  }

  // The sample's records within three hours of a busy aircraft's middle fix, moved so that
  // fix lies on Khan Shaykhun, in time order; `day` is that fix's UTC day.
  std::vector<json> MovedRecords(UtcTime& day) {
    auto text = formats::ReadTextFile(SharedDataPath(kSwiss));
    EXPECT_TRUE(text.ok());
    if (!text.ok()) return {};
    json all = json::parse(*text);
    auto batch = formats::ParsePositions(*text, kSwiss);
    EXPECT_TRUE(batch.ok());
    const std::vector<Track> tracks = BuildTracks(batch->positions);
    const auto busy = std::max_element(tracks.begin(), tracks.end(), [](auto& a, auto& b) {
      return a.positions.size() < b.positions.size();
    });
    const Position& fix = busy->positions[busy->positions.size() / 2];
    day = std::chrono::floor<std::chrono::days>(fix.time);
    const double dlat = kStrikeLat - fix.where.lat(), dlng = kStrikeLng - fix.where.lng();
    const int64_t at = fix.time.time_since_epoch().count();
    std::vector<json> out;
    for (json& r : all) {
      std::vector<std::string> reasons;
      if (!formats::PositionFromJson(r, "test", reasons)) continue;
      const int64_t t = r["timestamp"].get<int64_t>();
      if (t < at - 3 * 3600'000 || t > at + 3 * 3600'000) continue;
      r["latitude"] = r["latitude"].get<double>() + dlat;
      r["longitude"] = r["longitude"].get<double>() + dlng;
      out.push_back(std::move(r));
    }
    std::stable_sort(out.begin(), out.end(), [](const json& a, const json& b) {
      return a["timestamp"].get<int64_t>() < b["timestamp"].get<int64_t>();
    });
    return out;
  }

  json ReportOf(const Row& row, UtcTime day) {
    json r = ReportJson(row.id, FormatUtcDate(day + std::chrono::days(row.day_offset)), row.lat,
                        row.lng);
    r["sub_event_type"] = row.sub_event_type;
    r["source"] = row.source;
    return r;
  }
  // The same reports as the CLI reads them.
  std::string ReportsCsv(std::span<const Row> rows, UtcTime day) {
    std::string csv =
        "event_id_cnty,event_date,time_precision,event_type,sub_event_type,actor1,latitude,"
        "longitude,geo_precision,source,fatalities\n";
    for (const Row& row : rows) {
      const json r = ReportOf(row, day);
      csv += fmt::format("{},{},1,{},{},{},{},{},1,{},1\n", row.id,
                         r["event_date"].get<std::string>(), r["event_type"].get<std::string>(),
                         row.sub_event_type, r["actor1"].get<std::string>(), r["latitude"].dump(),
                         r["longitude"].dump(), row.source);
    }
    return Write("reports.csv", csv);
  }

  void Tick() {
    server_->SetNow(fmt::format("2024-01-01T{:02}:{:02}:00Z", minute_ / 60, minute_ % 60).c_str());
    ++minute_;
  }
  std::string Now() const {
    return fmt::format("2024-01-01T{:02}:{:02}:00Z", (minute_ - 1) / 60, (minute_ - 1) % 60);
  }

  std::vector<json> ServerIncidents(const std::string& query = "") {
    const Reply r = server_->Get("/api/v1/incidents?limit=1000" + query, admin_);
    EXPECT_EQ(r.status, 200) << r.text;
    return r.body["items"].get<std::vector<json>>();
  }
  // `truce corroborate` over `reports` and the positions posted so far.
  std::vector<json> Cli(const std::string& reports, const std::vector<json>& records) {
    std::string lines = records.empty() ? "[]" : "";  // an empty file is refused
    for (const json& r : records) lines += r.dump() + "\n";
    const CliRun run = Truce("corroborate " + ShippedScenario() + " --reports " + reports +
                             " --positions " + Write("posted.jsonl", lines));
    EXPECT_EQ(run.exit_code, 0) << run.err;
    return JsonLines(run.out);
  }
  // Every key of the CLI's record has the same value in the server's (which adds the API's
  // keys: id, event_date, report_entries, ...).
  static void ExpectSame(const std::vector<json>& server, const std::vector<json>& cli) {
    ASSERT_EQ(server.size(), cli.size());
    for (size_t i = 0; i < cli.size(); ++i) {
      SCOPED_TRACE(cli[i]["incident"].get<std::string>());
      for (const auto& [key, value] : cli[i].items()) EXPECT_EQ(server[i][key], value) << key;
    }
  }

  std::unique_ptr<ServerHarness> server_;
  std::string admin_, monitor_;
  int minute_ = 1;  // the scenario is loaded at 00:00
};

TEST_F(AirEvidenceServerTest, IncidentsCarryTheCliTrackEvidenceAsPositionsArrive) {
  TRUCE_REQUIRE_SHARED_DATA(kSwiss);
  UtcTime day{};
  const std::vector<json> records = MovedRecords(day);
  ASSERT_GT(records.size(), 1000u);
  // The first four reports, then the positions in batches of random sizes.
  const std::span<const Row> first(kRows, 4);
  json reports = json::array();
  for (const Row& row : first) reports.push_back(ReportOf(row, day));
  Tick();
  ASSERT_EQ(server_->Post("/api/v1/reports", reports, admin_).status, 201);
  const std::string before_positions = Now();
  const std::string csv = ReportsCsv(first, day);
  // No positions yet: the coverage says there is no data, as the CLI with an empty file.
  ExpectSame(ServerIncidents(), Cli(csv, {}));

  std::mt19937 rng(11);
  std::vector<json> posted;
  std::string half_time;
  std::vector<json> at_half;
  size_t i = 0;
  while (i < records.size()) {
    const size_t n = std::min<size_t>(1 + rng() % 3000, records.size() - i);
    const std::vector<json> batch(records.begin() + i, records.begin() + i + n);
    Tick();
    ASSERT_EQ(server_->Post("/api/v1/positions", json(batch), monitor_).status, 201);
    posted.insert(posted.end(), batch.begin(), batch.end());
    i += n;
    (void)ServerIncidents();  // the evidence is kept between batches and must follow them
    if (half_time.empty() && i >= records.size() / 2) {
      half_time = Now();
      at_half = posted;
    }
  }
  const std::vector<json> cli = Cli(csv, posted);
  const std::vector<json> server = ServerIncidents();
  ExpectSame(server, cli);
  // What the strike on Khan Shaykhun shows: the moved aircraft over it, at distance 0.
  ASSERT_EQ(cli[0]["incident"], "INC-AIR-1");
  ASSERT_EQ(cli[0]["reports"].size(), 2u);
  ASSERT_FALSE(cli[0]["tracks"].empty());
  EXPECT_EQ(cli[0]["tracks"][0]["distance_m"], 0.0);
  EXPECT_EQ(cli[0]["coverage"].size(), 2u);
  EXPECT_GT(cli[0]["coverage"][0]["positions_in_area"].get<int>(), 0);
  // Daraa: positions that day, none near it.
  ASSERT_EQ(cli[1]["incident"], "INC-AIR-3");
  EXPECT_TRUE(cli[1]["tracks"].empty());
  EXPECT_NE(cli[1]["coverage"][0]["statement"].get<std::string>().find(
                "not evidence that no aircraft flew"),
            std::string::npos);
  ASSERT_EQ(cli[2]["incident"], "INC-AIR-4");
  EXPECT_NE(cli[2]["coverage"][0]["statement"].get<std::string>().find("no position data at all"),
            std::string::npos);

  // As of the middle of the feed, and before it: what was known then.
  ExpectSame(ServerIncidents("&as_of=" + half_time), Cli(csv, at_half));
  ExpectSame(ServerIncidents("&as_of=" + before_positions), Cli(csv, {}));
  EXPECT_NE(Cli(csv, at_half)[0]["coverage"], cli[0]["coverage"]);

  // A report arriving after the positions is fused with them; a restart keeps everything.
  Tick();
  ASSERT_EQ(server_->Post("/api/v1/reports", json::array({ReportOf(kRows[4], day)}), admin_).status,
            201);
  const std::string all_csv = ReportsCsv(kRows, day);
  ExpectSame(ServerIncidents(), Cli(all_csv, posted));
  json late = ReportOf(kRows[0], day);
  late["event_id_cnty"] = "AIR-5";
  late["source"] = "Step News";
  Tick();
  ASSERT_EQ(server_->Post("/api/v1/reports", late, admin_).status, 201);
  const json one = server_->Get("/api/v1/incidents/INC-AIR-1", admin_).body;
  EXPECT_EQ(one["reports"].size(), 3u);
  EXPECT_EQ(one["coverage"].size(), 3u);
  EXPECT_EQ(one["coverage"][2]["report"], "AIR-5");
  EXPECT_EQ(one["coverage"][2]["positions_in_area"], one["coverage"][0]["positions_in_area"]);
  const std::vector<json> now = ServerIncidents();
  server_->Restart();
  EXPECT_EQ(ServerIncidents(), now);
}

}  // namespace
}  // namespace truce::testing
