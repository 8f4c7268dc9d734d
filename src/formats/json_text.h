// JSON text written directly, byte for byte as nlohmann::json's dump() writes the same values
// (no indent, ensure_ascii off): for the hot paths that would otherwise build a tree only to
// dump it (a violation line of `truce evaluate`, a report's log entry). Each caller's test holds
// its output byte-equal to the tree's dump.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace truce::formats {

// `text` as a JSON string: the quote, the backslash and the C0 controls escaped, every other byte
// as it is. REQUIRES: `text` is valid UTF-8 (dump would refuse or replace anything else).
void AppendJsonString(std::string& out, std::string_view text);

// `x` in nlohmann's shortest round-trip digits and layout ("36.0", "1e+20"); "null" when it is
// not finite, as dump writes it.
void AppendJsonNumber(std::string& out, double x);

void AppendJsonInteger(std::string& out, int64_t x);

// "key": with `key` written as it is. REQUIRES: `key` needs no escaping.
void AppendJsonKey(std::string& out, std::string_view key);

}  // namespace truce::formats
