#include "app/receipts.h"

#include <fmt/format.h>

#include "app/submission.h"
#include "truce/time.h"

namespace truce::app {
namespace {

using nlohmann::json;

// The first byte of a stored v2 receipt; a v1 receipt is the bare 64-byte signature.
constexpr char kBatchReceiptTag = '\x02';
constexpr size_t kSignatureBytes = 64;
constexpr size_t kBatchReceiptBytes = 1 + 8 + 8 + kSignatureBytes;

Error Altered(std::string message) {
  return MakeError(ErrorCode::kInvalidInput, std::move(message));
}

}  // namespace

std::string ReceiptMessage(uint64_t index, const Hash& leaf_hash) {
  return fmt::format("{}\n{}\n{}\n", kReceiptFormat, index, HashToHex(leaf_hash));
}

std::string BatchReceiptMessage(uint64_t first, uint64_t count, const Hash& root) {
  return fmt::format("{}\n{}\n{}\n{}\n", kBatchReceiptFormat, first, count, HashToHex(root));
}

std::string EncodeStoredReceipt(const StoredReceipt& receipt) {
  if (!receipt.batch) return receipt.signature;
  std::string out(1, kBatchReceiptTag);
  for (const uint64_t n : {receipt.batch->first, receipt.batch->second}) {
    for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>(n >> shift));
  }
  return out + receipt.signature;
}

Result<StoredReceipt> DecodeStoredReceipt(std::string_view bytes) {
  if (bytes.size() == kSignatureBytes) return StoredReceipt{std::string(bytes), std::nullopt};
  if (bytes.size() != kBatchReceiptBytes || bytes[0] != kBatchReceiptTag) {
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("its receipt is {} bytes, neither a signature ({} bytes) nor a "
                                 "batch receipt (0x02, first, count, signature: {} bytes)",
                                 bytes.size(), kSignatureBytes, kBatchReceiptBytes));
  }
  auto number = [&](size_t at) {
    uint64_t n = 0;
    for (size_t i = 0; i < 8; ++i) n = (n << 8) | static_cast<uint8_t>(bytes[at + i]);
    return n;
  };
  return StoredReceipt{std::string(bytes.substr(17)), std::make_pair(number(1), number(9))};
}

std::vector<Receipt> ReceiptsOf(std::span<const store::LogEntry> entries) {
  std::vector<Receipt> out;
  out.reserve(entries.size());
  for (size_t i = 0; i < entries.size();) {
    const store::LogEntry& e = entries[i];
    auto stored = DecodeStoredReceipt(e.receipt);
    if (!stored.ok() || !stored->batch) {
      out.push_back(Receipt{e.index, e.leaf_hash, stored.ok() ? stored->signature : e.receipt,
                            e.received_at, std::nullopt});
      ++i;
      continue;
    }
    const auto [first, count] = *stored->batch;
    // The batch's entries as they lie here, from `e` on: all of it, or only its first, known
    // by index.
    const size_t offset = e.index - first;
    size_t end = i;
    while (end < entries.size() && end - i + offset < count &&
           entries[end].index == e.index + (end - i) && entries[end].receipt == e.receipt) {
      ++end;
    }
    if (count == 0 || offset != 0 || end - i != count) {
      out.push_back(Receipt{e.index, e.leaf_hash, stored->signature, e.received_at,
                            ReceiptBatch{first, count, Hash{}, {}}});
      ++i;
      continue;
    }
    std::vector<Hash> leaves;
    leaves.reserve(count);
    for (size_t k = i; k < end; ++k) leaves.push_back(entries[k].leaf_hash);
    MerklePaths batch = AllInclusionProofs(leaves);
    for (size_t k = i; k < end; ++k) {
      out.push_back(Receipt{entries[k].index, entries[k].leaf_hash, stored->signature,
                            entries[k].received_at,
                            ReceiptBatch{first, count, batch.root, std::move(batch.paths[k - i])}});
    }
    i = end;
  }
  return out;
}

Receipt ReceiptOf(const store::LogEntry& entry) {
  return ReceiptsOf(std::span<const store::LogEntry>(&entry, 1)).front();
}

