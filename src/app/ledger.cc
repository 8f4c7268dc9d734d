#include "app/ledger.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <mutex>
#include <set>
#include <span>

#include <fmt/format.h>

#include "app/intake.h"
#include "app/tokens.h"
#include "formats/reports.h"

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

// Whether `j` holds a number JSON cannot write (NaN, an infinity: dump writes null for them).
bool HasNonFinite(const json& j) {
  switch (j.type()) {
    case json::value_t::number_float:
      return !std::isfinite(*j.get_ptr<const json::number_float_t*>());
    case json::value_t::object:
      for (const auto& [key, value] : *j.get_ptr<const json::object_t*>()) {
        if (HasNonFinite(value)) return true;
      }
      return false;
    case json::value_t::array:
      for (const json& value : *j.get_ptr<const json::array_t*>()) {
        if (HasNonFinite(value)) return true;
      }
      return false;
    default:
      return false;
  }
}

// The entry data object of `s` received at `received_at`, its body moved out of `s`.
json BuildEntryData(Submission& s, UtcTime received_at) {
  const KindSpec& kind = Spec(s.kind);
  json j = json::object();
  j["body"] = std::move(s.body);
  j["kind"] = kind.name;
  j["party"] = s.party;
  j["received_at"] = FormatTimestamp(received_at);
  j["submitter"] = s.submitter;
  if (!kind.revision_key.empty()) j[std::string(kind.revision_key)] = s.revision;
  if (!s.role.empty()) j["role"] = s.role;
  return j;
}

// The canonical bytes of entry data `j`, and whether they parse back to `j` itself (no string
// that is not UTF-8 had to be replaced, no number that JSON cannot write).
std::string DumpEntryData(const json& j, bool& faithful) {
  faithful = !HasNonFinite(j);
  if (faithful) {
    try {
      return j.dump(-1, ' ', false, json::error_handler_t::strict);
    } catch (const json::type_error&) {
      faithful = false;  // a string that is not UTF-8: written with replacement characters
    }
  }
  return Dump(j);
}

// The canonical bytes of the entry data of `s`, built by BuildEntryData into `data`. A report
// submitted as a Report (Submission::report) is written without a tree: its body's bytes by
// formats::AppendReportJson, the same bytes the tree's dump gives (tested), spliced in where
// the tree, whose body is null, has "body" first of its sorted keys; `data` keeps body null.
std::string EntryBytes(Submission& s, UtcTime received_at, json& data, bool& faithful) {
  data = BuildEntryData(s, received_at);
  if (!s.report) return DumpEntryData(data, faithful);
  std::string rest = DumpEntryData(data, faithful);
  constexpr std::string_view kNullBody = R"({"body":null)";
  if (!faithful || !rest.starts_with(kNullBody)) {
    // A member that JSON cannot hold as it is: the tree's way, body and all.
    data["body"] = formats::ReportToJson(*s.report);
    return DumpEntryData(data, faithful);
  }
  std::string out;
  out.reserve(rest.size() + 512);
  out.append(kNullBody.substr(0, kNullBody.size() - 4));
  formats::AppendReportJson(out, *s.report);
  out.append(std::string_view(rest).substr(kNullBody.size()));
  return out;
}

}  // namespace

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
  // Members read as text only when they are text: a number where a string belongs is refused
  // with the rest, not thrown.
  if (detail::StringField(doc, "format") != kHeadFormat) {
    return bad(fmt::format("format: expected \"{}\"", kHeadFormat));
  }
  const auto size = doc.find("tree_size");
  const auto ms = doc.find("timestamp_ms");
  if (size == doc.end() || !size->is_number_unsigned()) return bad("tree_size: expected a count");
  if (ms == doc.end() || !ms->is_number_integer()) return bad("timestamp_ms: expected an integer");
  const auto root = HashFromHex(detail::StringField(doc, "root_hash"));
  if (!root) return bad("root_hash: expected 64 hexadecimal digits");
  auto signature = BytesFromHex(detail::StringField(doc, "signature"));
  if (!signature.ok() || signature->size() != 64) {
    return bad("signature: expected 128 hexadecimal digits");
  }
  auto key = PublicKeyFromHex(detail::StringField(doc, "public_key"));
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
  Submission copy = s;
  json data;
  bool faithful = false;
  return EntryBytes(copy, received_at, data, faithful);
}

