#include "positions.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>

#include <fmt/format.h>
#include <simdjson.h>
#include <nlohmann/json.hpp>

#include "csv.h"
#include "points_csv.h"
#include "positions_fast.h"
#include "text_file.h"
#include "truce/text_policy.h"

namespace truce::formats {
namespace {

using nlohmann::json;

constexpr double kMetresPerFoot = 0.3048;

// Plausible instants: 1973 to 2100. Outside, the unit is wrong (seconds given as milliseconds
// or the reverse) or the value is garbage; saying which is more useful than a date in 1970.
constexpr double kMinSeconds = 1e8, kMaxSeconds = 4.1e9;

// The keys of one schema.
struct Schema {
  const char* name;
  const char* time;      // the record's time
  double time_scale;     // to seconds
  const char* fix_time;  // the position fix's time (same unit), optional
  const char* lat;
  const char* lon;
  const char* baro;
  const char* geo;
  double altitude_scale;  // to metres
  const char* callsign;
  const char* onground;
};

constexpr Schema kTraffic{"traffic",      "timestamp", 1e-3,       "last_position",
                          "latitude",     "longitude", "altitude", "geoaltitude",
                          kMetresPerFoot, "callsign",  "onground"};
constexpr Schema kOpenSky{"OpenSky",      "time",        1.0, "lastposupdate", "lat",     "lon",
                          "baroaltitude", "geoaltitude", 1.0, "callsign",      "onground"};

// Reads `key` as a number. Absent, null and "" are "no value" (nullopt, no problem); a numeric
// string counts as its number (CSV and some JSON exports quote numbers).
std::optional<double> Number(const json& record, const char* key, const std::string& origin,
                             const char* expected, std::vector<std::string>& reasons) {
  const auto it = record.find(key);
  if (it == record.end() || it->is_null()) return std::nullopt;
  if (it->is_number()) {
    const double v = it->get<double>();
    if (std::isfinite(v)) return v;
  } else if (it->is_string()) {
    const std::string& s = it->get_ref<const std::string&>();
    if (s.empty()) return std::nullopt;
    if (auto v = ParseNumber(s)) return v;
  }
  reasons.push_back(
      fmt::format("{}: {}: expected {}, got {}", origin, key, expected, QuoteJson(*it)));
  return std::nullopt;
}

std::optional<UtcTime> Time(const json& record, const char* key, double scale,
                            const std::string& origin, std::vector<std::string>& reasons) {
  const auto it = record.find(key);
  if (it != record.end() && it->is_string()) {
    // An ISO 8601 instant is unambiguous, whatever the schema's unit.
    const std::string& s = it->get_ref<const std::string&>();
    if (!s.empty() && !ParseNumber(s)) {
      auto t = ParseUtcTime(s);
      if (t.ok()) return *t;
      reasons.push_back(fmt::format("{}: {}: {}", origin, key, t.error().message));
      return std::nullopt;
    }
  }
  const char* unit = scale == 1.0 ? "seconds" : "milliseconds";
  const auto v =
      Number(record, key, origin, scale == 1.0 ? "unix seconds" : "unix milliseconds", reasons);
  if (!v) return std::nullopt;
  const double seconds = *v * scale;
  if (seconds < kMinSeconds || seconds > kMaxSeconds) {
    const char* hint = seconds < kMinSeconds
                           ? (scale == 1.0 ? "" : " (seconds, not milliseconds?)")
                           : (scale == 1.0 ? " (milliseconds, not seconds?)" : "");
    reasons.push_back(
        fmt::format("{}: {}: expected {} since 1970-01-01 between 1973 and 2100, "
                    "got {}{}",
                    origin, key, unit, QuoteJson(*it), hint));
    return std::nullopt;
  }
  return UtcTime(std::chrono::milliseconds(std::llround(seconds * 1000)));
}

std::optional<bool> Bool(const json& record, const char* key, const std::string& origin,
                         std::vector<std::string>& reasons) {
  const auto it = record.find(key);
  if (it == record.end() || it->is_null()) return std::nullopt;
  if (it->is_boolean()) return it->get<bool>();
  if (it->is_number_integer() && (it->get<int64_t>() == 0 || it->get<int64_t>() == 1))
    return it->get<int64_t>() == 1;
  if (it->is_string()) {
    const std::string& s = it->get_ref<const std::string&>();
    if (s.empty()) return std::nullopt;
    if (s == "true" || s == "True" || s == "TRUE" || s == "1") return true;
    if (s == "false" || s == "False" || s == "FALSE" || s == "0") return false;
  }
  reasons.push_back(
      fmt::format("{}: {}: expected true or false, got {}", origin, key, QuoteJson(*it)));
  return std::nullopt;
}

bool Present(const json& record, const char* key) {
  const auto it = record.find(key);
  return it != record.end() && !it->is_null() &&
         !(it->is_string() && it->get_ref<const std::string&>().empty());
}

// Checks the record as a whole: at most kMaxPositionRecordBytes of text, every key an
// identifier and every string free text (truce/text_policy.h), so that what a caller stores of
// the record (the server keeps it) is as clean as the fields truce reads. Walks the value
// without recursion; stops at the first problem.
bool CheckRecord(const json& record, const std::string& origin, std::vector<std::string>& reasons) {
  // The values still to visit, and how each was reached, to name it in a message.
  struct Node {
    const json* value;
    size_t parent;         // index into `nodes`, or npos for the record itself
    std::string_view key;  // the member's key, or empty for an array element
    size_t index;          // the element's index
  };
  constexpr size_t kNone = std::string::npos;
  std::vector<Node> nodes = {{&record, kNone, {}, 0}};
  auto path = [&](size_t n) {
    std::string out;
    for (; n != kNone && nodes[n].parent != kNone; n = nodes[n].parent) {
      out = (nodes[n].key.empty() && nodes[nodes[n].parent].value->is_array()
                 ? fmt::format("[{}]", nodes[n].index)
                 : (nodes[nodes[n].parent].parent == kNone ? "" : ".") + EscapeText(nodes[n].key)) +
            out;
    }
    return out;
  };
  size_t bytes = 0;
  for (size_t n = 0; n < nodes.size(); ++n) {
    const json& value = *nodes[n].value;
    bytes += 8;  // punctuation, numbers, literals: roughly
    if (value.is_string()) {
      const std::string& text = value.get_ref<const std::string&>();
      bytes += text.size();
      if (auto p = TextProblem(text, kTextField)) {
        reasons.push_back(fmt::format("{}: {}: {}", origin, path(n), *p));
        return false;
      }
    } else if (value.is_object()) {
      for (const auto& [key, member] : value.items()) {
        bytes += key.size();
        nodes.push_back(Node{&member, n, key, 0});
        if (auto p = TextProblem(key, kIdField)) {
          reasons.push_back(fmt::format("{}: {}: key {}", origin, path(nodes.size() - 1), *p));
          return false;
        }
      }
    } else if (value.is_array()) {
      for (size_t i = 0; i < value.size(); ++i) nodes.push_back(Node{&value[i], n, {}, i});
    }
    if (bytes > kMaxPositionRecordBytes) {
      reasons.push_back(
          fmt::format("{}: the record holds more than {} bytes, the limit for one "
                      "position record",
                      origin, kMaxPositionRecordBytes));
      return false;
    }
  }
  return true;
}

// Adds one record to the batch: a position, a record without one, or a reject.
void Take(const json& record, const std::string& origin, PositionBatch& batch) {
  ++batch.records;
  std::vector<std::string> reasons;
  std::optional<Position> p = PositionFromJson(record, origin, reasons);
  if (p) {
    batch.positions.push_back(std::move(*p));
  } else if (reasons.empty()) {
    ++batch.without_position;
  } else {
    batch.rejected.push_back(RejectedPosition{origin, std::move(reasons), SafeDump(record)});
  }
}

// ---------------------------------------------------------------------------------------------
// The fast path (docs/performance.md). Records are read without nlohmann::json: simdjson's DOM
// parser (runtime-dispatched SIMD) for JSON, the CSV row's fields as they are. The fast path only
// ever accepts a record, or counts it as one without a position fix, when the reference path above
// would do exactly the same with exactly the same result; whenever it cannot vouch for that (any
// problem, any unusual value: a nested value, a numeric string, a big integer, a key given
// twice, a syntax error), it says kUnsure and the record (for JSON lines and CSV) or the whole
// file (for a JSON array, whose errors carry the array's line and column) goes through the
// reference path. So every message and every rejected record is the reference path's own.

// One scalar of a record, as the reference path's checks see it.
struct FastValue {
  enum Kind : uint8_t { kAbsent, kNull, kNumber, kString, kBool };
  Kind kind = kAbsent;
  bool boolean = false;
  double number = 0;
  std::string_view text;  // kString: the text, unescaped

