// Corroboration: reports that describe one event grouped into an incident, independent sources
// counted once, the parties' claims linked, and the incident graded with its reason in words
// (docs/corroboration.md).
//
// Two reports describe the same event ("are linked") when their time intervals overlap or lie
// less than the scenario's time tolerance apart, one report's centre lies within the other's
// disc widened by the distance tolerance, and their event types are compatible; reports vaguer
// than the scenario's limits link to nothing. Incidents are the connected groups of linked
// reports, reshaped by analysts' decisions (merge, split, grade), which are expressed on report
// event ids so that they survive the arrival of new reports. The result depends only on the
// reports (with their arrival keys), claims and decisions, never on the order they are given in.
//
// An incident's id is "INC-" + the event id of its earliest-arrived report, so it does not
// change as later reports join. Every id an incident has had still resolves (Resolve()).
//
// Values here are safe to share between threads; Corroborator is not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "truce/geo.h"
#include "truce/report.h"
#include "truce/result.h"
#include "truce/scenario.h"
#include "truce/time.h"
#include "truce/verdict.h"

namespace truce {

// How far an incident is established, in the spirit of Airwars' grades but computed.
enum class Grade {
  kSingleSource,  // every report comes from one independence group
  kCorroborated,  // two or more independence groups
  kConfirmed,     // a monitor verified it, or the accused admitted it
  kContested,     // the parties assign responsibility differently
  kDenied,        // the accused denies it and nothing independent corroborates it
  kDiscounted,    // an analyst discounted it, with a reason (only by decision)
};

// "single-source", "corroborated", "confirmed", "contested", "denied", "discounted".
std::string_view GradeName(Grade grade) noexcept;
std::optional<Grade> ParseGrade(std::string_view name) noexcept;

// What a party's claim says.
enum class ClaimKind {
  kAssertIncident,        // it happened
  kDenyIncident,          // it did not happen
  kAssignResponsibility,  // `responsible` did it
  kDenyResponsibility,    // `responsible` did not do it
  kAccuse,                // `responsible` broke the ceasefire (possibly with no report)
};

// "assert_incident", "deny_incident", "assign_responsibility", "deny_responsibility", "accuse".
std::string_view ClaimKindName(ClaimKind kind) noexcept;
std::optional<ClaimKind> ParseClaimKind(std::string_view name) noexcept;
// Whether the kind asserts (assert_incident, assign_responsibility, accuse) or denies.
bool ClaimAsserts(ClaimKind kind) noexcept;

// Where, when and what an accusation alleges, for accusations that name no report. Matching
// an incident needs `when` and `where`; an accusation naming only a zone counts in the side-by-
// side comparison but matches no incident.
struct AllegedEvent {
  std::optional<TimeInterval> when;
  std::optional<LatLng> where;
  Meters radius{0};        // uncertainty of `where`
  std::string event_type;  // an ACLED event type, or "" for any
  std::string zone;        // a zone id, when the claim names the zone rather than a place
  int count = 1;           // how many violations it alleges (a commission's daily count)
};

// A party's statement about an incident or about another party.
struct Claim {
  std::string id;     // stable key: the server's log index, "FILE:LINE" on the CLI
  std::string party;  // who says it
  ClaimKind kind = ClaimKind::kAssertIncident;
  // The report event id (or incident id) it is about; "" when it names none.
  std::string incident;
  // assign/deny_responsibility: the party held (or not held) responsible; accuse: the accused.
  std::string responsible;
  std::string text;
  std::optional<UtcTime> made_at;
  std::string source;    // where it was said (a URL)
  AllegedEvent alleged;  // accuse only
};

// Every defect of a claim, each "FIELD: problem" prefixed with `origin`: party and text
// required; assert/deny_incident name the incident; assign_responsibility and accuse name the
// party held responsible; deny_responsibility names an incident or a party (none: the claimant
// denies its own responsibility); the alleged event only on accusations, count >= 1, radius
// >= 0.
std::vector<std::string> ClaimProblems(const Claim& claim, std::string_view origin);

// An analyst's decision (monitor role), a submission of its own with who and when. Decisions
// are expressed on report event ids so that they survive re-clustering:
//   kMerge  the incidents holding `reports` (two or more) are one incident;
//   kSplit  `reports` form an incident apart from `rest` (the incident's other reports when
//           the decision was made; Corroborator::CompleteDecision fills it in);
//   kGrade  the incident holding reports[0] has `grade`, for `reason`.
// A later decision that contradicts an earlier one wins: a merge joining reports that an earlier
// split kept apart lifts that split; a split takes its reports out of earlier merges.
enum class DecisionKind { kMerge, kSplit, kGrade };
std::string_view DecisionKindName(DecisionKind kind) noexcept;  // "merge", "split", "grade"
std::optional<DecisionKind> ParseDecisionKind(std::string_view name) noexcept;

struct Decision {
  std::string id;  // stable key: the server's log index, "FILE:LINE" on the CLI
  DecisionKind kind = DecisionKind::kGrade;
  std::vector<std::string> reports;
  std::vector<std::string> rest;     // kSplit only
  Grade grade = Grade::kDiscounted;  // kGrade only
  std::string reason;                // required
  std::string by;                    // who decided (a token id, an analyst)
  UtcTime at{};                      // when
};

// A report as the corroboration engine takes it.
struct ReportEntry {
  // Borrowed. REQUIRES: it outlives the Corroborator, or is replaced by a later revision.
  const Report* report = nullptr;
  // The order the report arrived in: the server's log index; on the CLI, the position of the
  // event id's first appearance across the --reports files. Ties are broken by event id.
  uint64_t arrival = 0;
  // The party that submitted it ("" for none): a party's own reports are one group.
  std::string party;
  // Submitted by a monitor (the server's monitor role): the monitor verified the event.
  bool monitor = false;
};

// The violations an incident's reports show, per zone version and rule.
struct IncidentViolation {
  std::string zone;
  int version = 0;
  RuleKind rule = RuleKind::kCeasefire;
  Verdict verdict = Verdict::kPossible;  // inside when any report's verdict is inside
  std::string clause;
  std::vector<std::string> parties;  // resolved parties named by the reports, sorted
  std::vector<std::string> reports;  // event ids, by arrival
};

// An aircraft track that came within the fusion distance of a strike report's disc during its
// interval: evidence on the incident, not a verdict.
struct TrackLink {
  std::string report;  // the strike report's event id
  std::string icao24;
  std::string callsign;
  UtcTime time{};                  // the fix closest to the disc
  Meters distance;                 // from that fix to the disc's edge; 0 inside the disc
  Meters from_centre;              // from that fix to the disc's centre
  std::optional<Meters> altitude;  // of that fix
  size_t positions = 0;            // the track's fixes within the distance in the interval
};

// What the position data could see of a strike report's area and interval. No track seen is
// not evidence that no aircraft flew: this says whether anything could have been seen.
struct StrikeCoverage {
  std::string report;
  Meters area_radius;  // the disc radius plus the fusion distance
  TimeInterval interval = TimeInterval::Instant(UtcTime{});
  size_t positions_in_area = 0;      // fixes within the area during the interval
  size_t aircraft_in_area = 0;       // distinct aircraft among them
  size_t positions_in_interval = 0;  // fixes anywhere in the data during the interval
  std::string statement;             // the above in words
};

// Which decision shaped an incident.
struct DecisionRef {
  std::string id;
  DecisionKind kind = DecisionKind::kGrade;
  std::string by;
  UtcTime at{};
  std::string reason;
};

// One event as established from its reports. `reports` and `claims` point into the inputs
// of the Corroborator that made it.
struct Incident {
  std::string id;                      // "INC-" + the anchor report's event id
  uint64_t arrival = 0;                // the anchor's arrival key
  std::vector<const Report*> reports;  // by arrival; reports[0] is the anchor
  std::vector<std::string> sources;    // distinct source names, sorted
  std::vector<std::string> groups;     // the independence groups, sorted
  Grade grade = Grade::kSingleSource;
  std::string reason;  // why, in words, naming sources and claims
  // The same without the names of sources, claimants or analysts (for the public role).
  std::string public_reason;
  Grade computed_grade = Grade::kSingleSource;  // before any analyst's grade decision
  std::vector<const Claim*> claims;             // linked claims, by made_at then id
  std::vector<std::string> accused;             // parties held responsible by reports or claims
  std::vector<std::string> monitors;            // the monitor reports' event ids
  std::vector<std::string> merged;              // ids that were merged into this incident
  std::vector<std::string> split_from;          // ids of incidents this one was split from
  std::vector<DecisionRef> decisions;           // decisions naming its reports, in order
  TimeInterval when = TimeInterval::Instant(UtcTime{});  // the hull of the reports' intervals
  LatLng where;                                          // the most precise report's centre
  Meters radius;                                         // and its radius
  std::vector<std::string> event_types;                  // distinct, sorted
  // Filled by the caller: AttachViolations, AirPicture::Fuse.
  std::vector<IncidentViolation> violations;
  std::vector<TrackLink> tracks;
  std::vector<StrikeCoverage> coverage;

