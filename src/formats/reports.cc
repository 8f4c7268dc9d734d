#include "reports.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <iterator>
#include <map>
#include <set>
#include <span>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "csv.h"
#include "json_text.h"
#include "points_csv.h"
#include "text_file.h"
#include "truce/text_policy.h"

namespace truce::formats {
namespace {

using nlohmann::json;

// Columns truce interprets; everything else is kept verbatim in ReportSpec::extra.
constexpr std::array<std::string_view, 17> kKnownColumns = {
    "event_id_cnty", "event_date", "time_precision", "event_type",    "sub_event_type", "actor1",
    "actor2",        "latitude",   "longitude",      "geo_precision", "source",         "notes",
    "fatalities",    "time",       "uncertainty_m",  "source_group",  "recorded_at"};
constexpr std::array<std::string_view, 7> kRequiredColumns = {
    "event_id_cnty", "event_date", "time_precision", "event_type",
    "latitude",      "longitude",  "geo_precision"};

bool IsKnown(std::string_view column) {
  for (std::string_view k : kKnownColumns) {
    if (k == column) return true;
  }
  return false;
}

std::optional<int> ParseInt(std::string_view s) {
  // The range check comes first: converting a double beyond long long's range is undefined.
  const auto d = ParseNumber(s);
  if (!d || *d > 1e9 || *d < -1e9 || *d != std::trunc(*d)) return std::nullopt;
  return static_cast<int>(*d);
}

// Reads exactly the decimal digits of `s` (1 to 9 of them) as a number.
std::optional<int> Digits(std::string_view s) {
  if (s.empty() || s.size() > 9) return std::nullopt;
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

// A row's fields by column name, as views into the row (or into strings the caller keeps):
// a handful per row, so a list searched in order costs less than a tree of copies. Names are
// unique (CSV headers and JSON members are checked for it; the archive's mapping is fixed).
class FieldMap {
 public:
  // REQUIRES: no field of that name yet.
  void Add(std::string_view key, std::string_view value) { fields_.emplace_back(key, value); }
  // The field's value, or nullptr when there is no such column.
  const std::string_view* Find(std::string_view key) const {
    for (const auto& [k, v] : fields_) {
      if (k == key) return &v;
    }
    return nullptr;
  }
  const std::vector<std::pair<std::string_view, std::string_view>>& all() const { return fields_; }

 private:
  std::vector<std::pair<std::string_view, std::string_view>> fields_;
};

// Builds a spec from named string fields; appends "ORIGIN: FIELD: problem" lines.
ReportSpec SpecFromFields(const FieldMap& fields, const std::string& origin,
                          std::vector<std::string>& problems) {
  ReportSpec spec;
  spec.origin = origin;
  auto get = [&](std::string_view key) -> std::string_view {
    const std::string_view* value = fields.Find(key);
    return value ? *value : std::string_view();
  };
  auto required_int = [&](std::string_view key, int& out) {
    const auto v = ParseInt(get(key));
    if (!v) {
      problems.push_back(
          fmt::format("{}: {}: expected 1, 2 or 3, got {}", origin, key, Quote(get(key))));
    } else {
      out = *v;
    }
  };
  auto number = [&](std::string_view key, double& out, const char* expected) {
    const auto v = ParseNumber(get(key));
    if (!v) {
      problems.push_back(
          fmt::format("{}: {}: expected {}, got {}", origin, key, expected, Quote(get(key))));
    } else {
      out = *v;
    }
  };
  spec.event_id = get("event_id_cnty");  // Report::Create insists it is non-empty
  auto date = ParseEventDate(get("event_date"));
  if (date.ok()) {
    spec.event_date = *date;
  } else {
    problems.push_back(fmt::format("{}: event_date: {}", origin, date.error().message));
  }
  required_int("time_precision", spec.time_precision);
  required_int("geo_precision", spec.geo_precision);
  number("latitude", spec.latitude, "a latitude in decimal degrees");
  number("longitude", spec.longitude, "a longitude in decimal degrees");
  spec.event_type = get("event_type");
  spec.sub_event_type = get("sub_event_type");
  spec.actor1 = get("actor1");
  spec.actor2 = get("actor2");
  spec.source = get("source");
  spec.source_group = get("source_group");
  spec.notes = get("notes");
  if (!get("fatalities").empty()) {
    const auto f = ParseInt(get("fatalities"));
    if (!f) {
      problems.push_back(fmt::format("{}: fatalities: expected a whole number, got {}", origin,
                                     Quote(get("fatalities"))));
    } else {
      spec.fatalities = *f;
    }
  }
  if (const std::string_view t = get("time"); !t.empty()) {
    const auto hh = Digits(t.size() == 5 ? t.substr(0, 2) : "x");
    const auto mm = Digits(t.size() == 5 ? t.substr(3, 2) : "x");
    if (t.size() != 5 || t[2] != ':' || !hh || !mm || *hh > 23 || *mm > 59) {
      problems.push_back(fmt::format("{}: time: expected HH:MM (UTC), got {}", origin, Quote(t)));
    } else {
      spec.time_of_day = std::chrono::minutes(*hh * 60 + *mm);
    }
  }
  if (const std::string_view u = get("uncertainty_m"); !u.empty()) {
    const auto m = ParseNumber(u);
    if (!m || *m < 0) {
      problems.push_back(
          fmt::format("{}: uncertainty_m: expected metres >= 0, got {}", origin, Quote(u)));
    } else {
      spec.uncertainty = Meters{*m};
    }
  }
  if (const std::string_view r = get("recorded_at"); !r.empty()) {
    auto t = ParseUtcTime(r);
    if (!t.ok()) {
      problems.push_back(fmt::format("{}: recorded_at: {}", origin, t.error().message));
    } else {
      spec.recorded_at = *t;
    }
  }
  for (const auto& [key, value] : fields.all()) {
    if (!IsKnown(key)) spec.extra[std::string(key)] = value;
  }
  return spec;
}

// Finishes a spec: the field problems found so far plus Report::Create's own checks.
Result<Report> Finish(ReportSpec spec, std::vector<std::string> problems) {
  // Fields that failed to parse kept their defaults, which Create accepts, so its own
  // problems (range, event type) add to the list without repeating a field.
  auto report = Report::Create(std::move(spec));
  if (report.ok() && problems.empty()) return report;
  if (!report.ok()) {
    for (const Problem& p : report.error().problems) problems.push_back(p.ToString());
  }
  Error e = MakeError(ErrorCode::kInvalidInput, problems.front());
  e.problems = ProblemsFromLines(std::move(problems));
  return e;
}

std::string JsonScalarText(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "";
  return v.dump();  // numbers and booleans in their JSON spelling
}

// The columns of the Syrian Archive's export that FromSyrianArchive reads, found once per file.
constexpr std::array<std::string_view, 9> kArchiveColumns = {
    "unique_event_ID", "date_time",     "geo_latitude",  "geo_longitude",    "geo_accuracy",
    "sources",         "event_summary", "location_name", "type_of_violation"};

// The Syrian Archive's chemical-weapons export (unique_event_ID, geo_latitude, date_time as
// "08/21/13 12:00 AM", geo_accuracy ...), mapped onto ACLED columns. Every row is a use of
// chemical weapons: Explosions/Remote violence, Chemical weapon. The perpetrator is not
// coded, so actor1 is left empty; geo_accuracy APPROXIMATE means near a named town
// (geo_precision 2), EXACT the town itself (1). The export's midnight times are placeholders.
// `event_date` keeps the date's text, which the fields point into.
FieldMap FromSyrianArchive(std::span<const std::optional<size_t>> columns, const CsvRecord& row,
                           const std::string& origin, std::vector<std::string>& problems,
                           std::string& event_date) {
  auto col = [&](std::string_view name) -> std::string_view {
    const size_t k = static_cast<size_t>(
        std::find(kArchiveColumns.begin(), kArchiveColumns.end(), name) - kArchiveColumns.begin());
    return k < columns.size() && columns[k] ? std::string_view(row.fields[*columns[k]])
                                            : std::string_view();
  };
  FieldMap f;
  f.Add("event_id_cnty", col("unique_event_ID"));
  const std::string_view dt = col("date_time");
  // "08/21/13 12:00 AM": month/day/year, then a time the export fills with midnight.
  const std::string_view date = dt.substr(0, dt.find(' '));
  const size_t slash1 = date.find('/');
  const size_t slash2 = slash1 == std::string_view::npos ? slash1 : date.find('/', slash1 + 1);
  std::optional<int> month, day, year;
  if (slash2 != std::string_view::npos) {
    month = Digits(date.substr(0, slash1));
    day = Digits(date.substr(slash1 + 1, slash2 - slash1 - 1));
    year = Digits(date.substr(slash2 + 1));
  }
  if (month && day && year && *month <= 12 && *day <= 31 && *year <= 9999) {
    // YYYY-MM-DD by hand (a row's worth of fmt was 5% of `truce evaluate`).
    const int full_year = *year < 100 ? 2000 + *year : *year;
    event_date = "0000-00-00";
    for (int i = 3, v = full_year; i >= 0; --i, v /= 10)
      event_date[i] = static_cast<char>('0' + v % 10);
    event_date[5] = static_cast<char>('0' + *month / 10);
    event_date[6] = static_cast<char>('0' + *month % 10);
    event_date[8] = static_cast<char>('0' + *day / 10);
    event_date[9] = static_cast<char>('0' + *day % 10);
  } else {
    problems.push_back(
        fmt::format("{}: date_time: expected MM/DD/YY HH:MM AM, got {}", origin, Quote(dt)));
    event_date.clear();
  }
  f.Add("event_date", event_date);
  f.Add("time_precision", "1");
  f.Add("event_type", "Explosions/Remote violence");
  f.Add("sub_event_type", "Chemical weapon");
  f.Add("latitude", col("geo_latitude"));
  f.Add("longitude", col("geo_longitude"));
  const std::string_view accuracy = col("geo_accuracy");
  f.Add("geo_precision", accuracy == "EXACT" ? "1" : accuracy == "APPROXIMATE" ? "2" : "3");
  f.Add("source", col("sources"));
  f.Add("notes", col("event_summary"));
  f.Add("location", col("location_name"));
  f.Add("type_of_violation", col("type_of_violation"));
  return f;
}

Result<ReportBatch> ParseCsvReports(std::string_view text, const std::string& file) {
  ReportCsvReader reader(text, file);
  if (Status header = reader.ReadHeader(); !header.ok()) return header.error();
  ReportBatch batch;
  ReportCsvReader::Row row;
  for (;;) {
    auto more = reader.Next(row);
    if (!more.ok()) return std::move(more).error();
    if (!*more) break;
    if (row.report) {
      batch.reports.push_back(std::move(*row.report));
    } else {
      batch.rejected.push_back(std::move(*row.rejected));
    }
  }
  return batch;
}

Result<ReportBatch> ParseGeoJsonReports(std::string_view text, const std::string& file) {
  ReportBatch batch;
  // Features are read one at a time, so a large file never sits in memory as one tree.
  const JsonElementFn each = [&](json&& f, size_t i) {
    const std::string origin = fmt::format("{} feature {}", file, i);
    std::vector<std::string> problems;
    json props = f.is_object() && f.contains("properties") && f["properties"].is_object()
                     ? f["properties"]
                     : json::object();
    const json geometry = f.is_object() ? f.value("geometry", json()) : json();
    const auto coordinates = geometry.is_object() ? geometry.find("coordinates") : geometry.end();
    if (geometry.is_object() && geometry.value("type", json()) == "Point" &&
        coordinates != geometry.end() && coordinates->is_array() && coordinates->size() >= 2) {
      // GeoJSON's position wins over any latitude/longitude properties.
      props["longitude"] = (*coordinates)[0];
      props["latitude"] = (*coordinates)[1];
    } else if (!props.contains("latitude")) {
      problems.push_back(origin + ": geometry: expected a Point [lon, lat]");
    }
    auto report = ReportFromJson(props, origin);
    if (report.ok() && problems.empty()) {
      batch.reports.push_back(std::move(report).value());
      return;
    }
    if (!report.ok()) {
      for (const auto& p : report.error().problems) problems.push_back(p.ToString());
    }
    batch.rejected.push_back(RejectedReport{origin, std::move(problems), SafeDump(f)});
  };
  auto doc = ParseJsonStreaming(text, file, "features", each);
  if (!doc.ok()) return std::move(doc).error();
  const auto features = doc->is_object() ? doc->find("features") : doc->end();
  if (!doc->is_object() || doc->value("type", json()) != "FeatureCollection" ||
      features == doc->end() || !features->is_array()) {
    return MakeError(ErrorCode::kInvalidInput,
                     file + ": expected a GeoJSON FeatureCollection of Point features");
  }
  return batch;
}

}  // namespace

Result<UtcTime> ParseEventDate(std::string_view text) {
  if (auto iso = ParseUtcTime(text); iso.ok() && text.size() == 10) return *iso;
  static constexpr std::array<std::string_view, 12> kMonths = {
      "january", "february", "march",     "april",   "may",      "june",
      "july",    "august",   "september", "october", "november", "december"};
  // "04 May 2017", "4-May-2017", "04-September-2017": day, month name, four-digit year,
  // separated by spaces or hyphens.
  std::vector<std::string_view> parts;
  for (size_t i = 0; i < text.size() && parts.size() < 4;) {
    if (text[i] == ' ' || text[i] == '-') {
      ++i;
      continue;
    }
    const size_t end = std::min(text.find_first_of(" -", i), text.size());
    parts.push_back(text.substr(i, end - i));
    i = end;
  }
  const auto day = parts.size() == 3 && parts[0].size() <= 2 ? Digits(parts[0]) : std::nullopt;
  const auto year = parts.size() == 3 && parts[2].size() == 4 ? Digits(parts[2]) : std::nullopt;
  if (day && year && parts[1].size() >= 3 && parts[1].size() <= 9) {
    std::string m(parts[1]);
    for (char& c : m) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (size_t i = 0; i < kMonths.size(); ++i) {
      if (kMonths[i].starts_with(m) && (m.size() == 3 || m == kMonths[i])) {
        if (auto t =
                MakeUtcTime(*year, static_cast<unsigned>(i + 1), static_cast<unsigned>(*day))) {
          return *t;
        }
      }
    }
  }
  return MakeError(ErrorCode::kInvalidArgument,
                   fmt::format("bad date {}: expected YYYY-MM-DD or DD Month YYYY", Quote(text)));
}

Result<Report> ReportFromJson(const json& object, const std::string& origin) {
  if (!object.is_object()) {
    return MakeError(
        ErrorCode::kInvalidInput,
        fmt::format("{}: expected a JSON object keyed by the CSV column names", origin));
  }
  FieldMap fields;
  // What `fields` points into besides the object's own strings: the text of its numbers and
  // booleans, as dump spells them (short enough to need no allocation). Reserved whole, so that
  // no view moves.
  std::vector<std::string> values;
  values.reserve(object.size());
  std::vector<std::string> problems;
  for (const auto& [key, value] : object.items()) {
    if (value.is_object() || value.is_array()) {
      problems.push_back(fmt::format("{}: {}: expected a string or number, got {}", origin,
                                     EscapeText(key), value.type_name()));
      continue;
    }
    if (value.is_string()) {
      fields.Add(key, *value.get_ptr<const json::string_t*>());
      continue;
    }
    std::string& text = values.emplace_back();
    if (value.is_number_float()) {
      AppendJsonNumber(text, value.get<double>());
    } else if (value.is_number_integer() &&
               (!value.is_number_unsigned() ||
                value.get<uint64_t>() <= static_cast<uint64_t>(INT64_MAX))) {
      AppendJsonInteger(text, value.get<int64_t>());
    } else {
      text = JsonScalarText(value);  // null, a boolean, an unsigned beyond int64
    }
    fields.Add(key, text);
  }
  for (std::string_view c : kRequiredColumns) {
    if (!fields.Find(c)) {
      problems.push_back(fmt::format("{}: {}: required", origin, c));
    }
  }
  if (!problems.empty()) {
    Error e = MakeError(ErrorCode::kInvalidInput, problems.front());
    e.problems = ProblemsFromLines(std::move(problems));
    return e;
  }
  std::vector<std::string> field_problems;
  ReportSpec spec = SpecFromFields(fields, origin, field_problems);
  return Finish(std::move(spec), std::move(field_problems));
}

json ReportToJson(const Report& report) {
  const ReportSpec& s = report.spec();
  // Member by member: an initializer list would build every value twice (it copies them).
  json j = json::object();
  j["event_id_cnty"] = s.event_id;
  j["event_date"] = FormatUtcDate(s.event_date);
  j["time_precision"] = s.time_precision;
  j["event_type"] = s.event_type;
  j["sub_event_type"] = s.sub_event_type;
  j["actor1"] = s.actor1;
  j["actor2"] = s.actor2;
  j["latitude"] = s.latitude;
  j["longitude"] = s.longitude;
  j["geo_precision"] = s.geo_precision;
  j["source"] = s.source;
  j["notes"] = s.notes;
  if (s.fatalities) j["fatalities"] = *s.fatalities;
  if (s.time_of_day) {
    j["time"] =
        fmt::format("{:02d}:{:02d}", s.time_of_day->count() / 60, s.time_of_day->count() % 60);
  }
  if (s.uncertainty) j["uncertainty_m"] = s.uncertainty->value;
  if (!s.source_group.empty()) j["source_group"] = s.source_group;
  if (s.recorded_at) j["recorded_at"] = FormatUtcTime(*s.recorded_at);
  for (const auto& [k, v] : s.extra) j[k] = v;
  return j;
}

void AppendReportJson(std::string& out, const Report& report) {
  const ReportSpec& s = report.spec();
  // ReportToJson's members in nlohmann::json's (sorted) order, the extra columns merged in: no
  // extra column has a known column's name (SpecFromFields), and std::map sorts as json does.
  auto extra = s.extra.begin();
  bool first = true;
  auto key = [&](std::string_view name) {
    for (; extra != s.extra.end() && extra->first < name; ++extra) {
      out += first ? '{' : ',';
      first = false;
      AppendJsonString(out, extra->first);
      out += ':';
      AppendJsonString(out, extra->second);
    }
    out += first ? '{' : ',';
    first = false;
    AppendJsonKey(out, name);
  };
  auto text = [&](std::string_view name, std::string_view value) {
    key(name);
    AppendJsonString(out, value);
  };
  text("actor1", s.actor1);
  text("actor2", s.actor2);
  text("event_date", FormatUtcDate(s.event_date));
  text("event_id_cnty", s.event_id);
  text("event_type", s.event_type);
  if (s.fatalities) {
    key("fatalities");
    AppendJsonInteger(out, *s.fatalities);
  }
  key("geo_precision");
  AppendJsonInteger(out, s.geo_precision);
  key("latitude");
  AppendJsonNumber(out, s.latitude);
  key("longitude");
  AppendJsonNumber(out, s.longitude);
  text("notes", s.notes);
  if (s.recorded_at) text("recorded_at", FormatUtcTime(*s.recorded_at));
  text("source", s.source);
  if (!s.source_group.empty()) text("source_group", s.source_group);
  text("sub_event_type", s.sub_event_type);
  if (s.time_of_day) {
    key("time");
    const auto minutes = s.time_of_day->count();
    fmt::format_to(std::back_inserter(out), "\"{:02d}:{:02d}\"", minutes / 60, minutes % 60);
  }
  key("time_precision");
  AppendJsonInteger(out, s.time_precision);
  if (s.uncertainty) {
    key("uncertainty_m");
    AppendJsonNumber(out, s.uncertainty->value);
  }
  for (; extra != s.extra.end(); ++extra) {
    out += ',';
    AppendJsonString(out, extra->first);
    out += ':';
    AppendJsonString(out, extra->second);
  }
  out += '}';
}

Result<ReportBatch> ParseReports(std::string_view text, const std::string& file) {
  size_t i = 0;
  while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  if (i < text.size() && text[i] == '{') return ParseGeoJsonReports(text, file);
  if (i < text.size() && text[i] == '[') {
    return MakeError(ErrorCode::kInvalidInput,
                     file +
                         ": expected a GeoJSON FeatureCollection (an object) or CSV, got a "
                         "JSON array");
  }
  return ParseCsvReports(text, file);
}

ReportCsvReader::ReportCsvReader(std::string_view text, std::string file)
    : reader_(text, file), file_(std::move(file)) {}

Status ReportCsvReader::ReadHeader() {
  if (Status header = reader_.ReadHeader(); !header.ok()) return header.error();
  syrian_archive_ = reader_.Column("unique_event_ID") && reader_.Column("geo_latitude");
  archive_columns_.clear();
  for (std::string_view name : kArchiveColumns) archive_columns_.push_back(reader_.Column(name));
  if (!syrian_archive_) {
    std::vector<std::string> missing;
    for (std::string_view c : kRequiredColumns) {
      if (!reader_.Column(c)) missing.push_back(std::string(c));
    }
    if (!missing.empty()) {
      return MakeError(
          ErrorCode::kInvalidInput,
          fmt::format("{}:1: header: missing required column{} {} (ACLED columns: "
                      "event_id_cnty, event_date, time_precision, event_type, "
                      "latitude, longitude, geo_precision, ...)",
                      file_, missing.size() == 1 ? "" : "s", fmt::join(missing, ", ")));
    }
  }
  return Status::Ok();
}

Result<bool> ReportCsvReader::Next(Row& out) {
  out.report.reset();
  out.rejected.reset();
  auto more = reader_.Next(row_);
  if (!more.ok()) return std::move(more).error();
  if (!*more) return false;
  // "FILE:LINE", built without fmt: it is made for every row of a file.
  std::string origin = file_;
  origin += ':';
  origin += std::to_string(row_.line);
  std::vector<std::string> problems;
  FieldMap fields;
  std::string event_date;  // the archive's date, rewritten
  if (syrian_archive_) {
    fields = FromSyrianArchive(archive_columns_, row_, origin, problems, event_date);
  } else {
    for (size_t i = 0; i < reader_.header().size(); ++i) {
      fields.Add(reader_.header()[i], row_.fields[i]);
    }
  }
  ReportSpec spec = SpecFromFields(fields, origin, problems);  // appends to problems first
  auto report = Finish(std::move(spec), std::move(problems));
  if (report.ok()) {
    out.report.emplace(std::move(report).value());
  } else {
    std::vector<std::string> reasons;
    for (const Problem& p : report.error().problems) reasons.push_back(p.ToString());
    out.rejected.emplace(RejectedReport{origin, std::move(reasons), CsvJoin(row_.fields)});
  }
  return true;
}

std::vector<Revision> LatestRevisions(const std::vector<Report>& reports) {
  std::vector<Revision> latest;
  std::map<std::string, size_t> index;                          // event_id -> slot in latest
  std::map<std::string, std::vector<const Report*>> revisions;  // event_id -> distinct contents
  for (const Report& r : reports) {
    auto& seen = revisions[r.event_id()];
    bool duplicate = false;
    for (const Report* s : seen) duplicate = duplicate || s->SameContent(r);
    if (duplicate) continue;
    seen.push_back(&r);
    const auto [it, inserted] = index.emplace(r.event_id(), latest.size());
    if (inserted) {
      latest.push_back(Revision{&r, 1});
    } else {
      latest[it->second] = Revision{&r, static_cast<int>(seen.size())};
    }
  }
  return latest;
}

}  // namespace truce::formats