  bool Present() const {
    return kind != kAbsent && kind != kNull && !(kind == kString && text.empty());
  }
};

// The fields the schema reads.
struct FastRecord {
  FastValue time, fix_time, lat, lon, baro, geo, callsign, onground, icao24;
};

enum class FastOutcome { kPosition, kNoFix, kUnsure };

// Whether TextProblem(text, field) has nothing to say, known without decoding: printable ASCII
// (no control, bidi or invisible character is printable ASCII) within the length limit.
bool PlainText(std::string_view text, TextField field) {
  if (text.size() > field.max_bytes) return false;
  for (const char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7E) {
      return !TextProblem(text, field);
    }
  }
  return true;
}

// A number the reference's Number() reads without a reason; nullopt for "no value". False
// (unsure) for anything else.
bool FastNumber(const FastValue& v, std::optional<double>& out) {
  out.reset();
  if (v.kind == FastValue::kAbsent || v.kind == FastValue::kNull) return true;
  if (v.kind == FastValue::kString && v.text.empty()) return true;
  if (v.kind != FastValue::kNumber || !std::isfinite(v.number)) return false;
  out = v.number;
  return true;
}

// A time the reference's Time() accepts: a number within the plausible range.
bool FastTime(const FastValue& v, double scale, std::optional<UtcTime>& out) {
  out.reset();
  if (v.kind != FastValue::kNumber || !std::isfinite(v.number)) return false;
  const double seconds = v.number * scale;
  if (seconds < kMinSeconds || seconds > kMaxSeconds) return false;
  out = UtcTime(std::chrono::milliseconds(std::llround(seconds * 1000)));
  return true;
}

// NormalizeIcao24 and NormalizeCallsign, without their per-character library calls for the
// text they would return unchanged.
std::optional<std::string> FastIcao24(std::string_view text) {
  if (text.size() == 6 && std::all_of(text.begin(), text.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
      })) {
    return std::string(text);
  }
  return NormalizeIcao24(text);
}

