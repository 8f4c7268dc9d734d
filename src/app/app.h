// The application layer: every operation a user of the server can perform, as one typed call
// (valhalla's tyr::actor_t). The HTTP routes (src/server/) and the CLI parse their input, call
// an operation, and encode its result; they hold no rules of their own.
//
// Every operation takes the calling Principal, checks the permission table (policy.h) and
// passes every report-derived record it returns through the redaction table, so an adapter
// cannot show a caller more than the policy allows. Submissions become entries of the
// transparency log (ledger.h) and are applied to the derived views (views.h) in the same step,
// so queries never re-read or re-evaluate what they have seen.
//
// Thread-safe: operations may run concurrently from many threads; submissions are serialised.
//
// Several servers may share one store (PostgreSQL), each with its own App and Ledger. Each
// submission holds the store's append lock from reading the views to appending, after bringing
// the views up to the log, so it is decided on everything any server committed (revision
// numbers, duplicates, scenario versions come out as with one server). Reads follow the others
// through Refresh: the log (heads, proofs, entries) on every read, the views at most every
// AppLimits::refresh_interval (docs/server.md "Several servers on one database").
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/air_evidence.h"
#include "app/alerts.h"
#include "app/flight_views.h"
#include "app/ledger.h"
#include "app/metrics.h"
#include "app/policy.h"
#include "app/roles.h"
#include "app/views.h"
#include "formats/daily_report.h"
#include "formats/export.h"
#include "store/store.h"
#include "truce/deconfliction.h"
#include "truce/geo.h"
#include "truce/result.h"
#include "truce/side_by_side.h"
#include "truce/summary.h"
#include "truce/time.h"

namespace truce::app {

struct AppLimits {
  size_t max_reports_per_batch = 10000;
  size_t max_positions_per_batch = 100000;
  size_t max_claims_per_batch = 1000;
  size_t default_page = 100;
  size_t max_page = 1000;
  // How often, at most, a request checks whether other servers sharing the store appended
  // (one read of the latest head; see App::Refresh). 0: every request.
  std::chrono::milliseconds refresh_interval{100};
  // Group commit (Ledger::Prepare): submissions that arrive while a store transaction is in
  // flight are written together by the next one (one fsync for many). A failed transaction
  // then makes the server refuse submissions until it is restarted. Off: one transaction per
  // submission, and a failed one changes nothing (serve turns it off for PostgreSQL).
  bool group_commit = true;
};

// A page of a list: the items (encoded and redacted) and the cursor of the next page, "" at
// the end.
struct JsonPage {
  std::vector<nlohmann::json> items;
  std::string next;
};

// Where a page starts and how long it is. REQUIRES: 1 <= limit.
struct PageRequest {
  std::optional<std::string> cursor;
  size_t limit = 100;
};

// Which of a derived list's matching records to encode: those at [offset, offset + limit) in
// the list's order. Every record is still filtered and counted, but only the slice is encoded
// and redacted, so that a page costs its own items rather than the whole list's.
struct Slice {
  uint64_t offset = 0;
  size_t limit = std::numeric_limits<size_t>::max();

