// Files of JSON objects, as a JSON array or as JSON lines (one object per line): the claims
// and decisions files. Pure functions; thread-safe.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "truce/result.h"
#include "truce/time.h"

namespace truce::formats {

// "dir/claims.jsonl" -> "claims.jsonl".
std::string FileName(const std::string& path);

// Calls each(object, origin) for every object of `text`: a JSON array (origin "FILE record N",
// N from 0, as the positions reader says) when the first non-blank character is '[', else JSON
// lines (origin "FILE:LINE"; blank lines skipped). An element or line that is not a JSON object
// appends "ORIGIN: expected a JSON object" (or the syntax error of the line) to `problems`.
// Errors: an array with a JSON syntax error ("FILE:LINE:COLUMN: invalid JSON: ...").
[[nodiscard]] Status ForEachJsonObject(
    std::string_view text, const std::string& file, std::vector<std::string>& problems,
    const std::function<void(const nlohmann::json&, const std::string&)>& each);

// Every object of such a file read into a T by `read(object, origin, default_id)`, which returns
// a Result<T> whose error lists its problems. Default ids are "NAME:LINE" or "NAME record N",
// NAME being the file's name without its directory. An id names one object: a second object
// with the id of an earlier one is a problem, naming both (which one a reader kept would
// otherwise be its guess). A file with any bad object is refused, every problem listed
// ("FILE: N problems").
template <typename T, typename Read>
[[nodiscard]] Result<std::vector<T>> ReadJsonObjects(std::string_view text, const std::string& file,
                                                     Read read) {
  std::vector<std::string> problems;
  std::vector<T> out;
  std::map<std::string, std::string, std::less<>> first_with_id;  // id -> origin
  const std::string name = FileName(file);
  const Status st = ForEachJsonObject(
      text, file, problems, [&](const nlohmann::json& object, const std::string& origin) {
        Result<T> one = read(object, origin, name + origin.substr(file.size()));
        if (!one.ok()) {
          for (const Problem& p : one.error().problems) problems.push_back(p.ToString());
          return;
        }
        const auto [earlier, fresh] = first_with_id.emplace(one->id, origin);
        if (!fresh) {
          problems.push_back(origin + ": id: '" + one->id + "' is already the id of " +
                             earlier->second + "; an id names one record");
          return;
        }
        out.push_back(std::move(one).value());
      });
  if (!st.ok()) return st.error();
  if (!problems.empty()) return MakeProblemsError(file, std::move(problems));
  return out;
}

// Field readers for such objects; each appends "ORIGIN: FIELD: problem" on a bad value.
// A missing or null field is "absent": nullopt from the optional readers, a problem from
// RequiredString.
std::optional<std::string> OptionalString(const nlohmann::json& object, const char* field,
                                          const std::string& origin,
                                          std::vector<std::string>& problems);
std::string RequiredString(const nlohmann::json& object, const char* field,
                           const std::string& origin, std::vector<std::string>& problems);
// A time in the forms truce accepts ("YYYY-MM-DD", "YYYY-MM-DDTHH:MM:SSZ", with or without
// milliseconds "YYYY-MM-DDTHH:MM:SS.sssZ").
std::optional<UtcTime> OptionalTime(const nlohmann::json& object, const char* field,
                                    const std::string& origin, std::vector<std::string>& problems);
std::optional<double> OptionalNumber(const nlohmann::json& object, const char* field,
                                     const std::string& origin, std::vector<std::string>& problems);
// A non-empty array of non-empty strings.
std::vector<std::string> StringList(const nlohmann::json& object, const char* field,
                                    const std::string& origin, bool required,
                                    std::vector<std::string>& problems);

}  // namespace truce::formats
