// Receipts: one signature for an entry submitted alone (truce-receipt-v1), one for a batch of
// entries submitted together (truce-receipt-v2), each entry of a batch carrying the path from
// its leaf to the batch's root; and `VerifyStore` checking both.
#include <functional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "app/ledger.h"
#include "store/mem_store.h"

namespace truce::app {
namespace {

Submission Publication(const std::string& incident) {
  return Submission{SubmissionKind::kPublication, "tok_1", "", {{"incident", incident}}, 0, ""};
}

std::vector<Submission> Publications(const std::string& prefix, int n) {
  std::vector<Submission> subs;
  for (int i = 0; i < n; ++i) subs.push_back(Publication(prefix + std::to_string(i)));
  return subs;
}

struct Log {
  store::MemStore store;
  SigningKey key = SigningKey::Generate();
  std::unique_ptr<Ledger> ledger;
  Log() { ledger = std::move(Ledger::Open(store, key)).value(); }
};

TEST(ReceiptTest, AnEntryAloneIsSignedAloneEntriesTogetherShareOneSignature) {
  Log log;
  auto alone = log.ledger->Append({Publication("SYR-A")});
  ASSERT_TRUE(alone.ok()) << alone.error().message;
  ASSERT_EQ(alone->size(), 1u);
  EXPECT_EQ(alone->front().receipt.size(), 64u);
  const Receipt single = ReceiptOf(alone->front());
  EXPECT_FALSE(single.batch);
  EXPECT_TRUE(VerifyReceipt(log.key.public_key(), single).ok());
  EXPECT_EQ(ReceiptToJson(single)["receipt_format"], "truce-receipt-v1");

  // Five (an odd count: the batch tree is not complete) and then two more.
  for (const int n : {5, 2}) {
    SCOPED_TRACE(n);
    auto batch = log.ledger->Append(Publications("SYR-B", n));
    ASSERT_TRUE(batch.ok()) << batch.error().message;
    ASSERT_EQ(batch->size(), static_cast<size_t>(n));
    std::vector<Hash> leaves;
    for (const store::LogEntry& e : *batch) {
      EXPECT_EQ(e.receipt, batch->front().receipt) << "one signature for the batch";
      leaves.push_back(e.leaf_hash);
    }
    const std::vector<Receipt> receipts = ReceiptsOf(*batch);
    ASSERT_EQ(receipts.size(), batch->size());
    for (size_t i = 0; i < receipts.size(); ++i) {
      const Receipt& r = receipts[i];
      EXPECT_EQ(r.index, (*batch)[i].index);
      EXPECT_EQ(r.leaf_hash, (*batch)[i].leaf_hash);
      EXPECT_EQ(r.received_at, (*batch)[i].received_at);
      ASSERT_TRUE(r.batch);
      EXPECT_EQ(r.batch->first, batch->front().index);
      EXPECT_EQ(r.batch->count, static_cast<uint64_t>(n));
      EXPECT_EQ(r.batch->root, MerkleRoot(leaves));
      EXPECT_TRUE(VerifyReceipt(log.key.public_key(), r).ok()) << i;
      // The API's form reads back to the same receipt, which a party verifies alone.
      const nlohmann::json doc = ReceiptToJson(r);
      EXPECT_EQ(doc["receipt_format"], "truce-receipt-v2");
      auto back = ReceiptFromJson(nlohmann::json::parse(doc.dump()));
      ASSERT_TRUE(back.ok()) << back.error().message;
      EXPECT_EQ(*back, r);
    }
  }
  auto verified = VerifyStore(log.store, "");
  ASSERT_TRUE(verified.ok()) << verified.error().message;
  EXPECT_EQ(verified->entries, 8u);
}

TEST(ReceiptTest, GroupCommittedSubmissionsEachHaveTheirOwnBatch) {
  Log log;
  auto lock = log.store.LockAppends();
  ASSERT_TRUE(lock.ok()) << lock.error().message;
  auto first = log.ledger->Prepare(Publications("SYR-G", 3));
  auto second = log.ledger->Prepare({Publication("SYR-H")});
  auto third = log.ledger->Prepare(Publications("SYR-I", 4));
  for (auto* p : {&first, &second, &third}) ASSERT_TRUE(p->ok()) << p->error().message;
  for (auto* p : {&first, &second, &third}) ASSERT_TRUE(log.ledger->Commit(**p).ok());
  const auto a = ReceiptsOf(first->entries());
  const auto b = ReceiptsOf(second->entries());
  const auto c = ReceiptsOf(third->entries());
  ASSERT_TRUE(a[0].batch && c[0].batch);
  EXPECT_FALSE(b[0].batch);
  EXPECT_EQ(a[2].batch->first, 0u);
  EXPECT_EQ(a[2].batch->count, 3u);
  EXPECT_EQ(c[3].batch->first, 4u);
  EXPECT_EQ(c[3].batch->count, 4u);
  for (const auto* receipts : {&a, &b, &c}) {
    for (const Receipt& r : *receipts) EXPECT_TRUE(VerifyReceipt(log.key.public_key(), r).ok());
  }
  // Three submissions in one transaction: one head, three receipts' signatures.
  EXPECT_EQ(log.ledger->commit_stats().transactions, 1u);
  auto verified = VerifyStore(log.store, "");
  ASSERT_TRUE(verified.ok()) << verified.error().message;
  EXPECT_EQ(verified->entries, 8u);
}

TEST(ReceiptTest, AForgedReceiptIsNamedByWhatDoesNotHold) {
  Log log;
  auto batch = log.ledger->Append(Publications("SYR-F", 3));
  ASSERT_TRUE(batch.ok()) << batch.error().message;
  const Receipt good = ReceiptsOf(*batch)[1];
  const PublicKey key = log.key.public_key();
  auto fails_with = [&](const Receipt& r, const std::string& expected) {
    const Status st = VerifyReceipt(key, r);
    ASSERT_FALSE(st.ok()) << expected;
    EXPECT_NE(st.error().message.find(expected), std::string::npos) << st.error().message;
    EXPECT_NE(st.error().message.find("the receipt of entry"), std::string::npos);
  };
  Receipt r = good;
  r.leaf_hash = LeafHash("another entry");
  fails_with(r,
             "its path does not lead from its leaf (number 1 of the batch's 3, counting from 0) to "
             "the batch's root");
  r = good;
  r.batch->proof.pop_back();
  fails_with(r, "its path does not lead");
  r = good;
  r.batch->root = Sha256("another root");
  fails_with(r, "its path does not lead");
  r = good;
  r.index = 7;
  fails_with(r, "it is not in the batch it names (the 3 entries from entry 0)");
  r = good;
  r.batch->count = 0;
  fails_with(r, "the batch it names holds no entries");
  // A batch of another size, with a consistent path, is not what was signed.
  r = good;
  r.batch->count = 2;
  r.batch->root = MerkleRoot(std::vector<Hash>{(*batch)[0].leaf_hash, (*batch)[1].leaf_hash});
  r.batch->proof = {(*batch)[0].leaf_hash};
  fails_with(r, "its signature is not key");
  r = good;
  r.signature = SigningKey::Generate().Sign(
      BatchReceiptMessage(good.batch->first, good.batch->count, good.batch->root));
  fails_with(r, "over the batch of 3 entries from entry 0");
  // A v1 receipt whose leaf was changed.
  auto alone = log.ledger->Append({Publication("SYR-ALONE")});
  ASSERT_TRUE(alone.ok());
  r = ReceiptOf(alone->front());
  r.leaf_hash = LeafHash("x");
  fails_with(r, "its signature is not key");
  // A stored receipt naming a batch of no entries (a tampered row) is given without a path,
  // not looped over.
  store::LogEntry empty = (*batch)[0];
  empty.receipt = EncodeStoredReceipt(
      StoredReceipt{std::string(64, 'x'), std::make_pair(empty.index, uint64_t{0})});
  const Receipt of_empty = ReceiptOf(empty);
  ASSERT_TRUE(of_empty.batch);
  EXPECT_EQ(of_empty.batch->count, 0u);
  EXPECT_FALSE(VerifyReceipt(key, of_empty).ok());
  // A receipt asked of one entry of a batch has no path: it cannot be checked alone.
  const Receipt partial = ReceiptOf((*batch)[1]);
  ASSERT_TRUE(partial.batch);
  EXPECT_TRUE(partial.batch->proof.empty());
  EXPECT_FALSE(VerifyReceipt(key, partial).ok());
}

TEST(ReceiptTest, StoredAndJsonFormsNameWhatIsWrong) {
  const StoredReceipt batch{std::string(64, 's'), std::make_pair(uint64_t{300}, uint64_t{1000})};
  const std::string bytes = EncodeStoredReceipt(batch);
  ASSERT_EQ(bytes.size(), 81u);
  EXPECT_EQ(bytes[0], '\x02');
  auto back = DecodeStoredReceipt(bytes);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->signature, batch.signature);
  EXPECT_EQ(back->batch, batch.batch);
  EXPECT_EQ(EncodeStoredReceipt(StoredReceipt{std::string(64, 'v'), std::nullopt}),
            std::string(64, 'v'));
  for (const std::string& wrong :
       {std::string(), std::string(63, 's'), std::string(81, 's'), bytes.substr(0, 80)}) {
    auto bad = DecodeStoredReceipt(wrong);
    ASSERT_FALSE(bad.ok()) << wrong.size();
    EXPECT_NE(bad.error().message.find(fmt::format("its receipt is {} bytes", wrong.size())),
              std::string::npos)
        << bad.error().message;
  }

