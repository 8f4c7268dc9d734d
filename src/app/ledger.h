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
//   receipt      per entry, or per batch of entries submitted together (app/receipts.h)
//   tree head    Ed25519 over "truce-tree-head-v1\n<size>\n<timestamp ms>\n<root hex>\n"
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/receipts.h"
#include "app/signing.h"
#include "app/submission.h"
#include "store/store.h"
#include "truce/merkle_log.h"

namespace truce::app {

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
// The same from the entry's data already parsed (ParseEntry).
[[nodiscard]] Result<store::EntryIndex> DeriveIndex(const store::LogEntry& entry,
                                                    const ParsedEntry& parsed);

// The entry's data read once (submission.h ParsedEntry); kInvalidInput naming the entry when
// it is not a JSON object.
[[nodiscard]] Result<ParsedEntry> ParseEntry(const store::LogEntry& entry);
// An entry data object of kind `kind` as built (before it is written), completed as ParseEntry
// completes a parsed one. REQUIRES: parsing the bytes written for `data` gives `data` again.
ParsedEntry ParsedEntryOf(std::string_view kind, nlohmann::json data);

// "report SYR123 revision 2", "positions batch of 40", ... for messages.
std::string DescribeEntry(const store::LogEntry& entry);

using Clock = std::function<UtcTime()>;
// The system clock at millisecond resolution.
UtcTime SystemNow();

// The server's log. Thread-safe: appends are serialised; proofs and heads may be read
// concurrently with them.
//
// Several servers may keep a Ledger over one store (PostgreSQL), all with the one signing key:
// the store serialises their appends (store.h), and each Ledger follows what the others append
// with CatchUp. Every head a Ledger signs covers the log as committed, so any head from any of
// them is a prefix of every later one (a consistency proof links them).
class Ledger {
 public:
  // Rebuilds the Merkle tree from the store (every leaf recomputed from its data: a mismatch
  // refuses to start, pointing at `truce verify`), records the public key in the store (or
  // checks the stored one is `key`'s: kConflict otherwise), and signs the empty head of a new
  // log. Safe while other servers start or append on the same store.
  [[nodiscard]] static Result<std::unique_ptr<Ledger>> Open(store::Store& store, SigningKey key,
                                                            Clock clock = SystemNow);

  // Appends `subs` as consecutive entries in one durable transaction of their own with a new
  // signed head, and returns the entries as stored (ReceiptOf gives what each submitter gets
  // back). All or nothing: on error the log is unchanged. kConflict when another server
  // appended since this Ledger last caught up: the Ledger has then caught up, and the caller
  // decides again (what it appends may depend on what it now knows) and retries. Waits for
  // the group commits in flight (below) to end first.
  [[nodiscard]] Result<std::vector<store::LogEntry>> Append(std::vector<Submission> subs);

  // Group commit (docs/performance.md): many submitters' appends in one store transaction,
  // one fsync and one signed head. Prepare gives `subs` their places in the log (indices,
  // received_at, leaf hashes, receipts) and queues them without waiting for the disk; Commit
  // waits until they are durable. The appends prepared while one transaction is in flight are
  // written together by the next, in the order they were prepared, and share its received_at
  // (each transaction has one time, later than the previous one's, as VerifyStore requires).
  // Nothing is visible (size(), Head(), proofs) before it is durable, and Commit returns OK
  // only once it is: acknowledged means durable.
  //
  // REQUIRES: the caller holds the store's append lock (Store::LockAppends) from Prepare until
  // Commit returns, so that no other server appends in between (App::SubmitLock keeps it for as
  // long as any prepared append is not durable). If a transaction fails, its entries and every
  // entry prepared after them are refused with its error, and the Ledger refuses every later
  // Prepare and Append (kInternal): what the caller built on them in memory (the application's
  // views) is no longer the log, and a restart rebuilds it from the store.
  struct Pending;
  struct Prepared {
    std::shared_ptr<Pending> ticket;  // null when nothing was prepared (no submissions)
    // The entries as they will be stored, and their data read (parallel to entries()). Valid
    // while `ticket` lives.
    const std::vector<store::LogEntry>& entries() const;
    std::vector<ParsedEntry>& parsed() const;
  };
  [[nodiscard]] Result<Prepared> Prepare(std::vector<Submission> subs);
  [[nodiscard]] Status Commit(const Prepared& prepared);
  // The entries of a committed `prepared`, moved out. REQUIRES: Commit(prepared) returned OK.
  static std::vector<store::LogEntry> TakeEntries(Prepared& prepared);
  // True when every prepared entry is durable (or refused): nothing queued, no transaction in
  // flight.
  bool Idle() const;

  // Why `key` may not continue `store`'s log (kConflict): it is not the key the store records,
  // or the recorded key was replaced.
  static Error WrongKey(store::Store& store, const SigningKey& key);