Status VerifyReceipt(const PublicKey& key, const Receipt& receipt) {
  auto fail = [&](std::string why) {
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("the receipt of entry {}: {}", receipt.index, std::move(why)));
  };
  if (!receipt.batch) {
    if (!VerifySignature(key, ReceiptMessage(receipt.index, receipt.leaf_hash),
                         receipt.signature)) {
      return fail(fmt::format("its signature is not key {}'s over its index and leaf hash",
                              PublicKeyToHex(key)));
    }
    return Status::Ok();
  }
  const ReceiptBatch& b = *receipt.batch;
  if (b.count == 0) return fail("the batch it names holds no entries");
  // The batch named by its first entry and count: first + count - 1 may not be a number.
  if (receipt.index < b.first || receipt.index - b.first >= b.count) {
    return fail(fmt::format("it is not in the batch it names (the {} entries from entry {})",
                            b.count, b.first));
  }
  if (Status in =
          VerifyInclusion(receipt.index - b.first, b.count, receipt.leaf_hash, b.proof, b.root);
      !in.ok()) {
    return fail(fmt::format(
        "its path does not lead from its leaf (number {} of the batch's {}, counting from 0) to "
        "the batch's root: {}",
        receipt.index - b.first, b.count, in.error().message));
  }
  if (!VerifySignature(key, BatchReceiptMessage(b.first, b.count, b.root), receipt.signature)) {
    return fail(
        fmt::format("its signature is not key {}'s over the batch of {} entries from entry {}",
                    PublicKeyToHex(key), b.count, b.first));
  }
  return Status::Ok();
}

json ReceiptToJson(const Receipt& r) {
  json out = {{"log_index", r.index},
              {"leaf_hash", HashToHex(r.leaf_hash)},
              {"receipt", BytesToHex(r.signature)},
              {"received_at", FormatTimestamp(r.received_at)},
              {"receipt_format", r.batch ? kBatchReceiptFormat : kReceiptFormat}};
  if (r.batch) {
    json proof = json::array();
    for (const Hash& h : r.batch->proof) proof.push_back(HashToHex(h));
    out["batch"] = {{"first", r.batch->first},
                    {"count", r.batch->count},
                    {"root_hash", HashToHex(r.batch->root)},
                    {"proof", std::move(proof)}};
  }
  return out;
}

Result<Receipt> ReceiptFromJson(const json& doc) {
  auto bad = [](std::string what) {
    return MakeError(ErrorCode::kInvalidInput, "receipt: " + std::move(what));
  };
  if (!doc.is_object()) return bad("expected a JSON object");
  // `in`'s member `name`, named `prefix` + `name` in errors.
  auto count = [&](const json& in, std::string_view prefix, const char* name) -> Result<uint64_t> {
    const auto it = in.find(name);
    if (it == in.end() || !it->is_number_unsigned()) {
      return bad(fmt::format("{}{}: expected a count", prefix, name));
    }
    return it->get<uint64_t>();
  };
  auto hash = [&](const json& in, std::string_view prefix, const char* name) -> Result<Hash> {
    const auto it = in.find(name);
    const auto h =
        it != in.end() && it->is_string() ? HashFromHex(it->get<std::string>()) : std::nullopt;
    if (!h) return bad(fmt::format("{}{}: expected 64 hexadecimal digits", prefix, name));
    return *h;
  };
  Receipt r;
  auto index = count(doc, "", "log_index");
  if (!index.ok()) return index.error();
  r.index = *index;
  auto leaf = hash(doc, "", "leaf_hash");
  if (!leaf.ok()) return leaf.error();
  r.leaf_hash = *leaf;
  auto signature = BytesFromHex(detail::StringField(doc, "receipt"));
  if (!signature.ok() || signature->size() != kSignatureBytes) {
    return bad("receipt: expected 128 hexadecimal digits (the Ed25519 signature)");
  }
  r.signature = std::move(signature).value();
  std::string format(kReceiptFormat);
  if (const auto f = doc.find("receipt_format"); f != doc.end()) {
    if (!f->is_string()) return bad("receipt_format: expected a string");
    format = f->get<std::string>();
  }
  if (const auto at = doc.find("received_at"); at != doc.end() && at->is_string()) {
    auto t = ParseTimestamp(at->get<std::string>());
    if (!t.ok()) return bad("received_at: " + t.error().message);
    r.received_at = *t;
  }
  if (format == kReceiptFormat) return r;
  if (format != kBatchReceiptFormat) {
    return bad(fmt::format("receipt_format: expected \"{}\" or \"{}\", got \"{}\"", kReceiptFormat,
                           kBatchReceiptFormat, format));
  }
  const auto batch = doc.find("batch");
  if (batch == doc.end() || !batch->is_object()) {
    return bad(fmt::format("batch: expected an object ({} receipts name their batch)",
                           kBatchReceiptFormat));
  }
  ReceiptBatch b;
  auto first = count(*batch, "batch.", "first");
  if (!first.ok()) return first.error();
  auto n = count(*batch, "batch.", "count");
  if (!n.ok()) return n.error();
  auto root = hash(*batch, "batch.", "root_hash");
  if (!root.ok()) return root.error();
  b.first = *first;
  b.count = *n;
  b.root = *root;
  const auto proof = batch->find("proof");
  if (proof == batch->end() || !proof->is_array()) {
    return bad("batch.proof: expected an array of hashes");
  }
  for (size_t i = 0; i < proof->size(); ++i) {
    const auto h =
        (*proof)[i].is_string() ? HashFromHex((*proof)[i].get<std::string>()) : std::nullopt;
    if (!h) return bad(fmt::format("batch.proof[{}]: expected 64 hexadecimal digits", i));
    b.proof.push_back(*h);
  }
  r.batch = std::move(b);
  return r;
}

