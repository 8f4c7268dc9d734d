#include "truce/time.h"

#include <chrono>
#include <random>

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace truce {
namespace {

TEST(ParseUtcTime, AcceptsDateAndDateTime) {
  auto day = ParseUtcTime("2017-05-06");
  ASSERT_TRUE(day.ok());
  EXPECT_EQ(FormatUtcTime(*day), "2017-05-06T00:00:00Z");
  auto instant = ParseUtcTime("2017-05-06T13:45:09Z");
  ASSERT_TRUE(instant.ok());
  EXPECT_EQ(FormatUtcTime(*instant), "2017-05-06T13:45:09Z");
  EXPECT_EQ(FormatUtcDate(*instant), "2017-05-06");
  EXPECT_EQ((*instant - *day), std::chrono::seconds(13 * 3600 + 45 * 60 + 9));
}

TEST(ParseUtcTime, KnowsUnixEpochAndLeapDays) {
  EXPECT_EQ(ParseUtcTime("1970-01-01")->time_since_epoch().count(), 0);
  EXPECT_TRUE(ParseUtcTime("2016-02-29").ok());
  EXPECT_FALSE(ParseUtcTime("2017-02-29").ok());
}

TEST(ParseUtcTime, RejectsOtherFormsWithTheTextAndTheExpectedForms) {
  for (const char* bad :
       {"", "2017-5-6", "2017/05/06", "2017-05-06T13:45:09", "2017-05-06 13:45:09Z",
        "2017-05-06T13:45:09+03:00", "2017-13-01", "2017-05-32", "2017-05-06T24:00:00Z",
        "2017-05-06T12:60:00Z", "abcd-ef-gh"}) {
    auto t = ParseUtcTime(bad);
    ASSERT_FALSE(t.ok()) << bad;
    EXPECT_EQ(t.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(t.error().message.find(bad), std::string::npos) << t.error().message;
  }
  EXPECT_NE(ParseUtcTime("2017/05/06").error().message.find("YYYY-MM-DD"), std::string::npos);
}

// The formatters write digits by hand; fmt's spelling (what they wrote before) is the reference:
// times before 1970 and after 9999, every millisecond and leap days.
TEST(FormatUtcTime, SpellsEveryTimeAsFmtDid) {
  using namespace std::chrono;
  const auto reference = [](UtcTime t, int parts) {
    const auto day = floor<days>(t);
    const year_month_day ymd{day};
    const hh_mm_ss<milliseconds> tod{t - day};
    std::string out =
        fmt::format("{:04d}-{:02d}-{:02d}", static_cast<int>(ymd.year()),
                    static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
    if (parts == 0) return out;
    out += fmt::format("T{:02d}:{:02d}:{:02d}", tod.hours().count(), tod.minutes().count(),
                       tod.seconds().count());
    if (parts == 2) out += fmt::format(".{:03d}", tod.subseconds().count());
    return out + "Z";
  };
  std::mt19937_64 rng(7);
  // Years from about -30 to 10,070: most in 0..9999, some on either side.
  std::uniform_int_distribution<int64_t> ms(-2'000LL * 365 * 86'400'000,
                                            8'100LL * 365 * 86'400'000);
  std::vector<UtcTime> times = {UtcTime{}, UtcTime{milliseconds{-1}}, UtcTime{milliseconds{999}},
                                *ParseUtcTime("2016-02-29T23:59:59Z"), *ParseUtcTime("2017-08-21")};
  for (int i = 0; i < 20'000; ++i) times.push_back(UtcTime{milliseconds{ms(rng)}});
  for (const UtcTime t : times) {
    EXPECT_EQ(FormatUtcDate(t), reference(t, 0));
    EXPECT_EQ(FormatUtcTime(t), reference(t, 1));
    EXPECT_EQ(FormatTimestamp(t), reference(t, 2));
  }
  EXPECT_EQ(FormatTimestamp(*ParseUtcTime("2017-08-21")), "2017-08-21T00:00:00.000Z");
  EXPECT_EQ(FormatUtcTime(kEndOfTime), "");
  EXPECT_EQ(FormatTimestamp(kEndOfTime), "");
}

TEST(TimeInterval, IsHalfOpen) {
  const UtcTime a = *ParseUtcTime("2017-05-06"), b = *ParseUtcTime("2017-07-22");
  auto v = TimeInterval::Create(a, b);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->Contains(a));
  EXPECT_FALSE(v->Contains(b));
  EXPECT_TRUE(v->Contains(b - std::chrono::milliseconds(1)));
  auto next = TimeInterval::Create(b, kEndOfTime);
  ASSERT_TRUE(next.ok());
  EXPECT_TRUE(next->open_ended());
  EXPECT_FALSE(v->Overlaps(*next));
  EXPECT_TRUE(v->Overlaps(TimeInterval::Instant(a)));
  EXPECT_TRUE(next->Contains(TimeInterval::Instant(b)));
  EXPECT_EQ(FormatUtcTime(kEndOfTime), "");
}

TEST(TimeInterval, RejectsEmptyAndReversed) {
  const UtcTime a = *ParseUtcTime("2017-05-06");
  EXPECT_FALSE(TimeInterval::Create(a, a).ok());
  EXPECT_FALSE(TimeInterval::Create(a, a - std::chrono::seconds(1)).ok());
}

}  // namespace
}  // namespace truce
