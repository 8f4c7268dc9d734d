// Alerts on a live server: a real aircraft of the Switzerland sample entering a test no-fly
// zone reaches a Server-Sent Events client (raw socket) within a second of the POST that
// caused it, as the flight violation the API lists; the public's stream carries it without the
// aircraft's identity and no report's violation; a client resuming with Last-Event-ID gets
// exactly the events it missed; ids survive a restart (alerts are derived from the log).
#include <algorithm>
#include <chrono>

#include "flight_test_zones.h"
#include "formats/positions.h"
#include "server_harness.h"
#include "shared_data.h"
#include "sse_client.h"

namespace truce::testing {
namespace {

using Clock = std::chrono::steady_clock;
constexpr const char* kSwiss = "flights/traffic_collections_switzerland.json.gz";

// The sample's records with a position fix, in time order (as a feed delivers them).
std::vector<json> SwissFeed() {
  auto text = formats::ReadTextFile(SharedDataPath(kSwiss));
  EXPECT_TRUE(text.ok());
  if (!text.ok()) return {};
  std::vector<json> out;
  for (json& r : json::parse(*text)) {
    std::vector<std::string> reasons;
    if (formats::PositionFromJson(r, "test", reasons)) out.push_back(std::move(r));
  }
  std::stable_sort(out.begin(), out.end(), [](const json& a, const json& b) {
    return a["timestamp"].get<int64_t>() < b["timestamp"].get<int64_t>();
  });
  return out;
}

class ServerAlertsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<ServerHarness>((dir_.path() / "truce.db").string());
    admin_ = server_->Token(app::Role::kAdmin);
    monitor_ = server_->Token(app::Role::kMonitor);
  }
  void LoadTestZones() {
    const json bundle = {{"format", "truce-scenario-bundle/1"},
                         {"zones", {{"zones.geojson", json::parse(kFlightTestZones)}}}};
    ASSERT_EQ(server_->Post("/api/v1/scenario", bundle, admin_).status, 201);
  }
  std::vector<json> ListAlerts(const std::string& token, const std::string& query = "") {
    std::vector<json> out;
    std::string cursor;
    for (;;) {
      Reply r = server_->Get(
          "/api/v1/alerts?limit=500" + query + (cursor.empty() ? "" : "&cursor=" + cursor), token);
      EXPECT_EQ(r.status, 200) << r.text;
      if (r.status != 200) return out;
      for (const json& a : r.body["items"]) out.push_back(a);
      if (r.body["next"].is_null()) return out;
      cursor = r.body["next"];
    }
  }

  TempDir dir_;
  std::unique_ptr<ServerHarness> server_;
  std::string admin_, monitor_;
};

TEST_F(ServerAlertsTest, EntryReachesTheStreamWithinASecondAndResumesExactly) {
  TRUCE_REQUIRE_SHARED_DATA(kSwiss);
  LoadTestZones();
  const std::vector<json> feed = SwissFeed();
  SseClient monitor(server_->port(), monitor_);
  ASSERT_NE(monitor.head().find("200 OK"), std::string::npos) << monitor.head();
  ASSERT_NE(monitor.head().find("text/event-stream"), std::string::npos);
  SseClient anonymous(server_->port(), "");
  ASSERT_NE(anonymous.head().find("200 OK"), std::string::npos) << anonymous.head();

  // Batches of 500 fixes (about 40 s of the feed) until the first entry alert.
  json entry;
  size_t posted = 0;
  double latency_ms = 0;
  while (entry.is_null() && posted < feed.size()) {
    const size_t n = std::min<size_t>(500, feed.size() - posted);
    const auto sent = Clock::now();  // POST to alert: the whole round
    Reply r = server_->Post(
        "/api/v1/positions",
        json(std::vector<json>(feed.begin() + posted, feed.begin() + posted + n)), monitor_);
    ASSERT_EQ(r.status, 201) << r.text;
    posted += n;
    json next = monitor.Next(std::chrono::milliseconds(300));
    if (!next.is_null()) {
      latency_ms = std::chrono::duration<double, std::milli>(Clock::now() - sent).count();
      entry = next;
    }
  }
  ASSERT_FALSE(entry.is_null()) << "no aircraft of the sample entered a test zone";
  EXPECT_EQ(entry["kind"], "flight_entry");
  EXPECT_LT(latency_ms, 1000);
  std::cerr << "first entry alert after " << posted << " positions, " << latency_ms
            << " ms after its POST was sent\n";
  // The alert's record is the violation the API lists (open: the aircraft is still inside).
  Reply listed = server_->Get("/api/v1/flight-violations?limit=1000", monitor_);
  ASSERT_EQ(listed.status, 200);
  bool found = false;
  for (const json& v : listed.body["items"]) {
    if (v["id"] == entry["record"]["id"]) {
      found = true;
      EXPECT_EQ(v["entry_time"], entry["record"]["entry_time"]);
      EXPECT_EQ(v["icao24"], entry["record"]["icao24"]);
    }
  }
  EXPECT_TRUE(found) << entry.dump();
  // The public sees the same alert without the aircraft's identity.
  const json pub = anonymous.Next();
  ASSERT_FALSE(pub.is_null());
  EXPECT_EQ(pub["id"], entry["id"]);
  EXPECT_FALSE(pub["record"].contains("icao24"));
  EXPECT_FALSE(pub["record"].contains("callsign"));
  EXPECT_EQ(pub["record"]["zone"], entry["record"]["zone"]);

  // More of the feed while a client is away; it comes back with the last id it saw.
  const uint64_t seen = entry["id"];
  for (size_t k = 0; k < 20 && posted < feed.size(); ++k) {
    const size_t n = std::min<size_t>(2000, feed.size() - posted);
    ASSERT_EQ(server_
                  ->Post("/api/v1/positions",
                         json(std::vector<json>(feed.begin() + posted, feed.begin() + posted + n)),
                         monitor_)
                  .status,
              201);
    posted += n;
  }
  const std::vector<json> all = ListAlerts(monitor_);
  const size_t first_missed = static_cast<size_t>(
      std::find_if(all.begin(), all.end(), [&](const json& a) { return a["id"] == seen; }) -
      all.begin() + 1);
  ASSERT_GT(all.size(), first_missed + 3) << "the feed must make more alerts";
  SseClient resumed(server_->port(), monitor_, std::to_string(seen));
  for (size_t i = first_missed; i < all.size(); ++i) {
    const json a = resumed.Next();
    ASSERT_FALSE(a.is_null()) << "missed event " << i + 1;
    EXPECT_EQ(a, all[i]);
  }
  EXPECT_TRUE(resumed.Next(std::chrono::milliseconds(300)).is_null()) << "nothing more";
  // Ids increase, numbered within the range of the entry that caused them (app/alerts.h).
  for (size_t i = 0; i < all.size(); ++i) {
    const uint64_t id = all[i]["id"];
    const uint64_t entry = all[i]["log_index"];
    EXPECT_GE(id, app::FirstAlertId(entry));
    EXPECT_LT(id, app::FirstAlertId(entry + 1));
    if (i > 0) {
      EXPECT_LT(all[i - 1]["id"].get<uint64_t>(), id);
    }
  }
  // Filter by kind.
  for (const json& a : ListAlerts(monitor_, "&kind=flight_exit"))
    EXPECT_EQ(a["kind"], "flight_exit");
  // A restart derives the same alerts from the log.
  server_->Restart();
  EXPECT_EQ(ListAlerts(monitor_), all);
}