std::string DescribeEntry(const store::LogEntry& entry) {
  const KindSpec* kind = FindKind(entry.kind);
  const auto data = ParseData(entry.data);
  if (!kind || !data) return entry.kind;
  return kind->describe(*data);
}

ParsedEntry ParsedEntryOf(std::string_view kind, json data) {
  ParsedEntry out;
  out.data = std::move(data);
  if (kind == Spec(SubmissionKind::kReport).name && out.data.is_object()) {
    static const json kNull;
    const auto body = out.data.find("body");
    std::vector<Problem> problems;
    if (auto report = ReportFromBody(body == out.data.end() ? kNull : *body, "", problems)) {
      out.report = std::make_shared<const Report>(std::move(*report));
    }
  }
  return out;
}

Result<ParsedEntry> ParseEntry(const store::LogEntry& entry) {
  auto data = ParseData(entry.data);
  if (!data) return Altered(fmt::format("entry {}: its data is not a JSON object", entry.index));
  return ParsedEntryOf(entry.kind, std::move(*data));
}

Result<store::EntryIndex> DeriveIndex(const store::LogEntry& entry) {
  auto parsed = ParseEntry(entry);
  if (!parsed.ok()) return parsed.error();
  return DeriveIndex(entry, *parsed);
}

Result<store::EntryIndex> DeriveIndex(const store::LogEntry& entry, const ParsedEntry& parsed) {
  const std::string at = fmt::format("entry {}", entry.index);
  const json& data = parsed.data;
  if (!data.is_object()) return Altered(at + ": its data is not a JSON object");
  if (detail::StringField(data, "kind") != entry.kind ||
      detail::StringField(data, "party") != entry.party ||
      detail::StringField(data, "submitter") != entry.submitter ||
      detail::StringField(data, "received_at") != FormatTimestamp(entry.received_at)) {
    return Altered(at +
                   ": its kind, party, submitter or received_at columns disagree with its data");
  }
  const KindSpec* kind = FindKind(entry.kind);
  if (!kind) return Altered(fmt::format("{}: unknown kind '{}'", at, entry.kind));
  return kind->derive(entry, parsed);
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
    // SetMetaOnce refuses a second, different key: of two servers starting at once on a new
    // database with different keys, one fails here.
    if (Status st = store.SetMetaOnce(kPublicKeyMeta, key_hex); !st.ok()) {
      return st.error().code == ErrorCode::kConflict ? WrongKey(store, ledger->key_) : st.error();
    }
  } else if (**stored_key != key_hex) {
    return WrongKey(store, ledger->key_);
  }
  std::lock_guard append_lock(ledger->append_mu_);
  // Other servers may append while this one reads the log: catch up until the entries and the
  // latest head agree, or give up on entries no head covers.
  constexpr int kAttempts = 20;
  for (int attempt = 0;; ++attempt) {
    if (Status st = ledger->CatchUpLocked(); !st.ok()) return st.error();
    auto count = store.EntryCount();
    if (!count.ok()) return count.error();
    if (ledger->has_head_ && *count == ledger->tree_.size()) break;
    if (!ledger->has_head_ && *count == 0) {
      const store::TreeHead empty = ledger->SignHead(0, Sha256(""), ledger->clock_());
      Status st = store.AddEmptyHead(empty);
      if (st.ok()) {
        ledger->head_ = empty;
        ledger->has_head_ = true;
        break;
      }
      if (st.error().code != ErrorCode::kConflict) return st.error();
      continue;  // another server started at the same time and signed it, or appended
    }
    if (attempt == kAttempts) {
      if (!ledger->has_head_) {
        return MakeError(ErrorCode::kConflict, "the log has entries but no signed tree head");
      }
      return MakeError(ErrorCode::kConflict,
                       fmt::format("the latest signed tree head (size {}) does not cover the {} "
                                   "log entries; run `truce verify --db`",
                                   ledger->head_.size, *count));
    }
  }
  return ledger;
}

