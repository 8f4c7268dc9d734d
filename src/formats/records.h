// One JSON encoder per record truce outputs, shared by the CLI (jsonl, GeoJSON properties) and
// the HTTP API, so that both carry the same keys and values for the same record
// (docs/formats.md "Output records"). Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "truce/verdict.h"

namespace truce::formats {

// A rule of a zone version broken by a report:
//   {"report", "revision", "zone", "version", "rule", "verdict", "fraction" (4 decimals),
//    "clause", "party", "event_date", "event_type", "time_begin", "time_end", "latitude",
//    "longitude", "radius_m"}
nlohmann::json ViolationToJson(const Violation& v, int revision);

// Appends ViolationToJson(v, revision).dump() to `out`, byte for byte, without building the
// tree: `truce evaluate` writes one line per violation, and the tree cost it 5 us a line.
// REQUIRES: the report's text is valid UTF-8 (Report::Create checks it).
void AppendViolationJson(std::string& out, const Violation& v, int revision);

// The same document with sorted keys (the encoders that keep their key order write
// ordered_json; the API's records are json).
nlohmann::json Unordered(const nlohmann::ordered_json& doc);

// `x` rounded to 4 decimals: shares and fractions are printed no finer than they are known.
double RoundTo4(double x) noexcept;

// `text` for HTML element content and double-quoted attribute values (& < > " escaped).
std::string EscapeHtml(std::string_view text);

}  // namespace truce::formats
