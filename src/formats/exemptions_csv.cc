// The exemptions file of `truce flights --exemptions` and `truce summary` (positions.h).
#include <fmt/format.h>

#include "csv.h"
#include "points_csv.h"
#include "positions.h"
#include "truce/text_policy.h"

namespace truce::formats {

Result<std::vector<Exemption>> ParseExemptionsCsv(std::string_view text, const std::string& file) {
  auto table = ParseCsv(text, file);
  if (!table.ok()) return std::move(table).error();
  std::vector<std::string> problems;
  const auto icao = table->Column("icao24"), callsign = table->Column("callsign"),
             from = table->Column("from"), to = table->Column("to"), zone = table->Column("zone"),
             note = table->Column("note");
  for (const auto& [col, name] : {std::pair{icao, "icao24"}, std::pair{callsign, "callsign"},
                                  std::pair{from, "from"}, std::pair{to, "to"}}) {
    if (!col) {
      problems.push_back(fmt::format(
          "{}:1: header: missing column '{}' (expected icao24,callsign,from,to[,zone,note])", file,
          name));
    }
  }
  std::vector<Exemption> out;
  if (problems.empty()) {
    for (const CsvRecord& r : table->records) {
      const std::string at = fmt::format("{}:{}", file, r.line);
      const size_t before = problems.size();
      Exemption e;
      const std::string& icao_text = r.fields[*icao];
      if (!icao_text.empty()) {
        if (auto n = NormalizeIcao24(icao_text)) {
          e.icao24 = *n;
        } else {
          problems.push_back(fmt::format("{}: column icao24: expected 6 hex digits, got {}", at,
                                         Quote(icao_text)));
        }
      }
      e.callsign = NormalizeCallsign(r.fields[*callsign]);
      if (icao_text.empty() && e.callsign.empty()) {
        problems.push_back(
            fmt::format("{}: columns icao24, callsign: expected at least one of them", at));
      }
      auto t0 = ParseUtcTime(r.fields[*from]);
      auto t1 = ParseUtcTime(r.fields[*to]);
      if (!t0.ok()) problems.push_back(fmt::format("{}: column from: {}", at, t0.error().message));
      if (!t1.ok()) problems.push_back(fmt::format("{}: column to: {}", at, t1.error().message));
      if (t0.ok() && t1.ok()) {
        auto window = TimeInterval::Create(*t0, *t1);
        if (window.ok()) {
          e.window = *window;
        } else {
          problems.push_back(fmt::format("{}: columns from, to: {}", at, window.error().message));
        }
      }
      if (auto p = TextProblem(e.callsign, kCallsignField)) {
        problems.push_back(fmt::format("{}: column callsign: {}", at, *p));
      }
      if (zone) e.zone = r.fields[*zone];
      if (note) e.note = r.fields[*note];
      if (auto p = TextProblem(e.zone, kIdField)) {
        problems.push_back(fmt::format("{}: column zone: {}", at, *p));
      }
      if (auto p = TextProblem(e.note, kTextField)) {
        problems.push_back(fmt::format("{}: column note: {}", at, *p));
      }
      if (problems.size() == before) out.push_back(std::move(e));
    }
  }
  if (!problems.empty()) {
    return MakeProblemsError(file, std::move(problems));
  }
  return out;
}

}  // namespace truce::formats
