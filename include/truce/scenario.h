// The register of a de-escalation regime: parties, agreements with their clauses, and zones,
// each zone a series of dated versions with a boundary, an optional altitude band and the
// rules in force.
//
// Objects here are valid once created (Create() checks and reports every problem) and
// immutable afterwards; they are safe to share between threads.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "truce/geo.h"
#include "truce/geometry.h"
#include "truce/result.h"
#include "truce/time.h"

namespace truce {

// What a zone forbids or guarantees.
enum class RuleKind {
  kCeasefire,           // no hostilities by the bound parties
  kNoFly,               // no flights, save exemptions (notified humanitarian flights)
  kHumanitarianAccess,  // rapid, unhindered and safe access for aid
};

// "ceasefire", "no_fly", "humanitarian_access": the names used in files and output.
std::string_view RuleKindName(RuleKind kind) noexcept;
std::optional<RuleKind> ParseRuleKind(std::string_view name) noexcept;

struct Rule {
  RuleKind kind = RuleKind::kCeasefire;
  // The clause cited: agreement id and clause id. Both empty when the zone comes from a bare
  // zones file with no agreements to cite.
  std::string agreement;
  std::string clause;
  // Parties bound by the rule. Empty: every party of the cited agreement (or everyone, when
  // no agreement is cited).
  std::vector<std::string> bound;

  // "astana-memorandum-2017 clause 2", or "" when uncited.
  std::string Citation() const;
  friend bool operator==(const Rule&, const Rule&) = default;
};

// Heights in metres above mean sea level within which a no_fly rule applies.
// Missing bounds are open: no min means from the ground, no max means without ceiling.
struct AltitudeBand {
  std::optional<Meters> min;
  std::optional<Meters> max;
  bool Contains(Meters altitude) const noexcept {
    return (!min || altitude >= *min) && (!max || altitude <= *max);
  }
  friend bool operator==(const AltitudeBand&, const AltitudeBand&) = default;
};

struct Party {
  std::string id;
  std::string name;
  std::string kind;  // "state", "armed_group", "international"
  std::string note;
  // Other names reports use for the party (ACLED actor names such as
  // "Military Forces of Syria (2000-)"), matched without regard to case.
  std::vector<std::string> aliases;
};

struct Clause {
  std::string id;
  std::string text;
};

struct Agreement {
  std::string id;
  std::string name;
  std::optional<UtcTime> signed_on;
  std::optional<UtcTime> effective;
  std::optional<UtcTime> expires;
  std::vector<std::string> parties;
  std::vector<std::string> guarantors;
  std::vector<std::string> observers;
  std::string source;
  std::vector<Clause> clauses;

  const Clause* FindClause(std::string_view clause_id) const;
};

// What one party is told of humanitarian notifications (docs/deconfliction.md), overriding
// the default: the notifications near the zones whose rules bind the party.
struct NotificationGrant {
  std::string party;
  bool all = false;  // every notification, wherever it is
  // These zones (ids) instead of the zones whose rules bind the party; empty: none.
  std::optional<std::vector<std::string>> zones;
  std::optional<Meters> buffer;  // instead of DeconflictionPolicy::buffer
  friend bool operator==(const NotificationGrant&, const NotificationGrant&) = default;
};

// The scenario's humanitarian deconfliction policy: the optional "deconfliction" block of
// scenario.json. The defaults apply when the block is absent.
struct DeconflictionPolicy {
  // A party sees a notification that lies within this distance of a zone it is told about.
  Meters buffer{10'000};
  // Each party told of a notification must acknowledge it within this time of its
  // notification (and a movement before its window opens).
  std::chrono::hours acknowledgement_due{24};
  std::vector<NotificationGrant> grants;  // at most one per party

  const NotificationGrant* FindGrant(std::string_view party) const {
    for (const NotificationGrant& g : grants) {
      if (g.party == party) return &g;
    }
    return nullptr;
  }
  friend bool operator==(const DeconflictionPolicy&, const DeconflictionPolicy&) = default;
};

// Everything needed to make a ZoneVersion, as read from a file.
struct ZoneVersionSpec {
  std::string origin;  // where it came from, for messages: "zones.geojson feature 3"
  std::string zone;
  std::string name;
  int version = 1;
  UtcTime valid_from{};
  std::optional<UtcTime> valid_to;
  MultiPolygon shape;
  AltitudeBand altitude;
  std::vector<Rule> rules;
  std::string agreement;
  std::string source;
  std::string note;
};

// One dated version of a zone. Immutable.
class ZoneVersion {
 public:
  // Validates the spec: zone id present, version >= 1, valid_from < valid_to, altitude band
  // ordered and only on versions with a no_fly rule, no rule cited twice, valid geometry.
  // Ring orientation is normalised (outer CCW, holes CW), not rejected. On failure the error
  // lists every problem, each prefixed "ORIGIN (zone 'Z' version V)".
  [[nodiscard]] static Result<ZoneVersion> Create(ZoneVersionSpec spec);