  [[nodiscard]] bool Holds(uint64_t k) const { return k >= offset && k - offset < limit; }
};

// A slice of a derived list and how many records matched in all.
struct CountedItems {
  std::vector<nlohmann::json> items;
  uint64_t matched = 0;
};

// Filters over report-derived events. `from`/`to`: the event's interval overlaps [from, to).
struct EventFilter {
  std::optional<UtcTime> as_of, from, to;
  std::optional<LatLngRect> bbox;
  std::string zone, party, type;
};

struct ViolationFilter : EventFilter {
  std::optional<Verdict> verdict;
  std::string rule;  // "ceasefire", "no_fly", ... ("" for all)
};

struct IncidentFilter : EventFilter {
  std::string grade;
  bool published_only = false;
};

struct ReportFilter {
  std::optional<UtcTime> as_of, from, to;
  std::optional<LatLngRect> bbox;
  std::string event_id, type, party;
  bool all_revisions = false;
};

struct PositionFilter {
  std::optional<UtcTime> as_of, from, to;
  std::optional<LatLngRect> bbox;
  std::string icao24;
};

// Flight violations (flight_ops.cc): those of aircraft `icao24` in `zone` whose interval
// [entry, exit) overlaps [from, to) (an open one extends to the end of time) and whose path
// meets `bbox`.
struct FlightViolationFilter {
  std::optional<UtcTime> as_of, from, to;
  std::optional<LatLngRect> bbox;
  std::string zone, icao24;
};
// Whether violation `v` (open or not) passes `filter` (icao24 already normalised).
bool FlightViolationMatches(const FlightViolationFilter& filter, const FlightViolation& v,
                            bool open);

// Flight tracks (flight_track_ops.cc): the tracks of aircraft `icao24` whose time [first fix,
// last fix] overlaps [from, to) and whose line meets `bbox`.
struct FlightTrackFilter {
  std::optional<UtcTime> as_of, from, to;
  std::optional<LatLngRect> bbox;
  std::string icao24;
};

// One record of a feature collection as GeoJSON, with where and when it lies (for extents).
struct FeatureRecord {
  nlohmann::json feature;  // {"type": "Feature", "id", "geometry", "properties"}, redacted
  LatLngRect bounds;
  UtcTime begin{}, end{};
};

// One aircraft's track (split at silences longer than max_gap, as `truce flights` splits it)
// and the segments of it that violate the flight ban.
struct FlightTrackRecord {
  FeatureRecord track;                     // a LineString (a Point for a single fix)
  std::vector<nlohmann::json> violations;  // one LineString feature per violation in it
};

struct ClaimFilter {
  std::optional<UtcTime> as_of;
  std::string party, incident;
};

// What one submitted item became.
struct ItemOutcome {
  std::string id;        // event id (reports), "" otherwise
  int revision = 0;      // reports: the revision the item is (new or existing)
  bool created = false;  // false: identical to the stored revision, nothing appended
  uint64_t log_index = 0;
  std::optional<Receipt> receipt;  // for created items
};

struct SubmitOutcome {
  std::vector<ItemOutcome> items;
  size_t accepted = 0;
  size_t unchanged = 0;
  size_t positions = 0;  // positions batches: the number of positions in the entry
  int version = 0;       // scenario versions: the version in force after the submission
  // Sites and movements: per item (parallel to `items`), who is told of it and, for a
  // movement, its notice check ({"audience": [...], "notice": {...}}).
  std::vector<nlohmann::json> details;
  store::TreeHead head;
};

struct Health {
  uint64_t log_size = 0;
  int schema_version = 0;
};

struct ScenarioDocument {
  std::shared_ptr<const StoredScenario> stored;
};

// Zone versions of one scenario version; the pointers live as long as `scenario`.
struct ZoneSelection {
  std::shared_ptr<const StoredScenario> scenario;
  std::vector<const ZoneVersion*> versions;
};

struct SideBySideQuery {
  std::optional<UtcTime> as_of;
  std::string zone;
  TimeInterval period = TimeInterval::Instant(UtcTime{});
};

// The feature collections of the OGC API (src/server/ogc_resource.cc).
enum class FeatureKind {
  kZones,
  kIncidents,
  kViolations,
  kReports,
  kFlightTracks,
  kFlightViolations,
  kSites,
  kMovements,
};

// Where and when the records of one collection lie, as one caller sees them.
struct CollectionExtent {
  LatLngRect bbox;                    // empty when the caller sees no record
  std::optional<UtcTime> begin, end;  // nullopt: none seen, or (end) open-ended
};

// Zone versions whose validity overlaps [from, to) and whose shape meets `bbox`.
struct ZoneFilter {
  std::optional<UtcTime> as_of, from, to;
  std::optional<LatLngRect> bbox;
};

// An export of incidents or violations (export_ops.cc): the same filters as the list, the
// same records through the same policy, encoded for another tool.
struct ExportQuery {
  formats::ExportRecord record = formats::ExportRecord::kIncident;
  formats::ExportFormat format = formats::ExportFormat::kCsv;
  IncidentFilter incidents;    // when record is kIncident
  ViolationFilter violations;  // when record is kViolation
};

struct ExportDocument {
  std::string media_type;  // "text/csv; charset=utf-8", "application/geo+json"
  std::string filename;    // "truce-incidents.csv", for Content-Disposition
  std::string body;
  size_t records = 0;
};

// The daily report of one zone and day (daily_report_ops.cc).
struct DailyReportQuery {
  std::string zone;
  UtcTime day{};                 // REQUIRES: midnight UTC
  std::optional<UtcTime> as_of;  // the log as it stood then; nullopt: its current head
};

struct SummaryQuery {
  std::optional<UtcTime> as_of;
  TimeInterval period = TimeInterval::Instant(UtcTime{});
  std::string zone;  // "" for every zone
};

// --- Humanitarian deconfliction (deconfliction_ops.cc) ---------------------------------------

// Sites or movements: the latest revision of each, as of `as_of`.
struct NotificationFilter {
  std::optional<UtcTime> as_of;
  std::optional<UtcTime> at;       // in force at: the site's validity or movement's window holds it
  std::string organisation, type;  // type: sites only
  nlohmann::json query = nlohmann::json::object();  // the request's filters, for the log
  // The feature collections' filters: validity (window) overlapping [from, to), the shape
  // meeting bbox, one id.
  std::optional<UtcTime> from, to;
  std::optional<LatLngRect> bbox;
  std::string id;
};

// A page of sites or movements and the log entry recording that the caller was shown it.
struct DisclosedPage {
  JsonPage page;
  Receipt receipt;         // of the disclosure entry
  std::string entry_data;  // its canonical entry data: SHA-256(0x00 || it) is its leaf hash
  size_t matched = 0;      // the items matching the filter, over every page
};

struct AcknowledgementFilter {
  std::optional<UtcTime> as_of;  // also the time the states are evaluated at (default: now)
  std::string kind, notification, party, state;
};

struct AccessQuery {
  std::optional<UtcTime> as_of;  // outcomes known by then (default: now)
  std::string zone;              // "" for every zone
  TimeInterval period = TimeInterval::Instant(UtcTime{});
};

struct DeconflictionAlertFilter {
  std::optional<UtcTime> as_of, from, to;  // from/to: the alert's time in [from, to)
  std::string kind, target, verdict;
};

class App {
 public:
  // Opens the application over a store and its ledger: rebuilds the views from the log.
  // kInvalidInput when a stored entry cannot be read (run `truce verify --db`).
  [[nodiscard]] static Result<std::unique_ptr<App>> Open(store::Store& store, Ledger& ledger,
                                                         Metrics& metrics, AppLimits limits = {},
                                                         Clock clock = SystemNow);
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  const AppLimits& limits() const noexcept { return limits_; }
  // The store, for the services beside the API that keep state of their own in it (the
  // webhooks' registrations and delivery record); never the log, which goes through the ledger.
  store::Store& store() noexcept { return store_; }
  Metrics& metrics() noexcept { return metrics_; }
  UtcTime Now() const { return clock_(); }

