// A flight worker (`truce monitor`): judges the aircraft of the partitions it owns against the
// flight ban, with the same operation as `truce flights` and the server (app/flights.h
// JudgeFlights, default FlightMonitorOptions), stores their violations and publishes alerts.
//
// Ownership. Partition P of the position stream (publisher.h) is owned by the worker holding
// lease "partition/P" in the database; each worker keeps a heartbeat lease "worker/ID" and owns
// its fair share, ceil(partitions / live workers): it takes free or expired partitions up to
// it and gives up the ones beyond it, so a new worker gets partitions from the others and a
// dead worker's partitions (their leases expire) go to the survivors. One owner at a time per
// partition, so each aircraft is judged by one worker at a time, from its fixes in log order.
//
// State and exactness. A partition's owner reads its subject from the first message (an
// ordered consumer) and keeps every fix of its aircraft by (log entry, ordinal), so a message
// delivered twice changes nothing. An aircraft's violations are a function of its fixes and the
// rules, recomputed when either changes; each commit replaces the stored violations of the
// aircraft it judged, fenced by the lease's epoch (store.h CommitLeaseWork), and records the
// partition's cursor (the stream sequence judged). A new owner replays up to that cursor before
// judging, compares with what is stored, and writes only what changed: no violation is lost
// (every message of the partition is read) or stored twice (unique key, replacement).
//
// Alerts: "flight_entry" when a violation first appears, "flight_exit" when its exit is known
// (left or landed), published to truce.alerts.flight before the commit that stores the change,
// with message id "ID.entry" / "ID.exit" (ID: ICAO24.ZONE.vVERSION.ENTRY_MS, as the server's
// ids), so a change committed by a later owner after a crash is published again and dropped by
// the stream: each alert is stored once.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/ledger.h"
#include "bus/nats_bus.h"
#include "bus/publisher.h"
#include "store/store.h"
#include "truce/flight_monitor.h"
#include "truce/result.h"

namespace truce::bus {

struct WorkerOptions {
  std::string id;  // unique among workers
  int partitions = kDefaultPartitions;
  std::chrono::milliseconds lease_ttl{10000};
  size_t max_messages_per_round = 5000;  // per partition
  // Called with each alert after it is stored in the stream (may be empty).
  std::function<void(const nlohmann::json&)> on_alert;
};

struct WorkerStats {
  uint64_t messages = 0;   // position messages read (replays included)
  uint64_t positions = 0;  // fixes added (duplicates excluded)
  uint64_t commits = 0;
  uint64_t alerts = 0;
  int owned = 0;  // partitions owned now
};

class FlightWorker {
 public:
  FlightWorker(store::Store& store, NatsBus& bus, WorkerOptions options,
               app::Clock clock = app::SystemNow);
  ~FlightWorker();
  FlightWorker(const FlightWorker&) = delete;
  FlightWorker& operator=(const FlightWorker&) = delete;

  // One round: renews and rebalances the leases when due, reads the rules and each owned
  // partition's new messages, judges what changed and commits it. True when it read anything.
  [[nodiscard]] Result<bool> Step();
  // Steps until `stop`, then gives its leases up. Errors of a round (the database or the bus
  // away) are written to stderr when they change and the round is tried again.
  void Run(const std::atomic<bool>& stop);
  // Gives every lease up (the others take the partitions at once).
  void Release();

  WorkerStats stats() const;

 private:
  struct Partition;
  struct Rules;
  Status Heartbeat();
  Status Acquire(int number, const store::Lease& lease);
  Status ReadRules();
  Status Drain(Partition& p, bool& read);
  Status Commit(Partition& p);

  store::Store& store_;
  NatsBus& bus_;
  const WorkerOptions options_;
  const app::Clock clock_;
  std::unique_ptr<Rules> rules_;
  std::map<int, std::unique_ptr<Partition>> owned_;
  UtcTime next_heartbeat_{};
  WorkerStats stats_;
};

}  // namespace truce::bus