std::string FastCallsign(std::string_view text) {
  if (std::all_of(text.begin(), text.end(),
                  [](char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'); })) {
    return std::string(text);
  }
  return NormalizeCallsign(text);
}

// PositionFromJson over a record whose keys and strings CheckRecord accepts.
FastOutcome FastPosition(const FastRecord& r, const Schema& s, Position& out) {
  if (!r.lat.Present() && !r.lon.Present()) return FastOutcome::kNoFix;
  if (r.icao24.kind != FastValue::kString) return FastOutcome::kUnsure;
  std::optional<std::string> icao24 = FastIcao24(r.icao24.text);
  if (!icao24 || !r.lat.Present() || !r.lon.Present()) return FastOutcome::kUnsure;
  std::optional<double> lat, lon, baro, geo;
  if (!FastNumber(r.lat, lat) || !FastNumber(r.lon, lon) || !lat || !lon) {
    return FastOutcome::kUnsure;
  }
  if (*lat < -90 || *lat > 90 || *lon < -180 || *lon > 180) return FastOutcome::kUnsure;
  std::optional<UtcTime> time, fix_time;
  if (!FastTime(r.time, s.time_scale, time)) return FastOutcome::kUnsure;
  if (r.fix_time.Present() && !FastTime(r.fix_time, s.time_scale, fix_time)) {
    return FastOutcome::kUnsure;
  }
  if (!FastNumber(r.baro, baro) || !FastNumber(r.geo, geo)) return FastOutcome::kUnsure;
  std::string callsign;
  if (r.callsign.kind == FastValue::kString) {
    callsign = FastCallsign(r.callsign.text);
    if (!PlainText(callsign, kCallsignField)) return FastOutcome::kUnsure;
  } else if (r.callsign.kind != FastValue::kAbsent && r.callsign.kind != FastValue::kNull) {
    return FastOutcome::kUnsure;
  }
  bool on_ground = false;
  switch (r.onground.kind) {
    case FastValue::kAbsent:
    case FastValue::kNull:
      break;
    case FastValue::kBool:
      on_ground = r.onground.boolean;
      break;
    case FastValue::kString: {
      const std::string_view t = r.onground.text;
      if (t == "true" || t == "True" || t == "TRUE" || t == "1") {
        on_ground = true;
      } else if (!(t.empty() || t == "false" || t == "False" || t == "FALSE" || t == "0")) {
        return FastOutcome::kUnsure;
      }
      break;
    }
    case FastValue::kNumber:  // 0 and 1 are read by the reference path
      return FastOutcome::kUnsure;
  }
  out.icao24 = std::move(*icao24);
  out.time = fix_time ? *fix_time : *time;
  out.where = LatLng(*lat, *lon);
  out.baro_altitude.reset();
  out.geo_altitude.reset();
  if (baro) out.baro_altitude = Meters{*baro * s.altitude_scale};
  if (geo) out.geo_altitude = Meters{*geo * s.altitude_scale};
  out.callsign = std::move(callsign);
  out.on_ground = on_ground;
  return FastOutcome::kPosition;
}

// The keys either schema reads, each with a number: the members of a record are read into
// slots by key, so that neither picking the schema nor finding a field compares strings.
enum Key : uint8_t {
  kTimestamp,
  kLastPosition,
  kLatitude,
  kLongitude,
  kAltitude,
  kGeoAltitude,
  kCallsign,
  kOnGround,
  kIcao24,
  kTime,
  kLastPosUpdate,
  kLat,
  kLon,
  kBaroAltitude,
  kKeys,
  kOther = kKeys
};
constexpr std::string_view kKeyNames[kKeys] = {
    "timestamp",     "last_position", "latitude", "longitude",   "altitude",
    "geoaltitude",   "callsign",      "onground", "icao24",      "time",
    "lastposupdate", "lat",           "lon",      "baroaltitude"};

Key KeyOf(std::string_view key) {
  // The names differ in length or in their first two letters, but for "lat"/"lon" and
  // "latitude"/"longitude" (told apart by the second), and "lastposupdate" with "last_position"
  // (by the fifth): compare the whole name once the candidate is found.
  Key k = kOther;
  switch (key.size()) {
    case 3:
      k = key[1] == 'a' ? kLat : kLon;
      break;
    case 4:
      k = kTime;
      break;
    case 6:
      k = kIcao24;
      break;
    case 8:
      k = key[0] == 'a'   ? kAltitude
          : key[0] == 'l' ? kLatitude
          : key[0] == 'c' ? kCallsign
                          : kOnGround;
      break;
    case 9:
      k = key[0] == 't' ? kTimestamp : kLongitude;
      break;
    case 11:
      k = kGeoAltitude;
      break;
    case 12:
      k = kBaroAltitude;
      break;
    case 13:
      k = key[4] == '_' ? kLastPosition : kLastPosUpdate;
      break;
    default:
      return kOther;
  }
  return key == kKeyNames[k] ? k : kOther;
}

// The members of one JSON object, read from simdjson's DOM: the known keys in their slots,
// the others by name (only to tell a key given twice).
struct FastMembers {
  static constexpr size_t kMax = 64;  // more members: unsure
  std::array<FastValue, kKeys> known;
  uint32_t seen = 0;  // bit k: known[k] was given
  std::array<std::string_view, kMax> others;
  size_t other_count = 0;
  size_t size = 0;

  bool Has(Key k) const { return (seen >> k) & 1u; }
  FastValue Get(Key k) const { return Has(k) ? known[k] : FastValue{}; }
};

// Reads one object's members as the reference path would check them (CheckRecord's limits and
// text policy, the reader's one-key-once rule); false (unsure) at the first doubt. simdjson has
// already refused what the reference refuses as syntax (its DOM parser validates the whole
// text: UTF-8, escapes and surrogates, raw control characters, numbers out of range).
bool ReadFastMembers(simdjson::dom::object object, FastMembers& m) {
  m.size = m.other_count = 0;
  m.seen = 0;
  size_t bytes = 8;
  for (const simdjson::dom::key_value_pair member : object) {
    const std::string_view key = member.key;
    if (m.size == FastMembers::kMax) return false;
    ++m.size;
    const Key k = KeyOf(key);
    if (k == kOther) {
      if (!PlainText(key, kIdField)) return false;
      for (size_t i = 0; i < m.other_count; ++i)
        if (m.others[i] == key) return false;
      m.others[m.other_count++] = key;
    } else if (m.Has(k)) {
      return false;
    }
    FastValue v;
    const simdjson::dom::element value = member.value;
    switch (value.type()) {
      case simdjson::dom::element_type::INT64:
        // As nlohmann: an integer read as a double ("-0" is the integer 0, +0.0).
        v.number = static_cast<double>(value.get_int64().value_unsafe());
        v.kind = FastValue::kNumber;
        break;
      case simdjson::dom::element_type::UINT64:
        v.number = static_cast<double>(value.get_uint64().value_unsafe());
        v.kind = FastValue::kNumber;
        break;
      case simdjson::dom::element_type::DOUBLE:
        v.number = value.get_double().value_unsafe();
        v.kind = FastValue::kNumber;
        break;
      case simdjson::dom::element_type::STRING:
        v.text = value.get_string().value_unsafe();
        if (!PlainText(v.text, kTextField)) return false;
        bytes += v.text.size();
        v.kind = FastValue::kString;
        break;
      case simdjson::dom::element_type::BOOL:
        v.boolean = value.get_bool().value_unsafe();
        v.kind = FastValue::kBool;
        break;
      case simdjson::dom::element_type::NULL_VALUE:
        v.kind = FastValue::kNull;
        break;
      default:  // a nested array or object
        return false;
    }
    bytes += key.size() + 8;
    if (bytes > kMaxPositionRecordBytes) return false;
    if (k != kOther) {
      m.known[k] = v;
      m.seen |= 1u << k;
    }
  }
  return true;
}

// The schema's fields out of the members; the schema as PositionFromJson picks it.
const Schema* FastFields(const FastMembers& m, FastRecord& r) {
  if (m.Has(kLatitude) || m.Has(kTimestamp)) {
    r.time = m.Get(kTimestamp);
    r.fix_time = m.Get(kLastPosition);
    r.lat = m.Get(kLatitude);
    r.lon = m.Get(kLongitude);
    r.baro = m.Get(kAltitude);
    r.geo = m.Get(kGeoAltitude);
    r.callsign = m.Get(kCallsign);
    r.onground = m.Get(kOnGround);
    r.icao24 = m.Get(kIcao24);
    return &kTraffic;
  }
  if (m.Has(kLat) || m.Has(kTime)) {
    r.time = m.Get(kTime);
    r.fix_time = m.Get(kLastPosUpdate);
    r.lat = m.Get(kLat);
    r.lon = m.Get(kLon);
    r.baro = m.Get(kBaroAltitude);
    r.geo = m.Get(kGeoAltitude);
    r.callsign = m.Get(kCallsign);
    r.onground = m.Get(kOnGround);
    r.icao24 = m.Get(kIcao24);
    return &kOpenSky;
  }
  return nullptr;
}

// One JSON value: its outcome, `out` filled for kPosition.
FastOutcome FastJsonRecord(simdjson::dom::element value, FastMembers& m, Position& out) {
  simdjson::dom::object object;
  if (value.get_object().get(object) != simdjson::SUCCESS) return FastOutcome::kUnsure;
  if (!ReadFastMembers(object, m)) return FastOutcome::kUnsure;
  FastRecord r;
  const Schema* s = FastFields(m, r);
  if (!s) return FastOutcome::kUnsure;
  return FastPosition(r, *s, out);
}

void AddFast(FastOutcome outcome, Position& p, PositionBatch& batch) {
  ++batch.records;
  if (outcome == FastOutcome::kPosition) {
    batch.positions.push_back(std::move(p));
  } else {
    ++batch.without_position;
  }
}

// The traffic JSON array, wholly on the fast path; false (and `batch` to be discarded) when
// some record or the syntax needs the reference path.
bool FastTrafficJson(std::string_view text, PositionBatch& batch) {
  if (text.starts_with("\xEF\xBB\xBF")) return false;
  const simdjson::padded_string padded(text);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(padded).get(doc) != simdjson::SUCCESS) return false;
  simdjson::dom::array array;
  if (doc.get_array().get(array) != simdjson::SUCCESS) return false;
  // The reference refuses nesting past kMaxJsonDepth; the fast path takes no nesting at all.
  FastMembers members;
  Position p;
  batch.positions.reserve(array.size());
  for (const simdjson::dom::element element : array) {
    const FastOutcome outcome = FastJsonRecord(element, members, p);
    if (outcome == FastOutcome::kUnsure) return false;
    AddFast(outcome, p, batch);
  }
  return true;
}

}  // namespace