  // Computes the current snapshot's verdicts so that the first query does not pay for them.
  void WarmUp();

  // Follows what other servers sharing the store appended: catches the ledger up (its checks:
  // Ledger::CatchUp) and applies the new entries to the views. Cheap when nothing changed (one
  // read of the latest head). Submissions do it themselves; requests do it through
  // Authenticate, at most every refresh_interval. kConflict / kInvalidInput when the stored log
  // no longer agrees with what this server has seen (run `truce verify --db`).
  [[nodiscard]] Status Refresh();

  // --- Who is calling ----------------------------------------------------------------------
  // See tokens.h Authenticate. Every request starts here, so this is also where a server
  // sharing its store catches up with the others (Refresh, at most every refresh_interval).
  // A token revoked in the log (RevokeToken) is refused whatever its row in the store says.
  [[nodiscard]] Result<Principal> Authenticate(std::string_view authorization);

  // Revokes API token `token_id`: a token-revocation log entry (the evidence no database edit
  // can take back), then the token's row (revoked_at). The operator's operation (`truce token
  // revoke`, run by whoever holds the database and its key), not a route: `who` is recorded as
  // the entry's submitter. Revoking a token already revoked in the log appends nothing and
  // still marks its row. kNotFound for an unknown id. Returns the revoking entry's index.
  [[nodiscard]] Result<uint64_t> RevokeToken(const Principal& who, const std::string& token_id);

