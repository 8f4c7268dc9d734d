#include "app/tokens.h"

#include <optional>

#include <sodium.h>

#include <fmt/format.h>

#include "app/signing.h"

namespace truce::app {

std::string TokenMessage(const store::TokenRecord& token) {
  return fmt::format("truce-token-v1\n{}\n{}\n{}\n{}\n{}\n", token.id, HashToHex(token.secret_hash),
                     token.role, token.party, token.created_at.time_since_epoch().count());
}

bool TokenSigned(const store::TokenRecord& token, const PublicKey& key) {
  return VerifySignature(key, TokenMessage(token), token.signature);
}

Result<NewToken> CreateToken(store::Store& store, const SigningKey& key, Role role,
                             std::string party, UtcTime now) {
  if (role == Role::kParty && party.empty()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "a party token acts as one party: give --party ID");
  }
  if (role != Role::kParty && !party.empty()) {
    return MakeError(
        ErrorCode::kInvalidArgument,
        fmt::format("only party tokens are bound to a party, not {} tokens", RoleName(role)));
  }
  if (sodium_init() < 0) return MakeError(ErrorCode::kInternal, "libsodium failed to start");
  unsigned char id[6], secret[32];
  randombytes_buf(id, sizeof id);
  randombytes_buf(secret, sizeof secret);
  NewToken out;
  out.record.id =
      "tok_" + BytesToHex(std::string_view(reinterpret_cast<const char*>(id), sizeof id));
  out.secret = fmt::format(
      "truce_{}_{}", out.record.id.substr(4),
      BytesToHex(std::string_view(reinterpret_cast<const char*>(secret), sizeof secret)));
  sodium_memzero(secret, sizeof secret);
  out.record.secret_hash = Sha256(out.secret);
  out.record.role = std::string(RoleName(role));
  out.record.party = std::move(party);
  out.record.created_at = now;
  out.record.signature = key.Sign(TokenMessage(out.record));
  if (Status st = store.AddToken(out.record); !st.ok()) return st.error();
  return out;
}

namespace {

// RFC 4648 base64 (standard alphabet, padding required), as HTTP Basic uses it.
std::optional<std::string> DecodeBase64(std::string_view in) {
  if (in.empty() || in.size() % 4 != 0 || in.size() > 4096) return std::nullopt;
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  size_t pad = 0;
  for (size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    int v;
    if (c >= 'A' && c <= 'Z') {
      v = c - 'A';
    } else if (c >= 'a' && c <= 'z') {
      v = c - 'a' + 26;
    } else if (c >= '0' && c <= '9') {
      v = c - '0' + 52;
    } else if (c == '+') {
      v = 62;
    } else if (c == '/') {
      v = 63;
    } else if (c == '=' && i + 2 >= in.size()) {
      ++pad;
      continue;
    } else {
      return std::nullopt;
    }
    if (pad > 0) return std::nullopt;  // data after padding
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

Error Unauthenticated(std::string message) {
  return MakeError(ErrorCode::kUnauthenticated, std::move(message));
}

}  // namespace

Result<Principal> Authenticate(store::Store& store, const PublicKey& key,
                               std::string_view authorization) {
  if (authorization.empty()) return Principal::Anonymous();
  constexpr std::string_view kBearer = "Bearer ", kBasic = "Basic ";
  std::string token;
  if (authorization.starts_with(kBearer) && authorization.size() > kBearer.size()) {
    token = std::string(authorization.substr(kBearer.size()));
  } else if (authorization.starts_with(kBasic)) {
    const auto decoded = DecodeBase64(authorization.substr(kBasic.size()));
    const size_t colon = decoded ? decoded->find(':') : std::string::npos;
    if (colon == std::string::npos || colon + 1 == decoded->size()) {
      return Unauthenticated(
          "the Authorization header must be 'Bearer TOKEN' or HTTP Basic with the token as the "
          "password");
    }
    token = decoded->substr(colon + 1);
  } else {
    return Unauthenticated(
        "the Authorization header must be 'Bearer TOKEN' or HTTP Basic with the token as the "
        "password");
  }
  auto record = store.FindToken(Sha256(token));
  if (!record.ok()) return record.error();
  if (!record->has_value() || (*record)->revoked_at) {
    return Unauthenticated("unknown or revoked token");
  }
  if (!TokenSigned(**record, key)) {
    return Unauthenticated(fmt::format(
        "token {} is refused: its stored row does not carry the log's signature (its role, party "
        "or hash was changed in the database, or it was made before tokens were signed); "
        "create a new token",
        (*record)->id));
  }
  auto role = ParseRole((*record)->role);
  if (!role) return MakeError(ErrorCode::kInternal, "a stored token has an unknown role");
  return Principal{*role, (*record)->party, (*record)->id};
}

}  // namespace truce::app
