// The transparency log's mathematics: an append-only Merkle tree as in RFC 9162 (Certificate
// Transparency 2.0) section 2.1, with SHA-256, leaf hashes prefixed 0x00 and interior node
// hashes prefixed 0x01, inclusion proofs and consistency proofs, and their verification.
//
// A party that kept an old tree head (size, root) can check, with a consistency proof, that
// today's tree only appended to the one it saw; and with an inclusion proof, that an entry it
// submitted is in the tree. Both verifications need only hashes, never the log's contents.
//
// Pure computation: no I/O. Hashing comes from OpenSSL's SHA-256 (libsodium's if OpenSSL fails).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "truce/result.h"

namespace truce {

// A SHA-256 digest.
using Hash = std::array<uint8_t, 32>;

// SHA-256 of `data`.
Hash Sha256(std::string_view data) noexcept;
// Lower-case hexadecimal, 64 characters.
std::string HashToHex(const Hash& h);
// Parses 64 hexadecimal characters (either case); nullopt otherwise.
std::optional<Hash> HashFromHex(std::string_view hex) noexcept;

// RFC 9162 2.1.1: the hash of a leaf, SHA-256(0x00 || data).
Hash LeafHash(std::string_view data) noexcept;
// RFC 9162 2.1.1: the hash of an interior node, SHA-256(0x01 || left || right).
Hash NodeHash(const Hash& left, const Hash& right) noexcept;
// The root of the tree over `leaf_hashes` (MTH); SHA-256 of the empty string when empty.
// O(n) hashing; for repeated queries on a growing tree use MerkleTree.
Hash MerkleRoot(std::span<const Hash> leaf_hashes) noexcept;

// The root of the tree over `leaf_hashes` and every leaf's RFC 9162 inclusion path in it
// (paths[m] is PATH(m, D[n])), in O(n log n) hashing and copying: what n calls of
// MerkleTree::InclusionProof give, without hashing the incomplete subtrees again for each.
struct MerklePaths {
  Hash root{};
  std::vector<std::vector<Hash>> paths;
};
MerklePaths AllInclusionProofs(std::span<const Hash> leaf_hashes);

// An in-memory append-only Merkle tree that answers roots, inclusion proofs and consistency
// proofs for any earlier size in O(log n) hashes. It keeps every complete subtree's hash:
// about 64 bytes per leaf. Thread-compatible: concurrent const calls are safe, Append needs
// exclusive access.
class MerkleTree {
 public:
  MerkleTree() = default;

  void Append(const Hash& leaf_hash);
  // Drops the leaves from `new_size` on (undoing appends that were not committed).
  // REQUIRES: new_size <= size().
  void Truncate(uint64_t new_size);
  uint64_t size() const noexcept { return levels_.empty() ? 0 : levels_[0].size(); }
  // REQUIRES: index < size().
  const Hash& leaf(uint64_t index) const { return levels_[0][index]; }

  // The root of the tree formed by the first `tree_size` leaves. kInvalidArgument when
  // tree_size > size().
  [[nodiscard]] Result<Hash> Root(uint64_t tree_size) const;
  Hash Root() const { return *Root(size()); }

  // RFC 9162 2.1.3.1 PATH(index, D[0:tree_size]). kInvalidArgument unless
  // index < tree_size <= size().
  [[nodiscard]] Result<std::vector<Hash>> InclusionProof(uint64_t index, uint64_t tree_size) const;

  // RFC 9162 2.1.4.1 PROOF(old_size, D[0:new_size]): empty when old_size is 0 or equals
  // new_size. kInvalidArgument unless old_size <= new_size <= size().
  [[nodiscard]] Result<std::vector<Hash>> ConsistencyProof(uint64_t old_size,
                                                           uint64_t new_size) const;

 private:
  // Hash of leaves [begin, end), REQUIRES begin < end <= size() and the range being one the
  // RFC's recursion visits (begin a multiple of the largest power of two below end - begin,
  // or of end - begin itself when that is a power of two).
  Hash RangeHash(uint64_t begin, uint64_t end) const;
  void Path(uint64_t index, uint64_t begin, uint64_t end, std::vector<Hash>& out) const;
  void SubProof(uint64_t m, uint64_t begin, uint64_t end, bool whole, std::vector<Hash>& out) const;

  // levels_[k][i] is the hash of the complete subtree of 2^k leaves starting at leaf i * 2^k.
  std::vector<std::vector<Hash>> levels_;
};

// RFC 9162 2.1.3.2: whether `proof` shows the leaf `leaf_hash` at `index` in the tree of
// `tree_size` leaves with root `root`. The error says what did not hold.
[[nodiscard]] Status VerifyInclusion(uint64_t index, uint64_t tree_size, const Hash& leaf_hash,
                                     std::span<const Hash> proof, const Hash& root);

// RFC 9162 2.1.4.2: whether `proof` shows the tree (new_size, new_root) extends the tree
// (old_size, old_root) by appending only. old_size == 0 and old_size == new_size (equal
// roots) need an empty proof.
[[nodiscard]] Status VerifyConsistency(uint64_t old_size, uint64_t new_size, const Hash& old_root,
                                       const Hash& new_root, std::span<const Hash> proof);

}  // namespace truce
