// The kinds of submission the transparency log holds, and the registry that knows, for each,
// its name in the log, how an entry of it is described, and which query rows it derives.
//
// Adding a kind: a new file in kinds/ defining its KindSpec, its enumerator below, and one line
// in the registry (submission.cc). Everything that reads the log (the ledger's append and
// verification, the application's views, `truce verify`) goes through the registry.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "store/store.h"
#include "truce/report.h"
#include "truce/result.h"

namespace truce::app {

enum class SubmissionKind {
  kReport,
  kPositions,
  kClaim,
  kScenario,
  kPublication,
  kDecision,
  // Humanitarian deconfliction (docs/deconfliction.md "The server").
  kSite,
  kMovement,
  kAcknowledgement,
  kDeliveryOutcome,
  kDisclosure,  // a read of a site or movement list: who was shown what, when
  kExemption,
  kTokenRevocation  // an operator revoked an API token (tokens.h)
};

// A submission about to become a log entry.
struct Submission {
  SubmissionKind kind = SubmissionKind::kReport;
  std::string submitter;  // token id
  std::string party;      // the party a party token is bound to, else ""
  nlohmann::json body;
  int revision = 0;  // reports: revision number; scenarios: version number; else unused
  std::string role;  // the submitter's role ("monitor", ...), "" for the operator
  // Kind report: the body as a Report, `body` left null. The ledger writes its bytes without
  // a tree and hands the Report itself to the views and the alerts (docs/performance.md
  // "Entries written from the report").
  std::shared_ptr<const Report> report = nullptr;
};

// A log entry's data read once, shared by everything that reads the entry as it is appended or
// replayed (DeriveIndex, the views, the alerts), so that none of them parses it again
// (docs/performance.md "Durable ingest"). ParseEntry (ledger.h) makes one.
struct ParsedEntry {
  // The entry data, a JSON object. For a report submitted as a Report (Submission::report),
  // every member but the body, which is null: `report` holds it.
  nlohmann::json data;
  // Kind "report": its body read as a report (ReportFromBody); null when it is not a valid one.
  std::shared_ptr<const Report> report;
};

struct KindSpec {
  SubmissionKind kind;
  std::string_view name;  // "report", "positions", ... as written in the log
  // The key under which the entry data carries Submission::revision ("revision", "version"),
  // or "" when the kind has none.
  std::string_view revision_key;
  // The query rows an entry of this kind adds, from its parsed data alone (docs/server.md "Log
  // format"). kInvalidInput naming the entry when the data is not a well-formed entry of the
  // kind.
  Result<store::EntryIndex> (*derive)(const store::LogEntry& entry, const ParsedEntry& parsed);
  // "report SYR123 revision 2", "positions batch of 40", ... for messages.
  std::string (*describe)(const nlohmann::json& data);
};

const KindSpec& Spec(SubmissionKind kind) noexcept;
// The kind a log entry names; nullptr for a name no kind has.
const KindSpec* FindKind(std::string_view name) noexcept;

namespace detail {
// Shared by the kinds: a string / integer member of `j`, "" / 0 when absent or mistyped.
std::string StringField(const nlohmann::json& j, const char* key);
int IntField(const nlohmann::json& j, const char* key);
// The error for an entry whose data does not hold a well-formed submission.
Error Malformed(const store::LogEntry& entry, std::string_view what);
}  // namespace detail

}  // namespace truce::app
