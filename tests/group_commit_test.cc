// Group commit (Ledger::Prepare / Commit, App::AppendLocked): submitters that arrive while a
// store transaction is in flight are committed together by the next one. Every acknowledged
// submission must be in the log, in one gap-free sequence, revisions numbered without gaps,
// and `truce verify`'s check (VerifyStore) must pass on the result.
#include <atomic>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "app/ledger.h"
#include "server_harness.h"
#include "store/mem_store.h"

namespace truce::testing {
namespace {

TEST(GroupCommitTest, ConcurrentAcknowledgedSubmissionsAreAllInOneGapFreeLog) {
  TempDir dir;
  const std::string db = (dir.path() / "truce.db").string();
  ServerHarness h(db);
  app::App& app = h.application();
  const app::Principal monitor{app::Role::kMonitor, "", "tok_monitor"};

  constexpr int kThreads = 16, kEach = 12;
  struct Acked {
    uint64_t index;
    std::string id;
    int revision;
  };
  std::vector<std::vector<Acked>> acked(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int k = 0; k < kEach; ++k) {
        // Half new events of their own, half revisions of one shared event (each with other
        // content), so that revision numbering crosses the submitters of one transaction.
        const bool shared = k % 2 == 1;
        const std::string id = shared ? "SYR-SHARED" : fmt::format("SYR-{}-{}", t, k);
        auto out = app.SubmitReports(
            monitor, {ReportJson(id, "2017-06-01", 33.5 + 0.001 * (t * kEach + k), 36.42)}, false);
        ASSERT_TRUE(out.ok()) << out.error().message;
        ASSERT_EQ(out->items.size(), 1u);
        const app::ItemOutcome& item = out->items.front();
        ASSERT_TRUE(item.created);
        ASSERT_TRUE(item.receipt);
        // Acknowledged means durable: the head returned covers the entry.
        EXPECT_GT(out->head.size, item.log_index);
        acked[t].push_back({item.log_index, id, item.revision});
      }
    });
  }
  for (auto& th : threads) th.join();

  constexpr uint64_t kTotal = kThreads * kEach;
  std::set<uint64_t> indices;
  std::set<int> shared_revisions;
  for (const auto& list : acked) {
    for (const Acked& a : list) {
      EXPECT_TRUE(indices.insert(a.index).second) << "entry " << a.index << " given twice";
      if (a.id == "SYR-SHARED") {
        EXPECT_TRUE(shared_revisions.insert(a.revision).second) << "revision " << a.revision;
      } else {
        EXPECT_EQ(a.revision, 1);
      }
    }
  }
  ASSERT_EQ(indices.size(), kTotal);
  EXPECT_EQ(*indices.begin(), 0u);
  EXPECT_EQ(*indices.rbegin(), kTotal - 1);  // with the count: no gap
  EXPECT_EQ(*shared_revisions.begin(), 1);
  EXPECT_EQ(*shared_revisions.rbegin(), static_cast<int>(kThreads * kEach / 2));
  EXPECT_EQ(h.ledger().size(), kTotal);
  EXPECT_EQ(*h.store().EntryCount(), kTotal);
  const auto stats = h.ledger().commit_stats();
  EXPECT_EQ(stats.entries, kTotal);
  EXPECT_EQ(stats.submissions, kTotal);
  // Not a timing assertion: 16 submitters and one disk; some of them always meet.
  EXPECT_LT(stats.transactions, kTotal);
  std::printf("concurrent submitters: %llu entries in %llu transactions\n",
              static_cast<unsigned long long>(stats.entries),
              static_cast<unsigned long long>(stats.transactions));

  // In log order: the shared event's revisions grow with the entries' indices.
  int last_revision = 0;
  Status scanned =
      h.store().ScanEntries(0, [&](const store::LogEntry& e, const store::EntryIndex&) {
        if (e.data.find("SYR-SHARED") != std::string::npos) {
          const json data = json::parse(e.data);
          EXPECT_EQ(data["revision"].get<int>(), last_revision + 1) << "entry " << e.index;
          last_revision = data["revision"].get<int>();
        }
        return true;
      });
  ASSERT_TRUE(scanned.ok()) << scanned.error().message;
  EXPECT_EQ(last_revision, kThreads * kEach / 2);

  // What `truce verify` checks, on the store as committed and after a restart.
  auto verified = app::VerifyStore(h.store(), app::KeyFileFor(db));
  ASSERT_TRUE(verified.ok()) << verified.error().message;
  EXPECT_EQ(verified->entries, kTotal);
  h.Restart();
  EXPECT_EQ(h.ledger().size(), kTotal);
  auto again = app::VerifyStore(h.store(), app::KeyFileFor(db));
  ASSERT_TRUE(again.ok()) << again.error().message;
}

