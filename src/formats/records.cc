#include "formats/records.h"

#include <cmath>

namespace truce::formats {

double RoundTo4(double x) noexcept { return std::round(x * 1e4) / 1e4; }

nlohmann::json ViolationToJson(const Violation& v, int revision) {
  const Report& r = *v.report;
  return {{"report", r.event_id()},
          {"revision", revision},
          {"zone", v.version->zone()},
          {"version", v.version->version()},
          {"rule", RuleKindName(v.rule)},
          {"verdict", VerdictName(v.verdict)},
          {"fraction", RoundTo4(v.fraction)},
          {"clause", v.clause},
          {"party", v.party},
          {"event_date", FormatUtcDate(r.spec().event_date)},
          {"event_type", r.spec().event_type},
          {"time_begin", FormatTimestamp(r.when().begin())},
          {"time_end", FormatTimestamp(r.when().end())},
          {"latitude", r.location().lat()},
          {"longitude", r.location().lng()},
          {"radius_m", r.radius().value}};
}

}  // namespace truce::formats
