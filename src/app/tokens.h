// Bearer tokens: made by `truce token create`, stored only as SHA-256 hashes, and the
// authentication of an Authorization header to a Principal. What each role may do is the
// permission table in policy.h.
#pragma once

#include <string>
#include <string_view>

#include "app/roles.h"
#include "app/signing.h"
#include "store/store.h"
#include "truce/result.h"

namespace truce::app {

struct NewToken {
  store::TokenRecord record;
  std::string secret;  // "truce_<id>_<64 hex digits>": shown once, never stored
};

// What the log key signs of a token row (store::TokenRecord::signature):
//   "truce-token-v1\n<id>\n<secret hash hex>\n<role>\n<party>\n<created_at ms>\n"
// A row whose role, party, hash or creation time was changed in the database no longer carries
// a valid signature and is refused. (Revocation is not signed: clearing revoked_at in the
// database brings a revoked token back; docs/server.md "Tokens".)
std::string TokenMessage(const store::TokenRecord& token);
// Whether `token` carries `key`'s signature of its row.
bool TokenSigned(const store::TokenRecord& token, const PublicKey& key);

// Makes and stores a token, signed with the log key. A party token needs `party`; other roles
// must not have one (kInvalidArgument otherwise).
[[nodiscard]] Result<NewToken> CreateToken(store::Store& store, const SigningKey& key, Role role,
                                           std::string party, UtcTime now);

// The principal of an Authorization header value:
//   ""                      the public (Principal::Anonymous());
//   "Bearer TOKEN"          the token's principal;
//   "Basic BASE64(U:TOKEN)" the same, for clients that can only send HTTP Basic (QGIS): the
//                           token is the password, the user name is ignored.
// kUnauthenticated for any other header, an unknown or a revoked token, or a token whose row
// does not carry `key`'s signature (altered in the database); kIo when the store fails.
[[nodiscard]] Result<Principal> Authenticate(store::Store& store, const PublicKey& key,
                                             std::string_view authorization);

}  // namespace truce::app
