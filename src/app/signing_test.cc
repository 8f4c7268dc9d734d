#include "app/signing.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <limits>
#include <random>

#include <gtest/gtest.h>

#include "app/ledger.h"
#include "formats/reports.h"
#include "store/mem_store.h"

namespace truce::app {
namespace {

namespace fs = std::filesystem;

std::string Bytes(std::string_view hex) { return *BytesFromHex(hex); }

TEST(SigningTest, VerifiesTheRfc8032Vectors) {
  // RFC 8032 section 7.1, TEST 1 (empty message) and TEST 2 (one byte).
  const PublicKey key1 =
      *PublicKeyFromHex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  const std::string sig1 = Bytes(
      "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e3970"
      "1cf9b46bd25bf5f0595bbe24655141438e7a100b");
  EXPECT_TRUE(VerifySignature(key1, "", sig1));
  EXPECT_FALSE(VerifySignature(key1, "x", sig1));
  const PublicKey key2 =
      *PublicKeyFromHex("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c");
  const std::string sig2 = Bytes(
      "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613"
      "d0f11d8c387b2eaeb4302aeeb00d291612bb0c00");
  EXPECT_TRUE(VerifySignature(key2, Bytes("72"), sig2));
  EXPECT_FALSE(VerifySignature(key1, Bytes("72"), sig2));
  EXPECT_FALSE(VerifySignature(key2, Bytes("72"), sig2.substr(0, 63)));
}

TEST(SigningTest, KeyFileIsCreatedOnceWithMode0600) {
  const fs::path dir =
      fs::temp_directory_path() / ("truce_signing_test_" + std::to_string(std::random_device{}()));
  fs::create_directories(dir);
  const std::string path = KeyFileFor((dir / "t.db").string());
  EXPECT_EQ(SigningKey::Load(path).error().code, ErrorCode::kNotFound);
  auto created = SigningKey::LoadOrCreate(path);
  ASSERT_TRUE(created.ok()) << created.error().message;
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto again = SigningKey::LoadOrCreate(path);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->public_key(), created->public_key());
  const std::string signature = created->Sign("message");
  EXPECT_TRUE(VerifySignature(again->public_key(), "message", signature));
  EXPECT_NE(SigningKey::Generate().public_key(), created->public_key());
  fs::permissions(path, fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
  auto exposed = SigningKey::Load(path);
  ASSERT_FALSE(exposed.ok());
  EXPECT_NE(exposed.error().message.find("chmod 600"), std::string::npos);
  fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write);
  std::ofstream(path, std::ios::trunc) << "not a key\n";
  EXPECT_EQ(SigningKey::Load(path).error().code, ErrorCode::kInvalidInput);
  fs::remove_all(dir);
}

TEST(LedgerFormatTest, TimestampsAndHeads) {
  const UtcTime t = *ParseTimestamp("2024-05-01T12:00:00.123Z");
  EXPECT_EQ(FormatTimestamp(t), "2024-05-01T12:00:00.123Z");
  EXPECT_EQ(*ParseTimestamp("2024-05-01T12:00:00.1Z"), t - std::chrono::milliseconds(23));
  EXPECT_EQ(*ParseTimestamp("2024-05-01"), *ParseUtcTime("2024-05-01"));
  EXPECT_FALSE(ParseTimestamp("2024-05-01T12:00:00.12345Z").ok());
  EXPECT_FALSE(ParseTimestamp("2024-05-01T12:00:00.abcZ").ok());

  const SigningKey key = SigningKey::Generate();
  const Hash root = Sha256("root");
  store::TreeHead head{5, root, t, key.Sign(TreeHeadMessage(5, root, t))};
  const nlohmann::json doc = TreeHeadToJson(head, key.public_key());
  auto parsed = TreeHeadFromJson(doc);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->head, head);
  for (const char* field : {"tree_size", "root_hash", "timestamp_ms"}) {
    nlohmann::json forged = doc;
    forged[field] = field == std::string("root_hash") ? nlohmann::json(HashToHex(Sha256("x")))
                                                      : nlohmann::json(6);
    EXPECT_FALSE(TreeHeadFromJson(forged).ok()) << field;
  }
  // A kept head is a file a party holds: a number where text belongs is refused, not thrown.
  for (const char* field : {"format", "root_hash", "signature", "public_key"}) {
    nlohmann::json forged = doc;
    forged[field] = 7;
    EXPECT_FALSE(TreeHeadFromJson(forged).ok()) << field;
  }
}