// ---- the fast readers positions_stream.cc shares (positions_fast.h) ----

struct FastLineReader::State {
  simdjson::dom::parser parser;
  std::string buffer;
  FastMembers members;
};

FastLineReader::FastLineReader() : state_(std::make_unique<State>()) {}
FastLineReader::~FastLineReader() = default;

bool FastLineReader::Take(std::string_view line, PositionBatch& batch) {
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
    line.remove_suffix(1);
  while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
  if (line.empty() || line.size() > kMaxPositionLineBytes || line.front() != '{') return false;
  std::string& buffer = state_->buffer;
  if (buffer.size() < line.size() + simdjson::SIMDJSON_PADDING) {
    buffer.resize(2 * line.size() + simdjson::SIMDJSON_PADDING);
  }
  std::memcpy(buffer.data(), line.data(), line.size());
  simdjson::dom::element doc;
  if (state_->parser.parse(buffer.data(), line.size(), false).get(doc) != simdjson::SUCCESS) {
    return false;
  }
  Position p;
  const FastOutcome outcome = FastJsonRecord(doc, state_->members, p);
  if (outcome == FastOutcome::kUnsure) return false;
  AddFast(outcome, p, batch);
  return true;
}

struct FastArrayReader::State {
  simdjson::dom::parser parser;
  FastMembers members;
};

