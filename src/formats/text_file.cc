#include "text_file.h"

#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace truce::formats {
namespace {

Result<std::string> ReadGzip(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (f == nullptr) {
    return MakeError(ErrorCode::kIo,
                     fmt::format("{}: cannot open: {}", path, std::strerror(errno)));
  }
  std::string out;
  char buf[1 << 16];
  int n = 0;
  while ((n = gzread(f, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  int err = 0;
  const char* msg = gzerror(f, &err);
  const std::string why = (n < 0 && msg) ? msg : "";
  gzclose(f);
  if (n < 0) {
    return MakeError(ErrorCode::kIo, fmt::format("{}: not a readable gzip file: {}", path, why));
  }
  return out;
}

}  // namespace

Result<std::string> ReadTextFile(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return MakeError(ErrorCode::kNotFound, fmt::format("{}: no such file", path));
  }
  if (std::filesystem::is_directory(path, ec)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     fmt::format("{}: is a directory, expected a file", path));
  }
  if (path.size() > 3 && path.ends_with(".gz")) return ReadGzip(path);
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return MakeError(ErrorCode::kIo,
                     fmt::format("{}: cannot open: {}", path, std::strerror(errno)));
  }
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) return MakeError(ErrorCode::kIo, fmt::format("{}: read failed", path));
  return std::move(content).str();
}

Error JsonSyntaxError(const nlohmann::json::parse_error& e, std::string_view text,
                      std::string_view file) {
  // e.byte is 1-based and points just past the offending character.
  const size_t at = e.byte == 0 ? 0 : std::min<size_t>(e.byte - 1, text.size());
  size_t line = 1, column = 1;
  for (size_t i = 0; i < at; ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  std::string what = e.what();
  // Drop nlohmann's "[json.exception.parse_error.101] parse error at line 1, column 2: ".
  if (const size_t colon = what.find(": "); colon != std::string::npos) {
    what = what.substr(colon + 2);
  }
  return MakeError(ErrorCode::kInvalidInput,
                   fmt::format("{}:{}:{}: invalid JSON: {}", file, line, column, what));
}

Result<nlohmann::json> ParseJson(std::string_view text, std::string_view file) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    return JsonSyntaxError(e, text, file);
  }
}

}  // namespace truce::formats
