// Reading whole files and JSON documents, with errors that name the file and, for JSON, the
// line and column of the first syntax error.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "truce/result.h"

namespace truce::formats {

// The whole content of `path`. kNotFound if it does not exist, kIo if it cannot be read.
// Files ending in ".gz" are decompressed.
[[nodiscard]] Result<std::string> ReadTextFile(const std::string& path);

// The error for a JSON syntax error in `text`: kInvalidInput, "FILE:LINE:COLUMN: invalid JSON:
// what".
Error JsonSyntaxError(const nlohmann::json::parse_error& e, std::string_view text,
                      std::string_view file);

// Parses `text` as JSON. On a syntax error: kInvalidInput, "FILE:LINE:COLUMN: ...".
[[nodiscard]] Result<nlohmann::json> ParseJson(std::string_view text, std::string_view file);

}  // namespace truce::formats
