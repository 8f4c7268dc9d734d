// What the store implementations share and the port does not show: the checks every Append
// makes before it writes, and the in-process append lock of the stores that one process owns.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <span>

#include "store/store.h"

namespace truce::store::detail {

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