  size_t independent_groups() const noexcept { return groups.size(); }
};

struct CorroborationStats {
  size_t reports = 0;
  size_t too_vague = 0;   // reports beyond max_radius or max_interval (link to nothing)
  size_t components = 0;  // connected groups of linked reports
  size_t incidents = 0;
  size_t claims = 0;
  size_t claims_linked = 0;
  size_t decisions = 0;
};

// The incremental engine. Reports, claims and decisions may come all at once or one at a time
// in any order (decisions in the order they were made); the incidents are the same. Adding a
// report costs about its neighbours in a space-time grid and re-examines only the incidents
// it touches. Not thread-safe; not copyable.
class Corroborator {
 public:
  // Takes the scenario's corroboration() settings and its parties (to resolve actors and
  // sources to parties); copies them, so the scenario need not outlive this object.
  explicit Corroborator(const Scenario& scenario);
  ~Corroborator();
  Corroborator(const Corroborator&) = delete;
  Corroborator& operator=(const Corroborator&) = delete;

  // Adds reports. A report whose event id is known replaces the earlier revision and keeps its
  // arrival key. REQUIRES: every entry's report is non-null.
  void AddReports(std::span<const ReportEntry> entries);
  // Adds claims (copied).
  void AddClaims(std::span<const Claim> claims);
  // Checks a new decision against the current incidents and completes it (a split's `rest`),
  // without recording it: what the server does before it logs a decision. Errors, each naming
  // the field: kInvalidArgument, no reason or no `by`, a merge of fewer than two reports, a
  // grade of other than one report, a report both split off and left behind; kNotFound, an
  // unknown report; kConflict, a merge of reports already in one incident, a split of reports
  // of several incidents or of all of one.
  [[nodiscard]] Result<Decision> CompleteDecision(Decision decision);
  // Records a decision (a replay of a logged one): only the checks that hold whenever it is
  // replayed (reason, who, known reports, sizes); a split without `rest` is completed first.
  // Decisions apply in the order they are added.
  [[nodiscard]] Status AddDecision(Decision decision);

  // The incidents, ordered by their anchor's arrival. The pointers stay valid until the next
  // call of a non-const method.
  std::vector<const Incident*> Incidents();
  // The incident with this id, or that an id it once had now resolves to; nullptr if none.
  const Incident* Find(std::string_view id);
  // The incident holding the report with this event id; nullptr if none.
  const Incident* IncidentOfReport(std::string_view event_id);
  // Claims that link to no incident (no such report, or an accusation matching none).
  std::vector<const Claim*> UnlinkedClaims();
  CorroborationStats Stats();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Whether two reports describe the same event under `settings` (the link criterion above).
bool ReportsLinked(const Report& a, const Report& b, const CorroborationSettings& settings);

// The quadratic reference: every pair of reports tested with ReportsLinked, groups of linked
// reports as lists of indices into `reports`, each sorted, ordered by first index. For tests
// and benchmarks.
std::vector<std::vector<size_t>> ClusterAllPairs(std::span<const Report* const> reports,
                                                 const CorroborationSettings& settings);

// Fills each incident's `violations` from the violations of its reports (EvaluateReports).
void AttachViolations(std::span<Incident> incidents, std::span<const Violation> violations);

}  // namespace truce
