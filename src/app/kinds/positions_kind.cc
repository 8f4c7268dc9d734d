// kind "positions": a batch of aircraft positions, each in the normal form intake gives it
// (icao24, time, lat, lon, altitudes in metres) with the client's record verbatim.
#include <fmt/format.h>

#include "app/intake.h"
#include "app/submission.h"

namespace truce::app {
namespace {

using nlohmann::json;

Result<store::EntryIndex> Derive(const store::LogEntry& entry, const ParsedEntry& parsed) {
  const json& data = parsed.data;
  const json& body = data.value("body", json());
  if (!body.is_array()) return detail::Malformed(entry, "a positions batch is an array");
  store::EntryIndex rows;
  rows.positions.reserve(body.size());
  for (size_t i = 0; i < body.size(); ++i) {
    std::vector<Problem> problems;
    // The stored form keeps the client's record; normalising it again must give the same.
    const json& record = body[i].is_object() ? body[i].value("record", json()) : json();
    auto p = NormalizePosition(record, fmt::format("/{}/record", i), problems);
    if (!p || *p != body[i]) {
      std::string why;
      for (const Problem& pr : problems) why += (why.empty() ? "" : "; ") + pr.ToString();
      return detail::Malformed(entry, fmt::format("position {} is not in normal form: {}", i, why));
    }
    auto time = ParseTimestamp((*p)["time"].get<std::string>());
    if (!time.ok()) return detail::Malformed(entry, fmt::format("position {}: bad time", i));
    rows.positions.push_back(
        store::PositionRow{entry.index, static_cast<int>(i), (*p)["icao24"].get<std::string>(),
                           *time, (*p)["lat"].get<double>(), (*p)["lon"].get<double>(),
                           p->dump(-1, ' ', false, json::error_handler_t::replace)});
  }
  return rows;
}

std::string Describe(const json& data) {
  const json& body = data.value("body", json());
  return fmt::format("positions batch of {}", body.is_array() ? body.size() : 0);
}

}  // namespace

extern const KindSpec kPositionsKind = {SubmissionKind::kPositions, "positions", "", &Derive,
                                        &Describe};

}  // namespace truce::app
