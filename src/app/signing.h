// The log's Ed25519 signing key: generated on the server's first start and kept in a key file
// beside the database (mode 0600), never in the database itself, so that a copy of the
// database alone cannot forge receipts or tree heads. The public key is also recorded in the
// database so that anyone holding it can check signatures without the key file.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "truce/result.h"

namespace truce::app {

using PublicKey = std::array<uint8_t, 32>;

std::string PublicKeyToHex(const PublicKey& key);
[[nodiscard]] Result<PublicKey> PublicKeyFromHex(std::string_view hex);

// Whether `signature` (64 bytes) is `key`'s Ed25519 signature of `message`.
bool VerifySignature(const PublicKey& key, std::string_view message, std::string_view signature);

// Lower-case hex of arbitrary bytes, and back (nullopt-like error on bad input).
std::string BytesToHex(std::string_view bytes);
[[nodiscard]] Result<std::string> BytesFromHex(std::string_view hex);

// The conventional key file for a database: "PATH.signing-key".
std::string KeyFileFor(const std::string& db_path);

// An Ed25519 key pair. Immutable once made; Sign is safe to call from any thread.
class SigningKey {
 public:
  // Reads the key file at `path`. kNotFound if absent; kInvalidInput if malformed; kIo if it is
  // readable by others than its owner (mode wider than 0600).
  [[nodiscard]] static Result<SigningKey> Load(const std::string& path);
  // Loads `path`, or when it does not exist creates a new key there (mode 0600, written to a
  // temporary file, synced and renamed so that a crash leaves either no key or a whole one).
  [[nodiscard]] static Result<SigningKey> LoadOrCreate(const std::string& path);
  // A fresh key held only in memory (tests, benchmarks).
  static SigningKey Generate();

  const PublicKey& public_key() const noexcept { return public_key_; }
  // The 64-byte detached signature of `message`.
  std::string Sign(std::string_view message) const;

 private:
  SigningKey() = default;
  std::array<uint8_t, 64> secret_key_{};
  PublicKey public_key_{};
};

}  // namespace truce::app
