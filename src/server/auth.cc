#include "server/auth.h"

#include <sodium.h>

#include <fmt/format.h>

#include "server/signing.h"

namespace truce::server {

std::string_view RoleName(Role role) noexcept {
  switch (role) {
    case Role::kAdmin:
      return "admin";
    case Role::kMonitor:
      return "monitor";
    case Role::kParty:
      return "party";
    case Role::kGuarantor:
      return "guarantor";
    case Role::kHumanitarian:
      return "humanitarian";
    case Role::kPublic:
      return "public";
  }
  return "public";
}

std::optional<Role> ParseRole(std::string_view name) noexcept {
  for (Role r : AllRoles()) {
    if (RoleName(r) == name) return r;
  }
  return std::nullopt;
}

const std::vector<Role>& AllRoles() {
  static const std::vector<Role> kAll = {Role::kAdmin,     Role::kMonitor,      Role::kParty,
                                         Role::kGuarantor, Role::kHumanitarian, Role::kPublic};
  return kAll;
}

Result<NewToken> CreateToken(store::Store& store, Role role, std::string party, UtcTime now) {
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
  if (Status st = store.AddToken(out.record); !st.ok()) return st.error();
  return out;
}

Result<std::optional<Principal>> Authenticate(store::Store& store, std::string_view authorization) {
  if (authorization.empty()) return std::optional<Principal>();
  constexpr std::string_view kScheme = "Bearer ";
  if (authorization.size() <= kScheme.size() ||
      authorization.substr(0, kScheme.size()) != kScheme) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "the Authorization header must be 'Bearer TOKEN'");
  }
  const std::string_view token = authorization.substr(kScheme.size());
  auto record = store.FindToken(Sha256(token));
  if (!record.ok()) return record.error();
  if (!record->has_value() || (*record)->revoked_at) {
    return MakeError(ErrorCode::kNotFound, "unknown or revoked token");
  }
  auto role = ParseRole((*record)->role);
  if (!role) return MakeError(ErrorCode::kInternal, "a stored token has an unknown role");
  return std::optional<Principal>(Principal{*role, (*record)->party, (*record)->id});
}

}  // namespace truce::server