  // --- Health and metrics ------------------------------------------------------------------
  [[nodiscard]] Result<Health> GetHealth();
  [[nodiscard]] Result<std::string> MetricsText(const Principal& who);

  // --- Scenario and zones ------------------------------------------------------------------
  [[nodiscard]] Result<ScenarioDocument> GetScenario(const Principal& who,
                                                     std::optional<UtcTime> as_of);
  [[nodiscard]] Result<std::vector<std::shared_ptr<const StoredScenario>>> ScenarioVersions(
      const Principal& who);
  // Makes `bundle` (scenario_bundle.h) the scenario in force: appended as a new version unless
  // it equals the latest. kInvalidInput listing every problem of a bad bundle.
  [[nodiscard]] Result<SubmitOutcome> SubmitScenario(const Principal& who, nlohmann::json bundle);
  // The same for the operator starting the server (`truce serve --scenario`): no principal.
  [[nodiscard]] Result<SubmitOutcome> AdoptScenario(nlohmann::json bundle,
                                                    std::string_view submitter);
  // The zone versions in force at `at` (all when nullopt) of the scenario as of `as_of`.
  // kNotFound when no scenario had been loaded.
  [[nodiscard]] Result<ZoneSelection> Zones(const Principal& who, std::optional<UtcTime> at,
                                            std::optional<UtcTime> as_of);

  // --- Submissions -------------------------------------------------------------------------
  // `items` are JSON objects; `batch` says whether they came as an array (problem paths are
  // then "/3/field", else "/field"). All or nothing: kInvalidInput listing every problem, and
  // nothing stored. A party submits only as itself (kForbidden otherwise) and revises only its
  // own reports.
  [[nodiscard]] Result<SubmitOutcome> SubmitReports(const Principal& who,
                                                    std::vector<nlohmann::json> items, bool batch);
  // `body`: an array of position records, or {"positions": [...]}.
  [[nodiscard]] Result<SubmitOutcome> SubmitPositions(const Principal& who, nlohmann::json body);
  [[nodiscard]] Result<SubmitOutcome> SubmitClaims(const Principal& who,
                                                   std::vector<nlohmann::json> items, bool batch);
  // `incident`: an incident id (any it has had) or a report's event id.
  [[nodiscard]] Result<SubmitOutcome> PublishIncident(const Principal& who,
                                                      const std::string& incident);
  // An analyst's decision on incident `id`: {"action": "merge", "with": [ids], "reason"},
  // {"action": "split", "reports": [event ids], "reason"} or {"action": "grade", "grade",
  // "reason"}; logged with who and when, replayed on every later clustering.
  [[nodiscard]] Result<SubmitOutcome> DecideIncident(const Principal& who, const std::string& id,
                                                     const nlohmann::json& body);
  // Decisions from a file (formats/decisions.h), in order, each checked against the incidents
  // as they then stand; one whose id is already logged is a no-op, so a file can be loaded
  // again. Stops at the first decision refused, naming it.
  [[nodiscard]] Result<SubmitOutcome> ImportDecisions(const Principal& who,
                                                      std::vector<Decision> decisions);