Error Ledger::WrongKey(store::Store& store, const SigningKey& key) {
  const std::string key_hex = PublicKeyToHex(key.public_key());
  auto stored = store.GetMeta(kPublicKeyMeta);
  const std::string recorded = stored.ok() && stored->has_value() ? **stored : "unknown";
  // The key file's key signed the log's latest head: it is the database's record of the public
  // key that was replaced, not the key file.
  auto latest = store.LatestTreeHead();
  if (latest.ok() && latest->has_value() &&
      VerifySignature(key.public_key(),
                      TreeHeadMessage((*latest)->size, (*latest)->root, (*latest)->timestamp),
                      (*latest)->signature)) {
    return MakeError(ErrorCode::kConflict,
                     fmt::format("the database records log public key {}, but the log is signed "
                                 "with the key file's key (public key {}): the recorded public "
                                 "key was replaced; run `truce verify --db`",
                                 recorded, key_hex));
  }
  return MakeError(ErrorCode::kConflict,
                   fmt::format("the signing key (public key {}) is not the one this database's "
                               "log was signed with (public key {}); restore the original key "
                               "file",
                               key_hex, recorded));
}

Status Ledger::CatchUp() {
  std::lock_guard append_lock(append_mu_);
  return CatchUpLocked();
}

Status Ledger::CatchUpLocked() {
  {
    // Prepared entries not yet durable: this server holds the store's append lock (Prepare's
    // REQUIRES), so no one else appended; what the store shows past head_ is this Ledger's own
    // transaction in flight.
    std::lock_guard lock(commit_mu_);
    if (!queue_.empty() || committing_) return Status::Ok();
  }
  auto latest = store_.LatestTreeHead();
  if (!latest.ok()) return latest.error();
  if (!latest->has_value()) return Status::Ok();  // a new log: Open signs its empty head
  const store::TreeHead& head = **latest;
  const uint64_t start = tree_.size();
  if (has_head_ && head.size == head_.size && head.root == head_.root) return Status::Ok();
  if (head.size < start) {
    return MakeError(ErrorCode::kConflict,
                     fmt::format("the log's latest signed tree head covers {} entries, but this "
                                 "server has seen {}: entries or heads were removed; run `truce "
                                 "verify --db`",
                                 head.size, start));
  }
  // Read up to the head only: entries past it belong to a commit whose head comes with them.
  // The new leaves stay invisible to readers (they see up to head_.size) until checked.
  std::vector<Hash> leaves;
  UtcTime last_received = last_received_;
  std::optional<Error> failure;
  Status scanned =
      store_.ScanEntries(start, [&](const store::LogEntry& e, const store::EntryIndex&) {
        if (e.index >= head.size) return false;
        if (e.index != start + leaves.size() || LeafHash(e.data) != e.leaf_hash) {
          failure = MakeError(ErrorCode::kConflict,
                              fmt::format("log entry {} is missing or altered; run `truce verify "
                                          "--db` to see what changed",
                                          start + leaves.size()));
          return false;
        }
        leaves.push_back(e.leaf_hash);
        last_received = std::max(last_received, e.received_at);
        return true;
      });
  if (!scanned.ok()) return scanned.error();
  if (failure) return *failure;
  if (start + leaves.size() != head.size) {
    return MakeError(ErrorCode::kConflict,
                     fmt::format("log entry {} is missing or altered; run `truce verify --db` to "
                                 "see what changed",
                                 start + leaves.size()));
  }
  std::unique_lock lock(mu_);
  for (const Hash& leaf : leaves) tree_.Append(leaf);
  const bool signed_by_us = VerifySignature(
      key_.public_key(), TreeHeadMessage(head.size, head.root, head.timestamp), head.signature);
  if (tree_.Root() != head.root || !signed_by_us) {
    tree_.Truncate(start);
    return MakeError(
        ErrorCode::kConflict,
        fmt::format("the latest signed tree head (size {}) does not match the log "
                    "entries{}; run `truce verify --db`",
                    head.size, signed_by_us ? "" : " or was not signed with this key"));
  }
  head_ = head;
  has_head_ = true;
  last_received_ = last_received;
  return Status::Ok();
}

