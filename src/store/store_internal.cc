#include "store/store_internal.h"

#include <fmt/format.h>

namespace truce::store::detail {

Status CheckAppendArguments(std::span<const LogEntry> entries, std::span<const EntryIndex> index,
                            const TreeHead& head) {
  if (entries.size() != index.size()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     fmt::format("store: {} log entries but {} sets of query rows", entries.size(),
                                 index.size()));
  }
  if (entries.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "store: an append of no log entries");
  }
  if (head.size != entries.back().index + 1) {
    return MakeError(ErrorCode::kInvalidArgument,
                     fmt::format("store: the tree head of size {} does not cover the log up to "
                                 "entry {}",
                                 head.size, entries.back().index));
  }
  return Status::Ok();
}

Status CheckFollows(std::span<const LogEntry> entries, uint64_t count,
                    std::optional<UtcTime> last_received) {
  for (size_t i = 0; i < entries.size(); ++i) {
    const LogEntry& e = entries[i];
    if (e.index != count + i) {
      return MakeError(ErrorCode::kConflict,
                       fmt::format("store: log entry {} is not the next one: the log has {} "
                                   "entries (another writer appended since this one read it)",
                                   e.index, count + i));
    }
    const std::optional<UtcTime> before = i == 0 ? last_received : entries[i - 1].received_at;
    if (before && e.received_at < *before) {
      return MakeError(
          ErrorCode::kConflict,
          fmt::format("store: log entry {} was received at {}, before the entry "
                      "ahead of it ({}); received_at never goes back",
                      e.index, FormatTimestamp(e.received_at), FormatTimestamp(*before)));
    }
  }
  return Status::Ok();
}

class AppendGate::Lock final : public AppendLock {
 public:
  explicit Lock(std::shared_ptr<AppendGate> gate) : gate_(std::move(gate)) {}
  ~Lock() override {
    {
      std::lock_guard lock(gate_->mu_);
      gate_->held_ = false;
    }
    gate_->cv_.notify_one();
  }

 private:
  std::shared_ptr<AppendGate> gate_;
};

std::unique_ptr<AppendLock> AppendGate::Acquire() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [this] { return !held_; });
  held_ = true;
  return std::make_unique<Lock>(shared_from_this());
}

}  // namespace truce::store::detail