TEST(LedgerFormatTest, DeriveIndexChecksTheEntryAgainstItsColumns) {
  Submission s{SubmissionKind::kPublication, "tok_1", "", {{"incident", "SYR-1"}}, 0, ""};
  const UtcTime at = *ParseTimestamp("2024-05-01T12:00:00.123Z");
  store::LogEntry e{7, "publication", at, "tok_1", "", EntryData(s, at), {}, {}};
  auto rows = DeriveIndex(e);
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  ASSERT_EQ(rows->publications.size(), 1u);
  EXPECT_EQ(rows->publications[0].incident, "SYR-1");
  EXPECT_EQ(rows->publications[0].entry, 7u);
  store::LogEntry moved = e;
  moved.received_at += std::chrono::milliseconds(1);
  EXPECT_FALSE(DeriveIndex(moved).ok());
  store::LogEntry other = e;
  other.submitter = "tok_2";
  EXPECT_FALSE(DeriveIndex(other).ok());
  store::LogEntry garbage = e;
  garbage.data = "{";
  EXPECT_FALSE(DeriveIndex(garbage).ok());
}

// The append path reads each entry's data from the tree it was written from, not by parsing
// its bytes again (docs/performance.md "Durable ingest"): that tree must be what the bytes parse
// to, also when a string is not UTF-8 (written with replacement characters) or a number cannot
// be written (NaN, written as null), so that the rows, the views and `truce verify` agree.
TEST(LedgerFormatTest, PreparedEntriesAreReadAsTheirBytesParse) {
  store::MemStore store;
  const SigningKey key = SigningKey::Generate();
  auto ledger = Ledger::Open(store, key);
  ASSERT_TRUE(ledger.ok()) << ledger.error().message;
  const nlohmann::json report = {{"event_id_cnty", "PARSE-1"},
                                 {"event_date", "2017-05-04"},
                                 {"time_precision", 1},
                                 {"event_type", "Explosions/Remote violence"},
                                 {"sub_event_type", "Shelling/artillery/missile attack"},
                                 {"actor1", "Military Forces of Syria"},
                                 {"latitude", 33.55},
                                 {"longitude", 36.42},
                                 {"geo_precision", 1},
                                 {"source", "SOHR"},
                                 {"fatalities", 2}};
  std::vector<Submission> subs = {
      {SubmissionKind::kReport, "tok_1", "", report, 1, "monitor"},
      {SubmissionKind::kPublication, "tok_1", "", {{"incident", "SYR-\xff"}}, 0, ""},
      {SubmissionKind::kPublication,
       "tok_1",
       "",
       {{"incident", "SYR-2"}, {"weight", std::numeric_limits<double>::quiet_NaN()}},
       0,
       ""}};
  auto lock = store.LockAppends();
  ASSERT_TRUE(lock.ok()) << lock.error().message;
  auto prepared = (*ledger)->Prepare(std::move(subs));
  ASSERT_TRUE(prepared.ok()) << prepared.error().message;
  const auto& entries = prepared->entries();
  const auto& parsed = prepared->parsed();
  ASSERT_EQ(entries.size(), 3u);
  ASSERT_EQ(parsed.size(), 3u);
  for (size_t i = 0; i < entries.size(); ++i) {
    EXPECT_EQ(parsed[i].data, nlohmann::json::parse(entries[i].data)) << entries[i].data;
    auto from_tree = DeriveIndex(entries[i], parsed[i]);
    auto from_bytes = DeriveIndex(entries[i]);
    ASSERT_TRUE(from_tree.ok()) << from_tree.error().message;
    ASSERT_TRUE(from_bytes.ok()) << from_bytes.error().message;
    EXPECT_EQ(*from_tree, *from_bytes) << entries[i].data;
  }
  ASSERT_NE(parsed[0].report, nullptr);
  EXPECT_EQ(parsed[0].report->event_id(), "PARSE-1");
  EXPECT_EQ(parsed[1].report, nullptr);
  EXPECT_NE(entries[1].data.find("SYR-\xef\xbf\xbd"), std::string::npos) << entries[1].data;
  EXPECT_NE(entries[2].data.find("\"weight\":null"), std::string::npos) << entries[2].data;
  ASSERT_TRUE((*ledger)->Commit(*prepared).ok());
  auto verified = VerifyStore(store, "");
  ASSERT_TRUE(verified.ok()) << verified.error().message;
  EXPECT_EQ(verified->entries, 3u);
}

