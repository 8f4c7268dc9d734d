// Reading whole files and JSON documents, with errors that name the file and, for JSON, the
// line and column of the first syntax error.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "truce/result.h"

namespace truce::formats {

// The whole content of `path`. kNotFound if it does not exist, kIo if it cannot be read.
// Files ending in ".gz" are decompressed.
[[nodiscard]] Result<std::string> ReadTextFile(const std::string& path);

// Parses `text` as JSON. On a syntax error: kInvalidInput, "FILE:LINE:COLUMN: ...".
[[nodiscard]] Result<nlohmann::json> ParseJson(std::string_view text, std::string_view file);

}  // namespace truce::formats