store::TreeHead Ledger::SignHead(uint64_t size, const Hash& root, UtcTime at) const {
  return store::TreeHead{size, root, at, key_.Sign(TreeHeadMessage(size, root, at))};
}

// One Prepare's entries waiting for the store.
struct Ledger::Pending {
  std::vector<store::LogEntry> entries;
  std::vector<store::EntryIndex> index;
  std::vector<ParsedEntry> parsed;
  bool done = false;
  Status status;
};

const std::vector<store::LogEntry>& Ledger::Prepared::entries() const {
  static const std::vector<store::LogEntry> kNone;
  return ticket ? ticket->entries : kNone;
}

std::vector<ParsedEntry>& Ledger::Prepared::parsed() const {
  static std::vector<ParsedEntry> none;
  return ticket ? ticket->parsed : none;
}

std::vector<store::LogEntry> Ledger::TakeEntries(Prepared& prepared) {
  return prepared.ticket ? std::move(prepared.ticket->entries) : std::vector<store::LogEntry>();
}

UtcTime Ledger::NextCommitTime() const {
  // received_at grows by at least a millisecond from commit to commit, so that "as of T" is a
  // prefix of the log and a commit is known by its time: VerifyStore finds a removed tree head
  // by a change of time that no head marks.
  return std::max(
      clock_(), tree_.size() == 0 ? last_received_ : last_received_ + std::chrono::milliseconds(1));
}

Status Ledger::BuildEntries(std::vector<Submission>& subs, uint64_t start, UtcTime now,
                            std::vector<store::LogEntry>& entries,
                            std::vector<store::EntryIndex>& index,
                            std::vector<ParsedEntry>* parsed) const {
  entries.reserve(subs.size());
  index.reserve(subs.size());
  if (parsed) parsed->reserve(subs.size());
  for (size_t i = 0; i < subs.size(); ++i) {
    store::LogEntry e;
    e.index = start + i;
    e.kind = std::string(Spec(subs[i].kind).name);
    e.received_at = now;
    // The data as built is what the entry's bytes parse to (unless a string had to be
    // replaced or a number cannot be written: then it is parsed from the bytes), so the query
    // rows, the views and the alerts read it without parsing: DeriveIndex gives the rows
    // `truce verify` recomputes from the bytes.
    json data;
    bool faithful = false;
    e.data = EntryBytes(subs[i], now, data, faithful);
    if (!faithful) data = ParseData(e.data).value_or(json());
    e.submitter = std::move(subs[i].submitter);
    e.party = std::move(subs[i].party);
    e.leaf_hash = LeafHash(e.data);
    // A report written from its Report is held as that Report: its bytes read back to the
    // same report (ReportFromBody(ReportToJson(r)) has r's content, tested on hostile fields),
    // so reading them again would only cost.
    const auto body = data.find("body");
    ParsedEntry read = faithful && subs[i].report && body != data.end() && body->is_null()
                           ? ParsedEntry{std::move(data), std::move(subs[i].report)}
                           : ParsedEntryOf(e.kind, std::move(data));
    auto rows = DeriveIndex(e, read);
    if (!rows.ok()) {
      return MakeError(ErrorCode::kInternal, "submission does not index: " + rows.error().message);
    }
    entries.push_back(std::move(e));
    index.push_back(std::move(rows).value());
    if (parsed) parsed->push_back(std::move(read));
  }
  SignReceipts(std::span<store::LogEntry>(entries).last(subs.size()));
  return Status::Ok();
}