  // Notified flights (formats::ExemptionFromJson gives the form), one log entry each; every
  // no-fly verdict from then on is judged with them (earlier positions are re-judged too).
  [[nodiscard]] Result<SubmitOutcome> SubmitExemptions(const Principal& who,
                                                       std::vector<nlohmann::json> items,
                                                       bool batch);

  // --- Queries -----------------------------------------------------------------------------
  [[nodiscard]] Result<JsonPage> ListReports(const Principal& who, const ReportFilter& filter,
                                             const PageRequest& page);
  [[nodiscard]] Result<JsonPage> ListPositions(const Principal& who, const PositionFilter& filter,
                                               const PageRequest& page);
  [[nodiscard]] Result<JsonPage> ListClaims(const Principal& who, const ClaimFilter& filter,
                                            const PageRequest& page);
  // Every matching record, encoded and redacted, in a stable order; or only `slice` of them
  // (with the count of all).
  [[nodiscard]] Result<std::vector<nlohmann::json>> Violations(const Principal& who,
                                                               const ViolationFilter& filter);
  [[nodiscard]] Result<CountedItems> Violations(const Principal& who, const ViolationFilter& filter,
                                                const Slice& slice);
  [[nodiscard]] Result<std::vector<nlohmann::json>> Incidents(const Principal& who,
                                                              const IncidentFilter& filter);
  [[nodiscard]] Result<CountedItems> Incidents(const Principal& who, const IncidentFilter& filter,
                                               const Slice& slice);
  // One incident by any id it has had; kNotFound also for one the caller may not see.
  [[nodiscard]] Result<nlohmann::json> GetIncident(const Principal& who, const std::string& id,
                                                   std::optional<UtcTime> as_of);
  // Each party's alleged violations in a zone and period against the established count.
  [[nodiscard]] Result<SideBySide> ClaimsSideBySide(const Principal& who,
                                                    const SideBySideQuery& query);
  // The latest revision of each report as a record with its place, for feature collections.
  [[nodiscard]] Result<std::vector<nlohmann::json>> ReportRecords(const Principal& who,
                                                                  const EventFilter& filter);
  [[nodiscard]] Result<CountedItems> ReportRecords(const Principal& who, const EventFilter& filter,
                                                   const Slice& slice);
  // --- Feature collections (feature_ops.cc) -------------------------------------------------
  // The extent of a collection's records visible to `who` (the same records, through the same
  // policy, as the collection's list operation), as of `as_of`. Zones: their bounds and
  // validity; records: their places and event intervals.
  [[nodiscard]] Result<CollectionExtent> Extent(const Principal& who, FeatureKind kind,
                                                std::optional<UtcTime> as_of);
  // Zone versions matching `filter` (the shape itself, not its bounds, must meet the bbox), of
  // the scenario as of `filter.as_of`; none when no scenario had been loaded.
  [[nodiscard]] Result<ZoneSelection> ZonesMatching(const Principal& who, const ZoneFilter& filter);

  // The records the list operation (Incidents, Violations) gives `who`, encoded as CSV with
  // ACLED's columns, HXL-tagged CSV or GeoJSON (formats/export.h). kForbidden as the list.
  [[nodiscard]] Result<ExportDocument> Export(const Principal& who, const ExportQuery& query);

