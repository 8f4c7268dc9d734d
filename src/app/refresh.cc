// Following the other servers that share the store (PostgreSQL): the submission lock, which
// holds the store's append lock and brings the views up to the log, and the refreshes that
// reads make. See app.h for what each read and write sees.
#include <fmt/format.h>

#include "app/app.h"

namespace truce::app {

void App::SubmitLock::lock() {
  mu_.lock();
  failure_.reset();
  // A group commit in flight (App::AppendLocked): this server still holds the store's append
  // lock, and the views are the log plus the entries waiting for the disk.
  if (held_) return;
  auto held = app_.store_.LockAppends();
  if (!held.ok()) {
    failure_ = std::move(held).error();
    return;
  }
  held_ = std::move(held).value();
  std::lock_guard apply(app_.apply_mu_);
  if (Status st = app_.RefreshLocked(); !st.ok()) failure_ = st.error();
}

void App::SubmitLock::unlock() {
  // The append lock is kept while entries prepared under it wait for their transaction: no
  // other server may append before they are durable. The last submitter out releases it.
  if (app_.ledger_.Idle()) held_.reset();
  failure_.reset();
  mu_.unlock();
}

Status App::Refresh() {
  std::lock_guard apply(apply_mu_);
  return RefreshLocked();
}

void App::RefreshIfStale() {
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now().time_since_epoch())
                          .count();
  int64_t last = last_refresh_check_ms_.load();
  if (now - last < limits_.refresh_interval.count() && last != 0) return;
  // One thread checks; the others go on with what they have.
  if (!last_refresh_check_ms_.compare_exchange_strong(last, now)) return;
  auto head = store_.LatestTreeHead();
  if (!head.ok() || !head->has_value() || (*head)->size <= views_.size()) return;
  (void)Refresh();
}

Status App::RefreshLocked() {
  const Status caught = ledger_.CatchUp();
  // The views follow the ledger as far as it got, even when it stopped at a bad entry.
  const Status applied = ApplyUpTo(ledger_.size());
  return caught.ok() ? applied : caught;
}

Status App::ApplyUpTo(uint64_t size) {
  if (views_.size() >= size) return Status::Ok();
  std::optional<Error> failure;
  Status scanned =
      store_.ScanEntries(views_.size(), [&](const store::LogEntry& e, const store::EntryIndex&) {
        if (e.index >= size) return false;
        if (e.index != views_.size()) {
          failure = MakeError(
              ErrorCode::kConflict,
              fmt::format("log entry {} is missing; run `truce verify --db`", views_.size()));
          return false;
        }
        // The flight views too (first, as in AppendLocked): other servers' positions and
        // exemptions are judged here, the incidents' track evidence and the alerts read them.
        if (Status st = flights_.Apply(e); !st.ok()) {
          failure = st.error();
          return false;
        }
        if (Status st = views_.Apply(e); !st.ok()) {
          failure = st.error();
          return false;
        }
        // Another server's entries make alerts here as well, so that every server's stream and
        // webhooks carry every alert (in log order, as AppendLocked does).
        ProduceAlerts(e, /*live=*/true);
        return true;
      });
  if (!scanned.ok()) return scanned;
  if (failure) return *failure;
  if (views_.size() < size) {
    return MakeError(
        ErrorCode::kConflict,
        fmt::format("log entry {} is missing; run `truce verify --db`", views_.size()));
  }
  return Status::Ok();
}

store::TreeHead App::Head() const {
  // One read of the store's latest head: a head served here is never behind one another server
  // served before this request began. On a store error, the last head known.
  (void)ledger_.CatchUp();
  return ledger_.Head();
}

}  // namespace truce::app
