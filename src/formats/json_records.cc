#include "formats/json_records.h"

#include <filesystem>

#include <fmt/format.h>

#include "formats/text_file.h"
#include "truce/time.h"

namespace truce::formats {

using nlohmann::json;

std::string FileName(const std::string& path) {
  return std::filesystem::path(path).filename().string();
}

Status ForEachJsonObject(std::string_view text, const std::string& file,
                         std::vector<std::string>& problems,
                         const std::function<void(const json&, const std::string&)>& each) {
  const size_t first = text.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && text[first] == '[') {
    auto doc = ParseJson(text, file);
    if (!doc.ok()) return doc.error();
    for (size_t i = 0; i < doc->size(); ++i) {
      const std::string origin = fmt::format("{} record {}", file, i);
      if (!(*doc)[i].is_object()) {
        problems.push_back(
            fmt::format("{}: expected a JSON object, got {}", origin, (*doc)[i].dump()));
        continue;
      }
      each((*doc)[i], origin);
    }
    return Status::Ok();
  }
  size_t line = 0;
  while (!text.empty()) {
    const size_t end = text.find('\n');
    std::string_view l = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    ++line;
    if (l.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    const std::string origin = fmt::format("{}:{}", file, line);
    const json object = json::parse(l, nullptr, /*allow_exceptions=*/false);
    if (object.is_discarded()) {
      problems.push_back(origin + ": invalid JSON (expected one JSON object per line)");
    } else if (!object.is_object()) {
      problems.push_back(
          fmt::format("{}: expected a JSON object (one per line), got {}", origin, object.dump()));
    } else {
      each(object, origin);
    }
  }
  return Status::Ok();
}

std::optional<std::string> OptionalString(const json& object, const char* field,
                                          const std::string& origin,
                                          std::vector<std::string>& problems) {
  const auto it = object.find(field);
  if (it == object.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) {
    problems.push_back(fmt::format("{}: {}: expected a string, got {}", origin, field, it->dump()));
    return std::nullopt;
  }
  return it->get<std::string>();
}

std::string RequiredString(const json& object, const char* field, const std::string& origin,
                           std::vector<std::string>& problems) {
  const auto it = object.find(field);
  if (it == object.end() || it->is_null()) {
    problems.push_back(fmt::format("{}: {}: required string", origin, field));
    return "";
  }
  if (!it->is_string() || it->get<std::string>().empty()) {
    problems.push_back(
        fmt::format("{}: {}: expected a non-empty string, got {}", origin, field, it->dump()));
    return "";
  }
  return it->get<std::string>();
}

std::optional<UtcTime> OptionalTime(const json& object, const char* field,
                                    const std::string& origin, std::vector<std::string>& problems) {
  const std::optional<std::string> text = OptionalString(object, field, origin, problems);
  if (!text) return std::nullopt;
  // "YYYY-MM-DDTHH:MM:SS.sssZ": the whole seconds as ParseUtcTime reads them, then the digits.
  std::string whole = *text;
  int ms = 0;
  bool ok = true;
  if (const size_t dot = text->find('.'); dot != std::string::npos) {
    const std::string fraction = text->substr(dot + 1);
    ok = fraction.size() >= 2 && fraction.size() <= 4 && fraction.back() == 'Z';
    for (size_t i = 0; ok && i + 1 < fraction.size(); ++i) {
      ok = fraction[i] >= '0' && fraction[i] <= '9';
      ms += (fraction[i] - '0') * (i == 0 ? 100 : i == 1 ? 10 : 1);
    }
    whole = text->substr(0, dot) + "Z";
  }
  auto t = ParseUtcTime(whole);
  if (!ok || !t.ok()) {
    problems.push_back(
        fmt::format("{}: {}: expected YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ or "
                    "YYYY-MM-DDTHH:MM:SS.sssZ, got '{}'",
                    origin, field, *text));
    return std::nullopt;
  }
  return *t + std::chrono::milliseconds(ms);
}

std::optional<double> OptionalNumber(const json& object, const char* field,
                                     const std::string& origin,
                                     std::vector<std::string>& problems) {
  const auto it = object.find(field);
  if (it == object.end() || it->is_null()) return std::nullopt;
  if (!it->is_number()) {
    problems.push_back(fmt::format("{}: {}: expected a number, got {}", origin, field, it->dump()));
    return std::nullopt;
  }
  return it->get<double>();
}

std::vector<std::string> StringList(const json& object, const char* field,
                                    const std::string& origin, bool required,
                                    std::vector<std::string>& problems) {
  std::vector<std::string> out;
  const auto it = object.find(field);
  if (it == object.end() || it->is_null()) {
    if (required) {
      problems.push_back(
          fmt::format("{}: {}: required, an array of report event ids", origin, field));
    }
    return out;
  }
  if (!it->is_array() || (required && it->empty())) {
    problems.push_back(fmt::format("{}: {}: expected a non-empty array of strings, got {}", origin,
                                   field, it->dump()));
    return out;
  }
  for (size_t i = 0; i < it->size(); ++i) {
    const json& e = (*it)[i];
    if (!e.is_string() || e.get<std::string>().empty()) {
      problems.push_back(fmt::format("{}: {}[{}]: expected a non-empty string, got {}", origin,
                                     field, i, e.dump()));
    } else {
      out.push_back(e.get<std::string>());
    }
  }
  return out;
}

}  // namespace truce::formats