  // The daily report of a zone (formats/daily_report.h) as `who` may read it, made from the
  // latest signed tree head at or before `as_of` and from the log as it stood at that head,
  // so that the same query gives the same report whenever it is asked. kNotFound for an
  // unknown zone, no scenario, or no head as early as `as_of`.
  [[nodiscard]] Result<formats::DailyReportData> DailyReport(const Principal& who,
                                                             const DailyReportQuery& query);
  // --- The flight ban (flight_ops.cc) -------------------------------------------------------
  // Every matching flight violation as `truce flights` prints it plus "id", "open" and
  // "last_contact" (docs/server.md "Flight violations"), redacted for `who`, by entry time.
  [[nodiscard]] Result<std::vector<nlohmann::json>> FlightViolations(
      const Principal& who, const FlightViolationFilter& filter);
  [[nodiscard]] Result<std::vector<nlohmann::json>> Exemptions(const Principal& who,
                                                               std::optional<UtcTime> as_of);
  // With flight workers (`truce serve --nats`, docs/deployment.md "Message bus and workers"):
  // FlightViolations without as_of reads the violations the workers stored (the same records;
  // "open" judged with the latest position time they have seen) instead of judging here.
  void ReadFlightViolationsFromWorkers() noexcept { worker_flights_ = true; }
  // --- Flight tracks (flight_track_ops.cc) ----------------------------------------------------
  // The tracks of the positions held as of `filter.as_of`, by first fix then icao24, each with
  // its violating segments (docs/server.md "Flight tracks"). kForbidden unless `who` reads
  // tracks (kReadFlightTracks); every record through the redaction policy.
  [[nodiscard]] Result<std::vector<FlightTrackRecord>> FlightTracks(
      const Principal& who, const FlightTrackFilter& filter);
  // The flight violations of FlightViolations as GeoJSON features: the violation's path
  // (entry, each fix in violation, exit) as a LineString, where the policy lets `who` read it.
  [[nodiscard]] Result<std::vector<FeatureRecord>> FlightViolationFeatures(
      const Principal& who, const FlightViolationFilter& filter);

  // --- Alerts (alert_ops.cc) ------------------------------------------------------------------
  // The alerts `who` may see after the cursor (an alert id), of `kind` when given, redacted.
  [[nodiscard]] Result<JsonPage> ListAlerts(const Principal& who, std::optional<AlertKind> kind,
                                            const PageRequest& page);
  // A subscription to the alerts `who` may see after alert `after` (from now when nullopt).
  // kInvalidArgument for an id beyond the last alert.
  [[nodiscard]] Result<std::shared_ptr<AlertSubscription>> SubscribeAlerts(
      const Principal& who, std::optional<uint64_t> after, std::optional<AlertKind> kind);
  AlertLog& alert_log() noexcept { return alerts_; }

  // kNotFound when no scenario has been loaded or `zone` names no zone.
  [[nodiscard]] Result<PeriodSummary> Summary(const Principal& who, const SummaryQuery& query);

