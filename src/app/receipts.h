// Receipts: what the log gives the submitter of each entry, signed with the log's key.
//
// Formats (docs/server.md "The transparency log"):
//   truce-receipt-v1  one entry submitted alone:
//                     Ed25519 over "truce-receipt-v1\n<index>\n<leaf hash hex>\n"
//   truce-receipt-v2  several entries submitted together (a batch: one signature for all):
//                     Ed25519 over "truce-receipt-v2\n<first index>\n<count>\n<root hex>\n",
//                     the root being the Merkle root of the batch's leaves alone, and each
//                     entry's receipt carrying the RFC 9162 path from its leaf to that root
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/signing.h"
#include "store/store.h"
#include "truce/merkle_log.h"

namespace truce::app {

// The receipt formats, as the API names them ("receipt_format").
inline constexpr std::string_view kReceiptFormat = "truce-receipt-v1";
inline constexpr std::string_view kBatchReceiptFormat = "truce-receipt-v2";

std::string ReceiptMessage(uint64_t index, const Hash& leaf_hash);
// What one signature covers for the `count` entries from `first` submitted together: `root` is
// MerkleRoot of their leaf hashes in log order.
std::string BatchReceiptMessage(uint64_t first, uint64_t count, const Hash& root);

// The batch a truce-receipt-v2 signature covers: the entries first .. first + count - 1.
struct ReceiptBatch {
  uint64_t first = 0;
  uint64_t count = 0;
  Hash root{};              // MerkleRoot of the batch's leaf hashes
  std::vector<Hash> proof;  // RFC 9162 PATH(index - first, the batch's leaves)
  bool operator==(const ReceiptBatch&) const = default;
};

// What the submitter of one entry gets back: the log's signature of its leaf (v1), or of the
// batch it came in with the path from its leaf to the batch's root (v2).
struct Receipt {
  uint64_t index = 0;
  Hash leaf_hash{};
  std::string signature;  // 64 bytes of Ed25519
  UtcTime received_at{};
  std::optional<ReceiptBatch> batch;  // v2 only
  bool operator==(const Receipt&) const = default;
};

// A log entry's receipt column: the 64-byte signature of a v1 receipt, or for a v2 receipt
// 0x02, the batch's first index and count (8 bytes each, big-endian) and the 64-byte signature
// of the batch (the same bytes in every entry of the batch).
struct StoredReceipt {
  std::string signature;
  std::optional<std::pair<uint64_t, uint64_t>> batch;  // first, count
};
std::string EncodeStoredReceipt(const StoredReceipt& receipt);
// kInvalidInput saying what the bytes are not.
[[nodiscard]] Result<StoredReceipt> DecodeStoredReceipt(std::string_view bytes);

// The receipts of `entries`, the entries of one append in log order (as Ledger::Append and
// Commit give them): a batch's paths are computed from its leaves there. A v2 entry whose batch
// is not all in `entries` gets its receipt without the batch's root and path (root zero).
std::vector<Receipt> ReceiptsOf(std::span<const store::LogEntry> entries);
// The receipt of an entry submitted alone (or whose batch's path is not wanted).
Receipt ReceiptOf(const store::LogEntry& entry);

// Whether `receipt` is `key`'s: its signature over its leaf (v1), or over its batch with the
// path from its leaf to the batch root (v2). The error says which part does not hold.
[[nodiscard]] Status VerifyReceipt(const PublicKey& key, const Receipt& receipt);
// {"log_index","leaf_hash","receipt","received_at","receipt_format"} and, for v2,
// "batch":{"first","count","root_hash","proof":[...]}; hashes and signature in hex.
nlohmann::json ReceiptToJson(const Receipt& receipt);
// The inverse; kInvalidInput naming the field that is missing or malformed.
[[nodiscard]] Result<Receipt> ReceiptFromJson(const nlohmann::json& doc);

// What a disclosure entry records of the items a list read served (docs/deconfliction.md
// "Every read is logged"): SHA-256 of their JSON as the server writes it, in hex.
std::string DisclosureDigest(const nlohmann::json& items);

// Whether a receipt that carries its entry's data (a disclosure's `entry`) carries the data
// its leaf hash is of; and, given the items the response served, whether they are the items
// whose digest the disclosure recorded. kInvalidInput saying which does not hold.
[[nodiscard]] Status CheckCarriedEntry(const Receipt& receipt, std::string_view entry);
[[nodiscard]] Status CheckDisclosedItems(std::string_view entry, const nlohmann::json& items);

// Checks the receipts of a log read in order (VerifyStore): a v1 receipt at once, a v2 batch's
// one signature once its last entry is read.
class ReceiptChecker {
 public:
  explicit ReceiptChecker(const PublicKey& key) : key_(key) {}

  // What is wrong with the receipt of `e` (described as `what`, "entry 3 (report X revision
  // 1)"), if anything: kInvalidInput naming the entry or the batch.
  std::optional<Error> Check(const store::LogEntry& e, const std::string& what);
  // What is wrong once the log has ended: a batch cut short.
  std::optional<Error> Finish() const;

 private:
  struct Open {
    uint64_t first = 0;
    uint64_t count = 0;
    std::string receipt;  // as stored: the same in every entry of the batch
    std::string signature;
    std::vector<Hash> leaves;
  };
  PublicKey key_;
  std::optional<Open> open_;
};

}  // namespace truce::app
