// Bearer tokens: made by `truce token create`, stored only as SHA-256 hashes, and the
// authentication of an Authorization header to a Principal. What each role may do is the
// permission table in policy.h.
#pragma once

#include <string>
#include <string_view>

#include "app/roles.h"
#include "store/store.h"
#include "truce/result.h"

namespace truce::app {

struct NewToken {
  store::TokenRecord record;
  std::string secret;  // "truce_<id>_<64 hex digits>": shown once, never stored
};

// Makes and stores a token. A party token needs `party`; other roles must not have one
// (kInvalidArgument otherwise).
[[nodiscard]] Result<NewToken> CreateToken(store::Store& store, Role role, std::string party,
                                           UtcTime now);

// The principal of an Authorization header value:
//   ""                      the public (Principal::Anonymous());
//   "Bearer TOKEN"          the token's principal;
//   "Basic BASE64(U:TOKEN)" the same, for clients that can only send HTTP Basic (QGIS): the
//                           token is the password, the user name is ignored.
// kUnauthenticated for any other header, an unknown or a revoked token; kIo when the store
// fails.
[[nodiscard]] Result<Principal> Authenticate(store::Store& store, std::string_view authorization);

}  // namespace truce::app
