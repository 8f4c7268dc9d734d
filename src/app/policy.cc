#include "app/policy.h"

#include <algorithm>
#include <array>

#include <fmt/format.h>

namespace truce::app {
namespace {

using R = Role;
constexpr RoleSet kEveryone = RoleSet::Everyone();
constexpr RoleSet kInsiders = RoleSet::Insiders();
constexpr RoleSet kStaff = RoleSet::Staff();

// The permission table (docs/server.md shows it as the endpoint x role matrix).
constexpr std::array<Permission, 24> kPermissions = {{
    {Action::kReadHealth, "read the health check", kEveryone},
    {Action::kReadMetrics, "read the metrics", kStaff},
    {Action::kReadScenario, "read the scenario", kEveryone},
    {Action::kSubmitScenario, "submit a scenario version", {R::kAdmin}},
    {Action::kReadZones, "read the zones", kEveryone},
    // Raw reports name their sources: never the public; a party only its own (Sees below).
    {Action::kReadReports, "read reports", kInsiders},
    {Action::kSubmitReports, "submit reports", kStaff | RoleSet{R::kParty, R::kGuarantor}},
    {Action::kReadPositions, "read positions", kStaff | RoleSet{R::kGuarantor}},
    {Action::kSubmitPositions, "submit positions", kStaff},
    {Action::kReadClaims, "read claims", kInsiders},
    {Action::kSubmitClaims, "submit claims", kStaff | RoleSet{R::kParty}},
    {Action::kReadViolations, "read violations", kInsiders},
    {Action::kReadIncidents, "read incidents", kEveryone},
    {Action::kPublishIncident, "publish incidents", kStaff},
    {Action::kDecideIncidents, "merge, split or grade incidents", kStaff},
    {Action::kReadSummary, "read summaries", kEveryone},
    {Action::kReadLogProofs, "read the log's proofs", kEveryone},
    {Action::kReadLogEntries, "read log entries", kStaff | RoleSet{R::kGuarantor}},
    {Action::kReadFeatures, "read the feature collections", kEveryone},
    // The flight ban is public: everyone reads its violations (the public without the
    // aircraft's identity, see kFlightViolationDerived).
    {Action::kReadFlightViolations, "read flight violations", kEveryone},
    // Notified flights name humanitarian aircraft and their windows: never the public or a
    // party; the deconfliction cell notifies them.
    {Action::kReadExemptions, "read flight exemptions",
     kStaff | RoleSet{R::kGuarantor, R::kHumanitarian}},
    {Action::kSubmitExemptions, "submit flight exemptions", kStaff | RoleSet{R::kHumanitarian}},
    // Every role reads alerts, each alert passed through the redaction table for its record
    // (the public's stream carries flight violations without identities, no report's).
    {Action::kReadAlerts, "read alerts", kEveryone},
    // A webhook receives alerts as the role it names reads them: only the admin decides that.
    {Action::kManageWebhooks, "manage webhooks", {R::kAdmin}},
}};

// The derived fields of each record kind: what anyone who sees the record may read. Raw
// fields are everything else.
// The public form of formats::IncidentToPublicJson (its reason names no source, claimant or
// analyst) and the single-report keys the API kept.
constexpr std::array<std::string_view, 22> kIncidentDerived = {
    "incident",    "reports",         "independent_groups",
    "grade",       "reason",          "violations",
    "event_types", "time_begin",      "time_end",
    "latitude",    "longitude",       "radius_m",
    "merged",      "split_from",      "id",
    "event_date",  "event_type",      "sub_event_type",
    "fatalities",  "alleged_parties", "zones",
    "published",
};
constexpr std::array<std::string_view, 16> kViolationDerived = {
    "report",   "revision", "zone",      "version",    "rule",       "verdict",
    "fraction", "clause",   "party",     "event_type", "event_date", "time_begin",
    "time_end", "latitude", "longitude", "radius_m",
};

// A flight violation as the public reads it: everything but the aircraft's identity (icao24,
// callsign).
constexpr std::array<std::string_view, 27> kFlightViolationDerived = {
    "zone",       "version",      "rule",
    "entry_time", "entry_lat",    "entry_lon",
    "exit_time",  "exit_lat",     "exit_lon",
    "duration_s", "verdict",      "lost_inside",
    "entry_ms",   "exit_ms",      "entry_kind",
    "exit_kind",  "entry_gap_s",  "exit_gap_s",
    "inside_s",   "incursions",   "positions_inside",
    "min_alt_m",  "max_alt_m",    "clause",
    "open",       "last_contact", "id",
};

}  // namespace

const Permission& PermissionFor(Action action) noexcept {
  for (const Permission& p : kPermissions) {
    if (p.action == action) return p;
  }
  return kPermissions.front();  // unreachable: every action is in the table (tested)
}

std::span<const Permission> Permissions() noexcept { return kPermissions; }

bool May(const Principal& who, Action action) noexcept {
  return PermissionFor(action).roles.Has(who.role);
}

Status Check(const Principal& who, Action action) {
  if (May(who, action)) return Status::Ok();
  return MakeError(ErrorCode::kForbidden, fmt::format("the {} role may not {}", RoleName(who.role),
                                                      PermissionFor(action).description));
}

bool SeesRaw(const Principal& who, const Provenance& p) noexcept {
  switch (who.role) {
    case Role::kAdmin:
    case Role::kMonitor:
    case Role::kGuarantor:
    case Role::kHumanitarian:
      return true;
    case Role::kParty:
      // A party reads the raw material of what it submitted itself, nothing else.
      return !who.party.empty() && p.submitted_by_party == who.party;
    case Role::kPublic:
      return false;
  }
  return false;
}

bool Sees(const Principal& who, RecordKind kind, const Provenance& p) noexcept {
  switch (kind) {
    case RecordKind::kReport:
      return who.role != Role::kPublic && SeesRaw(who, p);
    case RecordKind::kViolation:
    case RecordKind::kClaim:
      return who.role != Role::kPublic;
    case RecordKind::kIncident:
      return who.role != Role::kPublic || p.published;
    case RecordKind::kFlightViolation:
      return true;  // the public reads the derived fields
  }
  return false;
}

std::span<const std::string_view> DerivedFields(RecordKind kind) noexcept {
  switch (kind) {
    case RecordKind::kIncident:
      return kIncidentDerived;
    case RecordKind::kViolation:
      return kViolationDerived;
    case RecordKind::kFlightViolation:
      return kFlightViolationDerived;
    case RecordKind::kReport:
    case RecordKind::kClaim:
      return {};  // raw through and through
  }
  return {};
}

void Redact(const Principal& who, RecordKind kind, const Provenance& p, nlohmann::json& record) {
  if (!record.is_object()) return;
  // Claims are statements made to every insider; they carry no source to protect.
  if (kind == RecordKind::kClaim && who.role != Role::kPublic) return;
  // Flight violations derive from positions, which no party submits: every insider reads them
  // whole, the public without the aircraft's identity.
  if (kind == RecordKind::kFlightViolation && who.role != Role::kPublic) return;
  if (SeesRaw(who, p)) return;
  // Reports and claims have no derived fields: a caller that got here without asking Sees()
  // gets an empty object rather than the raw record.
  const auto derived = DerivedFields(kind);
  for (auto it = record.begin(); it != record.end();) {
    if (std::find(derived.begin(), derived.end(), it.key()) == derived.end()) {
      it = record.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace truce::app