  const std::string& zone() const noexcept { return spec_.zone; }
  const std::string& name() const noexcept { return spec_.name; }
  int version() const noexcept { return spec_.version; }
  const TimeInterval& validity() const noexcept { return validity_; }
  const MultiPolygon& shape() const noexcept { return spec_.shape; }
  const LatLngRect& bounds() const noexcept { return bounds_; }
  const AltitudeBand& altitude() const noexcept { return spec_.altitude; }
  const std::vector<Rule>& rules() const noexcept { return spec_.rules; }
  // The first rule of `kind`, or nullptr. A version may carry several rules of one kind from
  // different agreements; iterate rules() to see them all.
  const Rule* FindRule(RuleKind kind) const;
  const std::string& agreement() const noexcept { return spec_.agreement; }
  const std::string& source() const noexcept { return spec_.source; }
  const std::string& note() const noexcept { return spec_.note; }
  const std::string& origin() const noexcept { return spec_.origin; }
  // "zone 'idlib' version 2", for messages.
  std::string Label() const;

 private:
  ZoneVersion(ZoneVersionSpec spec, TimeInterval validity, LatLngRect bounds)
      : spec_(std::move(spec)), validity_(validity), bounds_(bounds) {}
  ZoneVersionSpec spec_;
  TimeInterval validity_;
  LatLngRect bounds_;
};

// A zone: its id and its versions in order. A view into a Scenario, valid while it lives.
struct Zone {
  std::string id;
  std::vector<const ZoneVersion*> versions;  // by version number
  const ZoneVersion* At(UtcTime t) const {
    for (const ZoneVersion* v : versions) {
      if (v->validity().Contains(t)) return v;
    }
    return nullptr;
  }
};

// How reports are grouped into incidents and linked to aircraft tracks: the optional
// "corroboration" object of scenario.json. docs/corroboration.md gives the reasoning for each
// default.
struct CorroborationSettings {
  // Two reports' time intervals must overlap or lie less than this apart.
  std::chrono::milliseconds time_tolerance = std::chrono::hours(3);
  // One report's centre must lie within the other's disc widened by this.
  Meters distance{1'000};
  // Reports vaguer than these (disc radius, interval length) cannot tell events apart: each
  // stays an incident of its own unless an analyst merges it.
  Meters max_radius{10'000};
  std::chrono::milliseconds max_interval = std::chrono::hours(24);
  // Pairs of ACLED event types that may describe one event; a type always matches itself.
  std::vector<std::pair<std::string, std::string>> compatible_types = {
      {"Battles", "Explosions/Remote violence"},
      {"Battles", "Violence against civilians"},
      {"Explosions/Remote violence", "Violence against civilians"},
      {"Protests", "Riots"}};
  // Sources, source groups or party ids whose reports are a monitor's own verification.
  std::vector<std::string> monitors;
  // Air-ground fusion: aircraft seen within this distance of a strike report's disc.
  Meters track_distance{10'000};
};

struct ScenarioSpec {
  std::string origin;  // the path it was read from
  std::string id;
  std::string name;
  std::string description;
  std::vector<Party> parties;
  std::vector<Agreement> agreements;
  std::vector<ZoneVersion> zone_versions;
  // True when parties and agreements were declared (a scenario directory). A bare zones file
  // declares none, so the agreements, clauses and parties its rules name are not checked.
  bool has_register = false;
  DeconflictionPolicy deconfliction;
  CorroborationSettings corroboration;
};

// A whole regime: the register plus every zone version. Immutable.
class Scenario {
 public:
  // Cross-checks the parts: unique party, agreement and clause ids; agreements name known
  // parties; each rule cites an existing agreement and clause and binds known parties; no two
  // versions of one zone share a version number or overlap in time; the deconfliction policy
  // grants known parties known zones, once each, with buffers >= 0. Every problem is listed.
  [[nodiscard]] static Result<Scenario> Create(ScenarioSpec spec);

  const std::string& origin() const noexcept { return spec_.origin; }
  const std::string& id() const noexcept { return spec_.id; }
  const std::string& name() const noexcept { return spec_.name; }
  const std::string& description() const noexcept { return spec_.description; }
  const std::vector<Party>& parties() const noexcept { return spec_.parties; }
  const std::vector<Agreement>& agreements() const noexcept { return spec_.agreements; }
  // Sorted by zone id, then version.
  const std::vector<ZoneVersion>& zone_versions() const noexcept { return spec_.zone_versions; }
  bool has_register() const noexcept { return spec_.has_register; }
  const DeconflictionPolicy& deconfliction() const noexcept { return spec_.deconfliction; }
  const CorroborationSettings& corroboration() const noexcept { return spec_.corroboration; }

  // Every zone with its versions, by zone id.
  std::vector<Zone> Zones() const;
  const Party* FindParty(std::string_view id) const;
  const Agreement* FindAgreement(std::string_view id) const;
  // The versions in force at `t`, in zone order.
  std::vector<const ZoneVersion*> InForceAt(UtcTime t) const;
  // Whether `party` is bound by `rule` (see Rule::bound).
  bool Binds(const Rule& rule, std::string_view party) const;

 private:
  explicit Scenario(ScenarioSpec spec) : spec_(std::move(spec)) {}
  ScenarioSpec spec_;
};

}  // namespace truce
