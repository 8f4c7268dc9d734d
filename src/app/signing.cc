#include "app/signing.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>

#include <fmt/format.h>

namespace truce::app {
namespace {

constexpr std::string_view kKeyFileHeader = "truce-ed25519-seed-v1";

void EnsureSodium() {
  static std::once_flag once;
  std::call_once(once, [] {
    // sodium_init only fails when no randomness source exists; nothing can work then.
    if (sodium_init() < 0) std::abort();
  });
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Error IoError(const std::string& path, std::string_view what) {
  return MakeError(ErrorCode::kIo, fmt::format("{}: {}: {}", path, what, std::strerror(errno)));
}

}  // namespace

std::string BytesToHex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 0xf]);
  }
  return out;
}

Result<std::string> BytesFromHex(std::string_view hex) {
  if (hex.size() % 2 != 0) {
    return MakeError(ErrorCode::kInvalidArgument, "hex text has an odd number of digits");
  }
  std::string out;
  out.reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    const int hi = HexValue(hex[i]), lo = HexValue(hex[i + 1]);
    if (hi < 0 || lo < 0) {
      return MakeError(ErrorCode::kInvalidArgument, fmt::format("'{}' is not a hexadecimal digit",
                                                                hi < 0 ? hex[i] : hex[i + 1]));
    }
    out.push_back(static_cast<char>(hi << 4 | lo));
  }
  return out;
}

std::string PublicKeyToHex(const PublicKey& key) {
  return BytesToHex(std::string_view(reinterpret_cast<const char*>(key.data()), key.size()));
}

Result<PublicKey> PublicKeyFromHex(std::string_view hex) {
  auto bytes = BytesFromHex(hex);
  if (!bytes.ok() || bytes->size() != 32) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "a public key is 64 hexadecimal digits (32 bytes of Ed25519 key)");
  }
  PublicKey key;
  std::memcpy(key.data(), bytes->data(), key.size());
  return key;
}

bool VerifySignature(const PublicKey& key, std::string_view message, std::string_view signature) {
  EnsureSodium();
  if (signature.size() != crypto_sign_BYTES) return false;
  return crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(signature.data()),
                                     reinterpret_cast<const unsigned char*>(message.data()),
                                     message.size(), key.data()) == 0;
}

std::string KeyFileFor(const std::string& db_path) { return db_path + ".signing-key"; }

SigningKey SigningKey::Generate() {
  EnsureSodium();
  SigningKey key;
  crypto_sign_keypair(key.public_key_.data(), key.secret_key_.data());
  return key;
}

Result<SigningKey> SigningKey::Load(const std::string& path) {
  EnsureSodium();
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) {
      return MakeError(ErrorCode::kNotFound, fmt::format("{}: no signing key file", path));
    }
    return IoError(path, "cannot read the signing key");
  }
  if ((st.st_mode & 077) != 0) {
    return MakeError(ErrorCode::kIo,
                     fmt::format("{}: the signing key is readable by others (mode {:o}); "
                                 "chmod 600 it",
                                 path, st.st_mode & 0777));
  }
  std::ifstream in(path);
  std::string header, seed_hex;
  if (!(in >> header >> seed_hex) || header != kKeyFileHeader) {
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("{}: not a truce signing key (expected '{}' and a seed)", path,
                                 kKeyFileHeader));
  }
  auto seed = BytesFromHex(seed_hex);
  if (!seed.ok() || seed->size() != crypto_sign_SEEDBYTES) {
    return MakeError(
        ErrorCode::kInvalidInput,
        fmt::format("{}: the seed must be {} hexadecimal digits", path, 2 * crypto_sign_SEEDBYTES));
  }
  SigningKey key;
  crypto_sign_seed_keypair(key.public_key_.data(), key.secret_key_.data(),
                           reinterpret_cast<const unsigned char*>(seed->data()));
  sodium_memzero(seed->data(), seed->size());
  return key;
}

Result<SigningKey> SigningKey::LoadOrCreate(const std::string& path) {
  auto loaded = Load(path);
  if (loaded.ok() || loaded.error().code != ErrorCode::kNotFound) return loaded;
  EnsureSodium();
  unsigned char seed[crypto_sign_SEEDBYTES];
  randombytes_buf(seed, sizeof seed);
  const std::string text =
      fmt::format("{}\n{}\n", kKeyFileHeader,
                  BytesToHex(std::string_view(reinterpret_cast<const char*>(seed), sizeof seed)));
  sodium_memzero(seed, sizeof seed);
  const std::string temp = path + ".tmp";
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return IoError(temp, "cannot create the signing key");
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                       ::fsync(fd) == 0;
  ::close(fd);
  if (!written) return IoError(temp, "cannot write the signing key");
  // link() refuses to replace an existing file: if another process created the key meanwhile,
  // keep theirs.
  if (::link(temp.c_str(), path.c_str()) != 0 && errno != EEXIST) {
    ::unlink(temp.c_str());
    return IoError(path, "cannot install the signing key");
  }
  ::unlink(temp.c_str());
  // Make the new directory entry durable too.
  const std::string dir = std::filesystem::path(path).parent_path().string();
  const int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return Load(path);
}

std::string SigningKey::Sign(std::string_view message) const {
  std::string signature(crypto_sign_BYTES, '\0');
  crypto_sign_detached(reinterpret_cast<unsigned char*>(signature.data()), nullptr,
                       reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                       secret_key_.data());
  return signature;
}

}  // namespace truce::app
