#include "truce/time.h"

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