  // --- Humanitarian deconfliction (deconfliction_ops.cc) ------------------------------------
  // Protected sites: `body` is a site Feature, a FeatureCollection of them or an array of
  // them (problem paths "/properties/id", "/features/3/...", "/3/..."). A site is notified
  // when received (a client's notified_at is refused). An id already notified is a new
  // revision, or a no-op when nothing changed. All or nothing.
  [[nodiscard]] Result<SubmitOutcome> SubmitSites(const Principal& who, nlohmann::json body);
  // Movements likewise; each item's detail carries its notice check (late: flagged, stored).
  [[nodiscard]] Result<SubmitOutcome> SubmitMovements(const Principal& who, nlohmann::json body);
  // The sites / movements `who` may see (a party: those it is told of), as GeoJSON Features;
  // every read is appended to the log as a disclosure entry (who, what, when).
  [[nodiscard]] Result<DisclosedPage> ListSites(const Principal& who, const NotificationFilter& f,
                                                const PageRequest& page);
  [[nodiscard]] Result<DisclosedPage> ListMovements(const Principal& who,
                                                    const NotificationFilter& f,
                                                    const PageRequest& page);
  // The sites or movements `who` may see as feature-collection items (ListSites, ListMovements,
  // with a feature "id"), disclosed like every read; and their extent (not a read of the list:
  // the box and time span of what `who` may read, nothing logged).
  [[nodiscard]] Result<DisclosedPage> NotificationFeatures(const Principal& who,
                                                           NotificationKind kind,
                                                           const NotificationFilter& f,
                                                           const PageRequest& page);
  [[nodiscard]] Result<CollectionExtent> NotificationExtent(const Principal& who,
                                                            NotificationKind kind,
                                                            std::optional<UtcTime> as_of);
  // Answers {"kind", "notification", "response", "reason", "party"}: a party answers only as
  // itself and only what it was told of (kForbidden); the cell records a told party's answer.
  // kNotFound for an unknown notification.
  [[nodiscard]] Result<SubmitOutcome> SubmitAcknowledgements(const Principal& who,
                                                             std::vector<nlohmann::json> items,
                                                             bool batch);
  // Where each told party stands on each notification (pending, acknowledged, rejected,
  // overdue), ordered by kind, notification, party; a party sees only its own.
  [[nodiscard]] Result<std::vector<nlohmann::json>> Acknowledgements(
      const Principal& who, const AcknowledgementFilter& f);
  // What became of movement `movement`: {"status", "reason", "reported_by", "note"}.
  [[nodiscard]] Result<SubmitOutcome> SubmitDeliveryOutcome(const Principal& who,
                                                            const std::string& movement,
                                                            nlohmann::json body);
  // The humanitarian_access verdict per zone over the period (EvaluateAccess).
  [[nodiscard]] Result<std::vector<nlohmann::json>> Access(const Principal& who,
                                                           const AccessQuery& query);
  // The alerts the stored hostility reports raise against the notified sites and movements
  // (DeconflictionMonitor with the default AlertOptions, as `truce deconflict`), sorted
  // (SortAlerts); a party gets those about notifications it is told of. Typed, for producers.
  [[nodiscard]] Result<std::vector<truce::Alert>> DeconflictionAlerts(
      const Principal& who, const DeconflictionAlertFilter& f);
  // The same encoded (formats::AlertToJson) and passed through the redaction table.
  [[nodiscard]] Result<std::vector<nlohmann::json>> DeconflictionAlertRecords(
      const Principal& who, const DeconflictionAlertFilter& f);

  // --- The transparency log ----------------------------------------------------------------
  // The latest signed head of the log as committed by any server sharing the store.
  store::TreeHead Head() const;
  const PublicKey& public_key() const noexcept { return ledger_.public_key(); }
  struct InclusionProof {
    uint64_t index = 0, tree_size = 0;
    Hash leaf{}, root{};
    std::vector<Hash> proof;
  };
  // kInvalidArgument when index >= tree_size; kNotFound when tree_size is beyond the log.
  [[nodiscard]] Result<InclusionProof> Inclusion(const Principal& who, uint64_t index,
                                                 std::optional<uint64_t> tree_size);
  [[nodiscard]] Result<std::vector<Hash>> Consistency(const Principal& who, uint64_t first,
                                                      uint64_t second);
  // Raw entries from `from`, at most `limit`.
  [[nodiscard]] Result<JsonPage> LogEntries(const Principal& who, uint64_t from, size_t limit);

 private:
  App(store::Store& store, Ledger& ledger, Metrics& metrics, AppLimits limits, Clock clock)
      : store_(store),
        ledger_(ledger),
        metrics_(metrics),
        limits_(limits),
        clock_(std::move(clock)) {}

