// The bus publisher: puts the log's positions on the message bus, partitioned by aircraft, for
// the flight workers (flight_worker.h), and the log's scenario versions and exemptions (the
// rules the workers judge with) on truce.rules.
//
// It follows the log, not the requests: a submission is acknowledged when it is durable in
// the log (as without a bus), and the publisher then copies it to the stream in log order.
// One publisher at a time among every `truce serve` sharing the database holds the lease
// "publisher"; its cursor (the next log entry to publish) moves only after the stream has
// acknowledged everything before it. An instance that dies leaves the lease to expire; the next
// holder publishes again from the cursor, and the stream drops what it already holds (each
// message has a message id). So every positions entry reaches the stream, in log order,
// whatever fails, once NATS is reachable.
//
// Messages (JSON):
//   truce.positions.P  {"entry": N, "positions": [[ORDINAL, RECORD], ...]}: the fixes of log
//                      entry N whose aircraft hash to partition P (RECORD: the client's record,
//                      as the log holds it); message id "positions.N.P".
//   truce.rules        {"entry": N, "kind": "scenario"|"exemption", "data": ENTRY-DATA};
//                      message id "rules.N".
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <thread>

#include "app/ledger.h"
#include "bus/nats_bus.h"
#include "store/store.h"
#include "truce/result.h"

namespace truce::bus {

// The default number of partitions of the position stream.
inline constexpr int kDefaultPartitions = 16;

// The partition of an aircraft: FNV-1a (32 bits) of its lowercase ICAO 24-bit address, modulo
// `partitions`. Stable across versions and machines (the stream is partitioned by it).
int PartitionOf(std::string_view icao24, int partitions);

// "truce.positions.P".
std::string PositionsSubject(int partition);

// Records (or checks) the number of partitions in the database's metadata, so that every
// publisher and worker of one database agree. kInvalidArgument naming both numbers when the
// database has another.
[[nodiscard]] Status AgreePartitions(store::Store& store, int partitions);

struct PublisherOptions {
  int partitions = kDefaultPartitions;
  std::string owner;  // this instance's name in the lease (unique among instances)
  std::chrono::milliseconds lease_ttl{10000};
  std::chrono::milliseconds poll{50};  // how often the log is checked for new entries
  size_t max_entries_per_round = 1000;
};

class LogPublisher {
 public:
  LogPublisher(store::Store& store, NatsBus& bus, PublisherOptions options,
               app::Clock clock = app::SystemNow);
  ~LogPublisher();
  LogPublisher(const LogPublisher&) = delete;
  LogPublisher& operator=(const LogPublisher&) = delete;

  // One round: when this publisher holds (or can take) the lease, publishes the log entries
  // after its cursor (at most max_entries_per_round), waits for the stream's acknowledgements
  // and moves the cursor. The number of log entries the cursor moved by (0 when another
  // instance publishes, or nothing is new).
  [[nodiscard]] Result<size_t> RunOnce();

  // RunOnce every `poll` on a thread of its own until Stop (or destruction); errors are
  // written to stderr when they change, and the round is tried again.
  void Start();
  void Stop();

  uint64_t published_entries() const noexcept { return published_; }

 private:
  store::Store& store_;
  NatsBus& bus_;
  const PublisherOptions options_;
  const app::Clock clock_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> published_{0};
  std::atomic<bool> holding_{false};  // whether the last round held the lease
  std::thread thread_;
};

}  // namespace truce::bus
