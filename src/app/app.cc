// The application's plumbing: opening (the views rebuilt from the log), the append path shared
// by every submission, health and metrics, and the transparency log's read operations. The
// operations of each resource live in their own *_ops.cc file.
#include "app/app.h"

#include <algorithm>
#include <chrono>

#include <fmt/format.h>

#include "app/tokens.h"

namespace truce::app {

Result<std::unique_ptr<App>> App::Open(store::Store& store, Ledger& ledger, Metrics& metrics,
                                       AppLimits limits, Clock clock) {
  std::unique_ptr<App> app(new App(store, ledger, metrics, limits, std::move(clock)));
  // Incidents carry the track evidence of the positions logged up to their snapshot. The flight
  // views apply each entry before the report views do, so a snapshot is never ahead of them.
  app->views_.SetEvidenceFiller([a = app.get()](const Snapshot& snap, std::span<Incident> in) {
    if (!snap.scenario) return;
    a->air_evidence_.Fill(snap.log_size, snap.scenario->scenario->corroboration().track_distance,
                          in);
  });
  std::optional<Error> failure;
  const uint64_t size = ledger.size();
  Status scanned = store.ScanEntries(0, [&](const store::LogEntry& e, const store::EntryIndex&) {
    if (e.index >= size) return false;  // not covered by a signed head (the ledger refused it)
    if (Status st = app->flights_.Apply(e); !st.ok()) {
      failure = st.error();
      return false;
    }
    if (Status st = app->views_.Apply(e); !st.ok()) {
      failure = st.error();
      return false;
    }
    app->ProduceAlerts(e, /*live=*/false);
    return true;
  });
  if (!scanned.ok()) return scanned.error();
  if (failure) {
    return MakeError(ErrorCode::kInvalidInput,
                     failure->message + "; run `truce verify --db` to see what changed");
  }
  return app;
}

void App::WarmUp() { (void)SnapshotAsOf(std::nullopt); }

Result<Principal> App::Authenticate(std::string_view authorization) {
  RefreshIfStale();
  auto who = app::Authenticate(store_, ledger_.public_key(), authorization);
  if (who.ok() && views_.TokenRevocation(who->token_id)) {
    return MakeError(ErrorCode::kUnauthenticated, "unknown or revoked token");
  }
  return who;
}

Result<uint64_t> App::RevokeToken(const Principal& who, const std::string& token_id) {
  auto tokens = store_.ListTokens();
  if (!tokens.ok()) return tokens.error();
  const bool known = std::any_of(tokens->begin(), tokens->end(),
                                 [&](const store::TokenRecord& t) { return t.id == token_id; });
  if (!known) {
    return MakeError(ErrorCode::kNotFound, fmt::format("no token with id '{}'", token_id));
  }
  uint64_t entry = 0;
  UtcTime when = Now();
  {
    std::lock_guard lock(submit_mu_);  // brings the views up to the log first
    if (auto revoked = views_.TokenRevocation(token_id)) {
      entry = *revoked;
    } else {
      when = std::max(Now(), views_.LatestReceived());
      auto entries = AppendLocked({SubmissionBy(
          who, SubmissionKind::kTokenRevocation,
          nlohmann::json{{"token", token_id}, {"revoked_at", FormatTimestamp(when)}})});
      if (!entries.ok()) return entries.error();
      entry = entries->front().index;
    }
  }
  // After the entry: a crash between the two leaves the token refused (the log says so) and
  // its row for the next `truce token revoke` to mark; `truce verify` names it meanwhile.
  // kNotFound: the row was revoked already.
  if (Status st = store_.RevokeToken(token_id, when);
      !st.ok() && st.error().code != ErrorCode::kNotFound) {
    return st.error();
  }
  return entry;
}

Result<Health> App::GetHealth() {
  auto version = store_.SchemaVersion();
  if (!version.ok()) return version.error();
  return Health{ledger_.size(), *version};
}

Result<std::string> App::MetricsText(const Principal& who) {
  if (Status st = Check(who, Action::kReadMetrics); !st.ok()) return st.error();
  return metrics_.Render({{"truce_log_entries", static_cast<double>(ledger_.size())}});
}

Submission App::SubmissionBy(const Principal& who, SubmissionKind kind, nlohmann::json body,
                             int revision) {
  return Submission{kind,
                    who.token_id,
                    who.Is(Role::kParty) ? who.party : "",
                    std::move(body),
                    revision,
                    std::string(RoleName(who.role))};
}

Result<std::vector<store::LogEntry>> App::AppendLocked(std::vector<Submission> subs) {
  if (submit_mu_.failure_) return *submit_mu_.failure_;
  const auto started = std::chrono::steady_clock::now();
  if (limits_.group_commit) {
    auto prepared = ledger_.Prepare(std::move(subs));
    if (!prepared.ok()) return prepared.error();
    if (!prepared->ticket) return std::vector<store::LogEntry>();
    {
      // The views take the entries now, so that the next submitter decides (numbers its
      // revisions, finds what is already stored) after them; readers see only what is durable
      // (Views::SetDurableSize), and the flight views and alerts wait for it.
      std::lock_guard apply(apply_mu_);
      if (unannounced_.empty()) views_.SetDurableSize(views_.size());
      const std::vector<store::LogEntry>& entries = prepared->entries();
      std::vector<ParsedEntry>& parsed = prepared->parsed();
      for (size_t i = 0; i < entries.size(); ++i) {
        if (Status st = views_.Apply(entries[i], parsed[i]); !st.ok()) {
          return MakeError(ErrorCode::kInternal,
                           "a committed entry does not apply: " + st.error().message);
        }
        unannounced_.push_back(Unannounced{entries[i], std::move(parsed[i])});
      }
    }
    // While this submitter waits for the disk, the next ones prepare theirs, and one store
    // transaction makes them all durable. The store's append lock stays held meanwhile
    // (SubmitLock::unlock keeps it while the ledger is not idle).
    submit_mu_.mu_.unlock();
    const Status committed = ledger_.Commit(*prepared);
    submit_mu_.mu_.lock();
    {
      std::lock_guard apply(apply_mu_);
      AnnounceDurableLocked();
    }
    if (!committed.ok()) return committed.error();
    metrics_.ObserveCommit(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    return Ledger::TakeEntries(*prepared);
  }
  auto entries = ledger_.Append(std::move(subs));
  std::lock_guard apply(apply_mu_);
  if (!entries.ok()) {
    // A conflict: the ledger caught up with another server's entries; so do the views, for
    // the caller's next attempt.
    if (entries.error().code == ErrorCode::kConflict) (void)ApplyUpTo(ledger_.size());
    return entries;
  }
  if (entries->empty()) return entries;  // nothing new (an idempotent submission)
  metrics_.ObserveCommit(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  // The views follow the log: other servers' entries before these, then these as committed
  // (unless a reader's Refresh applied them already).
  if (Status st = ApplyUpTo(entries->front().index); !st.ok()) return st.error();
  for (const store::LogEntry& e : *entries) {
    if (e.index < views_.size()) continue;
    // The flight views first: a snapshot of the report views is never ahead of them (the
    // incidents' track evidence reads them).
    if (Status st = flights_.Apply(e); !st.ok()) {
      return MakeError(ErrorCode::kInternal,
                       "a committed entry does not apply: " + st.error().message);
    }
    if (Status st = views_.Apply(e); !st.ok()) {
      return MakeError(ErrorCode::kInternal,
                       "a committed entry does not apply: " + st.error().message);
    }
    ProduceAlerts(e, /*live=*/true);
  }
  return entries;
}

void App::AnnounceDurableLocked() {
  const uint64_t durable = ledger_.size();
  while (!unannounced_.empty() && unannounced_.front().entry.index < durable) {
    const store::LogEntry& e = unannounced_.front().entry;
    if (Status st = flights_.Apply(e); !st.ok()) {
      // Stored and in the views; only the flight views miss it (as a direct append would).
      metrics_.Add("truce_apply_failures_total");
    }
    ProduceAlerts(e, /*live=*/true, &unannounced_.front().parsed);
    unannounced_.pop_front();
  }
  // Entries left are not durable (a transaction in flight, or one that failed: the ledger then
  // refuses every submission until a restart). With none left, nothing is hidden.
  views_.SetDurableSize(unannounced_.empty() ? UINT64_MAX : durable);
}

// --- The transparency log --------------------------------------------------------------------

Result<App::InclusionProof> App::Inclusion(const Principal& who, uint64_t index,
                                           std::optional<uint64_t> tree_size) {
  if (Status st = Check(who, Action::kReadLogProofs); !st.ok()) return st.error();
  (void)ledger_.CatchUp();  // a tree size another server signed is known here too
  const uint64_t size = tree_size.value_or(ledger_.size());
  if (index >= size) {
    return MakeError(ErrorCode::kInvalidArgument,
                     fmt::format("entry {} is not in a tree of {} entries", index, size));
  }
  auto proof = ledger_.InclusionProof(index, size);
  if (!proof.ok()) return proof.error();
  auto root = ledger_.Root(size);
  if (!root.ok()) return root.error();
  return InclusionProof{index, size, ledger_.Leaf(index), *root, std::move(proof).value()};
}

Result<std::vector<Hash>> App::Consistency(const Principal& who, uint64_t first, uint64_t second) {
  if (Status st = Check(who, Action::kReadLogProofs); !st.ok()) return st.error();
  if (first > second) {
    return MakeError(ErrorCode::kInvalidArgument, "first must not exceed second");
  }
  (void)ledger_.CatchUp();
  return ledger_.ConsistencyProof(first, second);
}

Result<JsonPage> App::LogEntries(const Principal& who, uint64_t from, size_t limit) {
  if (Status st = Check(who, Action::kReadLogEntries); !st.ok()) return st.error();
  (void)ledger_.CatchUp();
  const uint64_t size = ledger_.size();
  JsonPage page;
  Status st = store_.ScanEntries(from, [&](const store::LogEntry& e, const store::EntryIndex&) {
    if (e.index >= size || page.items.size() >= limit) return false;
    // The receipt as stored: its signature, and for a batch's the entries it covers (their
    // leaves, in this listing, give the batch's root).
    const auto stored = DecodeStoredReceipt(e.receipt);
    nlohmann::json item = {
        {"index", e.index},
        {"kind", e.kind},
        {"received_at", FormatTimestamp(e.received_at)},
        {"leaf_hash", HashToHex(e.leaf_hash)},
        {"receipt", BytesToHex(stored.ok() ? stored->signature : e.receipt)},
        {"receipt_format", stored.ok() && stored->batch ? kBatchReceiptFormat : kReceiptFormat},
        {"data", e.data}};
    if (stored.ok() && stored->batch) {
      item["batch"] = {{"first", stored->batch->first}, {"count", stored->batch->second}};
    }
    page.items.push_back(std::move(item));
    return true;
  });
  if (!st.ok()) return st.error();
  const uint64_t next = from + page.items.size();
  if (next < size) page.next = std::to_string(next);
  return page;
}

}  // namespace truce::app
