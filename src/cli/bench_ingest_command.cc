// truce bench ingest: durable report intake through the application layer (App, its ledger and
// the SQLite store, without HTTP) against raw SQLite inserts with the same durability (WAL,
// synchronous=FULL), in one run on the same disk (docs/performance.md):
//   raw_single       one row per transaction;
//   raw_batchB       B rows per transaction;
//   app_single       App::SubmitReports, one report per call, one client;
//   app_batchB       B reports per call, one client;
//   app_concurrentC  C clients at once, one report per call each (group commit joins them);
//   store_batchB     the store alone writing app_batchB's entries, rows and tree heads again,
//                    transaction for transaction: the floor the application's work sits on.
// Rates are reports per wall-clock second (the work waits on the disk). Ends with the two ratios
// the performance goals name: ratio_batch1000_vs_raw= and ratio_concurrent16_vs_raw_single=
// (the numbers in the keys are --batch and --clients).
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <optional>
#include <random>
#include <thread>

#include <fmt/format.h>
#include <sqlite3.h>

#include "app/app.h"
#include "app/ledger.h"
#include "app/signing.h"
#include "command.h"
#include "store/sqlite_store.h"

namespace truce::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct IngestOptions {
  std::string dir;          // where the databases go; a fresh temporary directory when empty
  size_t single = 400;      // reports for the one-per-transaction measurements
  size_t batched = 10'000;  // reports for the batched ones
  size_t batch = 1000;
  size_t clients = 16;
};

// The i-th report: the shape of the Syrian Archive rows, a distinct event, a place in Syria.
json BenchReport(size_t i, const std::string& run) {
  std::mt19937_64 rng(i);
  std::uniform_real_distribution<double> lat(32.5, 37.0), lon(36.0, 41.0);
  return {{"event_id_cnty", fmt::format("BENCH-{}-{}", run, i)},
          {"event_date", fmt::format("2017-{:02}-{:02}", 1 + i % 12, 1 + i % 28)},
          {"time_precision", 1},
          {"event_type", "Explosions/Remote violence"},
          {"sub_event_type", "Shelling/artillery/missile attack"},
          {"actor1", "Military Forces of Syria"},
          {"latitude", lat(rng)},
          {"longitude", lon(rng)},
          {"geo_precision", 1},
          {"source", "SOHR"},
          {"fatalities", static_cast<int>(i % 7)}};
}

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

// Raw SQLite: `n` rows in transactions of `batch`; rows per second.
Result<double> RawSqlite(const fs::path& path, size_t n, size_t batch) {
  sqlite3* db = nullptr;
  auto fail = [&](const char* what) {
    Error e = MakeError(ErrorCode::kIo, fmt::format("{}: {}: {}", path.string(), what,
                                                    db ? sqlite3_errmsg(db) : "cannot open"));
    sqlite3_close(db);
    return e;
  };
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) return fail("open");
  if (sqlite3_exec(db,
                   "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; CREATE TABLE reports(id "
                   "INTEGER PRIMARY KEY, event_id TEXT NOT NULL, data TEXT NOT NULL)",
                   nullptr, nullptr, nullptr) != SQLITE_OK) {
    return fail("create");
  }
  sqlite3_stmt* insert = nullptr;
  if (sqlite3_prepare_v2(db, "INSERT INTO reports(event_id, data) VALUES(?, ?)", -1, &insert,
                         nullptr) != SQLITE_OK) {
    return fail("prepare");
  }
  std::vector<std::pair<std::string, std::string>> rows;
  for (size_t i = 0; i < n; ++i) {
    json r = BenchReport(i, "raw");
    rows.emplace_back(r["event_id_cnty"].get<std::string>(), r.dump());
  }
  const auto start = std::chrono::steady_clock::now();
  bool ok = true;
  for (size_t i = 0; i < n && ok; i += batch) {
    ok = sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr) == SQLITE_OK;
    for (size_t k = i; k < std::min(n, i + batch) && ok; ++k) {
      sqlite3_bind_text(insert, 1, rows[k].first.data(), static_cast<int>(rows[k].first.size()),
                        SQLITE_STATIC);
      sqlite3_bind_text(insert, 2, rows[k].second.data(), static_cast<int>(rows[k].second.size()),
                        SQLITE_STATIC);
      ok = sqlite3_step(insert) == SQLITE_DONE;
      sqlite3_reset(insert);
    }
    ok = ok && sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr) == SQLITE_OK;
  }
  const double seconds = Seconds(start);
  sqlite3_finalize(insert);
  if (!ok) return fail("insert");
  sqlite3_close(db);
  return static_cast<double>(n) / seconds;
}

// A fresh store, ledger and application in `path`.
struct Instance {
  std::unique_ptr<store::Store> store;
  std::unique_ptr<app::Ledger> ledger;
  app::Metrics metrics;
  std::unique_ptr<app::App> app;
};

