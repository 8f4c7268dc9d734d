#include "truce/merkle_log.h"

#include <string>

#include <gtest/gtest.h>
#include <sodium.h>

namespace truce {
namespace {

std::string Unhex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

Hash H(std::string_view hex) {
  auto h = HashFromHex(hex);
  EXPECT_TRUE(h.has_value()) << hex;
  return h.value_or(Hash{});
}

std::vector<std::string> HexAll(const std::vector<Hash>& hashes) {
  std::vector<std::string> out;
  for (const Hash& h : hashes) out.push_back(HashToHex(h));
  return out;
}

// The Certificate Transparency reference leaves and roots (RFC 6962 test data, as published by
// the certificate-transparency and transparency-dev projects).
const char* const kLeaves[] = {"",
                               "00",
                               "10",
                               "2021",
                               "3031",
                               "40414243",
                               "5051525354555657",
                               "606162636465666768696a6b6c6d6e6f"};
const char* const kRoots[] = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

MerkleTree ReferenceTree() {
  MerkleTree tree;
  for (const char* leaf : kLeaves) tree.Append(LeafHash(Unhex(leaf)));
  return tree;
}

TEST(MerkleLogTest, RootsMatchTheReferenceForEverySize) {
  const MerkleTree tree = ReferenceTree();
  std::vector<Hash> leaves;
  for (uint64_t n = 0; n <= 8; ++n) {
    EXPECT_EQ(HashToHex(*tree.Root(n)), kRoots[n]) << "size " << n;
    EXPECT_EQ(HashToHex(MerkleRoot(leaves)), kRoots[n]) << "size " << n;
    if (n < 8) leaves.push_back(tree.leaf(n));
  }
  EXPECT_FALSE(tree.Root(9).ok());
}

// The digest is libsodium's (what the log hashed with before, and the fallback should OpenSSL
// fail) for every length around SHA-256's 64-byte blocks, and for the leaf and node prefixes.
TEST(MerkleLogTest, Sha256IsLibsodiumsForEveryLength) {
  std::string data;
  for (size_t n = 0; n <= 300; ++n) {
    Hash expected;
    crypto_hash_sha256(expected.data(), reinterpret_cast<const unsigned char*>(data.data()),
                       data.size());
    ASSERT_EQ(Sha256(data), expected) << n;
    ASSERT_EQ(LeafHash(data), Sha256(std::string(1, '\0') + data)) << n;
    data.push_back(static_cast<char>(n * 37));
  }
  const Hash a = Sha256("a"), b = Sha256("b");
  std::string node(1, '\x01');
  node.append(reinterpret_cast<const char*>(a.data()), a.size());
  node.append(reinterpret_cast<const char*>(b.data()), b.size());
  EXPECT_EQ(NodeHash(a, b), Sha256(node));
}

// All paths at once are the tree's proofs one by one, for sizes with and without a complete
// tree, and the root is the tree's.
TEST(MerkleLogTest, AllInclusionProofsAreEachLeafsProof) {
  EXPECT_EQ(HashToHex(AllInclusionProofs({}).root), kRoots[0]);
  EXPECT_TRUE(AllInclusionProofs({}).paths.empty());
  MerkleTree tree;
  std::vector<Hash> leaves;
  for (uint64_t n = 1; n <= 70; ++n) {
    leaves.push_back(LeafHash(std::to_string(n)));
    tree.Append(leaves.back());
    const MerklePaths all = AllInclusionProofs(leaves);
    ASSERT_EQ(all.paths.size(), n);
    EXPECT_EQ(all.root, tree.Root()) << n;
    for (uint64_t m = 0; m < n; ++m) {
      EXPECT_EQ(all.paths[m], *tree.InclusionProof(m, n)) << m << " of " << n;
      EXPECT_TRUE(VerifyInclusion(m, n, leaves[m], all.paths[m], all.root).ok());
    }
  }
}

TEST(MerkleLogTest, ReferenceInclusionProofs) {
  const MerkleTree tree = ReferenceTree();
  EXPECT_EQ(HexAll(*tree.InclusionProof(0, 8)),
            (std::vector<std::string>{
                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}));
  EXPECT_EQ(HexAll(*tree.InclusionProof(5, 8)),
            (std::vector<std::string>{
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}));
  EXPECT_TRUE(tree.InclusionProof(0, 1)->empty());
  EXPECT_FALSE(tree.InclusionProof(8, 8).ok());
  EXPECT_FALSE(tree.InclusionProof(0, 9).ok());
}

TEST(MerkleLogTest, ReferenceConsistencyProofs) {
  const MerkleTree tree = ReferenceTree();
  EXPECT_EQ(HexAll(*tree.ConsistencyProof(2, 8)),
            (std::vector<std::string>{
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}));
  EXPECT_EQ(HexAll(*tree.ConsistencyProof(6, 8)),
            (std::vector<std::string>{
                "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}));
  EXPECT_TRUE(tree.ConsistencyProof(0, 8)->empty());
  EXPECT_TRUE(tree.ConsistencyProof(8, 8)->empty());
  EXPECT_FALSE(tree.ConsistencyProof(5, 3).ok());
  EXPECT_FALSE(tree.ConsistencyProof(0, 9).ok());
}

// Every proof of every shape up to 70 leaves verifies, and every mangling of one fails.
TEST(MerkleLogTest, EveryProofVerifiesAndManglingsFail) {
  constexpr uint64_t kN = 70;
  MerkleTree tree;
  std::vector<Hash> roots{Sha256("")};
  for (uint64_t i = 0; i < kN; ++i) {
    tree.Append(LeafHash("entry " + std::to_string(i)));
    roots.push_back(tree.Root());
  }
  for (uint64_t n = 1; n <= kN; ++n) {
    ASSERT_EQ(*tree.Root(n), roots[n]);
    for (uint64_t i = 0; i < n; ++i) {
      std::vector<Hash> proof = *tree.InclusionProof(i, n);
      ASSERT_TRUE(VerifyInclusion(i, n, tree.leaf(i), proof, roots[n]).ok()) << i << "/" << n;
      EXPECT_FALSE(VerifyInclusion(i, n, LeafHash("forged"), proof, roots[n]).ok());
      if (n > 1) {
        EXPECT_FALSE(VerifyInclusion((i + 1) % n, n, tree.leaf(i), proof, roots[n]).ok());
      }
      if (!proof.empty()) {
        std::vector<Hash> bad = proof;
        bad.back()[7] ^= 1;
        EXPECT_FALSE(VerifyInclusion(i, n, tree.leaf(i), bad, roots[n]).ok());
        bad = proof;
        bad.pop_back();
        EXPECT_FALSE(VerifyInclusion(i, n, tree.leaf(i), bad, roots[n]).ok());
      }
      std::vector<Hash> longer = proof;
      longer.push_back(Hash{});
      EXPECT_FALSE(VerifyInclusion(i, n, tree.leaf(i), longer, roots[n]).ok());
    }
    for (uint64_t m = 0; m <= n; ++m) {
      std::vector<Hash> proof = *tree.ConsistencyProof(m, n);
      ASSERT_TRUE(VerifyConsistency(m, n, roots[m], roots[n], proof).ok()) << m << "->" << n;
      if (m > 0 && m < n) {
        EXPECT_FALSE(VerifyConsistency(m, n, roots[m - 1], roots[n], proof).ok());
        EXPECT_FALSE(VerifyConsistency(m, n, roots[m], roots[n - 1], proof).ok());
        std::vector<Hash> bad = proof;
        bad.front()[3] ^= 0x80;
        EXPECT_FALSE(VerifyConsistency(m, n, roots[m], roots[n], bad).ok());
        bad = proof;
        bad.pop_back();
        EXPECT_FALSE(VerifyConsistency(m, n, roots[m], roots[n], bad).ok());
        bad = proof;
        bad.push_back(Hash{});
        EXPECT_FALSE(VerifyConsistency(m, n, roots[m], roots[n], bad).ok());
      }
    }
  }
}

TEST(MerkleLogTest, TruncateUndoesAppends) {
  MerkleTree tree;
  for (int i = 0; i < 13; ++i) tree.Append(LeafHash(std::to_string(i)));
  const Hash root13 = tree.Root();
  const Hash root6 = *tree.Root(6);
  tree.Truncate(6);
  EXPECT_EQ(tree.size(), 6u);
  EXPECT_EQ(tree.Root(), root6);
  for (int i = 6; i < 13; ++i) tree.Append(LeafHash(std::to_string(i)));
  EXPECT_EQ(tree.Root(), root13);
  EXPECT_TRUE(VerifyConsistency(6, 13, root6, root13, *tree.ConsistencyProof(6, 13)).ok());
  tree.Truncate(0);
  EXPECT_EQ(tree.size(), 0u);
  EXPECT_EQ(tree.Root(), Sha256(""));
}

TEST(MerkleLogTest, DegenerateConsistencyCases) {
  const Hash empty = Sha256("");
  const Hash a = LeafHash("a"), b = LeafHash("b");
  EXPECT_TRUE(VerifyConsistency(0, 5, empty, a, {}).ok());
  EXPECT_FALSE(VerifyConsistency(0, 5, a, b, {}).ok());
  EXPECT_TRUE(VerifyConsistency(4, 4, a, a, {}).ok());
  EXPECT_FALSE(VerifyConsistency(4, 4, a, b, {}).ok());
  const Hash one[] = {a};
  EXPECT_FALSE(VerifyConsistency(4, 4, a, a, one).ok());
  EXPECT_FALSE(VerifyConsistency(5, 4, a, a, {}).ok());
  EXPECT_FALSE(VerifyConsistency(3, 4, a, b, {}).ok());
  EXPECT_FALSE(VerifyInclusion(4, 4, a, {}, a).ok());
}

TEST(MerkleLogTest, HexRoundTrip) {
  const Hash h = Sha256("truce");
  EXPECT_EQ(HashFromHex(HashToHex(h)), h);
  EXPECT_FALSE(HashFromHex("abc").has_value());
  EXPECT_FALSE(HashFromHex(std::string(64, 'g')).has_value());
  EXPECT_EQ(HashToHex(H("E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855")),
            kRoots[0]);
}

}  // namespace
}  // namespace truce
