#include "formats/points_csv.h"

#include <gtest/gtest.h>

namespace truce::formats {
namespace {

TEST(ParsePointsCsv, ReadsColumnsInAnyOrderWithDefaultTime) {
  auto p =
      ParsePointsCsv("time,lon,extra,lat,id\n2017-06-01,36.4,x,33.57,douma\n,36.3,y,33.51,dam\n",
                     "p.csv", ParseUtcTime("2017-05-06").value());
  ASSERT_TRUE(p.ok()) << p.error().message;
  ASSERT_EQ(p->size(), 2u);
  EXPECT_EQ((*p)[0].id, "douma");
  EXPECT_EQ((*p)[0].position, LatLng(33.57, 36.4));
  EXPECT_EQ(FormatUtcTime((*p)[1].time), "2017-05-06T00:00:00Z");
}

TEST(ParsePointsCsv, ListsEveryBadRow) {
  auto p = ParsePointsCsv(
      "id,lat,lon,time\na,91,36,2017-06-01\nb,33,abc,2017-06-01\nc,33,36,June\nd,33,36,\n", "p.csv",
      std::nullopt);
  ASSERT_FALSE(p.ok());
  const auto& problems = p.error().problems;
  ASSERT_EQ(problems.size(), 4u);
  EXPECT_EQ(problems[0].ToString(),
            "p.csv:2: column lat: expected a latitude in [-90, 90], got '91'");
  EXPECT_EQ(problems[1].ToString(),
            "p.csv:3: column lon: expected a longitude in [-180, 180], got 'abc'");
  EXPECT_NE(problems[2].ToString().find("p.csv:4: column time: bad time 'June'"),
            std::string::npos);
  EXPECT_EQ(problems[3].ToString(), "p.csv:5: column time: empty and no --at given");
}

TEST(ParsePointsCsv, MissingColumns) {
  auto p = ParsePointsCsv("id,latitude,lon\n1,2,3\n", "p.csv", std::nullopt);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().problems.size(), 2u);
  EXPECT_NE(p.error().problems[0].ToString().find("missing column 'lat'"), std::string::npos);
}

TEST(ParsePointsCsv, IdsAreIdentifiersAndColumnsUnique) {
  auto bad = ParsePointsCsv("id,lat,lon\np\x001,33,36\n" + std::string(200, 'x') + ",33,36\n",
                            "p.csv", MakeUtcTime(2017, 8, 21));
  ASSERT_FALSE(bad.ok());
  const std::vector<std::string> expected = {
      "p.csv:2: column id: contains U+0001 (a control character) at byte 2 (not allowed in an "
      "identifier)",
      "p.csv:3: column id: is 200 bytes long, at most 128 allowed"};
  EXPECT_EQ(ProblemLines(bad.error()), expected);
  // A repeated column used to win silently.
  auto twice = ParsePointsCsv("id,lat,lon,lat\na,1,2,3\n", "p.csv", MakeUtcTime(2017, 8, 21));
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().message,
            "p.csv:1: header: column 4 is named 'lat' like column 2 (each column once)");
  auto huge = ParsePointsCsv("id,lat,lon\na,1e400,-1e999\n", "p.csv", MakeUtcTime(2017, 8, 21));
  ASSERT_FALSE(huge.ok());
  EXPECT_EQ(huge.error().problems.size(), 2u);
}

TEST(ParseNumber, StrictWholeField) {
  EXPECT_EQ(ParseNumber(" 33.5 "), 33.5);
  EXPECT_EQ(ParseNumber("+36"), 36);
  EXPECT_FALSE(ParseNumber("33.5x").has_value());
  EXPECT_FALSE(ParseNumber("").has_value());
  EXPECT_FALSE(ParseNumber("nan").has_value());
  EXPECT_FALSE(ParseNumber("inf").has_value());
}

}  // namespace
}  // namespace truce::formats
