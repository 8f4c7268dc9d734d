// UTC time points and half-open intervals, the two times every truce record carries.
//
// Time comes into core as a value; core never reads the clock (STYLE.md section 2).
// All types here are immutable values, safe to share between threads.
#pragma once

#include <chrono>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "truce/result.h"

namespace truce {

// A UTC instant with millisecond resolution (ADS-B positions carry milliseconds).
// std::chrono::system_clock counts Unix time, which ignores leap seconds as UTC-based feeds do.
using UtcTime = std::chrono::sys_time<std::chrono::milliseconds>;

// The latest representable instant; an interval ending here is open-ended.
inline constexpr UtcTime kEndOfTime = UtcTime::max();

// Parses the two forms truce accepts everywhere a user writes a time:
//   "YYYY-MM-DD"            midnight UTC at the start of that day
//   "YYYY-MM-DDTHH:MM:SSZ"  an instant in UTC
// Errors (kInvalidArgument) name the text and the expected forms.
[[nodiscard]] Result<UtcTime> ParseUtcTime(std::string_view text);

// "YYYY-MM-DDTHH:MM:SSZ", truncated to the second. kEndOfTime formats as "".
std::string FormatUtcTime(UtcTime t);

// "2024-05-01T12:00:00.123Z": UTC with milliseconds, the form of every time truce writes in
// JSON (receipts, API records). kEndOfTime formats as "".
std::string FormatTimestamp(UtcTime t);
// Accepts FormatTimestamp's form (1 to 3 fraction digits) and ParseUtcTime's forms.
[[nodiscard]] Result<UtcTime> ParseTimestamp(std::string_view text);

// The UTC calendar day of `t` as "YYYY-MM-DD".
std::string FormatUtcDate(UtcTime t);

// Builds an instant from calendar fields; nullopt if any field is out of range.
std::optional<UtcTime> MakeUtcTime(int year, unsigned month, unsigned day, unsigned hour = 0,
                                   unsigned minute = 0, unsigned second = 0);

// A half-open interval [begin, end) of UTC time. end == kEndOfTime means "still open".
class TimeInterval {
 public:
  // REQUIRES nothing; returns kInvalidArgument unless begin < end.
  [[nodiscard]] static Result<TimeInterval> Create(UtcTime begin, UtcTime end);
  // The interval holding exactly one instant, [t, t + 1 ms).
  static TimeInterval Instant(UtcTime t) noexcept {
    return TimeInterval(t, t + std::chrono::milliseconds(1));
  }

  constexpr UtcTime begin() const noexcept { return begin_; }
  constexpr UtcTime end() const noexcept { return end_; }
  constexpr bool open_ended() const noexcept { return end_ == kEndOfTime; }

  constexpr bool Contains(UtcTime t) const noexcept { return begin_ <= t && t < end_; }
  constexpr bool Contains(const TimeInterval& o) const noexcept {
    return begin_ <= o.begin_ && o.end_ <= end_;
  }
  constexpr bool Overlaps(const TimeInterval& o) const noexcept {
    return begin_ < o.end_ && o.begin_ < end_;
  }

  friend constexpr bool operator==(const TimeInterval&, const TimeInterval&) = default;

 private:
  constexpr TimeInterval(UtcTime begin, UtcTime end) noexcept : begin_(begin), end_(end) {}
  UtcTime begin_;
  UtcTime end_;
};

}  // namespace truce
