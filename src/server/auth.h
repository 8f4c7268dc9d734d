// Who may do what: roles, bearer tokens (stored only as SHA-256 hashes), and authentication of
// an `Authorization: Bearer TOKEN` header. The endpoint x role matrix itself is the route
// table in api.cc (documented in docs/server.md).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/store.h"
#include "truce/result.h"

namespace truce::server {

enum class Role { kAdmin, kMonitor, kParty, kGuarantor, kHumanitarian, kPublic };

// "admin", "monitor", "party", "guarantor", "humanitarian", "public".
std::string_view RoleName(Role role) noexcept;
std::optional<Role> ParseRole(std::string_view name) noexcept;
const std::vector<Role>& AllRoles();

// The caller of a request, once authenticated.
struct Principal {
  Role role = Role::kPublic;
  std::string party;  // for Role::kParty: the one party it acts as
  std::string token_id;
};

struct NewToken {
  store::TokenRecord record;
  std::string secret;  // "truce_<id>_<64 hex digits>": shown once, never stored
};

// Makes and stores a token. A party token needs `party`; other roles must not have one
// (kInvalidArgument otherwise).
[[nodiscard]] Result<NewToken> CreateToken(store::Store& store, Role role, std::string party,
                                           UtcTime now);

// The principal of an Authorization header value. nullopt for an empty header (anonymous).
// kInvalidArgument for a header that is not "Bearer TOKEN"; kNotFound for an unknown or
// revoked token.
[[nodiscard]] Result<std::optional<Principal>> Authenticate(store::Store& store,
                                                            std::string_view authorization);

}  // namespace truce::server
