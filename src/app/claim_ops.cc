// Operations on claims: a party's statements about incidents and other parties.
#include <map>
#include <string>

#include <fmt/format.h>

#include "app/app.h"
#include "app/intake.h"
#include "formats/claims.h"
#include "formats/text_file.h"

namespace truce::app {

using nlohmann::json;

namespace {

// Whether two claims say the same thing: every field a claim is written with (ClaimToJson), so
// that a claim resubmitted under its id with another stance, kind or party held responsible
// is refused rather than taken for the stored one and dropped.
bool SameClaim(const Claim& a, const Claim& b) {
  return formats::ClaimToJson(a) == formats::ClaimToJson(b);
}

}  // namespace

Result<SubmitOutcome> App::SubmitClaims(const Principal& who, std::vector<json> items, bool batch) {
  if (Status st = Check(who, Action::kSubmitClaims); !st.ok()) return st.error();
  if (items.empty()) return MakeError(ErrorCode::kInvalidInput, "an empty batch of claims");
  if (items.size() > limits_.max_claims_per_batch) {
    return MakeError(ErrorCode::kTooLarge, fmt::format("{} claims in one batch; the limit is {}",
                                                       items.size(), limits_.max_claims_per_batch));
  }
  const bool as_party = who.Is(Role::kParty);
  // What is already stored is read under the submission lock, as for reports: checked before
  // it, two requests naming one claim id (or two servers over one store) could both append.
  std::lock_guard lock(submit_mu_);
  const auto stored = views_.ScenarioAt(views_.size());
  std::vector<Problem> problems;
  std::vector<Submission> subs;
  std::vector<ItemOutcome> unchanged;
  // Ids this batch adds, and the claim each stands for: a batch is checked against itself too.
  std::map<std::string, Claim, std::less<>> batch_ids;
  for (size_t i = 0; i < items.size(); ++i) {
    const std::string path = batch ? fmt::format("/{}", i) : "";
    json& item = items[i];
    if (as_party && item.is_object()) {
      const auto party = item.find("party");
      if (party != item.end() && !party->is_null() && *party != who.party) {
        Error e = MakeError(ErrorCode::kForbidden,
                            fmt::format("a party token claims only as party '{}'", who.party));
        e.problems.push_back(
            {JsonPointer(path, "party"), fmt::format("must be '{}' or absent", who.party)});
        return e;
      }
      item["party"] = who.party;
    }
    auto claim = NormalizeClaim(item, path, problems);
    if (!claim) continue;
    // The extended form (formats/claims.h: kinds, accusations) is checked too; a claim the
    // engine could not read would be refused when it is applied.
    auto typed = formats::ClaimFromJson(*claim, "body" + path, "new");
    if (!typed.ok()) {
      for (const Problem& p : typed.error().problems) problems.push_back({path, p.ToString()});
      continue;
    }
    // Claims are a party's word: the party (and the party it is about) must exist.
    if (stored && stored->scenario->has_register()) {
      for (const char* key : {"party", "about"}) {
        const std::string id = claim->value(key, std::string());
        if (!id.empty() && !stored->scenario->FindParty(id)) {
          problems.push_back(
              {JsonPointer(path, key), fmt::format("'{}' is not a party of the scenario", id)});
        }
      }
    }
    // A claim that names its own "id" is stored once: resubmitting the same party's same
    // words is a no-op (a claims file can be loaded again); anything else under that id is
    // refused, so no party can shadow another's claim by reusing its id.
    if (const auto id = claim->find("id"); id != claim->end() && id->is_string()) {
      // A claim without an id is known by its log index: digits alone are the log's, or a
      // claim could take the id of one logged later.
      const std::string text = id->get<std::string>();
      if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos) {
        problems.push_back({JsonPointer(path, "id"),
                            fmt::format("'{}': an id of digits alone is reserved for the log "
                                        "index of a claim sent without one",
                                        text)});
        continue;
      }
      if (const auto earlier = batch_ids.find(text); earlier != batch_ids.end()) {
        if (!SameClaim(earlier->second, *typed)) {
          problems.push_back({JsonPointer(path, "id"),
                              fmt::format("'{}' names another claim earlier in this batch; a "
                                          "claim id names one claim",
                                          earlier->first)});
        }
        continue;  // the same claim twice in one batch is stored once
      }
      if (const auto stored = views_.ClaimWithId(text)) {
        if (!SameClaim(stored->claim, *typed)) {
          problems.push_back({JsonPointer(path, "id"),
                              fmt::format("'{}' is already claim entry {}, with other content; "
                                          "a claim id names one claim",
                                          stored->claim.id, stored->entry)});
          continue;
        }
        unchanged.push_back(ItemOutcome{stored->claim.id, 0, false, stored->entry, std::nullopt});
        continue;
      }
      batch_ids.emplace(text, *typed);
    }
    subs.push_back(SubmissionBy(who, SubmissionKind::kClaim, std::move(*claim)));
  }
  if (!problems.empty()) {
    metrics_.Add("truce_submissions_rejected_total");
    return RejectedSubmission("claims", std::move(problems));
  }
  auto entries = AppendLocked(std::move(subs));
  if (!entries.ok()) return entries.error();
  SubmitOutcome out;
  for (Receipt& r : ReceiptsOf(*entries)) {
    out.items.push_back(ItemOutcome{"", 0, true, r.index, std::move(r)});
  }
  out.accepted = out.items.size();
  out.unchanged = unchanged.size();
  for (ItemOutcome& item : unchanged) out.items.push_back(std::move(item));
  metrics_.Add("truce_claims_accepted_total", out.accepted);
  out.head = ledger_.Head();
  return out;
}

Result<JsonPage> App::ListClaims(const Principal& who, const ClaimFilter& f,
                                 const PageRequest& page) {
  if (Status st = Check(who, Action::kReadClaims); !st.ok()) return st.error();
  store::ClaimQuery q;
  q.as_of = f.as_of;
  q.party = f.party;
  q.incident = f.incident;
  if (page.cursor) {
    auto after = ParseEntryCursor(*page.cursor);
    if (!after.ok()) return after.error();
    q.after = *after;
  }
  q.limit = page.limit + 1;
  auto rows = store_.QueryClaims(q);
  if (!rows.ok()) return rows.error();
  const bool more = rows->size() == q.limit;
  if (more) rows->pop_back();
  JsonPage out;
  for (const auto& r : *rows) {
    const Provenance provenance{r.row.party, false};
    if (!Sees(who, RecordKind::kClaim, provenance)) continue;
    auto data = formats::ParseJson(r.data, "stored claim");
    json item = {{"log_index", r.row.entry},
                 {"received_at", FormatTimestamp(r.row.received_at)},
                 {"claim", data.ok() ? data->value("body", json()) : json()}};
    Redact(who, RecordKind::kClaim, provenance, item);
    out.items.push_back(std::move(item));
  }
  if (more && !rows->empty()) out.next = std::to_string(rows->back().row.entry);
  return out;
}

}  // namespace truce::app
