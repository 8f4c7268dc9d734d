// Issue 9's "done when": under 16 slow clients (one header line every 2 s) and 16 anonymous
// clients asking for as-of summaries in parallel, over a store with thousands of reports,
// `/healthz` answers in under a second. A real server on 127.0.0.1 over a real SQLite file,
// raw sockets.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "formats/reports.h"
#include "formats/text_file.h"
#include "raw_http_client.h"
#include "server_harness.h"
#include "shared_data.h"

namespace truce::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kArchive = "incidents/syrian_archive_chemical_weapons_2013_2014.csv";
constexpr int kCopies = 30;   // 136 real rows x 30 = 4,080 reports
constexpr int kBatches = 40;  // received over 40 minutes: 40 distinct log sizes for as_of

TEST(ServerStarvationTest, HealthzAnswersWithinASecondUnderSlowClientsAndAsOfSummaries) {
  TRUCE_REQUIRE_SHARED_DATA(kArchive);
  // The Syrian Archive's real incident rows (136 with coordinates), each given kCopies fresh
  // event ids and its date moved into the 2017 zones' lifetime (places, types, actors, sources
  // stay as recorded), so the summaries have thousands of reports to count.
  auto text = formats::ReadTextFile(SharedDataPath(kArchive));
  ASSERT_TRUE(text.ok()) << text.error().message;
  auto parsed = formats::ParseReports(*text, kArchive);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  ASSERT_EQ(parsed->reports.size(), 136u);
  std::vector<json> rows;
  for (int k = 0; k < kCopies; ++k) {
    for (const Report& r : parsed->reports) {
      json row = formats::ReportToJson(r);
      const int n = static_cast<int>(rows.size());
      const UtcTime day = *ParseUtcTime("2017-05-06T00:00:00Z") + std::chrono::days(n % 240);
      row["event_id_cnty"] = fmt::format("SA{}-{}", k, r.event_id());
      row["event_date"] = FormatUtcTime(day).substr(0, 10);
      rows.push_back(std::move(row));
    }
  }

  TempDir dir;
  server::ServerOptions options = ServerHarness::DefaultOptions();
  options.header_timeout = 30s;  // the slow clients stay for the whole test
  ServerHarness server((dir.path() / "truce.db").string(), {}, "", options);
  server.LoadShippedScenario();
  const app::Principal monitor{app::Role::kMonitor, "", "starvation-test"};
  const size_t per_batch = (rows.size() + kBatches - 1) / kBatches;
  for (int b = 0; b < kBatches; ++b) {
    server.SetNow(
        FormatUtcTime(*ParseUtcTime("2024-01-01T00:00:00Z") + std::chrono::minutes(b)).c_str());
    std::vector<json> batch(rows.begin() + std::min(rows.size(), b * per_batch),
                            rows.begin() + std::min(rows.size(), (b + 1) * per_batch));
    auto out = server.application().SubmitReports(monitor, std::move(batch), true);
    ASSERT_TRUE(out.ok()) << out.error().message;
  }
  server.SetNow("2024-01-02T00:00:00Z");

  // 16 slow clients: a request head that never ends, one more header line every 2 s.
  std::vector<std::unique_ptr<RawClient>> slow;
  for (int i = 0; i < 16; ++i) {
    slow.push_back(std::make_unique<RawClient>(server.port()));
    ASSERT_TRUE(slow.back()->Send("GET /api/v1/log/head HTTP/1.1\r\nHost: x\r\n"));
  }
  std::atomic<bool> done = false;
  std::thread trickle([&] {
    for (int line = 0; !done; ++line) {
      for (int i = 0; i < 20 && !done; ++i) std::this_thread::sleep_for(100ms);
      for (auto& c : slow) (void)c->Send(fmt::format("X-Slow-{}: still here\r\n", line));
    }
  });

  // 16 anonymous clients, each asking again as soon as answered: a summary as of a point in
  // the 40 minutes the reports arrived (so 40 different snapshots), over a period that starts
  // on a different day each time (so no two answers are the same).
  std::atomic<int> sent = 0;
  std::mutex mu;
  std::map<int, int> statuses;  // status (0: no answer within 60 s) -> count
  std::vector<std::thread> askers;
  for (int t = 0; t < 16; ++t) {
    askers.emplace_back([&] {
      while (!done) {
        const int n = sent++;
        const std::string as_of = FormatUtcTime(*ParseUtcTime("2024-01-01T00:00:30Z") +
                                                std::chrono::minutes(n % kBatches));
        const std::string from =
            FormatUtcTime(*ParseUtcTime("2017-05-01T00:00:00Z") + std::chrono::days(n % 60));
        RawClient c(server.port());
        std::optional<RawResponse> r;
        if (c.Send(fmt::format("GET /api/v1/summary?as_of={}&from={}&to=2018-01-01 HTTP/1.1\r\n"
                               "Host: x\r\n\r\n",
                               as_of, from.substr(0, 10)))) {
          r = c.Read(60s);
        }
        std::lock_guard lock(mu);
        ++statuses[r ? r->status : 0];
      }
    });
  }
  while (sent < 16) std::this_thread::sleep_for(10ms);
  std::this_thread::sleep_for(300ms);  // every worker busy, the queue filling

  // The bound is a liveness bound, not a speed measurement: /healthz has its own lane beside
  // the workers and answers in milliseconds when nothing is wrong, whereas a /healthz queued
  // behind the summaries would take seconds (the defect: 30 s). One second is two orders of
  // magnitude above the usual answer, so a loaded 2-core machine shared with builds still
  // passes; and it is asserted on the WORST of ten probes from fresh connections over 5 s, so
  // that the test fails on any probe that waited, not only on the average.
  std::chrono::duration<double> worst{0};
  for (int probe = 0; probe < 10; ++probe) {
    RawClient c(server.port());
    const auto start = std::chrono::steady_clock::now();
    ASSERT_TRUE(c.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
    const std::optional<RawResponse> r = c.Read(10s);
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    ASSERT_TRUE(r.has_value()) << "/healthz not answered within 10 s (probe " << probe << ")";
    EXPECT_EQ(r->status, 200) << r->body;
    worst = std::max(worst, took);
    std::this_thread::sleep_for(500ms);
  }
  const int asked = sent;
  done = true;
  for (std::thread& t : askers) t.join();
  trickle.join();
  EXPECT_LT(worst.count(), 1.0) << "the slowest /healthz took " << worst.count() << " s";
  std::cout << "/healthz worst of 10: " << worst.count() * 1000 << " ms; summaries asked: " << asked
            << "\n";

  // Every summary was answered: computed (200), or refused at once with 429 / 503 and
  // Retry-After; never left waiting (0), never an error (500).
  int answered = 0;
  for (const auto& [status, count] : statuses) {
    std::cout << "  summary status " << status << ": " << count << "\n";
    EXPECT_TRUE(status == 200 || status == 429 || status == 503) << status << " x" << count;
    answered += status == 200 ? count : 0;
  }
  EXPECT_GT(answered, 0) << "no summary was computed";

  // The slow clients are still waiting (their header deadline is 30 s) and the store holds
  // every report: the summaries saw thousands.
  auto head = server.Get("/api/v1/log/head");
  EXPECT_EQ(head.status, 200);
  EXPECT_GE(head.body.value("tree_size", 0), 4080);
}

}  // namespace
}  // namespace truce::testing