Result<std::unique_ptr<Instance>> OpenInstance(const fs::path& path) {
  auto in = std::make_unique<Instance>();
  auto store = store::OpenSqliteStore(path.string());
  if (!store.ok()) return store.error();
  in->store = std::move(store).value();
  auto key = app::SigningKey::LoadOrCreate(app::KeyFileFor(path.string()));
  if (!key.ok()) return key.error();
  auto ledger = app::Ledger::Open(*in->store, std::move(key).value());
  if (!ledger.ok()) return ledger.error();
  in->ledger = std::move(ledger).value();
  auto application = app::App::Open(*in->store, *in->ledger, in->metrics);
  if (!application.ok()) return application.error();
  in->app = std::move(application).value();
  return in;
}

const app::Principal kMonitor{app::Role::kMonitor, "", "tok_bench"};

// `clients` threads submit `n` reports between them, `batch` per call; reports per second.
// Also gives the store transactions the ledger wrote.
Result<double> AppIngest(const fs::path& path, size_t n, size_t batch, size_t clients,
                         uint64_t& transactions) {
  auto in = OpenInstance(path);
  if (!in.ok()) return in.error();
  app::App& app = *(*in)->app;
  const std::string run = path.stem().string();
  std::vector<std::vector<json>> calls;
  for (size_t i = 0; i < n; i += batch) {
    std::vector<json> items;
    for (size_t k = i; k < std::min(n, i + batch); ++k) items.push_back(BenchReport(k, run));
    calls.push_back(std::move(items));
  }
  std::atomic<size_t> next{0};
  std::optional<Error> failure;
  std::mutex failure_mu;
  auto client = [&] {
    for (size_t c = next++; c < calls.size(); c = next++) {
      auto out = app.SubmitReports(kMonitor, std::move(calls[c]), batch > 1);
      if (!out.ok()) {
        std::lock_guard lock(failure_mu);
        failure = out.error();
        return;
      }
    }
  };
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (size_t t = 0; t < clients; ++t) threads.emplace_back(client);
  for (auto& t : threads) t.join();
  const double seconds = Seconds(start);
  if (failure) return *failure;
  transactions = (*in)->ledger->commit_stats().transactions;
  return static_cast<double>(n) / seconds;
}

// The store alone: every entry, query row and tree head of the log in `from`, written again to
// a fresh store in `to` one signed head (one transaction) at a time; entries per second. The
// entries are read before the clock starts, so this is SQLite's part of app_batchB.
Result<double> StoreReplay(const fs::path& from, const fs::path& to) {
  std::vector<store::LogEntry> entries;
  std::vector<store::EntryIndex> rows;
  std::vector<store::TreeHead> heads;
  std::optional<std::string> public_key;
  {
    auto source = store::OpenSqliteStore(from.string());
    if (!source.ok()) return source.error();
    Status scanned =
        (*source)->ScanEntries(0, [&](const store::LogEntry& e, const store::EntryIndex& index) {
          entries.push_back(e);
          rows.push_back(index);
          return true;
        });
    if (!scanned.ok()) return scanned.error();
    auto signed_heads = (*source)->TreeHeads();
    if (!signed_heads.ok()) return signed_heads.error();
    heads = std::move(signed_heads).value();
    auto key = (*source)->GetMeta("log_public_key");
    if (!key.ok()) return key.error();
    public_key = std::move(key).value();
  }
  auto target = store::OpenSqliteStore(to.string());
  if (!target.ok()) return target.error();
  store::Store& out = **target;
  {
    // The log's key goes along, so that the copy is a log `truce verify` passes as well.
    if (public_key) {
      if (Status st = out.SetMetaOnce("log_public_key", *public_key); !st.ok()) return st.error();
    }
    std::error_code ec;
    fs::copy_file(app::KeyFileFor(from.string()), app::KeyFileFor(to.string()), ec);
    if (ec) {
      return MakeError(ErrorCode::kIo,
                       fmt::format("{}: {}", app::KeyFileFor(to.string()), ec.message()));
    }
  }
  const auto start = std::chrono::steady_clock::now();
  uint64_t written = 0;
  for (const store::TreeHead& head : heads) {
    if (head.size == 0) {
      if (Status st = out.AddEmptyHead(head); !st.ok()) return st.error();
      continue;
    }
    if (head.size <= written || head.size > entries.size()) {
      return MakeError(ErrorCode::kInternal,
                       fmt::format("{}: tree head of size {} after {} entries of {}", from.string(),
                                   head.size, written, entries.size()));
    }
    const size_t n = head.size - written;
    if (Status st = out.Append(std::span(entries).subspan(written, n),
                               std::span(rows).subspan(written, n), head);
        !st.ok()) {
      return st.error();
    }
    written = head.size;
  }
  const double seconds = Seconds(start);
  return static_cast<double>(written) / seconds;
}

