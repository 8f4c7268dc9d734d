// kind "claim": a party's statement about an incident or another party (intake's
// NormalizeClaim gives its form).
#include <fmt/format.h>

#include "app/intake.h"
#include "app/submission.h"

namespace truce::app {
namespace {

using nlohmann::json;

Result<store::EntryIndex> Derive(const store::LogEntry& entry, const ParsedEntry& parsed) {
  const json& data = parsed.data;
  std::vector<Problem> problems;
  auto c = NormalizeClaim(data.value("body", json()), "", problems);
  if (!c) {
    std::string why;
    for (const Problem& p : problems) why += (why.empty() ? "" : "; ") + p.ToString();
    return detail::Malformed(entry, "not a valid claim: " + why);
  }
  store::EntryIndex rows;
  rows.claims.push_back(store::ClaimRow{entry.index, detail::StringField(*c, "party"),
                                        detail::StringField(*c, "incident"),
                                        detail::StringField(*c, "stance"), entry.received_at});
  return rows;
}

std::string Describe(const json& data) {
  return fmt::format("claim by {}", detail::StringField(data.value("body", json()), "party"));
}

}  // namespace

extern const KindSpec kClaimKind = {SubmissionKind::kClaim, "claim", "", &Derive, &Describe};

}  // namespace truce::app
