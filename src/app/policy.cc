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
constexpr std::array<Permission, 32> kPermissions = {{
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
    // A no-strike list can become a target list: never the public; a party only what it is
    // told of (Sees below); every read is logged.
    {Action::kReadNotifications, "read notified sites and movements", kInsiders},
    {Action::kSubmitNotifications, "notify sites and movements", {R::kAdmin, R::kHumanitarian}},
    {Action::kReadAcknowledgements, "read acknowledgements", kInsiders},
    // A party answers as itself; the cell records an answer given through another channel.
    {Action::kSubmitAcknowledgements,
     "acknowledge notifications",
     {R::kAdmin, R::kHumanitarian, R::kParty}},
    // The cell hears from its convoys; the monitors see them arrive or not.
    {Action::kSubmitDeliveryOutcomes, "report delivery outcomes",
     kStaff | RoleSet{R::kHumanitarian}},
    {Action::kReadAccess, "read humanitarian access", kEveryone},
    {Action::kReadDeconflictionAlerts, "read deconfliction alerts", kInsiders},
    // The flight ban is public: everyone reads its violations (the public without the
    // aircraft's identity, see kFlightViolationDerived).
    {Action::kReadFlightViolations, "read flight violations", kEveryone},
    // A track is the positions drawn as a line: whoever reads positions reads tracks.
    {Action::kReadFlightTracks, "read flight tracks", kStaff | RoleSet{R::kGuarantor}},
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
// The track evidence ("tracks", "coverage") derives from positions, which no party submits: it
// names no source, so everyone who sees the incident reads it, the public without the
// aircraft's identity (kTrackIdentity), as for flight violations.
constexpr std::array<std::string_view, 25> kIncidentDerived = {
    "incident",    "reports",         "independent_groups",
    "grade",       "reason",          "violations",
    "event_types", "time_begin",      "time_end",
    "latitude",    "longitude",       "radius_m",
    "merged",      "split_from",      "id",
    "event_date",  "event_type",      "sub_event_type",
    "fatalities",  "alleged_parties", "zones",
    "published",   "log_entry",       "tracks",
    "coverage",
};
// The fields of an incident's track link that identify the aircraft: never the public's.
constexpr std::array<std::string_view, 2> kTrackIdentity = {"icao24", "callsign"};
constexpr std::array<std::string_view, 16> kViolationDerived = {
    "report",   "revision", "zone",      "version",    "rule",       "verdict",
    "fraction", "clause",   "party",     "event_type", "event_date", "time_begin",
    "time_end", "latitude", "longitude", "radius_m",
};

// The access verdict of a zone and period: the counts anyone may read. The list of movements
// (ids, organisations, windows, outcomes) is for insiders.
constexpr std::array<std::string_view, 15> kAccessDerived = {
    "zone",          "rule",    "from",     "to",          "verdict",
    "rule_in_force", "clauses", "notified", "got_through", "delivered",
    "partial",       "blocked", "delayed",  "unreported",  "late_notice",
};

// Whether `who` reads every field of a record it sees.
bool ReadsWhole(const Principal& who, RecordKind kind, const Provenance& p) noexcept {
  switch (kind) {
    case RecordKind::kNotification:
    case RecordKind::kAcknowledgement:
    case RecordKind::kAlert:
      return Sees(who, kind, p);  // no field of them is hidden from one who sees them
    case RecordKind::kAccessVerdict:
      return who.role != Role::kPublic;  // a party's list is cut to what it is told of first
    case RecordKind::kFlightViolation:
      return who.role != Role::kPublic;  // no party submits positions: insiders read them whole
    case RecordKind::kFlightTrack:
      return Sees(who, kind, p);  // the positions themselves: all of it or nothing
    case RecordKind::kReport:
    case RecordKind::kViolation:
    case RecordKind::kIncident:
    case RecordKind::kClaim:
      break;
  }
  return SeesRaw(who, p);
}

// A flight violation as the public reads it: everything but the aircraft's identity (icao24,
// callsign, and "id", which begins with the icao24). "path" (entry, every fix in violation,
// exit: the geometry of the flight-violations feature collection) is the evidence of the
// violation, public like its entry and exit; "violating" marks a segment of a track.
constexpr std::array<std::string_view, 28> kFlightViolationDerived = {
    "zone",       "version",      "rule",
    "entry_time", "entry_lat",    "entry_lon",
    "exit_time",  "exit_lat",     "exit_lon",
    "duration_s", "verdict",      "lost_inside",
    "entry_ms",   "exit_ms",      "entry_kind",
    "exit_kind",  "entry_gap_s",  "exit_gap_s",
    "inside_s",   "incursions",   "positions_inside",
    "min_alt_m",  "max_alt_m",    "clause",
    "open",       "last_contact", "path",
    "violating",
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
    case RecordKind::kNotification:
    case RecordKind::kAlert:
      if (who.role == Role::kParty) return !who.party.empty() && p.told;
      return who.role != Role::kPublic;
    case RecordKind::kAcknowledgement:
      if (who.role == Role::kParty) {
        return !who.party.empty() && p.submitted_by_party == who.party && p.told;
      }
      return who.role != Role::kPublic;
    case RecordKind::kAccessVerdict:
      return true;
    case RecordKind::kFlightViolation:
      return true;  // the public reads the derived fields
    case RecordKind::kFlightTrack:
      // A track is positions: whoever the table lets read tracks reads them whole.
      return May(who, Action::kReadFlightTracks);
  }
  return false;
}

std::span<const std::string_view> DerivedFields(RecordKind kind) noexcept {
  switch (kind) {
    case RecordKind::kIncident:
      return kIncidentDerived;
    case RecordKind::kViolation:
      return kViolationDerived;
    case RecordKind::kAccessVerdict:
      return kAccessDerived;
    case RecordKind::kFlightViolation:
      return kFlightViolationDerived;
    case RecordKind::kReport:
    case RecordKind::kClaim:
    case RecordKind::kNotification:  // coordinates: nothing for whoever does not see it whole
    case RecordKind::kAcknowledgement:
    case RecordKind::kAlert:
    case RecordKind::kFlightTrack:  // positions: nothing for whoever does not see them whole
      return {};                    // raw through and through
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
  if (kind == RecordKind::kIncident && who.role == Role::kPublic) {
    const auto tracks = record.find("tracks");
    if (tracks != record.end() && tracks->is_array()) {
      for (nlohmann::json& link : *tracks) {
        if (!link.is_object()) continue;
        for (std::string_view field : kTrackIdentity) link.erase(std::string(field));
      }
    }
  }
  if (ReadsWhole(who, kind, p)) return;
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
