// The numbers in query strings and page cursors, read the same way by the application's
// operations and by the server's query reader (src/server/routing.cc). Pure functions;
// thread-safe. Defined in intake.cc.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "truce/result.h"

namespace truce::app {

// A decimal count of at most 18 digits (so that it fits), or nullopt.
std::optional<uint64_t> ParseCount(std::string_view text);

// The log entry index a page cursor names: kInvalidArgument (problem "?cursor") for anything
// this server did not give.
[[nodiscard]] Result<uint64_t> ParseEntryCursor(std::string_view cursor);

}  // namespace truce::app
