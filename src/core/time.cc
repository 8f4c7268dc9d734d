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

std::string FormatUtcTime(UtcTime t) {
  using namespace std::chrono;
  if (t == kEndOfTime) return "";
  const auto day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss<seconds> tod{floor<seconds>(t - day)};
  return fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}Z", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                     tod.hours().count(), tod.minutes().count(), tod.seconds().count());
}

std::string FormatUtcDate(UtcTime t) {
  using namespace std::chrono;
  const year_month_day ymd{floor<days>(t)};
  return fmt::format("{:04d}-{:02d}-{:02d}", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
}

Result<TimeInterval> TimeInterval::Create(UtcTime begin, UtcTime end) {
  if (!(begin < end)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     fmt::format("empty interval: start {} is not before end {}",
                                 FormatUtcTime(begin), FormatUtcTime(end)));
  }
  return TimeInterval(begin, end);
}

std::string FormatTimestamp(UtcTime t) {
  const std::string seconds = FormatUtcTime(t);
  if (seconds.empty()) return seconds;
  const auto ms = (t.time_since_epoch().count() % 1000 + 1000) % 1000;
  return fmt::format("{}.{:03d}Z", seconds.substr(0, seconds.size() - 1), ms);
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