// A report submitted as a Report is written without a tree (Submission::report): the same bytes
// as its body's tree, the same rows, and the Report itself held for the views, which is what
// reading the bytes gives. A role that is not UTF-8 takes the tree's way (replaced).
TEST(LedgerFormatTest, AReportWrittenFromItsReportIsItsTreesEntry) {
  const nlohmann::json body = {{"event_id_cnty", "DIRECT-1"},
                               {"event_date", "2017-05-04"},
                               {"time_precision", 1},
                               {"event_type", "Explosions/Remote violence"},
                               {"actor2", "q\"uote\\ \xD8\xB3"},
                               {"latitude", 33.55},
                               {"longitude", 36},
                               {"geo_precision", 1},
                               {"notes", "line\nbreak"},
                               {"admin1", "Rural Damascus"},
                               {"time", "06:30"}};
  auto report = formats::ReportFromJson(body, "body/0");
  ASSERT_TRUE(report.ok()) << report.error().message;
  const auto held = std::make_shared<const Report>(std::move(report).value());
  const UtcTime at = *ParseTimestamp("2024-05-01T12:00:00.123Z");
  const std::pair<std::string, std::string> submitters[] = {
      {"", "monitor"}, {"gov", "party"}, {"", "r\xff"}};
  for (const auto& [party, role] : submitters) {
    Submission tree{SubmissionKind::kReport, "tok_1", party, formats::ReportToJson(*held), 3, role};
    Submission direct{SubmissionKind::kReport, "tok_1", party, nullptr, 3, role};
    direct.report = held;
    EXPECT_EQ(EntryData(direct, at), EntryData(tree, at)) << party;

    store::MemStore store;
    auto ledger = Ledger::Open(store, SigningKey::Generate());
    ASSERT_TRUE(ledger.ok()) << ledger.error().message;
    auto lock = store.LockAppends();
    ASSERT_TRUE(lock.ok()) << lock.error().message;
    auto prepared = (*ledger)->Prepare({direct});
    ASSERT_TRUE(prepared.ok()) << prepared.error().message;
    const auto& entries = prepared->entries();
    const auto& parsed = prepared->parsed();
    ASSERT_EQ(entries.size(), 1u);
    EXPECT_EQ(entries[0].data, EntryData(tree, entries[0].received_at));
    auto read = ParseEntry(entries[0]);
    ASSERT_TRUE(read.ok()) << read.error().message;
    ASSERT_NE(parsed[0].report, nullptr);
    ASSERT_NE(read->report, nullptr);
    EXPECT_TRUE(parsed[0].report->SameContent(*read->report));
    EXPECT_EQ(formats::ReportToJson(*parsed[0].report), formats::ReportToJson(*read->report));
    nlohmann::json without_body = read->data;
    without_body["body"] = nullptr;
    // Written directly, the tree holds every member but the body; a role that is not UTF-8
    // takes the tree's way, whose data is what the bytes parse to.
    EXPECT_EQ(parsed[0].data, role == "r\xff" ? read->data : without_body);
    EXPECT_EQ(DeriveIndex(entries[0], parsed[0]).value(), DeriveIndex(entries[0]).value());
    ASSERT_TRUE((*ledger)->Commit(*prepared).ok());
    auto verified = VerifyStore(store, "");
    ASSERT_TRUE(verified.ok()) << verified.error().message;
  }
}

TEST(SubmissionKindTest, EveryKindIsRegisteredUnderItsName) {
  for (SubmissionKind kind :
       {SubmissionKind::kReport, SubmissionKind::kPositions, SubmissionKind::kClaim,
        SubmissionKind::kScenario, SubmissionKind::kPublication, SubmissionKind::kDecision,
        SubmissionKind::kExemption}) {
    const KindSpec& spec = Spec(kind);
    EXPECT_EQ(spec.kind, kind);
    ASSERT_NE(FindKind(spec.name), nullptr) << spec.name;
    EXPECT_EQ(FindKind(spec.name)->kind, kind);
  }
  EXPECT_EQ(FindKind("pamphlet"), nullptr);
}

}  // namespace
}  // namespace truce::app