// A MemStore whose Append waits (so that submitters meet in the queue, whatever the machine's
// speed) and fails when told to, as a full disk would.
class SlowFailingStore final : public store::Store {
 public:
  explicit SlowFailingStore(std::shared_ptr<store::MemDatabase> db) : inner_(std::move(db)) {}
  std::atomic<bool> fail_next{false};
  std::atomic<int> delay_ms{20};

  Status Append(std::span<const store::LogEntry> entries, std::span<const store::EntryIndex> index,
                const store::TreeHead& head) override {
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms.load()));
    if (fail_next.exchange(false)) return MakeError(ErrorCode::kIo, "store: disk full");
    return inner_.Append(entries, index, head);
  }
  Result<int> SchemaVersion() override { return inner_.SchemaVersion(); }
  Result<std::optional<std::string>> GetMeta(std::string_view key) override {
    return inner_.GetMeta(key);
  }
  Status SetMetaOnce(std::string_view key, std::string_view value) override {
    return inner_.SetMetaOnce(key, value);
  }
  Status AddToken(const store::TokenRecord& token) override { return inner_.AddToken(token); }
  Result<std::optional<store::TokenRecord>> FindToken(const Hash& secret_hash) override {
    return inner_.FindToken(secret_hash);
  }
  Result<std::vector<store::TokenRecord>> ListTokens() override { return inner_.ListTokens(); }
  Status RevokeToken(std::string_view id, UtcTime when) override {
    return inner_.RevokeToken(id, when);
  }
  Result<std::unique_ptr<store::AppendLock>> LockAppends() override { return inner_.LockAppends(); }
  Status AddEmptyHead(const store::TreeHead& head) override { return inner_.AddEmptyHead(head); }
  Result<uint64_t> EntryCount() override { return inner_.EntryCount(); }
  Status ScanEntries(
      uint64_t from,
      const std::function<bool(const store::LogEntry&, const store::EntryIndex&)>& each) override {
    return inner_.ScanEntries(from, each);
  }
  Result<std::optional<store::LogEntry>> GetEntry(uint64_t index) override {
    return inner_.GetEntry(index);
  }
  Result<std::optional<uint64_t>> FirstOrphanRow() override { return inner_.FirstOrphanRow(); }
  Result<std::vector<store::TreeHead>> TreeHeads() override { return inner_.TreeHeads(); }
  Result<std::optional<store::TreeHead>> LatestTreeHead() override {
    return inner_.LatestTreeHead();
  }
  Result<std::optional<store::Indexed<store::ReportRow>>> LatestReport(
      std::string_view event_id) override {
    return inner_.LatestReport(event_id);
  }
  Result<std::vector<store::Indexed<store::ReportRow>>> QueryReports(
      const store::ReportQuery& q) override {
    return inner_.QueryReports(q);
  }
  Result<std::vector<store::PositionRow>> QueryPositions(const store::PositionQuery& q) override {
    return inner_.QueryPositions(q);
  }
  Result<std::vector<store::Indexed<store::ClaimRow>>> QueryClaims(
      const store::ClaimQuery& q) override {
    return inner_.QueryClaims(q);
  }
  Result<std::optional<store::Indexed<store::ScenarioRow>>> LatestScenario(
      std::optional<UtcTime> as_of) override {
    return inner_.LatestScenario(as_of);
  }
  Result<std::vector<store::ScenarioRow>> ScenarioVersions() override {
    return inner_.ScenarioVersions();
  }
  Result<std::vector<store::PublicationRow>> Publications(std::optional<UtcTime> as_of) override {
    return inner_.Publications(as_of);
  }
  Status AddWebhook(const store::WebhookRow& hook) override { return inner_.AddWebhook(hook); }
  Result<std::vector<store::WebhookRow>> ListWebhooks() override { return inner_.ListWebhooks(); }
  Status RemoveWebhook(std::string_view id) override { return inner_.RemoveWebhook(id); }
  Status RecordWebhookAttempt(const store::WebhookAttemptRow& attempt, uint64_t after,
                              uint64_t delivered, uint64_t given_up, size_t keep) override {
    return inner_.RecordWebhookAttempt(attempt, after, delivered, given_up, keep);
  }
  Result<std::vector<store::WebhookAttemptRow>> WebhookAttempts(std::string_view id) override {
    return inner_.WebhookAttempts(id);
  }
  Result<std::optional<store::Lease>> TakeLease(std::string_view name, std::string_view owner,
                                                UtcTime now,
                                                std::chrono::milliseconds ttl) override {
    return inner_.TakeLease(name, owner, now, ttl);
  }
  Status ReleaseLease(std::string_view name, std::string_view owner) override {
    return inner_.ReleaseLease(name, owner);
  }
  Result<std::vector<store::Lease>> Leases(std::string_view prefix) override {
    return inner_.Leases(prefix);
  }
  Status CommitLeaseWork(const store::Lease& held, std::span<const std::string> aircraft,
                         std::span<const store::FlightViolationRow> rows) override {
    return inner_.CommitLeaseWork(held, aircraft, rows);
  }
  Result<std::vector<store::FlightViolationRow>> FlightViolationRows() override {
    return inner_.FlightViolationRows();
  }

 private:
  store::MemStore inner_;
};