FastArrayReader::FastArrayReader() : state_(std::make_unique<State>()) {}
FastArrayReader::~FastArrayReader() = default;

bool FastArrayReader::Read(const char* text, size_t size, bool non_empty, PositionBatch& batch) {
  simdjson::dom::element doc;
  if (state_->parser.parse(text, size, false).get(doc) != simdjson::SUCCESS) return false;
  simdjson::dom::array array;
  if (doc.get_array().get(array) != simdjson::SUCCESS) return false;
  if (non_empty && array.begin() == array.end()) return false;
  Position p;
  for (const simdjson::dom::element element : array) {
    const FastOutcome outcome = FastJsonRecord(element, state_->members, p);
    if (outcome == FastOutcome::kUnsure) return false;
    AddFast(outcome, p, batch);
  }
  return true;
}

namespace {

// A CSV row's field as the reference path's record holds it: empty is null, the text columns
// strings, the others numbers when they read as one.
FastValue FastCsvField(std::string_view field, bool text_column) {
  FastValue v;
  if (field.empty()) {
    v.kind = FastValue::kNull;
  } else if (text_column) {
    v.kind = FastValue::kString;
    v.text = field;
  } else if (auto n = ParseNumber(field)) {
    v.kind = FastValue::kNumber;
    v.number = *n;
  } else {
    v.kind = FastValue::kString;
    v.text = field;
  }
  return v;
}

}  // namespace

