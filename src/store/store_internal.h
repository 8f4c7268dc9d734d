// What the store implementations share and the port does not show: the checks every Append
// makes before it writes, the in-process append lock of the stores that one process owns, and
// what the SQL stores have in common (migrations, the append-only tables, times as integers).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>

#include "store/store.h"

namespace truce::store::detail {

// One step of a SQL store's schema, from version - 1 to version. Never edit one that has
// shipped: add another.
struct Migration {
  int version;
  const char* description;
  const char* sql;
};

// Submitted material and what indexes it: never updated or deleted (tokens are revoked by an
// update, so they are not here). The SQL stores refuse it with triggers, so that a bug or a
// hand-typed UPDATE fails loudly.
inline constexpr const char* kAppendOnlyTables[] = {
    "meta",      "log_entries", "tree_heads",        "reports",
    "positions", "claims",      "scenario_versions", "publications"};

// Times as the SQL stores keep them: integer milliseconds since the Unix epoch.
inline int64_t Millis(UtcTime t) { return t.time_since_epoch().count(); }
inline UtcTime FromMillis(int64_t ms) { return UtcTime(std::chrono::milliseconds(ms)); }
// The system clock, for the migration records.
inline UtcTime Now() {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

// The argument checks of Store::Append (kInvalidArgument): as many index rows as entries, at
// least one entry, a head covering exactly the log after them.
[[nodiscard]] Status CheckAppendArguments(std::span<const LogEntry> entries,
                                          std::span<const EntryIndex> index, const TreeHead& head);

// Whether `entries` follow a log of `count` entries whose last was received at `last_received`
// (nullopt for an empty log): consecutive indices from `count`, received_at never going back.
// kConflict naming the first that does not.
[[nodiscard]] Status CheckFollows(std::span<const LogEntry> entries, uint64_t count,
                                  std::optional<UtcTime> last_received);

// An exclusive right held by at most one AppendLock at a time among the users of one gate (in
// one process). Thread-safe. The locks it hands out keep it alive.
class AppendGate : public std::enable_shared_from_this<AppendGate> {
 public:
  // Waits until no lock of this gate is held, then returns one.
  std::unique_ptr<AppendLock> Acquire();

 private:
  class Lock;
  std::mutex mu_;
  std::condition_variable cv_;
  bool held_ = false;
};

}  // namespace truce::store::detail