// One server over `store`.
struct MemServer {
  MemServer(store::Store& store, const app::SigningKey& key, app::AppLimits limits = {}) {
    auto l = app::Ledger::Open(store, key);
    EXPECT_TRUE(l.ok()) << l.error().message;
    ledger = std::move(l).value();
    auto a = app::App::Open(store, *ledger, metrics, limits);
    EXPECT_TRUE(a.ok()) << a.error().message;
    application = std::move(a).value();
  }
  std::unique_ptr<app::Ledger> ledger;
  app::Metrics metrics;
  std::unique_ptr<app::App> application;
};

const app::Principal kMonitor{app::Role::kMonitor, "", "tok_monitor"};

// `threads` submitters posting `each` single reports at once; the indices acknowledged.
std::vector<uint64_t> PostConcurrently(app::App& app, int threads, int each,
                                       const std::string& tag) {
  std::mutex mu;
  std::vector<uint64_t> acked;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (int k = 0; k < each; ++k) {
        auto out =
            app.SubmitReports(kMonitor, {ReportJson(fmt::format("{}-{}-{}", tag, t, k))}, false);
        ASSERT_TRUE(out.ok()) << out.error().message;
        EXPECT_GT(out->head.size, out->items[0].log_index);
        std::lock_guard lock(mu);
        acked.push_back(out->items[0].log_index);
      }
    });
  }
  for (auto& w : workers) w.join();
  std::sort(acked.begin(), acked.end());
  return acked;
}

TEST(GroupCommitTest, SlowDiskJoinsSubmittersAndOffMeansOneTransactionEach) {
  const app::SigningKey key = app::SigningKey::Generate();
  for (const bool group : {true, false}) {
    SlowFailingStore store(store::MemStore().database());
    app::AppLimits limits;
    limits.group_commit = group;
    MemServer server(store, key, limits);
    const std::vector<uint64_t> acked = PostConcurrently(*server.application, 8, 4, "SLOW");
    ASSERT_EQ(acked.size(), 32u);
    for (uint64_t i = 0; i < acked.size(); ++i) EXPECT_EQ(acked[i], i);  // each once, no gap
    const auto stats = server.ledger->commit_stats();
    EXPECT_EQ(stats.submissions, 32u);
    EXPECT_EQ(stats.entries, 32u);
    if (group) {
      // 8 submitters against a 20 ms disk: the first transaction holds one, the next ones
      // everything that arrived meanwhile.
      EXPECT_LT(stats.transactions, 16u) << stats.transactions;
    } else {
      EXPECT_EQ(stats.transactions, 32u);
    }
    auto verified = app::VerifyStore(store, "/nonexistent/key");
    ASSERT_TRUE(verified.ok()) << verified.error().message;
    EXPECT_EQ(verified->entries, 32u);
  }
}