void Ledger::SignReceipts(std::span<store::LogEntry> batch) const {
  if (batch.empty()) return;
  if (batch.size() == 1) {
    store::LogEntry& e = batch.front();
    e.receipt = key_.Sign(ReceiptMessage(e.index, e.leaf_hash));
    return;
  }
  // Entries submitted together share one signature over their batch: one signature for a
  // thousand reports instead of a thousand (docs/performance.md "Batch receipts").
  std::vector<Hash> leaves;
  leaves.reserve(batch.size());
  for (const store::LogEntry& e : batch) leaves.push_back(e.leaf_hash);
  const uint64_t first = batch.front().index;
  const std::string receipt = EncodeStoredReceipt(
      StoredReceipt{key_.Sign(BatchReceiptMessage(first, batch.size(), MerkleRoot(leaves))),
                    std::make_pair(first, uint64_t{batch.size()})});
  for (store::LogEntry& e : batch) e.receipt = receipt;
}

Result<std::vector<store::LogEntry>> Ledger::Append(std::vector<Submission> subs) {
  if (subs.empty()) return std::vector<store::LogEntry>();  // nothing to commit, no new head
  std::lock_guard append_lock(append_mu_);
  {
    // No new Prepare while append_mu_ is held: wait for the queued ones to be written.
    std::unique_lock lock(commit_mu_);
    while (!queue_.empty() || committing_) {
      if (!committing_) {
        CommitQueued(lock);
        continue;
      }
      committed_.wait(lock);
    }
    if (failed_) return *failed_;
  }
  UtcTime now;
  uint64_t start = 0;
  {
    std::shared_lock lock(mu_);
    start = tree_.size();
    now = NextCommitTime();
  }
  std::vector<store::LogEntry> entries;
  std::vector<store::EntryIndex> index;
  if (Status st = BuildEntries(subs, start, now, entries, index, nullptr); !st.ok()) {
    return st.error();
  }
  store::TreeHead head;
  {
    std::unique_lock lock(mu_);
    for (const store::LogEntry& e : entries) tree_.Append(e.leaf_hash);
    head = SignHead(tree_.size(), tree_.Root(), now);
  }
  // Readers only see sizes up to head_.size, so the leaves appended above stay invisible until
  // the commit succeeds.
  if (Status st = store_.Append(entries, index, head); !st.ok()) {
    {
      std::unique_lock lock(mu_);
      tree_.Truncate(start);
    }
    if (st.error().code != ErrorCode::kConflict) return st.error();
    // Another server appended first (or this commit's outcome was lost with its connection):
    // follow the log as it is now, so that the next append starts from there.
    if (Status caught = CatchUpLocked(); !caught.ok()) return caught.error();
    if (tree_.size() == start) return st.error();  // a conflict in the rows, not the log
    return MakeError(ErrorCode::kConflict,
                     fmt::format("the log grew to {} entries while this submission was being "
                                 "appended at {} (another server appended); nothing of it was "
                                 "stored: submit it again",
                                 tree_.size(), start));
  }
  {
    std::unique_lock lock(mu_);
    head_ = head;
    last_received_ = now;
  }
  std::lock_guard lock(commit_mu_);
  ++stats_.transactions;
  ++stats_.submissions;
  stats_.entries += entries.size();
  return entries;
}

Result<Ledger::Prepared> Ledger::Prepare(std::vector<Submission> subs) {
  if (subs.empty()) return Prepared{};  // nothing to commit, no new head
  std::lock_guard append_lock(append_mu_);
  // commit_mu_ is held from choosing the time to queueing, so that the entries join the
  // transaction whose time they carry: a leader takes the queue only between two Prepares.
  std::lock_guard lock(commit_mu_);
  if (failed_) return *failed_;
  UtcTime now;
  uint64_t start = 0;
  {
    std::shared_lock tree_lock(mu_);
    start = tree_.size();
    // Joining the queued transaction: its time; else a new transaction's.
    now = queue_.empty() ? NextCommitTime() : queue_.front()->entries.front().received_at;
  }
  auto pending = std::make_shared<Pending>();
  if (Status st =
          BuildEntries(subs, start, now, pending->entries, pending->index, &pending->parsed);
      !st.ok()) {
    return st.error();
  }
  {
    // The leaves stay invisible to readers (they see up to head_.size) until durable.
    std::unique_lock tree_lock(mu_);
    for (const store::LogEntry& e : pending->entries) tree_.Append(e.leaf_hash);
    last_received_ = now;
  }
  queue_.push_back(pending);
  return Prepared{std::move(pending)};
}

