// Reading JSON text from untrusted sources (files, request bodies, stdin lines) into
// nlohmann::json, with limits, and quoting JSON values in messages.
//
// Every reader here refuses, with "FILE:LINE:COLUMN: invalid JSON: what":
//   - syntax errors (nlohmann's lexer also refuses invalid UTF-8 in strings);
//   - arrays and objects nested deeper than JsonOptions::max_depth (kMaxJsonDepth by default):
//     a deeply nested document would otherwise exhaust the stack of every recursive walk
//     over it (copy, dump, comparison);
//   - numbers outside the range of a double (1e400);
//   - a key given twice in one object (readers would silently disagree on which one wins).
// Pure functions of their arguments; safe to call from any thread.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "truce/result.h"

namespace truce::formats {

// The deepest nesting of arrays and objects accepted. A position of a MultiPolygon sits at
// depth 8 of a zones FeatureCollection and at depth 10 of a scenario bundle
// (docs/formats.md, "Text and limits"); 64 leaves ample room.
inline constexpr size_t kMaxJsonDepth = 64;

struct JsonOptions {
  size_t max_depth = kMaxJsonDepth;
  // The line number of the text's first line, for a line of a JSON lines file.
  size_t first_line = 1;
};

// Parses `text` as one JSON value. Errors (kInvalidInput) as above, naming `file`.
[[nodiscard]] Result<nlohmann::json> ParseJson(std::string_view text, std::string_view file);
[[nodiscard]] Result<nlohmann::json> ParseJson(std::string_view text, std::string_view file,
                                               const JsonOptions& options);

// Receives one element of a streamed array and its index in the array.
using JsonElementFn = std::function<void(nlohmann::json&& element, size_t index)>;

// Parses `text` like ParseJson but hands each element of one array to `each` as soon as the
// element is complete, without keeping it, so that a large file never sits in memory as one
// tree. The array is the top-level value when `array_key` is empty, else the value under
// `array_key` of the top-level object ("features" of a FeatureCollection). Returns the rest
// of the document, that array left empty. REQUIRES: `each` does not throw.
[[nodiscard]] Result<nlohmann::json> ParseJsonStreaming(std::string_view text,
                                                        std::string_view file,
                                                        std::string_view array_key,
                                                        const JsonElementFn& each,
                                                        const JsonOptions& options = {});

// The error for a JSON syntax error in `text`: kInvalidInput, "FILE:LINE:COLUMN: invalid
// JSON: what", with the text nlohmann quotes bounded and escaped.
Error JsonSyntaxError(const nlohmann::json::parse_error& e, std::string_view text,
                      std::string_view file);

// `value` serialised compactly; never throws (invalid UTF-8 in strings built by hand, not
// parsed, becomes U+FFFD).
std::string SafeDump(const nlohmann::json& value);

// `value` as compact JSON for a message, escaped and bounded like Quote() (truce/text_policy.h):
// "abc", 12, [1,2], "aaaa..." (1048576 bytes).
std::string QuoteJson(const nlohmann::json& value, size_t max_chars = 64);

}  // namespace truce::formats