TEST(GroupCommitTest, AFailedTransactionRefusesItsEntriesAndLaterOnesUntilARestart) {
  const app::SigningKey key = app::SigningKey::Generate();
  const auto db = store::MemStore().database();
  SlowFailingStore store(db);
  uint64_t durable = 0;
  {
    MemServer server(store, key);
    app::App& app = *server.application;
    ASSERT_TRUE(app.SubmitReports(kMonitor, {ReportJson("BEFORE-1")}, false).ok());
    durable = server.ledger->size();
    // Four submitters, one failing transaction: whoever was in it, or prepared after it, is
    // refused; none of them is acknowledged, none is stored.
    store.delay_ms = 50;
    store.fail_next = true;
    std::atomic<int> ok = 0, refused = 0;
    std::vector<std::thread> workers;
    for (int t = 0; t < 4; ++t) {
      workers.emplace_back([&, t] {
        auto out = app.SubmitReports(kMonitor, {ReportJson(fmt::format("FAIL-{}", t))}, false);
        (out.ok() ? ok : refused)++;
      });
    }
    for (auto& w : workers) w.join();
    EXPECT_GE(refused.load(), 1);
    EXPECT_EQ(*store.EntryCount(), durable + static_cast<uint64_t>(ok.load()));
    EXPECT_EQ(server.ledger->size(), durable + static_cast<uint64_t>(ok.load()));
    durable = server.ledger->size();
    // The server's memory was built on the failed entries: it refuses until restarted.
    auto later = app.SubmitReports(kMonitor, {ReportJson("AFTER-FAILURE")}, false);
    ASSERT_FALSE(later.ok());
    EXPECT_EQ(later.error().code, ErrorCode::kInternal);
    EXPECT_NE(later.error().message.find("restart"), std::string::npos) << later.error().message;
    auto health = app.GetHealth();
    ASSERT_TRUE(health.ok());
    EXPECT_EQ(health->log_size, durable);
    auto reports = app.ListReports(kMonitor, {}, {});
    ASSERT_TRUE(reports.ok()) << reports.error().message;
    EXPECT_EQ(reports->items.size(), durable);
  }
  // A restart: the memory rebuilt from the store, submissions accepted again.
  store.delay_ms = 0;
  MemServer again(store, key);
  auto out = again.application->SubmitReports(kMonitor, {ReportJson("AFTER-RESTART")}, false);
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(out->items[0].log_index, durable);
  auto verified = app::VerifyStore(store, "/nonexistent/key");
  ASSERT_TRUE(verified.ok()) << verified.error().message;
  EXPECT_EQ(verified->entries, durable + 1);
}

TEST(GroupCommitTest, TwoServersOnOneDatabaseBothGroupCommitIntoOneLog) {
  const app::SigningKey key = app::SigningKey::Generate();
  const auto db = store::MemStore().database();
  SlowFailingStore store_a(db), store_b(db);
  store_a.delay_ms = 5;
  store_b.delay_ms = 5;
  MemServer a(store_a, key), b(store_b, key);
  std::vector<uint64_t> from_a, from_b;
  std::thread ta([&] { from_a = PostConcurrently(*a.application, 4, 5, "A"); });
  std::thread tb([&] { from_b = PostConcurrently(*b.application, 4, 5, "B"); });
  ta.join();
  tb.join();
  std::vector<uint64_t> all = from_a;
  all.insert(all.end(), from_b.begin(), from_b.end());
  std::sort(all.begin(), all.end());
  ASSERT_EQ(all.size(), 40u);
  for (uint64_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i], i);
  auto verified = app::VerifyStore(store_a, "/nonexistent/key");
  ASSERT_TRUE(verified.ok()) << verified.error().message;
  EXPECT_EQ(verified->entries, 40u);
}

}  // namespace
}  // namespace truce::testing
