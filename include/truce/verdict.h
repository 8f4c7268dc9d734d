// Verdicts: which reports break which rule of which zone version, and how sure we can be.
//
// A report's place is a disc and its time an interval. It violates a rule of a zone version
// when the interval overlaps the version's validity and the disc meets the zone:
//   kInside   the whole disc lies inside the zone and the whole interval within the validity;
//   kPossible otherwise.
// `fraction` is the share of the disc's area inside the zone (docs/reports.md gives its
// accuracy). Reports whose alleged actor is a party the rule does not bind are not violations
// of it. Evaluation is a pure function of (scenario, reports): re-evaluating the same reports
// against a corrected scenario gives the corrected verdicts.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "truce/report.h"
#include "truce/scenario.h"

namespace truce {

enum class Verdict { kInside, kPossible };
std::string_view VerdictName(Verdict v) noexcept;

struct Violation {
  const Report* report = nullptr;
  const ZoneVersion* version = nullptr;
  RuleKind rule = RuleKind::kCeasefire;
  Verdict verdict = Verdict::kPossible;
  double fraction = 0;  // share of the report's disc inside the zone, 0..1
  std::string clause;   // Rule::Citation() of the rule broken ("" when uncited)
  std::string party;    // the scenario party the alleged actor resolved to, "" if none did
};

// Resolves free-text actor names (ACLED actor1/actor2) to scenario parties by id, name or
// alias, ignoring case and surrounding spaces. Thread-compatible.
class ActorResolver {
 public:
  explicit ActorResolver(const Scenario& scenario);
  // The party id, or "" when the name matches no party.
  std::string Resolve(std::string_view actor) const;

 private:
  std::vector<std::pair<std::string, std::string>> names_;  // lower-cased name -> party id
};

// Evaluates reports one at a time against every zone version of one scenario, with the zones'
// shapes built once: what a server that receives reports one by one needs. Not thread-safe (it
// holds a GEOS context): one per thread, or guarded. REQUIRES: `scenario` outlives it, and the
// report passed to Evaluate outlives the violations returned (they point into both).
struct EvaluatorOptions {
  // Decide a disc that clearly misses a zone, or lies clearly inside it, from a rectangle that
  // holds the disc's polygon (no geodesic, no polygon predicate). The verdicts are exactly the
  // full computation's (docs/performance.md); off only to compare against it.
  bool planar_prefilter = true;
  // The shortcuts of docs/performance.md "Report evaluation" that give bit-equal results (disc
  // polygons from shared geodesic lines, ...). Off only to compare against the reference.
  bool fast_discs = true;
  // The share computed in the disc's equal-area plane (src/core/disc_share.h: the true disc,
  // to within 1e-7), which also decides the verdict of a disc clearly across a zone's edge.
  // Off: the share of the 128-gon of equal area clipped by GEOS (within 0.001 of it; the
  // definition until 2026-11-30), and every verdict from the circumscribed polygon. The
  // verdicts are the same either way.
  bool plane_share = true;

  // Every shortcut off: the reference computation the shortcuts are tested against.
  static EvaluatorOptions Reference() {
    return {.planar_prefilter = false, .fast_discs = false, .plane_share = false};
  }
};

class ReportEvaluator {
 public:
  explicit ReportEvaluator(const Scenario& scenario, EvaluatorOptions options = {});
  ~ReportEvaluator();
  ReportEvaluator(const ReportEvaluator&) = delete;
  ReportEvaluator& operator=(const ReportEvaluator&) = delete;

  // The violations of `report`, ordered by zone and version, then rule.
  std::vector<Violation> Evaluate(const Report& report) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Evaluates `reports` against every zone version of `scenario`. The result is ordered by
// report (input order), then zone and version, then rule. Not thread-safe per call (it uses
// a GEOS context); concurrent calls are fine. REQUIRES: scenario and reports outlive the
// returned violations (they point into them).
std::vector<Violation> EvaluateReports(const Scenario& scenario, std::span<const Report> reports);

// The share of the geodesic disc (centre, radius) inside `shape`, and whether the disc lies
// wholly inside it (boundary included). Exposed for tests and for other verdicts (alerts).
struct DiscCoverage {
  bool meets = false;  // the disc touches or overlaps the shape
  double fraction = 0;
  bool wholly_inside = false;
};
DiscCoverage CoverDisc(const MultiPolygon& shape, LatLng centre, Meters radius);

}  // namespace truce