void TakeLine(std::string_view line, const std::string& file, size_t line_number,
              PositionBatch& batch) {
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
    line.remove_suffix(1);
  while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
  if (line.empty()) return;
  const std::string origin = fmt::format("{}:{}", file, line_number);
  auto reject = [&](std::string reason) {
    ++batch.records;
    batch.rejected.push_back(RejectedPosition{
        origin, {std::move(reason)}, std::string(line.substr(0, kMaxPositionLineBytes))});
  };
  if (line.size() > kMaxPositionLineBytes) {
    reject(fmt::format("{}: line longer than {} bytes, the limit for one JSON line", origin,
                       kMaxPositionLineBytes));
    return;
  }
  auto record = ParseJson(line, file, JsonOptions{kMaxJsonDepth, line_number});
  if (!record.ok()) {
    reject(record.error().message + " (expected one JSON object per line)");
    return;
  }
  Take(*record, origin, batch);
}

std::optional<Position> PositionFromJson(const json& record, const std::string& origin,
                                         std::vector<std::string>& reasons) {
  if (!record.is_object()) {
    reasons.push_back(fmt::format("{}: expected a JSON object, got {}", origin, QuoteJson(record)));
    return std::nullopt;
  }
  const Schema* schema = nullptr;
  if (record.contains("latitude") || record.contains("timestamp")) {
    schema = &kTraffic;
  } else if (record.contains("lat") || record.contains("time")) {
    schema = &kOpenSky;
  } else {
    reasons.push_back(fmt::format(
        "{}: expected the traffic keys (timestamp, icao24, latitude, longitude) or the OpenSky "
        "keys (time, icao24, lat, lon)",
        origin));
    return std::nullopt;
  }
  const Schema& s = *schema;
  if (!CheckRecord(record, origin, reasons)) return std::nullopt;
  // No position fix at all: a state vector with nothing to place (OpenSky and traffic both
  // carry such rows). Skipped, not rejected.
  if (!Present(record, s.lat) && !Present(record, s.lon)) return std::nullopt;

  const size_t before = reasons.size();
  std::optional<std::string> icao24;
  if (const auto it = record.find("icao24"); it != record.end() && it->is_string()) {
    icao24 = NormalizeIcao24(it->get_ref<const std::string&>());
  }
  if (!icao24) {
    const auto it = record.find("icao24");
    reasons.push_back(fmt::format("{}: icao24: expected 6 hex digits, got {}", origin,
                                  it == record.end() ? std::string("nothing") : QuoteJson(*it)));
  }
  const auto lat = Number(record, s.lat, origin, "a latitude in degrees", reasons);
  const auto lon = Number(record, s.lon, origin, "a longitude in degrees", reasons);
  if (!Present(record, s.lat) || !Present(record, s.lon)) {
    reasons.push_back(fmt::format("{}: {}: only one of {} and {} is given", origin,
                                  Present(record, s.lat) ? s.lon : s.lat, s.lat, s.lon));
  }
  if (lat && (*lat < -90 || *lat > 90)) {
    reasons.push_back(
        fmt::format("{}: {}: expected a latitude in [-90, 90], got {}", origin, s.lat, *lat));
  }
  if (lon && (*lon < -180 || *lon > 180)) {
    reasons.push_back(
        fmt::format("{}: {}: expected a longitude in [-180, 180], got {}", origin, s.lon, *lon));
  }
  std::optional<UtcTime> time;
  if (!Present(record, s.time)) {
    reasons.push_back(fmt::format("{}: {}: missing (expected unix {})", origin, s.time,
                                  s.time_scale == 1.0 ? "seconds" : "milliseconds"));
  } else {
    time = Time(record, s.time, s.time_scale, origin, reasons);
  }
  // The fix's own time, when given, places the position better than the record's time: a
  // state vector repeats its last fix until a new one arrives.
  std::optional<UtcTime> fix_time;
  if (Present(record, s.fix_time))
    fix_time = Time(record, s.fix_time, s.time_scale, origin, reasons);
  const auto baro =
      Number(record, s.baro, origin, s.altitude_scale == 1.0 ? "metres" : "feet", reasons);
  const auto geo =
      Number(record, s.geo, origin, s.altitude_scale == 1.0 ? "metres" : "feet", reasons);
  std::string callsign;
  if (const auto it = record.find(s.callsign); it != record.end() && !it->is_null()) {
    if (it->is_string()) {
      callsign = NormalizeCallsign(it->get_ref<const std::string&>());
      if (auto p = TextProblem(callsign, kCallsignField)) {
        reasons.push_back(fmt::format("{}: {}: {}", origin, s.callsign, *p));
      }
    } else {
      reasons.push_back(
          fmt::format("{}: {}: expected a string, got {}", origin, s.callsign, QuoteJson(*it)));
    }
  }
  const auto on_ground = Bool(record, s.onground, origin, reasons);
  if (reasons.size() != before) return std::nullopt;

  Position p;
  p.icao24 = std::move(*icao24);
  p.time = fix_time ? *fix_time : *time;
  p.where = LatLng(*lat, *lon);
  if (baro) p.baro_altitude = Meters{*baro * s.altitude_scale};
  if (geo) p.geo_altitude = Meters{*geo * s.altitude_scale};
  p.callsign = std::move(callsign);
  p.on_ground = on_ground.value_or(false);
  return p;
}

