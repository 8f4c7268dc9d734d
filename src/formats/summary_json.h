// The period summary as JSON, one shape for `truce summary --format json` and
// GET /api/v1/summary: counts as {"count", "previous", "change"}, the period and the previous
// one as inclusive days {"from", "to"}; per zone the flight ban as {"flights": count,
// "minutes_inside": count} where the minutes have one decimal.
#pragma once

#include <nlohmann/json.hpp>

#include "truce/summary.h"

namespace truce::formats {

nlohmann::json SummaryToJson(const PeriodSummary& summary);

}  // namespace truce::formats