TEST_F(ServerAlertsTest, ReportViolationsAlertInsidersNotThePublic) {
  server_->LoadShippedScenario();
  SseClient monitor(server_->port(), monitor_, "", "?kind=report_violation");
  ASSERT_EQ(server_->Post("/api/v1/reports", ReportJson("ALERT-1"), monitor_).status, 201);
  const json a = monitor.Next(std::chrono::seconds(1));
  ASSERT_FALSE(a.is_null());
  EXPECT_EQ(a["kind"], "report_violation");
  EXPECT_EQ(a["record"]["report"], "ALERT-1");
  EXPECT_EQ(a["record"]["zone"], "eastern-ghouta");
  EXPECT_EQ(a["record"]["verdict"], "inside");
  // The same revision again adds nothing; the public never reads a report's violation.
  ASSERT_EQ(server_->Post("/api/v1/reports", ReportJson("ALERT-1"), monitor_).status, 200);
  EXPECT_TRUE(monitor.Next(std::chrono::milliseconds(300)).is_null());
  EXPECT_FALSE(ListAlerts(admin_).empty());
  EXPECT_TRUE(ListAlerts("").empty());
  EXPECT_TRUE(ListAlerts(server_->Token(app::Role::kPublic)).empty());
}

TEST_F(ServerAlertsTest, BadParametersAndStreamLimits) {
  Reply r = server_->Get("/api/v1/alerts?kind=earthquake", admin_);
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.text.find("?kind"), std::string::npos) << r.text;
  r = server_->Get("/api/v1/alerts?cursor=x", admin_);
  EXPECT_EQ(r.status, 400);
  SseClient bad(server_->port(), admin_, "not-a-number");
  EXPECT_NE(bad.head().find("400"), std::string::npos) << bad.head();
  SseClient beyond(server_->port(), admin_, "99");
  EXPECT_NE(beyond.head().find("400"), std::string::npos) << beyond.head();
}

TEST(ServerAlertsLimitsTest, StreamsAreBoundedAndCloseOnShutdown) {
  TempDir dir;
  server::ServerOptions options = ServerHarness::DefaultOptions();
  options.max_streams = 2;
  options.stream_heartbeat = std::chrono::milliseconds(200);
  auto server = std::make_unique<ServerHarness>((dir.path() / "truce.db").string(), HarnessLimits{},
                                                "", options);
  const std::string token = server->Token(app::Role::kAdmin);
  SseClient a(server->port(), token), b(server->port(), token);
  EXPECT_NE(a.head().find("200 OK"), std::string::npos);
  EXPECT_NE(b.head().find("200 OK"), std::string::npos);
  SseClient c(server->port(), token);
  EXPECT_NE(c.head().find("503"), std::string::npos) << c.head();
  // Heartbeats flow; the ordinary API still answers (streams hold no worker).
  RawClient raw(server->port());
  EXPECT_EQ(server->Get("/api/v1/alerts", token).status, 200);
  // Stopping the server ends the streams.
  RawClient probe(server->port());
  server->Stop();
  EXPECT_TRUE(a.Next(std::chrono::seconds(2)).is_null());
}

}  // namespace
}  // namespace truce::testing