  // A submission by `who`: its token, its party when a party token, its role.
  static Submission SubmissionBy(const Principal& who, SubmissionKind kind, nlohmann::json body,
                                 int revision = 0);
  // Appends `subs` and applies the new entries to the views; returns once they are durable.
  // REQUIRES: submit_mu_ held. With group commit, submit_mu_ is given back while the entries
  // wait for the disk (the next submitters decide on the views with them applied) and taken
  // again before returning.
  [[nodiscard]] Result<std::vector<store::LogEntry>> AppendLocked(std::vector<Submission> subs);
  // Group commit: brings the flight views and the alerts up to the durable log (in index
  // order, each entry once) and shows the durable entries to readers. REQUIRES: apply_mu_.
  void AnnounceDurableLocked();
  // Refresh when refresh_interval has passed since the last check; errors are left for the
  // next submission (which refuses to decide on stale views) to report.
  void RefreshIfStale();
  // REQUIRES: apply_mu_ held.
  [[nodiscard]] Status RefreshLocked();
  // Applies the stored entries from views_.size() up to `size` to the views. REQUIRES:
  // apply_mu_ held.
  [[nodiscard]] Status ApplyUpTo(uint64_t size);
  [[nodiscard]] Result<SubmitOutcome> AdoptLocked(nlohmann::json bundle,
                                                  std::string_view submitter);
  [[nodiscard]] Result<std::shared_ptr<const Snapshot>> SnapshotAsOf(std::optional<UtcTime> as_of);
  [[nodiscard]] Result<SubmitOutcome> SubmitNotificationFeatures(const Principal& who,
                                                                 const nlohmann::json& body,
                                                                 NotificationKind kind);
  // `features`: each item carries its id as a GeoJSON feature's too (the OGC collections), so
  // that the disclosure's digest is of the items exactly as served.
  [[nodiscard]] Result<DisclosedPage> ListNotifications(const Principal& who,
                                                        const NotificationFilter& f,
                                                        const PageRequest& page,
                                                        NotificationKind kind,
                                                        bool features = false);
  // One page of `all` (sites or movements, `ids` their {"id", "revision"}), and the log entry
  // recording that `who` was shown it (deconfliction_ops.cc). `features`: as in
  // ListNotifications.
  [[nodiscard]] Result<DisclosedPage> Disclose(const Principal& who, std::string_view resource,
                                               const NotificationFilter& f,
                                               std::vector<nlohmann::json> all,
                                               std::vector<nlohmann::json> ids,
                                               const PageRequest& page, bool features);

  // The lock every submission holds (with std::lock_guard) from reading the views to
  // appending: one submission at a time in this process and, through the store's append lock,
  // among every server sharing the store. Taking it brings the views up to the log; when that
  // fails, AppendLocked refuses to append (the decision was made on stale views).
  class SubmitLock {
   public:
    explicit SubmitLock(App& app) : app_(app) {}
    void lock();
    void unlock();

   private:
    friend class App;
    App& app_;
    std::mutex mu_;
    std::unique_ptr<store::AppendLock> held_;
    std::optional<Error> failure_;
  };

  store::Store& store_;
  Ledger& ledger_;
  Metrics& metrics_;
  const AppLimits limits_;
  const Clock clock_;
  Views views_;
  FlightViews flights_;
  std::atomic<bool> worker_flights_{false};  // ReadFlightViolationsFromWorkers
  [[nodiscard]] Result<std::vector<nlohmann::json>> StoredFlightViolations(
      const Principal& who, const FlightViolationFilter& filter);
  AirEvidence air_evidence_{flights_};  // the incidents' track evidence (air_evidence.h)
  // Alerts, produced from each entry as it is applied (alert_ops.cc). REQUIRES for
  // ProduceAlerts: entries in index order, each once, serialised (submit_mu_ or Open).
  struct AlertState;
  static std::shared_ptr<AlertState> MakeAlertState();
  // `parsed`: the entry's data already read (ParseEntry), else it is read here.
  void ProduceAlerts(const store::LogEntry& entry, bool live, const ParsedEntry* parsed = nullptr);
  AlertLog alerts_;
  std::shared_ptr<AlertState> alert_state_ = MakeAlertState();
  std::mutex apply_mu_;  // entries reach the views in log order, each once
  // Group commit: entries applied to views_ whose flight views and alerts wait for them to be
  // durable (AnnounceDurableLocked). Guarded by apply_mu_.
  struct Unannounced {
    store::LogEntry entry;
    ParsedEntry parsed;  // its data, read once when it was prepared
  };
  std::deque<Unannounced> unannounced_;
  std::atomic<int64_t> last_refresh_check_ms_{0};  // steady clock
  SubmitLock submit_mu_{*this};  // one submission at a time: revision numbering, then the append
};

}  // namespace truce::app
