// The transparency log as the server keeps it: every accepted submission becomes one log entry
// whose canonical bytes are a Merkle leaf (truce/merkle_log.h); each entry gets a signed
// receipt, each commit a signed tree head, and the query tables are derived from the entries
// by one function (DeriveIndex) used both when appending and when verifying.
//
// Formats (docs/server.md "Log format"):
//   entry data   canonical JSON, keys sorted, no spaces:
//                {"body":...,"kind":"report","party":"","received_at":"...Z","revision":1,
//                 "submitter":"tok_..."}
//   leaf         SHA-256(0x00 || entry data)
//   receipt      Ed25519 over "truce-receipt-v1\n<index>\n<leaf hash hex>\n"
//   tree head    Ed25519 over "truce-tree-head-v1\n<size>\n<timestamp ms>\n<root hex>\n"
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/signing.h"
#include "app/submission.h"
#include "store/store.h"
#include "truce/merkle_log.h"

namespace truce::app {

std::string ReceiptMessage(uint64_t index, const Hash& leaf_hash);
std::string TreeHeadMessage(uint64_t size, const Hash& root, UtcTime timestamp);

// {"tree_size","timestamp","timestamp_ms","root_hash","signature","public_key"}; hashes and
// signature in hex. The file `truce verify --head` keeps is this JSON.
nlohmann::json TreeHeadToJson(const store::TreeHead& head, const PublicKey& key);
// Parses and checks the head's signature against the key it names.
struct SignedHead {
  store::TreeHead head;
  PublicKey key{};
};
[[nodiscard]] Result<SignedHead> TreeHeadFromJson(const nlohmann::json& doc);

// The canonical entry data of `s` received at `received_at`.
std::string EntryData(const Submission& s, UtcTime received_at);

// The query rows an entry adds, recomputed from its data alone through the kind registry
// (submission.h). Fails (kInvalidInput) when the data is not a well-formed entry or disagrees
// with the entry's own columns.
[[nodiscard]] Result<store::EntryIndex> DeriveIndex(const store::LogEntry& entry);

// "report SYR123 revision 2", "positions batch of 40", ... for messages.
std::string DescribeEntry(const store::LogEntry& entry);

// What the submitter of one entry gets back.
struct Receipt {
  uint64_t index = 0;
  Hash leaf_hash{};
  std::string signature;
  UtcTime received_at{};
};

// The receipt of a stored entry.
Receipt ReceiptOf(const store::LogEntry& entry);

using Clock = std::function<UtcTime()>;
// The system clock at millisecond resolution.
UtcTime SystemNow();

// The server's log. Thread-safe: appends are serialised; proofs and heads may be read
// concurrently with them.
class Ledger {
 public:
  // Rebuilds the Merkle tree from the store (every leaf recomputed from its data: a mismatch
  // refuses to start, pointing at `truce verify`), records the public key in the store (or
  // checks the stored one is `key`'s), and signs the empty head of a new log.
  [[nodiscard]] static Result<std::unique_ptr<Ledger>> Open(store::Store& store, SigningKey key,
                                                            Clock clock = SystemNow);

  // Appends `subs` as consecutive entries, durably, with a new signed head, and returns the
  // entries as stored (ReceiptOf gives what each submitter gets back): Prepare, then Commit.
  // All or nothing: on error none of `subs` is in the log.
  [[nodiscard]] Result<std::vector<store::LogEntry>> Append(std::vector<Submission> subs);

  // Group commit (docs/performance.md). Prepare gives `subs` their places in the log (indices,
  // received_at, leaf hashes, receipts) and queues them for the store, without waiting for the
  // disk; Commit waits until they are durable. The appends prepared while one store
  // transaction is in flight are written together by the next one: one transaction, one
  // fsync and one signed head for many submitters. Nothing is visible (size(), Head(), proofs)
  // before it is durable, and an entry is only acknowledged (Commit returns OK) once it is.
  // Entries are committed in the order they were prepared.
  struct Pending;
  struct Prepared {
    std::vector<store::LogEntry> entries;
    std::shared_ptr<Pending> ticket;
  };
  [[nodiscard]] Result<Prepared> Prepare(std::vector<Submission> subs);
  // Waits until `prepared` is durable. If a store transaction fails, its entries and every
  // entry prepared after them are refused, and the ledger refuses every later Prepare
  // (kInternal): what was built on them in memory (the application's views) is no longer the
  // log, so the server must be restarted to rebuild it from the store.
  [[nodiscard]] Status Commit(const Prepared& prepared);
  // Transactions written and entries in them since Open, for the benchmarks and the metrics.
  struct CommitStats {
    uint64_t transactions = 0, entries = 0;
  };
  CommitStats commit_stats() const;

  store::TreeHead Head() const;
  uint64_t size() const;
  const PublicKey& public_key() const noexcept { return key_.public_key(); }
  [[nodiscard]] Result<std::vector<Hash>> InclusionProof(uint64_t index, uint64_t tree_size) const;
  [[nodiscard]] Result<std::vector<Hash>> ConsistencyProof(uint64_t first, uint64_t second) const;
  [[nodiscard]] Result<Hash> Root(uint64_t tree_size) const;
  // The leaf hash of entry `index`. REQUIRES: index < size().
  Hash Leaf(uint64_t index) const;

 private:
  Ledger(store::Store& store, SigningKey key, Clock clock)
      : store_(store), key_(std::move(key)), clock_(std::move(clock)) {}
  store::TreeHead SignHead(uint64_t size, const Hash& root, UtcTime at) const;

  // Writes the queued appends (the caller is the leader). REQUIRES: commit_mu_ held, as `lock`.
  void CommitQueued(std::unique_lock<std::mutex>& lock);

  store::Store& store_;
  const SigningKey key_;
  const Clock clock_;
  std::mutex append_mu_;          // one Prepare at a time
  mutable std::shared_mutex mu_;  // guards tree_, head_, last_received_
  MerkleTree tree_;               // every prepared leaf; those past head_.size not yet durable
  store::TreeHead head_;          // the last durable head
  UtcTime last_received_{};       // of the last prepared entry

  mutable std::mutex commit_mu_;  // guards everything below
  std::condition_variable committed_;
  std::deque<std::shared_ptr<Pending>> queue_;  // prepared, not yet in a transaction
  bool committing_ = false;                     // a leader is writing a transaction
  std::optional<Error> failed_;                 // a transaction failed: refuse all
  CommitStats stats_;
};

// The outcome of verifying a store: counts and the recomputed root.
struct VerifiedLog {
  uint64_t entries = 0;
  size_t heads = 0;
  Hash root{};
  PublicKey key{};
};

// Recomputes everything from the entries: contiguous indices, each leaf hash, each receipt
// signature, each entry's query rows, every signed tree head. The error (kInvalidInput) names
// the first entry found altered or removed. `key_file`, when it exists, must hold the key whose
// public half the store records.
[[nodiscard]] Result<VerifiedLog> VerifyStore(store::Store& store, const std::string& key_file);

// Checks that `current` extends `kept` (both signed by `kept`'s key): signatures, sizes, and
// the consistency proof between them.
[[nodiscard]] Status VerifyHeadsConsistent(const SignedHead& kept, const SignedHead& current,
                                           const std::vector<Hash>& proof);

}  // namespace truce::app