PositionFormat DetectPositionFormat(std::string_view text) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
    if (c == '[') return PositionFormat::kTrafficJson;
    if (c == '{') return PositionFormat::kJsonLines;
    break;
  }
  return PositionFormat::kOpenSkyCsv;
}

Result<PositionBatch> OpenSkyCsv(std::string_view text, const std::string& file, bool fast,
                                 size_t first_row_line, size_t* next_line) {
  CsvReader reader(text, file);
  if (Status header = reader.ReadHeader(); !header.ok()) return header.error();
  if (first_row_line != 0) reader.SkipTo(reader.offset(), first_row_line);
  std::vector<std::string> missing;
  for (const char* name : {"time", "icao24", "lat", "lon"}) {
    if (!reader.Column(name)) missing.push_back(name);
  }
  if (!missing.empty()) {
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("{}:1: header: missing column{} {} (expected the OpenSky "
                                 "state-vector columns: time, icao24, lat, lon, ..., "
                                 "baroaltitude, geoaltitude, lastposupdate, lastcontact)",
                                 file, missing.size() == 1 ? "" : "s", fmt::join(missing, ", ")));
  }
  // The reference path makes each row a JSON object keyed by the column names, so that both
  // schemas share one set of checks and messages; the fast path reads the same fields in place.
  struct Column {
    const char* name;
    size_t name_bytes;
    FastValue FastRecord::*slot;
    bool text;  // kept as a string, not read as a number
  };
  static constexpr Column kColumns[] = {{"time", 4, &FastRecord::time, false},
                                        {"icao24", 6, &FastRecord::icao24, true},
                                        {"lat", 3, &FastRecord::lat, false},
                                        {"lon", 3, &FastRecord::lon, false},
                                        {"callsign", 8, &FastRecord::callsign, true},
                                        {"onground", 8, &FastRecord::onground, true},
                                        {"baroaltitude", 12, &FastRecord::baro, false},
                                        {"geoaltitude", 11, &FastRecord::geo, false},
                                        {"lastposupdate", 13, &FastRecord::fix_time, false}};
  std::vector<std::pair<const Column*, size_t>> columns;
  for (const Column& column : kColumns) {
    if (auto c = reader.Column(column.name)) columns.emplace_back(&column, *c);
  }
  PositionBatch batch;
  Position p;
  CsvRecord row;
  // One row: through the fast path when it can vouch for it, else as the reference reads it.
  auto take = [&](const std::vector<std::string_view>& fields, size_t line) {
    if (fast) {
      FastRecord r;
      size_t bytes = 8;
      bool sure = true;
      for (const auto& [column, c] : columns) {
        FastValue v = FastCsvField(fields[c], column->text);
        bytes += column->name_bytes + 8;
        if (v.kind == FastValue::kString) {
          bytes += v.text.size();
          sure = sure && PlainText(v.text, kTextField);
        }
        r.*(column->slot) = v;
      }
      if (sure && bytes <= kMaxPositionRecordBytes) {
        const FastOutcome outcome = FastPosition(r, kOpenSky, p);
        if (outcome != FastOutcome::kUnsure) {
          AddFast(outcome, p, batch);
          return;
        }
      }
    }
    json record = json::object();
    for (const auto& [column, c] : columns) {
      const std::string_view field = fields[c];
      if (field.empty()) {
        record[column->name] = nullptr;
      } else if (column->text) {
        record[column->name] = field;
      } else if (auto v = ParseNumber(field)) {
        record[column->name] = *v;
      } else {
        record[column->name] = field;  // reported as "expected a number" with the text given
      }
    }
    const size_t rejected = batch.rejected.size();
    Take(record, fmt::format("{}:{}", file, line), batch);
    // A CSV row is rejected as the line given, not as the record it was read into.
    if (batch.rejected.size() > rejected) {
      batch.rejected.back().raw = CsvJoin(std::vector<std::string>(fields.begin(), fields.end()));
    }
  };
  // The fast path splits plain rows itself (one line, no quote, no stray '\r', the header's
  // number of fields: what the CSV reader would read as the same fields) and hands any other
  // row, and every problem, to the CSV reader, which says what is wrong.
  const std::string_view rest = reader.text();
  const size_t width = reader.header().size();
  std::vector<std::string_view> fields;
  fields.reserve(width);
  size_t pos = reader.offset(), line = reader.line();
  while (pos < rest.size()) {
    if (fast) {
      // One pass over the line: the commas, and whether it is plain.
      fields.clear();
      size_t i = pos, from = pos;
      const size_t limit = std::min(rest.size(), pos + kMaxPositionRecordBytes);
      bool plain = true;
      for (; i < limit; ++i) {
        const char c = rest[i];
        if (c == ',') {
          fields.push_back(rest.substr(from, i - from));
          from = i + 1;
        } else if (c == '\n' || c == '"' || c == '\r') {
          break;
        }
      }
      size_t next = i;  // where the next row begins
      if (i == rest.size()) {
        // The last line, without a line end.
      } else if (i < limit && rest[i] == '\n') {
        next = i + 1;
      } else if (i + 1 < rest.size() && rest[i] == '\r' && rest[i + 1] == '\n') {
        next = i + 2;
      } else {
        plain = false;  // a quote, a stray '\r', or a very long line
      }
      if (plain) {
        fields.push_back(rest.substr(from, i - from));
        if (i == pos) {  // a blank line
          pos = next;
          ++line;
          continue;
        }
        if (fields.size() == width) {
          take(fields, line);
          pos = next;
          ++line;
          continue;
        }
      }
      reader.SkipTo(pos, line);
    }
    auto more = reader.Next(row);
    if (!more.ok()) return std::move(more).error();
    if (!*more) break;
    fields.assign(row.fields.begin(), row.fields.end());
    take(fields, row.line);
    pos = reader.offset();
    line = reader.line();
  }
  if (next_line) *next_line = line;
  return batch;
}

