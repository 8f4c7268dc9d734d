// The one policy of who may do what and who may see what (docs/server.md "Who may do what").
//
// Two tables, both here and nowhere else:
//  - the permission table: for each Action a user can take, the roles that may take it;
//  - the redaction table: for each kind of report-derived record, which records a role sees
//    and which of their fields.
// Every operation of the application layer checks the first and passes every record it
// returns through the second, so an adapter (HTTP route, CLI command) cannot return more than
// the policy allows by forgetting to ask. Pure functions; thread-safe.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "app/roles.h"
#include "truce/result.h"

namespace truce::app {

enum class Action {
  kReadHealth,
  kReadMetrics,
  kReadScenario,
  kSubmitScenario,
  kReadZones,
  kReadReports,
  kSubmitReports,
  kReadPositions,
  kSubmitPositions,
  kReadClaims,
  kSubmitClaims,
  kReadViolations,
  kReadIncidents,
  kPublishIncident,
  kDecideIncidents,  // merge, split, grade
  kReadSummary,
  kReadLogProofs,  // the signed head, inclusion and consistency proofs
  kReadLogEntries,
  kReadFeatures,  // the OGC API landing page, conformance and collection list
  // Humanitarian deconfliction (docs/deconfliction.md "The server").
  kReadNotifications,  // protected sites and movements; every read is logged
  kSubmitNotifications,
  kReadAcknowledgements,
  kSubmitAcknowledgements,
  kSubmitDeliveryOutcomes,
  kReadAccess,  // the humanitarian_access verdicts
  kReadDeconflictionAlerts,
  kReadFlightViolations,
  kReadFlightTracks,  // the positions held, drawn as tracks (GeoJSON LineStrings)
  kReadExemptions,
  kSubmitExemptions,
  kReadAlerts,  // the list and the stream; each alert redacted for the reader's role
  kManageWebhooks,
};

struct Permission {
  Action action;
  std::string_view description;  // "submit reports", for messages
  // Who may. A request without a token is the public role, so an action the public may take
  // needs no credentials.
  RoleSet roles;
};

const Permission& PermissionFor(Action action) noexcept;
std::span<const Permission> Permissions() noexcept;
bool May(const Principal& who, Action action) noexcept;
// OK, or kForbidden: "the party role may not submit reports".
[[nodiscard]] Status Check(const Principal& who, Action action);

// --- Redaction --------------------------------------------------------------------------------

// Report-derived records as the API returns them.
enum class RecordKind {
  kReport,
  kViolation,
  kIncident,
  kClaim,
  // Humanitarian deconfliction: a site or movement (its coordinates), a party's answer to
  // one, an alert about one, and the access verdict of a zone and period.
  kNotification,
  kAcknowledgement,
  kAlert,
  kAccessVerdict,
  kFlightViolation,
  kFlightTrack,  // one aircraft's track: its fixes as a line, its violations marked
};

// What decides visibility of one record: who submitted the report it derives from, and whether
// a monitor has published it to the public.
struct Provenance {
  std::string submitted_by_party;  // "" unless submitted with a party token
  bool published = false;
  // Notifications, answers, alerts: whether the caller's party is told of the notification
  // (NotificationAudience, per the scenario's deconfliction policy); an answer's
  // submitted_by_party is the party that answered.
  bool told = false;
};

// Whether `who` sees the record at all (a party sees only its own raw reports; the public
// sees only published incidents and no raw report, violation or claim). Notifications and
// alerts: a party only those it is told of, the public never (it never sees a site's
// coordinates); answers: a party only its own; access verdicts: everyone.
bool Sees(const Principal& who, RecordKind kind, const Provenance& p) noexcept;

// Removes from `record` (a JSON object as formats/ encodes it) every field `who` may not see:
// the raw fields (sources, notes, actor texts, who submitted, claims) unless `who` may see the
// raw material of this record. Fields not named in the table are treated as raw, so a new field
// stays hidden from the public until the table says otherwise. REQUIRES: Sees(who, kind, p).
void Redact(const Principal& who, RecordKind kind, const Provenance& p, nlohmann::json& record);

// The fields of `kind` anyone who sees the record may read (the rest are raw). For the tests
// and the documentation.
std::span<const std::string_view> DerivedFields(RecordKind kind) noexcept;
// Whether `who` reads the raw fields of a record with provenance `p`.
bool SeesRaw(const Principal& who, const Provenance& p) noexcept;

}  // namespace truce::app