int Run(const IngestOptions& o) {
  fs::path dir = o.dir;
  const bool temporary = dir.empty();
  if (temporary) {
    dir = fs::temp_directory_path() / fmt::format("truce-bench-ingest-{}", ::getpid());
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  for (const char* name : {"raw_single.db", "raw_batch.db", "app_single.db", "app_batch.db",
                           "app_concurrent.db", "store_batch.db"}) {
    if (fs::exists(dir / name)) {
      return ReportError(MakeError(
          ErrorCode::kInvalidArgument,
          fmt::format("--dir {}: {} exists (give an empty directory)", dir.string(), name)));
    }
  }
  std::printf(
      "ingest: reports through the application layer against raw SQLite (WAL, "
      "synchronous=FULL) in %s\n",
      dir.string().c_str());
  uint64_t tx_single = 0, tx_batch = 0, tx_concurrent = 0;
  auto raw_single = RawSqlite(dir / "raw_single.db", o.single, 1);
  auto raw_batch = RawSqlite(dir / "raw_batch.db", o.batched, o.batch);
  auto app_single = AppIngest(dir / "app_single.db", o.single, 1, 1, tx_single);
  auto app_batch = AppIngest(dir / "app_batch.db", o.batched, o.batch, 1, tx_batch);
  auto app_concurrent = AppIngest(dir / "app_concurrent.db", o.single, 1, o.clients, tx_concurrent);
  auto store_batch = app_batch.ok() ? StoreReplay(dir / "app_batch.db", dir / "store_batch.db")
                                    : Result<double>(app_batch.error());
  if (temporary) fs::remove_all(dir, ec);
  for (const auto* r :
       {&raw_single, &raw_batch, &app_single, &app_batch, &app_concurrent, &store_batch}) {
    if (!r->ok()) return ReportError(r->error());
  }
  std::printf("  %-22s %10.0f reports/s  (%zu reports, one per transaction)\n", "raw_single",
              *raw_single, o.single);
  std::printf("  %-22s %10.0f reports/s  (%zu reports, %zu per transaction)\n",
              fmt::format("raw_batch{}", o.batch).c_str(), *raw_batch, o.batched, o.batch);
  std::printf("  %-22s %10.0f reports/s  (%zu calls, %llu transactions)\n", "app_single",
              *app_single, o.single, static_cast<unsigned long long>(tx_single));
  std::printf("  %-22s %10.0f reports/s  (%zu per call, %llu transactions)\n",
              fmt::format("app_batch{}", o.batch).c_str(), *app_batch, o.batch,
              static_cast<unsigned long long>(tx_batch));
  std::printf("  %-22s %10.0f reports/s  (%zu clients, %zu calls, %llu transactions)\n",
              fmt::format("app_concurrent{}", o.clients).c_str(), *app_concurrent, o.clients,
              o.single, static_cast<unsigned long long>(tx_concurrent));
  std::printf("  %-22s %10.0f reports/s  (app_batch%zu's entries, rows and heads again)\n",
              fmt::format("store_batch{}", o.batch).c_str(), *store_batch, o.batch);
  std::printf("ratio_store_batch%zu_vs_raw=%.3f\n", o.batch, *store_batch / *raw_batch);
  std::printf("ratio_single_vs_raw_single=%.3f\n", *app_single / *raw_single);
  std::printf("ratio_batch%zu_vs_raw=%.3f\n", o.batch, *app_batch / *raw_batch);
  std::printf("ratio_concurrent%zu_vs_raw_single=%.3f\n", o.clients, *app_concurrent / *raw_single);
  return kExitOk;
}

}  // namespace

void AddBenchIngestCommand(CLI::App& bench, Action& action) {
  CLI::App* cmd = bench.add_subcommand(
      "ingest",
      "Durable report intake through the application layer (single, batched, concurrent) "
      "against raw SQLite with the same durability");
  auto o = std::make_shared<IngestOptions>();
  cmd->add_option("--dir", o->dir, "Directory for the databases (default: a temporary one)");
  cmd->add_option("--single", o->single, "Reports for the one-per-transaction runs")
      ->check(CLI::Range(size_t{16}, size_t{1'000'000}))
      ->capture_default_str();
  cmd->add_option("--batched", o->batched, "Reports for the batched runs")
      ->check(CLI::Range(size_t{1}, size_t{10'000'000}))
      ->capture_default_str();
  cmd->add_option("--batch", o->batch, "Reports per call and per raw transaction")
      ->check(CLI::Range(size_t{1}, size_t{10'000}))
      ->capture_default_str();
  cmd->add_option("--clients", o->clients, "Concurrent clients")
      ->check(CLI::Range(size_t{1}, size_t{256}))
      ->capture_default_str();
  cmd->callback([&action, o] { action = [o] { return Run(*o); }; });
}

}  // namespace truce::cli