Status Ledger::Commit(const Prepared& prepared) {
  if (!prepared.ticket) return Status::Ok();
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

bool Ledger::Idle() const {
  std::lock_guard lock(commit_mu_);
  return queue_.empty() && !committing_;
}

void Ledger::CommitQueued(std::unique_lock<std::mutex>& lock) {
  std::vector<std::shared_ptr<Pending>> group(queue_.begin(), queue_.end());
  queue_.clear();
  if (group.empty()) return;
  committing_ = true;
  lock.unlock();
  // One Prepare alone (a batch) is written from its own vectors; several are joined.
  std::vector<store::LogEntry> joined_entries;
  std::vector<store::EntryIndex> joined_index;
  std::span<const store::LogEntry> entries = group.front()->entries;
  std::span<const store::EntryIndex> index = group.front()->index;
  if (group.size() > 1) {
    for (const auto& p : group) {
      joined_entries.insert(joined_entries.end(), p->entries.begin(), p->entries.end());
      joined_index.insert(joined_index.end(), p->index.begin(), p->index.end());
    }
    entries = joined_entries;
    index = joined_index;
  }
  const uint64_t first = entries.front().index;
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
    stats_.submissions += group.size();
    stats_.entries += entries.size();
  } else {
    // Everything prepared from here on was built on the entries that failed.
    failed_ = MakeError(ErrorCode::kInternal,
                        fmt::format("the log store failed a commit ({}); the log is intact up to "
                                    "entry {}, and this server accepts no more submissions: "
                                    "restart it",
                                    st.error().message, first));
    group.insert(group.end(), queue_.begin(), queue_.end());
    queue_.clear();
    std::unique_lock tree_lock(mu_);
    tree_.Truncate(first);
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

Result<SigningKey> LoadLogKey(store::Store& store, const std::string& key_file) {
  auto loaded = SigningKey::Load(key_file);
  if (loaded.ok() || loaded.error().code != ErrorCode::kNotFound) return loaded;
  auto recorded = store.GetMeta(kPublicKeyMeta);
  if (!recorded.ok()) return recorded.error();
  if (recorded->has_value()) {
    return MakeError(ErrorCode::kNotFound,
                     fmt::format("{}: no signing key file, and this database's log is signed with "
                                 "public key {}: give its key file (--key); a new key cannot "
                                 "continue the log",
                                 key_file, **recorded));
  }
  // A new key only for a new log: one with entries or signed heads but no recorded key lost
  // its record, and a new key would not continue it either.
  auto entries = store.EntryCount();
  if (!entries.ok()) return entries.error();
  auto head = store.LatestTreeHead();
  if (!head.ok()) return head.error();
  if (*entries > 0 || head->has_value()) {
    return MakeError(ErrorCode::kNotFound,
                     fmt::format("{}: no signing key file, and this database already holds a log "
                                 "({} entries) though it records no public key: give its key "
                                 "file (--key); a new key cannot continue the log",
                                 key_file, *entries));
  }
  return SigningKey::LoadOrCreate(key_file);
}

Result<std::optional<PublicKey>> RecordedLogKey(store::Store& store) {
  auto stored = store.GetMeta(kPublicKeyMeta);
  if (!stored.ok()) return stored.error();
  if (!stored->has_value()) return std::optional<PublicKey>();
  auto key = PublicKeyFromHex(**stored);
  if (!key.ok()) return Altered("the recorded log public key is malformed: " + key.error().message);
  return std::optional<PublicKey>(*key);
}

Status CheckLogKey(store::Store& store, const SigningKey& key) {
  auto recorded = RecordedLogKey(store);
  if (!recorded.ok()) return recorded.error();
  if (recorded->has_value() && **recorded != key.public_key()) return Ledger::WrongKey(store, key);
  return Status::Ok();
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
  auto heads = store.TreeHeads();
  if (!heads.ok()) return heads.error();
  auto signs = [&](const store::TreeHead& h) {
    return VerifySignature(out.key, TreeHeadMessage(h.size, h.root, h.timestamp), h.signature);
  };
  // Neither the first nor the latest head verifies: it is the recorded key that changed, not
  // every signature of the log.
  if (!heads->empty() && !signs(heads->front()) && !signs(heads->back())) {
    return Altered(fmt::format(
        "the database's log public key {} verifies neither the first nor the latest signed tree "
        "head: the recorded public key was replaced (or every head re-signed)",
        **stored_key));
  }
  MerkleTree tree;
  ReceiptChecker receipts(out.key);
  std::vector<UtcTime> received;
  std::vector<std::pair<std::string, uint64_t>> revocations;  // token id, revoking entry
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
        if (auto bad = receipts.Check(e, what)) {
          failure = std::move(bad);
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
        if (e.kind == Spec(SubmissionKind::kTokenRevocation).name) {
          // Well formed: DeriveIndex checked it.
          const auto data = ParseData(e.data);
          revocations.emplace_back(
              detail::StringField(data->value("body", nlohmann::json()), "token"), e.index);
        }
        tree.Append(e.leaf_hash);
        received.push_back(e.received_at);
        return true;
      });
  if (!scanned.ok()) return scanned.error();
  if (failure) return *failure;
  if (auto cut = receipts.Finish()) return *cut;
  out.entries = tree.size();
  auto orphan = store.FirstOrphanRow();
  if (!orphan.ok()) return orphan.error();
  if (orphan->has_value()) {
    return Altered(fmt::format("entry {} was removed: query rows still refer to it", **orphan));
  }
  if (heads->empty()) return Altered("the log has no signed tree head (they were removed)");
  if (heads->front().size != 0) {
    return Altered(
        fmt::format("the signed tree head of the empty log (size 0) was removed: the "
                    "first head left is of size {}",
                    heads->front().size));
  }
  std::set<uint64_t> head_sizes;
  for (const store::TreeHead& h : *heads) head_sizes.insert(h.size);
  // Every commit signs a head at its end and gives its entries one time, later than the
  // previous commit's: a change of time between two entries is the end of a commit, whose head
  // must be there.
  for (uint64_t i = 1; i < received.size(); ++i) {
    if (received[i] != received[i - 1] && !head_sizes.count(i)) {
      return Altered(fmt::format(
          "the signed tree head of size {} was removed: entries {} and {} were committed "
          "apart (received at {} and {}), and every commit signs a head",
          i, i - 1, i, FormatTimestamp(received[i - 1]), FormatTimestamp(received[i])));
    }
  }
  for (const store::TreeHead& h : *heads) {
    if (!signs(h)) {
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
  auto tokens = store.ListTokens();
  if (!tokens.ok()) return tokens.error();
  for (const store::TokenRecord& t : *tokens) {
    if (!TokenSigned(t, out.key)) {
      return Altered(fmt::format(
          "token {} (role {}{}): its row does not carry the log's signature: its role, party, "
          "hash or creation time was changed in the database (or it was made before tokens "
          "were signed); servers refuse it",
          t.id, t.role, t.party.empty() ? "" : ", party " + t.party));
    }
  }
  // A revocation in the log holds whatever the rows say (App::Authenticate), but a row that
  // no longer shows it was edited: name it.
  for (const auto& revocation : revocations) {
    // Named, not a structured binding: clang 14 (the fuzz build) cannot capture those.
    const auto& id = revocation.first;
    const auto& entry = revocation.second;
    const auto row = std::find_if(tokens->begin(), tokens->end(),
                                  [&](const store::TokenRecord& t) { return t.id == id; });
    if (row == tokens->end()) {
      return Altered(
          fmt::format("token {}, revoked by entry {}, has no row: it was deleted from the database",
                      id, entry));
    }
    if (!row->revoked_at) {
      return Altered(fmt::format(
          "token {} (role {}) was revoked by entry {} but its row is no longer revoked: "
          "revoked_at was cleared in the database (servers still refuse it)",
          id, row->role, entry));
    }
  }
  out.heads = heads->size();
  out.tokens = tokens->size();
  out.revocations = revocations.size();
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