namespace {

Result<PositionBatch> TrafficJson(std::string_view text, const std::string& file, bool fast) {
  if (fast) {
    PositionBatch batch;
    if (FastTrafficJson(text, batch)) return batch;
  }
  PositionBatch batch;
  // Each record is handed over as soon as it is parsed and not kept, so a large file never
  // sits in memory as a JSON tree.
  const JsonElementFn take = [&](json&& record, size_t index) {
    Take(record, fmt::format("{} record {}", file, index), batch);
  };
  auto rest = ParseJsonStreaming(text, file, "", take);
  if (!rest.ok()) return std::move(rest).error();
  if (!rest->is_array()) {
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("{}: expected a JSON array of position records", file));
  }
  return batch;
}

PositionBatch PositionLines(std::string_view text, const std::string& file, bool fast) {
  PositionBatch batch;
  std::optional<FastLineReader> reader;
  if (fast) reader.emplace();
  size_t line = 0;
  while (!text.empty()) {
    const size_t end = text.find('\n');
    std::string_view l = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    ++line;
    if (!reader || !reader->Take(l, batch)) TakeLine(l, file, line, batch);
  }
  return batch;
}

Result<PositionBatch> Positions(std::string_view text, const std::string& file, bool fast) {
  switch (DetectPositionFormat(text)) {
    case PositionFormat::kTrafficJson:
      return TrafficJson(text, file, fast);
    case PositionFormat::kJsonLines:
      return PositionLines(text, file, fast);
    case PositionFormat::kOpenSkyCsv:
      break;
  }
  return OpenSkyCsv(text, file, fast);
}

}  // namespace

Result<PositionBatch> ParsePositions(std::string_view text, const std::string& file) {
  return Positions(text, file, true);
}

Result<PositionBatch> ParsePositionsReference(std::string_view text, const std::string& file) {
  return Positions(text, file, false);
}

Result<PositionBatch> ParseOpenSkyCsv(std::string_view text, const std::string& file) {
  return OpenSkyCsv(text, file, true);
}

Result<PositionBatch> ParseTrafficJson(std::string_view text, const std::string& file) {
  return TrafficJson(text, file, true);
}

PositionBatch ParsePositionLines(std::string_view text, const std::string& file) {
  return PositionLines(text, file, true);
}

}  // namespace truce::formats
