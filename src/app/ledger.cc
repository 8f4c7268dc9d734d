#include "app/ledger.h"

#include <algorithm>
#include <filesystem>
#include <mutex>

#include <fmt/format.h>

namespace truce::app {
namespace {

using nlohmann::json;

constexpr std::string_view kPublicKeyMeta = "log_public_key";
constexpr std::string_view kHeadFormat = "truce-tree-head-v1";

Error Altered(std::string message) {
  return MakeError(ErrorCode::kInvalidInput, std::move(message));
}

std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

std::optional<json> ParseData(std::string_view data) {
  json j = json::parse(data, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  return j;
}

}  // namespace

std::string ReceiptMessage(uint64_t index, const Hash& leaf_hash) {
  return fmt::format("truce-receipt-v1\n{}\n{}\n", index, HashToHex(leaf_hash));
}

std::string TreeHeadMessage(uint64_t size, const Hash& root, UtcTime timestamp) {
  return fmt::format("{}\n{}\n{}\n{}\n", kHeadFormat, size, timestamp.time_since_epoch().count(),
                     HashToHex(root));
}

json TreeHeadToJson(const store::TreeHead& head, const PublicKey& key) {
  return json{{"format", kHeadFormat},
              {"tree_size", head.size},
              {"timestamp", FormatTimestamp(head.timestamp)},
              {"timestamp_ms", head.timestamp.time_since_epoch().count()},
              {"root_hash", HashToHex(head.root)},
              {"signature", BytesToHex(head.signature)},
              {"public_key", PublicKeyToHex(key)}};
}

Result<SignedHead> TreeHeadFromJson(const json& doc) {
  auto bad = [](std::string what) {
    return MakeError(ErrorCode::kInvalidInput, "tree head: " + std::move(what));
  };
  if (!doc.is_object()) return bad("expected a JSON object");
  if (doc.value("format", std::string()) != kHeadFormat) {
    return bad(fmt::format("format: expected \"{}\"", kHeadFormat));
  }
  const auto size = doc.find("tree_size");
  const auto ms = doc.find("timestamp_ms");
  if (size == doc.end() || !size->is_number_unsigned()) return bad("tree_size: expected a count");
  if (ms == doc.end() || !ms->is_number_integer()) return bad("timestamp_ms: expected an integer");
  const auto root = HashFromHex(doc.value("root_hash", std::string()));
  if (!root) return bad("root_hash: expected 64 hexadecimal digits");
  auto signature = BytesFromHex(doc.value("signature", std::string()));
  if (!signature.ok() || signature->size() != 64) {
    return bad("signature: expected 128 hexadecimal digits");
  }
  auto key = PublicKeyFromHex(doc.value("public_key", std::string()));
  if (!key.ok()) return bad("public_key: " + key.error().message);
  SignedHead out;
  out.head = store::TreeHead{size->get<uint64_t>(), *root,
                             UtcTime(std::chrono::milliseconds(ms->get<int64_t>())),
                             std::move(signature).value()};
  out.key = *key;
  if (!VerifySignature(out.key, TreeHeadMessage(out.head.size, out.head.root, out.head.timestamp),
                       out.head.signature)) {
    return bad(fmt::format("the signature of the head of size {} does not verify with key {}",
                           out.head.size, PublicKeyToHex(out.key)));
  }
  return out;
}

std::string EntryData(const Submission& s, UtcTime received_at) {
  const KindSpec& kind = Spec(s.kind);
  json j = {{"body", s.body},
            {"kind", kind.name},
            {"party", s.party},
            {"received_at", FormatTimestamp(received_at)},
            {"submitter", s.submitter}};
  if (!kind.revision_key.empty()) j[std::string(kind.revision_key)] = s.revision;
  if (!s.role.empty()) j["role"] = s.role;
  return Dump(j);
}

std::string DescribeEntry(const store::LogEntry& entry) {
  const KindSpec* kind = FindKind(entry.kind);
  const auto data = ParseData(entry.data);
  if (!kind || !data) return entry.kind;
  return kind->describe(*data);
}

Result<store::EntryIndex> DeriveIndex(const store::LogEntry& entry) {
  const std::string at = fmt::format("entry {}", entry.index);
  const auto data = ParseData(entry.data);
  if (!data) return Altered(at + ": its data is not a JSON object");
  if (detail::StringField(*data, "kind") != entry.kind ||
      detail::StringField(*data, "party") != entry.party ||
      detail::StringField(*data, "submitter") != entry.submitter ||
      detail::StringField(*data, "received_at") != FormatTimestamp(entry.received_at)) {
    return Altered(at +
                   ": its kind, party, submitter or received_at columns disagree with its data");
  }
  const KindSpec* kind = FindKind(entry.kind);
  if (!kind) return Altered(fmt::format("{}: unknown kind '{}'", at, entry.kind));
  return kind->derive(entry, *data);
}

UtcTime SystemNow() {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

Result<std::unique_ptr<Ledger>> Ledger::Open(store::Store& store, SigningKey key, Clock clock) {
  std::unique_ptr<Ledger> ledger(new Ledger(store, std::move(key), std::move(clock)));
  const std::string key_hex = PublicKeyToHex(ledger->public_key());
  auto stored_key = store.GetMeta(kPublicKeyMeta);
  if (!stored_key.ok()) return stored_key.error();
  if (!stored_key->has_value()) {
    if (Status st = store.SetMetaOnce(kPublicKeyMeta, key_hex); !st.ok()) return st.error();
  } else if (**stored_key != key_hex) {
    return MakeError(ErrorCode::kConflict,
                     fmt::format("the signing key is not the one this database's log was signed "
                                 "with (public key {}); restore the original key file",
                                 **stored_key));
  }
  Error failure;
  bool failed = false;
  Status scanned = store.ScanEntries(0, [&](const store::LogEntry& e, const store::EntryIndex&) {
    if (e.index != ledger->tree_.size() || LeafHash(e.data) != e.leaf_hash) {
      failure = MakeError(ErrorCode::kConflict,
                          fmt::format("log entry {} is missing or altered; run `truce verify "
                                      "--db` to see what changed",
                                      ledger->tree_.size()));
      failed = true;
      return false;
    }
    ledger->tree_.Append(e.leaf_hash);
    ledger->last_received_ = std::max(ledger->last_received_, e.received_at);
    return true;
  });
  if (!scanned.ok()) return scanned.error();
  if (failed) return failure;
  auto head = store.LatestTreeHead();
  if (!head.ok()) return head.error();
  if (!head->has_value()) {
    if (ledger->tree_.size() != 0) {
      return MakeError(ErrorCode::kConflict, "the log has entries but no signed tree head");
    }
    const store::TreeHead empty = ledger->SignHead(0, Sha256(""), ledger->clock_());
    if (Status st = store.AddEmptyHead(empty); !st.ok()) return st.error();
    ledger->head_ = empty;
  } else {
    ledger->head_ = **head;
    if (ledger->head_.size != ledger->tree_.size() || ledger->head_.root != ledger->tree_.Root()) {
      return MakeError(ErrorCode::kConflict,
                       fmt::format("the latest signed tree head (size {}) does not match the {} "
                                   "log entries; run `truce verify --db`",
                                   ledger->head_.size, ledger->tree_.size()));
    }
  }
  return ledger;
}

store::TreeHead Ledger::SignHead(uint64_t size, const Hash& root, UtcTime at) const {
  return store::TreeHead{size, root, at, key_.Sign(TreeHeadMessage(size, root, at))};
}

Receipt ReceiptOf(const store::LogEntry& entry) {
  return Receipt{entry.index, entry.leaf_hash, entry.receipt, entry.received_at};
}

// One Prepare's entries waiting for the store.
struct Ledger::Pending {
  std::vector<store::LogEntry> entries;
  std::vector<store::EntryIndex> index;
  bool done = false;
  Status status;
};

Result<std::vector<store::LogEntry>> Ledger::Append(std::vector<Submission> subs) {
  auto prepared = Prepare(std::move(subs));
  if (!prepared.ok()) return prepared.error();
  if (Status st = Commit(*prepared); !st.ok()) return st.error();
  return std::move(prepared->entries);
}

Result<Ledger::Prepared> Ledger::Prepare(std::vector<Submission> subs) {
  if (subs.empty()) return Prepared{};  // nothing to commit, no new head
  std::lock_guard append_lock(append_mu_);
  {
    std::lock_guard lock(commit_mu_);
    if (failed_) return *failed_;
  }
  UtcTime now;
  uint64_t start;
  {
    std::shared_lock lock(mu_);
    // received_at never goes backwards, so that "as of T" is a prefix of the log.
    now = std::max(clock_(), last_received_);
    start = tree_.size();
  }
  auto pending = std::make_shared<Pending>();
  for (size_t i = 0; i < subs.size(); ++i) {
    store::LogEntry e;
    e.index = start + i;
    e.kind = std::string(Spec(subs[i].kind).name);
    e.received_at = now;
    e.submitter = subs[i].submitter;
    e.party = subs[i].party;
    e.data = EntryData(subs[i], now);
    e.leaf_hash = LeafHash(e.data);
    e.receipt = key_.Sign(ReceiptMessage(e.index, e.leaf_hash));
    auto rows = DeriveIndex(e);
    if (!rows.ok()) {
      return MakeError(ErrorCode::kInternal, "submission does not index: " + rows.error().message);
    }
    pending->entries.push_back(std::move(e));
    pending->index.push_back(std::move(rows).value());
  }
  {
    // Readers only see sizes up to head_.size, so these leaves stay invisible until durable.
    std::unique_lock lock(mu_);
    for (const store::LogEntry& e : pending->entries) tree_.Append(e.leaf_hash);
    last_received_ = now;
  }
  Prepared out{pending->entries, pending};
  std::lock_guard lock(commit_mu_);
  if (failed_) {  // a transaction failed while these were prepared
    std::unique_lock tree_lock(mu_);
    tree_.Truncate(head_.size);
    return *failed_;
  }
  queue_.push_back(std::move(pending));
  return out;
}

Status Ledger::Commit(const Prepared& prepared) {
  if (!prepared.ticket) return Status();
  std::unique_lock lock(commit_mu_);
  for (;;) {
    if (prepared.ticket->done) return prepared.ticket->status;
    if (!committing_) {
      CommitQueued(lock);  // leads the next transaction, which holds this ticket
      continue;
    }
    committed_.wait(lock);
  }
}

void Ledger::CommitQueued(std::unique_lock<std::mutex>& lock) {
  std::vector<std::shared_ptr<Pending>> group(queue_.begin(), queue_.end());
  queue_.clear();
  committing_ = true;
  lock.unlock();
  std::vector<store::LogEntry> entries;
  std::vector<store::EntryIndex> index;
  for (const auto& p : group) {
    entries.insert(entries.end(), p->entries.begin(), p->entries.end());
    index.insert(index.end(), p->index.begin(), p->index.end());
  }
  const uint64_t size = entries.back().index + 1;
  store::TreeHead head;
  {
    std::shared_lock tree_lock(mu_);
    head = SignHead(size, *tree_.Root(size), entries.back().received_at);
  }
  Status st = store_.Append(entries, index, head);
  lock.lock();
  if (st.ok()) {
    std::unique_lock tree_lock(mu_);
    head_ = head;
    ++stats_.transactions;
    stats_.entries += entries.size();
  } else {
    // Everything prepared from here on was built on the entries that failed.
    failed_ = MakeError(ErrorCode::kInternal,
                        fmt::format("the log store failed a commit ({}); the log is intact up to "
                                    "entry {}: restart the server",
                                    st.error().message, entries.front().index));
    for (const auto& p : queue_) group.push_back(p);
    queue_.clear();
    std::unique_lock tree_lock(mu_);
    tree_.Truncate(entries.front().index);
  }
  for (const auto& p : group) {
    p->done = true;
    p->status = st;
  }
  committing_ = false;
  committed_.notify_all();
}

Ledger::CommitStats Ledger::commit_stats() const {
  std::lock_guard lock(commit_mu_);
  return stats_;
}

store::TreeHead Ledger::Head() const {
  std::shared_lock lock(mu_);
  return head_;
}

uint64_t Ledger::size() const {
  std::shared_lock lock(mu_);
  return head_.size;
}

Result<std::vector<Hash>> Ledger::InclusionProof(uint64_t index, uint64_t tree_size) const {
  std::shared_lock lock(mu_);
  if (tree_size > head_.size) {
    return MakeError(
        ErrorCode::kNotFound,
        fmt::format("tree size {} is beyond the log's {} entries", tree_size, head_.size));
  }
  return tree_.InclusionProof(index, tree_size);
}

Result<std::vector<Hash>> Ledger::ConsistencyProof(uint64_t first, uint64_t second) const {
  std::shared_lock lock(mu_);
  if (second > head_.size) {
    return MakeError(
        ErrorCode::kNotFound,
        fmt::format("tree size {} is beyond the log's {} entries", second, head_.size));
  }
  return tree_.ConsistencyProof(first, second);
}

Result<Hash> Ledger::Root(uint64_t tree_size) const {
  std::shared_lock lock(mu_);
  if (tree_size > head_.size) {
    return MakeError(
        ErrorCode::kNotFound,
        fmt::format("tree size {} is beyond the log's {} entries", tree_size, head_.size));
  }
  return tree_.Root(tree_size);
}

Hash Ledger::Leaf(uint64_t index) const {
  std::shared_lock lock(mu_);
  return tree_.leaf(index);
}

Result<VerifiedLog> VerifyStore(store::Store& store, const std::string& key_file) {
  VerifiedLog out;
  auto stored_key = store.GetMeta(kPublicKeyMeta);
  if (!stored_key.ok()) return stored_key.error();
  if (!stored_key->has_value()) {
    return Altered(
        "the database records no log public key (never served, or its meta was removed)");
  }
  auto key = PublicKeyFromHex(**stored_key);
  if (!key.ok()) return Altered("the recorded log public key is malformed: " + key.error().message);
  out.key = *key;
  if (std::filesystem::exists(key_file)) {
    auto signing = SigningKey::Load(key_file);
    if (!signing.ok()) return signing.error();
    if (signing->public_key() != out.key) {
      return Altered(
          fmt::format("the database's log public key {} is not the key in {} ({}): "
                      "the key was replaced",
                      **stored_key, key_file, PublicKeyToHex(signing->public_key())));
    }
  }
  MerkleTree tree;
  std::optional<Error> failure;
  Status scanned =
      store.ScanEntries(0, [&](const store::LogEntry& e, const store::EntryIndex& stored) {
        const uint64_t expected = tree.size();
        if (e.index != expected) {
          failure = Altered(fmt::format(
              "entry {} was removed: the log jumps from entry {} to {}", expected,
              expected == 0 ? std::string("(start)") : std::to_string(expected - 1), e.index));
          return false;
        }
        const std::string what = fmt::format("entry {} ({})", e.index, DescribeEntry(e));
        if (LeafHash(e.data) != e.leaf_hash) {
          failure = Altered(what + " was altered: its data no longer hashes to its leaf hash");
          return false;
        }
        if (!VerifySignature(out.key, ReceiptMessage(e.index, e.leaf_hash), e.receipt)) {
          failure =
              Altered(what + " was altered: its receipt is not the log's signature of its leaf");
          return false;
        }
        auto derived = DeriveIndex(e);
        if (!derived.ok()) {
          failure = Altered(what + " was altered: " + derived.error().message);
          return false;
        }
        if (*derived != stored) {
          failure = Altered(what +
                            ": its query rows (reports, positions, claims, ...) were altered or "
                            "removed; they no longer match the entry");
          return false;
        }
        tree.Append(e.leaf_hash);
        return true;
      });
  if (!scanned.ok()) return scanned.error();
  if (failure) return *failure;
  out.entries = tree.size();
  auto orphan = store.FirstOrphanRow();
  if (!orphan.ok()) return orphan.error();
  if (orphan->has_value()) {
    return Altered(fmt::format("entry {} was removed: query rows still refer to it", **orphan));
  }
  auto heads = store.TreeHeads();
  if (!heads.ok()) return heads.error();
  if (heads->empty()) return Altered("the log has no signed tree head (they were removed)");
  for (const store::TreeHead& h : *heads) {
    if (!VerifySignature(out.key, TreeHeadMessage(h.size, h.root, h.timestamp), h.signature)) {
      return Altered(
          fmt::format("the signed tree head of size {} was altered: its signature "
                      "does not verify",
                      h.size));
    }
    if (h.size > tree.size()) {
      return Altered(
          fmt::format("entry {} was removed: a signed tree head covers {} entries but "
                      "only {} remain",
                      tree.size(), h.size, tree.size()));
    }
    if (*tree.Root(h.size) != h.root) {
      return Altered(
          fmt::format("an entry before {} was altered: the entries no longer give the "
                      "root the log signed for size {}",
                      h.size, h.size));
    }
  }
  if (heads->back().size != tree.size()) {
    return Altered(
        fmt::format("entries {} to {} are covered by no signed tree head: they were "
                    "not appended by the server",
                    heads->back().size, tree.size() - 1));
  }
  out.heads = heads->size();
  out.root = tree.Root();
  return out;
}

Status VerifyHeadsConsistent(const SignedHead& kept, const SignedHead& current,
                             const std::vector<Hash>& proof) {
  if (kept.key != current.key) {
    return MakeError(ErrorCode::kConflict,
                     fmt::format("the log now signs with key {}, not the kept head's key {}",
                                 PublicKeyToHex(current.key), PublicKeyToHex(kept.key)));
  }
  if (current.head.size < kept.head.size) {
    return MakeError(ErrorCode::kConflict,
                     fmt::format("the log shrank: it now has {} entries, the kept head {}",
                                 current.head.size, kept.head.size));
  }
  Status st = VerifyConsistency(kept.head.size, current.head.size, kept.head.root,
                                current.head.root, proof);
  if (!st.ok()) {
    return MakeError(ErrorCode::kConflict,
                     fmt::format("the log of {} entries does not extend the kept head of {}: {}",
                                 current.head.size, kept.head.size, st.error().message));
  }
  return Status::Ok();
}

}  // namespace truce::app