  // Follows what other servers appended: reads the store's latest signed head and the entries
  // up to it, checks each leaf against its data, the head's root against the tree and its
  // signature against this Ledger's key, then makes it the head. Cheap when nothing changed
  // (one read of the latest head), and nothing to do while prepared entries wait for their
  // transaction (no one else appends then). kConflict when the store no longer agrees with
  // what this Ledger has seen (entries removed or altered: run `truce verify`).
  [[nodiscard]] Status CatchUp();

  // What this Ledger wrote since Open, for the benchmarks and the metrics: store transactions,
  // the entries in them, and the submissions (Append or Prepare calls) they carried. Group
  // commit shows as fewer transactions than submissions.
  struct CommitStats {
    uint64_t transactions = 0, entries = 0, submissions = 0;
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
  // Gives the entries of one submission their receipts: v1 for one entry, one v2 signature
  // shared by several.
  void SignReceipts(std::span<store::LogEntry> batch) const;
  // REQUIRES: append_mu_ held.
  [[nodiscard]] Status CatchUpLocked();

  // The entries of `subs` at indices from `start`, received at `now`, with their query rows.
  [[nodiscard]] Status BuildEntries(std::vector<Submission>& subs, uint64_t start, UtcTime now,
                                    std::vector<store::LogEntry>& entries,
                                    std::vector<store::EntryIndex>& index,
                                    std::vector<ParsedEntry>* parsed) const;
  // The time of a new commit: the clock, but at least 1 ms after the previous commit's.
  // REQUIRES: mu_ held.
  UtcTime NextCommitTime() const;
  // Writes the queued appends as one transaction (the caller leads it). REQUIRES: commit_mu_
  // held, as `lock`; committing_ false.
  void CommitQueued(std::unique_lock<std::mutex>& lock);

  store::Store& store_;
  const SigningKey key_;
  const Clock clock_;
  std::mutex append_mu_;          // one Append, Prepare or CatchUp at a time
  mutable std::shared_mutex mu_;  // guards tree_, head_, has_head_, last_received_
  MerkleTree tree_;               // every prepared leaf; those past head_.size are not durable
  store::TreeHead head_;          // the last durable head
  bool has_head_ = false;
  UtcTime last_received_{};  // of the last commit, durable, in flight or queued

  // Group commit. REQUIRES for Prepare's appending to tree_: commit_mu_ held.
  mutable std::mutex commit_mu_;  // guards everything below
  std::condition_variable committed_;
  std::deque<std::shared_ptr<Pending>> queue_;  // prepared, not yet in a transaction
  bool committing_ = false;                     // a leader is writing a transaction
  std::optional<Error> failed_;                 // a transaction failed: refuse all
  CommitStats stats_;
};

// The log's signing key for `store`, from `key_file`. When the file does not exist, a new key
// is created there only for a new log (no recorded log key, no entry, no signed head);
// otherwise kNotFound naming the file (and the recorded public key), and nothing is written: a
// new key could not continue the log. Errors of SigningKey::Load otherwise (a key that does not
// match the recorded one is Ledger::Open's to refuse).
[[nodiscard]] Result<SigningKey> LoadLogKey(store::Store& store, const std::string& key_file);

// The log public key `store` records (Ledger::Open records it at the first start), if any.
[[nodiscard]] Result<std::optional<PublicKey>> RecordedLogKey(store::Store& store);
// kConflict when `store` records a log public key that is not `key`'s (as Ledger::Open refuses
// it); Ok when it records none yet or `key`'s.
[[nodiscard]] Status CheckLogKey(store::Store& store, const SigningKey& key);

// The outcome of verifying a store: counts and the recomputed root.
struct VerifiedLog {
  uint64_t entries = 0;
  size_t heads = 0;
  size_t tokens = 0;
  size_t revocations = 0;  // token-revocation entries, each matched by a revoked row
  Hash root{};
  PublicKey key{};
};

// Recomputes everything from the entries: contiguous indices, each leaf hash, each receipt
// signature, each entry's query rows, every signed tree head (none missing: every commit has
// its own), every token row's signature (tokens.h), and that every token the log revokes has a
// row still marked revoked. The error (kInvalidInput) names the
// first entry, head or token found altered or removed. `key_file`, when it exists, must hold the
// key whose public half the store records.
[[nodiscard]] Result<VerifiedLog> VerifyStore(store::Store& store, const std::string& key_file);

// Checks that `current` extends `kept` (both signed by `kept`'s key): signatures, sizes, and
// the consistency proof between them.
[[nodiscard]] Status VerifyHeadsConsistent(const SignedHead& kept, const SignedHead& current,
                                           const std::vector<Hash>& proof);

}  // namespace truce::app