  Receipt r{5, LeafHash("e"), std::string(64, 's'), UtcTime{},
            ReceiptBatch{4, 2, Sha256("root"), {LeafHash("d")}}};
  const nlohmann::json doc = ReceiptToJson(r);
  const std::vector<std::pair<std::function<void(nlohmann::json&)>, std::string>> cases = {
      {[](nlohmann::json& j) { j = nlohmann::json::array(); }, "receipt: expected a JSON object"},
      {[](nlohmann::json& j) { j.erase("log_index"); }, "receipt: log_index: expected a count"},
      {[](nlohmann::json& j) { j["log_index"] = -1; }, "log_index: expected a count"},
      {[](nlohmann::json& j) { j["leaf_hash"] = "00"; }, "leaf_hash: expected 64 hexadecimal"},
      {[](nlohmann::json& j) { j["receipt"] = "abcd"; }, "receipt: expected 128 hexadecimal"},
      {[](nlohmann::json& j) { j["receipt"] = 5; }, "receipt: expected 128 hexadecimal"},
      {[](nlohmann::json& j) { j["receipt_format"] = 2; }, "receipt_format: expected a string"},
      {[](nlohmann::json& j) { j["received_at"] = "yesterday"; }, "received_at: "},
      {[](nlohmann::json& j) { j["receipt_format"] = "truce-receipt-v9"; },
       "receipt_format: expected \"truce-receipt-v1\" or \"truce-receipt-v2\""},
      {[](nlohmann::json& j) { j.erase("batch"); }, "batch: expected an object"},
      {[](nlohmann::json& j) { j["batch"].erase("first"); }, "batch.first: expected a count"},
      {[](nlohmann::json& j) { j["batch"]["count"] = "2"; }, "batch.count: expected a count"},
      {[](nlohmann::json& j) { j["batch"]["root_hash"] = 1; }, "batch.root_hash: expected 64"},
      {[](nlohmann::json& j) { j["batch"].erase("proof"); }, "batch.proof: expected an array"},
      {[](nlohmann::json& j) { j["batch"]["proof"][0] = "zz"; }, "batch.proof[0]: expected 64"},
  };
  for (const auto& [edit, expected] : cases) {
    nlohmann::json wrong = doc;
    edit(wrong);
    auto parsed = ReceiptFromJson(wrong);
    ASSERT_FALSE(parsed.ok()) << expected;
    EXPECT_NE(parsed.error().message.find(expected), std::string::npos) << parsed.error().message;
  }
  // A receipt without a format is a v1 receipt (as the API gave them before batches).
  nlohmann::json v1 = ReceiptToJson(Receipt{5, LeafHash("e"), std::string(64, 's'), UtcTime{}, {}});
  v1.erase("receipt_format");
  auto old = ReceiptFromJson(v1);
  ASSERT_TRUE(old.ok()) << old.error().message;
  EXPECT_FALSE(old->batch);
}

// The log `log` holds, written again into a new store with `alter` applied to its entries.
std::unique_ptr<store::MemStore> Rewritten(Log& log,
                                           const std::function<void(store::LogEntry&)>& alter) {
  auto out = std::make_unique<store::MemStore>();
  EXPECT_TRUE(out->SetMetaOnce("log_public_key", PublicKeyToHex(log.key.public_key())).ok());
  std::vector<store::LogEntry> entries;
  std::vector<store::EntryIndex> rows;
  EXPECT_TRUE(log.store
                  .ScanEntries(0,
                               [&](const store::LogEntry& e, const store::EntryIndex& index) {
                                 entries.push_back(e);
                                 rows.push_back(index);
                                 return true;
                               })
                  .ok());
  // Altered as one who edits the database would: the query rows made to match the data.
  for (size_t i = 0; i < entries.size(); ++i) {
    alter(entries[i]);
    if (auto derived = DeriveIndex(entries[i]); derived.ok()) rows[i] = std::move(derived).value();
  }
  auto heads = log.store.TreeHeads();
  EXPECT_TRUE(heads.ok());
  uint64_t done = 0;
  for (const store::TreeHead& h : *heads) {
    if (h.size == 0) {
      EXPECT_TRUE(out->AddEmptyHead(h).ok());
      continue;
    }
    EXPECT_TRUE(out->Append(std::span(entries).subspan(done, h.size - done),
                            std::span(rows).subspan(done, h.size - done), h)
                    .ok());
    done = h.size;
  }
  return out;
}

TEST(ReceiptTest, VerifyStoreNamesTheBatchWhoseReceiptDoesNotHold) {
  Log log;
  ASSERT_TRUE(log.ledger->Append({Publication("SYR-0")}).ok());    // entry 0, v1
  ASSERT_TRUE(log.ledger->Append(Publications("SYR-T", 4)).ok());  // entries 1..4, v2
  ASSERT_TRUE(log.ledger->Append(Publications("SYR-U", 2)).ok());  // entries 5..6, v2
  const std::string batch_of_5 = (*log.store.GetEntry(5))->receipt;
  struct Case {
    const char* name;
    std::function<void(store::LogEntry&)> alter;
    const char* expected;  // "" passes
  };
  const std::vector<Case> cases = {
      {"untouched", [](store::LogEntry&) {}, ""},
      {"a batch entry's data and leaf",
       [](store::LogEntry& e) {
         if (e.index != 3) return;
         e.data.replace(e.data.find("SYR-T2"), 6, "SYR-T9");
         e.leaf_hash = LeafHash(e.data);
       },
       "an entry of the batch of entries 1 to 4 (submitted together) was altered"},
      {"a batch entry given a v1-sized receipt",
       [](store::LogEntry& e) {
         if (e.index == 2) e.receipt = std::string(64, '\0');
       },
       "entry 2 (publication of incident SYR-T1) or entry 1 was altered: entry 1's receipt names "
       "a batch of 4 entries submitted together"},
      {"a batch entry given another batch's receipt",
       [&](store::LogEntry& e) {
         if (e.index == 4) e.receipt = batch_of_5;
       },
       "entry 4 (publication of incident SYR-T3) or entry 1 was altered: entry 1's receipt names "
       "a batch of 4 entries submitted together"},
      {"a receipt of unknown form",
       [](store::LogEntry& e) {
         if (e.index == 6) e.receipt = "short";
       },
       "entry 6 (publication of incident SYR-U1) was altered: its receipt is 5 bytes"},
      {"every receipt of a batch naming a smaller batch",
       [](store::LogEntry& e) {
         if (e.index >= 1 && e.index <= 4) {
           e.receipt = EncodeStoredReceipt(StoredReceipt{DecodeStoredReceipt(e.receipt)->signature,
                                                         std::make_pair(uint64_t{1}, uint64_t{3})});
         }
       },
       "an entry of the batch of entries 1 to 3 (submitted together) was altered: their leaves "
       "are not what the log's batch receipt signed"},
      {"a batch that claims to run past the log's end",
       [](store::LogEntry& e) {
         if (e.index >= 5) {
           e.receipt = EncodeStoredReceipt(StoredReceipt{DecodeStoredReceipt(e.receipt)->signature,
                                                         std::make_pair(uint64_t{5}, uint64_t{3})});
         }
       },
       "entry 7 was removed, or entry 5's receipt altered: it names a batch of 3 entries "
       "submitted together, and the log ends after 2 of them"},
      {"a batch's first receipt naming more entries than the batch has",
       [](store::LogEntry& e) {
         if (e.index == 1) {
           e.receipt = EncodeStoredReceipt(StoredReceipt{DecodeStoredReceipt(e.receipt)->signature,
                                                         std::make_pair(uint64_t{1}, uint64_t{5})});
         }
       },
       "entry 2 (publication of incident SYR-T1) or entry 1 was altered: entry 1's receipt names "
       "a batch of 5 entries"},
      {"a batch of one",
       [](store::LogEntry& e) {
         if (e.index == 0) {
           e.receipt = EncodeStoredReceipt(
               StoredReceipt{e.receipt, std::make_pair(uint64_t{0}, uint64_t{1})});
         }
       },
       "entry 0 (publication of incident SYR-0) was altered: its receipt names a batch of 1 "
       "entries"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto store = Rewritten(log, c.alter);
    auto verified = VerifyStore(*store, "");
    if (std::string(c.expected).empty()) {
      ASSERT_TRUE(verified.ok()) << verified.error().message;
      EXPECT_EQ(verified->entries, 7u);
      continue;
    }
    ASSERT_FALSE(verified.ok());
    EXPECT_NE(verified.error().message.find(c.expected), std::string::npos)
        << verified.error().message;
  }
}

}  // namespace
}  // namespace truce::app
