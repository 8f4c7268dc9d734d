#include "truce/time.h"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

#include "truce/text_policy.h"

namespace truce {
namespace {

// Reads exactly `width` ASCII digits at `pos`; nullopt otherwise.
std::optional<int> Digits(std::string_view text, size_t pos, size_t width) {
  if (pos + width > text.size()) return std::nullopt;
  int value = 0;
  for (size_t i = pos; i < pos + width; ++i) {
    const char c = text[i];
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

Error BadTime(std::string_view text) {
  return MakeError(
      ErrorCode::kInvalidArgument,
      fmt::format("bad time {}: expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC)", Quote(text)));
}

}  // namespace

std::optional<UtcTime> MakeUtcTime(int year, unsigned month, unsigned day, unsigned hour,
                                   unsigned minute, unsigned second) {
  using namespace std::chrono;
  const year_month_day ymd{std::chrono::year{year}, std::chrono::month{month},
                           std::chrono::day{day}};
  if (!ymd.ok() || hour > 23 || minute > 59 || second > 59) return std::nullopt;
  return UtcTime(sys_days{ymd}) + hours{hour} + minutes{minute} + seconds{second};
}

Result<UtcTime> ParseUtcTime(std::string_view text) {
  if (text.size() != 10 && text.size() != 20) return BadTime(text);
  const auto y = Digits(text, 0, 4), mo = Digits(text, 5, 2), d = Digits(text, 8, 2);
  if (!y || !mo || !d || text[4] != '-' || text[7] != '-') return BadTime(text);
  int h = 0, mi = 0, s = 0;
  if (text.size() == 20) {
    const auto hh = Digits(text, 11, 2), mm = Digits(text, 14, 2), ss = Digits(text, 17, 2);
    if (!hh || !mm || !ss || text[10] != 'T' || text[13] != ':' || text[16] != ':' ||
        text[19] != 'Z') {
      return BadTime(text);
    }
    h = *hh, mi = *mm, s = *ss;
  }
  const auto t =
      MakeUtcTime(*y, static_cast<unsigned>(*mo), static_cast<unsigned>(*d),
                  static_cast<unsigned>(h), static_cast<unsigned>(mi), static_cast<unsigned>(s));
  if (!t) {
    return MakeError(ErrorCode::kInvalidArgument,
                     fmt::format("bad time {}: no such calendar date or time of day", Quote(text)));
  }
  return *t;
}

namespace {

// Writes `value` as exactly `width` decimal digits at `out`. REQUIRES: it fits.
void PutDigits(char* out, unsigned value, int width) {
  for (int i = width - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
}

// "YYYY-MM-DD", "YYYY-MM-DDTHH:MM:SS" and the milliseconds after it, without fmt: these are
// written for every record truce outputs (a tenth of `truce evaluate`'s time went to fmt's
// parsing of the format strings). Years outside 0..9999 keep fmt's spelling.
std::string FormatParts(UtcTime t, bool time_of_day, bool millis) {
  using namespace std::chrono;
  const auto day = floor<days>(t);
  const year_month_day ymd{day};
  const int year = static_cast<int>(ymd.year());
  const unsigned month = static_cast<unsigned>(ymd.month()),
                 mday = static_cast<unsigned>(ymd.day());
  const hh_mm_ss<milliseconds> tod{floor<milliseconds>(t - day)};
  const unsigned hours = static_cast<unsigned>(tod.hours().count());
  const unsigned minutes = static_cast<unsigned>(tod.minutes().count());
  const unsigned secs = static_cast<unsigned>(tod.seconds().count());
  const unsigned ms = static_cast<unsigned>(tod.subseconds().count());
  if (year < 0 || year > 9999) {
    std::string out = fmt::format("{:04d}-{:02d}-{:02d}", year, month, mday);
    if (time_of_day) out += fmt::format("T{:02d}:{:02d}:{:02d}", hours, minutes, secs);
    if (millis) out += fmt::format(".{:03d}", ms);
    return time_of_day ? out + "Z" : out;
  }
  char buffer[24] = "0000-00-00T00:00:00.000";
  PutDigits(buffer, static_cast<unsigned>(year), 4);
  PutDigits(buffer + 5, month, 2);
  PutDigits(buffer + 8, mday, 2);
  if (!time_of_day) return std::string(buffer, 10);
  PutDigits(buffer + 11, hours, 2);
  PutDigits(buffer + 14, minutes, 2);
  PutDigits(buffer + 17, secs, 2);
  size_t size = 19;
  if (millis) {
    PutDigits(buffer + 20, ms, 3);
    size = 23;
  }
  buffer[size] = 'Z';
  return std::string(buffer, size + 1);
}

}  // namespace

std::string FormatUtcTime(UtcTime t) {
  if (t == kEndOfTime) return "";
  return FormatParts(t, true, false);
}

std::string FormatUtcDate(UtcTime t) { return FormatParts(t, false, false); }

Result<TimeInterval> TimeInterval::Create(UtcTime begin, UtcTime end) {
  if (!(begin < end)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     fmt::format("empty interval: start {} is not before end {}",
                                 FormatUtcTime(begin), FormatUtcTime(end)));
  }
  return TimeInterval(begin, end);
}

std::string FormatTimestamp(UtcTime t) {
  if (t == kEndOfTime) return "";
  return FormatParts(t, true, true);
}

Result<UtcTime> ParseTimestamp(std::string_view text) {
  const size_t dot = text.find('.');
  if (dot == std::string_view::npos) return ParseUtcTime(text);
  // "YYYY-MM-DDTHH:MM:SS.fffZ": up to millisecond precision.
  const std::string_view fraction = text.substr(dot + 1);
  auto whole = ParseUtcTime(std::string(text.substr(0, dot)) + "Z");
  const bool digits = fraction.size() >= 2 && fraction.size() <= 4 && fraction.back() == 'Z' &&
                      std::all_of(fraction.begin(), fraction.end() - 1,
                                  [](char c) { return c >= '0' && c <= '9'; });
  if (!whole.ok() || !digits) {
    return MakeError(ErrorCode::kInvalidArgument,
                     fmt::format("bad time '{}': expected YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ or "
                                 "YYYY-MM-DDTHH:MM:SS.sssZ",
                                 text));
  }
  int ms = 0;
  for (size_t i = 0; i < 3; ++i) {
    ms = ms * 10 + (i + 1 < fraction.size() ? fraction[i] - '0' : 0);
  }
  return *whole + std::chrono::milliseconds(ms);
}

}  // namespace truce
