// kind "token-revocation": an operator revoked an API token. The token's row in the store
// carries `revoked_at` too, but a row can be edited in the database; the log entry cannot be
// removed or changed unnoticed, so the server refuses a token revoked in the log whatever its
// row says, and `truce verify` names a row whose revocation was cleared (docs/server.md
// "Tokens"). Body: {"token": token id, "revoked_at": "YYYY-MM-DDTHH:MM:SS.sssZ"}. No query rows.
#include <fmt/format.h>

#include "app/submission.h"
#include "truce/time.h"

namespace truce::app {
namespace {

using nlohmann::json;

Result<store::EntryIndex> Derive(const store::LogEntry& entry, const ParsedEntry& parsed) {
  const json& data = parsed.data;
  const json& body = data.value("body", json());
  if (detail::StringField(body, "token").empty()) {
    return detail::Malformed(entry, "a token revocation names the token (\"token\")");
  }
  if (!ParseTimestamp(detail::StringField(body, "revoked_at")).ok()) {
    return detail::Malformed(entry, "a token revocation has its time (\"revoked_at\")");
  }
  return store::EntryIndex{};
}

std::string Describe(const json& data) {
  return fmt::format("revocation of token {}",
                     detail::StringField(data.value("body", json()), "token"));
}

}  // namespace

extern const KindSpec kTokenRevocationKind = {SubmissionKind::kTokenRevocation, "token-revocation",
                                              "", &Derive, &Describe};

}  // namespace truce::app
