// Incident reports: one source's account of one event, with the uncertainty of where and when
// made explicit as a disc and a time interval.
//
// A Report is never edited in place; a correction is a new revision with the same event_id.
// Values, safe to share between threads.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "truce/geo.h"
#include "truce/result.h"
#include "truce/scenario.h"
#include "truce/time.h"

namespace truce {

// ACLED precision codes (see docs/reports.md for the codebook reasoning).
//   geo_precision 1: the named town itself; 2: near a town, within its district; 3: only the
//   region (district or governorate) is known.
//   time_precision 1: the day is known; 2: only the week; 3: only the month.
inline constexpr int kMinPrecision = 1;
inline constexpr int kMaxPrecision = 3;

// The disc radius for an ACLED geo_precision code. REQUIRES: 1 <= code <= 3.
Meters RadiusForGeoPrecision(int geo_precision) noexcept;

// The interval of UTC time an ACLED date means at a time_precision, given the coded day and,
// for precision 1, an optional HH:MM time (then a one-minute interval). REQUIRES: 1..3.
TimeInterval IntervalForTimePrecision(UtcTime day, int time_precision,
                                      std::optional<std::chrono::minutes> time_of_day);

struct ReportSpec {
  std::string origin;  // "reports.csv:12", for messages
  std::string event_id;
  UtcTime event_date{};  // midnight UTC of the coded day
  int time_precision = 1;
  std::optional<std::chrono::minutes> time_of_day;
  std::string event_type;
  std::string sub_event_type;
  std::string actor1;
  std::string actor2;
  double latitude = 0;
  double longitude = 0;
  int geo_precision = 1;
  std::optional<Meters> uncertainty;  // overrides geo_precision's radius
  std::string source;
  std::string source_group;  // independence group; sources repeating one upstream share it
  std::string notes;
  std::optional<int> fatalities;
  std::optional<UtcTime> recorded_at;
  std::map<std::string, std::string> extra;  // columns truce does not interpret, kept verbatim
};

// The most text one report may carry: all its fields and extra columns together, in bytes.
inline constexpr size_t kMaxReportBytes = 256 * 1024;

// The largest uncertainty_m accepted: a report known only to within 500 km says nothing
// about a zone (ACLED's coarsest precision is a 50 km disc).
inline constexpr double kMaxUncertaintyMeters = 500'000;

class Report {
 public:
  // Validates: event_id non-empty, precision codes 1..3, coordinates in range, event_type a
  // known ACLED type, fatalities >= 0, uncertainty_m in [0, kMaxUncertaintyMeters], and the
  // text (truce/text_policy.h): event_id, source_group and the extra columns' names are
  // identifiers (source one of up to kMaxSourceBytes), actors and types names, notes and
  // the extra columns' values free text, all of it at most kMaxReportBytes. Lists every
  // problem, each "ORIGIN: FIELD: what".
  [[nodiscard]] static Result<Report> Create(ReportSpec spec);

  const std::string& event_id() const noexcept { return spec_.event_id; }
  const ReportSpec& spec() const noexcept { return spec_; }
  LatLng location() const noexcept { return location_; }
  Meters radius() const noexcept { return radius_; }
  const TimeInterval& when() const noexcept { return when_; }
  // Whether two reports say the same thing (same fields, origin ignored): re-importing an
  // identical report is a no-op, a different one is a new revision.
  bool SameContent(const Report& other) const;

 private:
  Report(ReportSpec spec, LatLng location, Meters radius, TimeInterval when)
      : spec_(std::move(spec)), location_(location), radius_(radius), when_(when) {}
  ReportSpec spec_;
  LatLng location_;
  Meters radius_;
  TimeInterval when_;
};

// The ACLED event types truce knows, in codebook spelling.
const std::vector<std::string_view>& AcledEventTypes();
// The codebook spelling of an ACLED event type named ignoring case, or nullopt.
std::optional<std::string_view> FindAcledEventType(std::string_view name);

// The rules a report of this type and sub-type can break. Hostilities (battles, explosions and
// remote violence, violence against civilians) fall under ceasefire; an air or drone strike is
// also a flight over the zone and so falls under no_fly too. Protests, riots and strategic
// developments break no rule.
std::vector<RuleKind> RulesBrokenBy(std::string_view event_type, std::string_view sub_event_type);

}  // namespace truce