std::string DisclosureDigest(const json& items) { return HashToHex(Sha256(items.dump())); }

Status CheckCarriedEntry(const Receipt& receipt, std::string_view entry) {
  if (LeafHash(entry) == receipt.leaf_hash) return Status::Ok();
  return MakeError(ErrorCode::kInvalidInput,
                   fmt::format("the receipt of entry {}: the entry it carries does not hash to "
                               "its leaf hash {}: it is not the entry the log holds",
                               receipt.index, HashToHex(receipt.leaf_hash)));
}

Status CheckDisclosedItems(std::string_view entry, const json& items) {
  const json data = json::parse(entry, nullptr, /*allow_exceptions=*/false);
  const json body = data.is_object() && data.value("kind", json()) == "disclosure"
                        ? data.value("body", json())
                        : json();
  const json digest = body.is_object() ? body.value("digest", json()) : json();
  if (!digest.is_string()) {
    return MakeError(ErrorCode::kInvalidInput,
                     "the entry carried is not a disclosure with a digest of the items served");
  }
  const std::string recorded = digest.get<std::string>();
  const std::string served = DisclosureDigest(items);
  if (served == recorded) return Status::Ok();
  return MakeError(ErrorCode::kInvalidInput,
                   fmt::format("the {} items served (digest {}) are not the items the log "
                               "recorded serving (digest {})",
                               items.size(), served, recorded));
}

std::optional<Error> ReceiptChecker::Check(const store::LogEntry& e, const std::string& what) {
  auto stored = DecodeStoredReceipt(e.receipt);
  if (!stored.ok()) return Altered(what + " was altered: " + stored.error().message);
  if (open_ && e.receipt != open_->receipt) {
    // Either this entry's receipt or the batch's count was altered: name both.
    return Altered(fmt::format(
        "{} or entry {} was altered: entry {}'s receipt names a batch of {} entries submitted "
        "together, and {} lies within it but does not carry the batch's receipt",
        what, open_->first, open_->first, open_->count, what));
  }
  if (!stored->batch) {
    if (!VerifySignature(key_, ReceiptMessage(e.index, e.leaf_hash), stored->signature)) {
      return Altered(what + " was altered: its receipt is not the log's signature of its leaf");
    }
    return std::nullopt;
  }
  if (!open_) {
    const auto [first, count] = *stored->batch;
    if (first != e.index || count < 2) {
      return Altered(fmt::format(
          "{} was altered: its receipt names a batch of {} entries from entry {}, but a batch "
          "begins at the entry that carries it first and holds at least two",
          what, count, first));
    }
    open_ = Open{first, count, e.receipt, std::move(stored->signature), {}};
  }
  open_->leaves.push_back(e.leaf_hash);
  if (open_->leaves.size() < open_->count) return std::nullopt;
  const bool signs = VerifySignature(
      key_, BatchReceiptMessage(open_->first, open_->count, MerkleRoot(open_->leaves)),
      open_->signature);
  const Open done = std::move(*open_);
  open_.reset();
  if (signs) return std::nullopt;
  return Altered(fmt::format(
      "an entry of the batch of entries {} to {} (submitted together) was altered: their "
      "leaves are not what the log's batch receipt signed",
      done.first, done.first + done.count - 1));
}

std::optional<Error> ReceiptChecker::Finish() const {
  if (!open_) return std::nullopt;
  return Altered(fmt::format(
      "entry {} was removed, or entry {}'s receipt altered: it names a batch of {} entries "
      "submitted together, and the log ends after {} of them",
      open_->first + open_->leaves.size(), open_->first, open_->count, open_->leaves.size()));
}

}  // namespace truce::app
